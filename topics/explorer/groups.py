"""Groups: topic shares per group with tested differences, and per-group models beside the joint one."""

from __future__ import annotations

import streamlit as st

from topics.analysis.compare import KIND_WORDS, ROBUST_SHARE, GroupFindings, align_to_joint
from topics.core.facts import group_model_warnings, group_sizes, groups_described, topic_frame
from topics.core.formatting import percent
from topics.curate.editlog import Curator
from topics.explorer import common
from topics.share import plots
from topics.share.redact import redact_frame


def _findings(opened: Curator) -> GroupFindings:
    """The group findings of the curated run, named with its labels: computed once per assignment of remarks
    to topics (a merge, move or discard tests again; a rename does not), for every tab (:func:`common.findings`)."""
    run, revision = opened.snapshot()
    path = str(opened.path)
    with st.spinner("Testing group differences (permutations over sessions)…"):
        found = common.findings(path, common.fingerprint(path, revision, run), run)
    return found.relabelled({t.id: t.label for t in run.joint.topics})


def render() -> None:
    """Draw the Groups page: each group's share of every joint-model topic with the tested differences and
    findings, then each group's own model beside the joint topics that hold most of its topics' remarks."""
    opened = common.curator()
    run = common.view(opened)
    st.title("Groups")
    sizes = group_sizes(run)
    if not sizes:
        st.info(
            "This corpus has no groups (set corpus.columns.group in the config to compare schools or quality levels)."
        )
        return
    st.caption(groups_described(run))
    if run.joint is not None:
        st.subheader("One model for all groups: share of each group's remarks per topic")
        frame = topic_frame(run, "joint", words=5)
        st.plotly_chart(plots.group_shares(frame, list(sizes)), width="stretch", config=common.PLOTLY)
        found = _findings(opened)
        for note in found.notes:
            st.warning(note)
        robust, fragile, table = found.robust, found.fragile, found.share_table()
        if common.private():
            robust, fragile, table = (redact_frame(f) for f in (robust, fragile, table))
        st.markdown("**Findings** (flagged and robust to the seed; a group's share higher or lower than the rest's):")
        if robust.empty:
            st.write("No difference between groups is both flagged and robust to the seed.")
        for row in robust.itertuples():
            st.markdown(f"- **{row.topic}. {row.label}**: {row.finding}")
        if not fragile.empty:
            st.caption(
                "Flagged in this model but not robust to the seed (fewer than "
                f"{ROBUST_SHARE:.0%} of seed models agree): "
                + "; ".join(f"{r.topic}. {r.label} ({r.group} {r.direction})" for r in fragile.itertuples())
            )
        st.caption(
            f"In brackets: 95% interval (Bayesian bootstrap over whole sessions, {found.draws:,} draws, never "
            "zero wide). Differences are tested by shuffling the group labels of whole sessions, corrected for "
            "testing every topic (q < 0.05). " + " ".join(w[0].upper() + w[1:] + "." for w in KIND_WORDS.values())
        )
        st.dataframe(table, hide_index=True, width="stretch")
    if run.groups:
        st.subheader("A model per group")
        for warning in group_model_warnings(run):
            st.warning(warning[0].upper() + warning[1:])
        settings = run.provenance.get("group_cluster_settings") or {}
        st.caption(
            "Each group's remarks clustered on their own, with cluster sizes scaled to the group's size "
            "(curate them on the Curate page by choosing the group's model). Beside each group topic: the "
            "joint topic holding most of its remarks."
        )
        columns = st.columns(len(run.groups))
        for column, (name, topic_set) in zip(columns, run.groups.items()):
            with column:
                scaled = settings.get(name, {})
                st.markdown(
                    f"**{name}**: {len(topic_set.topics)} topics, "
                    f"{percent(topic_set.metrics.get('outlier_share', 0), 0)} outliers"
                    + (f" (min_cluster_size {scaled['min_cluster_size']})" if scaled else "")
                )
                own = common.percent(topic_frame(run, name, words=5))[["id", "label", "size", "top words"]]
                if run.joint is not None:
                    joint = align_to_joint(run, name).set_index("group topic")
                    own["joint topic"] = own["id"].map(
                        lambda t, joint=joint: (
                            f"{joint.loc[t, 'joint topic']}: {joint.loc[t, 'joint label']}"
                            if joint.loc[t, "joint topic"] is not None
                            else ""
                        )
                    )
                    own["overlap (%)"] = own["id"].map(
                        lambda t, joint=joint: round(100 * joint.loc[t, "share of its remarks"])
                    )
                st.dataframe(own, hide_index=True, width="stretch")
