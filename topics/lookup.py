"""Look a word up: which curated topics use it, how much it weighs in each, and remarks that say it.

topicwizard's word view, for therapy talk: "homework", "scale", "ambivalent"
in one glance across the model. Weights are the c-TF-IDF weights the topics'
own words come from (:class:`topics.words.TopicWords`), so a word's weight in
a topic is comparable with the topic's listed words.
"""

from __future__ import annotations

import re

import pandas as pd

from topics.errors import TopicsInputError
from topics.run import OUTLIER, TopicRun
from topics.words import TopicWords

COLUMNS = ["topic", "label", "weight", "remarks", "share of topic", "examples"]


def word_topics(run: TopicRun, words: TopicWords, term: str, examples: int = 3) -> pd.DataFrame:
    """One row per curated topic whose remarks say ``term`` (a word or phrase), heaviest first."""
    term = " ".join(term.lower().split())
    if not term:
        raise TopicsInputError("type a word or phrase to look up.")
    if run.joint is None:
        raise TopicsInputError(f"{run.path}: this run has no joint model to look words up in.")
    kept = run.kept
    assignments = kept["topic"].to_numpy(dtype=int)
    weights = words.term_weights(assignments, term)
    says = kept["text"].str.contains(rf"(?<!\w){re.escape(term)}(?!\w)", case=False, regex=True).to_numpy()
    rows = []
    for topic in run.joint.topics:
        inside = assignments == topic.id
        count = int((says & inside).sum())
        if not count and topic.id not in weights:
            continue
        quotes = kept.loc[says & inside, "text"].drop_duplicates().head(examples).tolist()
        rows.append({"topic": topic.id, "label": topic.label, "weight": weights.get(topic.id, 0.0), "remarks": count,
                     "share of topic": count / max(int(inside.sum()), 1), "examples": quotes})
    outliers = int((says & (assignments == OUTLIER)).sum())
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(["weight", "remarks"], ascending=False, ignore_index=True)
    table.attrs["outliers"] = outliers
    return table
