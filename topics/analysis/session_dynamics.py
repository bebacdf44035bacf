"""How sessions unfold: where in a session a topic comes, what follows what, how the client responds, and how
each topic is delivered.

Every question here has the same shape, and one test answers all of them (:mod:`topics.analysis.stratified_test`):
among the *units* of a stratum, are the *marked* ones (remarks of topic t; client turns right after a remark of
topic t) more or less often the *event* (in the last fifth of the session; change talk) than the stratum's
other units? The answer is exact and conditional on each stratum's make-up, so a session's own mix of topics,
or a client's own run of change talk, can never pass for an effect:

* **phase** — units: a session's kept therapist remarks; marked: topic t; event: the opening (first fifth)
  or the close (last fifth); strata: sessions. The same as permuting remarks' positions within each session.
* **transitions** — pairs of consecutive placed therapist remarks of a session (client turns between them do
  not break a pair; remarks cleaning set aside are skipped; a remark without a topic is a state of its own,
  shuffled but not tested), against a shuffle of each session's remarks. Neighbouring pairs share a remark,
  so the stratified test does not apply (it would expect a topic to follow itself more often than a shuffle
  does): :func:`transition_moments` gives the shuffle's exact mean and variance of every count, and the test
  is their normal approximation, used only where at least :data:`MIN_EXPECTED_TRANSITIONS` are expected.
* **client response** — units: labelled client turns right after a therapist remark; marked: that remark is
  of topic t; event: the turn's label (change talk); strata: session x the client's previous label. Client
  talk has momentum (in AnnoMI change talk follows change talk 56 % of the time, neutral talk 15 %), so a
  topic is credited only for what it is followed by beyond the talk already under way.
* **delivery** — units: kept therapist remarks with a behaviour label; marked: topic t; event: the label
  (reflection, question); strata: sessions.

p-values are two-sided (twice the smaller tail); Benjamini-Hochberg runs over every test of a table within
each group. Intervals on shares are a Bayesian bootstrap over sessions (over therapists, each with all their
sessions, when the run names them) with one pseudo-session at the overall share (as
:mod:`topics.analysis.significance` does), so none is zero wide. All of it says association: a topic
followed by change talk may be raised when change is already in the air.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from topics.analysis.session_sequence import PHASES, SET_ASIDE, session_sequence
from topics.analysis.significance import ALPHA, benjamini_hochberg
from topics.analysis.stratified_test import stratified_test
from topics.core.errors import TopicsInputError
from topics.core.facts import therapist_notes
from topics.core.run import OUTLIER, TopicRun

DRAWS = 1000
#: Below these, a group's tests can show only large effects: the tables say so.
THIN_SESSIONS = 20
THIN_EVENTS = 100
#: Transitions are tested only where a shuffle of the sessions expects at least this many: there the normal
#: approximation holds, and rarer pairs could not reach significance after the correction anyway.
MIN_EXPECTED_TRANSITIONS = 5.0
START = "(start)"


def conditional_tests(
    units: pd.DataFrame, mark: str, event: str, stratum: list[str], events: list[str] | None = None
) -> pd.DataFrame:
    """For every value ``a`` of column ``mark`` and ``b`` of column ``event`` among ``units``: how many units
    marked ``a`` have event ``b``, against the exact null within strata (the columns ``stratum``). One row per
    (mark, event) with ``marked`` units, ``observed``, ``expected``, their shares, ``p``, ``p_more``, ``p_less``.
    ``events``: only these event values (default: every value). Units with a missing mark are unmarked."""
    units = units[units[event].notna()]
    codes = units.groupby(stratum, sort=False, dropna=False).ngroup().to_numpy()
    strata = codes.max() + 1 if len(codes) else 0
    n = np.bincount(codes, minlength=strata)
    rows = []
    wanted = sorted(units[event].astype(str).unique()) if events is None else events
    marks = units[mark]
    for b in wanted:
        is_event = (units[event].astype(str) == b).to_numpy()
        if is_event.all() or not is_event.any():
            continue  # a value every unit has, or none (no answer longer than the session's middle one): no test
        m = np.bincount(codes, weights=is_event, minlength=strata).astype(int)
        for a in sorted(marks.dropna().unique()):
            is_marked = (marks == a).fillna(False).to_numpy(dtype=bool)
            k = np.bincount(codes, weights=is_marked, minlength=strata).astype(int)
            observed = int((is_marked & is_event).sum())
            result = stratified_test(n, m, k, observed)
            rows.append(
                {
                    "mark": a,
                    "event": b,
                    "marked": int(k.sum()),
                    "observed": observed,
                    "expected": result.expected,
                    "share": observed / k.sum(),
                    "expected_share": result.expected / k.sum(),
                    "p": result.p,
                    "p_more": result.p_more,
                    "p_less": result.p_less,
                }
            )
    return pd.DataFrame(rows)


def _corrected(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """BH q-values over the table's tests and the flag: ``more``, ``less`` or empty."""
    if table.empty:
        return table.assign(q=[], flag=[])
    q = benjamini_hochberg(table["p"].to_numpy())
    flag = np.where(q <= alpha, np.where(table["observed"] > table["expected"], "more", "less"), "")
    return table.assign(q=q, flag=flag)


