"""A consensus of several seeded fits, so the topics a user gets do not depend on one seed.

UMAP's layout depends on its seed, and HDBSCAN turns small layout changes into
other topics: on AnnoMI, single fits with different seeds agree at ARI
0.60-0.75. :class:`ConsensusClusterer` fits ``members`` seeded models on the
same embeddings (UMAP layouts from :class:`topics.fit.reduce.MultiSeedReducer`,
which shares one neighbour graph), and combines them by *evidence
accumulation* (Fred & Jain 2005):

1. each member: HDBSCAN on its layout, then its outliers join the nearest
   topic centroid in embedding space when cosine similarity reaches the
   outlier threshold (the same rule the final model uses);
2. co-assignment: for every pair of remarks, the share of members that put
   them in the same topic (8 bytes per pair: the fit sample, ``fit.sample_size``,
   bounds it);
3. one average-linkage clustering of (1 - co-assignment), cut where the
   average pair agrees in at least ``agreement`` of the members; groups
   smaller than ``min_cluster_size`` are outliers.

Measured on AnnoMI (``benchmarks/consensus.py``, config seeds 42-46, whose
members share no seed): with the defaults (10 members, agreement 0.4) runs
agree at ARI 0.90 on average, against 0.80 for single fits and 0.61 for plain
BERTopic. With 5 members, a large topic (drinking, 350 remarks) whose
sub-themes sit near the cut came out whole in some runs and in four parts in
others (pairs as low as 0.67); 10 members estimate each co-assignment with
half the variance, and the lower cut keeps such a topic whole.

The members' assignments are kept (``member_labels_``): they give every topic
a stability score at fit time, and ``topics compare`` checks each difference
in every member (:mod:`topics.analysis.compare`).
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from topics.core.run import OUTLIER
from topics.fit.backends import hdbscan_class
from topics.fit.centroids import CuratedTopics


def member_seeds(seed: int, members: int) -> list[int]:
    """The members' seeds, drawn from ``seed``: runs with different seeds share no member.

    With one member the seed is used as it is, so a single fit is the fit the
    seed names.
    """
    if members == 1:
        return [seed]
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(members) % (2**31 - 1)]


def nearest_topic(labels: np.ndarray, embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Outliers join the topic whose centroid is most similar (cosine), if at least ``threshold``.

    The rule :mod:`topics.curate.assign` applies to new remarks, without discarded topics.
    """
    outliers = labels == OUTLIER
    if outliers.all() or not outliers.any():
        return labels
    targets = CuratedTopics.of_partition(labels, embeddings, threshold)
    result = labels.copy()
    result[outliers] = targets.assign(embeddings[outliers])[0]
    return result


