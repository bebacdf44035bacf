"""The sharing stage: everything that leaves the machine, de-identified.

De-identification (detectors in :mod:`topics.share.redact`, word lists in
:mod:`topics.share.redact_lists`, the corpus redactor behind ``topics
redact`` in :mod:`topics.share.redact_corpus`), reports
(:mod:`topics.share.report`), figures (plotly in :mod:`topics.share.plots`,
inline SVG in :mod:`topics.share.svgcharts`), the terminal's views of a run
(:mod:`topics.share.terminal`) and files written for other tools: the
comparison tables (:mod:`topics.share.comparison_files`) and the BERTopic
export (:mod:`topics.share.export`). It imports every earlier stage and
nothing after it.
"""
