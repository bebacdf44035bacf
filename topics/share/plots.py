"""Plotly figures built from a ``TopicRun``; no Streamlit in here, so reports can reuse them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from topics.core.facts import group_share_column
from topics.core.run import TopicSet
from topics.curate.suggest import TopicLikeness, linkage_of
from topics.share.svgcharts import FONT_SIZE, LABEL_GAP, place_labels

#: The map's height in pixels, and the narrowest width it is drawn at (half of a laptop screen, the Overview's
#: column): labels are placed for this width and stay apart when the map is drawn wider.
MAP_HEIGHT = 450
MAP_WIDTH = 400
MAP_MARGIN = 10
LARGEST_CIRCLE = 50  # diameter in pixels of the largest topic's circle


def topic_map_coordinates(topic_set: TopicSet) -> np.ndarray:
    """2-D positions of topic centroids (PCA: deterministic and instant)."""
    centroids = np.asarray(topic_set.centroids, dtype=float)
    if len(centroids) < 3:
        return np.column_stack([np.arange(len(centroids), dtype=float), np.zeros(len(centroids))])
    centred = centroids - centroids.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:2].T


def map_layout(topic_set: TopicSet, width: int = MAP_WIDTH) -> dict:
    """Where the map draws each topic at ``width`` pixels: axis ranges, circle centres and radii in pixels,
    and the labels that fit without overlapping (:func:`topics.share.svgcharts.place_labels`)."""
    xy = topic_map_coordinates(topic_set)
    sizes = np.array([t.size for t in topic_set.topics], dtype=float)
    radii = np.maximum(4.0, LARGEST_CIRCLE / 2 * np.sqrt(sizes / max(sizes.max(initial=0), 1)))
    pad = LARGEST_CIRCLE / 2 + 4  # the largest circle at the edge still inside the plot
    plot = np.array([width, MAP_HEIGHT], dtype=float) - 2 * MAP_MARGIN
    low = xy.min(axis=0) if len(xy) else np.zeros(2)
    span = np.ptp(xy, axis=0) if len(xy) else np.ones(2)
    span[span == 0] = 1
    # axis ranges with ``pad`` pixels beyond the outermost centres at this width
    extra = span * pad / (plot - 2 * pad)
    ranges = np.column_stack([low - extra, low + span + extra])
    scaled = (xy - low) / span if len(xy) else np.zeros((0, 2))
    centres = np.column_stack(
        [
            MAP_MARGIN + pad + scaled[:, 0] * (plot[0] - 2 * pad),
            MAP_MARGIN + pad + (1 - scaled[:, 1]) * (plot[1] - 2 * pad),
        ]
    )
    labels = place_labels(
        centres,
        radii,
        [f"{t.id}: {short_label(t.label)}" for t in topic_set.topics],
        [str(t.id) for t in topic_set.topics],
        (MAP_MARGIN, MAP_MARGIN, width - MAP_MARGIN, MAP_HEIGHT - MAP_MARGIN),
        sides=("above", "below"),
    )  # centred labels stay apart when the map is drawn wider
    return {"xy": xy, "radii": radii, "ranges": ranges, "centres": centres, "labels": labels}


def intertopic_map(topic_set: TopicSet) -> go.Figure:
    """Topics as circles sized by their number of remarks; near circles talk alike.

    The largest topics are labelled where their labels do not overlap (placed
    for the narrowest width the map is shown at); smaller ones show their
    number, or nothing when even that has no room, and every topic's label and
    words are in its hover text.
    """
    layout = map_layout(topic_set)
    xy, radii = layout["xy"], layout["radii"]
    figure = go.Figure(
        go.Scatter(
            x=xy[:, 0],
            y=xy[:, 1],
            mode="markers",
            marker={"size": 2 * radii, "sizemode": "diameter", "opacity": 0.5, "line": {"width": 1}},
            hovertext=[f"{t.id}: {t.label}" for t in topic_set.topics],
            customdata=[f"{t.size:,} remarks; {', '.join(t.top_words(6))}" for t in topic_set.topics],
            hovertemplate="<b>%{hovertext}</b><br>%{customdata}<extra></extra>",
        )
    )
    for label in layout["labels"]:
        shift = radii[label.index] + LABEL_GAP
        figure.add_annotation(
            x=xy[label.index, 0],
            y=xy[label.index, 1],
            text=label.text,
            showarrow=False,
            xanchor="center",
            yanchor="bottom" if label.side == "above" else "top",
            yshift=shift if label.side == "above" else -shift,
            font={"size": FONT_SIZE},
        )
    figure.update_layout(
        xaxis={"visible": False, "range": list(layout["ranges"][0])},
        yaxis={"visible": False, "range": list(layout["ranges"][1])},
        height=MAP_HEIGHT,
        margin={"l": MAP_MARGIN, "r": MAP_MARGIN, "t": MAP_MARGIN, "b": MAP_MARGIN},
    )
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
    figure.update_layout(
        height=max(300, 22 * len(labels)),
        yaxis={"autorange": "reversed"},
        xaxis_title="remarks",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def relative_weights(words: list[tuple[str, float]]) -> list[float]:
    """Each word's c-TF-IDF weight as a share of the topic's top word's, that word = 100.

    A raw weight means nothing to a reader and differs in scale from topic to
    topic; scaled to the top word it reads "half as distinctive as the top word".
    """
    top = max((weight for _, weight in words), default=0.0)
    return [100 * weight / top if top > 0 else 0.0 for _, weight in words]


def topic_words(words: list[tuple[str, float]]) -> go.Figure:
    """The topic's words ranked, as bars of their relative weight (top word = 100); the raw c-TF-IDF weight
    is in each bar's hover text only."""
    figure = go.Figure(
        go.Bar(
            x=relative_weights(words),
            y=[w for w, _ in words],
            orientation="h",
            customdata=[weight for _, weight in words],
            hovertemplate="%{y}: %{x:.0f} of 100<br>c-TF-IDF weight %{customdata:.4f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=max(250, 24 * len(words)),
        yaxis={"autorange": "reversed"},
        xaxis={"title": "relative weight (top word = 100)", "range": [0, 105]},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def group_shares(frame: pd.DataFrame, groups: list[str]) -> go.Figure:
    """Grouped bars: each topic's share of each group's remarks (``frame`` from ``topic_frame``)."""
    columns = {group_share_column(g): g for g in groups}
    long = frame[["id", "label", *columns]].melt(
        id_vars=["id", "label"], value_vars=list(columns), var_name="group", value_name="share of group"
    )
    long["group"] = long["group"].map(columns)
    long["topic"] = long["id"].astype(str) + ": " + long["label"]
    figure = px.bar(long, x="share of group", y="topic", color="group", barmode="group", orientation="h")
    figure.update_layout(
        height=max(350, 18 * len(long)),
        yaxis={"autorange": "reversed"},
        xaxis_tickformat=".0%",
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )  # above the bars
    return figure


def transition_heatmap(table: pd.DataFrame, labels: dict[int, str], top: int = 30) -> go.Figure:
    """What follows what: for the tested pairs of ``table`` (``topics dynamics``' transitions, one group), the
    ratio of observed to expected transitions on a log scale, red above what a shuffle expects and blue below;
    flagged pairs marked with a dot. The ``top`` topics with the most transitions only."""
    counts = table.groupby("mark")["marked"].first().sort_values(ascending=False)
    shown = [int(t) for t in counts.index[:top]]
    part = table[table["mark"].isin(shown) & table["event"].isin(shown)]
    names = {t: f"{t}: {short_label(labels.get(t, ''))}" for t in shown}
    ratio = part.pivot(index="mark", columns="event", values="ratio").reindex(index=shown, columns=shown)
    hover = (
        part.assign(
            said=lambda f: (
                f["observed"].astype(str)
                + " seen, "
                + f["expected"].round(1).astype(str)
                + " expected, q "
                + f["q"].map(lambda q: f"{q:.2g}")
            )
        )
        .pivot(index="mark", columns="event", values="said")
        .reindex(index=shown, columns=shown)
    )
    figure = go.Figure(
        go.Heatmap(
            z=np.log2(np.clip(ratio.to_numpy(dtype=float), 1 / 16, 16)),  # none seen is the bluest, not blank
            x=[names[t] for t in shown],
            y=[names[t] for t in shown],
            text=hover.to_numpy(dtype=object),
            hovertemplate="%{y} → %{x}<br>%{text}<extra></extra>",
            colorscale="RdBu_r",
            zmid=0,
            colorbar={"title": "log2 seen / expected"},
        )
    )
    flagged = part[part["flag"] != ""]
    figure.add_trace(
        go.Scatter(
            x=[names[int(t)] for t in flagged["event"]],
            y=[names[int(t)] for t in flagged["mark"]],
            mode="markers",
            marker={"color": "black", "size": 6},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=max(400, 18 * len(shown) + 160),
        yaxis={"autorange": "reversed", "title": "remark"},
        xaxis={"title": "next remark"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def topic_dendrogram(alike: TopicLikeness, labels: list[str]) -> go.Figure:
    """The topics' hierarchy as a dendrogram (:func:`topics.curate.suggest.hierarchy`), leaves named by
    ``labels`` (as shown): topics that join low are the first candidates for a merge."""
    import plotly.figure_factory as ff

    names = [f"{i}. {short_label(label, words=4, characters=36)}" for i, label in zip(alike.ids, labels)]
    figure = ff.create_dendrogram(
        np.asarray(alike.centroids, dtype=float),
        orientation="left",
        labels=names,
        linkagefun=linkage_of,
        color_threshold=0.0,
    )
    figure.update_layout(
        height=max(300, 18 * len(names) + 60),
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        xaxis_title="cosine distance at which they join",
        showlegend=False,
    )
    return figure
