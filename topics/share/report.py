"""Reports for supervision: one self-contained HTML file, Markdown, and CSV/JSON tables.

Everything a report shows comes from :func:`build_report` as plain data, so the
HTML, the Markdown and the tables always agree. The run is the *curated* run
(expert edits replayed). Example remarks pass through :mod:`topics.share.redact`
unless the caller turns redaction off explicitly; the report says which.
The HTML draws its charts as inline SVG (:mod:`topics.share.svgcharts`): no script, a few
hundred kilobytes for 45 topics; it opens offline and asks no other host.
"""

from __future__ import annotations

import dataclasses
import json
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from topics.analysis.compare import DRAWS, KIND_WORDS, group_findings
from topics.analysis.session_dynamics import findings, session_dynamics
from topics.analysis.session_sequence import configured_labels, in_order, session_sequence
from topics.core.errors import TopicsInputError
from topics.core.facts import group_model_warnings, group_sizes, groups_described, short_remarks_said
from topics.core.files import atomic_folder, write_text_atomic
from topics.core.formatting import percent, share_cell
from topics.core.output_log import record_output
from topics.core.run import OUTLIER, TopicRun, metadata_name
from topics.curate.editlog import Curator
from topics.fit import stability
from topics.fit.metrics import coverage
from topics.share import plots, svgcharts
from topics.share.redact import Redactor, redact_frame, redact_label, redact_text, redact_words, redaction_caveat

EXAMPLES = 4
MAX_CODE_VALUES = 12
PROFILE_TOPICS = 10  # a session profile shows its top topics plus every topic outside a reference range
GROUP_METHOD = (
    "How to read this: a topic's share of a group is the part of that group's modelled remarks in the topic. "
    "Each group is tested against all other groups by shuffling the group labels of whole sessions 10,000 times "
    "or more (a permutation test: remarks of one session are not independent, so sessions are the unit); "
    "q is the p-value corrected for testing every topic (Benjamini-Hochberg), and a difference is flagged when "
    "q < 0.05 and its 95% interval excludes 0. Intervals come from a Bayesian bootstrap over sessions with one "
    "prior pseudo-session, so a share seen as 0 in a few sessions is never shown as exactly 0. A flagged "
    "difference is robust when the seed models behind this model flag it too (at least 80% of them); only "
    "robust differences are findings. On random splits of AnnoMI's sessions this procedure flags about 1 "
    "split in 20 at most, as a 5% false discovery rate promises (benchmarks/calibration.py)."
)


@dataclass
class TopicEntry:
    """One topic as a report shows it: label, description, top words and example remarks (as redacted as the
    report), its size and share of the kept remarks, each group's share, its kind, and its stability across seeds."""

    id: int
    label: str
    description: str
    size: int
    share: float
    words: list[str]
    examples: list[str]
    groups: list[dict] = field(default_factory=list)  # group, share, low, high
    kind: str | None = None
    stability: float | None = None


#: Every measure a report prints: a plain name and one line on how to read it.
MEASURES = {
    "topic_count": ("Topics", "Number of topics the experts kept."),
    "remarks": ("Remarks modelled", "Therapist remarks with enough content to carry a topic."),
    "outlier_share": (
        "Remarks in no topic",
        "Share of modelled remarks that fit no topic well (outliers); lower is better.",
    ),
    "outlier_share_before_reduction": (
        "Remarks in no topic, before reassignment",
        "The same, before outliers close to a topic were given to it.",
    ),
    "topic_diversity": (
        "Word diversity",
        "Share of distinct words among all topics' top 10; near 1 means topics do not repeat each other's words.",
    ),
    "npmi": (
        "Word coherence (NPMI)",
        "Do a topic's top words occur in the same remarks? From -1 to 1; low on short "
        "spoken remarks, so compare runs, not fields.",
    ),
    "c_v": ("Word coherence (C_V)", "A second coherence measure, 0 to 1; higher means words that belong together."),
    "filler_share": ("Filler words", "Share of top-word slots taken by fillers (mm, okay, yeah); 0 is best."),
    "filler_topics": ("Filler topics", "Topics whose top words are all fillers; 0 is best."),
    "junk_share": ("Remarks without a meaningful topic", "Outliers plus remarks in filler topics; lower is better."),
    "covered_share": ("Remarks covered", "Share of all therapist remarks in a topic that says something."),
    "no_topic_share": (
        "Remarks left without a topic",
        "Of the remarks that say something (all but empty ones and "
        "backchannels), the share in no topic; lower is better.",
    ),
    "substantive_no_topic_share": (
        "Remarks of 4+ words without a topic",
        "The same among remarks of 4 words or more, where reflections and questions are.",
    ),
    "remarks_with_content": ("Remarks that say something", "All therapist remarks but empty ones and backchannels."),
    "substantive_remarks": ("Remarks of 4+ words", "Remarks with content of 4 words or more."),
    "members": ("Consensus members", "Seeded fits combined into the final topics (stability against the seed)."),
}


