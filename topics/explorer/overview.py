"""Overview: every topic at a glance, the intertopic map and sizes."""

from __future__ import annotations

import streamlit as st

from topics.core.facts import (
    group_share_column,
    group_sizes,
    group_title,
    groups_described,
    short_remarks_said,
    topic_frame,
)
from topics.core.formatting import percent
from topics.curate import classifier
from topics.explorer import common
from topics.fit import stability
from topics.fit.metrics import coverage
from topics.share import plots

ROW_HEIGHT = 35  # Streamlit's row height: every row shown, none scrolled away


def render() -> None:
    """Draw the Overview page: the run's headline numbers, a table of every joint-model topic (with stability
    and classifier F1 where measured), a topic to open, the intertopic map and the topic sizes."""
    opened = common.curator()
    run = common.view(opened)
    topic_set = common.joint(opened)
    cleaning = run.provenance["cleaning"]
    st.title(f"Run {run.path.name}")
    st.caption(
        f"Corpus: {run.provenance['corpus']['path']}. Fitted {run.provenance['created']}; "
        f"{len(opened.in_effect)} expert edit(s) in effect."
    )
    columns = st.columns(4)
    columns[0].metric("Topics", len(topic_set.topics))
    columns[1].metric(
        "Remarks in the model",
        f"{len(run.placed):,}",
        help=f"{cleaning['kept']:,} clustered into topics; {short_remarks_said(run)}.",
    )
    no_topic = coverage(run.remarks, substantive=False)["no_topic_share"]  # of the curated run: edits count
    columns[2].metric(
        "Without a topic",
        f"{percent(no_topic)}",
        help="Share of the remarks in the model that fit no topic well (similarity to every topic below the floor).",
    )
    columns[3].metric(
        "Set aside",
        f"{cleaning['backchannel'] + cleaning['empty']:,}",
        help=f"{cleaning['backchannel']:,} backchannels ('Mm-hmm.') and {cleaning['empty']:,} empty "
        "remarks carry no topic. They stay visible on the Remarks page.",
    )
    st.caption(
        f"{percent(no_topic)} of the remarks in the model belong to no topic. Shares per group are the "
        "share of that group's remarks in the topic. " + groups_described(run)
    )
    frame = topic_frame(run, "joint", words=8)
    scores = stability.current_scores(run.path, opened.fitted.joint, topic_set)
    if scores is not None:
        frame.insert(
            3,
            "stability",
            frame["id"].map(
                lambda t: (
                    "edited since measured"
                    if scores.get(t) is None
                    else f"{'stable' if scores[t] >= stability.STABLE else 'unstable'} ({scores[t]:.0%})"
                )
            ),
        )
        st.caption(
            f"Stability: share {stability.measured_in(run.path)} in which the topic reappears "
            "('topics stability' measures it again with whole refits)."
        )
    recognised = classifier.topic_f1(opened)
    if recognised is not None:
        frame.insert(3, "classifier F1", frame["id"].map(lambda t: recognised.get(t)).round(2))
        st.caption(
            "Classifier F1: how well a machine recognises the topic in sessions it never saw "
            "('topics classifier', cross-validated by session)."
        )
    # narrow share columns before the words, so every group's share is on screen at 1400 px; words take the rest
    groups = {f"{group_share_column(g)} (%)": g for g in group_sizes(run)}
    shown = common.percent(frame).rename(columns={"share (%)": "% of all"} | {c: f"% {g}" for c, g in groups.items()})
    shares = ["% of all", *(f"% {g}" for g in groups.values())]
    first = ["id", "label", "size", *shares]
    table = shown[first + [c for c in shown.columns if c not in first and c != "top words"] + ["top words"]]
    meaning = {"% of all": "Share of all remarks in the model that are in the topic"} | {
        f"% {g}": f"Share of {group_title(run, g)}'s remarks that are in the topic" for g in groups.values()
    }
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(ROW_HEIGHT * len(table) + 40, 2400),
        column_config={
            "id": st.column_config.NumberColumn("id", width="small"),
            "label": st.column_config.TextColumn("label", pinned=True, width="medium"),
            "size": st.column_config.NumberColumn("size", width="small"),
            **{c: st.column_config.NumberColumn(c, width="small", help=meaning[c], format="%.1f") for c in shares},
            "top words": st.column_config.TextColumn(
                "top words", width="large", help="Hover a cell for all its words."
            ),
        },
    )

    options = common.topic_options(topic_set)
    choice = st.selectbox("Open a topic", list(options), key="overview_topic")
    if st.button("Open topic"):
        st.session_state[common.TOPIC_KEY] = options[choice]
        common.switch_to("topic")
    left, right = st.columns(2)
    with left:
        st.subheader("Intertopic map")
        st.caption("Each circle is a topic, sized by its number of remarks; topics close together are worded alike.")
        st.plotly_chart(common.topic_map(opened), width="stretch", config=common.PLOTLY)
    with right:
        st.subheader("Topic sizes")
        st.caption("Largest first.")
        st.plotly_chart(plots.topic_sizes(topic_set), width="stretch", config=common.PLOTLY)
