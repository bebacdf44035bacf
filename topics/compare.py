"""Compare groups (schools, quality levels) with honest uncertainty.

* **Shares with intervals.** A topic's share of each group's remarks, with a
  95 % interval from a bootstrap that resamples *sessions* within each group:
  remarks of one session are not independent, so resampling remarks would
  give intervals that are too narrow.
* **Differences.** Each group against all other groups: difference of shares,
  its bootstrap interval, Cohen's h as effect size, a bootstrap p-value and a
  Benjamini-Hochberg q-value over all topics (many topics are tested at once).
  A topic is flagged when q < 0.05.
* **Shared or specific.** With ``p_g`` the share of group g's remarks in the
  topic: *specific to g* when ``p_g`` is at least 3 times every other group's;
  *shared* when every group's ``p_g`` is at least half the largest; otherwise
  *mixed*. Shares are per group, so group sizes do not decide.
* **Words that distinguish groups within a topic**: log-odds ratios with an
  informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), prior from the
  word counts of all remarks, with z-scores.
* **Aligning per-group models**: cosine similarity of topic centroids,
  one-to-one matching (Hungarian) above a threshold, and top-word Jaccard.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from topics.errors import TopicsInputError
from topics.run import OUTLIER, TopicRun, TopicSet
from topics.words import TopicWords

SPECIFIC_RATIO = 3.0
SHARED_FLOOR = 0.5


def _groups(run: TopicRun) -> list[str]:
    kept = run.kept
    groups = sorted(kept["group"].dropna().unique().tolist())
    if len(groups) < 2:
        raise TopicsInputError(
            f"{run.path}: comparing needs two or more groups; this run has {len(groups)} "
            f"({', '.join(groups) or 'no group column'}). Set corpus.columns.group and refit."
        )
    return groups


def _session_counts(kept: pd.DataFrame, group: str, topic_ids: list[int]) -> np.ndarray:
    """Rows: sessions of ``group``; columns: remarks per topic, then all remarks of the session."""
    members = kept[kept["group"] == group]
    sessions = members["session"].fillna(members["remark_id"])  # no session column: each remark is its own
    table = pd.crosstab(sessions, members["topic"].astype(int)).reindex(columns=topic_ids, fill_value=0)
    totals = members.groupby(sessions).size().reindex(table.index)
    return np.column_stack([table.to_numpy(dtype=float), totals.to_numpy(dtype=float)])


def _bootstrap(counts: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, topics) shares from resampling the rows (sessions) of ``counts``."""
    picks = rng.integers(0, len(counts), size=(draws, len(counts)))
    summed = counts[picks].sum(axis=1)
    return summed[:, :-1] / np.maximum(summed[:, -1:], 1)


