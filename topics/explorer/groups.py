"""Groups: topic shares per group side by side, and per-group models next to each other."""

from __future__ import annotations

import streamlit as st

from topics import plots
from topics.compare import group_shares, topic_kinds
from topics.explorer import common
from topics.summary import group_sizes, topic_frame


def render() -> None:
    opened = common.curator()
    run = opened.run
    st.title("Groups")
    sizes = group_sizes(run)
    if not sizes:
        st.info("This corpus has no groups (set corpus.columns.group in the config to compare schools or quality levels).")
        return
    st.caption("Remarks in the model per group: " + ", ".join(f"{g} {n:,}" for g, n in sizes.items()) + ".")
    if run.joint is not None:
        st.subheader("One model for all groups: share of each group's remarks per topic")
        frame = topic_frame(run, "joint", words=5)
        st.plotly_chart(plots.group_shares(frame, list(sizes)), width="stretch")
        shares, differences = group_shares(run, draws=1000, seed=0)
        kinds = topic_kinds(shares).set_index("topic")
        shares["cell"] = shares.apply(lambda r: f"{100 * r['share']:.1f}% ({100 * r['low']:.1f}-{100 * r['high']:.1f})", axis=1)
        table = shares.pivot(index=["topic", "label"], columns="group", values="cell").reset_index()
        table["kind"] = table["topic"].map(lambda t: kinds.loc[t, "kind"] + (
            f": {kinds.loc[t, 'group']}" if kinds.loc[t, "kind"] == "specific" else ""))
        flagged = differences[differences["differs"]]
        table["differs"] = table["topic"].map(lambda t: ", ".join(
            f"{r.group} {100 * r.difference:+.1f} pts" for r in flagged[flagged["topic"] == t].itertuples()))
        st.caption("In brackets: 95% interval from resampling whole sessions. 'differs': the group's share differs "
                   "from all other groups' (false discovery rate 5%). Shared: every group at least half the largest "
                   "share; specific: one group at least 3 times every other.")
        st.dataframe(table, hide_index=True, width="stretch")
    if run.groups:
        st.subheader("A model per group")
        st.caption("Each group's remarks clustered on their own (not changed by edits, which apply to the joint model).")
        columns = st.columns(len(run.groups))
        for column, (name, topic_set) in zip(columns, run.groups.items()):
            with column:
                st.markdown(f"**{name}**: {len(topic_set.topics)} topics, "
                            f"{100 * topic_set.metrics.get('outlier_share', 0):.0f}% outliers")
                st.dataframe(common.percent(topic_frame(run, name, words=5))[["id", "label", "size", "top words"]],
                             hide_index=True, width="stretch")
