"""Topic words of curated topics: BERTopic's c-TF-IDF, computed class by class and kept up to date by edits."""

import numpy as np
import pytest
import scipy.sparse as sp

from topics.fit.runtime import import_compiled
from topics.fit.topic_words import ClassCounts, TopicWords

# BERTopic imports UMAP and HDBSCAN: through import_compiled, so their numba functions come from the disk cache
ClassTfidfTransformer = import_compiled("bertopic.vectorizers").ClassTfidfTransformer

VOCABULARY = ["sleep", "work", "drink", "mother", "plan", "worry", "walk", "court", "rare", "once"]


def _corpus(rng: np.random.Generator, size: int) -> list[str]:
    common = rng.choice(VOCABULARY[:8], size=(size, 6), p=[0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05])
    texts = [" ".join(row) for row in common]
    texts[3] += " rare"  # words one topic uses: dropped by min_df 2
    texts[5] += " once"
    for i in range(60):  # words of two or three remarks: a move decides whether min_df keeps them
        texts[i] += " " + "".join(chr(ord("a") + (i // 3 + k) % 26) for k in range(4))
    return texts


def _bertopic_words(texts: list[str], assignments: np.ndarray, min_df: int, reduce: bool, top_n: int):
    """The oracle: documents per topic counted, words used by fewer than min_df topics dropped, then
    BERTopic's own ClassTfidfTransformer."""
    words = TopicWords.count(texts, {"min_df": 1})
    classes = np.unique(assignments)
    class_counts = np.vstack([np.asarray(words.counts_[assignments == c].sum(axis=0)).ravel() for c in classes])
    keep = (class_counts > 0).sum(axis=0) >= min_df
    scores = ClassTfidfTransformer(reduce_frequent_words=reduce).fit_transform(sp.csr_matrix(class_counts[:, keep]))
    vocabulary = words.vocabulary_[keep]
    named = {}
    for i, topic in enumerate(classes):
        row = scores.getrow(i).toarray().ravel()
        order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0][:top_n]
        named[int(topic)] = [(str(vocabulary[j]), float(row[j])) for j in order]
    return named


@pytest.mark.parametrize("min_df, reduce", [(1, False), (2, False), (2, True)])
def test_topic_words_equal_bertopic_c_tf_idf(min_df, reduce):
    rng = np.random.default_rng(7)
    texts = _corpus(rng, 300)
    assignments = rng.integers(-1, 5, size=300)
    config = {"min_df": min_df, "top_n": 6, "reduce_frequent_words": reduce}
    ours = TopicWords.count(texts, config).words(assignments, list(range(-1, 5)))
    oracle = _bertopic_words(texts, assignments, min_df, reduce, 6)
    for topic in range(-1, 5):
        assert [w for w, _ in ours[topic]] == [w for w, _ in oracle[topic]]
        assert np.allclose([s for _, s in ours[topic]], [s for _, s in oracle[topic]])
    if min_df == 2:
        assert not any(w in ("rare", "once") for named in ours.values() for w, _ in named)


def test_term_weights_name_every_topic_that_uses_a_word_with_its_c_tf_idf():
    rng = np.random.default_rng(8)
    texts = _corpus(rng, 200)
    assignments = rng.integers(0, 4, size=200)
    words = TopicWords.count(texts, {"min_df": 1, "top_n": 10})
    oracle = _bertopic_words(texts, assignments, 1, False, 10)
    weights = words.term_weights(assignments, " Worry")
    assert set(weights) == {t for t, named in oracle.items() if any(w == "worry" for w, _ in named)}
    for topic, weight in weights.items():
        assert weight == pytest.approx(dict(oracle[topic])["worry"])
    assert words.term_weights(assignments, "unheard") == {}


def test_topic_words_after_moves_and_merges_equal_words_counted_afresh(monkeypatch):
    """The class counts are updated by the remarks that changed topic; the words must not drift,
    also when a topic empties or a new one appears."""
    rng = np.random.default_rng(2)
    texts = _corpus(rng, 400)
    config = {"min_df": 2, "top_n": 40}
    assignments = rng.integers(-1, 6, size=400)
    rows = rng.random(400) < 0.6
    kept = TopicWords.count(texts, config)
    counted_afresh = []
    original = ClassCounts.of.__func__
    monkeypatch.setattr(ClassCounts, "of", classmethod(lambda cls, *a: counted_afresh.append(1) or original(cls, *a)))
    for step in range(12):
        if step % 3 == 0:
            assignments = np.where(assignments == step % 6, (step + 1) % 6, assignments)  # a merge
        else:
            moved = rng.choice(60 if step % 2 else 400, size=7, replace=False)  # often remarks with rare words
            assignments[moved] = rng.integers(-1, 8, size=7)  # a move, sometimes to a new topic
        ids = sorted(set(assignments.tolist()) - {-1})
        for selection in (None, rows):
            assert kept.words(assignments, ids, selection) == TopicWords.count(texts, config).words(
                assignments, ids, selection
            )
    assert len(counted_afresh) == 2 + 2 * 12  # kept's two selections once; every fresh TopicWords once


def test_the_top_words_are_a_stable_sort_cut_at_n_also_among_ties():
    from topics.fit.topic_words import _top

    rng = np.random.default_rng(3)
    for _ in range(200):
        scores = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)  # many ties
        for n in (1, 3, 10, 50):
            assert _top(scores, n).tolist() == np.argsort(-scores, kind="stable")[:n].tolist()
