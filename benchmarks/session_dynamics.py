"""Benchmark: how AnnoMI's sessions unfold, and whether the dynamics' tests are calibrated and find planted effects.

Fits AnnoMI once with the default config (joint model; or opens ``--run``), then:

1. **What AnnoMI says**: the findings of ``topics dynamics`` with the client's talk labels and the therapist's
   behaviour codes, for all sessions and for high- and low-quality MI; and, as a positive control, the same
   client-response test with the behaviour codes in place of the topics (the MI literature links therapist
   behaviour to change talk).
2. **Null**: ``--null`` draws in which each session's kept remarks swap topics at random (so topics say
   nothing about position, order or the client's answer): the share of draws in which each test flags
   anything, with its 95 % upper bound (goal: at most 0.05).
3. **Planted**: ``--planted`` null draws with one effect planted each: the client's next turn after one
   topic's remarks is change talk with probability 0.4 (else as it was); one topic's remarks moved to the last
   fifth of their sessions; after one topic, the next remark is of another given topic with probability 0.4.
4. **Speed**: all dynamics of the real run, warm (goal: under 10 s).

    .venv/bin/python benchmarks/session_dynamics.py [--run RUN] [--null 100] [--planted 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
from annomi_run import open_or_fit
from scipy.stats import binomtest

PLANTED_PROBABILITY = 0.4


def placed(remarks: pd.DataFrame) -> np.ndarray:
    """The remarks that carry a topic or none: clustered, or short and attached afterwards."""
    return remarks["kept"].to_numpy(dtype=bool) | remarks["attached"].fillna(False).to_numpy(dtype=bool)


def shuffled(run, rng: np.random.Generator):
    """``run`` with the topics of each session's placed remarks (clustered or attached) shuffled among them."""
    remarks = run.remarks.copy()
    kept = remarks.index[placed(remarks)]
    topics = remarks.loc[kept, "topic"].to_numpy().copy()
    sessions = remarks.loc[kept, "session"].astype(str).to_numpy()
    for session in np.unique(sessions):
        where = np.flatnonzero(sessions == session)
        topics[where] = rng.permutation(topics[where])
    remarks.loc[kept, "topic"] = topics
    return dataclasses.replace(run, remarks=remarks)


def with_behaviour_as_topics(run):
    """``run`` whose "topics" are the therapist's behaviour codes: the positive control."""
    remarks = run.remarks.copy()
    codes, names = pd.factorize(remarks["meta_main_therapist_behaviour"].fillna("unknown"), sort=True)
    remarks["kept"], remarks["attached"], remarks["topic"] = True, False, codes
    from topics.core.run import Topic, TopicSet

    joint = TopicSet("joint", [Topic(i, name, [], int((codes == i).sum())) for i, name in enumerate(names)], None)
    return dataclasses.replace(run, remarks=remarks, joint=joint)


def plant_response(run, topic: int, rng: np.random.Generator):
    """Client turns right after a remark of ``topic`` become change talk with :data:`PLANTED_PROBABILITY`."""
    from topics.analysis.session_sequence import session_sequence

    sequence = session_sequence(run)
    before = sequence.groupby("session")["state"].shift(1)
    after_topic = sequence.loc[~sequence["therapist"] & (before == topic), "remark_id"]
    chosen = set(after_topic[rng.random(len(after_topic)) < PLANTED_PROBABILITY])
    turns = run.client_turns.copy()
    turns.loc[turns["remark_id"].astype(str).isin(chosen), "meta_client_talk_type"] = "change"
    return dataclasses.replace(run, client_turns=turns)


def plant_late(run, topic: int):
    """Each session's remarks of ``topic`` swap places with remarks in the session's last fifth."""
    from topics.analysis.session_sequence import session_sequence

    sequence = session_sequence(run)
    kept = sequence[sequence["therapist"] & (sequence["state"] >= -1)]
    remarks = run.remarks.set_index("remark_id")
    for _, session in kept.groupby("session"):
        ids, states, phases = session["remark_id"].tolist(), session["state"].tolist(), session["phase"].tolist()
        late = [i for i, p in enumerate(phases) if p == 4 and states[i] != topic]
        for i in [i for i, s in enumerate(states) if s == topic and phases[i] != 4]:
            if not late:
                break
            j = late.pop()
            states[i], states[j] = states[j], states[i]
        remarks.loc[ids, "topic"] = states
    return dataclasses.replace(run, remarks=remarks.reset_index())


