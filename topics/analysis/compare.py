"""Compare groups (schools, quality levels) with tests that hold up on random splits.

* **Shares with intervals.** A topic's share of each group's remarks, with a
  95 % interval from a Bayesian bootstrap over the group's *sessions* plus one
  prior pseudo-session (:mod:`topics.analysis.significance`): remarks of one session are
  not independent, and a share observed as 0 in a few sessions is not known
  to be 0, so no interval has zero width.
* **Differences.** Each group against all other groups: difference and ratio
  of shares with intervals, Cohen's h, a session-level permutation p-value
  and a weighted Benjamini-Hochberg q-value over all tests (topics weighted
  by size, see :func:`topics.analysis.significance.size_weights`). A difference is *flagged*
  when q < 0.05 and its interval excludes 0 (the test and the interval agree).
  A flagged difference is *robust* when it is flagged in at least 80 % of the
  run's seed models too (the member fits of the consensus, mapped onto the
  curated topics): a finding that survives a reseed.
* **Shared, specific, mixed or unclear.** *Specific to g*: g's difference is
  flagged upwards and g's share is at least 3 times every other group's.
  *Shared*: no group differs, every group's share is at least half the
  largest, and every group's ratio interval lies within 1/3 to 3 (the data
  rule out the 3-fold difference that would make it specific). *Unclear*: no
  group differs but the intervals are too wide to tell shared from specific.
  Everything else is *mixed*.
* **Words that distinguish groups within a topic**: log-odds ratios with an
  informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), prior from the
  word counts of all remarks, with z-scores.
* **Aligning per-group models**: to each other by centroid cosine similarity
  (one-to-one, Hungarian, above a threshold, with top-word Jaccard), and to the
  joint model by the remarks they share.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from topics.analysis import significance
from topics.core.errors import TopicsInputError
from topics.core.facts import by_unit, resampling_unit, therapist_notes
from topics.core.formatting import percent, share_cell
from topics.core.run import OUTLIER, TopicRun, TopicSet
from topics.fit.topic_words import TopicWords

SPECIFIC_RATIO = 3.0
SHARED_FLOOR = 0.5
ROBUST_SHARE = 0.8
ALPHA = significance.ALPHA
#: Posterior draws behind every share and difference interval on every surface (``topics compare``, reports,
#: the explorer, :func:`group_findings`): one number, so a run shows the same intervals wherever it is read.
DRAWS = 2000


def _groups(run: TopicRun) -> list[str]:
    kept = run.kept
    groups = sorted(kept["group"].dropna().astype(str).unique().tolist())
    if len(groups) < 2:
        raise TopicsInputError(
            f"{run.path}: comparing needs two or more groups; this run has {len(groups)} "
            f"({', '.join(groups) or 'no group column'}). Set corpus.columns.group and refit."
        )
    return groups


def _percentiles(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return low, high


def _flags(table: significance.SessionTable, permutations: int, seed: int) -> pd.DataFrame:
    """Permutation p and BH q per (group, topic); with two groups the mirrored test is counted once."""
    results = significance.permutation_test(table, permutations, seed)
    groups = table.group_names()
    tested = significance.tested_groups(groups)
    weights = significance.size_weights(table, len(tested))
    q = significance.benjamini_hochberg(np.concatenate([results[g][1] for g in tested]), weights)
    q_of = {g: q[i * len(table.topics) : (i + 1) * len(table.topics)] for i, g in enumerate(tested)}
    rows = []
    for g in groups:
        observed, p = results[g]
        for j, topic in enumerate(table.topics):
            rows.append(
                {
                    "group": g,
                    "topic": topic,
                    "observed": observed[j],
                    "p": p[j],
                    "q": q_of[g if g in q_of else tested[0]][j],
                }
            )
    return pd.DataFrame(rows)


def member_flags(run: TopicRun, permutations: int, seed: int) -> pd.DataFrame | None:
    """Per (group, topic): the share of the run's seed models in which that difference is flagged.

    Each seed model's topics are mapped onto the run's (curated) topics by the
    remarks they share: a seed topic counts for the curated topic that holds
    most of its remarks, if that is at least half of them. ``None`` when the
    run was fitted without seed models.
    """
    members = run.members
    if members is None or members.empty:
        return None
    kept = by_unit(run.kept)  # a therapist's sessions resampled as one unit when the run names therapists
    curated = kept["topic"].to_numpy(dtype=int)
    topics = [t.id for t in run.joint.topics]
    aligned = members.set_index("remark_id").reindex(kept["remark_id"])
    flagged = []
    for column in [c for c in aligned.columns if c.startswith("seed_")]:
        mapped = map_partition(aligned[column].fillna(OUTLIER).to_numpy(dtype=int), curated)
        table = significance.SessionTable.from_assignments(kept, mapped, topics)
        flags = _flags(table, permutations, seed)
        flagged.append(flags.assign(flagged=lambda f: f["q"] < ALPHA)[["group", "topic", "flagged"]])
    combined = pd.concat(flagged)
    return (
        combined.groupby(["group", "topic"], as_index=False)["flagged"]
        .mean()
        .rename(columns={"flagged": "seeds_flagged"})
    )


def map_partition(member: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Relabel ``member``'s topics with the ``target`` topic holding most (at least half) of each one's remarks.

    One contingency table of the two partitions (a bincount), not a pass over
    the remarks per topic: a million remarks and 200 topics take a second.
    """
    member_ids, member_codes = np.unique(member, return_inverse=True)
    target_ids, target_codes = np.unique(target, return_inverse=True)
    table = np.bincount(
        member_codes.ravel() * len(target_ids) + target_codes.ravel(), minlength=len(member_ids) * len(target_ids)
    ).reshape(len(member_ids), len(target_ids))
    sizes = table.sum(axis=1)
    table[:, target_ids == OUTLIER] = 0
    best = table.argmax(axis=1)  # ties go to the smaller topic id
    keep = (
        (member_ids != OUTLIER)
        & (table[np.arange(len(member_ids)), best] > 0)
        & (table[np.arange(len(member_ids)), best] >= 0.5 * sizes)
    )
    return np.where(keep, target_ids[best], OUTLIER)[member_codes.ravel()]


