"""Small static SVG charts for reports: no JavaScript, a few kilobytes each, crisp in print.

A report is read offline, printed and mailed; plotly's 4.8 MB bundle was 97 %
of a 44-topic report. The explorer keeps plotly for interaction
(:mod:`topics.share.plots`); reports draw these three charts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from topics.core.formatting import percent

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d")
FONT_SIZE = 11
FONT = f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}"'
#: A character's width and a label's height as shares of the font size, on the generous side: DejaVu Sans,
#: the widest usual system-ui font, averages about 0.6 em a character, so an estimated box holds the drawn text.
CHARACTER_WIDTH = 0.62
LABEL_HEIGHT = 1.5
LABEL_GAP = 2  # pixels between a circle and its label


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" style="max-width:{width}px">{"".join(body)}</svg>'
    )


def _short(text: str, characters: int) -> str:
    return text if len(text) <= characters else text[: characters - 1] + "…"


def bars(labels: list[str], values: list[float], title: str, unit: str = "", width: int = 760, bar: int = 16) -> str:
    """Horizontal bars, one per label, in the given order, the value printed at each bar's end."""
    left, right = 260, 70
    height = 20 + bar * len(labels) + 10
    top = max(values, default=0) or 1
    body = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 10 + i * bar
        length = (width - left - right) * value / top
        body.append(
            f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" {FONT}>{escape(_short(label, 42))}'
            f'</text><rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{bar - 4}" fill="{PALETTE[0]}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + bar * 0.7:.1f}" {FONT}>{value:,.0f}{unit}</text>'
        )
    return _svg(width, height, body, title)


def grouped_bars(
    labels: list[str], groups: list[str], shares: np.ndarray, title: str, width: int = 760, bar: int = 7
) -> str:
    """Per label, one bar per group (``shares``: labels × groups, 0-1), with a legend above."""
    left, right = 260, 60
    block = bar * len(groups) + 6
    legend = 22
    height = legend + 10 + block * len(labels) + 10
    top = float(np.max(shares)) if shares.size else 1.0
    top = top or 1.0
    body = [
        f'<rect x="{left + 130 * j}" y="4" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
        f'<text x="{left + 130 * j + 14}" y="13" {FONT}>{escape(_short(g, 18))}</text>'
        for j, g in enumerate(groups)
    ]
    for i, label in enumerate(labels):
        y = legend + 10 + i * block
        body.append(
            f'<text x="{left - 6}" y="{y + block / 2 + 3:.1f}" text-anchor="end" {FONT}>'
            f"{escape(_short(label, 42))}</text>"
        )
        for j in range(len(groups)):
            length = (width - left - right) * shares[i, j] / top
            body.append(
                f'<rect x="{left}" y="{y + j * bar}" width="{length:.1f}" height="{bar - 1}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(groups[j])}: {percent(shares[i, j])}'
                f"</title></rect>"
            )
    return _svg(width, height, body, title)


#: Where a label may go beside its circle, in order of preference.
SIDES = ("above", "below", "right", "left")


@dataclass(frozen=True)
class Label:
    """A label drawn beside circle ``index``: its text, its side of the circle (one of :data:`SIDES`) and its
    box in pixels (left, top, right, bottom; y grows downwards)."""

    index: int
    text: str
    side: str
    box: tuple[float, float, float, float]


def label_box(
    text: str, cx: float, cy: float, radius: float, side: str, font_size: float = FONT_SIZE
) -> tuple[float, float, float, float]:
    """The box a label beside a circle takes, from its length and the font size: centred above or below the
    circle, or level with its centre on its right or left."""
    width = CHARACTER_WIDTH * font_size * len(text) + 4
    height = LABEL_HEIGHT * font_size
    if side in ("above", "below"):
        top = cy - radius - LABEL_GAP - height if side == "above" else cy + radius + LABEL_GAP
        return (cx - width / 2, top, cx + width / 2, top + height)
    left = cx + radius + LABEL_GAP if side == "right" else cx - radius - LABEL_GAP - width
    return (left, cy - height / 2, left + width, cy + height / 2)


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, top, right, bottom) boxes share any area; touching edges do not count."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    centres: np.ndarray,
    radii: np.ndarray,
    texts: list[str],
    fallbacks: list[str | None],
    bounds: tuple[float, float, float, float],
    font_size: float = FONT_SIZE,
    sides: tuple[str, ...] = SIDES,
) -> list[Label]:
    """Labels that neither overlap each other nor leave ``bounds``, chosen greedily, largest circle first.

    Each circle gets its text on the first of ``sides`` where it fits; once
    every circle has had its turn, those left without one try their
    (shorter) fallback, such as the topic's number. A circle whose labels all
    collide stays unlabelled: its topic is named in the hover text or in the
    list beside the chart. With ``sides`` above and below only, labels are
    centred on their circle, so on a wider drawing of the same chart (the
    same points spread further apart, the labels as wide) they still do not
    overlap.
    """
    order = sorted(range(len(texts)), key=lambda i: (-radii[i], i))
    placed: dict[int, Label] = {}
    for candidates in (texts, fallbacks):
        for i in order:
            if i in placed or not candidates[i]:
                continue
            for side in sides:
                box = label_box(candidates[i], centres[i][0], centres[i][1], radii[i], side, font_size)
                inside = bounds[0] <= box[0] and bounds[1] <= box[1] and box[2] <= bounds[2] and box[3] <= bounds[3]
                if inside and not any(boxes_overlap(box, other.box) for other in placed.values()):
                    placed[i] = Label(i, candidates[i], side, box)
                    break
    return [placed[i] for i in sorted(placed)]


