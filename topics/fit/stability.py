"""Stability across seeds: do the topics survive a refit with another seed?

BERTopic users see topics change from run to run. Two measurements answer it:

* **At every fit** (:func:`of_members`): the joint model is a consensus of
  seeded member fits (:mod:`topics.fit.consensus`); each consensus topic is
  matched against every member's topics. Written to ``stability.json``.
* **``topics stability``** (:mod:`topics.analysis.seed_stability`): the whole
  (consensus) model refitted with other seeds on the same cached embeddings
  (nothing is re-embedded); this is the seed-to-seed agreement a user sees,
  and replaces the fit-time file.

Either way, each other model's topics are matched to the reference topics by
centroid cosine similarity (Hungarian, one-to-one), and per reference topic:

* ``stability``: the share of refits in which a matching topic (similarity at
  least ``threshold``) appears; *stable* when it is at least 0.8;
* ``mean_similarity`` and ``mean_jaccard`` (top-10 word overlap, a second check).

And for the whole model: pairwise ARI and NMI of the remark assignments of all
runs, and the spread of topic counts. Results are written to
``stability.json`` in the run folder and shown by the explorer.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topics.core.files import write_text_atomic
from topics.core.run import OUTLIER, Topic, TopicSet
from topics.fit.centroids import topic_centroids
from topics.fit.topic_words import TopicWords

if TYPE_CHECKING:
    from topics.fit.bertopic_model import FittedModel

STABLE = 0.8
FILE = "stability.json"


@dataclass
class Stability:
    """Per-topic stability of one model across seeds (its consensus members or refits), and the agreement of the
    runs' assignments: what ``stability.json`` holds."""

    seeds: list[int | str]
    threshold: float
    topics: pd.DataFrame  # topic, label, stability, stable, mean_similarity, mean_jaccard
    pairwise: pd.DataFrame  # seed_a, seed_b, ari, nmi
    topic_counts: dict[int | str, int]
    source: str = "refits"  # "members": the consensus members of the fit; "refits": topics stability

    def to_json(self) -> dict:
        """The contents of ``stability.json``: the per-topic and pairwise tables as records, the mean ARI and NMI,
        and the spread of the topic counts."""
        counts = list(self.topic_counts.values())
        return {
            "source": self.source,
            "seeds": self.seeds,
            "threshold": self.threshold,
            "stable_at": STABLE,
            "topics": json.loads(self.topics.to_json(orient="records")),
            "pairwise": json.loads(self.pairwise.to_json(orient="records")),
            "mean_ari": float(self.pairwise["ari"].mean()),
            "mean_nmi": float(self.pairwise["nmi"].mean()),
            "topic_counts": {str(k): v for k, v in self.topic_counts.items()},
            "topic_count_spread": {
                "min": min(counts),
                "max": max(counts),
                "mean": float(np.mean(counts)),
                "std": float(np.std(counts)),
            },
        }


def match(reference: TopicSet, other: TopicSet) -> dict[int, tuple[int, float, float]]:
    """Reference topic id -> (other topic id, centroid cosine, top-word Jaccard), one-to-one."""
    if not reference.topics or not other.topics:
        return {}
    a = reference.centroids / np.linalg.norm(reference.centroids, axis=1, keepdims=True)
    b = other.centroids / np.linalg.norm(other.centroids, axis=1, keepdims=True)
    similarity = a @ b.T
    rows, cols = linear_sum_assignment(-similarity)
    result = {}
    for i, j in zip(rows, cols):
        words_a, words_b = set(reference.topics[i].top_words()), set(other.topics[j].top_words())
        jaccard = len(words_a & words_b) / max(len(words_a | words_b), 1)
        result[reference.topics[i].id] = (other.topics[j].id, float(similarity[i, j]), jaccard)
    return result


