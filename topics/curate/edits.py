"""Expert edits as data: each edit is a pure function ``TopicRun -> TopicRun``.

The curated run is the fitted run with the edit log replayed (see
:mod:`topics.curate.editlog`). An edit acts on one model, the joint model unless it
names a group's model (``model``), and touches only what it names:

* ``merge``: the topics become one (the smallest id survives); its words are
  recomputed from its remarks, its centroid is the size-weighted mean.
  Every other topic keeps its words, weights and label exactly.
* ``rename``: a new label and optional description.
* ``discard``: the topic goes; its remarks become outliers (-1).
* ``move``: remarks (kept or attached short ones) go to another topic or to
  the outliers; the words of the topics they left and joined are recomputed.
  Remarks of a withdrawn session are no longer in the run: a move skips them
  (and is a no-op when it named nothing else).
* ``forget``: a session withdrawn (:mod:`topics.curate.forget`). Its remarks
  have left the fitted run folder itself, so on replay it changes nothing; it
  stands in the log as the record of who withdrew which session when.

Merges and discards relabel the whole topic column, so short remarks attached
at fit time follow their topic.

``undo`` and ``redo`` are log entries too (they name the edit they undo or
redo); they are resolved by the replay, not here.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, Topic, TopicRun, TopicSet
from topics.fit.topic_words import TopicWords

OPS = ("merge", "rename", "discard", "move", "forget", "undo", "redo")


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
    #: the model edited: None for the joint model, else a group's name (its per-group model)
    model: str | None = None
    #: the session a ``forget`` withdrew
    session: str | None = None
    #: how many remarks and client turns a ``forget`` removed
    removed: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as the JSON object of one log line: tuples become lists, None and empty fields are left out."""
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
        for name in ("author", "id", "time", "label", "description", "target", "model", "session"):
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
        if op == "forget" and not values.get("session"):
            raise ValueError("forget names the session withdrawn")
        if values.get("removed") is not None:
            values["removed"] = int(values["removed"])
        if op in ("undo", "redo") and not values.get("target"):
            raise ValueError(f"{op} names the edit it acts on")
        return cls(**values)

    def describe(self, labels: dict[int, str] | None = None) -> str:
        """One line for the history list; with ``labels``, topics are named by label ("topic 4 'smoking'")."""
        return self._describe(labels or {}) + (f" in model {self.model!r}" if self.model else "")

    def _describe(self, labels: dict[int, str]) -> str:
        def name(topic: int) -> str:
            return f"topic {topic} {labels[topic]!r}" if topic in labels else f"topic {topic}"

        if self.op == "merge":
            named = [name(t) for t in self.topics]
            joined = ", ".join(named[:-1]) + " and " + named[-1]
            return f"merged {joined}" + (f" as {self.label!r}" if self.label else "")
        if self.op == "rename":
            return f"renamed {name(self.topics[0])} to {self.label!r}"
        if self.op == "discard":
            return f"discarded {name(self.topics[0])}"
        if self.op == "move":
            where = "the outliers" if self.to == OUTLIER else name(int(self.to))
            return f"moved {len(self.remarks)} remark(s) to {where}"
        if self.op == "forget":
            return f"withdrew session {self.session!r} ({self.removed or 0} turn(s) removed from the run)"
        return f"{self.op} of edit {self.target}"


JOINT = "joint"


