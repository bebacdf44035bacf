"""Topic: words, representative remarks, every remark with search and paging, groups and metadata."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from topics.core.facts import group_sizes
from topics.core.formatting import percent
from topics.core.run import metadata_name
from topics.curate import classifier
from topics.explorer import common
from topics.fit import stability
from topics.share import plots

PAGE_SIZE = 25
#: The raw measure behind the word bars, for whoever asks; the page itself speaks of relative weight only.
WORDS_HELP = (
    "The bars are c-TF-IDF weights as BERTopic computes them (how often the word occurs in this topic's "
    "remarks, times the log of how rare it is across all topics), divided by the top word's. Hover a bar "
    "for its raw weight. The scale is this topic's own: compare words within a topic, not between topics."
)


def remark_columns(frame: pd.DataFrame) -> list[str]:
    """The columns worth showing of these remarks: the language only when they are in more than one."""
    base = ["remark_id", "text", "session", "group", "order"]
    shown = [c for c in base if frame[c].notna().any()]
    if "language" in frame and frame["language"].nunique() > 1:
        shown.append("language")
    return shown + [c for c in frame.columns if c.startswith("meta_")]


def render() -> None:
    """Draw the Topic page for the chosen joint-model topic: stability and classifier badges, its words,
    representative remarks, share per group, every remark with search and paging, the short remarks attached
    to it, and its spread over each metadata column."""
    opened = common.curator()
    run = common.view(opened)
    topic_set = common.joint(opened)
    options = common.topic_options(topic_set)
    ids = list(options.values())
    wanted = st.session_state.get(common.TOPIC_KEY)
    choice = st.selectbox("Topic", list(options), index=ids.index(wanted) if wanted in ids else 0)
    topic = topic_set.topic(options[choice])
    st.session_state[common.TOPIC_KEY] = topic.id
    st.title(topic.label)
    scores = stability.current_scores(run.path, opened.fitted.joint, topic_set)
    if scores is not None and scores.get(topic.id) is not None:
        share = scores[topic.id]
        colour, word = ("green", "stable") if share >= stability.STABLE else ("orange", "unstable")
        st.markdown(f":{colour}-badge[{word}: reappears in {share:.0%} {stability.measured_in(run.path)}]")
    recognised = (classifier.topic_f1(opened) or {}).get(topic.id)
    if recognised is not None:
        st.markdown(f":blue-badge[classifier F1 {recognised:.2f} on held-out sessions]")
    if topic.description:
        st.write(topic.description)
    kept = run.kept
    members = kept[kept["topic"] == topic.id]
    st.caption(f"{topic.size:,} remarks, {percent(topic.size / max(len(kept), 1))} of the remarks in the model.")

    left, right = st.columns(2)
    with left:
        st.subheader("Words")
        st.caption(
            "Words ranked by how much more this topic uses them than the other topics do: the top word "
            "is 100, and a word at 50 sets the topic apart half as much.",
            help=WORDS_HELP,
        )
        st.plotly_chart(plots.topic_words(topic.words), width="stretch", config=common.PLOTLY)
    with right:
        st.subheader("Most representative remarks")
        st.caption("The remarks most firmly inside the topic's cluster.")
        for text in members.sort_values("probability", ascending=False)["text"].head(5):
            st.markdown(f"> {text}")
        sizes = group_sizes(run)
        if sizes:
            st.subheader("Share per group")
            st.caption("Share of each group's remarks that are in this topic.")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "group": g,
                            "remarks": topic.group_counts.get(g, 0),
                            "share (%)": round(100 * topic.group_counts.get(g, 0) / n, 1) if n else 0.0,
                        }
                        for g, n in sizes.items()
                    ]
                ),
                hide_index=True,
            )

    st.subheader("All remarks")
    query = st.text_input("Search this topic's remarks", key="topic_search")
    shown = members[members["text"].str.contains(query, case=False, regex=False)] if query else members
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    number = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="topic_page")
    page = shown[remark_columns(shown)].iloc[(number - 1) * PAGE_SIZE : number * PAGE_SIZE].reset_index(drop=True)
    picked = st.dataframe(
        page,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="topic_table",
        column_config=common.column_titles(page) | {"text": st.column_config.TextColumn("text", width="large")},
    )
    st.caption(f"{len(shown):,} remark(s) shown of {len(members):,}. Tick a remark to read it in its session.")
    rows = [r for r in (picked.selection.rows if picked is not None else []) if r < len(page)]
    if rows:
        remark = str(page.iloc[rows[0]]["remark_id"])
        with st.container(border=True):
            st.markdown(f"**Remark {remark} in its session**")
            common.show_in_context(run, remark, query)
    short = run.remarks[run.remarks["attached"] & (run.remarks["topic"] == topic.id).fillna(False)]
    if len(short):
        with st.expander(f"Short remarks attached to this topic ({len(short):,})"):
            st.caption(
                "Remarks too short to shape a topic, given this one because they are most similar to it "
                "(cosine similarity at least assign.min_similarity). They are not counted in its size or words."
            )
            st.dataframe(
                short.sort_values("similarity", ascending=False)[remark_columns(short) + ["similarity"]],
                hide_index=True,
                width="stretch",
                column_config=common.column_titles(short),
            )

    for column in [c for c in kept.columns if c.startswith("meta_")]:
        name = metadata_name(column)
        st.subheader(f"By {name}")
        st.caption(f"How this topic's remarks spread over {name}, against all remarks in the model.")
        table = pd.crosstab(kept[column].fillna("(none)"), kept["topic"] == topic.id)
        table = table.rename(columns={True: "in topic", False: "other topics"})
        table["share of topic (%)"] = (100 * table.get("in topic", 0) / max(len(members), 1)).round(1)
        st.dataframe(table.sort_values("share of topic (%)", ascending=False), width="stretch")