def labelled_map(
    xy: np.ndarray, sizes: list[int], labels: list[str], title: str, width: int = 760, height: int = 460
) -> str:
    """Circles at ``xy`` with areas proportional to ``sizes``, labelled where labels do not overlap.

    A label "id: words" that has no room falls back to its id; a circle
    without room for either keeps its label as a tooltip only.
    """
    if not len(xy):
        return _svg(width, 40, [f'<text x="10" y="20" {FONT}>No topics.</text>'], title)
    pad, largest = 60, 36
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1
    scaled = (xy - xy.min(axis=0)) / span
    radius = 6 + (largest - 6) * np.sqrt(np.asarray(sizes, dtype=float) / max(max(sizes), 1))
    top = largest + 4  # the largest circle at the top or bottom edge is drawn whole
    centres = np.column_stack([pad + scaled[:, 0] * (width - 2 * pad), top + (1 - scaled[:, 1]) * (height - 2 * top)])
    texts = [_short(label, 30) for label in labels]
    fallbacks = [label.split(": ", 1)[0] if ": " in label else None for label in labels]
    body = [
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{PALETTE[0]}" fill-opacity="0.35" '
        f'stroke="{PALETTE[0]}"><title>{escape(label)}</title></circle>'
        for (cx, cy), r, label in zip(centres, radius, labels)
    ]
    # the drawing scales as a whole, so labels may go on any side of their circle
    for label in place_labels(centres, radius, texts, fallbacks, (0, 0, width, height)):
        baseline = label.box[3] - 0.4 * FONT_SIZE  # the box's lower part is room for descenders
        x, anchor = {"right": (label.box[0] + 2, "start"), "left": (label.box[2] - 2, "end")}.get(
            label.side, (centres[label.index][0], "middle")
        )
        body.append(f'<text x="{x:.1f}" y="{baseline:.1f}" text-anchor="{anchor}" {FONT}>{escape(label.text)}</text>')
    return _svg(width, height, body, title)


#: A topic's colour, the same on every surface (explorer, report): by id, twenty colours that stay apart in
#: print (Tableau 20); remarks without a topic grey, remarks set aside lighter.
TOPIC_COLOURS = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#79706e",
    "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#bab0ac",
)  # fmt: skip
NO_TOPIC_COLOUR, SET_ASIDE_COLOUR, NO_LABEL_COLOUR = "#c8c8c8", "#ececec", "#e4e4e4"
#: Colours of the client-talk labels MI research uses; other label values take the palette in order.
LABEL_COLOURS = {"change": "#2e8b57", "sustain": "#c0392b", "neutral": "#a6a6a6"}


def topic_colour(topic: int) -> str:
    """The colour of topic ``topic`` (-1: no topic; -2: set aside)."""
    if topic == -1:
        return NO_TOPIC_COLOUR
    if topic < -1:
        return SET_ASIDE_COLOUR
    return TOPIC_COLOURS[topic % len(TOPIC_COLOURS)]


def label_colours(values: list[str]) -> dict[str, str]:
    """A colour per client label value: MI's three fixed, others from :data:`PALETTE`."""
    others = iter(PALETTE[1:] * 4)
    return {v: LABEL_COLOURS.get(v.lower()) or next(others) for v in sorted(values)}


def _phase_of(turn: dict) -> int | None:
    """A turn's phase, None for client turns and set-aside remarks (missing, NaN or NA)."""
    try:
        return int(turn.get("phase"))
    except (TypeError, ValueError):
        return None


