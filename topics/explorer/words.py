"""Words: look up a word or phrase and see the topics it belongs to, with its weight and remarks that say it."""

from __future__ import annotations

import streamlit as st

from topics.errors import TopicsInputError
from topics.explorer import common
from topics.lookup import word_topics


def render() -> None:
    opened = common.curator()
    run = common.view(opened)
    common.joint(opened)
    st.title("Words")
    st.caption("Which topics use a word or phrase, how much it weighs in each (the c-TF-IDF weight the topics' "
               "own words come from), and remarks that say it.")
    term = st.text_input("Word or phrase", key="words_term", placeholder="e.g. homework, scale, drinking")
    if not term:
        return
    try:
        table = word_topics(run, opened.words, term)
    except TopicsInputError as error:
        st.error(str(error))
        return
    if table.empty:
        st.info(f"No remark in the model says {term!r}.")
        return
    outliers = table.attrs.get("outliers", 0)
    st.caption(f"{int(table['remarks'].sum()):,} remark(s) in {len(table)} topic(s) say {term!r}"
               + (f"; {outliers:,} more are outliers." if outliers else "."))
    st.dataframe(common.percent(table.drop(columns="examples").assign(
        label=table["label"].map(common.shown), weight=table["weight"].round(4))),
        hide_index=True, width="stretch")
    for row in table.head(5).to_dict("records"):
        st.markdown(f"**{row['topic']}. {common.shown(row['label'])}**")
        for quote in row["examples"]:
            st.markdown("> " + common.highlight_term(quote, term))