def session_intervals(
    units: pd.DataFrame, mark: str, event: str, table: pd.DataFrame, draws: int, seed: int
) -> pd.DataFrame:
    """95 % intervals on each row's ``share``: a Bayesian bootstrap over sessions, with one pseudo-session at
    the event's share among all units and of a mean session's size (so no interval is zero wide). One set of
    session weights per mark serves all its events."""
    if table.empty:
        return table.assign(share_low=[], share_high=[])
    rng = np.random.default_rng(seed)
    units = units[units[event].notna()]
    names = sorted(units[event].astype(str).unique())
    # the unit resampled: a therapist's sessions together when the run names therapists (see core.facts)
    cluster = units["held_by"].fillna(units["session"]) if units["held_by"].notna().any() else units["session"]
    # the pseudo-session's share: the event's share among every unit, marked or not
    overall = units[event].astype(str).value_counts(normalize=True).reindex(names).to_numpy()
    marked = units[mark].notna()
    units, cluster = units[marked], cluster[marked]
    sessions = pd.factorize(cluster)[0]
    events = pd.Categorical(units[event].astype(str), categories=names).codes
    marks, mark_names = pd.factorize(units[mark], sort=True)
    bounds = {}
    for a in range(len(mark_names)):
        here = marks == a
        codes, present = pd.factorize(sessions[here])
        hits = np.zeros((len(present), len(names)))
        np.add.at(hits, (codes, events[here]), 1)
        sizes = hits.sum(axis=1)
        prior = sizes.mean()
        counts = np.vstack([hits, prior * overall])
        weights = rng.gamma(1.0, size=(draws, len(sizes) + 1))
        shares = (weights @ counts) / (weights @ np.append(sizes, prior))[:, None]
        low, high = np.percentile(shares, [2.5, 97.5], axis=0)
        bounds |= {(mark_names[a], b): (lo, hi) for b, lo, hi in zip(names, low, high)}
    keys = list(zip(table["mark"], table["event"].astype(str)))
    return table.assign(share_low=[bounds[k][0] for k in keys], share_high=[bounds[k][1] for k in keys])


@dataclass
class SessionDynamics:
    """The tables of :func:`session_dynamics`, each with a ``group`` column (``all`` and each group), and notes
    on what could not be tested or only weakly."""

    phase: pd.DataFrame
    transitions: pd.DataFrame
    response: pd.DataFrame | None
    delivery: pd.DataFrame | None
    #: without a client label: after which topics the client's next turn is longer than the session's middle turn
    length: pd.DataFrame | None
    labels: dict[int, str]
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file name stem, those computed only."""
        named = {
            "phase": self.phase,
            "transitions": self.transitions,
            "client_response": self.response,
            "client_length": self.length,
            "delivery": self.delivery,
        }
        return {name: table for name, table in named.items() if table is not None}


def _phase(sequence: pd.DataFrame, alpha: float, draws: int, seed: int) -> pd.DataFrame:
    units = sequence[sequence["therapist"] & (sequence["state"] != SET_ASIDE)].copy()
    units["topic"] = units["state"].where(units["state"] != OUTLIER)
    units["when"] = units["phase"].map(dict(enumerate(PHASES)))
    table = conditional_tests(units, "topic", "when", ["session"], events=[PHASES[0], PHASES[-1]])
    table = _corrected(table, alpha)
    return session_intervals(units, "topic", "when", table, draws, seed)


def transition_counts(states: np.ndarray, sessions: np.ndarray, size: int) -> np.ndarray:
    """Counts of consecutive state pairs within sessions: a ``size`` x ``size`` matrix, ``states`` in order and
    coded 0 to ``size`` - 1, ``sessions`` coded and sorted so that each session's remarks are together."""
    same = sessions[1:] == sessions[:-1]
    cells = states[:-1][same] * size + states[1:][same]
    return np.bincount(cells, minlength=size * size).reshape(size, size)


