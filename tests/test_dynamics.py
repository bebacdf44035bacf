"""How sessions unfold: the exact stratified test against scipy and brute force, the dynamics on synthetic
sessions where the answer is known (no effect, planted effects, the client's own momentum), clear errors, and
the command."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from topics.analysis.session_dynamics import findings, session_dynamics
from topics.analysis.session_sequence import session_sequence
from topics.analysis.stratified_test import null_distribution, stratified_test
from topics.core.errors import TopicsInputError
from topics.core.run import Topic, TopicRun, TopicSet

LABELS = ("change", "neutral", "sustain")


def synthetic_run(
    seed: int,
    sessions: int = 30,
    remarks: int = 24,
    topics: int = 5,
    momentum: float = 0.0,
    planted_change_after: int | None = None,
    planted_probability: float = 0.6,
    late_topic: int | None = None,
    topic_after_change: int | None = None,
) -> TopicRun:
    """Sessions of alternating therapist remarks and client turns. Topics are drawn at random; client labels
    follow a chain that repeats the previous label with probability ``momentum``; optionally client turns after
    ``planted_change_after`` are change talk with ``planted_probability``, ``late_topic``'s remarks sit in the
    last fifth, and ``topic_after_change`` is what the therapist says after change talk (a confound)."""
    rng = np.random.default_rng(seed)
    therapist, client = [], []
    for s in range(sessions):
        states = rng.integers(0, topics, remarks)
        if late_topic is not None:
            states[states == late_topic] = (late_topic + 1) % topics
            states[-max(1, remarks // 5) :] = late_topic
        previous = str(rng.choice(LABELS))
        for i in range(remarks):
            topic = int(states[i])
            if topic_after_change is not None and previous == "change":
                topic = topic_after_change
            therapist.append({"session": f"s{s}", "order": 2 * i, "topic": topic})
            label = previous if rng.random() < momentum else str(rng.choice(LABELS))
            if planted_change_after is not None and topic == planted_change_after:
                label = "change" if rng.random() < planted_probability else label
            client.append({"session": f"s{s}", "order": 2 * i + 1, "meta_client_talk_type": label})
            previous = label
    remarks_frame = pd.DataFrame(therapist)
    remarks_frame = remarks_frame.assign(
        remark_id=[f"t{i}" for i in range(len(remarks_frame))],
        text="",
        role="therapist",
        group=np.where(remarks_frame["session"].str[1:].astype(int) % 2 == 0, "A", "B"),
        position=pd.array(range(len(remarks_frame)), dtype="Int64"),
        kept=True,
        set_aside=pd.NA,
        attached=False,
    )
    turns = pd.DataFrame(client).assign(
        remark_id=[f"c{i}" for i in range(len(client))],
        text="",
        role="client",
        group=np.where(pd.DataFrame(client)["session"].str[1:].astype(int) % 2 == 0, "A", "B"),
        position=pd.array(range(len(client)), dtype="Int64"),
    )
    joint = TopicSet("joint", [Topic(t, f"topic {t}", [], 0) for t in range(topics)], np.zeros((topics, 2)))
    return TopicRun(config={}, remarks=remarks_frame, joint=joint, groups={}, provenance={}, client_turns=turns)


def test_one_stratum_is_fisher_s_exact_test():
    """scipy's Fisher exact test is the reference for a single 2x2 table, both tails."""
    for n, m, k, a in [(20, 8, 6, 5), (30, 3, 10, 0), (12, 6, 6, 3), (50, 25, 1, 1)]:
        result = stratified_test([n], [m], [k], a)
        table = [[a, k - a], [m - a, n - k - m + a]]
        assert result.p_more == pytest.approx(fisher_exact(table, alternative="greater").pvalue)
        assert result.p_less == pytest.approx(fisher_exact(table, alternative="less").pvalue)
        assert result.expected == pytest.approx(k * m / n)


def test_the_null_distribution_of_several_strata_is_what_every_shuffle_gives():
    """Every way of placing each stratum's events among its units, enumerated: the exact distribution."""
    units, events, marked = [5, 4, 6], [2, 3, 2], [3, 2, 4]
    counts = np.zeros(sum(marked) + 1)
    shuffles = [list(itertools.combinations(range(n), m)) for n, m in zip(units, events)]
    for placement in itertools.product(*shuffles):
        counts[sum(sum(1 for u in chosen if u < k) for chosen, k in zip(placement, marked))] += 1
    start, pmf = null_distribution(units, events, marked)
    expected = counts / counts.sum()
    np.testing.assert_allclose(pmf, expected[start : start + len(pmf)], atol=1e-12)
    assert expected[:start].sum() == 0 and expected[start + len(pmf) :].sum() == 0


