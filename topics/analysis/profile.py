"""Session profiles for supervision: a new session's topic shares against the run's reference groups.

The supervision question is "how does this trainee's session compare with the
high-quality MI sessions?". A new session is read with the run's corpus
mapping and its remarks get the curated topics (:func:`topics.curate.transform.transform_file`:
kept remarks and attached short ones). Then, per topic:

* **the session's share** of its placed remarks, with a 95 % Jeffreys
  interval (a session of 40 remarks cannot pin a share to the percent);
* **each reference group's share** of its remarks, with the 95 % interval of
  the Bayesian bootstrap over sessions that ``topics compare`` uses. The
  reference remarks are assigned by the same rule as the new session's
  (:func:`reference_assignment`), so that the two are measured alike;
* **the range a session like this one would show** if it came from the
  group: the middle 95 % of the predictive distribution of the share for a
  session *of the same length*. Sessions differ far more than group means,
  so a single session is compared with this range, not with the interval of
  the mean. The predictive distribution is a beta-binomial whose rate varies
  between sessions as it does among the group's sessions (method of moments,
  sessions weighed by length; the mean smoothed by half a remark, so a topic
  no reference session touched still has a small chance).

A session is said to lie *above* (or *below*) a group for a topic when its
count is in the upper (lower) tail of that predictive distribution and the
tail probability survives a Benjamini-Hochberg correction over the topics
(q < 0.05): a profile of 40 topics would otherwise flag two by chance alone.
On random held-out sessions of the same group this flags few topics
(``tests/test_profile.py``); a planted session is flagged. Shares count every
placed remark (kept and attached short remarks, outliers in the
denominator) in the session and in the reference alike. A run without groups
is its own single reference ("all sessions").

A session that is itself in the run's corpus would be compared with a
reference that holds it, and look typical for that reason alone. A profiled
session is taken for a reference session when at least half of its content
remarks are, verbatim, remarks of that session, whatever either is called
(:func:`same_sessions`); that session is left out of the reference (its
group's share, interval and range of session shares are computed without
it) and the profile says so. A reference session that merely has the same
name but other remarks stays in, and the profile says that too.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from topics.analysis import significance
from topics.core.errors import TopicsInputError
from topics.core.formatting import percent
from topics.core.run import OUTLIER, TopicRun

if TYPE_CHECKING:
    from topics.curate.editlog import Curator
    from topics.fit.embed import Encoder

ALPHA = 0.05
#: A profiled session is a reference session when at least this share of its content remarks are that session's.
SAME_SESSION = 0.5
#: Least between-session spread assumed: even a topic every session uses equally varies a little.
MIN_OVERDISPERSION = 0.005
ALL_SESSIONS = "all sessions"


@dataclass
class Reference:
    """One reference group: its shares with intervals, and its sessions' counts for predictive checks."""

    group: str
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray
    counts: np.ndarray  # (sessions, topics)
    totals: np.ndarray  # (sessions,)

    @property
    def sessions(self) -> int:
        """How many sessions the group has."""
        return len(self.totals)

    def session_rates(self) -> tuple[np.ndarray, np.ndarray]:
        """Beta(alpha, beta) per topic: how the topic's rate varies between the group's sessions.

        Fitted by the method of moments of the beta-binomial (sessions weighed by
        their length, so a 3-remark session says little), with the mean smoothed
        by half a remark so that a topic the group never touched still has a small rate.
        """
        n = self.totals[:, None]
        total = n.sum()
        mean = (self.counts.sum(axis=0) + 0.5) / (total + 1.0)
        rates = self.counts / np.maximum(n, 1.0)
        spread = (n * (rates - mean) ** 2).sum(axis=0) / (mean * (1 - mean))
        sessions = len(self.totals)
        rho = (spread - sessions) / max(total - sessions, 1.0)
        rho = np.clip(rho, MIN_OVERDISPERSION, 0.99)
        scale = 1.0 / rho - 1.0
        return mean * scale, (1.0 - mean) * scale

    def predictive(self, counts: np.ndarray, total: int) -> dict[str, np.ndarray]:
        """For a session of ``total`` remarks with ``counts`` per topic: tail probabilities and the 95 % range,
        from BetaBinomial(total, alpha, beta) with the group's session rates."""
        from scipy.stats import betabinom

        a, b = self.session_rates()
        k = np.asarray(counts)
        return {
            "above": betabinom.sf(k - 1, total, a, b),
            "below": betabinom.cdf(k, total, a, b),
            "range_low": betabinom.ppf(0.025, total, a, b) / max(total, 1),
            "range_high": betabinom.ppf(0.975, total, a, b) / max(total, 1),
        }


