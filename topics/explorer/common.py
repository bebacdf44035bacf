"""What every page shares: the run picker, the author, the cached curator, edit buttons."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from topics.analysis.compare import GroupFindings, group_findings
from topics.analysis.session_dynamics import SessionDynamics, session_dynamics
from topics.analysis.session_sequence import configured_labels
from topics.core.errors import TopicsInputError, TopicsWarning
from topics.core.facts import group_sizes
from topics.core.formatting import is_share_column, percent_columns
from topics.core.run import OUTLIER, TopicRun, TopicSet, metadata_name
from topics.curate.editlog import Curator
from topics.share import plots
from topics.share.redact import RedactedTexts, redact_label, redact_run, redacted_texts, redaction_caveat

RUN_KEY = "run_path"
AUTHOR_KEY = "author"
TOPIC_KEY = "topic_id"
FLASH_KEY = "flash"
PRIVACY_KEY = "privacy"
ERROR_KEY = "edit_error"
#: plotly charts without the mode bar, which covers the first bar and legend titles
PLOTLY = {"displayModeBar": False}

#: The explorer's pages by name, filled by :func:`topics.explorer.router.run_app` when the app starts: a page
#: links to another through here, so no page imports the router that imports every page.
PAGES: dict[str, st.Page] = {}


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[str]]:
    """The explorer's face of the warning channel: the messages of the :class:`TopicsWarning` raised inside the
    block, in a list the page keeps with its result and shows with ``st.warning`` (other warnings go on to
    Python as usual)."""
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TopicsWarning)
        try:
            yield said
        finally:  # what was said before an error is still said
            said += [str(w.message) for w in caught if issubclass(w.category, TopicsWarning)]
    for warning in caught:
        if not issubclass(warning.category, TopicsWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def switch_to(name: str) -> None:
    """Open the page ``name`` ("topic", "groups", ...)."""
    st.switch_page(PAGES[name])


@st.cache_resource(show_spinner="Opening the run…", max_entries=8)
def curator_for(path: str) -> Curator:
    """One curator per run folder, shared by every tab; it re-reads only new log lines."""
    return Curator(Path(path))


# -- what pages need that is slow, computed once per run and state of its curation -------------------------------
#
# Kept in ``st.cache_resource``: one copy per server process, shared by every browser tab, and filled before the
# first visitor by :func:`prime` (the server starts it beside Streamlit, and every page draw starts it for the run as
# it is then). Each is keyed on the run folder and what it is computed from: the assignment of remarks to topics
# (:func:`fingerprint`) for the group findings and the session dynamics, which a rename leaves alone; the curation's
# revision (:meth:`Curator.snapshot`: log entries read) for whatever shows labels. An edit, undo or redo, made here
# or in another tab or by ``topics`` on the command line, changes the key, so no page shows a state without it.
# Pages never change what these return.


@st.cache_resource(show_spinner=False, max_entries=32)
def fingerprint(path: str, revision: tuple[int, int], _run: TopicRun) -> str:
    """The assignment of ``_run``'s remarks to joint-model topics (short remarks attached included) and its
    topics' ids, as a digest (``_run``: the curated run at ``revision``). A rename or an edit of a group's own
    model leaves it; a merge, move, discard or withdrawn session changes it."""
    digest = hashlib.sha256()
    remarks = _run.remarks
    digest.update(remarks["remark_id"].astype(str).str.cat(sep="\n").encode())
    digest.update(np.ascontiguousarray(remarks["topic"].fillna(-2).to_numpy(dtype=np.int64)).tobytes())
    digest.update(repr([t.id for t in _run.joint.topics] if _run.joint is not None else None).encode())
    return digest.hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=8)
def findings(path: str, assignment: str, _run: TopicRun) -> GroupFindings:
    """The group findings (permutation tests over sessions, seconds) of ``_run``, whose assignment is
    ``assignment``; with the labels of when they were computed (:meth:`GroupFindings.relabelled` names them as
    they are now)."""
    return group_findings(_run)


@st.cache_resource(show_spinner=False, max_entries=16)
def dynamics(
    path: str, assignment: str, client_label: str | None, therapist_label: str | None, _run: TopicRun
) -> SessionDynamics:
    """How the sessions of ``_run`` unfold, followed with these labels (exact tests within sessions)."""
    return session_dynamics(_run, client_label, therapist_label)


@st.cache_resource(show_spinner=False, max_entries=8)
def private_texts(path: str) -> RedactedTexts:
    """The run's remark and client-turn texts redacted for privacy mode: once per run, since edits change no
    text (:func:`topics.share.redact.redact_run` checks that the remarks are still the same)."""
    return redacted_texts(curator_for(path).fitted)


@st.cache_resource(show_spinner=False, max_entries=4)  # each a copy of the remarks: a few states at a time
def private_view(path: str, revision: tuple[int, int], _run: TopicRun) -> TopicRun:
    """The curated run at ``revision`` as privacy mode shows it."""
    return redact_run(_run, private_texts(path))


@st.cache_resource(show_spinner=False, max_entries=16)
def _topic_map(path: str, revision: tuple[int, int], private: bool, _topic_set: TopicSet) -> go.Figure:
    return plots.intertopic_map(_topic_set)


def topic_map(opened: Curator) -> go.Figure:
    """The joint model's intertopic map as the Overview shows it (labels placed so that none overlap: half a
    second on AnnoMI), drawn once per state of the curation and mode for every tab. Streamlit only reads it."""
    run, revision = opened.snapshot()
    path = str(opened.path)
    shown = private_view(path, revision, run) if private() else run
    return _topic_map(path, revision, private(), shown.joint)


_PRIMED: dict[tuple[str, tuple[int, int]], threading.Thread] = {}
_PRIMING = threading.Lock()


def prime(path: str) -> None:
    """Start computing, in a daemon thread, what the slow pages need for the run at ``path`` as it is now:
    the redacted texts, the group findings and the session dynamics with the config's labels. Once per run and
    revision; a page that asks meanwhile waits for the same computation rather than starting another. The
    Overview's topic map too."""
    opened = curator_for(path)
    run, revision = opened.snapshot()
    with _PRIMING:
        if (path, revision) in _PRIMED:
            return
        while len(_PRIMED) >= 32:
            _PRIMED.pop(next(iter(_PRIMED)))
        _PRIMED[path, revision] = thread = threading.Thread(
            target=_prime, args=(path, revision, run), name="prime-pages", daemon=True
        )
    thread.start()


