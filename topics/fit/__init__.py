"""The fit stage: from a corpus file to a run folder.

Language detection, cleaning (therapist turns, backchannels), tokens and stop
words per language, encoders and the embedding cache, layouts (UMAP, seeded,
worker processes), the consensus clusterer, topic words (c-TF-IDF counts), the
assignment rules (curated and one-centroid), sampling and settling for large corpora, Dask and cuML
backends, fit-time measures and member stability, and the pipeline that writes
a run folder (:mod:`topics.fit.pipeline`). It imports the core and the
corpus loaders (:mod:`corpora`) only.
"""