def plant_transition(run, first: int, second: int, rng: np.random.Generator):
    """After a remark of ``first``, the next kept remark is of ``second`` with :data:`PLANTED_PROBABILITY`."""
    remarks = run.remarks.copy()
    kept = remarks[placed(remarks)].sort_values(["session", "order"])
    following = kept.groupby("session")["topic"].shift(-1)
    nxt = kept.index.to_series().groupby(kept["session"]).shift(-1)
    chosen = nxt[(kept["topic"] == first) & following.notna() & (rng.random(len(kept)) < PLANTED_PROBABILITY)]
    remarks.loc[chosen.dropna().astype(int), "topic"] = second
    return dataclasses.replace(run, remarks=remarks)


def synthetic_run(remarks: int, topics: int = 100, per_session: int = 100, seed: int = 0):
    """A run of ``remarks`` therapist remarks in sessions of ``per_session``, each followed by a client turn
    labelled change, sustain or neutral at random, topics at random: the size of the scale benchmark, built
    without a fit (the dynamics read only the run's tables)."""
    from topics.core.run import Topic, TopicRun, TopicSet

    rng = np.random.default_rng(seed)
    session = np.arange(remarks) // per_session
    order = 2 * (np.arange(remarks) % per_session)
    common = {"session": session.astype(str), "group": np.where(session % 2, "A", "B"), "text": ""}
    therapist = pd.DataFrame(
        common
        | {
            "remark_id": np.char.add("t", np.arange(remarks).astype(str)),
            "order": order,
            "position": 2 * np.arange(remarks),
            "kept": True,
            "attached": False,
            "topic": rng.integers(0, topics, remarks),
        }
    )
    client = pd.DataFrame(
        common
        | {
            "remark_id": np.char.add("c", np.arange(remarks).astype(str)),
            "order": order + 1,
            "position": 2 * np.arange(remarks) + 1,
            "meta_client_talk_type": rng.choice(["change", "sustain", "neutral"], remarks, p=[0.25, 0.1, 0.65]),
        }
    )
    joint = TopicSet("joint", [Topic(t, f"topic {t}", [], 0) for t in range(topics)], np.zeros((topics, 2)))
    return TopicRun(config={}, remarks=therapist, joint=joint, groups={}, provenance={}, client_turns=client)


def flagged(dynamics) -> dict[str, bool]:
    return {name: bool(not t.empty and t["flag"].ne("").any()) for name, t in dynamics.tables().items()}


def _sessions_page(path: str) -> None:
    """The Sessions page alone, as AppTest runs a function: its imports inside."""
    import streamlit as st

    from topics.explorer import common, sessions

    st.session_state[common.RUN_KEY] = path
    sessions.render()


