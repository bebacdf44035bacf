"""Curate: merge, rename, discard, undo and redo, on the joint model or a group's model, with the edit history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from topics.explorer import common


JOINT_MODEL = "Joint model (all groups)"


def render() -> None:
    opened = common.curator()
    run = common.view(opened)
    st.title("Curate topics")
    st.caption("Every edit is saved at once in the run's edit log with your name and the time. "
               "Nothing is erased: undo is an edit too.")
    models = ([JOINT_MODEL] if run.joint is not None else []) + [f"Model of group {g}" for g in sorted(run.groups)]
    if not models:
        st.warning("This run has no model to curate.")
        return
    chosen_model = st.selectbox("Model to curate", models, key="curate_model",
                                help="The joint model, or one group's own model (fitted on that group alone).")
    model = None if chosen_model == JOINT_MODEL else chosen_model.removeprefix("Model of group ")
    topic_set = run.joint if model is None else run.groups[model]
    options = common.topic_options(topic_set)
    scope = {"model": model} if model else {}

    with st.form("rename"):
        st.subheader("Rename a topic")
        choice = st.selectbox("Topic", list(options), key="rename_topic")
        label = st.text_input("New label", key="rename_label")
        description = st.text_area("Description (optional)", key="rename_description")
        if st.form_submit_button("Rename"):
            common.record(opened, "rename", topics=(options[choice],), label=label, description=description or None,
                          **scope)

    with st.form("merge"):
        st.subheader("Merge topics")
        st.caption("The merged topic keeps the smallest id; its words are recomputed from its remarks. "
                   "Every other topic keeps its words and label.")
        chosen = st.multiselect("Topics to merge", list(options), key="merge_topics")
        merged_label = st.text_input("Label of the merged topic (optional)", key="merge_label")
        if st.form_submit_button("Merge"):
            common.record(opened, "merge", topics=tuple(options[c] for c in chosen), label=merged_label or None,
                          **scope)

    with st.form("discard"):
        st.subheader("Discard a topic")
        st.caption("Its remarks become outliers. Undo brings it back.")
        gone = st.selectbox("Topic", list(options), key="discard_topic")
        if st.form_submit_button("Discard"):
            common.record(opened, "discard", topics=(options[gone],), **scope)

    left, right = st.columns(2)
    if left.button("Undo last edit", disabled=not opened.can_undo):
        common.record(opened, "undo")
    if right.button("Redo", disabled=not opened.can_redo):
        common.record(opened, "redo")

    st.subheader("Edit history")
    history = opened.history()
    if history:
        st.dataframe(pd.DataFrame([{"time": e.time, "author": e.author, "edit": common.shown(e.describe()), "status": status}
                                   for e, status in history]), hide_index=True, width="stretch")
    else:
        st.caption("No edits yet.")
