"""Group comparison on synthetic runs whose truth the test knows."""

import numpy as np
import pandas as pd
import pytest

from topics.analysis import calibration, significance
from topics.analysis.compare import align, compare, group_statistics, topic_kinds
from topics.core.errors import TopicsInputError
from topics.core.run import Topic, TopicRun, TopicSet
from topics.fit.topic_words import TopicWords
from topics.share.comparison_files import write_comparison

TOPIC_WORDS = {
    0: "sleep night bed tired",
    1: "drinking alcohol beer wine",
    2: "homework diary record worksheet",
    3: "mother father childhood family",
    4: "work boss office deadline",
}


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
                rows.append(
                    {
                        "remark_id": f"{group}{s}-{r}",
                        "text": text,
                        "role": "therapist",
                        "session": f"{group}{s}",
                        "group": group,
                        "order": r,
                        "kept": True,
                        "set_aside": None,
                        "topic": topic,
                    }
                )
    remarks = pd.DataFrame(rows).astype({"topic": "Int64"})
    topics = [
        Topic(
            id=t,
            label=words.split()[0],
            words=[(w, 1.0) for w in words.split()],
            size=int((remarks["topic"] == t).sum()),
        )
        for t, words in TOPIC_WORDS.items()
    ]
    joint = TopicSet("joint", topics, centroids=np.eye(5, 8, dtype=np.float32))
    run = TopicRun(
        config={"words": {"ngram_range": [1, 1], "min_df": 1}}, remarks=remarks, joint=joint, groups={}, provenance={}
    )
    return run, TopicWords.count(remarks["text"].tolist(), run.config["words"])


def test_planted_difference_is_found_and_unchanged_topics_are_not_flagged():
    run, _ = planted_run()
    shares, differences, notes = group_statistics(run, draws=1000, seed=1)
    flagged = differences[differences["differs"]]
    assert set(flagged["topic"]) == {2}
    cbt = flagged[flagged["group"] == "CBT"].iloc[0]
    assert cbt["difference"] > 0.05 and cbt["cohen_h"] > 0.2 and cbt["low"] > 0 and cbt["q"] < 0.05
    row = shares[(shares["topic"] == 2) & (shares["group"] == "CBT")].iloc[0]
    assert row["low"] < row["share"] < row["high"]
    assert notes == [s for s in notes if "seed models" in s]  # only the note that this run has no seed models


def test_flagged_differences_have_intervals_that_exclude_zero():
    run, _ = planted_run(seed=4)
    _, differences, _ = group_statistics(run, draws=1000, seed=2)
    flagged = differences[differences["differs"]]
    assert not flagged.empty
    assert ((flagged["low"] > 0) | (flagged["high"] < 0)).all()
    assert (differences["p"] > 0).all()  # p = (b + 1) / (B + 1): never 0


def test_bootstrap_resamples_sessions_so_intervals_widen_with_session_variation():
    run, _ = planted_run()
    shares, _, _ = group_statistics(run, draws=1000, seed=1)
    width = (shares["high"] - shares["low"]).mean()
    # Remark-level binomial interval would be about 2 * 1.96 * sqrt(p(1-p)/n); sessions differ, so ours is wider.
    n = len(run.kept) / 2
    p = shares["share"].to_numpy()
    binomial = (2 * 1.96 * np.sqrt(p * (1 - p) / n)).mean()
    assert width > 1.3 * binomial


def test_comparison_is_deterministic_for_a_seed():
    run, _ = planted_run()
    first = group_statistics(run, draws=500, seed=3)[1]
    second = group_statistics(run, draws=500, seed=3)[1]
    pd.testing.assert_frame_equal(first, second)


def table_of(sessions):
    """A SessionTable from {session: (group, [remarks in topic 0, remarks in topic 1], all remarks)}."""
    return significance.SessionTable(
        sessions=np.array(list(sessions), dtype=object),
        groups=np.array([g for g, _, _ in sessions.values()], dtype=object),
        topics=[0, 1],
        counts=np.array([c for _, c, _ in sessions.values()], dtype=float),
        totals=np.array([t for _, _, t in sessions.values()], dtype=float),
    )


def interval(table, group, topic, draws=4000):
    prior = significance.prior_mix(table)
    values = significance.bayesian_bootstrap(
        table.subset(table.groups == group), prior, draws, np.random.default_rng(0)
    )[:, topic]
    return np.percentile(values, [2.5, 97.5])


