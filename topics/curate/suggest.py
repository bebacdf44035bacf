"""Which topics look alike: merge candidates for an expert, ranked, and the topics' hierarchy.

Two topics can be alike in two ways, and an expert reads both: by what their remarks mean (the cosine of their
centroids, the mean unit embedding of the remarks each holds *now*, so the list follows every edit) and by the
words that name them (the cosine of their c-TF-IDF word weights). A pair ranks by the mean of its two
similarities' ranks among all pairs, so neither scale dominates (centroid cosines of one corpus lie between 0.3
and 0.9, word cosines mostly below 0.3); both figures are shown beside the rank. The hierarchy is average linkage
over the centroids' cosine distances (scipy), the same tree BERTopic's ``hierarchical_topics`` draws from its
c-TF-IDF vectors, here over the curated topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from topics.core.errors import TopicsInputError
from topics.core.run import TopicRun
from topics.curate.edits import model_topics
from topics.fit.centroids import topic_centroids, unit_rows

if TYPE_CHECKING:
    from topics.curate.editlog import Curator


@dataclass
class TopicLikeness:
    """How alike the topics of one model are: by meaning (centroid cosine) and by words (word-weight cosine)."""

    ids: list[int]
    labels: list[str]
    sizes: list[int]
    centroids: np.ndarray
    #: topics x topics cosine similarities, in the order of ``ids``
    meaning: np.ndarray
    words: np.ndarray


def likeness(run: TopicRun, embeddings: np.ndarray, model: str | None = None) -> TopicLikeness:
    """The likeness of the topics of ``model`` (None: the joint model; else a group's model) in ``run``;
    ``embeddings``: the kept remarks' vectors, row-aligned with ``run.kept``."""
    topic_set, column = model_topics(run, model)
    ids = [t.id for t in topic_set.topics]
    centroids = topic_centroids(run.kept[column].fillna(-2).to_numpy(dtype=int), embeddings, ids)
    vocabulary = sorted({word for t in topic_set.topics for word, _ in t.words})
    column = {word: i for i, word in enumerate(vocabulary)}
    weights = np.zeros((len(ids), len(vocabulary)))
    for row, topic in enumerate(topic_set.topics):
        for word, weight in topic.words:
            weights[row, column[word]] = weight
    weights = unit_rows(weights)
    return TopicLikeness(
        ids=ids,
        labels=[t.label for t in topic_set.topics],
        sizes=[t.size for t in topic_set.topics],
        centroids=centroids,
        meaning=centroids @ centroids.T,
        words=weights @ weights.T,
    )


def ranked_pairs(alike: TopicLikeness, top: int = 10) -> pd.DataFrame:
    """The ``top`` pairs of topics most alike, best first: ids, labels, sizes, both similarities and the rank.

    An empty table when the model has fewer than two topics."""
    first, second = np.triu_indices(len(alike.ids), k=1)
    meaning, words = alike.meaning[first, second], alike.words[first, second]
    columns = ["rank", "first", "second", "first_label", "second_label", "remarks", "meaning", "words"]
    if not len(first):
        return pd.DataFrame(columns=columns)
    # the mean of the two ranks among all pairs (1 = most alike); ties broken by meaning, then by ids
    score = (rankdata(-meaning) + rankdata(-words)) / 2
    order = np.lexsort((second, first, -meaning, score))[:top]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "first": [alike.ids[i] for i in first[order]],
            "second": [alike.ids[i] for i in second[order]],
            "first_label": [alike.labels[i] for i in first[order]],
            "second_label": [alike.labels[i] for i in second[order]],
            "remarks": [alike.sizes[i] + alike.sizes[j] for i, j in zip(first[order], second[order])],
            "meaning": meaning[order].round(3),
            "words": words[order].round(3),
        },
        columns=columns,
    )


def linkage_of(centroids: np.ndarray) -> np.ndarray:
    """scipy's linkage matrix of unit centroids: average linkage of their cosine distances."""
    from scipy.cluster.hierarchy import linkage

    return linkage(np.asarray(centroids, dtype=float), method="average", metric="cosine")


def hierarchy(alike: TopicLikeness) -> np.ndarray:
    """The topics' linkage matrix (:func:`linkage_of` their centroids), leaves in the order of ``alike.ids``;
    needs at least two topics."""
    if len(alike.ids) < 2:
        raise TopicsInputError("a hierarchy needs at least two topics.")
    return linkage_of(alike.centroids)


def merge_suggestions(curator: Curator, top: int = 10, model: str | None = None) -> pd.DataFrame:
    """The ``top`` merge candidates of a curated run (:func:`ranked_pairs` of its current topics)."""
    from topics.curate.assign import kept_embeddings

    return ranked_pairs(likeness(curator.run, np.asarray(kept_embeddings(curator)), model), top)