def _prime(path: str, revision: tuple[int, int], run: TopicRun) -> None:
    with contextlib.suppress(AttributeError, OSError):  # Linux: a thread's own niceness; pages draw first
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    try:
        if run.joint is not None:
            _topic_map(path, revision, False, run.joint)
        assignment = fingerprint(path, revision, run)
        if run.joint is not None and len(group_sizes(run)) >= 2:
            findings(path, assignment, run)
        if run.joint is not None:
            dynamics(path, assignment, *configured_labels(run), run)
        private_texts(path)
    except Exception:  # noqa: BLE001  a head start only: the page that needs it computes it and says what failed
        pass


def prime_open_run() -> None:
    """Once a page has drawn: count the open run's topic words in the background (once per curator),
    so the first edit on a large run is as quick as the next without slowing the first page, and
    :func:`prime` the slow pages for the run as it is now."""
    path = st.session_state.get(RUN_KEY)
    if path:
        try:
            curator_for(path).prime_in_background()
            prime(path)
        except TopicsInputError:
            pass  # the page has already said why the run cannot be opened


def list_runs(root: Path = Path("outputs")) -> list[Path]:
    """Run folders under ``root``, newest first."""
    if not root.is_dir():
        return []
    runs = [p for p in root.iterdir() if (p / "provenance.json").exists() and not p.name.startswith(".")]
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def sidebar() -> None:
    """Run picker and the author's name, asked once and kept across reloads (in the page's query parameters)."""
    with st.sidebar:
        runs = [str(p) for p in list_runs()]
        current = st.session_state.get(RUN_KEY)
        if current and current not in runs:
            runs.insert(0, current)
        if runs:
            chosen = st.selectbox(
                "Run",
                runs,
                index=runs.index(current) if current in runs else 0,
                help="Run folders under outputs/, newest first.",
            )
            if chosen != current:
                st.session_state[RUN_KEY] = chosen
                st.session_state.pop(TOPIC_KEY, None)
        else:
            st.info("No runs under outputs/ yet. Fit one with: topics fit configs/demo.yaml")
        if AUTHOR_KEY not in st.session_state and st.query_params.get(AUTHOR_KEY):
            st.session_state[AUTHOR_KEY] = st.query_params[AUTHOR_KEY]  # a reload keeps the page's address
        st.text_input(
            "Your name",
            key=AUTHOR_KEY,
            on_change=_remember_author,
            help="Recorded with every edit you make, with the time. Kept in the page's address, "
            "so a reload or a bookmark keeps it.",
        )
        if PRIVACY_KEY not in st.session_state:
            st.session_state[PRIVACY_KEY] = st.query_params.get(PRIVACY_KEY) == "on"
        st.toggle(
            "Privacy mode",
            key=PRIVACY_KEY,
            on_change=_remember_privacy,
            help="For screen sharing in a supervision meeting: every remark, label and word is shown with "
            "names, places and numbers replaced. Edits still work.",
        )


