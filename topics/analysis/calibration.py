"""Checking the group statistics where the truth is known: random splits and planted differences.

A test that flags differences must be checked on data with none (random
splits of the sessions into two groups: every flag is a false alarm) and on
data with a known one (all sessions of one kind put in one group: it must be
found). These functions make such groupings of a fitted run and count the
flags; ``tests/test_annomi.py`` and ``benchmarks/calibration.py`` use
them on AnnoMI, and a researcher can use them on any corpus of their own.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from topics.analysis.compare import group_statistics
from topics.core.run import TopicRun


def _sessions(run: TopicRun) -> pd.Series:
    kept = run.remarks
    return kept["session"].fillna(kept["remark_id"]).astype(str)


def regroup(run: TopicRun, group_of_session: dict[str, str]) -> TopicRun:
    """The same run with each remark's group replaced by its session's new group."""
    remarks = run.remarks.copy()
    remarks["group"] = _sessions(run).map(group_of_session).astype(object)
    return dataclasses.replace(run, remarks=remarks)


def random_split(run: TopicRun, seed: int) -> TopicRun:
    """Sessions split into groups A and B of equal size at random: any flagged difference is a false alarm."""
    sessions = sorted(_sessions(run)[run.remarks["kept"]].unique())
    order = np.random.default_rng(seed).permutation(len(sessions))
    return regroup(run, {sessions[i]: "A" if rank < len(sessions) // 2 else "B" for rank, i in enumerate(order)})


def has_label(values: pd.Series, label: str) -> pd.Series:
    """Whether each value is ``label`` or lists it among labels separated by ';'.

    Corpora label a session with several themes this way (AnnoMI: "smoking
    cessation; reducing alcohol consumption"): such a session is one of the
    label's sessions too.
    """
    wanted = label.strip().casefold()
    return values.astype(str).map(lambda text: wanted in {part.strip().casefold() for part in text.split(";")})


def planted_split(run: TopicRun, column: str, value: str, seed: int) -> TopicRun:
    """Every session labelled ``value`` in ``column`` in group A, with a random half of the others; the rest in B.

    Whatever topics belong to those sessions now differ between the groups:
    the test must find them in every such split. A session counts when
    ``value`` is one of its ';'-separated labels (:func:`has_label`).
    """
    kept = run.remarks[run.remarks["kept"]]
    sessions = _sessions(run)[kept.index]
    marked = has_label(kept[column], value)
    planted = set(sessions[marked])
    others = sorted(set(sessions) - planted)
    chosen = np.random.default_rng(seed).permutation(len(others))[: len(others) // 2]
    in_a = planted | {others[i] for i in chosen}
    return regroup(run, {s: "A" if s in in_a else "B" for s in set(sessions)})


def flags(run: TopicRun, seed: int = 0, draws: int = 500) -> pd.DataFrame:
    """The differences flagged in ``run`` (group A against B, each difference once)."""
    _, differences, _ = group_statistics(run, draws=draws, seed=seed)
    flagged = differences[differences["differs"]]
    return flagged[flagged["group"] == flagged["group"].min()] if not flagged.empty else flagged
