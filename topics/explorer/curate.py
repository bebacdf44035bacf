"""Curate: rename, merge (with a preview), discard, undo and redo, on the joint model or a group's model.

Built so that a curation cannot go wrong by accident: the topic list for a
merge has no "select all" and matches ids by prefix, the merge shows
what it will make before it is made and asks for confirmation beyond two
topics, selectors hold topic ids (so they stay on a topic whose label just
changed), forms clear after an edit, and every message names topics by label.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from topics.core.errors import TopicsInputError
from topics.core.run import TopicRun, TopicSet
from topics.curate.editlog import Curator
from topics.curate.edits import merge as merge_topics
from topics.curate.suggest import TopicLikeness, likeness, ranked_pairs
from topics.explorer import common
from topics.share.label_endpoint import LabelDraft, endpoint_drafts, label_settings, remote_warning
from topics.share.plots import topic_dendrogram
from topics.share.report import local_time

JOINT_MODEL = "Joint model (all groups)"
CONFIRM_ABOVE = 2  # merges of more topics than this ask for confirmation
SUGGESTED = 10  # merge candidates listed


@st.cache_resource(show_spinner=False, max_entries=16)
def _cached_likeness(path: str, revision: tuple[int, int], model: str | None, _run: TopicRun) -> TopicLikeness:
    """The likeness of the topics of ``_run`` (the curated run at ``revision``), for every tab."""
    from topics.curate.assign import kept_embeddings

    return likeness(_run, kept_embeddings(common.curator_for(path)), model)


def _likeness(opened: Curator, model: str | None) -> TopicLikeness:
    """The topics' likeness, computed once per state of the curation and model."""
    run, revision = opened.snapshot()
    return _cached_likeness(str(opened.path), revision, model, run)


@st.cache_resource(show_spinner=False, max_entries=16)
def _remark_drafts(
    path: str, revision: tuple[int, int], model: str | None, _run: TopicRun
) -> tuple[dict[int, LabelDraft], list[str]]:
    """Draft labels from the topics' own remarks (nothing sent anywhere) of ``_run`` at ``revision``, for every
    tab."""
    return endpoint_drafts(_run, label_settings(_run.config).model_copy(update={"endpoint": None}), model)


def _draft(opened: Curator, model: str | None, topic: int) -> LabelDraft | None:
    """The draft label of ``topic``: from the topic's own remarks (drafted once per state of the curation and
    model), or from the run's ``labels.endpoint`` once the expert asks for it with the button (one request per
    topic: not on every page draw)."""
    run, revision = opened.snapshot()
    settings = label_settings(run.config)
    key = ("drafts", str(opened.path), revision, model)  # the endpoint's answers: this tab's, asked for here
    if key not in st.session_state:
        st.session_state[key] = _remark_drafts(str(opened.path), revision, model, run)
    if settings.endpoint:

        def ask() -> None:
            with st.spinner(f"Asking {settings.endpoint} for draft labels ..."):
                st.session_state[key] = endpoint_drafts(opened.run, settings, model)

        st.button(f"Draft labels with {settings.model}", on_click=ask, key="ask_endpoint")
    drafts, problems = st.session_state[key]
    for problem in problems:
        st.caption(f"Draft labels: {problem}.")
    return drafts.get(topic)


