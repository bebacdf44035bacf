"""Topic centroids and the nearest-centroid rule that assigns remarks to them.

One rule places a remark wherever a remark is placed: at fit time (the short
remarks attached after clustering, consensus members, sampled fits, Dask
blocks) and afterwards (``topics transform``, profiles, exports, in
:mod:`topics.curate.assign`):

* each topic is one target whose centroid is the mean of its remarks' unit
  embeddings (for a curated run: the remarks it holds now, so a merged topic
  is one target and moved remarks count where they were moved to);
* a remark goes to the most similar centroid (cosine) when that similarity
  reaches ``min_similarity`` (``assign.min_similarity``, default 0.3: the
  threshold at which the fit let an outlier join a topic), else it is an
  outlier;
* a discarded topic is never assigned: it stays as a *sink*, and a remark
  more similar to a discarded topic than to every kept one is an outlier,
  as that topic's own remarks are.

The same rule *attaches* the remarks that cleaning set aside as too short
(``assign.short_remarks``): fitted on substantive remarks only, the topics
still take "You should be proud of yourself" or "What kind of things do you
forget?" when one is similar enough. Attached remarks never shape a topic's
centroid or words; backchannels stay set aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from topics.core.config import AssignConfig
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, TopicRun, positions
from topics.fit.embed import EmbeddingCache, Encoder, embed_texts

DEFAULT_MIN_SIMILARITY: float = AssignConfig.model_fields["min_similarity"].default
SHORT = "too_short"


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """``rows`` as float32, each scaled to unit length (all-zero rows stay zero)."""
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


#: Remarks summed or assigned per block: 65,536 x 384 float32 is 100 MB.
BLOCK = 65_536


def mean_by_topic(
    labels: np.ndarray, embeddings: np.ndarray, ids: np.ndarray | list[int], unit: bool = False
) -> np.ndarray:
    """Mean embedding of each topic in ``ids`` (rows in that order), summed block by block as one sparse
    product per block: a million remarks never need a second copy of the embeddings.
    ``unit``: average the remarks' unit vectors (cosine geometry)."""
    ids = np.asarray(ids, dtype=int)
    dimensions = embeddings.shape[1]
    if not len(ids):
        return np.zeros((0, dimensions), np.float32)
    sums = np.zeros((len(ids), dimensions))
    counts = np.zeros(len(ids))
    for start in range(0, len(labels), BLOCK):
        position = positions(ids, labels[start : start + BLOCK])
        valid = np.flatnonzero(position >= 0)
        if not len(valid):
            continue
        vectors = np.asarray(embeddings[start : start + BLOCK], dtype=np.float64)[valid]
        if unit:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        membership = sp.csr_matrix(
            (np.ones(len(valid)), (position[valid], np.arange(len(valid)))), shape=(len(ids), len(valid))
        )
        sums += membership @ vectors
        counts += np.bincount(position[valid], minlength=len(ids))
    return (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)


def topic_centroids(labels: np.ndarray, embeddings: np.ndarray, ids: np.ndarray | list[int]) -> np.ndarray:
    """Unit centroid of each topic in ``ids``: the mean of its remarks' unit embeddings (cosine geometry)."""
    return unit_rows(mean_by_topic(labels, embeddings, ids, unit=True))


