"""The analysis stage: what a run says, and how sure we can be.

Group comparison with calibrated session-level tests and intervals
(:mod:`topics.analysis.compare`, :mod:`topics.analysis.significance`,
checked by :mod:`topics.analysis.calibration`), stability across seeds
(:mod:`topics.analysis.seed_stability`), quality measures against baselines
(:mod:`topics.analysis.evaluate`), session profiles
(:mod:`topics.analysis.profile`), word look-up
(:mod:`topics.analysis.word_lookup`) and a remark in its session
(:mod:`topics.analysis.remark_context`). It imports the core, the corpus
loaders, the fit and the curation stages only.
"""