def test_transition_moments_are_those_of_every_arrangement_of_each_session():
    """Every distinct order of two small sessions, enumerated: the exact mean and variance of each count."""
    from topics.analysis.session_dynamics import transition_counts, transition_moments

    sessions = [[0, 0, 0, 1, 1, 2, 2], [0, 1, 1, 2]]
    per_session = []
    for remarks in sessions:
        orders = sorted(set(itertools.permutations(remarks)))
        per_session.append(np.array([transition_counts(np.array(o), np.zeros(len(o), int), 3) for o in orders]))
    mean = sum(c.mean(axis=0) for c in per_session)
    variance = sum(c.var(axis=0) for c in per_session)  # sessions are shuffled independently
    counts = np.array([np.bincount(r, minlength=3) for r in sessions])
    got_mean, got_variance = transition_moments(counts, np.array([len(r) for r in sessions]))
    np.testing.assert_allclose(got_mean, mean, atol=1e-12)
    np.testing.assert_allclose(got_variance, variance, atol=1e-12)


def test_a_degenerate_stratum_adds_its_one_value_and_an_impossible_count_is_refused():
    start, pmf = null_distribution([4, 3], [4, 0], [2, 2])  # every unit has the event; none has it
    assert start == 2 and pmf.tolist() == [1.0]
    with pytest.raises(ValueError, match="cannot happen"):
        stratified_test([4], [1], [2], 2)


def test_no_effect_rarely_raises_a_flag():
    """Twenty null corpora: each table flags something in at most two of them (a small honest form of the
    benchmark's 100 draws, where the goal is at most 5 %; BH at 5 % within each table)."""
    with_flags = {"phase": 0, "transitions": 0, "client_response": 0}
    for seed in range(20):
        dynamics = session_dynamics(synthetic_run(seed), client_label="client_talk_type", draws=20, by_group=False)
        for name, table in dynamics.tables().items():
            with_flags[name] += bool(not table.empty and table["flag"].ne("").any())
    assert max(with_flags.values()) <= 2, with_flags


def test_a_planted_response_and_a_late_topic_are_found_every_time():
    for seed in range(5):
        dynamics = session_dynamics(
            synthetic_run(seed, planted_change_after=2, late_topic=4), client_label="client_talk_type", draws=50
        )
        response = dynamics.response.set_index(["group", "mark", "event"])
        assert response.loc[("all", 2, "change"), "flag"] == "more"
        phase = dynamics.phase.set_index(["group", "mark", "event"])
        assert phase.loc[("all", 4, "close"), "flag"] == "more"
        assert phase.loc[("all", 4, "opening"), "flag"] == "less"
        said = findings(dynamics)["all"]
        assert any("after 'topic 2' the client's next turn is change" in line for line in said)
        run = synthetic_run(seed)
        remarks = run.remarks
        after_zero = (remarks["topic"].shift(1) == 0) & (remarks["session"].shift(1) == remarks["session"])
        remarks.loc[after_zero & (np.random.default_rng(seed).random(len(remarks)) < 0.5), "topic"] = 1
        transitions = session_dynamics(run, draws=20, by_group=False).transitions.set_index(["mark", "event"])
        assert transitions.loc[(0, 1), "flag"] == "more"
        assert any("'topic 4' comes more often in the last fifth" in line for line in said)


def test_a_topic_said_after_change_talk_is_not_credited_with_the_change_talk_that_follows():
    """The therapist raises topic 1 after change talk and the client's talk runs on by itself: a test that
    conditions on the client's previous label finds nothing; one that does not would credit topic 1."""
    run = synthetic_run(3, sessions=40, momentum=0.7, topic_after_change=1)
    dynamics = session_dynamics(run, client_label="client_talk_type", draws=50)
    response = dynamics.response.set_index(["group", "mark", "event"])
    assert response.loc[("all", 1, "change"), "flag"] == ""
    assert response.loc[("all", 1, "change"), "share"] > 0.45  # against a third overall: momentum alone

    from topics.analysis.session_dynamics import _responses, conditional_tests

    units = _responses(session_sequence(run, "client_talk_type"))
    naive = conditional_tests(units, "topic", "client_label", ["session"]).set_index(["mark", "event"])
    assert naive.loc[(1, "change"), "p"] < 1e-6


def test_how_a_topic_is_delivered_is_found_where_it_was_planted():
    run = synthetic_run(4)
    rng = np.random.default_rng(4)
    behaviour = rng.choice(["question", "reflection", "input"], len(run.remarks))
    behaviour[(run.remarks["topic"] == 3).to_numpy() & (rng.random(len(run.remarks)) < 0.5)] = "reflection"
    run.remarks["meta_main_therapist_behaviour"] = behaviour
    delivery = session_dynamics(run, therapist_label="main_therapist_behaviour", draws=50, by_group=False).delivery
    flagged = delivery[delivery["flag"] != ""]
    assert ((flagged["mark"] == 3) & (flagged["event"] == "reflection") & (flagged["flag"] == "more")).any()
    # beside a topic that takes more of a session's reflections, the others hold fewer, and so more of the rest
    more_reflection = flagged[(flagged["event"] == "reflection") & (flagged["flag"] == "more")]
    assert set(more_reflection["mark"]) == {3}