def co_distance(partitions: np.ndarray) -> np.ndarray:
    """Condensed (scipy ``pdist`` order) 1 - share of partitions (rows) that put two remarks in the same topic.

    Built row by row straight into the condensed vector, never as an n x n
    matrix: 8 bytes per pair, which is what average linkage needs anyway
    (20,000 remarks: 1.6 GB; an n x n float32 matrix plus its float64 copy
    would be 4.8 GB more).
    """
    partitions = np.asarray(partitions)
    count, n = partitions.shape
    distance = np.empty(n * (n - 1) // 2, dtype=np.float64)
    start = 0
    for i in range(n - 1):
        own = partitions[:, i : i + 1]
        together = ((partitions[:, i + 1 :] == own) & (own != OUTLIER)).sum(axis=0)
        distance[start : start + n - 1 - i] = 1.0 - together / count
        start += n - 1 - i
    return distance


def consistency(partitions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """A remark's mean co-assignment with the other remarks of its topic in ``labels``; 0 for outliers.

    Per topic and partition, the remarks sharing a remark's label are counted
    with ``bincount``: O(remarks x partitions), no pairs.
    """
    partitions = np.asarray(partitions)
    result = np.zeros(len(labels))
    for topic in np.unique(labels[labels != OUTLIER]):
        members = np.flatnonzero(labels == topic)
        shared = np.zeros(len(members))
        for row in partitions[:, members]:
            _, inverse, sizes = np.unique(row, return_inverse=True, return_counts=True)
            shared += np.where(row != OUTLIER, sizes[inverse] - 1, 0)
        result[members] = shared / len(partitions) / max(len(members) - 1, 1)
    return result


class ConsensusClusterer:
    """BERTopic's cluster model for a consensus of seeded fits; scikit-learn conventions.

    ``fit`` takes the side-by-side layouts of :class:`MultiSeedReducer` (one
    block of ``components`` columns per member). ``embeddings`` are the remarks'
    sentence embeddings, for the members' outlier rule. With one member it is
    plain HDBSCAN. Fitted: ``labels_``, ``probabilities_`` (a remark's mean
    co-assignment with the rest of its topic: how consistently the members put
    it there), ``member_labels_`` (members x remarks).
    """

    def __init__(
        self,
        members: int = 10,
        components: int = 5,
        min_cluster_size: int = 15,
        min_samples: int | None = 10,
        cluster_selection_method: str = "eom",
        cluster_selection_epsilon: float = 0.0,
        agreement: float = 0.4,
        embeddings: np.ndarray | None = None,
        outlier_threshold: float | None = 0.4,
        backend: str = "cpu",
    ) -> None:
        self.members = members
        self.components = components
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.agreement = agreement
        self.embeddings = embeddings
        self.outlier_threshold = outlier_threshold
        self.backend = backend

    def _hdbscan(self, layout: np.ndarray):
        return hdbscan_class(self.backend)(
            min_cluster_size=self.min_cluster_size,
            min_samples=self.min_samples,
            cluster_selection_method=self.cluster_selection_method,
            cluster_selection_epsilon=self.cluster_selection_epsilon,
            metric="euclidean",
        ).fit(layout)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> ConsensusClusterer:
        """Cluster the members' side-by-side layouts ``X`` and combine them (plain HDBSCAN with one member);
        ``y`` is ignored. Raises ``ValueError`` when ``X`` is not ``members`` blocks of equal width."""
        X = np.asarray(X)
        if X.shape[1] % self.members:
            raise ValueError(f"{X.shape[1]} columns are not {self.members} layouts of equal width")
        width = X.shape[1] // self.members
        if self.members == 1:
            single = self._hdbscan(X)
            self.labels_ = single.labels_.astype(int)
            self.probabilities_ = np.asarray(single.probabilities_, dtype=float)
            self.member_labels_ = self.labels_[None, :].copy()
            return self
        members = []
        for m in range(self.members):
            labels = self._hdbscan(X[:, m * width : (m + 1) * width]).labels_.astype(int)
            if self.embeddings is not None and self.outlier_threshold is not None:
                labels = nearest_topic(labels, self.embeddings, self.outlier_threshold)
            members.append(labels)
        self.member_labels_ = np.vstack(members)
        self.labels_ = self._cut(co_distance(self.member_labels_))
        self.probabilities_ = consistency(self.member_labels_, self.labels_)
        return self

    def _cut(self, distance: np.ndarray) -> np.ndarray:
        """Average linkage on the condensed 1 - co-assignment, cut at 1 - agreement; small groups become outliers."""
        tree = linkage(distance, method="average")
        groups = fcluster(tree, t=1.0 - self.agreement + 1e-9, criterion="distance")  # a tie (average exactly at
        # the agreement) merges, whatever the rounding of the averages
        ids, sizes = np.unique(groups, return_counts=True)
        large = [g for g, size in sorted(zip(ids, sizes), key=lambda p: (-p[1], p[0])) if size >= self.min_cluster_size]
        number = {g: i for i, g in enumerate(large)}  # topic 0 is the largest, as in BERTopic
        return np.array([number.get(g, OUTLIER) for g in groups], dtype=int)
