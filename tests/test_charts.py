"""Charts a clinician reads: topic-map labels that never overlap (explorer and report), word weights on a scale
of the topic's top word.

The boxes are computed from the figure and the SVG as drawn (positions, anchors, shifts, text lengths);
``tests/test_browser.py`` measures the same labels as Chromium renders them.
"""

import re
from html import unescape

import numpy as np
import pytest

from topics.core.run import Topic, TopicSet
from topics.share import plots, svgcharts

WORDS = [
    "anxiety",
    "sleep",
    "drinking",
    "family",
    "work",
    "homework",
    "panic",
    "breathing",
    "goals",
    "motivation",
    "change",
    "smoking",
    "diet",
    "exercise",
    "anger",
    "grief",
    "trauma",
    "school",
    "money",
    "partner",
]


def crowded(topics: int = 45, seed: int = 0) -> TopicSet:
    """A run's worth of topics with three-word labels, their centroids crowded together as real ones are."""
    rng = np.random.default_rng(seed)
    return TopicSet(
        name="joint",
        centroids=rng.normal(size=(topics, 16)),
        topics=[
            Topic(
                id=i,
                label=", ".join(rng.choice(WORDS, 3, replace=False)),
                size=int(rng.integers(15, 400)),
                words=[(w, 0.1) for w in rng.choice(WORDS, 6, replace=False)],
            )
            for i in range(topics)
        ],
    )


def estimated_box(text: str, x: float, y: float) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of ``text`` centred on x with its box bottom at y, at the charts' font size;
    the character width is the charts' generous estimate, which Chromium's rendering stays inside."""
    width = svgcharts.CHARACTER_WIDTH * svgcharts.FONT_SIZE * len(text) + 4
    height = svgcharts.LABEL_HEIGHT * svgcharts.FONT_SIZE
    return (x - width / 2, y - height, x + width / 2, y)


def overlapping(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if svgcharts.boxes_overlap(boxes[i], boxes[j])
    ]


def annotation_boxes(figure, width: int) -> list[tuple[float, float, float, float]]:
    """Each label annotation's box in pixels when the figure is drawn ``width`` pixels wide."""
    layout = figure.layout
    (x0, x1), (y0, y1) = layout.xaxis.range, layout.yaxis.range
    plot_width = width - layout.margin.l - layout.margin.r
    plot_height = layout.height - layout.margin.t - layout.margin.b
    boxes = []
    for note in layout.annotations:
        x = layout.margin.l + (note.x - x0) / (x1 - x0) * plot_width
        y = layout.margin.t + (y1 - note.y) / (y1 - y0) * plot_height - note.yshift  # yshift counts upwards
        height = svgcharts.LABEL_HEIGHT * svgcharts.FONT_SIZE
        assert note.xanchor == "center" and note.yanchor in ("bottom", "top") and note.font.size == svgcharts.FONT_SIZE
        boxes.append(estimated_box(note.text, x, y if note.yanchor == "bottom" else y + height))
    return boxes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_explorer_map_labels_never_overlap_at_any_width_and_name_the_largest_topics(seed):
    topic_set = crowded(seed=seed)
    figure = plots.intertopic_map(topic_set)
    texts = [note.text for note in figure.layout.annotations]
    for width in (plots.MAP_WIDTH, 600, 1200):  # placed for the narrowest; wider only spreads them
        boxes = annotation_boxes(figure, width)
        assert not overlapping(boxes), width
        assert all(b[0] >= 0 and b[2] <= width and b[1] >= 0 and b[3] <= plots.MAP_HEIGHT for b in boxes)
    largest = max(topic_set.topics, key=lambda t: t.size)
    assert f"{largest.id}: {plots.short_label(largest.label)}" in texts
    assert 5 <= len(texts) <= len(topic_set.topics)  # crowded: some topics get their number or nothing
    # every topic, labelled or not, is named with its words in the hover text
    hover = figure.data[0]
    assert list(hover.hovertext) == [f"{t.id}: {t.label}" for t in topic_set.topics]
    assert all(", ".join(t.top_words(6)) in text for t, text in zip(topic_set.topics, hover.customdata))


def svg_text_boxes(svg: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each <text> of an SVG map with its box, from its x, baseline, anchor and length."""
    height = svgcharts.LABEL_HEIGHT * svgcharts.FONT_SIZE
    out = []
    for x, y, anchor, text in re.findall(
        r'<text x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg
    ):
        text = unescape(text)
        width = svgcharts.CHARACTER_WIDTH * svgcharts.FONT_SIZE * len(text) + 4
        bottom = float(y) + 0.4 * svgcharts.FONT_SIZE
        left = {"middle": float(x) - width / 2, "start": float(x) - 2, "end": float(x) + 2 - width}[anchor]
        out.append((text, (left, bottom - height, left + width, bottom)))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_report_map_labels_never_overlap_and_fall_back_to_the_topic_number(seed):
    topic_set = crowded(seed=seed)
    labels = [f"{t.id}: {plots.short_label(t.label)}" for t in topic_set.topics]
    svg = svgcharts.labelled_map(
        plots.topic_map_coordinates(topic_set), [t.size for t in topic_set.topics], labels, "Intertopic map"
    )
    drawn = svg_text_boxes(svg)
    assert not overlapping([box for _, box in drawn])
    assert all(b[0] >= 0 and b[2] <= 760 and b[1] >= 0 and b[3] <= 460 for _, b in drawn)  # inside the drawing
    texts = [text for text, _ in drawn]
    largest = max(range(len(labels)), key=lambda i: topic_set.topics[i].size)
    assert labels[largest] in texts
    numbers = [text for text in texts if text.isdigit()]
    assert numbers and len(texts) == len(set(texts))  # crowded topics show their number; none is named twice
    assert re.findall(r"<title>([^<]*)</title>", svg) == labels  # each circle names its topic on hover


def test_a_few_topics_far_apart_are_all_labelled_in_full():
    topic_set = TopicSet(
        name="joint",
        centroids=np.eye(4, 16) * 10,
        topics=[Topic(id=i, label=f"topic {i}, words", size=50 + i, words=[("w", 0.1)]) for i in range(4)],
    )
    assert len(plots.intertopic_map(topic_set).layout.annotations) == 4
    svg = svgcharts.labelled_map(
        plots.topic_map_coordinates(topic_set),
        [t.size for t in topic_set.topics],
        [f"{t.id}: {t.label}" for t in topic_set.topics],
        "map",
    )
    assert [text for text, _ in svg_text_boxes(svg)] == [f"{t.id}: {t.label}" for t in topic_set.topics]


def test_topic_words_are_ranked_on_a_scale_of_the_top_word_with_the_raw_weight_in_the_hover():
    words = [("drinking", 0.084), ("alcohol", 0.042), ("week", 0.021)]
    figure = plots.topic_words(words)
    bars = figure.data[0]
    assert list(bars.x) == pytest.approx([100, 50, 25]) and list(bars.y) == ["drinking", "alcohol", "week"]
    assert list(bars.customdata) == [0.084, 0.042, 0.021] and "c-TF-IDF" in bars.hovertemplate
    assert figure.layout.xaxis.title.text == "relative weight (top word = 100)"
    assert plots.relative_weights([]) == [] and plots.relative_weights([("mm", 0.0)]) == [0.0]
