"""Sessions: one session as a strip of its turns with a stretch of it to read, then how the run's sessions
unfold (where topics come, what follows what, how the client responds)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from topics.analysis.remark_context import session_turns
from topics.analysis.session_dynamics import SessionDynamics, findings
from topics.analysis.session_sequence import SET_ASIDE, configured_labels, in_order, session_sequence
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, TopicRun
from topics.curate.editlog import Curator
from topics.explorer import common
from topics.share import plots, svgcharts

NONE = "(none)"
STRETCH = 12  # turns shown to read at first


def _labels_of(frame: pd.DataFrame | None) -> list[str]:
    """The label columns (``meta_*``) of ``frame`` with two to twenty values: what can be followed."""
    if frame is None:
        return []
    return [
        c.removeprefix("meta_")
        for c in frame.columns
        if c.startswith("meta_") and 2 <= frame[c].dropna().nunique() <= 20
    ]


def _dynamics(opened: Curator, client_label: str | None, therapist_label: str | None) -> SessionDynamics:
    """Computed once per assignment of remarks to topics and pair of labels, for every tab
    (:func:`common.dynamics`): an edit that moves remarks tests again, a rename does not."""
    run, revision = opened.snapshot()
    path = str(opened.path)
    with st.spinner("Following every session (exact tests within sessions)…"):
        return common.dynamics(path, common.fingerprint(path, revision, run), client_label, therapist_label, run)


def _pick(label: str, options: list[str], preferred: str, key: str) -> str | None:
    choices = [NONE, *options]
    index = choices.index(preferred) if preferred in choices else 0
    chosen = st.selectbox(label, choices, index=index, key=key)
    return None if chosen == NONE else chosen


def _stretch(run: TopicRun, turns: pd.DataFrame, labels: dict[int, str], client_label: str | None) -> None:
    """A stretch of the session to read: the turns chosen on the slider, with topic, label and text."""
    if len(turns) > 1:
        first, last = st.slider("Turns to read", 1, len(turns), (1, min(len(turns), STRETCH)), key="sessions_stretch")
    else:
        first, last = 1, 1  # a slider needs two ends
    texts = session_turns(run)[["remark_id", "text"]].astype({"remark_id": "string"})
    part = turns.iloc[first - 1 : last].merge(texts, on="remark_id", how="left")
    for turn in part.to_dict("records"):
        if turn["therapist"]:
            state = int(turn["state"])
            what = (
                "set aside"
                if state == SET_ASIDE
                else "no topic"
                if state == OUTLIER
                else f"{state}. {labels.get(state, '')}"
            )
            st.markdown(
                f"**{turn['step'] + 1}. Therapist** :gray[({what})]: {common.highlight_query(turn['text'], '')}"
            )
        else:
            said = f" :gray[({turn['client_label']})]" if client_label and pd.notna(turn.get("client_label")) else ""
            # redacted in privacy mode here: the client's words come from the corpus file, not the redacted run
            st.markdown(f"{turn['step'] + 1}. Client{said}: {common.highlight_query(turn['text'], '')}")


def _across(opened: Curator, run: TopicRun, client_label: str | None, therapist_label: str | None) -> None:
    """Findings and tables over every session, for all and each group."""
    st.subheader("Across sessions")
    labels = {t.id: t.label for t in run.joint.topics} if run.joint is not None else {}
    # the view's labels (redacted in privacy mode), on a copy: the cached dynamics are every tab's
    dynamics = dataclasses.replace(_dynamics(opened, client_label, therapist_label), labels=labels)
    said = findings(dynamics)
    if not said:
        st.write("Nothing stands out beyond what each session's own mix of topics and talk expects.")
    for group, lines in said.items():
        st.markdown(f"**{group}**\n" + "\n".join(f"- {line}" for line in lines))
    for note in dynamics.notes:
        st.caption(note)
    st.caption(
        "Association, not cause. Each finding is tested within sessions (the client response also within the "
        "client's previous label), so a session's own mix of topics or a run of change talk already under way "
        "cannot pass for an effect; Benjamini-Hochberg at 5 % within each table and group. In brackets: 95 % "
        "interval, a Bayesian bootstrap over sessions."
    )
    transitions = dynamics.transitions
    if not transitions.empty:
        st.markdown("**What follows what** (all sessions; a dot marks a flagged pair)")
        shown = transitions[transitions["group"] == "all"]
        st.plotly_chart(plots.transition_heatmap(shown, labels), width="stretch", config=common.PLOTLY)
    for name, table in dynamics.tables().items():
        if table.empty:
            continue
        with st.expander(name.replace("_", " ").capitalize()):
            shown = table.assign(topic=table["mark"].map(lambda t: f"{int(t)}. {labels.get(int(t), '')}"))
            st.dataframe(common.percent(shown.drop(columns=["mark"])), hide_index=True, width="stretch")


def render() -> None:
    """Draw the Sessions page: pick a session and see its turns as a strip, read a stretch of it, then the
    findings over every session."""
    opened = common.curator()
    run = common.view(opened)
    st.title("Sessions")
    client_options, therapist_options = _labels_of(run.client_turns), _labels_of(run.remarks)
    client_default, therapist_default = configured_labels(run)
    left, right = st.columns(2)
    with left:
        client_label = _pick("Client label", client_options, client_default or "", "sessions_client_label")
    with right:
        therapist_label = _pick(
            "Therapist label", therapist_options, therapist_default or "", "sessions_therapist_label"
        )
    try:
        sequence = session_sequence(run, client_label)
    except TopicsInputError as error:
        st.info(str(error))
        return
    sessions = in_order(sequence["session"].unique())
    session = st.selectbox("Session", sessions, format_func=common.shown, key="sessions_session")
    turns = sequence[sequence["session"] == session].reset_index(drop=True)
    labels = {t.id: t.label for t in run.joint.topics} if run.joint is not None else {}
    st.html(svgcharts.session_strip(turns.to_dict("records"), labels, f"Session {common.shown(str(session))}"))
    st.caption(
        "Each cell is a turn, in order: the upper row the therapist's remarks in their topic's colour (grey: no "
        "topic; pale: set aside), the lower row the client's turns"
        + (f" in the colour of their {client_label}" if client_label else "")
        + ". Dashed lines mark the fifths of the session's placed remarks (the phases of the tests below). Hover a "
        "cell to name it."
    )
    _stretch(run, turns, labels, client_label)
    _across(opened, run, client_label, therapist_label)
