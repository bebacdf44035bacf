"""How numbers are said: one formatter for each kind, used by the terminal, the explorer, reports and profiles.

A share is a fraction (0.094) everywhere in the library; it becomes a percent only here, at the edge where a
person reads it.
"""

from __future__ import annotations

import math

import pandas as pd

#: What a missing or undefined number is shown as.
MISSING = "-"


def percent(value: object, digits: int | None = 1) -> str:
    """A fraction as a percent: ``percent(0.094)`` is "9.4%"; ``digits=None`` gives whole percents from 1 %
    up and one decimal below ("61%", "0.4%"), as supervision texts read best. Not a finite number: "-"."""
    if isinstance(value, (bool, str)):
        return MISSING
    try:
        number = float(value)  # numpy's float32 and integers too
    except (TypeError, ValueError):  # None, pd.NA
        return MISSING
    if not math.isfinite(number):
        return MISSING
    if digits is None:
        digits = 0 if number >= 0.01 or number == 0 else 1
    return f"{100 * number:.{digits}f}%"


def share_cell(share: float, low: float, high: float) -> str:
    """A share with its 95 % interval, as every surface prints it: "9.4% (6.1-13.0)"."""
    return f"{percent(share)} ({100 * low:.1f}-{100 * high:.1f})"


def is_share_column(name: object) -> bool:
    """Columns of fractions in a topic table: ``share`` and ``share <group>`` (see
    :func:`topics.core.facts.topic_frame`)."""
    return str(name).startswith("share")


def percent_columns(frame: pd.DataFrame, as_text: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with its share columns in percent: numbers rounded to one decimal (tables a reader
    sorts), or with ``as_text`` the strings of :func:`percent` (tables printed in the terminal)."""
    shown = frame.copy()
    for column in filter(is_share_column, shown.columns):
        shown[column] = shown[column].map(percent) if as_text else (100 * shown[column]).round(1)
    return shown