def _falling(n: np.ndarray, k: int) -> np.ndarray:
    """n (n - 1) ... (n - k + 1), elementwise."""
    out = np.ones_like(n, dtype=float)
    for i in range(k):
        out = out * (n - i)
    return out


def transition_moments(counts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact mean and variance of every transition count when each session's remarks are shuffled, summed
    over blocks of sessions so that memory stays at a few million cells (:func:`_session_moments`)."""
    size = counts.shape[1]
    block = max(1, _BLOCK_CELLS // max(size * size, 1))
    mean, variance = np.zeros((size, size)), np.zeros((size, size))
    for start in range(0, len(lengths), block):
        m, v = _session_moments(counts[start : start + block], lengths[start : start + block])
        mean += m
        variance += v
    return mean, variance


_BLOCK_CELLS = 4_000_000


def _session_moments(counts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact mean and variance of every transition count when each session's remarks are shuffled:
    ``counts`` is sessions x states, ``lengths`` each session's number of remarks. A session's count of t -> u
    is a sum of indicators over its n - 1 neighbouring places; two indicators that share a remark (t -> t ->
    t) or do not (t -> u ... t -> u) have the joint probabilities of drawing without replacement, so the
    variance is a closed sum, added over sessions, which are shuffled independently."""
    c, n = counts.astype(float), lengths.astype(float)[:, None, None]
    eye = np.eye(counts.shape[1], dtype=bool)[None]
    outer = c[:, :, None] * c[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        pair = np.where(eye, (c * (c - 1))[:, :, None] * eye, outer) / _falling(n, 2)
        adjacent = np.where(eye, (_falling(c, 3))[:, :, None] * eye, 0.0) / _falling(n, 3)
        apart = np.where(
            eye, _falling(c, 4)[:, :, None] * eye, _falling(c, 2)[:, :, None] * _falling(c, 2)[:, None, :]
        ) / _falling(n, 4)
    pair, adjacent, apart = (np.nan_to_num(a) for a in (pair, adjacent, apart))
    places = np.maximum(n - 1, 0)
    variance = places * pair * (1 - pair) + 2 * (
        np.maximum(n - 2, 0) * (adjacent - pair**2) + np.maximum((n - 2) * (n - 3) / 2, 0) * (apart - pair**2)
    )
    return (places * pair).sum(axis=0), np.maximum(variance.sum(axis=0), 0.0)


def transition_test(states: np.ndarray, sessions: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """Observed transition counts (``size`` x ``size``; ``states`` coded 0 to ``size`` - 1, in order,
    ``sessions`` coded and sorted so each session's remarks are together), their exact mean and variance
    under a shuffle of each session's remarks (:func:`transition_moments`), and two-sided p-values from the
    normal approximation with a continuity correction (only used where the shuffle expects at least
    :data:`MIN_EXPECTED_TRANSITIONS`; the benchmark shows it calibrated on AnnoMI)."""
    observed = transition_counts(states, sessions, size)
    _, lengths = np.unique(sessions, return_counts=True)
    counts = np.zeros((len(lengths), size))
    np.add.at(counts, (np.repeat(np.arange(len(lengths)), lengths), states), 1)
    expected, variance = transition_moments(counts, lengths)
    distance = np.maximum(np.abs(observed - expected) - 0.5, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(variance > 0, 2 * norm.sf(distance / np.sqrt(variance)), 1.0)
    return observed, expected, variance, np.minimum(p, 1.0)


def _transitions(sequence: pd.DataFrame, alpha: float) -> pd.DataFrame:
    kept = sequence[sequence["therapist"] & (sequence["state"] != SET_ASIDE)]
    states, codes = pd.factorize(kept["state"], sort=True)
    sessions = pd.factorize(kept["session"], sort=True)[0]
    observed, expected, _, p = transition_test(states, sessions, len(codes))
    # shares of a topic's next remarks: seen, and as a shuffle expects them (a topic that always ends its
    # sessions has no next remark: its share is 0, its expected share still what a shuffle gives)
    firsts, expected_firsts = observed.sum(axis=1), expected.sum(axis=1)
    rows = [
        {
            "mark": int(codes[i]),
            "event": int(codes[j]),
            "marked": int(firsts[i]),
            "observed": int(observed[i, j]),
            "expected": float(expected[i, j]),
            "share": observed[i, j] / firsts[i] if firsts[i] else 0.0,
            "expected_share": expected[i, j] / expected_firsts[i],
            "ratio": observed[i, j] / expected[i, j],
            "p": float(p[i, j]),
        }
        for i in range(len(codes))
        for j in range(len(codes))
        if OUTLIER not in (codes[i], codes[j]) and expected[i, j] >= MIN_EXPECTED_TRANSITIONS
    ]
    return _corrected(pd.DataFrame(rows), alpha)


def _responses(sequence: pd.DataFrame) -> pd.DataFrame:
    """Labelled client turns right after a therapist remark: the remark's state (topic, or NA without one),
    the turn's label and the client's previous label in the session (:data:`START` before the first)."""
    labelled = ~sequence["therapist"] & sequence["client_label"].notna()
    # the label before each turn: the last labelled client turn earlier in the session
    previous = sequence["client_label"].where(labelled).groupby(sequence["session"]).shift(1)
    previous = previous.groupby(sequence["session"]).ffill().fillna(START)
    units = _after_remarks(sequence.assign(previous=previous))
    return units[units["client_label"].notna()]


def _after_remarks(sequence: pd.DataFrame) -> pd.DataFrame:
    """Client turns right after a therapist remark, with that remark's topic (NA without one) as ``topic``."""
    before = sequence.groupby("session")["state"].shift(1)
    after_therapist = ~sequence["therapist"] & sequence.groupby("session")["therapist"].shift(1).fillna(False).astype(
        bool
    )
    units = sequence[after_therapist].assign(topic=before[after_therapist])
    units["topic"] = units["topic"].where(~units["topic"].isin([OUTLIER, SET_ASIDE]))
    return units


def _lengths(sequence: pd.DataFrame) -> pd.DataFrame:
    """Client turns right after a therapist remark, each ``longer`` than its session's middle client turn (the
    median length in words) or ``not longer``: engagement, where a corpus labels no client talk."""
    client = ~sequence["therapist"]
    middle = sequence["words"].where(client).astype(float).groupby(sequence["session"]).transform("median")
    units = _after_remarks(sequence.assign(middle=middle))
    units = units[units["words"].notna()]
    units["length"] = np.where(units["words"].astype(float) > units["middle"], "longer", "not longer")
    return units


def _labelled_table(
    units: pd.DataFrame,
    label: str,
    stratum: list[str],
    alpha: float,
    draws: int,
    seed: int,
    events: list[str] | None = None,
) -> pd.DataFrame:
    table = conditional_tests(units, "topic", label, stratum, events=events)
    table = _corrected(table, alpha)
    return session_intervals(units, "topic", label, table, draws, seed)


def _thin(name: str, units: pd.DataFrame, label: str) -> list[str]:
    """Notes on a group whose sessions or labelled units are too few for any but large effects."""
    notes = []
    sessions = units["session"].nunique()
    if sessions < THIN_SESSIONS:
        notes.append(f"{name}: {sessions} sessions; only large differences can show.")
    for value, count in units[label].astype(str).value_counts().items():
        if count < THIN_EVENTS:
            notes.append(f"{name}: {count} turns labelled {value!r}; only large differences in them can show.")
    return notes


def session_dynamics(
    run: TopicRun,
    client_label: str | None = None,
    therapist_label: str | None = None,
    group: str | None = None,
    alpha: float = ALPHA,
    draws: int = DRAWS,
    seed: int = 0,
    by_group: bool = True,
) -> SessionDynamics:
    """Phase, transitions, and (with the labels named) client response and delivery for ``run``'s curated
    topics, for all sessions and for each group (only ``group`` when given; all sessions only without
    ``by_group``)."""
    sequence = session_sequence(run, client_label, therapist_label)
    labels = {t.id: t.label for t in run.joint.topics} if run.joint is not None else {}
    groups = sorted(sequence["group"].dropna().unique())
    if group is not None:
        if group not in groups:
            raise TopicsInputError(f"no group {group!r} in this run; its groups: {', '.join(groups) or 'none'}.")
        chosen = [(group, sequence[sequence["group"] == group])]
    else:
        each = [(g, sequence[sequence["group"] == g]) for g in groups] if by_group and len(groups) > 1 else []
        chosen = [("all", sequence), *each]
    notes: list[str] = therapist_notes(run.remarks)
    tables: dict[str, list[pd.DataFrame]] = {
        "phase": [],
        "transitions": [],
        "response": [],
        "length": [],
        "delivery": [],
    }

    def add(name: str, make: Callable[[], pd.DataFrame], group_name: str) -> None:
        table = make()
        tables[name].append(table.assign(group=group_name) if not table.empty else table)

    for name, part in chosen:
        add("phase", lambda part=part: _phase(part, alpha, draws, seed), name)
        add("transitions", lambda part=part: _transitions(part, alpha), name)
        if not client_label and (~part["therapist"]).any():
            units = _lengths(part)
            add(
                "length",
                lambda units=units: _labelled_table(
                    units, "length", ["session"], alpha, draws, seed, events=["longer"]
                ),
                name,
            )
        if client_label:
            units = _responses(part)
            notes += _thin(name, units, "client_label")
            add(
                "response",
                lambda units=units: _labelled_table(units, "client_label", ["session", "previous"], alpha, draws, seed),
                name,
            )
        if therapist_label:
            units = part[part["therapist"] & ~part["state"].isin([SET_ASIDE])].copy()
            units["topic"] = units["state"].where(units["state"] != OUTLIER)
            add(
                "delivery",
                lambda units=units: _labelled_table(units, "therapist_label", ["session"], alpha, draws, seed),
                name,
            )

    def joined(name: str) -> pd.DataFrame:
        frames = [t for t in tables[name] if not t.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    return SessionDynamics(
        phase=joined("phase"),
        transitions=joined("transitions"),
        response=joined("response") if client_label else None,
        length=joined("length") if not client_label and not joined("length").empty else None,
        delivery=joined("delivery") if therapist_label else None,
        labels=labels,
        notes=notes,
    )


_WHEN = {"opening": "first fifth", "close": "last fifth"}


def _finding(kind: str, row: dict, labels: dict[int, str]) -> str:
    """One flagged row in words a supervisor reads; association, never cause."""
    name = labels.get(int(row["mark"]), f"topic {int(row['mark'])}")
    more = row["flag"] == "more"
    interval = (
        f" [{row['share_low']:.0%}-{row['share_high']:.0%}]"
        if "share_low" in row and pd.notna(row["share_low"])
        else ""
    )
    if kind == "phase":
        return (
            f"'{name}' comes {'more' if more else 'less'} often in the {_WHEN[row['event']]} of a session: "
            f"{row['share']:.0%}{interval} of its remarks, against {row['expected_share']:.0%} expected"
        )
    if kind == "transitions" and int(row["event"]) == int(row["mark"]):
        return (
            f"'{name}' is followed by more of itself {row['ratio']:.1f} times as often as the sessions' mix of "
            f"topics expects ({int(row['observed'])} times, {row['expected']:.0f} expected): the therapist stays on it"
            if more
            else f"'{name}' is followed by itself less often than the sessions' mix of topics expects "
            f"({int(row['observed'])} times, {row['expected']:.0f} expected)"
        )
    if kind == "transitions":
        following = labels.get(int(row["event"]), f"topic {int(row['event'])}")
        return (
            f"'{name}' is followed by '{following}' {row['ratio']:.1f} times as often as the sessions' mix of "
            f"topics expects ({int(row['observed'])} times, {row['expected']:.0f} expected)"
        )
    if kind == "client_response":
        return (
            f"after '{name}' the client's next turn is {row['event']} {row['share']:.0%}{interval} of the time, "
            f"against {row['expected_share']:.0%} expected from the same sessions and the client's previous turn"
        )
    if kind == "client_length":
        return (
            f"after '{name}' the client's next turn is longer than the session's middle client turn "
            f"{row['share']:.0%}{interval} of the time, against {row['expected_share']:.0%} expected in the same "
            "sessions"
        )
    return (
        f"'{name}' is delivered as {row['event']} {row['share']:.0%}{interval} of the time, against "
        f"{row['expected_share']:.0%} expected in the same sessions"
    )


def findings(dynamics: SessionDynamics) -> dict[str, list[str]]:
    """The flagged rows of every table in words, by group (``all`` first)."""
    out: dict[str, list[str]] = {}
    for kind, table in dynamics.tables().items():
        if table.empty:
            continue
        for row in table[table["flag"] != ""].sort_values("q").to_dict("records"):
            out.setdefault(row["group"], []).append(
                f"{kind.replace('_', ' ')}: " + _finding(kind, row, dynamics.labels)
            )
    return dict(sorted(out.items(), key=lambda item: item[0] != "all"))