def _suggestions(opened: Curator, scope: dict, choices: dict[str, int], key: str) -> None:
    """The merge candidates, ranked, with a button that puts a pair into the merge form (its preview shows),
    and the hierarchy of the topics."""
    alike = _likeness(opened, scope.get("model"))
    table = ranked_pairs(alike, SUGGESTED)
    if table.empty:
        return
    with st.expander("Topics that look alike: merge candidates", expanded=False):
        pairs, tree = st.tabs(["Candidate pairs", "Hierarchy"])
        with pairs:
            st.caption(
                "Meaning: cosine of the centroids of the remarks each topic holds now; words: cosine of their "
                "word weights. Ranked by the mean of both ranks; the list follows every edit."
            )
            shown = table.assign(
                first_label=table["first_label"].map(common.shown), second_label=table["second_label"].map(common.shown)
            )
            st.dataframe(shown, hide_index=True, width="stretch")
            by_id = {topic: choice for choice, topic in choices.items()}
            names = {f"{row.rank}. {row.first} + {row.second}": (row.first, row.second) for row in table.itertuples()}
            pick_key = f"suggested_pair_{scope.get('model') or 'joint'}"
            st.selectbox("Pair", list(names), key=pick_key)

            def preview() -> None:  # a callback: it runs before the merge form's widgets are drawn
                first, second = names[st.session_state[pick_key]]
                st.session_state[key] = [by_id[first], by_id[second]]

            st.button("Preview this merge", on_click=preview, key=f"{pick_key}_button")
        with tree:
            st.caption("Topics that join further left are more alike (average linkage of their centroids).")
            figure = topic_dendrogram(alike, [common.shown(label) for label in alike.labels])
            st.plotly_chart(figure, width="stretch", config=common.PLOTLY)


def _merge_form(opened: Curator, topic_set: TopicSet, scope: dict) -> None:
    st.subheader("Merge topics")
    st.caption(
        "The merged topic keeps the smallest id; its words are recomputed from its remarks. "
        "Every other topic keeps its words and label."
    )
    choices = {f"{t.id}: {common.shown(t.label)} ({t.size:,} remarks)": t.id for t in topic_set.topics}
    key = f"merge_topics_{scope.get('model') or 'joint'}"
    _suggestions(opened, scope, choices, key)
    if key in st.session_state:  # after an edit, topics merged away or renamed are no longer the same choices
        st.session_state[key] = [c for c in st.session_state[key] if c in choices]
    # no "select all", and typing "4" matches topics that start with 4, not every id holding a 4
    chosen = st.multiselect("Topics to merge", list(choices), select_all=False, filter_mode="prefix", key=key)
    ids = [choices[c] for c in chosen]
    if len(ids) < 2:
        st.caption("Choose two or more topics to see the merge before making it.")
        return
    try:
        preview = merge_topics(opened.run, ids, opened.words, model=scope.get("model"))
    except TopicsInputError as error:
        st.error(str(error))
        return
    edited = preview.joint if not scope else preview.groups[scope["model"]]
    merged = edited.topic(min(ids))
    st.markdown(
        f"**Preview:** {len(ids)} topics ({', '.join(map(str, sorted(ids)))}) become topic {min(ids)} "
        f"with **{merged.size:,} remarks**; its words would be: "
        f"*{', '.join(common.shown(w) for w in merged.top_words(8))}*."
    )

    def merge() -> None:
        if len(ids) > CONFIRM_ABOVE and not st.session_state.get("merge_confirm"):
            st.session_state[common.ERROR_KEY] = f"Tick the confirmation to merge {len(ids)} topics, or choose fewer."
        elif common.submit(
            opened, "merge", topics=tuple(ids), label=st.session_state.get("merge_label") or None, **scope
        ):
            st.session_state["merge_label"], st.session_state["merge_confirm"] = "", False
            st.session_state[key] = []

    with st.form("merge"):
        st.text_input("Label of the merged topic (optional)", key="merge_label")
        if len(ids) > CONFIRM_ABOVE:
            st.checkbox(f"Yes, merge these {len(ids)} topics into one", key="merge_confirm")
        st.form_submit_button(f"Merge {len(ids)} topics", on_click=merge)


