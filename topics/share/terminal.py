"""Plain-text views of a run for the terminal: the fit summary, its closing lines and the topic table."""

from __future__ import annotations

import math
import shlex
import textwrap

import pandas as pd

from topics.core.facts import group_model_warnings, group_share_column, group_sizes, short_remarks_said, topic_frame
from topics.core.formatting import percent, percent_columns
from topics.core.run import TopicRun


def topic_table(run: TopicRun, model: str = "joint", words: int = 8) -> str:
    """One model's topics as plain text (``model``: ``"joint"`` or a group's): a header line with its topic
    count, kept remarks and outlier share, then one row per topic with its shares as percentages and top ``words``."""
    topic_set = run.model(model)
    metrics = topic_set.metrics
    header = (
        f"Model {topic_set.name!r}: {metrics.get('topic_count')} topics over {metrics.get('remarks'):,} kept remarks; "
        f"outliers {percent(metrics.get('outlier_share', 0))}"
    )
    frame = percent_columns(topic_frame(run, model, words), as_text=True)
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        return header + "\n" + frame.to_string(index=False)


#: The width of the terminal the fit's summary is written for: it must read in a default 80-column window.
WIDTH = 80

#: How to read each column of the models table, one line each. The report's ``MEASURES`` say the same at
#: length; these are cut to fit beside the names in 80 columns (a test holds them to it).
READING = {
    "topics": "themes found; each remark is in one topic or is an outlier",
    "outliers": "remarks too far from every topic to join one; lower is better",
    "junk": "outliers plus remarks in filler topics (mm, okay); lower is better",
    "NPMI": "word coherence, -1 to 1: higher is better; short remarks score < 0",
}


def _wrapped(text: str, width: int = WIDTH) -> list[str]:
    """One line of the summary, folded to ``width`` with its continuation indented (paths are never split)."""
    return textwrap.wrap(text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


def _clipped(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "\u2026"


def fit_summary(run: TopicRun, per_group_top: int = 5, width: int = WIDTH) -> str:
    """What was fitted, in lines of at most ``width`` columns that a researcher reads at the end of ``topics fit``:
    remarks kept and set aside, each group's most frequent topics, and warnings on coarse per-group models.
    The models' numbers follow in :func:`closing_summary`."""
    cleaning = run.provenance["cleaning"]
    lines = _wrapped(
        f"Corpus {run.provenance['corpus']['path']}: {cleaning['total']:,} remarks after role filtering: "
        f"{cleaning['kept']:,} clustered, {short_remarks_said(run)}; {cleaning['backchannel']:,} backchannels and "
        f"{cleaning['empty']:,} empty set aside.",
        width,
    )
    metrics = run.joint.metrics if run.joint is not None else {}
    if "no_topic_share" in metrics:
        lines += _wrapped(
            f"In no topic: {percent(metrics['no_topic_share'])} of the remarks that say something "
            f"({percent(metrics['substantive_no_topic_share'])} of those of 4+ words).",
            width,
        )
    if run.joint is not None and run.joint.topics:
        frame = topic_frame(run, "joint", words=5)
        for group in group_sizes(run):
            column = group_share_column(group)
            top = frame.sort_values(column, ascending=False).head(per_group_top)
            lines.append(_clipped(f"Most frequent topics for {group}:", width))
            lines += [
                _clipped(f"  {percent(r[column]):>6}  [{r['id']}] {r['top words']}", width) for _, r in top.iterrows()
            ]
    skipped = run.provenance.get("skipped_groups") or {}
    notes = [f"Skipped group {g!r}: {why}" for g, why in skipped.items()]
    notes += [f"Note: {warning}" for warning in group_model_warnings(run)]
    for note in notes:
        lines += _wrapped(note, width)
    return "\n".join(lines)


def models_table(run: TopicRun, width: int = WIDTH) -> list[str]:
    """One line per model: its topics, outlier and junk shares and NPMI, in at most ``width`` columns
    (a long group name is cut; ``topics info --model GROUP`` takes it whole)."""
    models = ([run.joint] if run.joint else []) + list(run.groups.values())
    rows = []
    for topic_set in models:
        m = topic_set.metrics
        npmi = m.get("npmi")
        rows.append(
            (
                topic_set.name,
                str(m.get("topic_count", len(topic_set.topics))),
                percent(m.get("outlier_share")),
                percent(m.get("junk_share")),  # runs fitted before the junk share have none
                f"{npmi:.2f}" if isinstance(npmi, (int, float)) and math.isfinite(npmi) else "-",
            )
        )
    numbers = "  {:>6}  {:>8}  {:>6}  {:>5}"
    room = width - 2 - len(numbers.format("", "", "", ""))  # what the indent and the number columns leave
    name_width = max(5, min(max((len(r[0]) for r in rows), default=5), room))
    header = f"  {'model':<{name_width}}" + numbers.format("topics", "outliers", "junk", "NPMI")
    return [header] + [
        f"  {_clipped(name, name_width):<{name_width}}" + numbers.format(*values) for name, *values in rows
    ]


def next_commands(run: TopicRun, command: str = "topics", width: int = WIDTH) -> list[str]:
    """The three commands to try next on this run, its folder filled in, each with what it does when that fits.

    ``command`` is how the user calls ``topics`` (``./run topics`` from a clone without the venv on PATH).
    Comparing needs two groups; a run without them gets the topic table instead.
    """
    folder = shlex.quote(str(run.path))
    third = ("compare", "the groups compared") if len(group_sizes(run)) > 1 else ("info", "the topic table")
    steps = [("explore", "browse and curate"), ("report", "an HTML report"), third]
    commands = [f"  {command} {verb} {folder}" for verb, _ in steps]
    pad = max(len(line) for line in commands)
    return ["Next:"] + [
        f"{line:<{pad}}  # {what}" if pad + 4 + len(what) <= width else line for line, (_, what) in zip(commands, steps)
    ]


def closing_summary(run: TopicRun, command: str = "topics", width: int = WIDTH) -> str:
    """The last lines ``topics fit`` prints, all within ``width`` columns: the models in numbers, one line on
    how to read each number, and the next three commands with the run folder filled in."""
    reading = [f"  {name:<9} {meaning}" for name, meaning in READING.items()]
    return "\n".join(
        ["", *models_table(run, width), "How to read the numbers:", *reading, "", *next_commands(run, command, width)]
    )
