"""Curated topics applied to remarks: the targets of a curated run and its stored embeddings.

A curated topic must be the topic everywhere, so new remarks are assigned to
the topics as the experts left them, not as the fit made them, by the curated
rule of :mod:`topics.fit.centroids` (parts, neighbours, placed texts) with the
run's own floor.

On AnnoMI, after renames, merges, discards and moves, the run's own corpus
transformed gets its curated topics back (placed texts), and each session's
remarks assigned from the other sessions alone agree with their curated topics
on 85-87 % (the former one-centroid rule: 80-86 %); ``benchmarks/assignment.py``
prints both, ``tests/test_assignment.py`` checks the rule on random edit sequences.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

from topics.core.run import EMBEDDINGS_FILE, OUTLIER, TopicRun
from topics.fit.centroids import DEFAULT_MIN_SIMILARITY, CuratedTopics
from topics.fit.embed import embed_texts
from topics.fit.encoders import embedding_cache, run_encoder

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
    config, encoder = run_encoder(curator.fitted)
    embeddings, _ = embed_texts(curator.fitted.kept["text"].tolist(), encoder, embedding_cache(config, encoder))
    return embeddings


def self_consistency(
    curated: TopicRun,
    fitted: TopicRun,
    embeddings: np.ndarray,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    rule: str = "curated",
) -> float:
    """Share of the run's kept remarks that the assignment ``rule`` gives their curated topic (or outlier) from
    their embeddings alone (their texts are not looked up, so this measures the geometry)."""
    targets = CuratedTopics.of(curated, fitted, embeddings, min_similarity, rule)
    topics, _ = targets.assign(embeddings)
    return float(np.mean(topics == curated.kept["topic"].to_numpy(dtype=int)))


def run_floor(run: TopicRun, override: float | None = None) -> float:
    """The similarity floor a run assigns with: ``override``, else its ``assign.min_similarity``."""
    if override is not None:
        return override
    return float((run.config.get("assign") or {}).get("min_similarity", DEFAULT_MIN_SIMILARITY))


def curated_targets(curator: Curator, min_similarity: float | None = None, rule: str = "curated") -> CuratedTopics:
    """The assignment targets of a curator's run by ``rule`` (curated parts, neighbours and placed texts, or one
    centroid per topic), with discarded topics' sinks and the run's floor or ``min_similarity``."""
    return CuratedTopics.of(
        curator.run, curator.fitted, kept_embeddings(curator), run_floor(curator.run, min_similarity), rule
    )


def held_out_assignment(
    curated: TopicRun,
    fitted: TopicRun,
    embeddings: np.ndarray,
    rule: str = "curated",
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    folds: int | None = None,
) -> np.ndarray:
    """Each kept remark's topic by ``rule`` with its own session's remarks left out of the reference
    (``folds``: that many session-grouped folds instead of one per session). Texts are not looked up: a rule
    cannot win by finding the remark itself, so this measures how a new session's remarks would be assigned."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    now = curated.kept["topic"].to_numpy(dtype=int)
    then = fitted.kept["topic"].to_numpy(dtype=int)
    sessions = curated.kept["session"].astype(str).to_numpy()
    current = [t.id for t in curated.joint.topics] if curated.joint else []
    splitter = LeaveOneGroupOut() if folds is None else GroupKFold(n_splits=folds)
    predicted = np.full(len(now), OUTLIER, dtype=int)
    vectors = np.asarray(embeddings, dtype=np.float32)
    for train, test in splitter.split(vectors, groups=sessions):
        targets = CuratedTopics.from_labels(now[train], then[train], current, vectors[train], min_similarity, rule=rule)
        predicted[test] = targets.assign(vectors[test])[0]
    return predicted