@dataclass(frozen=True)
class _Model:
    """The part of a run one edit acts on: a topic set, its column in the remarks, and its rows.

    The joint model's rows are the kept remarks (its topics' sizes and words)
    plus, for moves and relabelling, the attached short remarks; a group's
    model holds that group's kept remarks in ``group_topic``.
    """

    name: str
    topic_set: TopicSet
    column: str
    rows: np.ndarray  # the remarks that make the topics (sizes, words, group counts)
    movable: np.ndarray  # the remarks a move may name

    @classmethod
    def of(cls, run: TopicRun, name: str | None) -> _Model:
        name = name or JOINT
        remarks = run.remarks
        kept = remarks["kept"].to_numpy(dtype=bool)
        if name == JOINT:
            if run.joint is None:
                raise TopicsInputError("this run has no joint model; edit a group's model with --model GROUP.")
            return cls(name, run.joint, "topic", kept, kept | remarks["attached"].to_numpy(dtype=bool))
        if name not in run.groups:
            raise TopicsInputError(
                f"no model {name!r} in this run; models: "
                f"{', '.join([JOINT] * (run.joint is not None) + sorted(run.groups))}."
            )
        rows = kept & (remarks["group"] == name).fillna(False).to_numpy(dtype=bool)
        return cls(name, run.groups[name], "group_topic", rows, rows)

    def assignments(self, remarks: pd.DataFrame) -> np.ndarray:
        """One label per kept remark, as :class:`TopicWords` counts them; rows of other models are -2."""
        values = remarks[self.column].where(pd.Series(self.rows, index=remarks.index), OTHER_MODEL)
        return values[remarks["kept"]].fillna(OTHER_MODEL).to_numpy(dtype=int)

    def words(self, words: TopicWords, remarks: pd.DataFrame, topic_ids: list[int]) -> dict[int, list]:
        assignments = self.assignments(remarks)
        return words.words(assignments, topic_ids, rows=assignments != OTHER_MODEL)

    def existing(self, topic_ids: list[int]) -> None:
        known = {t.id for t in self.topic_set.topics}
        missing = [t for t in topic_ids if t not in known]
        if missing:
            where = "" if self.name == JOINT else f" of model {self.name!r}"
            raise TopicsInputError(
                f"no topic {', '.join(map(str, missing))} in this run{where} (topics are {sorted(known)})."
            )

    def group_counts(self, remarks: pd.DataFrame, topic_id: int) -> dict[str, int]:
        if self.name != JOINT:
            return {}  # a group's model holds one group: its topics carry no per-group counts, as fitted
        inside = self.rows & remarks[self.column].eq(topic_id).fillna(False).to_numpy(dtype=bool)
        members = remarks.loc[inside, "group"].dropna()
        return {str(g): int(n) for g, n in members.value_counts().sort_index().items()}

    def moved_tallies(
        self, remarks: pd.DataFrame, selected: np.ndarray, to: int
    ) -> dict[int, tuple[int, dict[str, int]]]:
        """(size, group counts) of every topic after the ``selected`` remarks move to ``to``, from the stored
        tallies and the moved remarks alone: a move of 50 remarks among a million costs 50 remarks. The fit
        and every edit keep the stored tallies equal to a fresh count (a property test checks it)."""
        tallies = {t.id: (t.size, dict(t.group_counts)) for t in self.topic_set.topics}
        for before, group in remarks.loc[selected & self.rows, [self.column, "group"]].itertuples(index=False):
            for topic, step in ((int(before), -1), (to, 1)):
                if topic not in tallies:
                    continue  # the outliers carry no tallies
                size, groups = tallies[topic]
                if self.name == JOINT and not pd.isna(group):
                    groups[str(group)] = groups.get(str(group), 0) + step
                tallies[topic] = (size + step, groups)
        return {t: (size, {g: n for g, n in sorted(groups.items()) if n}) for t, (size, groups) in tallies.items()}

    def relabel(self, remarks: pd.DataFrame, topic_ids: list[int], to: int) -> pd.Series:
        """The model's column with ``topic_ids`` replaced by ``to`` in its own rows only."""
        column = remarks[self.column]
        return column.mask(column.isin(topic_ids) & pd.Series(self.movable, index=remarks.index), to)

    def replace(
        self, run: TopicRun, topics: list[Topic], centroids: np.ndarray, column: pd.Series | None = None
    ) -> TopicRun:
        """The run with this model's topics, centroids and (optionally) column replaced; metrics updated."""
        remarks = run.remarks if column is None else run.remarks.assign(**{self.column: column})
        labels = remarks.loc[self.rows, self.column].to_numpy(dtype=float)
        metrics = {
            **self.topic_set.metrics,
            "topic_count": len(topics),
            "outlier_share": float(np.mean(labels == OUTLIER)) if len(labels) else 0.0,
        }
        topic_set = TopicSet(name=self.topic_set.name, topics=topics, centroids=centroids, metrics=metrics)
        if self.name == JOINT:
            return dataclasses.replace(run, remarks=remarks, joint=topic_set)
        return dataclasses.replace(run, remarks=remarks, groups={**run.groups, self.name: topic_set})


