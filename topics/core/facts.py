"""Facts about a run that every surface states the same way: group sizes and names, languages, the topic
frame, what became of short remarks, and per-group models too coarse to compare."""

from __future__ import annotations

import pandas as pd

from topics.core.formatting import percent
from topics.core.run import TopicRun


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
    corpus = run.config.get("corpus", {})
    # without a group_label, the corpus' own name for the column ("school") says more than "group"
    label = corpus.get("group_label") or (corpus.get("columns") or {}).get("group") or "group"
    return (
        f"Groups by {str(label).replace('_', ' ')}: "
        + ", ".join(f"{group_title(run, g)} ({n:,} remarks)" for g, n in sizes.items())
        + "."
    )


def languages_of(run: TopicRun) -> list[str]:
    """The languages of the run's kept remarks, most frequent first (empty for runs fitted before languages)."""
    if "language" not in run.remarks:
        return []
    spoken = run.remarks["language"][run.remarks["kept"].to_numpy(dtype=bool)]
    return [str(language) for language in spoken.value_counts().index]


def language_mix(run: TopicRun, model: str = "joint") -> dict[int, str]:
    """Each topic's remarks by language, in words ("ru 52%, es 48%"); empty when the run has one language."""
    if len(languages_of(run)) < 2:
        return {}
    remarks = run.remarks[run.remarks["kept"].to_numpy(dtype=bool)]
    column = "topic" if model == "joint" else "group_topic"
    if model != "joint":
        remarks = remarks[remarks["group"] == model]
    table = pd.crosstab(remarks[column], remarks["language"], normalize="index")
    return {
        int(t): ", ".join(
            f"{language} {share:.0%}" for language, share in row.sort_values(ascending=False).items() if share > 0
        )
        for t, row in table.iterrows()
    }


def group_share_column(group: str) -> str:
    """The column of :func:`topic_frame` holding each topic's share of ``group``'s remarks: the one place that
    names it (readers ask here; they never take a group's name apart from a column's)."""
    return f"share {group}"


def topic_frame(run: TopicRun, model: str = "joint", words: int = 8) -> pd.DataFrame:
    """One row per topic: id, label, size, share of the model's remarks, share of each group's, top words;
    in a run of several languages, the languages of its remarks."""
    topic_set = run.model(model)
    total = topic_set.metrics.get("remarks") or sum(t.size for t in topic_set.topics)
    sizes = group_sizes(run) if model == "joint" else {}
    mix = language_mix(run, model)
    rows = []
    for topic in topic_set.topics:
        row = {"id": topic.id, "label": topic.label, "size": topic.size, "share": topic.size / total}
        for group, n in sizes.items():
            row[group_share_column(group)] = topic.group_counts.get(group, 0) / n if n else 0.0
        row["top words"] = ", ".join(topic.top_words(words))
        if mix:
            row["languages"] = mix.get(topic.id, "")
        rows.append(row)
    return pd.DataFrame(rows)


def short_remarks_said(run: TopicRun) -> str:
    """What happened to the remarks too short to shape a topic, in words for every surface: attached afterwards
    (how many reached a topic), or left out when ``assign.short_remarks`` is off."""
    cleaning = run.provenance["cleaning"]
    short = cleaning["too_short"]
    if not short:
        return "no short ones"
    if (run.config.get("assign") or {}).get("short_remarks", True) and "short_attached" in cleaning:
        below = short - cleaning["short_attached"]
        return (
            f"{short:,} short ones (too few content words to shape a topic) attached afterwards to the topic "
            f"they are most like" + (f", {below:,} of them below the similarity floor and so in none" if below else "")
        )
    return f"{short:,} short ones (too few content words to shape a topic) left out (assign.short_remarks is off)"


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
            warnings.append(
                f"the model of {title!r} found only {len(topic_set.topics)} topic(s) in {remarks:,} remarks: "
                "too few to tell its themes apart; read its topics in the joint model instead."
            )
        largest = max(topic_set.topics, key=lambda t: t.size, default=None)
        if largest is not None and largest.size / remarks > DOMINANT_SHARE:
            warnings.append(
                f"in the model of {title!r}, one topic ('{largest.label}') holds "
                f"{percent(largest.size / remarks, 0)} of the remarks: the model lumps most of them together."
            )
    return warnings


#: Below this many therapists, a group's findings describe those therapists rather than their school.
FEW_THERAPISTS = 5


def resampling_unit(remarks: pd.DataFrame) -> str:
    """``therapist`` when the run names who held its sessions, else ``session``: the unit that intervals and
    tests resample and permute whole."""
    return "therapist" if "therapist" in remarks and remarks["therapist"].notna().any() else "session"


def by_unit(remarks: pd.DataFrame) -> pd.DataFrame:
    """``remarks`` with ``session`` replaced by the resampling unit (:func:`resampling_unit`): a therapist's
    sessions are then one unit, a remark without a therapist keeps its session."""
    if resampling_unit(remarks) == "session":
        return remarks
    return remarks.assign(session=remarks["therapist"].astype("string").fillna(remarks["session"].astype("string")))


def therapist_notes(remarks: pd.DataFrame) -> list[str]:
    """What the therapists behind the sessions mean for the findings: the unit of resampling, and each group
    whose sessions come from fewer than :data:`FEW_THERAPISTS` therapists (its findings describe them)."""
    if resampling_unit(remarks) == "session":
        return []
    named = remarks[remarks["therapist"].notna()]
    notes = [
        f"Intervals and tests resample and permute whole therapists ({named['therapist'].nunique()} therapists, "
        "each with all their sessions), not single sessions: sessions of one therapist are not independent."
    ]
    if remarks["group"].notna().any():
        therapists = named.groupby("group")["therapist"].nunique()
        sessions = remarks.groupby("group")["session"].nunique()
        for group, count in therapists.items():
            if count < FEW_THERAPISTS:
                notes.append(
                    f"The {sessions[group]} sessions of {group} come from {count} therapist(s): its findings describe "
                    f"those therapists, not {group} as a whole."
                )
    elif named["therapist"].nunique() < FEW_THERAPISTS:
        notes.append(f"The sessions come from {named['therapist'].nunique()} therapist(s): the findings describe them.")
    return notes
