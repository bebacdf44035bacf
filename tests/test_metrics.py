"""Quality measures: definitions checked on hand-made cases."""

import numpy as np
import pytest

from topics.core.run import Topic
from topics.fit.metrics import coherence, label_agreement, topic_diversity, topic_set_metrics

DOCS = (
    ["sleep night bed tired"] * 30
    + ["drinking alcohol beer wine"] * 30
    + ["work boss office deadline"] * 30
    + ["sleep work", "night beer", "bed office", "tired deadline"] * 5
)
REAL = [["sleep", "night", "bed", "tired"], ["drinking", "alcohol", "beer", "wine"]]
RANDOM = [["sleep", "beer", "office", "tired"], ["night", "wine", "boss", "bed"]]


def test_word_order_does_not_change_the_measures():
    shuffled = [list(reversed(words)) for words in REAL]
    assert coherence(REAL, DOCS) == pytest.approx(coherence(shuffled, DOCS))
    assert topic_diversity(REAL) == topic_diversity(shuffled) == 1.0


def test_a_topic_of_random_words_scores_clearly_below_a_real_one():
    (real_npmi, real_cv), (random_npmi, random_cv) = coherence(REAL, DOCS), coherence(RANDOM, DOCS)
    assert real_npmi > 0.5
    assert random_npmi < real_npmi - 0.5
    assert random_cv < real_cv - 0.2


def test_diversity_counts_repeated_words():
    assert topic_diversity([["a", "b"], ["a", "c"]]) == 0.75


def test_filler_and_junk_shares():
    topics = [
        Topic(0, "x", [("mm", 1.0), ("hmm", 0.5)], size=3),
        Topic(1, "y", [("sleep", 1.0), ("okay", 0.5)], size=5),
    ]
    assignments = np.array([0, 0, 0, 1, 1, 1, 1, 1, -1, -1])
    metrics = topic_set_metrics(topics, assignments, ["mm hmm"] * 3 + ["sleep okay"] * 5 + ["x", "y"], top_n=2)
    assert metrics["filler_topics"] == 1 and metrics["filler_share"] == 0.75
    assert metrics["junk_share"] == pytest.approx(0.2 + 0.3)


def test_label_agreement_is_perfect_for_the_same_partition_and_skips_missing_labels():
    perfect = label_agreement(np.array([0, 0, 1, 1, -1]), ["a", "a", "b", "b", "c"])
    assert perfect == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}
    partial = label_agreement(np.array([0, 0, 1, 1]), ["a", "a", None, "b"])
    assert partial["nmi"] == pytest.approx(1.0)


def test_numbers_are_informative_topic_words_but_fillers_are_not():
    from topics.fit.stopwords import is_uninformative

    assert not is_uninformative("10") and not is_uninformative("scale 10")
    assert is_uninformative("mm hmm") and is_uninformative("you know")


def test_goal_report_says_plainly_where_we_miss():
    import pandas as pd

    from topics.analysis.evaluate import goal_report

    table = pd.DataFrame(
        [
            {
                "model": "therapy-topics",
                "npmi": -0.3,
                "c_v": 0.5,
                "topic_diversity": 0.9,
                "filler_share": 0.0,
                "junk_share": 0.1,
                "outlier_share": 0.1,
                "nmi_topic": 0.3,
            },
            {
                "model": "LDA",
                "npmi": -0.1,
                "c_v": 0.4,
                "topic_diversity": 0.6,
                "filler_share": 0.4,
                "junk_share": 0.0,
                "outlier_share": 0.0,
                "nmi_topic": 0.1,
            },
        ]
    )
    lines = {line.split(" on ")[1].split(":")[0]: line.split()[0] for line in goal_report(table)}
    assert lines == {
        "npmi": "MISSES",
        "c_v": "beats",
        "topic_diversity": "beats",
        "filler_share": "beats",
        "junk_share": "MISSES",
        "outlier_share": "MISSES",
        "nmi_topic": "beats",
    }


def test_label_agreement_accepts_pandas_missing_values():
    import pandas as pd

    labels = pd.array(["a", pd.NA, "b", "b", ""], dtype="string")
    result = label_agreement(np.array([0, 1, 1, 1, 2]), labels)
    assert result["nmi"] == pytest.approx(1.0)


def test_word_presence_equals_the_vectorizer_s_own_n_grams():
    """The fast reader of top words finds exactly what a CountVectorizer with the same token pattern and
    n-gram range finds, on accented, Cyrillic and repeated words."""
    from sklearn.feature_extraction.text import CountVectorizer

    from topics.fit.metrics import _present_words
    from topics.fit.stopwords import TOKEN_PATTERN

    vocabulary = ["sleep", "sleep well", "court date", "court", "café", "сон", "плохой сон", "not at all"]
    documents = [
        "I sleep well, Sleep WELL",
        "the court, date",
        "court date court date",
        "Café au lait",
        "Плохой сон и сон",
        "not at all, not at",
        "",
        "a b c",
    ]
    reference = CountVectorizer(vocabulary=vocabulary, token_pattern=TOKEN_PATTERN, ngram_range=(1, 3), binary=True)
    fast = CountVectorizer(vocabulary=vocabulary, analyzer=_present_words(vocabulary), binary=True)
    assert (reference.transform(documents) != fast.transform(documents)).nnz == 0
    assert fast.transform(documents).sum() == 10  # punctuation does not break an n-gram, as in the vectorizer


def test_label_recall_counts_a_label_s_remarks_in_the_topics_it_dominates():
    from topics.fit.metrics import label_recall

    labels = ["a"] * 6 + ["b"] * 4 + ["c"] * 2 + [None, ""]
    # a: in topic 0 (all a) and topic 1 (2 of 3 a), one remark in b's topic 2, one an outlier; b: topic 2 (3 of
    # 5) and topic 3 (alone); c: a minority in topics 1 and 2, so nowhere its own; unlabelled remarks left out
    topics = np.array([0, 0, 1, 1, 2, -1, 2, 2, 2, 3, 1, 2, 0, 0])
    recall = label_recall(topics, labels)
    assert list(recall) == ["a", "b", "c"]
    assert recall == pytest.approx({"a": 4 / 6, "b": 1.0, "c": 0.0})
    assert label_recall(topics, labels, purity=0.8) == pytest.approx({"a": 2 / 6, "b": 1 / 4, "c": 0.0})
    assert label_recall(np.full(14, -1), labels) == {"a": 0.0, "b": 0.0, "c": 0.0}