OTHER_MODEL = -2  # label of kept remarks outside a group's model when its words are counted


def rename(run: TopicRun, topic: int, label: str, description: str | None = None, model: str | None = None) -> TopicRun:
    """The run with ``topic`` of ``model`` (None: the joint model) labelled ``label``, stripped; ``description``
    None keeps the topic's description. Raises ``TopicsInputError`` for an unknown topic or an empty label."""
    part = _Model.of(run, model)
    part.existing([topic])
    if not label or not label.strip():
        raise TopicsInputError("a topic label cannot be empty.")
    topics = [
        dataclasses.replace(
            t, label=label.strip(), description=(description if description is not None else t.description)
        )
        if t.id == topic
        else t
        for t in part.topic_set.topics
    ]
    return part.replace(run, topics, part.topic_set.centroids)


def discard(run: TopicRun, topic: int, model: str | None = None) -> TopicRun:
    """The run without ``topic`` in ``model`` (None: the joint model): its remarks, and in the joint model the
    short remarks attached to it, become outliers (-1). Raises ``TopicsInputError`` for an unknown topic."""
    part = _Model.of(run, model)
    part.existing([topic])
    topic_set = part.topic_set
    keep = [i for i, t in enumerate(topic_set.topics) if t.id != topic]
    return part.replace(
        run, [topic_set.topics[i] for i in keep], topic_set.centroids[keep], part.relabel(run.remarks, [topic], OUTLIER)
    )


def merge(
    run: TopicRun, topic_ids: list[int], words: TopicWords, label: str | None = None, model: str | None = None
) -> TopicRun:
    """The run with ``topic_ids`` of ``model`` (None: the joint model) made one topic under the smallest id: its
    words recounted from its remarks, its centroid the size-weighted mean, its label ``label`` or else its first
    three words. Raises ``TopicsInputError`` for fewer than two different topics or an unknown one."""
    topic_ids = sorted(set(topic_ids))
    if len(topic_ids) < 2:
        raise TopicsInputError("a merge needs two or more different topics.")
    part = _Model.of(run, model)
    part.existing(topic_ids)
    topic_set = part.topic_set
    survivor = topic_ids[0]
    column = part.relabel(run.remarks, topic_ids, survivor)
    remarks = run.remarks.assign(**{part.column: column})
    index = {t.id: i for i, t in enumerate(topic_set.topics)}
    sizes = np.array([topic_set.topics[index[t]].size for t in topic_ids], dtype=float)
    rows = topic_set.centroids[[index[t] for t in topic_ids]]
    centroid = np.average(rows, axis=0, weights=sizes) if sizes.sum() > 0 else rows.mean(axis=0)
    new_words = part.words(words, remarks, [survivor])[survivor]
    merged = Topic(
        id=survivor,
        label=label.strip() if label and label.strip() else ", ".join(w for w, _ in new_words[:3]),
        words=new_words,
        size=int(sizes.sum()),
        group_counts=part.group_counts(remarks, survivor),
        description=topic_set.topics[index[survivor]].description,
    )
    topics, centroids = [], []
    for i, topic in enumerate(topic_set.topics):
        if topic.id == survivor:
            topics.append(merged)
            centroids.append(centroid)
        elif topic.id not in topic_ids:
            topics.append(topic)
            centroids.append(topic_set.centroids[i])
    return part.replace(run, topics, np.asarray(centroids, dtype=np.float32), column)