@dataclass
class Profile:
    """One session against every reference group: a table (one row per topic) and findings in words.

    ``table`` is the session's own columns (topic, label, remarks, share, low, high) plus, per reference group
    ``G``, the columns :data:`GROUP_COLUMNS` names (``"G share"``, ..., ``"vs G"``): the layout of the CSV that
    ``topics profile --out`` writes. Readers take a group's columns with :meth:`against`, never by name.
    """

    session: str
    remarks: int
    placed: int
    table: pd.DataFrame
    findings: list[str] = field(default_factory=list)
    #: reference sessions left out because they are this session (see :func:`same_sessions`)
    left_out: list[str] = field(default_factory=list)
    #: sessions per reference group, as compared with (after ``left_out``)
    reference_sessions: dict[str, int] = field(default_factory=dict)
    #: the reference groups, in the table's order
    groups: list[str] = field(default_factory=list)

    def against(self, group: str) -> pd.DataFrame:
        """One row per topic of ``table``: the group's ``share``, ``low``, ``high``, the range of a session of
        this length (``sessions_from``, ``sessions_to``), ``q`` and the ``verdict`` (above, below, within)."""
        return pd.DataFrame({name: self.table[column.format(group=group)] for name, column in GROUP_COLUMNS.items()})


#: A reference group's columns in a profile's table, by what they hold.
GROUP_COLUMNS = {
    "share": "{group} share",
    "low": "{group} low",
    "high": "{group} high",
    "sessions_from": "{group} sessions from",
    "sessions_to": "{group} sessions to",
    "q": "{group} q",
    "verdict": "vs {group}",
}