def session_strip(turns: list[dict], labels: dict[int, str], title: str, width: int = 760, legend: bool = True) -> str:
    """One session as a strip: a cell per turn in order, therapist remarks on the upper row in their topic's
    colour, client turns on the lower row in their label's colour, dashed lines where each fifth of the
    session's placed remarks begins (``phase``, as the tests count). Each turn is a dict with ``step``,
    ``therapist``, ``state`` (topic id, -1 none, -2 set aside), ``phase`` and ``client_label`` (or None).
    Hovering a cell names the turn; a legend below names the session's topics."""
    left, right, row = 4, 4, 14
    cell = (width - left - right) / max(len(turns), 1)
    body = []
    values = sorted({t["client_label"] for t in turns if not t["therapist"] and t.get("client_label")})
    colours = label_colours(values)
    for i, turn in enumerate(turns):
        x = left + i * cell
        if turn["therapist"]:
            state = int(turn["state"])
            name = labels.get(state, "no topic" if state == -1 else "set aside")
            fill, y, said = topic_colour(state), 4, f"turn {turn['step'] + 1}: {name}"
        else:
            label = turn.get("client_label")
            fill, y = colours.get(label, NO_LABEL_COLOUR), 4 + row + 2
            said = f"turn {turn['step'] + 1}: client" + (f", {label}" if label else "")
        body.append(
            f'<rect x="{x:.2f}" y="{y}" width="{max(cell - 0.3, 0.6):.2f}" height="{row}" fill="{fill}">'
            f"<title>{escape(said)}</title></rect>"
        )
    for fifth in range(1, 5):  # before the first remark of each later phase: the fifths the tests use
        first = next((i for i, turn in enumerate(turns) if _phase_of(turn) == fifth), None)
        if first is None:
            continue
        x = left + first * cell - 0.5
        body.append(f'<line x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{2 * row + 8}" stroke="#555" stroke-dasharray="2,2"/>')

    height = 2 * row + 12
    if legend:
        counts: dict[int, int] = {}
        for turn in turns:
            if turn["therapist"] and int(turn["state"]) >= 0:
                counts[int(turn["state"])] = counts.get(int(turn["state"]), 0) + 1
        shown = sorted(counts, key=lambda t: (-counts[t], t))[:12]
        keys = [(topic_colour(t), f"{t}. {labels.get(t, '')}") for t in shown]
        keys += [(colours[v], f"client: {v}") for v in values]
        for i, (fill, text) in enumerate(keys):
            x, y = left + (i % 3) * (width / 3), height + 6 + (i // 3) * 16
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{fill}"/>'
                f'<text x="{x + 14:.1f}" y="{y + 9}" {FONT}>{escape(_short(text, 38))}</text>'
            )
        height += 10 + 16 * ((len(keys) + 2) // 3)
    return _svg(width, height, body, title)


def _ratio_colour(ratio: float) -> str:
    """Red above 1, blue below, white at 1; saturated at 4 times or a quarter."""
    if not np.isfinite(ratio) or ratio < 0:
        return "#f0f0f0"  # not tested
    t = max(-1.0, min(1.0, float(np.log2(max(ratio, 0.25))) / 2))  # none seen: full blue
    red, blue = (0xC0, 0x39, 0x2B), (0x2C, 0x6F, 0xBB)
    end = red if t > 0 else blue
    mix = [round(255 + (c - 255) * abs(t)) for c in end]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def transition_grid(
    names: list[str], ratios: np.ndarray, flagged: np.ndarray, title: str, cell: int = 18, width: int = 760
) -> str:
    """What follows what as a grid: row = a remark's topic, column = the next remark's, each cell coloured by
    seen / expected (red more, blue fewer), flagged cells outlined; ``names`` label rows and columns."""
    left, top = 230, 12
    count = len(names)
    cell = min(cell, max(8, (width - left - 10) // max(count, 1)))
    body = []
    for i, name in enumerate(names):
        y = top + i * cell
        body.append(
            f'<text x="{left - 6}" y="{y + cell * 0.75:.1f}" text-anchor="end" {FONT}>{escape(_short(name, 36))}</text>'
        )
        for j in range(count):
            x = left + j * cell
            stroke = ' stroke="#000" stroke-width="1.5"' if flagged[i, j] else ""
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{_ratio_colour(ratios[i, j])}"'
                f"{stroke}><title>{escape(names[i])} → {escape(names[j])}: {ratios[i, j]:.2f} times expected"
                "</title></rect>"
            )
    for j in range(count):  # column numbers: the topic ids, as the row labels begin
        x = left + j * cell + cell / 2
        body.append(
            f'<text x="{x:.1f}" y="{top + count * cell + 12}" text-anchor="middle" {FONT}>'
            f"{escape(names[j].split(':')[0])}</text>"
        )
    height = top + count * cell + 22
    return _svg(max(width, left + count * cell + 10), height, body, title)