def _bh(p_values: np.ndarray) -> np.ndarray:
    order = np.argsort(p_values)
    ranked = p_values[order] * len(p_values) / np.arange(1, len(p_values) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.minimum(q, 1.0)
    return out


@dataclass
class Comparison:
    """Everything ``topics compare`` writes, as tables."""

    shares: pd.DataFrame        # topic, label, group, remarks, share, low, high
    differences: pd.DataFrame   # topic, label, group, share, rest, difference, low, high, cohen_h, p, q, differs
    kinds: pd.DataFrame         # topic, label, kind, group (for specific topics)
    words: pd.DataFrame         # topic, group, word, log_odds, z
    alignments: dict[str, pd.DataFrame]
    similarity: dict[str, pd.DataFrame]


def group_shares(run: TopicRun, draws: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares per group with session-bootstrap intervals, and each group against the rest."""
    groups = _groups(run)
    kept = run.kept
    topics = run.joint.topics
    ids = [t.id for t in topics]
    labels = {t.id: t.label for t in topics}
    rng = np.random.default_rng(seed)
    counts = {g: _session_counts(kept, g, ids) for g in groups}
    boot = {g: _bootstrap(c, draws, rng) for g, c in counts.items()}
    point = {g: c[:, :-1].sum(axis=0) / max(c[:, -1].sum(), 1) for g, c in counts.items()}
    share_rows, difference_rows = [], []
    for g in groups:
        low, high = np.percentile(boot[g], [2.5, 97.5], axis=0)
        for j, topic in enumerate(ids):
            share_rows.append({"topic": topic, "label": labels[topic], "group": g, "remarks": int(counts[g][:, j].sum()),
                               "share": point[g][j], "low": low[j], "high": high[j]})
        rest = np.vstack([counts[o] for o in groups if o != g])
        rest_point = rest[:, :-1].sum(axis=0) / max(rest[:, -1].sum(), 1)
        diff = boot[g] - _bootstrap(rest, draws, rng)
        d_low, d_high = np.percentile(diff, [2.5, 97.5], axis=0)
        p = np.minimum(1.0, 2 * np.minimum((diff <= 0).mean(axis=0), (diff >= 0).mean(axis=0)))
        for j, topic in enumerate(ids):
            h = 2 * np.arcsin(np.sqrt(point[g][j])) - 2 * np.arcsin(np.sqrt(rest_point[j]))
            difference_rows.append({"topic": topic, "label": labels[topic], "group": g, "share": point[g][j],
                                    "rest": rest_point[j], "difference": point[g][j] - rest_point[j],
                                    "low": d_low[j], "high": d_high[j], "cohen_h": h, "p": p[j]})
    differences = pd.DataFrame(difference_rows)
    differences["q"] = _bh(differences["p"].to_numpy())
    differences["differs"] = differences["q"] < 0.05
    return pd.DataFrame(share_rows), differences


def topic_kinds(shares: pd.DataFrame) -> pd.DataFrame:
    """Shared, specific to one group, or mixed, by the rule in the module docstring."""
    rows = []
    for (topic, label), part in shares.groupby(["topic", "label"], sort=False):
        p = part.set_index("group")["share"]
        top = p.idxmax()
        others = p.drop(top)
        if p[top] > 0 and (p[top] >= SPECIFIC_RATIO * others).all():
            kind, group = "specific", top
        elif p[top] > 0 and (p >= SHARED_FLOOR * p[top]).all():
            kind, group = "shared", None
        else:
            kind, group = "mixed", None
        rows.append({"topic": topic, "label": label, "kind": kind, "group": group,
                     "ratio_to_next": float(p[top] / others.max()) if others.max() > 0 else float("inf")})
    return pd.DataFrame(rows)


def distinguishing_words(run: TopicRun, words: TopicWords, top: int = 10, prior_strength: float = 500.0) -> pd.DataFrame:
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
            delta = (np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha))
                     - np.log((y_j + alpha) / (n_j + alpha0 - y_j - alpha)))
            z = delta / np.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
            for index in np.argsort(-z)[:top]:
                if y_i[index] == 0:
                    break
                rows.append({"topic": topic.id, "group": g, "word": str(words.vocabulary_[index]),
                             "log_odds": float(delta[index]), "z": float(z[index]), "count": int(y_i[index])})
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
            pairs.append({"status": "matched", first.name: ta.id, f"{first.name} label": ta.label,
                          second.name: tb.id, f"{second.name} label": tb.label,
                          "similarity": float(similarity[i, j]), "word_jaccard": jaccard})
            matched_a.add(i)
            matched_b.add(j)
    for i, topic in enumerate(first.topics):
        if i not in matched_a:
            pairs.append({"status": f"only in {first.name}", first.name: topic.id, f"{first.name} label": topic.label,
                          "similarity": float(similarity[i].max()) if similarity.size else np.nan})
    for j, topic in enumerate(second.topics):
        if j not in matched_b:
            pairs.append({"status": f"only in {second.name}", second.name: topic.id, f"{second.name} label": topic.label,
                          "similarity": float(similarity[:, j].max()) if similarity.size else np.nan})
    matrix = pd.DataFrame(similarity, index=[f"{first.name}:{t.id}" for t in first.topics],
                          columns=[f"{second.name}:{t.id}" for t in second.topics])
    return pd.DataFrame(pairs), matrix


def compare(run: TopicRun, words: TopicWords, draws: int = 2000, seed: int = 0, threshold: float = 0.7) -> Comparison:
    """All comparisons a run supports: joint-model shares and words, per-group model alignment."""
    if run.joint is None and len(run.groups) < 2:
        raise TopicsInputError(f"{run.path}: nothing to compare: no joint model and fewer than two per-group models.")
    shares = differences = kinds = word_table = pd.DataFrame()
    if run.joint is not None:
        shares, differences = group_shares(run, draws, seed)
        kinds = topic_kinds(shares)
        word_table = distinguishing_words(run, words)
    alignments, similarity = {}, {}
    names = sorted(run.groups)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            key = f"{a}__{b}"
            alignments[key], similarity[key] = align(run.groups[a], run.groups[b], threshold)
    return Comparison(shares, differences, kinds, word_table, alignments, similarity)


def write_comparison(comparison: Comparison, run_folder: Path, settings: dict) -> Path:
    """Write ``compare/`` (CSV and JSON) atomically, replacing an older one."""
    target = run_folder / "compare"
    temporary = Path(tempfile.mkdtemp(prefix=".compare.", dir=run_folder))
    try:
        tables = {"shares": comparison.shares, "differences": comparison.differences, "kinds": comparison.kinds,
                  "words": comparison.words}
        tables |= {f"alignment_{k}": v for k, v in comparison.alignments.items()}
        for name, table in tables.items():
            table.to_csv(temporary / f"{name}.csv", index=False)
        for key, matrix in comparison.similarity.items():
            matrix.to_csv(temporary / f"similarity_{key}.csv")
        summary = {"settings": settings, **{name: json.loads(table.to_json(orient="records")) for name, table in tables.items()}}
        (temporary / "comparison.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        old = None
        if target.exists():
            old = run_folder / f".compare.old.{os.getpid()}"
            os.rename(target, old)
        os.rename(temporary, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return target


def comparison_table(comparison: Comparison) -> str:
    """A readable table: per topic, each group's share [interval], the kind, and flagged differences."""
    if comparison.shares.empty:
        lines = []
    else:
        wide = comparison.shares.assign(cell=lambda f: f.apply(
            lambda r: f"{100 * r['share']:.1f}% [{100 * r['low']:.1f}-{100 * r['high']:.1f}]", axis=1))
        table = wide.pivot(index=["topic", "label"], columns="group", values="cell").reset_index()
        kinds = comparison.kinds.set_index("topic")
        table["kind"] = table["topic"].map(lambda t: kinds.loc[t, "kind"] + (
            f" ({kinds.loc[t, 'group']})" if kinds.loc[t, "kind"] == "specific" else ""))
        flagged = comparison.differences[comparison.differences["differs"]]
        table["differs (q<0.05)"] = table["topic"].map(lambda t: "; ".join(
            f"{r.group} {100 * r.difference:+.1f} pts, h={r.cohen_h:+.2f}" for r in flagged[flagged["topic"] == t].itertuples()))
        with pd.option_context("display.max_colwidth", 60, "display.width", 250):
            lines = ["Share of each group's remarks per topic, 95% session-bootstrap intervals:", table.to_string(index=False)]
    for key, pairs in comparison.alignments.items():
        matched = (pairs["status"] == "matched").sum()
        lines.append(f"\nPer-group models {key.replace('__', ' vs ')}: {matched} matched topic pairs, "
                     f"{len(pairs) - matched} without a partner.")
    return "\n".join(lines)