def _placed_topics(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that carry a topic or are outliers (kept or attached), with an integer topic column."""
    placed = frame[(frame["kept"] | frame["attached"]) & frame["topic"].notna()]
    return placed.assign(topic=placed["topic"].astype(int))


def reference_assignment(curator: Curator, min_similarity: float | None = None) -> pd.DataFrame:
    """The run's remarks with their kept remarks assigned by the rule new sessions get.

    The fit's clustering and the assignment rule disagree on some remarks
    (mostly outlier or not: 8 % on AnnoMI); comparing a transformed session
    with the fit's own labels would flag that difference, not the session.
    """
    from topics.curate.assign import curated_targets, kept_embeddings

    run = curator.run
    topics, _ = curated_targets(curator, min_similarity).assign(kept_embeddings(curator))
    remarks = run.remarks.copy()
    remarks.loc[remarks["kept"], "topic"] = topics
    return remarks


def references(run: TopicRun, remarks: pd.DataFrame, draws: int = 2000, seed: int = 0) -> list[Reference]:
    """The run's groups (or all its sessions as one group) as references for session profiles;
    ``remarks``: the run's remarks as :func:`reference_assignment` assigns them."""
    placed = _placed_topics(remarks)
    if not placed["group"].notna().any():
        placed = placed.assign(group=ALL_SESSIONS)
    ids = [t.id for t in run.joint.topics]
    table = significance.SessionTable.from_assignments(placed, placed["topic"].to_numpy(), ids)
    prior = significance.prior_mix(table)
    rng = np.random.default_rng(seed)
    out = []
    for group in table.group_names():
        mine = table.subset(table.groups == group)
        low, high = np.percentile(significance.bayesian_bootstrap(mine, prior, draws, rng), [2.5, 97.5], axis=0)
        out.append(
            Reference(group=group, share=mine.share(), low=low, high=high, counts=mine.counts, totals=mine.totals)
        )
    return out


def _content(texts: pd.Series) -> pd.Series:
    """Remark texts as compared between a profiled session and the reference: spacing and case do not count."""
    return texts.astype(str).str.split().str.join(" ").str.casefold()


def reference_texts(remarks: pd.DataFrame) -> dict[str, set[str]]:
    """Each content remark of the reference (kept ones; backchannels such as "Mm-hmm." are in every session), as
    :func:`same_sessions` compares them, with the sessions that hold it. Remarks without a session are in none."""
    kept = remarks[remarks["kept"].astype(bool) & remarks["session"].notna()]
    sessions = kept["session"].astype(str)
    return {text: set(held) for text, held in sessions.groupby(_content(kept["text"]).to_numpy())}


def same_sessions(
    session: str, frame: pd.DataFrame, texts: dict[str, set[str]], names: set[str]
) -> tuple[list[str], bool]:
    """The reference sessions that are the session of ``frame`` (its transformed remarks), and whether a reference
    session of the same name turned out to be another session.

    ``texts``: the reference's content remarks (:func:`reference_texts`);
    ``names``: its session names. A reference session is the same when at
    least :data:`SAME_SESSION` of the session's content remarks are,
    verbatim, among its remarks: a name alone could be a clash (a trainee's
    "session 1"), and a renamed copy of a corpus session is still that
    session. A session without content remarks to compare is matched by name.
    """
    mine = set(_content(frame.loc[frame["kept"].astype(bool), "text"].dropna()))
    if not mine:
        return ([session] if session in names else []), False
    shared = Counter(name for text in mine for name in texts.get(text, ()))
    same = sorted(name for name, count in shared.items() if count >= SAME_SESSION * len(mine))
    return same, session in names and session not in same


def jeffreys(count: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """95 % Jeffreys interval of count/total: never zero wide, sensible for counts of 0 and total."""
    from scipy.stats import beta

    count = np.asarray(count, dtype=float)
    low = np.where(count > 0, beta.ppf(0.025, count + 0.5, total - count + 0.5), 0.0)
    high = np.where(count < total, beta.ppf(0.975, count + 0.5, total - count + 0.5), 1.0)
    return low, high


def profile_session(
    session: str, frame: pd.DataFrame, run: TopicRun, refs: list[Reference], labels: dict[int, str]
) -> Profile:
    """The profile of one session (``frame``: its transformed remarks) against ``refs``."""
    placed = _placed_topics(frame)
    ids = [t.id for t in run.joint.topics]
    total = len(placed)
    counts = placed["topic"].value_counts().reindex(ids, fill_value=0).to_numpy()
    share = counts / max(total, 1)
    low, high = jeffreys(counts, total)
    table = pd.DataFrame(
        {"topic": ids, "label": [labels[t] for t in ids], "remarks": counts, "share": share, "low": low, "high": high}
    )
    findings = []
    for ref in refs:
        check = ref.predictive(counts, total)
        q = significance.benjamini_hochberg(np.minimum(1.0, 2 * np.minimum(check["above"], check["below"])))
        above = (q < ALPHA) & (check["above"] < check["below"])
        below = (q < ALPHA) & ~above
        values = {
            "share": ref.share,
            "low": ref.low,
            "high": ref.high,
            "sessions_from": check["range_low"],
            "sessions_to": check["range_high"],
            "q": q,
            "verdict": np.where(above, "above", np.where(below, "below", "within")),
        }
        for name, column in GROUP_COLUMNS.items():
            table[column.format(group=ref.group)] = values[name]
        for j in np.flatnonzero(above | below):
            findings.append(
                f"'{labels[ids[j]]}': {percent(share[j], None)} of this session's remarks (95% interval "
                f"{percent(low[j], None)}-{percent(high[j], None)}), {'above' if above[j] else 'below'} what a "
                f"session of this length from {ref.group!r} shows ({percent(check['range_low'][j], None)}-"
                f"{percent(check['range_high'][j], None)} in 95% of them; group share {percent(ref.share[j], None)}, "
                f"{ref.sessions} sessions; q={q[j]:.2g})."
            )
    if not refs:
        findings.append("No reference session is left to compare this session with.")
    elif not findings and total:
        findings.append(
            f"Every topic's share lies within what sessions of this length show in the reference "
            f"({', '.join(repr(r.group) for r in refs)}), as far as {total} remarks can tell."
        )
    outliers = int((placed["topic"] == OUTLIER).sum())
    if total and outliers / total > 0.5:
        findings.append(
            f"{outliers} of {total} placed remarks fit no curated topic: this session may be about "
            "themes the reference corpus does not hold."
        )
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    return Profile(
        session=session,
        remarks=len(frame),
        placed=total,
        table=table,
        findings=findings,
        reference_sessions={r.group: r.sessions for r in refs},
        groups=[r.group for r in refs],
    )


def profile_file(
    curator: Curator,
    path: Path,
    session: str | None = None,
    encoder: Encoder | None = None,
    draws: int = 2000,
    label: Callable[[str], str] = lambda text: text,
) -> list[Profile]:
    """Profiles of the sessions of ``path`` (or of ``session`` only) against the curated run's references.

    ``label`` maps topic labels and the names of reference sessions for display (the report passes its
    redaction). A file without a session column is one session, named after the file. A session that is also
    in the run's corpus is compared with the reference without it (:func:`same_sessions`).
    """
    from topics.curate.transform import transform_file

    run = curator.run
    if run.joint is None:
        raise TopicsInputError(
            f"{curator.path}: this run has no joint model to profile sessions against (fit it with fit.modes: [joint])."
        )
    frame = transform_file(curator, Path(path), encoder=encoder)
    sessions = frame["session"].fillna(Path(path).stem).astype(str)
    names = list(dict.fromkeys(sessions))
    if session is not None:
        if str(session) not in names:
            raise TopicsInputError(
                f"{path}: no session {session!r} in this file; its sessions are "
                f"{', '.join(names[:20])}{' ...' if len(names) > 20 else ''}."
            )
        names = [str(session)]
    remarks = reference_assignment(curator)
    texts, known = reference_texts(remarks), set(remarks["session"].dropna().astype(str))
    labels = {t.id: label(t.label) for t in run.joint.topics}
    refs_without: dict[tuple[str, ...], list[Reference]] = {}  # one reference per set of sessions left out
    out = []
    for name in names:
        mine = frame[sessions == name]
        same, clash = same_sessions(name, mine, texts, known)
        key = tuple(same)
        if key not in refs_without:
            rest = remarks[~remarks["session"].astype("string").isin(key).fillna(False)] if key else remarks
            refs_without[key] = references(run, rest, draws=draws)
        profile = profile_session(name, mine, run, refs_without[key], labels)
        notes = []
        if same:
            called = "" if same == [name] else f" (as session {', '.join(repr(label(s)) for s in same)})"
            notes.append(
                f"This session is also in the run's own corpus{called}: it was left out of the reference, "
                "so it is compared with the other sessions only."
            )
        if clash:
            notes.append(
                f"The run's corpus has a session named {label(name)!r} too, but with other remarks: it is "
                "taken for another session and stays in the reference."
            )
        out.append(dataclasses.replace(profile, findings=notes + profile.findings, left_out=same))
    return out


def render_text(profiles: list[Profile], top: int = 10) -> str:
    """Plain text for the terminal: each session's main topics beside the references, then the findings."""
    out = []
    for p in profiles:
        out.append(f"Session {p.session}: {p.remarks} remarks, {p.placed} with a topic or outlier.")
        header = f"  {'share':>6}  {'95% interval':>13}  " + "  ".join(f"{g[:18]:>18}" for g in p.groups) + "  topic"
        out.append(header)
        against = {g: p.against(g) for g in p.groups}
        for index, row in p.table.head(top).iterrows():
            cells = [
                f"{percent(a.at[index, 'share'], None)} [{percent(a.at[index, 'sessions_from'], None)}"
                f"-{percent(a.at[index, 'sessions_to'], None)}]"
                for a in against.values()
            ]
            interval = f"{percent(row['low'], None)}-{percent(row['high'], None)}"
            out.append(
                f"  {percent(row['share'], None):>6}  {interval:>13}  "
                + "  ".join(f"{c:>18}" for c in cells)
                + f"  [{row['topic']}] {row['label']}"
            )
        out.append("  (per group: its share [the range of shares a session of this length from the group shows])")
        out += [f"  - {finding}" for finding in p.findings]
        out.append("")
    return "\n".join(out).rstrip()


def write_profiles(profiles: list[Profile], path: Path) -> Path:
    """Every session's table in one CSV (a ``session`` column first), written atomically."""
    from topics.curate.transform import write_table

    write_table(
        pd.concat([p.table.assign(session=p.session) for p in profiles]).pipe(
            lambda f: f[["session", *[c for c in f.columns if c != "session"]]]
        ),
        path,
    )
    return path
