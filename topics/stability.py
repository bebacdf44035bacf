"""Stability across seeds: do the topics survive a refit with another seed?

BERTopic users see topics change from run to run. ``topics stability`` refits
the joint model with other seeds on the same cached embeddings (nothing is
re-embedded; only UMAP and HDBSCAN run again), matches each refit's topics to
the reference run's by centroid cosine similarity (Hungarian, one-to-one), and
reports per reference topic:

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

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topics.config import Config
from topics.run import TopicSet, write_text_atomic

STABLE = 0.8
FILE = "stability.json"


@dataclass
class Stability:
    seeds: list[int]
    threshold: float
    topics: pd.DataFrame   # topic, label, stability, stable, mean_similarity, mean_jaccard
    pairwise: pd.DataFrame  # seed_a, seed_b, ari, nmi
    topic_counts: dict[int, int]

    def to_json(self) -> dict:
        counts = list(self.topic_counts.values())
        return {"seeds": self.seeds, "threshold": self.threshold, "stable_at": STABLE,
                "topics": json.loads(self.topics.to_json(orient="records")),
                "pairwise": json.loads(self.pairwise.to_json(orient="records")),
                "mean_ari": float(self.pairwise["ari"].mean()), "mean_nmi": float(self.pairwise["nmi"].mean()),
                "topic_counts": {str(k): v for k, v in self.topic_counts.items()},
                "topic_count_spread": {"min": min(counts), "max": max(counts), "mean": float(np.mean(counts)),
                                       "std": float(np.std(counts))}}


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


def score(reference: TopicSet, reference_assignments: np.ndarray, refits: dict[int, tuple[TopicSet, np.ndarray]],
          reference_seed: int, threshold: float = 0.8) -> Stability:
    """Stability of each reference topic over ``refits`` (seed -> (topics, assignments))."""
    matches = {seed: match(reference, topic_set) for seed, (topic_set, _) in refits.items()}
    rows = []
    for topic in reference.topics:
        found = [matches[seed].get(topic.id) for seed in refits]
        similarities = [m[1] if m else 0.0 for m in found]
        jaccards = [m[2] if m else 0.0 for m in found]
        share = float(np.mean([s >= threshold for s in similarities])) if refits else float("nan")
        rows.append({"topic": topic.id, "label": topic.label, "stability": share, "stable": share >= STABLE,
                     "mean_similarity": float(np.mean(similarities)) if refits else float("nan"),
                     "mean_jaccard": float(np.mean(jaccards)) if refits else float("nan")})
    runs = {reference_seed: reference_assignments} | {seed: a for seed, (_, a) in refits.items()}
    pairwise = pd.DataFrame([{"seed_a": s, "seed_b": t, "ari": adjusted_rand_score(runs[s], runs[t]),
                              "nmi": normalized_mutual_info_score(runs[s], runs[t])}
                             for s, t in itertools.combinations(sorted(runs), 2)])
    counts = {reference_seed: len(reference.topics)} | {seed: len(ts.topics) for seed, (ts, _) in refits.items()}
    return Stability(sorted(runs), threshold, pd.DataFrame(rows), pairwise, counts)


def refit_seeds(prepared, config: Config, seeds: list[int]) -> dict[int, tuple[TopicSet, np.ndarray]]:
    """The joint model refitted with each seed on the prepared (already embedded) corpus."""
    from topics.pipeline import fit_joint

    refits = {}
    for seed in seeds:
        fitted = fit_joint(prepared, config.model_copy(update={"seed": seed}))
        refits[seed] = (fitted.topic_set, fitted.assignments)
    return refits


def write(stability: Stability, run_folder: Path) -> Path:
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
    """Per-topic stability of a run, or None when ``topics stability`` has not been run for it."""
    path = Path(run_folder) / FILE
    if not path.exists():
        return None
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))["topics"])