def test_a_share_of_zero_in_six_sessions_gets_an_upper_bound_that_shrinks_with_more_sessions():
    rest = {f"r{i}": ("rest", [5, 10], 30) for i in range(60)}
    six = table_of(rest | {f"s{i}": ("six", [0, 10], 30) for i in range(6)})
    sixty = table_of(rest | {f"s{i}": ("sixty", [0, 10], 30) for i in range(60)})
    low6, high6 = interval(six, "six", 0)
    low60, high60 = interval(sixty, "sixty", 0)
    assert 0 <= low6 < high6 and 0 <= low60 < high60  # never zero width
    assert high6 > 0.01  # six sessions cannot show that a topic of 17 % elsewhere is absent
    assert high60 < high6 / 3


def test_a_share_of_all_remarks_in_six_sessions_stays_below_one_with_width():
    table = table_of(
        {f"r{i}": ("rest", [5, 10], 30) for i in range(30)} | {f"s{i}": ("six", [20, 0], 20) for i in range(6)}
    )
    low, high = interval(table, "six", 0)
    assert low < high < 1.0 and high > 0.9


def test_one_session_holding_every_remark_of_a_topic_gives_a_wide_interval_and_no_flag():
    sessions = {f"a{i}": ("A", [0, 10], 30) for i in range(20)} | {f"b{i}": ("B", [0, 10], 30) for i in range(20)}
    sessions["a0"] = ("A", [30, 0], 30)  # the whole of topic 0 sits in one session of group A
    table = table_of(sessions)
    low, high = interval(table, "A", 0)
    assert low < 0.01 and high > 0.1
    results = significance.permutation_test(table, 1999, seed=0)
    assert results["A"][1][0] > 0.4  # one session cannot make a group differ