SHARE_COLUMNS = ["topic", "label", "group", "remarks", "sessions", "of_sessions", "share", "low", "high"]
DIFFERENCE_COLUMNS = [
    "topic",
    "label",
    "group",
    "share",
    "rest",
    "difference",
    "low",
    "high",
    "ratio",
    "ratio_low",
    "ratio_high",
    "cohen_h",
    "p",
    "q",
    "differs",
    "sessions",
    "of_sessions",
    "rest_sessions",
    "rest_of_sessions",
    "unit",
    "seeds_flagged",
    "robust",
]
KIND_COLUMNS = ["topic", "label", "kind", "group", "robust", "ratio_to_next", "evidence"]


def group_statistics(
    run: TopicRun, draws: int = DRAWS, permutations: int | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Shares per group with intervals, each group against the rest (tested and flagged), and plain-word notes."""
    groups = _groups(run)
    unit = resampling_unit(run.kept)
    kept = by_unit(run.kept)  # a therapist's sessions resampled and permuted as one unit when the run names them
    topics = run.joint.topics
    if not topics:  # every topic discarded: nothing to compare, said in words rather than a crash
        return (
            pd.DataFrame(columns=SHARE_COLUMNS),
            pd.DataFrame(columns=DIFFERENCE_COLUMNS),
            ["The joint model has no topics left (all discarded), so groups cannot be compared."],
        )
    ids = [t.id for t in topics]
    labels = {t.id: t.label for t in topics}
    table = significance.SessionTable.from_assignments(kept, kept["topic"].to_numpy(dtype=int), ids)
    tests = len(ids) * len(significance.tested_groups(groups))
    permutations = permutations or significance.permutations_for(tests)
    prior = significance.prior_mix(table)
    rng = np.random.default_rng(seed)
    flags = _flags(table, permutations, seed).set_index(["group", "topic"])
    seeds = member_flags(run, permutations, seed)
    seeds = seeds.set_index(["group", "topic"])["seeds_flagged"] if seeds is not None else None
    share_rows, difference_rows = [], []
    # with two groups, "the rest" of one is the other: the same draws serve both sides, so B's difference is
    # exactly A's mirrored and a difference cannot be flagged on one side and not the other by resampling noise
    own = (
        {g: significance.bayesian_bootstrap(table.subset(table.groups == g), prior, draws, rng) for g in groups}
        if len(groups) == 2
        else {}
    )
    for g in groups:
        mine, rest = table.subset(table.groups == g), table.subset(table.groups != g)
        draws_g = own[g] if own else significance.bayesian_bootstrap(mine, prior, draws, rng)
        draws_rest = (
            own[next(h for h in groups if h != g)] if own else significance.bayesian_bootstrap(rest, prior, draws, rng)
        )
        share, rest_share = mine.share(), rest.share()
        low, high = _percentiles(draws_g)
        d_low, d_high = _percentiles(draws_g - draws_rest)
        r_low, r_high = _percentiles(draws_g / draws_rest)
        with_topic, rest_with_topic = mine.sessions_with(), rest.sessions_with()
        for j, topic in enumerate(ids):
            share_rows.append(
                {
                    "topic": topic,
                    "label": labels[topic],
                    "group": g,
                    "remarks": int(mine.counts[:, j].sum()),
                    "sessions": int(with_topic[j]),
                    "of_sessions": len(mine.sessions),
                    "share": share[j],
                    "low": low[j],
                    "high": high[j],
                }
            )
            flag = flags.loc[(g, topic)]
            excludes_zero = d_low[j] > 0 or d_high[j] < 0
            differs = bool(flag["q"] < ALPHA and excludes_zero)
            seeds_flagged = float(seeds.get((g, topic), 0.0)) if seeds is not None else np.nan
            difference_rows.append(
                {
                    "topic": topic,
                    "label": labels[topic],
                    "group": g,
                    "share": share[j],
                    "rest": rest_share[j],
                    "difference": share[j] - rest_share[j],
                    "low": d_low[j],
                    "high": d_high[j],
                    "ratio": share[j] / rest_share[j] if rest_share[j] > 0 else np.inf,
                    "ratio_low": r_low[j],
                    "ratio_high": r_high[j],
                    "cohen_h": 2 * np.arcsin(np.sqrt(share[j])) - 2 * np.arcsin(np.sqrt(rest_share[j])),
                    "p": flag["p"],
                    "q": flag["q"],
                    "differs": differs,
                    "sessions": int(with_topic[j]),
                    "of_sessions": len(mine.sessions),
                    "rest_sessions": int(rest_with_topic[j]),
                    "rest_of_sessions": len(rest.sessions),
                    "unit": f"{unit}s",
                    "seeds_flagged": seeds_flagged,
                    "robust": bool(differs and seeds is not None and seeds_flagged >= ROBUST_SHARE),
                }
            )
    notes = therapist_notes(run.kept) + significance.power_notes(
        table, tests, permutations, largest_weight=float(significance.size_weights(table).max())
    )
    if seeds is None:
        notes.append(
            "This run has no seed models (fitted with consensus.members: 1 or by an older version), "
            "so no difference can be checked for robustness to the seed; none is marked robust."
        )
    return pd.DataFrame(share_rows), pd.DataFrame(difference_rows), notes


def evidence(row: pd.Series) -> str:
    """One line a clinician can read: the two shares, the interval, q, sessions and robustness."""
    seeds = "" if pd.isna(row["seeds_flagged"]) else f"; flagged in {percent(row['seeds_flagged'], 0)} of seed models"
    return (
        f"{row['group']} {percent(row['share'])} vs rest {percent(row['rest'])} "
        f"({100 * row['difference']:+.1f} pts, 95% interval {100 * row['low']:+.1f} to {100 * row['high']:+.1f}; "
        f"q={row['q']:.2g}; in {row['sessions']} of {row['of_sessions']} {row.get('unit', 'sessions')} vs "
        f"{row['rest_sessions']} of {row['rest_of_sessions']}{seeds})"
    )


def topic_kinds(shares: pd.DataFrame, differences: pd.DataFrame) -> pd.DataFrame:
    """Shared, specific to one group, mixed, or unclear, by the rule in the module docstring, with the evidence."""
    rows = []
    by_topic = differences.groupby("topic", sort=False)
    for (topic, label), part in shares.groupby(["topic", "label"], sort=False):
        p = part.set_index("group")["share"]
        tests = by_topic.get_group(topic).set_index("group")
        top = p.idxmax()
        others = p.drop(top)
        flagged = tests[tests["differs"]]
        group, robust = None, False
        if not flagged.empty:
            up = top in flagged.index and tests.loc[top, "difference"] > 0
            if up and p[top] > 0 and (p[top] >= SPECIFIC_RATIO * others).all():
                kind, group, robust = "specific", top, bool(tests.loc[top, "robust"])
            else:
                kind, robust = "mixed", bool(flagged["robust"].any())
            shown = flagged
        else:
            within = ((tests["ratio_low"] >= 1 / SPECIFIC_RATIO) & (tests["ratio_high"] <= SPECIFIC_RATIO)).all()
            if not within:
                kind = "unclear"
            elif (p >= SHARED_FLOOR * p[top]).all():
                kind = "shared"
            else:
                kind = "mixed"
            shown = tests.loc[[top]]
        rows.append(
            {
                "topic": topic,
                "label": label,
                "kind": kind,
                "group": group,
                "robust": robust,
                "ratio_to_next": float(p[top] / others.max()) if others.max() > 0 else float("inf"),
                "evidence": "; ".join(evidence(r) for _, r in shown.reset_index().iterrows()),
            }
        )
    kinds = pd.DataFrame(rows, columns=KIND_COLUMNS)
    if not kinds.empty:  # pandas turns None into NaN beside text, and NaN would print as "nan"
        kinds["group"] = kinds["group"].astype(object).where(kinds["group"].notna(), None)
    return kinds


def finding_text(row: pd.Series) -> str:
    """A flagged difference in words, the group and its direction first: "person-centred lower than the rest:
    1.7% vs rest 14.7% (...)"."""
    direction = "higher" if row["difference"] > 0 else "lower"
    return f"{row['group']} {direction} than the rest: " + evidence(row).removeprefix(f"{row['group']} ")


@dataclass
class GroupFindings:
    """What a run says about its groups, computed once and rendered alike by ``topics compare``, reports, the
    explorer and Python code: the one source of every finding, topic kind and share cell.

    ``shares``: each topic's share of each group's remarks with its interval; ``differences``: each group
    against the rest of the groups, tested and flagged; ``kinds``: shared, specific, mixed or unclear per
    topic; ``notes``: what the data cannot tell; ``draws`` and ``seed``: the resampling behind the intervals.
    """

    shares: pd.DataFrame
    differences: pd.DataFrame
    kinds: pd.DataFrame
    notes: list[str]
    draws: int = DRAWS
    seed: int = 0

    @property
    def flagged(self) -> pd.DataFrame:
        """Flagged differences in both directions, with ``direction`` ("higher" or "lower") and ``finding`` (the
        sentence to show). With two groups, 'A higher' is 'B lower': only the higher side is listed."""
        flagged = self.differences[self.differences["differs"]] if not self.differences.empty else self.differences
        if self.shares["group"].nunique() == 2:
            flagged = flagged[flagged["difference"] > 0]
        flagged = flagged.reset_index(drop=True)
        return flagged.assign(
            direction=np.where(flagged["difference"] > 0, "higher", "lower"),
            finding=[finding_text(row) for _, row in flagged.iterrows()],
        )

    @property
    def robust(self) -> pd.DataFrame:
        """The findings: flagged differences that hold in at least ``ROBUST_SHARE`` of the seed models."""
        flagged = self.flagged
        return flagged[flagged["robust"]].reset_index(drop=True)

    @property
    def fragile(self) -> pd.DataFrame:
        """Flagged in this model but not robust to the seed."""
        flagged = self.flagged
        return flagged[~flagged["robust"]].reset_index(drop=True)

    def kind_text(self, topic: int) -> str:
        """A topic's kind as shown: "shared", "specific: CBT", "specific: CBT (not robust)"."""
        row = self.kinds.set_index("topic").loc[topic]
        if row["kind"] != "specific":
            return str(row["kind"])
        return f"specific: {row['group']}" + ("" if row["robust"] else " (not robust)")

    def relabelled(self, labels: dict[int, str]) -> GroupFindings:
        """The same findings with the topics' labels taken from ``labels`` (id to label). A rename changes no
        number, so findings computed for an assignment of remarks serve every labelling of it."""

        def named(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty or "label" not in frame:
                return frame
            return frame.assign(label=[labels.get(int(t), old) for t, old in zip(frame["topic"], frame["label"])])

        return dataclasses.replace(
            self, shares=named(self.shares), differences=named(self.differences), kinds=named(self.kinds)
        )

    def share_table(self) -> pd.DataFrame:
        """One row per topic: its label, a share cell per group (:func:`share_cell`), its kind and evidence."""
        cells = self.shares.assign(cell=[share_cell(r.share, r.low, r.high) for r in self.shares.itertuples()])
        table = cells.pivot(index=["topic", "label"], columns="group", values="cell").reset_index()
        table.columns.name = None
        evidence_of = self.kinds.set_index("topic")["evidence"]
        return table.assign(kind=[self.kind_text(t) for t in table["topic"]], evidence=table["topic"].map(evidence_of))


def group_findings(run: TopicRun, draws: int = DRAWS, seed: int = 0, permutations: int | None = None) -> GroupFindings:
    """Shares, tested differences, findings and topic kinds of ``run``'s joint model across its groups."""
    shares, differences, notes = group_statistics(run, draws, permutations, seed)
    return GroupFindings(shares, differences, topic_kinds(shares, differences), notes, draws, seed)


KIND_WORDS = {
    "specific": "specific: one group's share is flagged as higher (q < 0.05, interval excludes 0) and at least "
    "3 times every other group's",
    "shared": "shared: no group differs, every group's share is at least half the largest, and the intervals rule "
    "out a 3-fold difference",
    "unclear": "unclear: no group differs, but the data are too thin to tell shared from specific",
    "mixed": "mixed: neither shared nor specific (for example a flagged difference smaller than 3-fold)",
}


def distinguishing_words(
    run: TopicRun, words: TopicWords, top: int = 10, prior_strength: float = 500.0
) -> pd.DataFrame:
    """Per topic and group: words most over-used by the group against the rest (Monroe et al. 2008)."""
    groups = _groups(run)
    kept = run.kept.reset_index(drop=True)
    counts = words.counts_
    background = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    alpha = prior_strength * background / max(background.sum(), 1)
    alpha0 = alpha.sum()
    rows = []
    for topic in run.joint.topics:
        in_topic = (kept["topic"] == topic.id).to_numpy()
        for g in groups:
            in_group = (kept["group"] == g).fillna(False).to_numpy(dtype=bool)
            has_group = kept["group"].notna().to_numpy(dtype=bool)
            mine, other = in_topic & in_group, in_topic & has_group & ~in_group
            if not mine.any() or not other.any():
                continue
            y_i = np.asarray(counts[mine].sum(axis=0)).ravel()
            y_j = np.asarray(counts[other].sum(axis=0)).ravel()
            n_i, n_j = y_i.sum(), y_j.sum()
            delta = np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha)) - np.log(
                (y_j + alpha) / (n_j + alpha0 - y_j - alpha)
            )
            z = delta / np.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
            for index in np.argsort(-z)[:top]:
                if y_i[index] == 0:
                    break
                rows.append(
                    {
                        "topic": topic.id,
                        "group": g,
                        "word": str(words.vocabulary_[index]),
                        "log_odds": float(delta[index]),
                        "z": float(z[index]),
                        "count": int(y_i[index]),
                    }
                )
    return pd.DataFrame(rows, columns=["topic", "group", "word", "log_odds", "z", "count"])


