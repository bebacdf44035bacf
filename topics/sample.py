"""Fit on a sample of whole sessions, then assign every other remark: how a million remarks fit on one machine.

UMAP and the consensus of HDBSCAN fits grow faster than the corpus (the
consensus holds one float per *pair* of remarks), but topics are found long
before a million remarks: a clinic's themes are all present in a few hundred
sessions. So when a corpus has more kept remarks than ``fit.sample_size``,

1. :func:`session_sample` draws whole sessions at random (seeded) until the
   sample holds at most ``sample_size`` remarks: no session is split, so a
   session's remarks are all fitted or all assigned;
2. the model is fitted on the sample as on a small corpus, with the
   config's cluster settings: they apply to the remarks the model is fitted
   on, so the smallest topic holds about ``min_cluster_size`` x kept /
   sample remarks of the corpus (scaling them to the sample's share gave
   1,753 topics of 5 remarks on a million, and no better agreement on AnnoMI);
3. :func:`extend` assigns every other remark with the rule ``topics
   transform`` uses (:class:`topics.assign.CuratedTopics`: nearest topic
   centroid, cosine at least ``assign.min_similarity``), in blocks, and each
   consensus member's topics with the members' own outlier rule, so
   stability and ``compare`` see every remark; sizes, group counts,
   centroids, c-TF-IDF words and metrics are then computed over all remarks.

How far this agrees with a full fit is measured, not assumed: on half of
AnnoMI's sessions, ARI 0.37-0.41 with the full fit, against 0.90 between full
fits with other seeds (README, "Fitting a sample"; ``benchmarks/sampling.py``).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from topics.assign import CuratedTopics, mean_by_topic
from topics.config import Config
from topics.distributed import assign_many
from topics.metrics import topic_set_metrics
from topics.model import FittedModel, stop_words_for
from topics.run import OUTLIER, Topic, TopicSet
from topics.words import TopicWords


def session_sample(sessions: pd.Series, size: int, seed: int) -> np.ndarray:
    """Mask of the remarks of whole sessions drawn at random until the sample holds at most ``size`` remarks.

    Remarks without a session count as sessions of their own. At least one
    session is drawn, even when it alone holds more than ``size`` remarks.
    """
    keys = sessions.astype("string").reset_index(drop=True)
    missing = keys.isna().to_numpy()
    keys[missing] = [f"\x00row {i}" for i in np.flatnonzero(missing)]
    codes, uniques = pd.factorize(keys)
    order = np.random.default_rng(seed).permutation(len(uniques))
    cumulative = np.cumsum(np.bincount(codes, minlength=len(uniques))[order])
    chosen = order[:max(1, int(np.searchsorted(cumulative, size, side="right")))]
    return np.isin(codes, chosen)


def member_floor(config: Config) -> float:
    """The similarity at which a remark outside the sample joins a consensus member's topic: the members'
    own outlier rule (``outliers.threshold``), or without one (``outliers.reduce: false``) the final topics' floor."""
    return config.outliers.threshold if config.outliers.reduce else config.assign.min_similarity


def extend(fitted: FittedModel, sample: np.ndarray, documents: list[str], embeddings: np.ndarray,
           groups: pd.Series | None, words: TopicWords, rows: np.ndarray | None, config: Config,
           labels: dict[str, np.ndarray] | None = None, client: Any = None) -> FittedModel:
    """``fitted`` (a model of the ``sample`` rows) extended to every remark of ``documents``.

    ``embeddings``, ``groups`` and ``labels`` are row-aligned with ``documents``;
    ``words`` counts the run's kept remarks and ``rows`` marks this model's
    remarks among them (None: all), as :meth:`TopicWords.words` takes them.
    ``client``: a Dask client that assigns the blocks (:mod:`topics.distributed`).
    """
    rest = np.flatnonzero(~sample)
    sample_embeddings = np.asarray(embeddings[sample])
    targets = CuratedTopics.of_partition(fitted.assignments, sample_embeddings, config.assign.min_similarity)
    members = {seed: CuratedTopics.of_partition(labels_, sample_embeddings, member_floor(config))
               for seed, labels_ in fitted.members.items()}
    final, probabilities = _full(fitted.assignments, sample, 0), _full(fitted.probabilities, sample, 0.0)
    initial = _full(fitted.initial_assignments, sample, 0)
    member_labels = {seed: _full(labels_, sample, 0) for seed, labels_ in fitted.members.items()}
    assigned = assign_many([targets, *members.values()], embeddings, rest, client,
                           f"{fitted.topic_set.name}: assigning {len(rest):,} remarks outside the sample")
    final[rest], probabilities[rest] = assigned[0]
    initial[rest] = final[rest]
    for seed, (member, _) in zip(members, assigned[1:]):
        member_labels[seed][rest] = member
    topics = _topics_over_all(fitted.topic_set.topics, final, groups, words, rows, config)
    centroids = mean_by_topic(final, embeddings, [t.id for t in topics])
    topic_set = TopicSet(name=fitted.topic_set.name, topics=topics, centroids=centroids)
    topic_set.metrics = topic_set_metrics(topics, final, documents, config.words.top_n, initial,
                                          stop_words_for(config), labels) | {
        "fit_sample_remarks": int(sample.sum())}
    print(f"{fitted.topic_set.name}: fitted on {int(sample.sum()):,} remarks, assigned {len(rest):,} more "
          f"({float(np.mean(final[rest] == OUTLIER)):.1%} of them outliers).", file=sys.stderr)
    return replace(fitted, topic_set=topic_set, assignments=final, probabilities=probabilities,
                   initial_assignments=initial, members=member_labels)


def _full(values: np.ndarray, sample: np.ndarray, fill) -> np.ndarray:
    """An array over every remark holding ``values`` at the sample's rows and ``fill`` elsewhere."""
    result = np.full(len(sample), fill, dtype=np.asarray(values).dtype)
    result[sample] = values
    return result


def _topics_over_all(fitted: list[Topic], assignments: np.ndarray, groups: pd.Series | None, words: TopicWords,
                     rows: np.ndarray | None, config: Config) -> list[Topic]:
    """The fitted topics with sizes, group counts and (for c-TF-IDF) words of every remark they now hold."""
    ids = [t.id for t in fitted]
    sizes = np.bincount(assignments[assignments != OUTLIER], minlength=max(ids, default=-1) + 1)
    counts: dict[int, dict[str, int]] = {}
    if groups is not None:
        table = pd.crosstab(pd.Series(assignments), groups.reset_index(drop=True).astype("string"))
        counts = {int(t): {str(g): int(c) for g, c in row.items() if c} for t, row in table.iterrows()}
    named = {}
    if config.words.representation == "ctfidf":
        full = assignments
        if rows is not None:
            full = np.full(len(rows), OUTLIER - 1, dtype=int)  # other models' remarks are left out by ``rows``
            full[rows] = assignments
        named = words.words(full, ids, rows)
    result = []
    for topic in fitted:
        topic_words = named.get(topic.id) or topic.words
        result.append(replace(topic, words=topic_words, size=int(sizes[topic.id]),
                              label=", ".join(w for w, _ in topic_words[:3]) or topic.label,
                              group_counts=counts.get(topic.id, {})))
    return result