def score(
    reference: TopicSet,
    reference_assignments: np.ndarray,
    refits: dict[int, tuple[TopicSet, np.ndarray]],
    reference_seed: int | str,
    threshold: float = 0.8,
    source: str = "refits",
) -> Stability:
    """Stability of each reference topic over ``refits`` (seed -> (topics, assignments))."""
    matches = {seed: match(reference, topic_set) for seed, (topic_set, _) in refits.items()}
    rows = []
    for topic in reference.topics:
        found = [matches[seed].get(topic.id) for seed in refits]
        similarities = [m[1] if m else 0.0 for m in found]
        jaccards = [m[2] if m else 0.0 for m in found]
        share = float(np.mean([s >= threshold for s in similarities])) if refits else float("nan")
        rows.append(
            {
                "topic": topic.id,
                "label": topic.label,
                "stability": share,
                "stable": share >= STABLE,
                "mean_similarity": float(np.mean(similarities)) if refits else float("nan"),
                "mean_jaccard": float(np.mean(jaccards)) if refits else float("nan"),
            }
        )
    runs = {reference_seed: reference_assignments} | {seed: a for seed, (_, a) in refits.items()}
    pairwise = pd.DataFrame(
        [
            {
                "seed_a": s,
                "seed_b": t,
                "ari": adjusted_rand_score(runs[s], runs[t]),
                "nmi": normalized_mutual_info_score(runs[s], runs[t]),
            }
            for s, t in itertools.combinations(list(runs), 2)
        ]
    )
    counts = {reference_seed: len(reference.topics)} | {seed: len(ts.topics) for seed, (ts, _) in refits.items()}
    return Stability(list(runs), threshold, pd.DataFrame(rows), pairwise, counts, source)


def member_topic_set(labels: np.ndarray, embeddings: np.ndarray, words: TopicWords) -> TopicSet:
    """A member model's topics as a ``TopicSet``: centroids of its remarks' embeddings and c-TF-IDF words."""
    ids = sorted(int(t) for t in np.unique(labels) if t != OUTLIER)
    named = words.words(labels, ids)
    topics = [Topic(id=t, label="", words=named[t], size=int((labels == t).sum())) for t in ids]
    return TopicSet("member", topics, topic_centroids(labels, embeddings, ids))


def of_members(reference: TopicSet, fitted: FittedModel, embeddings: np.ndarray, words: TopicWords) -> Stability:
    """Per-topic stability of a consensus model across its own members, measured at fit time."""
    refits = {seed: (member_topic_set(labels, embeddings, words), labels) for seed, labels in fitted.members.items()}
    return score(reference, fitted.assignments, refits, "consensus", source="members")


def write(stability: Stability, run_folder: Path) -> Path:
    """Write ``stability`` to the run folder's ``stability.json`` atomically; returns the file's path."""
    target = run_folder / FILE
    write_text_atomic(target, json.dumps(stability.to_json(), indent=2, ensure_ascii=False))
    return target


def current_scores(run_folder: Path, fitted: TopicSet, curated: TopicSet) -> dict[int, float | None] | None:
    """Stability per curated topic; ``None`` for a topic that edits changed (merged or moved remarks),
    because the score was measured on the fitted topic. ``None`` overall when never measured."""
    scores = load(run_folder)
    if scores is None:
        return None
    measured = dict(zip(scores["topic"].astype(int), scores["stability"].astype(float)))
    result = {}
    for topic in curated.topics:
        try:
            original = fitted.topic(topic.id)
        except KeyError:
            original = None
        unchanged = original is not None and original.size == topic.size and original.words == topic.words
        result[topic.id] = measured.get(topic.id) if unchanged else None
    return result


def load(run_folder: Path) -> pd.DataFrame | None:
    """Per-topic stability of a run, or None when it was never measured (runs fitted before it was stored)."""
    path = Path(run_folder) / FILE
    if not path.exists():
        return None
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))["topics"])


#: How a reader is told what a stability share counts, by ``Stability.source``.
SOURCE_WORDS = {"members": "of the fit's seeded consensus members", "refits": "of refits with other seeds"}


def measured_in(run_folder: Path) -> str:
    """Plain words for what the run's stability shares count ("of refits with other seeds", ...)."""
    path = Path(run_folder) / FILE
    source = json.loads(path.read_text(encoding="utf-8")).get("source", "refits") if path.exists() else "refits"
    return SOURCE_WORDS[source]
