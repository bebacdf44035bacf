"""Plotly figures built from a ``TopicRun``; no Streamlit in here, so reports can reuse them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from topics.run import TopicSet


def topic_map_coordinates(topic_set: TopicSet) -> np.ndarray:
    """2-D positions of topic centroids (PCA: deterministic and instant)."""
    centroids = np.asarray(topic_set.centroids, dtype=float)
    if len(centroids) < 3:
        return np.column_stack([np.arange(len(centroids), dtype=float), np.zeros(len(centroids))])
    centred = centroids - centroids.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:2].T


def intertopic_map(topic_set: TopicSet) -> go.Figure:
    """Topics as circles sized by their number of remarks; near circles talk alike."""
    xy = topic_map_coordinates(topic_set)
    frame = pd.DataFrame({
        "x": xy[:, 0], "y": xy[:, 1], "size": [t.size for t in topic_set.topics],
        "topic": [f"{t.id}: {t.label}" for t in topic_set.topics],
        "words": [", ".join(t.top_words(6)) for t in topic_set.topics],
    })
    figure = px.scatter(frame, x="x", y="y", size="size", hover_name="topic", hover_data={"words": True, "x": False, "y": False},
                        text=[f"{t.id}: {short_label(t.label)}" for t in topic_set.topics], size_max=50)
    figure.update_traces(textposition="top center", textfont={"size": 11}, marker={"opacity": 0.5})
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=450, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def short_label(label: str, words: int = 3, characters: int = 28) -> str:
    """A label short enough to print beside a circle."""
    short = ", ".join(label.split(", ")[:words]) if ", " in label else label
    return short if len(short) <= characters else short[: characters - 1] + "…"


def topic_sizes(topic_set: TopicSet) -> go.Figure:
    """Bars of topic sizes, largest first."""
    topics = sorted(topic_set.topics, key=lambda t: -t.size)
    labels = [f"{t.id}: {t.label}" for t in topics]
    figure = go.Figure(go.Bar(x=[t.size for t in topics], y=labels, orientation="h"))
    figure.update_layout(height=max(300, 22 * len(labels)), yaxis={"autorange": "reversed"},
                         xaxis_title="remarks", margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def topic_words(words: list[tuple[str, float]]) -> go.Figure:
    figure = go.Figure(go.Bar(x=[s for _, s in words], y=[w for w, _ in words], orientation="h"))
    figure.update_layout(height=max(250, 24 * len(words)), yaxis={"autorange": "reversed"}, xaxis_title="c-TF-IDF weight",
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def group_shares(frame: pd.DataFrame, groups: list[str]) -> go.Figure:
    """Grouped bars: each topic's share of each group's remarks (``frame`` from ``topic_frame``)."""
    columns = [f"share {g}" for g in groups]
    long = frame[["id", "label", *columns]].melt(id_vars=["id", "label"], value_vars=columns, var_name="group",
                                                 value_name="share of group")
    long["group"] = long["group"].str.removeprefix("share ")
    long["topic"] = long["id"].astype(str) + ": " + long["label"]
    figure = px.bar(long, x="share of group", y="topic", color="group", barmode="group", orientation="h")
    figure.update_layout(height=max(350, 18 * len(long)), yaxis={"autorange": "reversed"}, xaxis_tickformat=".0%",
                         margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})  # above the bars
    return figure