def sessions_page_seconds(path: Path) -> float:
    """The explorer's Sessions page on ``path``, first draw, through Streamlit's AppTest (the script run in
    this process, no browser): the time the page's script takes, the strip and the findings included."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_sessions_page, args=(str(path),), default_timeout=120)
    started = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - started
    assert not app.exception, app.exception
    return seconds


def null_draws(run, draws: int, rng: np.random.Generator) -> None:
    """Topics shuffled within each session: how often each test flags anything."""
    from topics.analysis.session_dynamics import session_dynamics

    started = time.perf_counter()
    counts = {"phase": 0, "transitions": 0, "client_response": 0}
    for _ in range(draws):
        null = session_dynamics(shuffled(run, rng), client_label="client_talk_type", draws=10, by_group=False)
        for name, hit in flagged(null).items():
            counts[name] += hit
    print(f"\nnull: {draws} draws, topics shuffled within each session ({time.perf_counter() - started:.0f} s)")
    for name, count in counts.items():
        upper = binomtest(count, draws).proportion_ci(method="exact").high
        print(f"  {name:16} draws with any flag: {count} ({count / draws:.1%}; 95 % upper bound {upper:.1%})")


def planted_draws(run, draws: int, rng: np.random.Generator) -> None:
    """One effect planted on a shuffled run per test: how often it is found."""
    from topics.analysis.session_dynamics import session_dynamics

    sizes = run.remarks.loc[placed(run.remarks), "topic"].value_counts()
    middle = [int(t) for t in sizes.index[(sizes >= 60) & (sizes <= 200)]]
    topic, other = middle[0], middle[1]
    found = {"client_response": 0, "phase": 0, "transitions": 0}
    for _ in range(draws):
        base = shuffled(run, rng)
        response = session_dynamics(
            plant_response(base, topic, rng), client_label="client_talk_type", draws=10, by_group=False
        ).response
        found["client_response"] += bool(
            ((response["mark"] == topic) & (response["event"] == "change") & (response["flag"] == "more")).any()
        )
        phase = session_dynamics(plant_late(base, topic), draws=10, by_group=False).phase
        found["phase"] += bool(
            ((phase["mark"] == topic) & (phase["event"] == "close") & (phase["flag"] == "more")).any()
        )
        transitions = session_dynamics(plant_transition(base, topic, other, rng), draws=10, by_group=False).transitions
        found["transitions"] += bool(
            ((transitions["mark"] == topic) & (transitions["event"] == other) & (transitions["flag"] == "more")).any()
        )
    print(
        f"\nplanted: {draws} draws each, on topic {topic} ({sizes[topic]} remarks; probability "
        f"{PLANTED_PROBABILITY} where it applies)"
    )
    for name, count in found.items():
        print(f"  {name:16} found in {count} of {draws}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", help="a fitted AnnoMI run folder (default: fit one now)")
    parser.add_argument("--null", type=int, default=100)
    parser.add_argument("--planted", type=int, default=10)
    parser.add_argument(
        "--scale",
        type=int,
        nargs="*",
        default=[100_000, 1_000_000],
        metavar="N",
        help="also time the dynamics on synthetic runs of N remarks (100 topics, sessions of 100)",
    )
    args = parser.parse_args()

    from topics.analysis.session_dynamics import findings, session_dynamics

    run = open_or_fit(args.run, "bench-dynamics-")
    labels = {"client_label": "client_talk_type", "therapist_label": "main_therapist_behaviour"}

    session_dynamics(run, **labels)  # warm: imports, word lists
    started = time.perf_counter()
    dynamics = session_dynamics(run, **labels)
    seconds = time.perf_counter() - started
    kept = int(placed(run.remarks).sum())
    print(
        f"AnnoMI: {kept:,} placed therapist remarks, {len(run.joint.topics)} topics, "
        f"{len(run.client_turns):,} client turns"
    )
    print(f"all dynamics, warm: {seconds:.1f} s (goal: under 10 s)\n")
    for group, lines in findings(dynamics).items():
        print(f"{group}:")
        for line in lines:
            print(f"  {line}")
    for note in dynamics.notes:
        print(f"note: {note}")
    control = session_dynamics(with_behaviour_as_topics(run), client_label="client_talk_type")
    print("\npositive control: the behaviour codes in place of topics, client response (all sessions)")
    table = control.response[control.response["group"] == "all"]
    for row in table.sort_values(["mark", "event"]).to_dict("records"):
        name = control.labels[int(row["mark"])]
        print(
            f"  after {name:16} {row['event']:8} {row['share']:6.1%} [{row['share_low']:.1%}-{row['share_high']:.1%}]"
            f"  expected {row['expected_share']:6.1%}  q {row['q']:.3g} {row['flag']}"
        )

    if run.path is not None:
        print(
            f"explorer Sessions page, first draw (AppTest, no browser): {sessions_page_seconds(run.path):.1f} s "
            "(goal: under 2 s)"
        )
    rng = np.random.default_rng(0)
    if args.null:
        null_draws(run, args.null, rng)
    if args.planted:
        planted_draws(run, args.planted, rng)

    if args.scale:
        print(f"\nscale (synthetic runs, 100 topics, client labels; AnnoMI took {seconds:.1f} s above):")
    for size in args.scale:
        big = synthetic_run(size)
        started = time.perf_counter()
        session_dynamics(big, client_label="client_talk_type")
        taken = time.perf_counter() - started
        print(f"  {size:>9,} remarks: all dynamics {taken:.1f} s ({taken / seconds:.0f} x AnnoMI; goal at 1M: 2 min)")


if __name__ == "__main__":
    main()
