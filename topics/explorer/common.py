"""What every page shares: the run picker, the author, the cached curator, edit buttons."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import streamlit as st

from topics.core.errors import TopicsInputError, TopicsWarning
from topics.core.formatting import is_share_column, percent_columns
from topics.core.run import OUTLIER, TopicRun, TopicSet, metadata_name
from topics.curate.editlog import Curator
from topics.share.redact import redact_label, redact_run, redaction_caveat

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


def prime_open_run() -> None:
    """Once a page has drawn: count the open run's topic words in the background (once per curator),
    so the first edit on a large run is as quick as the next without slowing the first page."""
    path = st.session_state.get(RUN_KEY)
    if path:
        try:
            curator_for(path).prime_in_background()
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
    state of the curation)."""
    if not private():
        return opened.run
    key = ("private-view", str(opened.path), len(opened.history()), opened.damaged_lines)
    if key not in st.session_state:
        with st.spinner("Redacting names, places and numbers for privacy mode ..."):
            st.session_state[key] = redact_run(opened.run)
    caveat = redaction_caveat(opened.run)
    if caveat:
        st.warning(caveat)
    return st.session_state[key]


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
