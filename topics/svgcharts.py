"""Small static SVG charts for reports: no JavaScript, a few kilobytes each, crisp in print.

A report is read offline, printed and mailed; plotly's 4.8 MB bundle was 97 %
of a 44-topic report. The explorer keeps plotly for interaction
(:mod:`topics.plots`); reports draw these three charts themselves.
"""

from __future__ import annotations

from html import escape

import numpy as np

PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d")
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" style="max-width:{width}px">{"".join(body)}</svg>')


def _short(text: str, characters: int) -> str:
    return text if len(text) <= characters else text[: characters - 1] + "…"


def bars(labels: list[str], values: list[float], title: str, unit: str = "", width: int = 760,
         bar: int = 16) -> str:
    """Horizontal bars, one per label, in the given order, the value printed at each bar's end."""
    left, right = 260, 70
    height = 20 + bar * len(labels) + 10
    top = max(values, default=0) or 1
    body = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 10 + i * bar
        length = (width - left - right) * value / top
        body.append(f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" {FONT}>{escape(_short(label, 42))}'
                    f'</text><rect x="{left}" y="{y + 2}" width="{length:.1f}" height="{bar - 4}" fill="{PALETTE[0]}"/>'
                    f'<text x="{left + length + 4:.1f}" y="{y + bar * 0.7:.1f}" {FONT}>{value:,.0f}{unit}</text>')
    return _svg(width, height, body, title)


def grouped_bars(labels: list[str], groups: list[str], shares: np.ndarray, title: str, width: int = 760,
                 bar: int = 7) -> str:
    """Per label, one bar per group (``shares``: labels × groups, 0-1), with a legend above."""
    left, right = 260, 60
    block = bar * len(groups) + 6
    legend = 22
    height = legend + 10 + block * len(labels) + 10
    top = float(np.max(shares)) if shares.size else 1.0
    top = top or 1.0
    body = [f'<rect x="{left + 130 * j}" y="4" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{left + 130 * j + 14}" y="13" {FONT}>{escape(_short(g, 18))}</text>' for j, g in enumerate(groups)]
    for i, label in enumerate(labels):
        y = legend + 10 + i * block
        body.append(f'<text x="{left - 6}" y="{y + block / 2 + 3:.1f}" text-anchor="end" {FONT}>'
                    f'{escape(_short(label, 42))}</text>')
        for j in range(len(groups)):
            length = (width - left - right) * shares[i, j] / top
            body.append(f'<rect x="{left}" y="{y + j * bar}" width="{length:.1f}" height="{bar - 1}" '
                        f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(groups[j])}: {100 * shares[i, j]:.1f}%'
                        f'</title></rect>')
    return _svg(width, height, body, title)


def labelled_map(xy: np.ndarray, sizes: list[int], labels: list[str], title: str, width: int = 760,
                 height: int = 460) -> str:
    """Circles at ``xy`` with areas proportional to ``sizes``, each labelled."""
    if not len(xy):
        return _svg(width, 40, [f'<text x="10" y="20" {FONT}>No topics.</text>'], title)
    pad = 60
    span = np.ptp(xy, axis=0)
    span[span == 0] = 1
    scaled = (xy - xy.min(axis=0)) / span
    radius = 6 + 30 * np.sqrt(np.asarray(sizes, dtype=float) / max(max(sizes), 1))
    body = []
    for (x, y), r, label in zip(scaled, radius, labels):
        cx, cy = pad + x * (width - 2 * pad), pad / 2 + (1 - y) * (height - pad)
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{PALETTE[0]}" fill-opacity="0.35" '
                    f'stroke="{PALETTE[0]}"/><text x="{cx:.1f}" y="{cy - r - 2:.1f}" text-anchor="middle" '
                    f'{FONT}>{escape(_short(label, 30))}</text>')
    return _svg(width, height, body, title)