def _remember_privacy() -> None:
    if st.session_state.get(PRIVACY_KEY):
        st.query_params[PRIVACY_KEY] = "on"
    else:
        st.query_params.pop(PRIVACY_KEY, None)


def private() -> bool:
    """Whether privacy mode (the sidebar's toggle) is on in this browser session."""
    return bool(st.session_state.get(PRIVACY_KEY))


def view(opened: Curator) -> TopicRun:
    """The run as the pages show it: the curated run, or in privacy mode its redacted copy (made once per
    state of the curation, for every tab: :func:`private_view`)."""
    if not private():
        return opened.run
    run, revision = opened.snapshot()
    with st.spinner("Redacting names, places and numbers for privacy mode ..."):
        shown = private_view(str(opened.path), revision, run)
    caveat = redaction_caveat(run)
    if caveat:
        st.warning(caveat)
    return shown


def shown(text: str) -> str:
    """A label or line for the screen: redacted in privacy mode."""
    return redact_label(text) if private() else text


def _remember_author() -> None:
    name = (st.session_state.get(AUTHOR_KEY) or "").strip()
    if name:
        st.query_params[AUTHOR_KEY] = name
    else:
        st.query_params.pop(AUTHOR_KEY, None)


def curator() -> Curator:
    """The open run's curator, refreshed with other tabs' edits; stops the page with a message if it cannot open."""
    path = st.session_state.get(RUN_KEY)
    if not path:
        st.info("Choose a run in the sidebar, or start the explorer with a run folder: topics explore RUN")
        st.stop()
    try:
        opened = curator_for(path)
    except TopicsInputError as error:
        st.error(f"This run cannot be opened: {error}")
        st.stop()
    opened.refresh()
    for warning in opened.warnings:
        st.warning(warning)
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
    problem = st.session_state.pop(ERROR_KEY, None)
    if problem:
        st.error(problem)
    return opened


def joint(opened: Curator) -> TopicSet:
    """The joint model as the pages show it (redacted in privacy mode); a run without one stops the page with
    a warning."""
    topic_set = view(opened).joint
    if topic_set is None:
        st.warning("This run has only per-group models; see the Groups page.")
        st.stop()
    return topic_set


def topic_options(topic_set: TopicSet, outliers: bool = False) -> dict[str, int]:
    """Choices for a topic selector: ``"id: label"`` to topic id, and with ``outliers`` also
    ``"Outliers (no topic)"`` to -1."""
    options = {f"{t.id}: {t.label}": t.id for t in topic_set.topics}
    if outliers:
        options["Outliers (no topic)"] = OUTLIER
    return options


def submit(opened: Curator, op: str, **fields) -> bool:
    """Make an edit in the author's name and leave a message for the next run of the page (what was saved,
    in words, or why nothing was). Safe in a widget callback, where forms can still be cleared."""
    author = (st.session_state.get(AUTHOR_KEY) or "").strip()
    if not author:
        st.session_state[ERROR_KEY] = "Enter your name in the sidebar first: every edit is recorded with its author."
        return False
    try:
        edit = opened.record(op, author, **fields)
    except TopicsInputError as error:
        st.session_state[ERROR_KEY] = str(error)
        return False
    st.session_state[FLASH_KEY] = f"Saved. {shown(opened.describe(edit))}."
    return True


def record(opened: Curator, op: str, **fields) -> bool:
    """:func:`submit` from a page's own code: the page runs again at once to show the new state."""
    done = submit(opened, op, **fields)
    st.rerun()
    return done


