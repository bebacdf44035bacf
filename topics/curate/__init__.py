"""The curation stage: expert edits and the curated topics applied to remarks.

Edits as pure functions (:mod:`topics.curate.edits`), the append-only edit
log and the curator that replays it (:mod:`topics.curate.editlog`), the
assignment of a curated run's topics (:mod:`topics.curate.assign`), transform
of new corpus files (:mod:`topics.curate.transform`) and the topic
classifier (:mod:`topics.curate.classifier`). It imports the core, the
corpus loaders and the fit stage only.
"""
