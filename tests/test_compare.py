"""Group comparison on synthetic runs whose truth the test knows."""

import numpy as np
import pandas as pd
import pytest

from topics.compare import align, compare, group_shares, topic_kinds, write_comparison
from topics.errors import TopicsInputError
from topics.run import Topic, TopicRun, TopicSet
from topics.words import TopicWords

TOPIC_WORDS = {0: "sleep night bed tired", 1: "drinking alcohol beer wine", 2: "homework diary record worksheet",
               3: "mother father childhood family", 4: "work boss office deadline"}


def planted_run(seed=0, sessions=40, per_session=40):
    """Groups CBT and PD. Topic 2 (homework) is twice as common in CBT, at the expense of outliers
    only, so every other topic has the same share in both groups; in topic 3 the groups use other words."""
    rng = np.random.default_rng(seed)
    categories = [0, 1, 2, 3, 4, -1]
    base = np.array([0.2, 0.2, 0.1, 0.2, 0.2, 0.1])
    boosted = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.0])
    rows = []
    for group, probabilities in (("CBT", boosted), ("PD", base)):
        for s in range(sessions):
            session_mix = rng.dirichlet(np.maximum(probabilities, 1e-9) * 30)  # sessions differ from each other
            for r in range(per_session):
                topic = categories[int(rng.choice(6, p=session_mix))]
                flavour = "thought challenge" if (group == "CBT" and topic == 3) else "feeling dream"
                text = f"{TOPIC_WORDS.get(topic, 'miscellaneous')} {flavour}"
                rows.append({"remark_id": f"{group}{s}-{r}", "text": text,
                             "role": "therapist", "session": f"{group}{s}", "group": group, "order": r,
                             "kept": True, "set_aside": None, "topic": topic})
    remarks = pd.DataFrame(rows).astype({"topic": "Int64"})
    topics = [Topic(id=t, label=words.split()[0], words=[(w, 1.0) for w in words.split()], size=int((remarks["topic"] == t).sum()))
              for t, words in TOPIC_WORDS.items()]
    joint = TopicSet("joint", topics, centroids=np.eye(5, 8, dtype=np.float32))
    run = TopicRun(config={"words": {"ngram_range": [1, 1], "min_df": 1}}, remarks=remarks, joint=joint, groups={},
                   provenance={})
    return run, TopicWords.count(remarks["text"].tolist(), run.config["words"])


def test_planted_difference_is_found_and_unchanged_topics_are_not_flagged():
    run, _ = planted_run()
    shares, differences = group_shares(run, draws=1000, seed=1)
    flagged = differences[differences["differs"]]
    assert set(flagged["topic"]) == {2}
    cbt = flagged[flagged["group"] == "CBT"].iloc[0]
    assert cbt["difference"] > 0.05 and cbt["cohen_h"] > 0.2 and cbt["low"] > 0
    row = shares[(shares["topic"] == 2) & (shares["group"] == "CBT")].iloc[0]
    assert row["low"] < row["share"] < row["high"]


def test_bootstrap_resamples_sessions_so_intervals_widen_with_session_variation():
    run, _ = planted_run()
    shares, _ = group_shares(run, draws=1000, seed=1)
    width = (shares["high"] - shares["low"]).mean()
    # Remark-level binomial interval would be about 2 * 1.96 * sqrt(p(1-p)/n); sessions differ, so ours is wider.
    n = len(run.kept) / 2
    p = shares["share"].to_numpy()
    binomial = (2 * 1.96 * np.sqrt(p * (1 - p) / n)).mean()
    assert width > 1.3 * binomial


def test_comparison_is_deterministic_for_a_seed():
    run, _ = planted_run()
    first = group_shares(run, draws=500, seed=3)[1]
    second = group_shares(run, draws=500, seed=3)[1]
    pd.testing.assert_frame_equal(first, second)


def test_shared_and_specific_topics_by_the_stated_rule():
    """Shared: no group below half the largest share; specific: at least 3 times every other; else mixed."""
    shares = pd.DataFrame([
        {"topic": 0, "label": "a", "group": "A", "share": 0.10}, {"topic": 0, "label": "a", "group": "B", "share": 0.09},
        {"topic": 1, "label": "b", "group": "A", "share": 0.20}, {"topic": 1, "label": "b", "group": "B", "share": 0.02},
        {"topic": 2, "label": "c", "group": "A", "share": 0.10}, {"topic": 2, "label": "c", "group": "B", "share": 0.04},
    ])
    kinds = topic_kinds(shares).set_index("topic")
    assert kinds.loc[0, "kind"] == "shared"
    assert kinds.loc[1, "kind"] == "specific" and kinds.loc[1, "group"] == "A"
    assert kinds.loc[2, "kind"] == "mixed"


def test_words_that_distinguish_groups_within_a_topic():
    run, words = planted_run()
    result = compare(run, words, draws=200, seed=0)
    topic3 = result.words[(result.words["topic"] == 3)]
    assert set(topic3[topic3["group"] == "CBT"]["word"].head(2)) == {"thought", "challenge"}
    assert set(topic3[topic3["group"] == "PD"]["word"].head(2)) == {"feeling", "dream"}
    assert (topic3["z"].head(2) > 2).all()


def test_alignment_matches_similar_topics_one_to_one():
    rng = np.random.default_rng(0)
    shared = rng.normal(size=(3, 16))
    a = TopicSet("A", [Topic(i, f"a{i}", [("w", 1.0)], 10) for i in range(4)],
                 np.vstack([shared, rng.normal(size=(1, 16))]).astype(np.float32))
    b = TopicSet("B", [Topic(i, f"b{i}", [("w", 1.0)], 10) for i in range(3)],
                 (shared[[2, 0, 1]] + 0.05 * rng.normal(size=(3, 16))).astype(np.float32))
    pairs, matrix = align(a, b, threshold=0.8)
    matched = pairs[pairs["status"] == "matched"]
    assert sorted(zip(matched["A"], matched["B"])) == [(0, 1), (1, 2), (2, 0)]
    assert (pairs["status"] == "only in A").sum() == 1
    assert matrix.shape == (4, 3)


def test_one_group_is_a_clear_error_and_results_are_written(tmp_path):
    run, words = planted_run()
    run.path = tmp_path
    target = write_comparison(compare(run, words, draws=100), tmp_path, {"draws": 100})
    assert {"shares.csv", "differences.csv", "kinds.csv", "words.csv", "comparison.json"} <= {p.name for p in target.iterdir()}
    write_comparison(compare(run, words, draws=100), tmp_path, {"draws": 100})  # replaces the old one
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    single = TopicRun(config=run.config, remarks=run.remarks.assign(group="CBT"), joint=run.joint, groups={},
                      provenance={}, path=tmp_path)
    with pytest.raises(TopicsInputError, match="two or more groups"):
        compare(single, words)


def test_remarks_without_a_group_are_left_out_of_group_comparisons():
    run, words = planted_run()
    remarks = run.remarks.copy()
    remarks.loc[remarks.index % 10 == 0, "group"] = pd.NA
    run = TopicRun(config=run.config, remarks=remarks, joint=run.joint, groups={}, provenance={})
    result = compare(run, words, draws=200)
    assert set(result.shares["group"]) == {"CBT", "PD"} and not result.words.empty