def explained_measures(metrics: dict) -> list[dict]:
    """The run's measures with plain names and one-line explanations; NMI/ARI with metadata named too."""
    rows = []
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if key in MEASURES:
            name, meaning = MEASURES[key]
        elif key.startswith(("nmi_", "ari_")):
            column = key.split("_", 1)[1].replace("_", " ")
            name = f"Agreement with {column} ({key[:3].upper()})"
            meaning = f"How far topics follow the corpus' {column} labels: 0 none, 1 the same grouping."
        else:
            name, meaning = key.replace("_", " "), ""
        rows.append({"measure": name, "value": value, "meaning": meaning})
    return rows


def settings_table(config: dict) -> list[dict]:
    """The fit settings a methods section needs, one row each ("cluster: min_cluster_size = 15")."""
    rows = []
    for section in ("clean", "embed", "reduce", "cluster", "consensus", "words", "outliers", "assign"):
        for key, value in (config.get(section) or {}).items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            rows.append({"setting": f"{section}.{key}", "value": "" if shown is None else str(shown)})
    return rows


def local_time(time: str) -> str:
    """An edit's UTC time in the reader's local time, to the minute, with the zone."""
    try:
        return datetime.fromisoformat(time).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    except ValueError:
        return time


@dataclass
class Report:
    """All a report says, as plain data."""

    title: str
    created: str
    redacted: bool
    summary: dict
    topics: list[TopicEntry]
    groups: list[str]
    kinds: list[dict]
    findings: list[dict]  # robust flagged differences: topic, label, group, evidence
    not_robust: list[dict]  # flagged in this model but not in enough seed models
    notes: list[str]  # what the group statistics cannot tell (too few sessions, no seed models)
    profile: dict | None
    code_tables: dict[str, list[dict]]
    edits: list[dict]
    methods: dict
    absent: list[str]
    stability_measured_in: str  # what a topic's stability share counts, e.g. "of refits with other seeds"
    edit_log_note: str  # edits skipped on replay (damaged lines, edits that no longer apply); "" if none
    #: ``report --profile FILE``: each session of FILE against the reference groups (see :func:`_session_profiles`)
    session_profiles: list[dict] = field(default_factory=list)
    #: every line of the edit log with its status (undone edits, undos): the appendix
    edit_log: list[dict] = field(default_factory=list)
    #: paper size for printing: A4 (default) or Letter
    paper: str = "A4"
    #: "How sessions unfold" (see :func:`_unfolding`): strips of sessions, findings in words, notes; None without
    #: sessions in order
    unfolding: dict | None = None


def _examples(kept: pd.DataFrame, topic_id: int, redactor: Redactor | None) -> list[str]:
    """The topic's most representative remarks; redacted with pseudonyms numbered per session."""
    members = kept[kept["topic"] == topic_id].sort_values("probability", ascending=False, na_position="last")
    rows = members.drop_duplicates("text").head(EXAMPLES)
    if redactor is None:
        return rows["text"].tolist()
    return [redactor.redact(text, str(session)).text for text, session in zip(rows["text"], rows["session"])]


def _remote_labels(run: TopicRun) -> list[str]:
    """The run's note that label drafts go to another machine (``labels.allow_remote``), if they do."""
    from topics.share.label_endpoint import label_settings, remote_warning

    warning = remote_warning(label_settings(run.config))
    return [warning] if warning else []