@dataclass
class CuratedTopics:
    """The targets of assignment: kept topics' centroids and discarded topics' sinks (unit vectors)."""

    ids: np.ndarray
    centroids: np.ndarray
    sinks: np.ndarray
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    #: ``transform --method classifier``: a trained :class:`topics.curate.classifier.TopicClassifier` names the
    #: topic instead of the nearest centroid; ``similarity`` still reports the nearest centroid's cosine.
    classifier: Any = None

    @classmethod
    def of(
        cls, curated: TopicRun, fitted: TopicRun, embeddings: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY
    ) -> CuratedTopics:
        """Targets from the curated assignment of the kept remarks (``embeddings`` row-aligned with them).

        A fitted topic whose id is gone from the curated run and most of whose
        remarks are now outliers was discarded: its sink is the mean of those remarks.
        """
        current = [t.id for t in curated.joint.topics] if curated.joint else []
        return cls.from_labels(
            curated.kept["topic"].to_numpy(dtype=int),
            fitted.kept["topic"].to_numpy(dtype=int),
            current,
            embeddings,
            min_similarity,
        )

    @classmethod
    def of_partition(
        cls, labels: np.ndarray, embeddings: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY
    ) -> CuratedTopics:
        """Targets of a partition as a fit (or one consensus member) made it: each topic it holds, none discarded."""
        labels = np.asarray(labels)
        ids = np.unique(labels[labels != OUTLIER])
        return cls(
            ids=ids,
            centroids=topic_centroids(labels, embeddings, ids),
            sinks=np.zeros((0, embeddings.shape[1]), np.float32),
            min_similarity=min_similarity,
        )

    @classmethod
    def from_labels(
        cls,
        now: np.ndarray,
        then: np.ndarray,
        current: list[int],
        embeddings: np.ndarray,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> CuratedTopics:
        """Targets from the kept remarks' curated (``now``) and fitted (``then``) topics and the
        ``current`` topic ids; at fit time ``now`` and ``then`` are the same labels."""
        ids = [t for t in current if (now == t).any()]  # a topic whose remarks were all moved away has no centroid
        # a discarded topic's remarks that are still outliers, labelled by the fitted topic they came from
        sunk = np.where((now == OUTLIER) & ~np.isin(then, current), then, OUTLIER)
        discarded = [t for t in np.unique(sunk[sunk != OUTLIER]) if (sunk == t).sum() * 2 > (then == t).sum()]
        return cls(
            ids=np.asarray(ids, dtype=int),
            centroids=topic_centroids(now, embeddings, ids),
            sinks=topic_centroids(sunk, embeddings, discarded),
            min_similarity=min_similarity,
        )

    def assign(self, vectors: np.ndarray, block: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
        """(topic id or -1, cosine similarity to that topic's centroid) per row of ``vectors``, in blocks."""
        topics = np.full(len(vectors), OUTLIER, dtype=int)
        similarity = np.zeros(len(vectors), dtype=np.float32)
        if not len(self.ids):
            return topics, similarity
        if vectors.shape[1] != self.centroids.shape[1]:
            raise TopicsInputError(
                f"the remarks were embedded in {vectors.shape[1]} dimensions but the run's topics live in "
                f"{self.centroids.shape[1]}: the run was fitted with another encoder. Use the run's embed.model."
            )
        for start in range(0, len(vectors), block):
            rows = unit_rows(np.asarray(vectors[start : start + block]))
            scores = rows @ self.centroids.T
            best = scores.argmax(axis=1)
            top = scores[np.arange(len(rows)), best]
            sunk = (rows @ self.sinks.T).max(axis=1) > top if len(self.sinks) else np.zeros(len(rows), dtype=bool)
            keep = (top >= self.min_similarity) & ~sunk
            topics[start : start + len(rows)] = (
                self.classifier.predict(rows)
                if self.classifier is not None
                else np.where(keep, self.ids[best], OUTLIER)
            )
            similarity[start : start + len(rows)] = top
        return topics, similarity


def assign_texts(
    texts: list[str], targets: CuratedTopics, encoder: Encoder, cache: EmbeddingCache | None
) -> tuple[np.ndarray, np.ndarray]:
    """Embed ``texts`` (through the cache) and assign them: (topic id or -1, similarity) per text."""
    embeddings, _ = embed_texts(texts, encoder, cache)
    return targets.assign(embeddings)


def attach_short_remarks(
    frame: pd.DataFrame, texts: pd.Series, targets: CuratedTopics, encoder: Encoder, cache: EmbeddingCache | None
) -> pd.DataFrame:
    """``frame`` with its ``too_short`` remarks assigned: ``attached`` True, ``topic`` (or -1), ``similarity``.

    ``texts``: the normalised texts, indexed like ``frame``. Other rows keep
    their topic and similarity; ``attached`` is False for them.
    """
    frame = frame.copy()
    short = frame["set_aside"].eq(SHORT).fillna(False).to_numpy(dtype=bool)
    frame["attached"] = short
    if "similarity" not in frame:
        frame["similarity"] = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    if short.any():
        topics, similarity = assign_texts(texts[short].tolist(), targets, encoder, cache)
        frame.loc[short, "topic"] = topics
        frame.loc[short, "similarity"] = similarity.astype(float)
    return frame