def move(run: TopicRun, remark_ids: list[str], to: int, words: TopicWords, model: str | None = None) -> TopicRun:
    """The run with the remarks ``remark_ids`` moved to topic ``to`` of ``model`` (None: the joint model;
    ``to`` -1: the outliers); the words, sizes and group counts of the topics they left and joined are recomputed.
    Remarks of a withdrawn session are skipped (:func:`withdrawn_remarks`); nothing else left, the run is unchanged.
    Raises ``TopicsInputError`` for no remarks, unknown remarks, or remarks the model does not hold."""
    if not remark_ids:
        raise TopicsInputError("select at least one remark to move.")
    gone = withdrawn_remarks(run)
    remark_ids = [r for r in remark_ids if r not in gone]
    if not remark_ids:
        return run
    part = _Model.of(run, model)
    if to != OUTLIER:
        part.existing([to])
    remarks = run.remarks
    selected = remarks["remark_id"].isin(remark_ids)
    unknown = set(remark_ids) - set(remarks.loc[selected, "remark_id"])
    if unknown:
        raise TopicsInputError(f"no remark {', '.join(sorted(unknown)[:5])} in this run.")
    outside = remarks.loc[selected & ~pd.Series(part.movable, index=remarks.index), ["remark_id", "kept"]]
    if len(outside):
        ids = ", ".join(outside["remark_id"].head(5))
        if part.name == JOINT or not outside["kept"].any():
            raise TopicsInputError(f"remark(s) {ids} were set aside by cleaning and carry no topic.")
        raise TopicsInputError(f"remark(s) {ids} are not in model {part.name!r} (another group's remarks).")
    touched = sorted(({int(t) for t in remarks.loc[selected, part.column]} | {to}) - {OUTLIER})
    column = remarks[part.column].mask(selected, to)
    new_words = part.words(words, remarks.assign(**{part.column: column}), touched)
    tallies = part.moved_tallies(remarks, selected.to_numpy(dtype=bool), to)
    topics = [
        dataclasses.replace(t, words=new_words[t.id], size=tallies[t.id][0], group_counts=tallies[t.id][1])
        if t.id in touched
        else t
        for t in part.topic_set.topics
    ]
    return part.replace(run, topics, part.topic_set.centroids, column)


def recounted(run: TopicRun) -> TopicRun:
    """The run with every model's topic sizes, group counts and outlier share counted afresh from its remarks
    (after remarks left the run: a withdrawn session); words, labels and centroids unchanged."""
    for name in [None] * (run.joint is not None) + list(run.groups):
        part = _Model.of(run, name)
        column = run.remarks[part.column].to_numpy()
        topics = [
            dataclasses.replace(
                t, size=int(np.sum(part.rows & (column == t.id))), group_counts=part.group_counts(run.remarks, t.id)
            )
            for t in part.topic_set.topics
        ]
        run = part.replace(run, topics, part.topic_set.centroids)
    return run


def model_topics(run: TopicRun, model: str | None = None) -> tuple[TopicSet, str]:
    """The topics of ``model`` (None: the joint model; else a group's model) and the remarks' column that holds
    them; a clear error for a model the run does not have."""
    part = _Model.of(run, model)
    return part.topic_set, part.column


def withdrawn_remarks(run: TopicRun) -> frozenset[str]:
    """The ids of remarks removed from ``run`` when their sessions were withdrawn (``provenance["withdrawn"]``)."""
    return frozenset(r for entry in run.provenance.get("withdrawn", []) for r in entry.get("remark_ids", []))


def prime_words(run: TopicRun, words: TopicWords) -> None:
    """Count the joint model's topic words once now (:class:`TopicWords` keeps the class counts and updates
    them by the remarks an edit changes), so the first edit on a million remarks is as quick as the next."""
    if run.joint is not None:
        _Model.of(run, None).words(words, run.remarks, [])


def apply_edit(run: TopicRun, edit: Edit, words: Callable[[], TopicWords]) -> TopicRun:
    """Apply one content edit (not undo/redo); raises ``TopicsInputError`` if it does not apply.

    ``words`` is called only by edits that need new topic words (merge, move),
    so renames and discards never pay for counting words.
    """
    if edit.op == "rename":
        return rename(run, edit.topics[0], edit.label or "", edit.description, edit.model)
    if edit.op == "discard":
        return discard(run, edit.topics[0], edit.model)
    if edit.op == "merge":
        return merge(run, list(edit.topics), words(), edit.label, edit.model)
    if edit.op == "move":
        return move(run, list(edit.remarks), OUTLIER if edit.to is None else int(edit.to), words(), edit.model)
    if edit.op == "forget":
        return run  # the fitted run folder no longer holds the session
    raise ValueError(f"{edit.op} is resolved by the replay, not applied")