def _profile(run: TopicRun, group: str | None, session: str | None, labels: dict[int, str]) -> dict | None:
    if not group and not session:
        return None
    kept = run.kept
    column, value = ("group", group) if group else ("session", session)
    selected = kept[column] == value
    if not selected.any():
        values = sorted(kept[column].dropna().unique().tolist())
        raise TopicsInputError(
            f"no kept remarks with {column} {value!r}; {column}s in this run: "
            f"{', '.join(map(str, values[:20]))}{' ...' if len(values) > 20 else ''}."
        )
    rows = []
    for topic in run.joint.topics:
        inside = float((kept.loc[selected, "topic"] == topic.id).mean())
        rest = float((kept.loc[~selected, "topic"] == topic.id).mean()) if (~selected).any() else 0.0
        rows.append(
            {"topic": topic.id, "label": labels[topic.id], "share": inside, "rest": rest, "difference": inside - rest}
        )
    rows.sort(key=lambda r: -r["share"])
    return {"column": column, "value": value, "remarks": int(selected.sum()), "rows": rows}


def _session_profiles(curator: Curator, path: Path | None, label: Callable[[str], str], redacted: bool) -> list[dict]:
    """Profiles of the sessions of ``path`` (:mod:`topics.analysis.profile`), labels and session names as private
    as the report.

    Each table keeps the session's top topics and every topic where it lies
    outside a reference range.
    """
    if path is None:
        return []
    from topics.analysis.profile import profile_file

    out = []
    for p in profile_file(curator, path, label=label):
        against = {g: p.against(g) for g in p.groups}
        outside = pd.Series(False, index=p.table.index)  # no reference left: only the top topics are shown
        for compared in against.values():
            outside |= compared["verdict"].ne("within")
        shown = p.table[(p.table.index < PROFILE_TOPICS) | outside]
        rows = [
            {
                "topic": int(r["topic"]),
                "label": r["label"],
                "share": r["share"],
                "low": r["low"],
                "high": r["high"],
                "groups": [
                    {
                        "group": g,
                        "share": a.at[index, "share"],
                        "low": a.at[index, "low"],
                        "high": a.at[index, "high"],
                        "from": a.at[index, "sessions_from"],
                        "to": a.at[index, "sessions_to"],
                        "verdict": a.at[index, "verdict"],
                    }
                    for g, a in against.items()
                ],
            }
            for index, r in shown.iterrows()
        ]
        out.append(
            {
                "session": redact_text(p.session) if redacted else p.session,
                "remarks": p.remarks,
                "placed": p.placed,
                "groups": p.groups,
                "rows": rows,
                "findings": [redact_text(f) if redacted else f for f in p.findings],
            }
        )
    return out


def _code_tables(kept: pd.DataFrame, labels: dict[int, str]) -> dict[str, list[dict]]:
    """Topic by code tables for metadata columns with few values (AnnoMI's MI behaviour codes), and the
    language mix of every topic when the remarks are in more than one language."""
    tables = {}
    for column in [c for c in kept.columns if c.startswith("meta_") or c == "language"]:
        values = kept[column].dropna()
        if not 1 < values.nunique() <= MAX_CODE_VALUES:
            continue
        table = pd.crosstab(kept["topic"], kept[column].fillna("(none)"))
        table = table.div(table.sum(axis=1), axis=0)
        tables["detected language" if column == "language" else metadata_name(column)] = [
            {"topic": int(t), "label": labels.get(int(t), "outliers"), **{str(k): float(v) for k, v in row.items()}}
            for t, row in table.iterrows()
        ]
    return tables


#: Strips a group or whole-corpus report shows per group: sessions evenly spaced in session order.
STRIPS_PER_GROUP = 6


def _spread(sessions: list[str], count: int) -> list[str]:
    """``count`` of ``sessions`` evenly spaced in their order (all of them when they are fewer)."""
    if len(sessions) <= count:
        return sessions
    return [sessions[round(i * (len(sessions) - 1) / (count - 1))] for i in range(count)]