def test_without_a_client_label_the_length_of_the_client_s_answer_is_followed():
    """An engagement measure where talk is not labelled: after topic 1 the client says more."""
    run = synthetic_run(5)
    rng = np.random.default_rng(5)
    words = rng.integers(1, 30, len(run.client_turns))
    after_one = run.remarks["topic"].to_numpy() == 1  # client turn i follows remark i
    words[after_one] += rng.integers(0, 40, after_one.sum())
    run.client_turns["text"] = [" ".join(["word"] * n) for n in words]
    dynamics = session_dynamics(run, draws=50, by_group=False)
    assert dynamics.response is None and set(dynamics.length["event"]) == {"longer"}
    flagged = dynamics.length[dynamics.length["flag"] != ""]
    assert ((flagged["mark"] == 1) & (flagged["flag"] == "more")).any()
    assert any("after 'topic 1' the client's next turn is longer" in line for line in findings(dynamics)["all"])
    assert session_dynamics(run, client_label="client_talk_type", draws=20, by_group=False).length is None


def test_intervals_are_never_zero_wide_and_hold_the_share():
    dynamics = session_dynamics(synthetic_run(1, sessions=8, remarks=10), client_label="client_talk_type", draws=200)
    for table in (dynamics.phase, dynamics.response):
        assert (table["share_high"] > table["share_low"]).all()
        assert table["share_low"].ge(0).all() and table["share_high"].le(1).all()
        # the pseudo-session draws a share of a handful of remarks toward the whole corpus's: only larger ones
        # must hold their own share
        large = table[table["marked"] >= 30]
        assert ((large["share_low"] <= large["share"]) & (large["share"] <= large["share_high"])).all()


def test_a_session_with_one_client_turn_and_a_topic_of_one_session_are_handled():
    run = synthetic_run(2, sessions=6, remarks=10)
    one = run.client_turns["session"] == "s0"
    run.client_turns = run.client_turns[~one | (run.client_turns["order"] == 1)].reset_index(drop=True)
    run.remarks.loc[run.remarks["session"] == "s1", "topic"] = 4
    run.remarks.loc[(run.remarks["session"] != "s1") & (run.remarks["topic"] == 4), "topic"] = 3
    dynamics = session_dynamics(run, client_label="client_talk_type", draws=50)
    assert np.isfinite(dynamics.response[["p", "q", "expected"]].to_numpy()).all()
    assert dynamics.phase.loc[dynamics.phase["mark"] == 4, "p"].ge(0.05).all()  # one session says nothing
    assert any("sessions; only large differences" in note for note in dynamics.notes)


def test_clear_errors_for_a_missing_label_no_sessions_and_an_unknown_group():
    run = synthetic_run(0, sessions=4)
    with pytest.raises(TopicsInputError, match=r"no label 'talk' on its client turns \(it holds: client_talk_type\)"):
        session_dynamics(run, client_label="talk")
    run.client_turns["meta_client_talk_type"] = "neutral"
    with pytest.raises(TopicsInputError, match="has 1 value"):
        session_dynamics(run, client_label="client_talk_type")
    with pytest.raises(TopicsInputError, match="no group 'C'.*A, B"):
        session_dynamics(run, group="C")
    run.remarks["session"] = pd.NA
    with pytest.raises(TopicsInputError, match="no sessions"):
        session_dynamics(run)


