"""Expert edits as data: each edit is a pure function ``TopicRun -> TopicRun``.

The curated run is the fitted run with the edit log replayed (see
:mod:`topics.editlog`). Edits touch the joint model only, and each touches
only what it names:

* ``merge``: the topics become one (the smallest id survives); its words are
  recomputed from its remarks, its centroid is the size-weighted mean.
  Every other topic keeps its words, weights and label exactly.
* ``rename``: a new label and optional description.
* ``discard``: the topic goes; its remarks become outliers (-1).
* ``move``: remarks (kept or attached short ones) go to another topic or to
  the outliers; the words of the topics they left and joined are recomputed.

Merges and discards relabel the whole topic column, so short remarks attached
at fit time follow their topic.

``undo`` and ``redo`` are log entries too (they name the edit they undo or
redo); they are resolved by the replay, not here.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from topics.errors import TopicsInputError
from topics.run import OUTLIER, Topic, TopicRun, TopicSet
from topics.words import TopicWords

OPS = ("merge", "rename", "discard", "move", "undo", "redo")


@dataclass(frozen=True)
class Edit:
    """One line of ``edits.jsonl``."""

    op: str
    author: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    topics: tuple[int, ...] = ()
    label: str | None = None
    description: str | None = None
    remarks: tuple[str, ...] = ()
    to: int | None = None
    target: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["topics"], data["remarks"] = list(self.topics), list(self.remarks)
        return {k: v for k, v in data.items() if v not in (None, [])}

    @classmethod
    def from_json(cls, data: Any) -> Edit:
        """Parse one log line; ``ValueError`` names what is wrong with a damaged one."""
        if not isinstance(data, dict):
            raise ValueError(f"an edit is a JSON object, not {type(data).__name__}")
        if data.get("op") not in OPS:
            raise ValueError(f"unknown edit op {data.get('op')!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["topics"] = tuple(int(t) for t in values.get("topics", ()))
        values["remarks"] = tuple(str(r) for r in values.get("remarks", ()))
        for name in ("author", "id", "time", "label", "description", "target"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise ValueError(f"field {name!r} must be text")
        if not isinstance(values.get("author"), str):
            raise ValueError("an edit needs an author")
        op = values["op"]
        if op in ("rename", "discard") and len(values["topics"]) != 1:
            raise ValueError(f"{op} names exactly one topic")
        if op == "rename" and not values.get("label"):
            raise ValueError("rename needs a label")
        if op == "merge" and len(values["topics"]) < 2:
            raise ValueError("merge names two or more topics")
        if op == "move":
            values["to"] = int(values.get("to", OUTLIER))
        if op in ("undo", "redo") and not values.get("target"):
            raise ValueError(f"{op} names the edit it acts on")
        return cls(**values)

    def describe(self) -> str:
        """One line for the history list."""
        if self.op == "merge":
            return f"merged topics {', '.join(map(str, self.topics))}" + (f" as {self.label!r}" if self.label else "")
        if self.op == "rename":
            return f"renamed topic {self.topics[0]} to {self.label!r}"
        if self.op == "discard":
            return f"discarded topic {self.topics[0]}"
        if self.op == "move":
            where = "the outliers" if self.to == OUTLIER else f"topic {self.to}"
            return f"moved {len(self.remarks)} remark(s) to {where}"
        return f"{self.op} of edit {self.target}"


def _joint(run: TopicRun) -> TopicSet:
    if run.joint is None:
        raise TopicsInputError("this run has no joint model; edits apply to the joint model (fit.modes: [joint]).")
    return run.joint


def _existing(run: TopicRun, topic_ids) -> None:
    known = {t.id for t in _joint(run).topics}
    missing = [t for t in topic_ids if t not in known]
    if missing:
        raise TopicsInputError(f"no topic {', '.join(map(str, missing))} in this run (topics are {sorted(known)}).")


def _with(run: TopicRun, topics: list[Topic], centroids: np.ndarray, topic_column: pd.Series | None = None) -> TopicRun:
    remarks = run.remarks if topic_column is None else run.remarks.assign(topic=topic_column)
    joint = run.joint
    kept_topics = remarks.loc[remarks["kept"], "topic"].to_numpy(dtype=float)
    metrics = {**joint.metrics, "topic_count": len(topics),
               "outlier_share": float(np.mean(kept_topics == OUTLIER)) if len(kept_topics) else 0.0}
    return dataclasses.replace(run, remarks=remarks,
                               joint=TopicSet(name=joint.name, topics=topics, centroids=centroids, metrics=metrics))


def _group_counts(remarks: pd.DataFrame, topic_id: int) -> dict[str, int]:
    members = remarks.loc[remarks["kept"] & remarks["topic"].isin([topic_id]), "group"].dropna()
    return {str(g): int(n) for g, n in members.value_counts().sort_index().items()}


def _kept_assignments(remarks: pd.DataFrame) -> np.ndarray:
    return remarks.loc[remarks["kept"], "topic"].to_numpy(dtype=int)


def rename(run: TopicRun, topic: int, label: str, description: str | None = None) -> TopicRun:
    _existing(run, [topic])
    if not label or not label.strip():
        raise TopicsInputError("a topic label cannot be empty.")
    joint = run.joint
    topics = [dataclasses.replace(t, label=label.strip(), description=(description if description is not None else t.description))
              if t.id == topic else t for t in joint.topics]
    return _with(run, topics, joint.centroids)


def discard(run: TopicRun, topic: int) -> TopicRun:
    _existing(run, [topic])
    joint = run.joint
    keep = [i for i, t in enumerate(joint.topics) if t.id != topic]
    column = run.remarks["topic"].mask(run.remarks["topic"].isin([topic]), OUTLIER)
    return _with(run, [joint.topics[i] for i in keep], joint.centroids[keep], column)


def merge(run: TopicRun, topic_ids: list[int], words: TopicWords, label: str | None = None) -> TopicRun:
    topic_ids = sorted(set(topic_ids))
    if len(topic_ids) < 2:
        raise TopicsInputError("a merge needs two or more different topics.")
    _existing(run, topic_ids)
    joint = run.joint
    survivor = topic_ids[0]
    column = run.remarks["topic"].mask(run.remarks["topic"].isin(topic_ids), survivor)
    remarks = run.remarks.assign(topic=column)
    index = {t.id: i for i, t in enumerate(joint.topics)}
    sizes = np.array([joint.topics[index[t]].size for t in topic_ids], dtype=float)
    rows = joint.centroids[[index[t] for t in topic_ids]]
    centroid = np.average(rows, axis=0, weights=sizes) if sizes.sum() > 0 else rows.mean(axis=0)
    new_words = words.words(_kept_assignments(remarks), [survivor])[survivor]
    merged = Topic(id=survivor, label=label.strip() if label and label.strip() else ", ".join(w for w, _ in new_words[:3]),
                   words=new_words, size=int(sizes.sum()), group_counts=_group_counts(remarks, survivor),
                   description=joint.topics[index[survivor]].description)
    topics, centroids = [], []
    for i, topic in enumerate(joint.topics):
        if topic.id == survivor:
            topics.append(merged)
            centroids.append(centroid)
        elif topic.id not in topic_ids:
            topics.append(topic)
            centroids.append(joint.centroids[i])
    return _with(run, topics, np.asarray(centroids, dtype=np.float32), column)


def move(run: TopicRun, remark_ids: list[str], to: int, words: TopicWords) -> TopicRun:
    if not remark_ids:
        raise TopicsInputError("select at least one remark to move.")
    _joint(run)
    if to != OUTLIER:
        _existing(run, [to])
    joint = run.joint
    remarks = run.remarks
    selected = remarks["remark_id"].isin(remark_ids)
    unknown = set(remark_ids) - set(remarks.loc[selected, "remark_id"])
    if unknown:
        raise TopicsInputError(f"no remark {', '.join(sorted(unknown)[:5])} in this run.")
    aside = remarks.loc[selected & ~remarks["kept"] & ~remarks["attached"], "remark_id"].tolist()
    if aside:
        raise TopicsInputError(f"remark(s) {', '.join(aside[:5])} were set aside by cleaning and carry no topic.")
    touched = sorted(({int(t) for t in remarks.loc[selected, "topic"]} | {to}) - {OUTLIER})
    column = remarks["topic"].mask(selected, to)
    moved = remarks.assign(topic=column)
    kept_topics = _kept_assignments(moved)
    new_words = words.words(kept_topics, touched)
    counts = pd.Series(kept_topics).value_counts()
    topics = [dataclasses.replace(t, words=new_words[t.id], size=int(counts.get(t.id, 0)),
                                  group_counts=_group_counts(moved, t.id)) if t.id in touched else t
              for t in joint.topics]
    return _with(run, topics, joint.centroids, column)


def apply_edit(run: TopicRun, edit: Edit, words: Callable[[], TopicWords]) -> TopicRun:
    """Apply one content edit (not undo/redo); raises ``TopicsInputError`` if it does not apply.

    ``words`` is called only by edits that need new topic words (merge, move),
    so renames and discards never pay for counting words.
    """
    if edit.op == "rename":
        return rename(run, edit.topics[0], edit.label or "", edit.description)
    if edit.op == "discard":
        return discard(run, edit.topics[0])
    if edit.op == "merge":
        return merge(run, list(edit.topics), words(), edit.label)
    if edit.op == "move":
        return move(run, list(edit.remarks), OUTLIER if edit.to is None else int(edit.to), words())
    raise ValueError(f"{edit.op} is resolved by the replay, not applied")