def _unfolding(
    run: TopicRun,
    group: str | None,
    session: str | None,
    labels: dict[int, str],
    private: Callable[[str], str],
    draws: int = DRAWS,
) -> tuple[dict | None, str | None]:
    """How sessions unfold, for the report's scope: the strip of the session (``session``), or of up to
    :data:`STRIPS_PER_GROUP` sessions per group, and the findings of ``topics dynamics`` for the scope (a
    session's report: its group's). Returns the section, or None and the reason it is absent."""
    client_label, therapist_label = configured_labels(run)
    try:
        sequence = session_sequence(run, client_label)
    except TopicsInputError as error:
        return None, f"How sessions unfold: {error}"
    if session is not None:
        chosen = {None: [str(session)]}
        rule = ""
        scope = sequence.loc[sequence["session"] == str(session), "group"].dropna()
        group = scope.iloc[0] if len(scope) else None
    else:
        in_scope = sequence if group is None else sequence[sequence["group"] == group]
        by_group = {g: in_order(part["session"].unique()) for g, part in in_scope.groupby(in_scope["group"].fillna(""))}
        chosen = {g: _spread(names, STRIPS_PER_GROUP) for g, names in by_group.items()}
        rule = (
            f"Up to {STRIPS_PER_GROUP} sessions per group, evenly spaced in the order of their ids (the first and the "
            "last among them), so that no one picked them."
        )
    strips = [
        {
            "group": g or "",
            "session": private(name),
            "svg": svgcharts.session_strip(
                sequence[sequence["session"] == name].to_dict("records"),
                labels,
                f"Session {private(name)}",
                legend=session is not None,
            ),
        }
        for g, names in chosen.items()
        for name in names
    ]
    try:
        dynamics = session_dynamics(run, client_label, therapist_label, group=group, draws=draws)
    except TopicsInputError as error:
        return None, f"How sessions unfold: {error}"
    dynamics.labels = labels
    return {
        "grid": _transition_grid(dynamics.transitions, labels, group or "all"),
        "strips": strips,
        "rule": rule,
        "findings": findings(dynamics),
        "notes": dynamics.notes,
        "client_label": client_label,
        "therapist_label": therapist_label,
    }, None


#: The report's grid of what follows what shows the topics of flagged transitions, the largest first.
GRID_TOPICS = 15


def _transition_grid(table: pd.DataFrame, labels: dict[int, str], group: str) -> str | None:
    """The SVG grid of what follows what among the topics of ``group``'s flagged transitions (None if none)."""
    if table.empty:
        return None
    part = table[table["group"] == group]
    flagged = part[part["flag"] != ""]
    if flagged.empty:
        return None
    sizes = part.groupby("mark")["marked"].first()
    topics = sorted(set(flagged["mark"]) | set(flagged["event"]), key=lambda t: -sizes.get(t, 0))[:GRID_TOPICS]
    index = {t: i for i, t in enumerate(topics)}
    ratios = np.full((len(topics), len(topics)), np.nan)
    marked = np.zeros((len(topics), len(topics)), dtype=bool)
    for row in part[part["mark"].isin(index) & part["event"].isin(index)].itertuples():
        ratios[index[row.mark], index[row.event]] = row.ratio
        marked[index[row.mark], index[row.event]] = row.flag != ""
    names = [f"{int(t)}: {plots.short_label(labels.get(int(t), ''))}" for t in topics]
    return svgcharts.transition_grid(names, ratios, marked, "What follows what")


