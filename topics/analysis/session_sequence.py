"""A session as a sequence: every turn in order, therapist remarks with their curated topic, client turns with
their label.

What the session dynamics (:mod:`topics.analysis.session_dynamics`) read. A run of format 2 carries the
client's turns (``client_turns``) and every turn's place in the source (``position``), so the sequence comes
from the run alone, after the corpus file has moved. Turns are ordered by the corpus' order column where every
turn has one, else by their place in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, TopicRun

#: The state of a therapist remark that cleaning set aside (a backchannel, an empty remark); a placed remark
#: without a topic is :data:`topics.core.run.OUTLIER`.
SET_ASIDE = -2
#: Phases of a session: fifths of its kept therapist remarks, so that "the opening" and "the close" mean the
#: same share of every session, long or short.
PHASES = ("opening", "early", "middle", "late", "close")
#: The state of a client turn in the sequence (no topic of its own).
CLIENT = -3


def in_order(sessions: Iterable[str]) -> list[str]:
    """Session ids in their natural order: by number when every id is a number ("2" before "10"), else by text."""
    ids = [str(s) for s in sessions]
    numeric = all(re.fullmatch(r"\d+(?:\.\d+)?", s) for s in ids)
    return sorted(ids, key=float) if numeric else sorted(ids)


def configured_labels(run: TopicRun) -> tuple[str | None, str | None]:
    """The client and therapist labels the run's config names to follow (``dynamics.client_label``,
    ``dynamics.therapist_label``); None where it names none."""
    dynamics = run.config.get("dynamics") or {}
    return dynamics.get("client_label"), dynamics.get("therapist_label")


def label_column(run: TopicRun, name: str, role: str) -> str:
    """The run's column holding the label ``name`` on ``role``'s turns (``client`` or ``therapist``), or a clear
    error naming the labels the run does hold."""
    frame = run.client_turns if role == "client" else run.remarks
    where = "client turns" if role == "client" else "therapist remarks"
    column = name if name.startswith("meta_") else f"meta_{name}"
    if frame is None or column not in frame.columns:
        held = [] if frame is None else sorted(c.removeprefix("meta_") for c in frame.columns if c.startswith("meta_"))
        setting = "corpus.turn_metadata" if role == "client" else "corpus.metadata"
        raise TopicsInputError(
            f"the run holds no label {name!r} on its {where}"
            + (f" (it holds: {', '.join(held)})" if held else "")
            + f". Name the source column in {setting} and fit again."
        )
    values = frame[column].dropna().astype(str).unique()
    if len(values) < 2:
        raise TopicsInputError(
            f"the label {name!r} has {len(values)} value(s) on the run's {where}; a label needs at least two."
        )
    return column


def session_sequence(
    run: TopicRun, client_label: str | None = None, therapist_label: str | None = None
) -> pd.DataFrame:
    """Every turn of every session, in order: one row per turn with ``session``, ``group``, ``step`` (its
    place in the session from 0), ``therapist`` (True for a modelled remark), ``remark_id``, ``state`` (a
    therapist remark's curated topic, :data:`OUTLIER` or :data:`SET_ASIDE`; :data:`CLIENT` for client turns), ``phase``
    (0-4, the fifth of the session's kept therapist remarks it falls in), ``words`` (its length), ``held_by``
    (the session's therapist, when the run names one), and
    ``client_label`` /
    ``therapist_label`` when named (``meta_<name>`` columns of the run)."""
    remarks = run.remarks
    if remarks["session"].isna().all():
        raise TopicsInputError(
            "the run's corpus has no sessions, so there is no sequence to follow; name the session column in "
            "corpus.columns.session and fit again."
        )
    placed = remarks["kept"].to_numpy(dtype=bool).copy()
    if "attached" in remarks:
        placed |= remarks["attached"].fillna(False).to_numpy(dtype=bool)
    # placed remarks (clustered, or short and attached afterwards) carry a topic or none; the rest were set aside
    # by cleaning (backchannels, empty)
    therapist = _turns(remarks, True, np.where(placed, remarks["topic"].fillna(OUTLIER), SET_ASIDE).astype(int))
    therapist["held_by"] = remarks["therapist"].astype("string") if "therapist" in remarks else pd.NA
    if therapist_label:
        therapist["therapist_label"] = remarks[label_column(run, therapist_label, "therapist")].astype("string")
    frames = [therapist]
    turns = run.client_turns
    if turns is not None and len(turns):
        client = _turns(turns, False, CLIENT)
        if client_label:
            client["client_label"] = turns[label_column(run, client_label, "client")].astype("string")
        frames.append(client)
    elif client_label:
        raise TopicsInputError(
            "the run holds no client turns, so their labels cannot be followed: fit a corpus with a role "
            "column, keeping the therapist's role only (corpus.keep_roles), with a run of format 2."
        )
    turns_all = pd.concat(frames, ignore_index=True)
    turns_all = turns_all[turns_all["session"].notna()]
    # who held the session (the run keeps the therapist with the remarks), for client turns too
    held_by = therapist.dropna(subset=["held_by"]).drop_duplicates("session").set_index("session")["held_by"]
    turns_all["held_by"] = turns_all["session"].map(held_by).astype("string")
    by = ["order", "position"] if turns_all["order"].notna().all() else ["position"]
    if turns_all[by[-1]].isna().any():
        raise TopicsInputError(
            "the run does not record where each turn stands in its session (a run of format 1 without an order "
            "column); fit again, or name the order column in corpus.columns.order."
        )
    turns_all = turns_all.sort_values(["session", *by], kind="stable").reset_index(drop=True)
    turns_all["step"] = turns_all.groupby("session").cumcount()
    turns_all["phase"] = _phases(turns_all)
    return turns_all.drop(columns=["order", "position"])


def _turns(frame: pd.DataFrame, therapist: bool, state: np.ndarray | int) -> pd.DataFrame:
    """One role's turns (the run's remarks, or its client turns) in the sequence's columns."""
    return pd.DataFrame(
        {
            "session": frame["session"].astype("string"),
            "group": frame["group"].astype("string") if "group" in frame else pd.NA,
            "order": pd.to_numeric(frame["order"], errors="coerce"),
            "position": frame["position"].astype("Float64"),
            "therapist": therapist,
            "remark_id": frame["remark_id"].astype("string"),
            "words": _words(frame),
            "state": state,
        }
    )


def _words(frame: pd.DataFrame) -> pd.Series:
    """Each turn's length in words (NA without text): kept by the run for client turns, whose words it does
    not keep (:func:`topics.core.corpus.client_record`)."""
    if "words" in frame:
        return frame["words"].astype("Int64")
    if "text" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return frame["text"].astype("string").str.split().str.len().astype("Int64")


def _phases(turns: pd.DataFrame) -> pd.Series:
    """The fifth of its session's kept therapist remarks each kept therapist remark falls in (NA elsewhere):
    remark i of n is in fifth floor(5 (i + 0.5) / n), so each fifth holds n/5 remarks, give or take one."""
    kept = turns["therapist"] & (turns["state"] != SET_ASIDE)
    rank = turns[kept].groupby("session").cumcount()
    count = turns[kept].groupby("session")["session"].transform("size")
    phase = pd.Series(pd.NA, index=turns.index, dtype="Int64")
    phase[kept] = np.floor(len(PHASES) * (rank + 0.5) / count).astype(int)
    return phase
