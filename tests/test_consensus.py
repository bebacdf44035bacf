"""The consensus of seeded fits and the per-group cluster sizes, on data whose structure the test knows."""

import numpy as np

from topics.core.config import validate_config
from topics.fit.consensus import ConsensusClusterer, co_distance, member_seeds, nearest_topic
from topics.fit.pipeline import group_config


def blobs(seed, centres=4, per=40, dim=5, spread=0.3):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c * 5.0, spread, size=(per, dim)) for c in range(centres)])


def test_members_that_agree_give_their_clusters_and_members_that_split_a_cluster_are_outvoted():
    layouts = [blobs(s) for s in range(5)]
    consensus = ConsensusClusterer(members=5, components=5, min_cluster_size=10, min_samples=5).fit(np.hstack(layouts))
    truth = np.repeat(np.arange(4), 40)
    assert consensus.member_labels_.shape == (5, 160)
    assert len(set(consensus.labels_)) == 4
    for topic in range(4):  # each consensus topic is one true cluster
        assert len(set(truth[consensus.labels_ == topic])) == 1
    assert consensus.probabilities_.min() > 0.9  # every member agreed
    # Pairs put together by 3 of 10 members are not a topic (0.3 < agreement 0.4, the default);
    # by 4 of 10 they are.
    lumped = np.where(truth < 2, 0, 1)
    for lumping, topics in ((3, 4), (4, 2)):
        together = co_distance(np.vstack([truth] * (10 - lumping) + [lumped] * lumping))
        assert len(set(ConsensusClusterer(min_cluster_size=10)._cut(together))) == topics
    strict = ConsensusClusterer(min_cluster_size=10, agreement=0.5)._cut(
        co_distance(np.vstack([truth] * 6 + [lumped] * 4))
    )
    assert len(set(strict)) == 4


def test_member_seeds_of_two_config_seeds_share_nothing_and_one_member_keeps_the_seed():
    first, second = member_seeds(42, 5), member_seeds(43, 5)
    assert len(set(first)) == 5 and not set(first) & set(second)
    assert member_seeds(42, 5) == first and member_seeds(42, 1) == [42]


def test_outliers_join_the_nearest_topic_only_above_the_threshold():
    embeddings = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1], [0.9, 0.2], [-1, -1]], dtype=float)
    labels = np.array([0, 0, 1, 1, -1, -1])
    result = nearest_topic(labels, embeddings, threshold=0.5)
    assert result.tolist() == [0, 0, 1, 1, 0, -1]


def test_group_models_scale_cluster_sizes_to_the_group():
    config = validate_config({"corpus": {"path": "x.csv"}, "cluster": {"min_cluster_size": 20, "min_samples": 10}})
    half = group_config(config, 1000, 2000).cluster
    small = group_config(config, 100, 2000).cluster
    assert (half.min_cluster_size, half.min_samples) == (10, 5)
    assert (small.min_cluster_size, small.min_samples) == (5, 3)  # the floor: a 6-session group still clusters
    same = validate_config({"corpus": {"path": "x.csv"}, "fit": {"group_cluster_size": "same"}})
    assert group_config(same, 100, 2000).cluster == same.cluster


def test_co_distance_is_the_condensed_share_of_partitions_that_split_a_pair_and_consistency_its_topic_mean():
    from topics.fit.consensus import consistency

    rng = np.random.default_rng(3)
    partitions = rng.integers(-1, 4, size=(7, 60))
    together = np.zeros((60, 60))
    for labels in partitions:  # the definition, pair by pair
        together += (labels[:, None] == labels[None, :]) & (labels[:, None] != -1)
    share = together / len(partitions)
    upper = np.triu_indices(60, k=1)  # pdist order: (0, 1), (0, 2), ..., (1, 2), ...
    np.testing.assert_allclose(co_distance(partitions), (1 - share)[upper])
    labels = rng.integers(-1, 3, size=60)
    expected = np.zeros(60)
    for topic in range(3):
        members = np.flatnonzero(labels == topic)
        block = share[np.ix_(members, members)]
        expected[members] = (block.sum(axis=1) - np.diag(block)) / (len(members) - 1)
    np.testing.assert_allclose(consistency(partitions, labels), expected)