def build_report(
    curator: Curator,
    redacted: bool = True,
    group: str | None = None,
    session: str | None = None,
    draws: int = DRAWS,
    profile: Path | None = None,
) -> Report:
    """Everything a report shows, from the curated run of ``curator``."""
    run = curator.run
    if run.joint is None:
        raise TopicsInputError(f"{run.path}: this run has no joint model; reports describe the joint model.")
    kept = run.kept
    cleaning = run.provenance["cleaning"]
    sizes = group_sizes(run)
    absent = []
    private = redact_label if redacted else (lambda s: s)
    labels = {t.id: private(t.label) for t in run.joint.topics}
    shares_by_topic: dict[int, list[dict]] = {}
    kinds: list[dict] = []
    robust_rows: list[dict] = []
    fragile_rows: list[dict] = []
    notes: list[str] = []
    if len(sizes) >= 2:
        found = group_findings(run, draws=draws)
        notes = found.notes
        for row in found.shares.to_dict("records"):
            shares_by_topic.setdefault(int(row["topic"]), []).append(
                {k: row[k] for k in ("group", "share", "low", "high", "sessions", "of_sessions")}
                | {"cell": share_cell(row["share"], row["low"], row["high"])}
            )
        kinds = [
            {
                "topic": int(k["topic"]),
                "label": labels[int(k["topic"])],
                "kind": found.kind_text(k["topic"]),
                "evidence": k["evidence"],
            }
            for k in found.kinds.to_dict("records")
        ]
        robust_rows, fragile_rows = (
            [
                {
                    "topic": int(r["topic"]),
                    "label": labels[int(r["topic"])],
                    "group": r["group"],
                    "direction": r["direction"],
                    "evidence": r["finding"],
                }
                for _, r in frame.iterrows()
            ]
            for frame in (found.robust, found.fragile)
        )
    else:
        absent.append(
            "Shares per group and shared or group-specific topics: the corpus has "
            + ("one group only" if sizes else "no group column")
            + "; to compare groups (such as schools or MI quality), name the column that holds them in "
            "corpus.columns.group and fit the run again."
        )
    kind_of = {k["topic"]: k["kind"] for k in kinds}
    scores = stability.current_scores(run.path, curator.fitted.joint, run.joint)
    stable = scores or {}
    if scores is None:
        absent.append(
            "Stability across seeds: not measured for this run (a single fit, or one made before runs "
            "stored it); run 'topics stability' with its config to fit it anew with other seeds and see "
            "which topics come back."
        )
    total = len(kept)
    redactor = Redactor(pseudonyms=True) if redacted else None  # one numbering per session across the report
    topics = [
        TopicEntry(
            id=t.id,
            label=labels[t.id],
            description=private(t.description),
            size=t.size,
            share=t.size / max(total, 1),
            words=redact_words(t.top_words(10)) if redacted else t.top_words(10),
            examples=_examples(kept, t.id, redactor),
            groups=shares_by_topic.get(t.id, []),
            kind=kind_of.get(t.id),
            stability=stable.get(t.id),
        )
        for t in run.joint.topics
    ]
    code_tables = _code_tables(kept, labels)
    if not code_tables:
        absent.append(
            f"Tables of topics by code (such as MI behaviour codes): the corpus has no metadata column "
            f"with 2 to {MAX_CODE_VALUES} distinct values; name one in corpus.metadata and fit the run "
            "again to add them."
        )
    edits = [
        {"when": local_time(e.time), "who": e.author, "edit": private(curator.describe(e))} for e in curator.in_effect
    ]
    edit_log = [
        {"when": local_time(e.time), "who": e.author, "edit": private(curator.describe(e)), "status": status}
        for e, status in curator.history()
    ]
    if not edits:
        absent.append(
            "Expert edits: none, the topics are as fitted; rename, merge or discard topics on the "
            "explorer's Curate page ('topics explore') or with 'topics edit'."
        )
    skipped = sum(status.startswith("skipped") for _, status in curator.history())
    edit_log_note = ""
    if curator.damaged_lines or skipped:
        edit_log_note = (
            f"{curator.damaged_lines} line(s) of the edit log were damaged or cut short and {skipped} "
            "edit(s) no longer applied: they were skipped, and this report does not include them "
            "('topics history' lists them)."
        )
    curated_coverage = coverage(run.remarks)  # a discarded topic's remarks count as without a topic
    config = run.config
    methods = {
        "encoder": run.provenance.get("embedding", {}).get("encoder"),
        "device": run.provenance.get("embedding", {}).get("device"),
        "seed": config.get("seed"),
        "reduce": config.get("reduce"),
        "cluster": config.get("cluster"),
        "words": config.get("words"),
        "outliers": config.get("outliers"),
        "clean": config.get("clean"),
        "packages": run.provenance.get("packages"),
        "python": run.provenance.get("python"),
        "corpus_sha256": run.provenance.get("corpus", {}).get("sha256"),
        "fitted": run.provenance.get("created"),
        "metrics": {k: v for k, v in (run.joint.metrics or {}).items() if isinstance(v, (int, float))},
        # coverage as the experts left it (a discard leaves its remarks without a topic); the rest as fitted
        "measures": explained_measures((run.joint.metrics or {}) | curated_coverage),
        "settings": settings_table(config),
    }
    unfolding, missing = _unfolding(run, group, session, labels, private, draws)
    absent += [missing] if missing else []
    summary = {
        "corpus": run.provenance.get("corpus", {}).get("path"),
        "remarks": cleaning["total"],
        "kept": cleaning["kept"],
        "backchannels": cleaning["backchannel"],
        "too_short": cleaning["too_short"],
        "empty": cleaning["empty"],
        "topics": len(topics),
        "outliers": int((kept["topic"] == OUTLIER).sum()),
        "outlier_share": float((kept["topic"] == OUTLIER).mean()) if total else 0.0,
        **curated_coverage,
        "short_said": short_remarks_said(run),
        "groups": sizes,
        "sessions": int(kept["session"].nunique()) if kept["session"].notna().any() else None,
    }
    return Report(
        title=f"Topics in {run.path.name}",
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        redacted=redacted,
        summary=summary,
        topics=topics,
        groups=list(sizes),
        kinds=kinds,
        findings=robust_rows,
        not_robust=fragile_rows,
        notes=notes
        + [w[0].upper() + w[1:] for w in group_model_warnings(run)]
        + ([groups_described(run)] if sizes else [])
        + ([redaction_caveat(run)] if redacted and redaction_caveat(run) else [])
        + _remote_labels(run),
        profile=_profile(run, group, session, labels),
        code_tables=code_tables,
        edits=edits,
        edit_log=edit_log,
        methods=methods,
        absent=absent,
        stability_measured_in=stability.measured_in(run.path),
        edit_log_note=edit_log_note,
        session_profiles=_session_profiles(curator, profile, private, redacted),
        unfolding=unfolding,
    )


