"""Remarks: full-text search over every remark, each one in its session's context, and moving ticked remarks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from topics.core.run import OUTLIER
from topics.explorer import common
from topics.explorer.topic import remark_columns

MAX_SHOWN = 200


def render() -> None:
    """Draw the Remarks page: full-text search over the remarks, the first ticked remark in its session, and a
    move of the ticked remarks to another topic or to the outliers."""
    opened = common.curator()
    run = common.view(opened)
    topic_set = common.joint(opened)
    st.title("Remarks")
    st.caption(
        "Search every therapist remark: those clustered into topics, the short ones attached to a topic "
        "afterwards, and (ticked below) the backchannels set aside. Tick rows to see a remark among the "
        "turns around it (client turns included) and to move remarks to another topic."
    )
    query = st.text_input("Search text", key="remarks_search")
    include_aside = st.checkbox(
        "Include backchannels and empty remarks (set aside: they carry no topic)", key="remarks_aside"
    )
    remarks = (run.remarks if include_aside else run.placed).assign(placed=run.placement)
    found = remarks[remarks["text"].str.contains(query, case=False, regex=False)] if query else remarks
    labels = {t.id: f"{t.id}: {t.label}" for t in topic_set.topics}
    shown = found.head(MAX_SHOWN).reset_index(drop=True)
    shown.insert(
        1,
        "topic label",
        shown["topic"]
        .astype(object)
        .map(lambda t: "set aside" if pd.isna(t) else ("no topic" if t == OUTLIER else labels.get(int(t), str(t)))),
    )
    columns = ["remark_id", "topic label", *[c for c in remark_columns(shown) if c != "remark_id"], "placed"]
    picked = st.dataframe(
        shown[columns],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key="remarks_table",
        column_config=common.column_titles(shown) | {"text": st.column_config.TextColumn("text", width="large")},
    )
    st.caption(f"{len(found):,} remark(s) found; the first {min(len(found), MAX_SHOWN)} are shown.")
    rows = [r for r in (picked.selection.rows if picked is not None else []) if r < len(shown)]
    if not rows:
        return
    first = shown.iloc[rows[0]]
    st.subheader(f"Remark {first['remark_id']} in its session")
    common.show_in_context(run, str(first["remark_id"]), query)

    movable = shown.iloc[rows]
    movable = movable[movable["kept"] | movable["attached"]]["remark_id"].tolist()
    st.subheader(f"Move the {len(movable)} ticked remark(s)")
    if not movable:
        st.caption("The ticked remarks are backchannels or empty, set aside by cleaning: they carry no topic.")
        return
    target = common.topic_picker(
        "Move them to", topic_set, key="remarks_target", revision=len(opened.history()), outliers=True
    )
    if st.button(f"Move {len(movable)} remark(s)", key="remarks_move"):
        common.record(opened, "move", remarks=tuple(movable), to=target)