def topic_picker(label: str, topic_set: TopicSet, key: str, revision: int, outliers: bool = False) -> int:
    """A topic selector that stays on its topic across edits, showing the topic's current label.

    The chosen id is remembered under ``key``; the widget itself is new for
    every ``revision`` of the curation (the browser would otherwise keep
    showing a renamed topic's old label), opened on the remembered topic.
    """
    names = {t.id: shown(t.label) for t in topic_set.topics} | ({OUTLIER: "Outliers (no topic)"} if outliers else {})
    ids = list(names)
    remembered = st.session_state.get(key)
    chosen = st.selectbox(
        label,
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=lambda t: names[t] if t == OUTLIER else f"{t}: {names[t]}",
        key=f"{key}@{revision}",
    )
    st.session_state[key] = chosen
    return chosen


def percent(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for the screen: each ``share`` column as a percentage rounded to one decimal and
    renamed ``"... (%)"``."""
    shown = percent_columns(frame)
    return shown.rename(columns={c: f"{c} (%)" for c in shown.columns if is_share_column(c)})


def show_in_context(run: TopicRun, remark_id: str, query: str = "") -> None:
    """The remark with the turns around it in its session: client turns included, set-aside remarks marked,
    the search term highlighted."""
    from topics.analysis.remark_context import in_context

    try:
        turns = in_context(run, remark_id)
    except TopicsInputError as error:
        st.warning(str(error))
        return
    labels = {t.id: t.label for t in run.joint.topics} if run.joint else {}
    for turn in turns.to_dict("records"):
        text = highlight_query(str(turn["text"]), query)
        role = str(turn["role"] or "turn").capitalize()
        notes = []
        if isinstance(turn["set_aside"], str):
            notes.append(f"set aside: {turn['set_aside'].replace('_', ' ')}")
        elif pd.notna(turn["kept"]) and bool(turn["kept"]) and pd.notna(turn["topic"]):
            topic = int(turn["topic"])
            notes.append("outlier" if topic == OUTLIER else f"topic {topic}: {shown(labels.get(topic, ''))}")
        note = f" ({'; '.join(notes)})" if notes else ""
        if turn["this"]:
            st.markdown(f"**▶ {role}{note}:** {text}")
        else:
            st.markdown(f":gray[{role}{note}:] {text}")


def highlight_query(text: str, query: str) -> str:
    """``text`` for the screen (redacted in privacy mode) with the whole words a text search for ``query``
    hits highlighted (:func:`topics.analysis.remark_context.query_spans`)."""
    from topics.analysis.remark_context import query_spans

    text = shown(text)
    return _highlighted(text, query_spans(text, query))


def highlight_term(text: str, term: str, language: str | None = None) -> str:
    """``text`` (a remark in ``language``) for the screen (redacted in privacy mode) with every form of the
    looked-up ``term`` highlighted, whole words only (:func:`topics.analysis.word_lookup.term_spans`)."""
    from topics.analysis.word_lookup import term_spans

    text = shown(text)
    return _highlighted(text, term_spans(text, term, language))


def _highlighted(text: str, spans: list[tuple[int, int]]) -> str:
    """Each span (whole words, no brackets: see the callers) as Streamlit's ``:orange-background[...]``,
    with no character added or removed around it, so "not feeling." stays "not feeling." on screen.

    Characters next to a mark that would change how Streamlit's directive syntax reads it are
    backslash-escaped, which Markdown shows unchanged: a colon right before the mark (``::name[...]`` is no
    directive, the markup would show), a lone backslash right before it (it would escape the mark's colon)
    and a brace right after it (``]{...}`` would be read as the directive's attributes). The coloured box
    has a little padding (Streamlit's CSS): that is the highlight's edge, not a space in the text.
    """
    pieces, at = [], 0
    for start, end in [*spans, (len(text), None)]:
        between = text[at:start]
        if at and between.startswith("{"):  # right after a mark
            between = "\\" + between
        if end is not None:  # right before a mark
            if between.endswith(":"):
                between = between[:-1] + "\\:"
            elif (len(between) - len(between.rstrip("\\"))) % 2:
                between += "\\"
            pieces += [between, f":orange-background[{text[start:end]}]"]
            at = end
        else:
            pieces.append(between)
    return "".join(pieces)


def column_titles(frame: pd.DataFrame) -> dict:
    """``column_config`` naming a table's metadata columns as a reader would ("presenting problem", not
    "meta_presenting_problem")."""
    return {c: st.column_config.Column(metadata_name(c)) for c in frame.columns if c.startswith("meta_")}