def test_the_sequence_puts_client_turns_between_remarks_in_order_and_marks_phases():
    run = synthetic_run(0, sessions=2, remarks=10)
    sequence = session_sequence(run, "client_talk_type")
    first = sequence[sequence["session"] == "s0"]
    assert first["therapist"].tolist() == [True, False] * 10
    assert first["step"].tolist() == list(range(20))
    assert first.loc[first["therapist"], "phase"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


@pytest.mark.slow
def test_dynamics_command_prints_findings_and_writes_tables(fitted_folder, capsys):
    from topics.cli import main

    assert main(["dynamics", str(fitted_folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("How sessions unfold (association, not cause")
    target = fitted_folder / "dynamics"
    assert out.strip().endswith(str(target))
    phase = pd.read_csv(target / "phase.csv")
    assert {"group", "mark", "mark_label", "event", "share", "expected_share", "p", "q", "flag"} <= set(phase.columns)
    assert set(phase["event"]) == {"opening", "close"} and "all" in set(phase["group"])
    summary = json.loads((target / "dynamics.json").read_text())
    assert summary["settings"]["client_label"] is None
    assert main(["dynamics", str(fitted_folder), "--client-label", "client_talk_type"]) == 2
    assert "no label 'client_talk_type'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    from conftest import FakeEncoder

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml", ["fit.modes=[joint]"])
    return fit_run(config, out=tmp_path_factory.mktemp("dynamics") / "run", encoder=FakeEncoder()).path


def test_what_follows_what_is_drawn_with_the_flagged_pair_marked():
    from topics.share.plots import transition_heatmap
    from topics.share.report import _transition_grid

    run = synthetic_run(6)
    remarks = run.remarks
    after_zero = (remarks["topic"].shift(1) == 0) & (remarks["session"].shift(1) == remarks["session"])
    remarks.loc[after_zero & (np.random.default_rng(6).random(len(remarks)) < 0.5), "topic"] = 1
    dynamics = session_dynamics(run, draws=20, by_group=False)
    labels = {t: f"topic {t}" for t in range(5)}
    figure = transition_heatmap(dynamics.transitions, labels)
    heat, dots = figure.data
    assert len(heat.z) == 5 and ("0: topic 0", "1: topic 1") in set(zip(dots.y, dots.x))
    grid = _transition_grid(dynamics.transitions, labels, "all")
    assert 'stroke="#000"' in grid and "0: topic 0 → 1: topic 1" in grid
    assert (
        grid.count("<rect")
        == len({*dynamics.transitions.query("flag != ''")[["mark", "event"]].to_numpy().ravel()}) ** 2
    )


def test_edge_cases_a_review_found():
    """A topic that always ends its sessions, a strip's phase lines, session ids in natural order."""
    from topics.analysis.session_sequence import in_order
    from topics.share.svgcharts import session_strip

    run = synthetic_run(7, sessions=12, remarks=10)
    run.remarks["topic"] = np.tile([1, 1, 1, 1, 1, 2, 2, 2, 2, 0], 12)  # topic 0 only ever last
    transitions = session_dynamics(run, draws=20, by_group=False).transitions
    assert np.isfinite(transitions[["share", "expected_share", "ratio"]].to_numpy()).all()
    from topics.analysis.session_dynamics import _finding

    fewer = {"mark": 2, "event": 2, "flag": "less", "ratio": 0.5, "observed": 3, "expected": 6.0}
    assert _finding("transitions", fewer, {2: "goals"}).startswith("'goals' is followed by itself less often")
    turns = session_sequence(run, "client_talk_type")
    first = turns[turns["session"] == "s0"].to_dict("records")
    strip = session_strip(first, {}, "s0")
    # a line before the first remark of each later fifth: remarks 2, 4, 6 and 8, turns 4, 8, 12 and 16
    cell = (760 - 8) / 20
    for turn in (4, 8, 12, 16):
        assert f'x1="{4 + turn * cell - 0.5:.1f}"' in strip
    assert in_order(["10", "2", "1"]) == ["1", "2", "10"] and in_order(["b", "a10", "a2"]) == ["a10", "a2", "b"]


def test_named_therapists_are_the_unit_of_the_intervals_and_a_group_of_few_is_said():
    run = synthetic_run(8, sessions=12)
    run.remarks["therapist"] = "dr-" + (run.remarks["session"].str[1:].astype(int) % 4).astype(str)
    sequence = session_sequence(run, "client_talk_type")
    clients = sequence[~sequence["therapist"]]
    assert clients["held_by"].notna().all()  # a client turn is held by its session's therapist
    dynamics = session_dynamics(run, client_label="client_talk_type", draws=200)
    assert any("resample and permute whole therapists (4 therapists" in note for note in dynamics.notes)
    assert any("The 6 sessions of A come from 2 therapist(s)" in note for note in dynamics.notes)


def test_a_therapist_s_habit_widens_the_interval_when_therapists_are_named():
    """Two therapists of five sessions each: one's clients always answer with change talk, the other's never.
    Resampled by session the share looks known to within a few points; by therapist it is not known at all."""
    from topics.analysis.session_dynamics import session_intervals

    units = pd.DataFrame(
        {
            "session": [f"s{i}" for i in range(10) for _ in range(6)],
            "held_by": ["a" if i < 5 else "b" for i in range(10) for _ in range(6)],
            "topic": 1.0,
            "label": ["change" if i < 5 else "neutral" for i in range(10) for _ in range(6)],
        }
    )
    table = pd.DataFrame({"mark": [1.0], "event": ["change"]})
    by_therapist = session_intervals(units, "topic", "label", table, 2000, 0).iloc[0]
    by_session = session_intervals(units.assign(held_by=pd.NA), "topic", "label", table, 2000, 0).iloc[0]
    assert by_therapist["share_high"] - by_therapist["share_low"] > 0.6
    assert by_session["share_high"] - by_session["share_low"] < 0.6
