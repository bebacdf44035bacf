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
3. :func:`extend` assigns every other remark with the fit's centroid rule
   (:class:`topics.fit.centroids.CuratedTopics`: nearest topic centroid, cosine
   at least ``assign.min_similarity``), in blocks, then again with the
   centroids of every remark until at most ``TOLERANCE`` of them move
   (:func:`settle`), so that the run is a fixed point of that rule
   (``transform --method centroid``; the default curated rule gives the run's
   own remarks their topics by their texts); each
   consensus member's topics are extended once with the members' own outlier
   rule, so stability and ``compare`` see every remark; sizes, group counts,
   centroids, c-TF-IDF words and metrics are then computed over all remarks.

How far this agrees with a full fit is measured, not assumed: on half of
AnnoMI's sessions, ARI 0.43-0.48 with the full fit, against 0.91 between full
fits with other seeds and 0.84 for a perfect fit of the half with the rest
assigned (docs/guide/large-corpora.md, "Fitting a sample"; ``benchmarks/sampling.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from topics.core.config import Config
from topics.core.errors import warn
from topics.core.run import OUTLIER, Topic, TopicSet
from topics.fit.bertopic_model import FittedModel, stop_words_for
from topics.fit.centroids import CuratedTopics, mean_by_topic
from topics.fit.distributed import assign_many
from topics.fit.metrics import topic_set_metrics
from topics.fit.topic_words import TopicWords

#: :func:`settle` stops when at most this share of the assigned remarks moved in a pass (below 1,000
#: assigned remarks: when none moved), or after ``MAX_PASSES`` passes. AnnoMI's half sample settles
#: completely in 6-12 passes; a million stand-in remarks reach 0.1 % in about 22 (7 s a pass).
TOLERANCE = 0.001
MAX_PASSES = 30


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
    chosen = order[: max(1, int(np.searchsorted(cumulative, size, side="right")))]
    return np.isin(codes, chosen)


def member_floor(config: Config) -> float:
    """The similarity at which a remark outside the sample joins a consensus member's topic: the members'
    own outlier rule (``outliers.threshold``), or without one (``outliers.reduce: false``) the final topics' floor."""
    return config.outliers.threshold if config.outliers.reduce else config.assign.min_similarity


def extend(
    fitted: FittedModel,
    sample: np.ndarray,
    documents: list[str],
    embeddings: np.ndarray,
    groups: pd.Series | None,
    words: TopicWords,
    rows: np.ndarray | None,
    config: Config,
    labels: dict[str, np.ndarray] | None = None,
    client: Any = None,
    languages: Iterable[str] = ("en",),
) -> FittedModel:
    """``fitted`` (a model of the ``sample`` rows) extended to every remark of ``documents``.

    ``embeddings``, ``groups`` and ``labels`` are row-aligned with ``documents``;
    ``words`` counts the run's kept remarks and ``rows`` marks this model's
    remarks among them (None: all), as :meth:`TopicWords.words` takes them.
    ``client``: a Dask client that assigns the blocks (:mod:`topics.fit.distributed`); ``languages``: the
    corpus', for the metrics' stop words.
    """
    rest = np.flatnonzero(~sample)
    sample_embeddings = np.asarray(embeddings[sample])
    targets = CuratedTopics.of_partition(fitted.assignments, sample_embeddings, config.assign.min_similarity)
    members = {
        seed: CuratedTopics.of_partition(labels_, sample_embeddings, member_floor(config))
        for seed, labels_ in fitted.members.items()
    }
    final, probabilities = _full(fitted.assignments, sample, 0), _full(fitted.probabilities, sample, 0.0)
    initial = _full(fitted.initial_assignments, sample, 0)
    member_labels = {seed: _full(labels_, sample, 0) for seed, labels_ in fitted.members.items()}
    assigned = assign_many(
        [targets, *members.values()],
        embeddings,
        rest,
        client,
        f"{fitted.topic_set.name}: assigning {len(rest):,} remarks outside the sample",
    )
    final[rest], probabilities[rest] = assigned[0]
    for seed, (member, _) in zip(members, assigned[1:]):
        member_labels[seed][rest] = member
    passes = settle(final, probabilities, rest, embeddings, config.assign.min_similarity, client, fitted.topic_set.name)
    initial[rest] = final[rest]
    topics = _topics_over_all(fitted.topic_set.topics, final, groups, words, rows, config)
    centroids = mean_by_topic(final, embeddings, [t.id for t in topics])
    topic_set = TopicSet(name=fitted.topic_set.name, topics=topics, centroids=centroids)
    topic_set.metrics = topic_set_metrics(
        topics, final, documents, config.words.top_n, initial, stop_words_for(config, languages), labels
    ) | {"fit_sample_remarks": int(sample.sum()), "assignment_passes": passes}
    print(
        f"{fitted.topic_set.name}: fitted on {int(sample.sum()):,} remarks, assigned {len(rest):,} more "
        f"({float(np.mean(final[rest] == OUTLIER)):.1%} of them outliers; {passes} passes until stable).",
        file=sys.stderr,
    )
    return replace(
        fitted,
        topic_set=topic_set,
        assignments=final,
        probabilities=probabilities,
        initial_assignments=initial,
        members=member_labels,
    )


def settle(
    final: np.ndarray,
    similarity: np.ndarray,
    rest: np.ndarray,
    embeddings: np.ndarray,
    floor: float,
    client: Any = None,
    name: str = "model",
) -> int:
    """Assign ``final[rest]`` again with centroids of every remark until at most ``TOLERANCE`` of them move;
    returns the passes.

    The first assignment uses centroids of the sample alone, but the run's
    centroids (what ``topics transform`` assigns with) are the means of every
    remark a topic then holds. Assigning again with those, until nothing
    moves, makes the run agree with its own transform: a remark outside the
    sample holds the topic ``transform`` gives it (all but ``TOLERANCE`` of
    them on large corpora). The fitted remarks keep their topics. It
    converges (each pass and each centroid update can only raise the summed
    similarity, floored at ``floor`` for outliers); ``MAX_PASSES`` bounds it.
    On AnnoMI it also agrees better with a full fit (docs/guide/large-corpora.md, "Fitting a
    sample"). ``final`` and ``similarity`` change in place.
    """
    allowed = int(TOLERANCE * len(rest))
    for passes in range(1, MAX_PASSES + 1):
        targets = CuratedTopics.of_partition(final, embeddings, floor)
        topics, similarity[rest] = assign_many(
            [targets],
            embeddings,
            rest,
            client,
            f"{name}: assigning again with every remark's centroids (pass {passes})",
        )[0]
        moved = int(np.count_nonzero(topics != final[rest]))
        final[rest] = topics
        if moved <= allowed:
            return passes
        print(f"{name}: pass {passes}: {moved:,} remarks moved ({moved / len(rest):.2%}).", file=sys.stderr)
    warn(f"{name}: {moved:,} assignments outside the sample still moved in pass {MAX_PASSES}; kept the last.")
    return MAX_PASSES


def _full(values: np.ndarray, sample: np.ndarray, fill: float) -> np.ndarray:
    """An array over every remark holding ``values`` at the sample's rows and ``fill`` elsewhere."""
    result = np.full(len(sample), fill, dtype=np.asarray(values).dtype)
    result[sample] = values
    return result


def _topics_over_all(
    fitted: list[Topic],
    assignments: np.ndarray,
    groups: pd.Series | None,
    words: TopicWords,
    rows: np.ndarray | None,
    config: Config,
) -> list[Topic]:
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
        result.append(
            replace(
                topic,
                words=topic_words,
                size=int(sizes[topic.id]),
                label=", ".join(w for w, _ in topic_words[:3]) or topic.label,
                group_counts=counts.get(topic.id, {}),
            )
        )
    return result