def _figures(curator: Curator, report: Report) -> dict[str, str]:
    """Static SVG charts drawn from the report's own (redacted) labels, never from the raw run."""
    run = curator.run
    entries = {t.id: t for t in report.topics}
    by_size = sorted(report.topics, key=lambda t: -t.size)
    xy = plots.topic_map_coordinates(run.joint)
    figures = {
        "sizes": svgcharts.bars(
            [f"{t.id}: {t.label}" for t in by_size], [t.size for t in by_size], "Topic sizes, largest first", unit=""
        ),
        "map": svgcharts.labelled_map(
            xy,
            [t.size for t in run.joint.topics],
            [f"{t.id}: {plots.short_label(entries[t.id].label)}" for t in run.joint.topics],
            "Intertopic map",
        ),
    }
    if report.groups:
        shares = np.array(
            [
                [next((g["share"] for g in t.groups if g["group"] == group), 0.0) for group in report.groups]
                for t in report.topics
            ]
        )
        figures["groups"] = svgcharts.grouped_bars(
            [f"{t.id}: {t.label}" for t in report.topics],
            report.groups,
            shares,
            "Share of each group's remarks per topic",
        )
    return figures


def render_html(curator: Curator, report: Report) -> str:
    """The report as one self-contained HTML page (the ``report.html`` template), its charts inline SVG drawn
    from the report's own labels and ``curator``'s run."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("topics.share", "templates"), autoescape=select_autoescape(["html"]))
    environment.filters["pct"] = lambda v: "" if v is None else f"{percent(v)}"
    template = environment.get_template("report.html")
    return template.render(
        report=report,
        figures=_figures(curator, report),
        python=platform.python_version(),
        stable_at=stability.STABLE,
        group_method=GROUP_METHOD,
        kind_words=KIND_WORDS,
    )


def _md_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    columns = list(rows[0])
    escape = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(escape(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    """The report as Markdown text: summary, topics, group differences, profiles, edits and methods; tables as
    pipe tables, no charts."""
    pct = lambda v: f"{percent(v)}"  # noqa: E731
    s = report.summary
    redaction_said = (
        "redacted: names, phone numbers, e-mail and street addresses and dates are replaced by [PLACEHOLDERS]"
        if report.redacted
        else "NOT redacted (redaction was turned off)"
    )
    out = [
        f"# {report.title}",
        "",
        f"Corpus `{s['corpus']}`: {s['remarks']:,} therapist remarks; {s['kept']:,} were clustered into topics, "
        f"{s['short_said']}; {s['backchannels']:,} backchannels and {s['empty']:,} empty remarks were set aside. "
        f"{s['topics']} topics; "
        f"{pct(s['no_topic_share'])} of the {s['remarks_with_content']:,} remarks that say something belong to none.",
        "",
        f"Example remarks are {redaction_said}.",
        "",
    ]
    if s["groups"]:
        out += ["Remarks in the model per group: " + ", ".join(f"{g} {n:,}" for g, n in s["groups"].items()) + ".", ""]
    out += ["## Topics", ""]
    for t in report.topics:
        out += [f"### {t.id}. {t.label}", ""]
        if t.description:
            out += [t.description, ""]
        line = f"{t.size:,} remarks ({pct(t.share)})"
        if t.kind:
            line += f"; {t.kind}"
        if t.stability is not None:
            line += (
                f"; {'stable' if t.stability >= stability.STABLE else 'unstable'} "
                f"({pct(t.stability)} {report.stability_measured_in})"
            )
        out += [line + ".", "", "Top words: " + ", ".join(t.words), ""]
        if t.groups:
            out += [_md_table([{"group": g["group"], "share (95% interval)": g["cell"]} for g in t.groups]), ""]
        out += [f"> {example}" for example in t.examples] + [""]
    if report.kinds:
        out += ["## Differences between groups", "", GROUP_METHOD, "", "### Findings (robust differences)", ""]
        out += [f"- [{f['topic']}] {f['label']}: {f['evidence']}" for f in report.findings] or ["None."]
        out += ["", "### Flagged but not robust to the seed", ""]
        out += [f"- [{f['topic']}] {f['label']}: {f['evidence']}" for f in report.not_robust] or ["None."]
        out += [""] + [f"> Note: {note}" for note in report.notes] + [""]
        out += [
            "## Shared and group-specific topics",
            "",
            "; ".join(KIND_WORDS.values()).capitalize() + ".",
            "",
            _md_table(
                [
                    {"topic": k["topic"], "label": k["label"], "kind": k["kind"], "evidence": k["evidence"]}
                    for k in report.kinds
                ]
            ),
            "",
        ]
    if report.profile:
        p = report.profile
        out += [
            f"## Profile of {p['column']} {p['value']}",
            "",
            f"{p['remarks']:,} remarks, against the rest of the corpus.",
            "",
            _md_table(
                [
                    {"topic": r["topic"], "label": r["label"], "share": pct(r["share"]), "rest": pct(r["rest"])}
                    for r in p["rows"]
                ]
            ),
            "",
        ]
    for p in report.session_profiles:
        out += [
            f"## Session {p['session']} against the reference groups",
            "",
            f"{p['remarks']:,} remarks, {p['placed']:,} with a topic or outlier. Session share with its 95% interval; "
            "per group: its share with its 95% interval, and the range of its sessions' own shares (middle 95%).",
            "",
            _md_table(
                [
                    {
                        "topic": r["topic"],
                        "label": r["label"],
                        "session": f"{pct(r['share'])} ({pct(r['low'])}-{pct(r['high'])})",
                        **{
                            g["group"]: f"{pct(g['share'])} ({pct(g['low'])}-{pct(g['high'])}); sessions "
                            f"{pct(g['from'])}-{pct(g['to'])}: {g['verdict']}"
                            for g in r["groups"]
                        },
                    }
                    for r in p["rows"]
                ]
            ),
            "",
        ]
        out += [f"- {finding}" for finding in p["findings"]] + [""]
    if report.unfolding:
        u = report.unfolding
        out += ["## How sessions unfold", ""]
        for group, lines in u["findings"].items():
            out += [f"**{group}**", ""] + [f"- {line}" for line in lines] + [""]
        if not u["findings"]:
            out += ["Nothing stands out beyond what each session's own mix of topics and talk expects.", ""]
        out += [f"> {note}" for note in u["notes"]] + ([""] if u["notes"] else [])
        out += [
            "Association, not cause: each finding is tested within sessions (the client's response also within the "
            "client's previous turn), Benjamini-Hochberg at 5 % within each table and group; in brackets a 95 % "
            "interval, a Bayesian bootstrap over sessions. The HTML report draws the sessions as strips.",
            "",
        ]
    for name, rows in report.code_tables.items():
        out += [
            f"## Topics by {name}",
            "",
            "Share of each topic's remarks per code.",
            "",
            _md_table([{k: (pct(v) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]),
            "",
        ]
    out += ["## Expert edits", ""]
    out += [_md_table(report.edits) if report.edits else "No expert edits: the topics are as fitted.", ""]
    if report.edit_log_note:
        out += [f"> Warning: {report.edit_log_note}", ""]
    if report.absent:
        out += ["## Not in this report", ""] + [f"- {a}" for a in report.absent] + [""]
    m = report.methods
    out += [
        "## Methods",
        "",
        f"Encoder {m['encoder']} on {m['device']}; seed {m['seed']}; corpus SHA-256 {m['corpus_sha256']}; "
        f"fitted {m['fitted']}.",
        "",
        _md_table(
            [
                {**r, "value": f"{r['value']:.3f}" if isinstance(r["value"], float) else r["value"]}
                for r in m["measures"]
            ]
        ),
        "",
        _md_table(m["settings"]),
        "",
    ]
    if report.edit_log:
        out += ["## Appendix: the whole edit log", "", _md_table(report.edit_log), ""]
    return "\n".join(out)


def write_tables(curator: Curator, report: Report, target: Path) -> Path:
    """topics.csv, remarks.csv (redacted like the report), group_shares.csv and report.json, atomically."""
    run = curator.run
    labels = {t.id: t.label for t in report.topics}  # as redacted as the report
    with atomic_folder(target) as folder:
        pd.DataFrame(
            [
                {k: v for k, v in asdict(t).items() if k not in ("examples", "groups")} | {"words": ", ".join(t.words)}
                for t in report.topics
            ]
        ).to_csv(folder / "topics.csv", index=False)
        remarks = run.remarks.copy()
        remarks["label"] = remarks["topic"].map(lambda t: labels.get(int(t), "outlier") if pd.notna(t) else pd.NA)
        if report.redacted:
            remarks = redact_frame(remarks)
        remarks.to_csv(folder / "remarks.csv", index=False)
        pd.DataFrame(
            [{"topic": t.id, "label": t.label, **g} for t in report.topics for g in t.groups],
            columns=["topic", "label", "group", "share", "low", "high"],
        ).to_csv(folder / "group_shares.csv", index=False)
        (folder / "report.json").write_text(
            json.dumps(asdict(report), indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return target


def write_report(
    curator: Curator,
    fmt: str = "html",
    out: Path | None = None,
    redacted: bool = True,
    group: str | None = None,
    session: str | None = None,
    profile: Path | None = None,
    paper: str = "A4",
) -> Path:
    """Build the report of ``curator``'s curated run and write it; returns the path written. ``fmt``: ``"html"``
    or ``"md"`` writes one file (default ``report.html`` or ``report.md`` in the run folder), ``"csv"`` a new folder
    of tables (default ``report-tables``; an existing folder raises ``TopicsInputError``). ``paper``: A4 or Letter,
    for printing."""
    report = dataclasses.replace(
        build_report(curator, redacted=redacted, group=group, session=session, profile=profile), paper=paper
    )
    if fmt == "csv":
        target = Path(out) if out else curator.path / "report-tables"
        if target.exists():
            raise TopicsInputError(f"{target}: already exists. Choose another --out folder or remove it.")
        write_tables(curator, report, target)
    else:
        target = Path(out) if out else curator.path / f"report.{'html' if fmt == 'html' else 'md'}"
        if target.is_dir():
            raise TopicsInputError(f"{target}: is a folder; give --out a file name such as report.{fmt}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, render_html(curator, report) if fmt == "html" else render_markdown(report))
    record_output(curator.path, target, f"{fmt} report", redacted, report_sessions(curator.run, group, session))
    return target


def report_sessions(run: TopicRun, group: str | None = None, session: str | None = None) -> list[str] | None:
    """The sessions a report of ``run`` can hold: one session's, a group's, or None for every session."""
    if session is not None:
        return [str(session)]
    if group is not None:
        remarks = run.remarks
        return sorted(remarks.loc[remarks["group"] == group, "session"].astype(str).unique().tolist())
    return None
