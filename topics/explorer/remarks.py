"""Remarks: full-text search over every remark, and moving selected remarks between topics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from topics.explorer import common
from topics.explorer.topic import remark_columns
from topics.run import OUTLIER

MAX_SHOWN = 200


def render() -> None:
    opened = common.curator()
    run = common.view(opened)
    topic_set = common.joint(opened)
    st.title("Remarks")
    st.caption("Search every therapist remark, including those set aside by cleaning (they carry no topic).")
    query = st.text_input("Search text", key="remarks_search")
    include_aside = st.checkbox("Include set-aside remarks (backchannels, very short)", key="remarks_aside")
    remarks = run.remarks if include_aside else run.kept
    found = remarks[remarks["text"].str.contains(query, case=False, regex=False)] if query else remarks
    labels = {t.id: f"{t.id}: {t.label}" for t in topic_set.topics}
    shown = found.head(MAX_SHOWN).copy()
    shown.insert(1, "topic label", shown["topic"].astype(object).map(
        lambda t: "set aside" if pd.isna(t) else ("outlier" if t == OUTLIER else labels.get(int(t), str(t)))))
    st.dataframe(shown[["remark_id", "topic label", *[c for c in remark_columns(shown) if c != "remark_id"], "set_aside"]],
                 hide_index=True, width="stretch")
    st.caption(f"{len(found):,} remark(s) found; the first {min(len(found), MAX_SHOWN)} are shown.")

    st.subheader("Move remarks")
    movable = shown.loc[shown["kept"], "remark_id"].tolist()
    selected = st.multiselect("Remarks to move (by id, from the list above)", movable, key="remarks_selected")
    targets = common.topic_options(topic_set, outliers=True)
    target = st.selectbox("Move them to", list(targets), key="remarks_target")
    if st.button("Move", disabled=not selected):
        common.record(opened, "move", remarks=tuple(selected), to=targets[target])