def test_permutation_test_on_random_splits_flags_about_five_percent_or_less():
    """Null data: sessions with topics concentrated in a few of them, split into two groups at random."""
    rng = np.random.default_rng(11)
    sessions = 60
    counts = np.zeros((sessions, 6))
    for s in range(sessions):
        counts[s, :3] = rng.poisson(8, size=3)
        if s % 12 == 0:  # rare topics that live in a handful of sessions (asthma, probation...)
            counts[s, 3 + (s // 12) % 3] = rng.poisson(25)
    totals = counts.sum(axis=1) + rng.poisson(5, size=sessions)
    splits_with_a_flag = 0
    for split in range(40):
        groups = np.where(rng.permutation(sessions) < sessions // 2, "A", "B").astype(object)
        table = significance.SessionTable(np.arange(sessions).astype(object), groups, list(range(6)), counts, totals)
        p = significance.permutation_test(table, 999, seed=split)["A"][1]
        splits_with_a_flag += bool((significance.benjamini_hochberg(p) < 0.05).any())
    assert splits_with_a_flag <= 4  # nominal 5 % of 40 is 2; the former session bootstrap flagged far more


def test_too_few_sessions_is_said_in_words():
    table = table_of({"a": ("A", [3, 1], 5), "b": ("A", [2, 2], 5), "c": ("B", [1, 3], 5), "d": ("B", [0, 4], 5)})
    notes = significance.power_notes(table, tests=2, permutations=9999)
    assert len(notes) == 2 and all("no difference involving it can be flagged" in n for n in notes)
    bigger = table_of({f"s{i}": ("A" if i < 2 else "B", [1, 1], 5) for i in range(40)})
    note = significance.power_notes(bigger, tests=45, permutations=9999)
    assert any("'A' has 2 of 40 sessions" in n and "single topic" in n for n in note)
    assert significance.permutations_for(45) + 1 >= 20 * 45 / 0.05


def kind_rows(shares, differs, ratio_interval=(0.8, 1.25), robust=False, topic=0):
    """Shares and differences for one topic and groups A, B as the statistics would give them."""
    share_rows = [{"topic": topic, "label": "t", "group": g, "share": v} for g, v in shares.items()]
    difference_rows = []
    for g, v in shares.items():
        rest = sum(x for h, x in shares.items() if h != g)
        difference_rows.append(
            {
                "topic": topic,
                "label": "t",
                "group": g,
                "share": v,
                "rest": rest,
                "difference": v - rest,
                "low": v - rest - 0.01,
                "high": v - rest + 0.01,
                "ratio_low": ratio_interval[0],
                "ratio_high": ratio_interval[1],
                "q": 0.001 if differs else 0.5,
                "differs": differs,
                "robust": robust and differs,
                "sessions": 5,
                "of_sessions": 10,
                "rest_sessions": 5,
                "rest_of_sessions": 10,
                "seeds_flagged": 1.0 if robust else 0.0,
            }
        )
    return pd.DataFrame(share_rows), pd.DataFrame(difference_rows)


def kinds_for(shares, differs, ratio_interval=(0.8, 1.25), robust=False):
    return topic_kinds(*kind_rows(shares, differs, ratio_interval, robust)).iloc[0]


def test_a_topic_without_a_group_has_none_beside_a_specific_one_never_nan():
    specific, shared = (
        kind_rows({"A": 0.20, "B": 0.02}, True, robust=True),
        kind_rows({"A": 0.1, "B": 0.09}, False, topic=1),
    )
    kinds = topic_kinds(*(pd.concat([a, b], ignore_index=True) for a, b in zip(specific, shared)))
    assert [k["group"] for k in kinds.to_dict("records")] == ["A", None]


def test_shared_specific_mixed_and_unclear_by_the_stated_rule():
    specific = kinds_for({"A": 0.20, "B": 0.02}, differs=True, robust=True)
    assert specific["kind"] == "specific" and specific["group"] == "A" and specific["robust"]
    assert "q=0.001" in specific["evidence"] and "5 of 10 sessions" in specific["evidence"]
    assert kinds_for({"A": 0.20, "B": 0.02}, differs=False, ratio_interval=(0.9, 40))["kind"] == "unclear"
    assert kinds_for({"A": 0.10, "B": 0.09}, differs=False)["kind"] == "shared"
    assert kinds_for({"A": 0.10, "B": 0.06}, differs=True)["kind"] == "mixed"  # flagged but not 3-fold
    assert kinds_for({"A": 0.10, "B": 0.09}, differs=False, ratio_interval=(0.2, 5))["kind"] == "unclear"


def with_members(run, members):
    kept = run.kept
    return run.with_members(
        pd.DataFrame({"remark_id": kept["remark_id"].to_numpy(), **{f"seed_{i}": m for i, m in enumerate(members)}})
    )


def test_a_difference_is_robust_only_when_the_seed_models_flag_it_too():
    run, _ = planted_run()
    topics = run.kept["topic"].to_numpy(dtype=int)
    renamed = np.where(topics >= 0, topics + 10, -1)  # the same partition under other ids: maps back
    robust = group_statistics(with_members(run, [topics, renamed, topics]), draws=300, seed=1)[1]
    assert robust.loc[robust["differs"], "robust"].all() and (robust.loc[robust["differs"], "seeds_flagged"] == 1).all()
    rng = np.random.default_rng(0)
    scrambled = [rng.permutation(topics) for _ in range(3)]  # seed models that found nothing of the kind
    fragile = group_statistics(with_members(run, scrambled), draws=300, seed=1)[1]
    assert fragile["differs"].any() and not fragile["robust"].any()


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
    a = TopicSet(
        "A",
        [Topic(i, f"a{i}", [("w", 1.0)], 10) for i in range(4)],
        np.vstack([shared, rng.normal(size=(1, 16))]).astype(np.float32),
    )
    b = TopicSet(
        "B",
        [Topic(i, f"b{i}", [("w", 1.0)], 10) for i in range(3)],
        (shared[[2, 0, 1]] + 0.05 * rng.normal(size=(3, 16))).astype(np.float32),
    )
    pairs, matrix = align(a, b, threshold=0.8)
    matched = pairs[pairs["status"] == "matched"]
    assert sorted(zip(matched["A"], matched["B"])) == [(0, 1), (1, 2), (2, 0)]
    assert (pairs["status"] == "only in A").sum() == 1
    assert matrix.shape == (4, 3)


def test_one_group_is_a_clear_error_and_results_are_written(tmp_path):
    run, words = planted_run()
    run.path = tmp_path
    target = write_comparison(compare(run, words, draws=100), tmp_path, {"draws": 100})
    assert {"shares.csv", "differences.csv", "kinds.csv", "words.csv", "comparison.json"} <= {
        p.name for p in target.iterdir()
    }
    write_comparison(compare(run, words, draws=100), tmp_path, {"draws": 100})  # replaces the old one
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    single = TopicRun(
        config=run.config,
        remarks=run.remarks.assign(group="CBT"),
        joint=run.joint,
        groups={},
        provenance={},
        path=tmp_path,
    )
    with pytest.raises(TopicsInputError, match="two or more groups"):
        compare(single, words)


def test_remarks_without_a_group_are_left_out_of_group_comparisons():
    run, words = planted_run()
    remarks = run.remarks.copy()
    remarks.loc[remarks.index % 10 == 0, "group"] = pd.NA
    run = TopicRun(config=run.config, remarks=remarks, joint=run.joint, groups={}, provenance={})
    result = compare(run, words, draws=200)
    assert set(result.groups.shares["group"]) == {"CBT", "PD"} and not result.words.empty


def test_a_planted_split_takes_every_session_that_lists_the_label_among_others():
    run, _ = planted_run(sessions=6, per_session=5)
    labels = {"CBT0": "smoking cessation; Reducing alcohol consumption", "PD3": "reducing alcohol consumption"}
    run.remarks["meta_topic"] = run.remarks["session"].map(labels).fillna("weight loss")
    regrouped = calibration.planted_split(run, "meta_topic", "reducing alcohol consumption", seed=0).remarks
    in_a = set(regrouped.loc[regrouped["group"] == "A", "session"])
    assert {"CBT0", "PD3"} <= in_a and len(in_a) == 2 + 5  # the two, and half of the 10 others
    assert calibration.has_label(pd.Series(["alcohol; x", "alcoholism"]), "alcohol").tolist() == [True, False]


def test_the_sequential_permutation_test_stops_null_topics_early_and_runs_real_differences_to_the_end():
    rng = np.random.default_rng(5)
    groups = np.array(["A"] * 40 + ["B"] * 40, dtype=object)
    counts = np.column_stack(
        [
            rng.poisson(np.where(groups == "A", 12, 3)),  # topic 0 differs; 1 and 2 do not
            rng.poisson(8, size=80),
            rng.poisson(8, size=80),
        ]
    ).astype(float)
    table = significance.SessionTable(np.arange(80).astype(object), groups, [0, 1, 2], counts, np.full(80, 40.0))
    sequential = significance.permutation_test(table, 4999, seed=1)["A"][1]
    full = significance.permutation_test(table, 4999, seed=1, stop_after=10**9)["A"][1]
    assert sequential[0] == full[0] == 1 / 5000  # the real difference: every permutation was drawn
    for topic in (1, 2):  # a null topic stops at its 10th extreme permutation: p = 10 / permutations so far
        assert sequential[topic] > 0.01 and (10 / sequential[topic]) == round(10 / sequential[topic])
        assert abs(sequential[topic] - full[topic]) < 0.1


def test_with_two_groups_one_group_s_difference_is_the_other_s_mirrored_exactly():
    """The same draws serve both sides, so a difference cannot be flagged as 'B lower' and not as 'A higher'."""
    run, _ = planted_run()
    _, differences, _ = group_statistics(run, draws=300, seed=4)
    a, b = (differences[differences["group"] == g].set_index("topic") for g in ("CBT", "PD"))
    assert np.allclose(a["low"], -b["high"], rtol=0, atol=1e-12) and np.allclose(
        a["high"], -b["low"], rtol=0, atol=1e-12
    )
    assert (a["differs"] == b["differs"]).all() and a["differs"].any()


def therapist_run(seed, therapists=3, sessions_each=8, per_session=30):
    """Two groups, each of ``therapists`` therapists with ``sessions_each`` sessions; every therapist has a
    topic mix of their own and the groups none: a difference between groups is only ever a therapist's."""
    rng = np.random.default_rng(seed)
    rows = []
    for group in ("A", "B"):
        for t in range(therapists):
            mix = rng.dirichlet(np.ones(4) * 2)  # this therapist's habits
            for s in range(sessions_each):
                session_mix = rng.dirichlet(mix * 60)
                for r in range(per_session):
                    rows.append(
                        {
                            "remark_id": f"{group}{t}-{s}-{r}",
                            "text": "",
                            "role": "therapist",
                            "session": f"{group}{t}-{s}",
                            "group": group,
                            "therapist": f"{group}{t}",
                            "order": r,
                            "kept": True,
                            "set_aside": None,
                            "topic": int(rng.choice(4, p=session_mix)),
                        }
                    )
    remarks = pd.DataFrame(rows).astype({"topic": "Int64"})
    topics = [
        Topic(id=t, label=f"topic {t}", words=[("w", 1.0)], size=int((remarks["topic"] == t).sum())) for t in range(4)
    ]
    joint = TopicSet("joint", topics, np.eye(4))
    return TopicRun(config={}, remarks=remarks, joint=joint, groups={}, provenance={})


def test_with_therapists_named_whole_therapists_are_resampled_and_their_habits_are_no_school_s():
    """Sessions of one therapist share the therapist's habits: tested session by session, those habits pass for
    a difference between groups; tested therapist by therapist (the run names them), far less often, and every
    group's few therapists are said."""
    by_session = by_therapist = 0
    for seed in range(6):
        run = therapist_run(seed)
        _, differences, notes = group_statistics(run, draws=200, permutations=999, seed=seed)
        by_therapist += bool(differences["differs"].any())
        assert set(differences["unit"]) == {"therapists"} and differences["of_sessions"].max() == 3
        assert any("come from 3 therapist(s)" in note for note in notes)
        assert any("resample and permute whole therapists (6 therapists" in note for note in notes)
        anonymous = TopicRun(
            config={}, remarks=run.remarks.drop(columns="therapist"), joint=run.joint, groups={}, provenance={}
        )
        _, differences, _ = group_statistics(anonymous, draws=200, permutations=999, seed=seed)
        by_session += bool(differences["differs"].any())
        assert set(differences["unit"]) == {"sessions"}
    assert by_session >= 4 and by_therapist <= 1, (by_session, by_therapist)
