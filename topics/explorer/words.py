"""Words: look up a word or phrase and see the topics it belongs to, with its weight and remarks that say it."""

from __future__ import annotations

import streamlit as st

from topics.analysis.word_lookup import word_topics
from topics.core.errors import TopicsInputError
from topics.explorer import common


def render() -> None:
    """Draw the Words page: look up a word or phrase and list the topics whose remarks say it, how strongly it
    marks each, and remarks that say it from the first five topics."""
    opened = common.curator()
    run = common.view(opened)
    common.joint(opened)
    st.title("Words")
    st.caption(
        "Which topics use a word or phrase, how strongly it marks each of them, and remarks that say it. "
        'Every form with the same stem counts, in each remark\'s own language: "feel" finds feels and '
        "feeling, but not irregular forms such as felt."
    )
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
    forms = table.attrs.get("forms", [])
    st.caption(
        f"{int(table['remarks'].sum()):,} remark(s) in {len(table)} topic(s) say {term!r}"
        + (f"; {outliers:,} more are outliers" if outliers else "")
        + (f". Found as: {common.shown(', '.join(forms))}." if forms else ".")
    )
    # a clinician reads "as strong as the topic's own top word", not a c-TF-IDF number: the raw weight stays in help
    # against the topic's heaviest c-TF-IDF word, not its listed first word (KeyBERT or MMR words rank otherwise)
    heaviest = opened.words.words(run.kept["topic"].to_numpy(dtype=int), [int(t) for t in table["topic"]])
    top_weight = {t: (listed[0][1] if listed else 0.0) for t, listed in heaviest.items()}
    strength = [
        round(100 * w / top_weight[t]) if top_weight.get(t) else 0 for t, w in zip(table["topic"], table["weight"])
    ]
    shown = common.percent(
        table.drop(columns=["examples", "languages", "weight"]).assign(
            label=table["label"].map(common.shown),
            forms=table["forms"].map(lambda found: common.shown(", ".join(found))),
        )
    )
    shown.insert(2, "marks the topic", strength)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "marks the topic": st.column_config.ProgressColumn(
                "marks the topic",
                min_value=0,
                max_value=100,
                format="%d",
                help="How strongly the word marks the topic, against the topic's own top word (100): its c-TF-IDF "
                "weight (how much more this topic uses it than the others) divided by the top word's.",
            )
        },
    )
    for row in table.head(5).to_dict("records"):
        st.markdown(f"**{row['topic']}. {common.shown(row['label'])}**")
        for quote, language in zip(row["examples"], row["languages"], strict=True):
            st.markdown("> " + common.highlight_term(quote, term, language))