def render() -> None:
    """Draw the Curate page: choose the joint model or a group's, rename, merge (with a preview) and discard its
    topics, undo and redo, and list the edits in effect and the whole edit log."""
    opened = common.curator()
    run = common.view(opened)
    st.title("Curate topics")
    st.caption(
        "Every edit is saved at once in the run's edit log with your name and the time. "
        "Nothing is erased: undo is an edit too."
    )
    models = ([JOINT_MODEL] if run.joint is not None else []) + [f"Model of group {g}" for g in sorted(run.groups)]
    if not models:
        st.warning("This run has no model to curate.")
        return
    chosen_model = st.selectbox(
        "Model to curate",
        models,
        key="curate_model",
        help="The joint model, or one group's own model (fitted on that group alone).",
    )
    model = None if chosen_model == JOINT_MODEL else chosen_model.removeprefix("Model of group ")
    topic_set = run.joint if model is None else run.groups[model]
    scope = {"model": model} if model else {}

    st.subheader("Rename a topic")
    revision = len(opened.history())
    topic = common.topic_picker("Topic", topic_set, key=f"rename_topic_{model or 'joint'}", revision=revision)

    def rename() -> None:  # a callback: it runs before the widgets, so it may clear the form
        if common.submit(
            opened,
            "rename",
            topics=(topic,),
            label=st.session_state.get("rename_label", ""),
            description=st.session_state.get("rename_description") or None,
            **scope,
        ):
            st.session_state["rename_label"] = st.session_state["rename_description"] = ""

    warning = remote_warning(label_settings(opened.run.config))
    if warning:
        st.error(warning)
    drafted = _draft(opened, model, topic) if topic is not None else None
    draft = common.shown(drafted.label) if drafted else ""
    if draft:

        def use_draft() -> None:  # fills the form; the expert still presses Rename (or edits it first)
            st.session_state["rename_label"] = draft

        left, right = st.columns([3, 1])
        source = "the topic's own remarks" if drafted.source == "remarks" else f"the model {drafted.source}"
        left.markdown(f"Draft label, from {source}: **{draft}**")
        if drafted.description:
            left.caption(common.shown(drafted.description))
        right.button("Use the draft", on_click=use_draft, key="use_draft")
    with st.form("rename"):
        st.text_input("New label", key="rename_label")
        st.text_area("Description (optional)", key="rename_description")
        st.form_submit_button("Rename", on_click=rename)

    _merge_form(opened, topic_set, scope)

    st.subheader("Discard a topic")
    st.caption("Its remarks become outliers. Undo brings it back.")
    gone = common.topic_picker("Topic", topic_set, key=f"discard_topic_{model or 'joint'}", revision=revision)
    if st.button("Discard", key="discard_button"):
        common.record(opened, "discard", topics=(gone,), **scope)

    in_effect = opened.in_effect
    left, right = st.columns(2)
    # the buttons say which edit they act on: an expert must not undo a colleague's edit by surprise
    # and act on that edit only: if a colleague's edit came in meanwhile, nothing is undone and the page says so
    shown_undo, shown_redo = opened.last_applied, opened.next_redo
    if left.button("Undo last edit", disabled=shown_undo is None, key="undo_button"):
        common.record(opened, "undo", target=shown_undo.id)
    if shown_undo is not None:
        left.caption("Undoes: " + common.shown(opened.describe(shown_undo)))
    if right.button("Redo", disabled=shown_redo is None, key="redo_button"):
        common.record(opened, "redo", target=shown_redo.id)
    if shown_redo is not None:
        right.caption("Redoes: " + common.shown(opened.describe(shown_redo)))

    st.subheader("Edits in effect")
    if in_effect:
        st.dataframe(
            pd.DataFrame(
                [
                    {"when": local_time(e.time), "who": e.author, "edit": common.shown(opened.describe(e))}
                    for e in in_effect
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("None: the topics are as fitted.")
    history = opened.history()
    if len(history) > len(in_effect):
        with st.expander(f"Full edit log ({len(history)} entries, undone edits and undos included)"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "when": local_time(e.time),
                            "who": e.author,
                            "edit": common.shown(opened.describe(e)),
                            "status": status,
                        }
                        for e, status in history
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