def align(first: TopicSet, second: TopicSet, threshold: float = 0.7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-to-one matching of two models' topics by centroid cosine similarity (Hungarian)."""
    a = first.centroids / np.linalg.norm(first.centroids, axis=1, keepdims=True)
    b = second.centroids / np.linalg.norm(second.centroids, axis=1, keepdims=True)
    similarity = a @ b.T
    rows, cols = linear_sum_assignment(-similarity)
    matched_a, matched_b, pairs = set(), set(), []
    for i, j in zip(rows, cols):
        if similarity[i, j] >= threshold:
            ta, tb = first.topics[i], second.topics[j]
            words_a, words_b = set(ta.top_words()), set(tb.top_words())
            jaccard = len(words_a & words_b) / max(len(words_a | words_b), 1)
            pairs.append(
                {
                    "status": "matched",
                    first.name: ta.id,
                    f"{first.name} label": ta.label,
                    second.name: tb.id,
                    f"{second.name} label": tb.label,
                    "similarity": float(similarity[i, j]),
                    "word_jaccard": jaccard,
                }
            )
            matched_a.add(i)
            matched_b.add(j)
    for i, topic in enumerate(first.topics):
        if i not in matched_a:
            pairs.append(
                {
                    "status": f"only in {first.name}",
                    first.name: topic.id,
                    f"{first.name} label": topic.label,
                    "similarity": float(similarity[i].max()) if similarity.size else np.nan,
                }
            )
    for j, topic in enumerate(second.topics):
        if j not in matched_b:
            pairs.append(
                {
                    "status": f"only in {second.name}",
                    second.name: topic.id,
                    f"{second.name} label": topic.label,
                    "similarity": float(similarity[:, j].max()) if similarity.size else np.nan,
                }
            )
    matrix = pd.DataFrame(
        similarity,
        index=[f"{first.name}:{t.id}" for t in first.topics],
        columns=[f"{second.name}:{t.id}" for t in second.topics],
    )
    return pd.DataFrame(pairs), matrix


def align_to_joint(run: TopicRun, group: str) -> pd.DataFrame:
    """Each topic of ``group``'s own model and the joint (curated) topic that holds most of its remarks."""
    kept = run.kept
    members = kept[(kept["group"] == group).fillna(False).to_numpy(dtype=bool)]
    labels = {t.id: t.label for t in run.joint.topics} if run.joint is not None else {}
    rows = []
    for topic in run.groups[group].topics:
        inside = members[members["group_topic"] == topic.id]
        joint = inside["topic"].dropna().astype(int)
        joint = joint[joint != OUTLIER]
        best = int(joint.mode().iloc[0]) if not joint.empty else None
        overlap = float((joint == best).sum() / max(len(inside), 1)) if best is not None else 0.0
        rows.append(
            {
                "group": group,
                "group topic": topic.id,
                "group label": topic.label,
                "size": topic.size,
                "joint topic": best,
                "joint label": labels.get(best, "") if best is not None else "",
                "share of its remarks": overlap,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["group", "group topic", "group label", "size", "joint topic", "joint label", "share of its remarks"],
    )


@dataclass
class Comparison:
    """Everything ``topics compare`` writes, as tables, and the notes that say what cannot be concluded."""

    groups: GroupFindings | None  # the joint model's shares, differences, findings and kinds; None without one
    words: pd.DataFrame  # topic, group, word, log_odds, z
    alignments: dict[str, pd.DataFrame]
    similarity: dict[str, pd.DataFrame]
    to_joint: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """The joint model's notes on what the data cannot tell; none without a joint model."""
        return self.groups.notes if self.groups is not None else []


def compare(
    run: TopicRun,
    words: TopicWords,
    draws: int = DRAWS,
    seed: int = 0,
    threshold: float = 0.7,
    permutations: int | None = None,
) -> Comparison:
    """All comparisons a run supports: joint-model shares, tests and words; per-group model alignment."""
    if run.joint is None and len(run.groups) < 2:
        raise TopicsInputError(f"{run.path}: nothing to compare: no joint model and fewer than two per-group models.")
    groups, word_table = None, pd.DataFrame()
    if run.joint is not None:
        groups = group_findings(run, draws, seed, permutations)
        word_table = distinguishing_words(run, words)
    alignments, similarity = {}, {}
    names = sorted(run.groups)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            key = f"{a}__{b}"
            alignments[key], similarity[key] = align(run.groups[a], run.groups[b], threshold)
    to_joint = {name: align_to_joint(run, name) for name in names} if run.joint is not None else {}
    return Comparison(groups, word_table, alignments, similarity, to_joint)


def comparison_table(comparison: Comparison) -> str:
    """A readable table: per topic, each group's share [interval], the kind; then findings and notes."""
    lines = []
    found = comparison.groups
    if found is not None:
        table = found.share_table().drop(columns="evidence")
        with pd.option_context("display.max_colwidth", 60, "display.width", 250):
            lines += [
                "Share of each group's remarks per topic, 95% intervals (Bayesian bootstrap over sessions, "
                f"{found.draws:,} draws):",
                table.to_string(index=False),
                "",
            ]
        robust, fragile = found.robust, found.fragile
        lines.append(
            f"Findings: differences flagged (permutation test over sessions, q < {ALPHA:g}, interval "
            f"excludes 0) and robust (flagged in >= {ROBUST_SHARE:.0%} of seed models): {len(robust)}"
        )
        lines += [f"  [{r.topic}] {r.label}: {r.finding}" for r in robust.itertuples()]
        if not fragile.empty:
            lines.append(
                f"Not robust (flagged in this model only, not in >= {ROBUST_SHARE:.0%} of seed models): {len(fragile)}"
            )
            lines += [f"  [{r.topic}] {r.label}: {r.finding}" for r in fragile.itertuples()]
        lines += ["", "Kinds: " + "; ".join(KIND_WORDS.values()) + "."]
    for key, pairs in comparison.alignments.items():
        matched = (pairs["status"] == "matched").sum()
        lines.append(
            f"\nPer-group models {key.replace('__', ' vs ')}: {matched} matched topic pairs, "
            f"{len(pairs) - matched} without a partner."
        )
    for group, pairs in comparison.to_joint.items():
        found = pairs["joint topic"].notna().sum()
        lines.append(f"Model of {group}: {len(pairs)} topics, {found} of them mostly inside one joint topic.")
    if comparison.notes:
        lines += ["", "Notes:"] + [f"- {note}" for note in comparison.notes]
    return "\n".join(lines)
