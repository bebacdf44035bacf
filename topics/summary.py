"""Plain-text views of a run for the terminal: the fit summary and the topic table."""

from __future__ import annotations

import pandas as pd

from topics.run import TopicRun, TopicSet


def _topic_set(run: TopicRun, model: str) -> TopicSet:
    from topics.errors import TopicsInputError

    if model == "joint" and run.joint is not None:
        return run.joint
    if model in run.groups:
        return run.groups[model]
    available = (["joint"] if run.joint else []) + list(run.groups)
    raise TopicsInputError(f"{run.path}: no model {model!r} in this run. Available: {', '.join(available)}.")


def group_sizes(run: TopicRun) -> dict[str, int]:
    """Kept remarks per group: the denominators of every per-group share.

    Counted from the two columns it needs (``run.kept`` would copy every column of a million remarks).
    """
    groups = run.remarks["group"][run.remarks["kept"].to_numpy(dtype=bool)]
    return {str(g): int(n) for g, n in groups.value_counts().sort_index().items()} if groups.notna().any() else {}


def group_title(run: TopicRun, group: str) -> str:
    """A group's name for readers: ``corpus.group_names`` ("high-quality MI"), else the value itself."""
    return (run.config.get("corpus", {}).get("group_names") or {}).get(str(group), str(group))


def groups_described(run: TopicRun) -> str:
    """One sentence on what the groups are: "Groups: MI quality (high-quality MI, low-quality MI)"."""
    sizes = group_sizes(run)
    if not sizes:
        return ""
    label = run.config.get("corpus", {}).get("group_label") or "group"
    return f"Groups by {label}: " + ", ".join(f"{group_title(run, g)} ({n:,} remarks)" for g, n in sizes.items()) + "."


def languages_of(run: TopicRun) -> list[str]:
    """The languages of the run's kept remarks, most frequent first (empty for runs fitted before languages)."""
    if "language" not in run.remarks:
        return []
    spoken = run.remarks["language"][run.remarks["kept"].to_numpy(dtype=bool)]
    return [str(language) for language in spoken.value_counts().index]


def redaction_caveat(run: TopicRun) -> str | None:
    """What de-identification cannot promise for this run: its name and place lists, and the rules that tell
    names from words, were built and measured on English; None for an English run."""
    other = [language for language in languages_of(run) if language != "en"]
    if not other:
        return None
    return (f"De-identification was built and measured on English. Remarks in {', '.join(other)} lose phone numbers, "
            "e-mail addresses and written dates, but its name and place rules were not measured on them: names may "
            "remain and ordinary words may be replaced. Read them before sharing.")


def language_mix(run: TopicRun, model: str = "joint") -> dict[int, str]:
    """Each topic's remarks by language, in words ("ru 52%, es 48%"); empty when the run has one language."""
    if len(languages_of(run)) < 2:
        return {}
    remarks = run.remarks[run.remarks["kept"].to_numpy(dtype=bool)]
    column = "topic" if model == "joint" else "group_topic"
    if model != "joint":
        remarks = remarks[remarks["group"] == model]
    table = pd.crosstab(remarks[column], remarks["language"], normalize="index")
    return {int(t): ", ".join(f"{language} {share:.0%}" for language, share in row.sort_values(ascending=False).items()
                              if share > 0) for t, row in table.iterrows()}


def topic_frame(run: TopicRun, model: str = "joint", words: int = 8) -> pd.DataFrame:
    """One row per topic: id, label, size, share of the model's remarks, share of each group's, top words;
    in a run of several languages, the languages of its remarks."""
    topic_set = _topic_set(run, model)
    total = topic_set.metrics.get("remarks") or sum(t.size for t in topic_set.topics)
    sizes = group_sizes(run) if model == "joint" else {}
    mix = language_mix(run, model)
    rows = []
    for topic in topic_set.topics:
        row = {"id": topic.id, "label": topic.label, "size": topic.size, "share": topic.size / total}
        for group, n in sizes.items():
            row[f"share {group}"] = topic.group_counts.get(group, 0) / n if n else 0.0
        row["top words"] = ", ".join(topic.top_words(words))
        if mix:
            row["languages"] = mix.get(topic.id, "")
        rows.append(row)
    return pd.DataFrame(rows)


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    for column in [c for c in shown.columns if c.startswith("share")]:
        shown[column] = shown[column].map(lambda v: f"{100 * v:.1f}%")
    return shown


def topic_table(run: TopicRun, model: str = "joint", words: int = 8) -> str:
    topic_set = _topic_set(run, model)
    metrics = topic_set.metrics
    header = (f"Model {topic_set.name!r}: {metrics.get('topic_count')} topics over {metrics.get('remarks'):,} kept remarks; "
              f"outliers {100 * metrics.get('outlier_share', 0):.1f}%")
    frame = _percent(topic_frame(run, model, words))
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        return header + "\n" + frame.to_string(index=False)


def fit_summary(run: TopicRun, per_group_top: int = 5) -> str:
    """What was fitted, in a few lines a researcher reads at the end of ``topics fit``."""
    cleaning = run.provenance["cleaning"]
    lines = [
        f"Corpus {run.provenance['corpus']['path']}: {cleaning['total']:,} remarks after role filtering, "
        f"{cleaning['kept']:,} kept; set aside: {cleaning['backchannel']:,} backchannels, "
        f"{cleaning['too_short']:,} too short, {cleaning['empty']:,} empty.",
    ]
    models = ([run.joint] if run.joint else []) + list(run.groups.values())
    for topic_set in models:
        m = topic_set.metrics
        lines.append(
            f"Model {topic_set.name!r}: {m['topic_count']} topics, outliers {100 * m['outlier_share']:.1f}% "
            f"(before reduction {100 * m.get('outlier_share_before_reduction', m['outlier_share']):.1f}%), "
            f"diversity {m['topic_diversity']:.2f}, NPMI {m['npmi']:.3f}"
        )
    if run.joint is not None and run.joint.topics:
        frame = topic_frame(run, "joint", words=5)
        for group in group_sizes(run):
            top = frame.sort_values(f"share {group}", ascending=False).head(per_group_top)
            lines.append(f"Most frequent topics for {group}:")
            lines += [f"  {100 * r[f'share {group}']:5.1f}%  [{r['id']}] {r['top words']}" for _, r in top.iterrows()]
    skipped = run.provenance.get("skipped_groups") or {}
    lines += [f"Skipped group {g!r}: {why}" for g, why in skipped.items()]
    lines += [f"Note: {warning}" for warning in group_model_warnings(run)]
    return "\n".join(lines)


#: a per-group model is flagged when it has this few topics, or one topic holds this share of its remarks
FEW_TOPICS = 2
DOMINANT_SHARE = 0.5


def group_model_warnings(run: TopicRun) -> list[str]:
    """Per-group models too coarse to compare themes with, in words (fit summary, explorer, report)."""
    warnings = []
    for name, topic_set in run.groups.items():
        remarks = sum(t.size for t in topic_set.topics) or 1
        title = group_title(run, name)
        if len(topic_set.topics) <= FEW_TOPICS:
            warnings.append(f"the model of {title!r} found only {len(topic_set.topics)} topic(s) in {remarks:,} remarks: "
                            "too few to tell its themes apart; read its topics in the joint model instead.")
        largest = max(topic_set.topics, key=lambda t: t.size, default=None)
        if largest is not None and largest.size / remarks > DOMINANT_SHARE:
            warnings.append(f"in the model of {title!r}, one topic ('{largest.label}') holds "
                            f"{100 * largest.size / remarks:.0f}% of the remarks: the model lumps most of them together.")
    return warnings
