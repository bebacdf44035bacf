"""Topic centroids and the rules that assign remarks to topics.

Two rules, one home:

* the **centroid rule** (``rule="centroid"``) places remarks inside a fit:
  consensus members' outliers, sampled fits, Dask blocks. Each topic is one
  target whose centroid is the mean of its remarks' unit embeddings.
* the **curated rule** (``rule="curated"``, the default of everything that
  applies topics after a fit: the short remarks attached at fit time,
  ``topics transform``, session profiles, the classifier comparison, the
  explorer) applies topics as the experts left them:

  - a curated topic keeps its *parts*: one centroid for each fitted topic that
    gave it at least :data:`MIN_PART` remarks (and one for the rest of its
    remarks when they are that many), so a topic made by merging two keeps
    both centres, and a new remark near either part belongs to it (one
    averaged centroid would lie between the parts and lose both);
  - its remarks' *neighbours* vote: the share of a remark's :data:`NEIGHBOURS`
    most similar reference remarks that hold a topic adds :data:`VOTE` times
    that share to the topic's score, so a moved remark pulls the remarks next
    to it along, and a topic's shape beyond a round centroid counts;
  - a remark whose *text* the run holds (kept or attached) gets that remark's
    curated topic when its similarity to the topic reaches the floor (the
    expert placed that very remark; a text held several times goes where most
    of its copies are), or stays an outlier if the run has it as one;
  - a remark goes to the topic of highest score among those whose nearest part
    reaches ``min_similarity`` (``assign.min_similarity``, default 0.3: the threshold at
    which the fit let an outlier join a topic), else it is an outlier;
  - a discarded topic is never assigned: it stays as a *sink*, and a remark
    more similar to a discarded topic than to every kept part is an outlier,
    as that topic's own remarks are.

Why not neighbours alone: on AnnoMI the labels of a remark's 10 nearest
remarks in other sessions agree with its topic less often (0.79) than the
nearest centroid (0.85), because the fit clusters a UMAP layout of many seeds
and its topics are smoother than any one remark's neighbourhood; the vote is a
correction on top of the centroids (``benchmarks/assignment.py`` prints both).

The same rule *attaches* the remarks that cleaning set aside as too short
(``assign.short_remarks``): fitted on substantive remarks only, the topics
still take "You should be proud of yourself" or "What kind of things do you
forget?" when one is similar enough. Attached remarks never shape a topic's
centroid or words; backchannels stay set aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from topics.core.config import AssignConfig
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, TopicRun, positions
from topics.fit.clean import normalise
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


#: Rules: ``curated`` (parts, neighbours and placed texts) applies topics after a fit; ``centroid`` is the fit's.
RULES = ("curated", "centroid")
#: A fitted topic's remarks make a part of a curated topic when they are at least this many; fewer (remarks moved
#: one by one) join through their neighbours and their own texts, not as a centre that would pull a region along.
MIN_PART = 10
#: How many nearest reference remarks vote, and what a unanimous vote adds to a topic's cosine score. Chosen on
#: AnnoMI (``benchmarks/assignment.py``: 0.05-0.15 agree within a point; 0.1 is between the best with and without
#: edits).
NEIGHBOURS = 10
VOTE = 0.1
#: The neighbours are searched among at most this many reference remarks (drawn at random, seeded): exact search
#: over 20,000 remarks costs a million new remarks about 4 minutes on 2 cores (``benchmarks/assignment.py``).
REFERENCE_CAP = 20_000
#: Remarks compared with the reference at once: 1,024 x 20,000 similarities are 80 MB, their ranking 160 MB.
NEIGHBOUR_BLOCK = 1_024
#: Marks a remark whose text the run does not hold.
UNPLACED = -2


@dataclass
class CuratedTopics:
    """The targets of assignment (unit vectors): kept topics, their parts, discarded topics' sinks, and for the
    curated rule the reference remarks whose curated topics vote and whose texts are placed."""

    ids: np.ndarray
    #: one row per topic in ``ids``: the mean of all its remarks (what a BERTopic export and the similarity shown
    #: to users are made of)
    centroids: np.ndarray
    sinks: np.ndarray
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    #: ``transform --method classifier``: a trained :class:`topics.curate.classifier.TopicClassifier` names the
    #: topic instead of the rule; ``similarity`` still reports the nearest part's cosine.
    classifier: Any = None
    #: one row per part and the index in ``ids`` of the topic it belongs to (the centroid rule: one part per topic)
    parts: np.ndarray | None = None
    part_topic: np.ndarray | None = None
    #: reference remarks (unit rows) and their curated topic (or -1); empty for the centroid rule
    reference: np.ndarray | None = None
    reference_topics: np.ndarray | None = None
    #: text of a run's remark -> its curated topic (or -1)
    placed: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.parts is None:  # the centroid rule: each topic is one part
            self.parts, self.part_topic = self.centroids, np.arange(len(self.ids))

    @classmethod
    def of(
        cls,
        curated: TopicRun,
        fitted: TopicRun,
        embeddings: np.ndarray,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
        rule: str = "curated",
    ) -> CuratedTopics:
        """Targets from the curated assignment of the kept remarks (``embeddings`` row-aligned with them).

        A fitted topic whose id is gone from the curated run and most of whose
        remarks are now outliers was discarded: its sink is the mean of those remarks.
        """
        current = [t.id for t in curated.joint.topics] if curated.joint else []
        placed = None
        if "text" in curated.remarks and rule == "curated":  # the remarks an expert or the fit placed
            remarks = curated.remarks
            held = remarks[remarks["kept"] | remarks.get("attached", False)]
            pairs = pd.DataFrame(
                {"text": held["text"].astype(str).map(normalise), "topic": held["topic"].fillna(OUTLIER).astype(int)}
            )
            # a text held several times under different topics (one copy moved) is placed where most copies are
            commonest = pairs.value_counts(sort=True).reset_index().drop_duplicates("text")
            placed = dict(zip(commonest["text"], commonest["topic"].astype(int)))
        return cls.from_labels(
            curated.kept["topic"].to_numpy(dtype=int),
            fitted.kept["topic"].to_numpy(dtype=int),
            current,
            embeddings,
            min_similarity,
            placed=placed,
            rule=rule,
        )

    @classmethod
    def of_partition(
        cls, labels: np.ndarray, embeddings: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY
    ) -> CuratedTopics:
        """Centroid-rule targets of a partition as a fit (or one consensus member) made it: each topic it holds,
        none discarded."""
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
        placed: dict[str, int] | None = None,
        rule: str = "curated",
        seed: int = 0,
    ) -> CuratedTopics:
        """Targets from the kept remarks' curated (``now``) and fitted (``then``) topics and the ``current``
        topic ids; at fit time ``now`` and ``then`` are the same labels. ``placed``: normalised texts of the run's
        remarks and their curated topics (curated rule); ``seed`` draws the reference remarks beyond
        :data:`REFERENCE_CAP`."""
        if rule not in RULES:
            raise TopicsInputError(f"unknown assignment rule {rule!r}; rules: {', '.join(RULES)}.")
        now, then = np.asarray(now, dtype=int), np.asarray(then, dtype=int)
        ids = np.asarray([t for t in current if (now == t).any()], dtype=int)  # topics whose remarks all moved away
        # a discarded topic's remarks that are still outliers, labelled by the fitted topic they came from
        sunk = np.where((now == OUTLIER) & ~np.isin(then, current), then, OUTLIER)
        discarded = [t for t in np.unique(sunk[sunk != OUTLIER]) if (sunk == t).sum() * 2 > (then == t).sum()]
        targets = cls(
            ids=ids,
            centroids=topic_centroids(now, embeddings, ids),
            sinks=topic_centroids(sunk, embeddings, discarded),
            min_similarity=min_similarity,
        )
        if rule == "curated":
            targets.parts, targets.part_topic = _parts(now, then, ids, embeddings)
            reference = np.arange(len(now))
            if len(reference) > REFERENCE_CAP:
                reference = np.sort(np.random.default_rng(seed).choice(len(now), REFERENCE_CAP, replace=False))
            targets.reference = unit_rows(np.asarray(embeddings[reference]))
            targets.reference_topics = np.where(np.isin(now[reference], ids), now[reference], OUTLIER)
            if placed:
                kept_ids = set(ids.tolist())
                targets.placed = {text: topic if topic in kept_ids else OUTLIER for text, topic in placed.items()}
        return targets

    def assign(
        self, vectors: np.ndarray, texts: list[str] | None = None, block: int = BLOCK
    ) -> tuple[np.ndarray, np.ndarray]:
        """(topic id or -1, cosine similarity to that topic's nearest part) per row of ``vectors``, in blocks.
        ``texts`` (row-aligned): remarks the run holds keep their curated topic."""
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
            topic_scores = self._topic_scores(rows)
            placed = self._placed(texts[start : start + block] if texts is not None else None, len(rows))
            score = topic_scores.copy()
            # the neighbour search, the rule's costly step, only for remarks the rule decides: a placed remark
            # keeps its topic, and a classifier names the topic of every remark itself
            voting = np.flatnonzero(placed == UNPLACED) if self.classifier is None else np.zeros(0, dtype=int)
            score[voting] += VOTE * self._votes(rows[voting])
            score[topic_scores < self.min_similarity] = -np.inf  # a vote chooses among topics above the floor
            best = score.argmax(axis=1)
            here = positions(self.ids, placed)
            best = np.where(here >= 0, here, best)  # a placed remark's similarity is to its own topic's parts
            top = topic_scores[np.arange(len(rows)), best]
            nearest_kept = topic_scores.max(axis=1)
            sunk = (rows @ self.sinks.T).max(axis=1) > nearest_kept if len(self.sinks) else np.zeros(len(rows), bool)
            keep = (top >= self.min_similarity) & ~sunk
            chosen = np.where(keep, self.ids[best], OUTLIER)
            # a placed remark keeps its topic above the floor (a sink does not take it), an outlier stays one
            chosen = np.where(
                placed == UNPLACED, chosen, np.where((here >= 0) & (top >= self.min_similarity), placed, OUTLIER)
            )
            topics[start : start + len(rows)] = self.classifier.predict(rows) if self.classifier is not None else chosen
            similarity[start : start + len(rows)] = top
        return topics, similarity

    def _placed(self, texts: list[str] | None, count: int) -> np.ndarray:
        """The curated topic (or -1) of each text the run holds, :data:`UNPLACED` for the others."""
        if texts is None or not self.placed:
            return np.full(count, UNPLACED)
        return np.array([self.placed.get(text, UNPLACED) for text in texts], dtype=int)

    def _topic_scores(self, rows: np.ndarray) -> np.ndarray:
        """Cosine of each row to each topic's nearest part (rows x topics)."""
        part_scores = rows @ self.parts.T
        scores = np.full((len(rows), len(self.ids)), -np.inf, dtype=np.float32)
        for topic in np.unique(self.part_topic):
            scores[:, topic] = part_scores[:, self.part_topic == topic].max(axis=1)
        return scores

    def _votes(self, rows: np.ndarray) -> np.ndarray:
        """Share of each row's :data:`NEIGHBOURS` most similar reference remarks that hold each topic."""
        votes = np.zeros((len(rows), len(self.ids)), dtype=np.float32)
        if self.reference is None or not len(self.reference):
            return votes
        k = min(NEIGHBOURS, len(self.reference))
        for start in range(0, len(rows), NEIGHBOUR_BLOCK):
            similarity = rows[start : start + NEIGHBOUR_BLOCK] @ self.reference.T
            count = len(similarity)
            nearest = np.argpartition(similarity, -k, axis=1)[:, -k:]
            where = positions(self.ids, self.reference_topics[nearest])
            cell = (np.arange(count)[:, None] * len(self.ids) + where)[where >= 0]
            tally = np.bincount(cell, minlength=count * len(self.ids)).reshape(count, len(self.ids))
            votes[start : start + count] = tally / k
        return votes


def _parts(now: np.ndarray, then: np.ndarray, ids: np.ndarray, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit centroids of the parts of each topic in ``ids`` and the index in ``ids`` of each part's topic: one part
    per fitted topic that gave it at least :data:`MIN_PART` remarks, and one for the rest of its remarks when they
    are that many too or when no fitted topic gave that many (a handful of moved remarks is no part)."""
    position = positions(ids, now)
    inside = np.flatnonzero(position >= 0)
    pairs, pair_of, counts = np.unique(
        np.stack([position[inside], then[inside]], axis=1), axis=0, return_inverse=True, return_counts=True
    )
    pair_of = pair_of.reshape(-1)
    big = counts[pair_of] >= MIN_PART
    topic = position[inside]
    rest = np.bincount(topic[~big], minlength=len(ids))
    has_big = np.bincount(topic[big], minlength=len(ids)) > 0
    rest_is_part = (rest >= MIN_PART) | ~has_big
    # a part's label: its pair's index, or past every pair for the rest of a topic; remarks of no part: -1
    label = np.where(big, pair_of, np.where(rest_is_part[topic], len(pairs) + topic, OUTLIER))
    key = np.full(len(now), OUTLIER, dtype=np.int64)
    key[inside] = label
    part_keys = np.unique(label[label != OUTLIER])
    owner = np.where(part_keys < len(pairs), pairs[np.minimum(part_keys, len(pairs) - 1), 0], part_keys - len(pairs))
    return topic_centroids(key, embeddings, part_keys), owner.astype(int)


def assign_texts(
    texts: list[str], targets: CuratedTopics, encoder: Encoder, cache: EmbeddingCache | None
) -> tuple[np.ndarray, np.ndarray]:
    """Embed ``texts`` (normalised, through the cache) and assign them: (topic id or -1, similarity) per text."""
    embeddings, _ = embed_texts(texts, encoder, cache)
    return targets.assign(embeddings, texts)


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
