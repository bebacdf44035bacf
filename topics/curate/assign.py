"""Curated topics applied to remarks: the targets of a curated run and its stored embeddings.

A curated topic must be the topic everywhere, so new remarks are assigned to
the topics as the experts left them, not as the fit made them, by the
nearest-centroid rule of :mod:`topics.fit.centroids` with the run's own floor.

On AnnoMI this rule gives 92 % of the run's own kept remarks the topic the
run gives them (``tests/test_annomi.py`` checks at least 90 %).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

from topics.core.config import validate_config
from topics.core.run import EMBEDDINGS_FILE, TopicRun
from topics.fit.centroids import DEFAULT_MIN_SIMILARITY, CuratedTopics
from topics.fit.embed import embed_texts
from topics.fit.pipeline import embedding_cache, make_encoder

if TYPE_CHECKING:
    from topics.curate.editlog import Curator


def kept_embeddings(curator: Curator) -> np.ndarray:
    """Embeddings of the run's kept remarks (row i = i-th kept remark), as stored at fit time.

    Runs fitted before they were stored are embedded again with the run's
    encoder (from the embedding cache when it still holds them).
    """
    path = curator.path / EMBEDDINGS_FILE
    if path.exists():
        return np.load(path, mmap_mode="r")
    print(
        f"note: {path.name} is not in {curator.path} (fitted by an older version): embedding its kept remarks again.",
        file=sys.stderr,
    )
    config = validate_config(curator.fitted.config, source=f"{curator.path}/config.yaml")
    encoder = make_encoder(config)
    embeddings, _ = embed_texts(curator.fitted.kept["text"].tolist(), encoder, embedding_cache(config, encoder))
    return embeddings


def self_consistency(
    curated: TopicRun, fitted: TopicRun, embeddings: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY
) -> float:
    """Share of the run's kept remarks that the assignment rule gives their curated topic (or outlier)."""
    targets = CuratedTopics.of(curated, fitted, embeddings, min_similarity)
    topics, _ = targets.assign(embeddings)
    return float(np.mean(topics == curated.kept["topic"].to_numpy(dtype=int)))


def run_floor(run: TopicRun, override: float | None = None) -> float:
    """The similarity floor a run assigns with: ``override``, else its ``assign.min_similarity``."""
    if override is not None:
        return override
    return float((run.config.get("assign") or {}).get("min_similarity", DEFAULT_MIN_SIMILARITY))


def curated_targets(curator: Curator, min_similarity: float | None = None) -> CuratedTopics:
    """The assignment targets of a curator's run (curated centroids, sinks, the run's floor or ``min_similarity``)."""
    return CuratedTopics.of(
        curator.run, curator.fitted, kept_embeddings(curator), run_floor(curator.run, min_similarity)
    )
