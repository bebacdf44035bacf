"""The ``Corpus`` record: one row per remark, validated, whatever the source.

Loaders in :mod:`corpora` map their source columns onto the canonical columns
below; everything downstream (cleaning, fitting, the explorer) reads only
these. Corpus metadata columns are carried as ``meta_<name>`` so they can never
collide with ours.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import SupportsInt

import pandas as pd

from topics.core.errors import TopicsInputError

#: Canonical columns, in order. ``role``, ``session``, ``group``, ``therapist`` and ``order``
#: may be entirely missing values when the source has no such column. ``position``
#: is the row's place among the source's data rows (from 0): with ``order`` missing,
#: it is what puts a session's turns, every role's, in sequence.
COLUMNS = ("remark_id", "text", "role", "session", "group", "therapist", "order", "position")
META_PREFIX = "meta_"


@dataclass
class Corpus:
    """Remarks of one corpus file, in canonical columns.

    ``frame`` has :data:`COLUMNS` plus ``meta_<name>`` columns. ``source`` is
    the file it came from and ``sha256`` the hash of its bytes, recorded in
    every run's provenance. ``other_turns``: the rows of the roles that
    ``corpus.keep_roles`` leaves out (the client's, usually), in the same
    columns: not modelled, but their place in each session and their labels
    travel with the run.
    """

    frame: pd.DataFrame
    source: Path
    sha256: str
    role_counts: dict[str, int] = field(default_factory=dict)
    other_turns: pd.DataFrame | None = None

    @property
    def metadata_columns(self) -> list[str]:
        """The ``meta_<name>`` columns of ``frame``, in their order there."""
        return [c for c in self.frame.columns if c.startswith(META_PREFIX)]

    @property
    def has_groups(self) -> bool:
        """Whether any remark has a group (False when no group column is mapped)."""
        return bool(self.frame["group"].notna().any())

    def __len__(self) -> int:
        return len(self.frame)


def client_record(turns: pd.DataFrame | None) -> pd.DataFrame | None:
    """The client's turns as a run keeps them: every column but the text, and the text's length in ``words``.
    A run folder holds no client's words (the explorer reads them from the corpus file when it is at hand):
    their place, labels and length are what the session dynamics need."""
    if turns is None:
        return None
    words = turns["text"].astype("string").str.split().str.len().astype("Int64")
    return turns.drop(columns=["text"]).assign(words=words)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes, as hex digits; the file is read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_corpus(
    chunks: Iterable[pd.DataFrame],
    header: list[str],
    source: Path,
    columns: dict[str, str | None],
    keep_roles: list[str] | None,
    metadata: list[str],
    optional: frozenset[str] = frozenset(),
    hint: str = "Fix corpus.columns / corpus.metadata in the config.",
    sha256: str | None = None,
    turn_metadata: Iterable[str] = (),
) -> Corpus:
    """Map source columns onto the canonical record, chunk by chunk, and validate it.

    ``header`` holds the file's column names and ``chunks`` its rows (index =
    data row in the file) holding at least the columns :func:`needed_columns`
    names. ``columns`` maps canonical names (text, role, session, group,
    order, id) to source column names; keys in ``optional`` (and
    ``"metadata"``) may be absent from the file and are then left empty.
    Errors name the file, the missing column, the columns that do exist and
    ``hint``. Roles are filtered per chunk, so only kept remarks accumulate.
    ``sha256``: the source's hash when it is not a file (a DataFrame's); None hashes the file.
    ``turn_metadata``: columns kept with the other roles' turns only (a client turn's talk label), as
    ``meta_<name>``; those missing from the source are left out.
    """
    wanted, metadata = needed_columns(header, source, columns, metadata, optional, hint)
    turn_only = [name for name in turn_metadata if name in header and name not in metadata]
    if keep_roles and "role" not in wanted:
        raise TopicsInputError(
            f"{source}: corpus.keep_roles is set but no role column is mapped. "
            "Set corpus.columns.role, or remove keep_roles."
        )
    keep = {r.lower() for r in keep_roles} if keep_roles else None
    role_counts: Counter[str] = Counter()
    frames, others = [], []
    for raw in chunks:
        frame = _canonical(raw, wanted, metadata + turn_only, source)
        if "role" in wanted:
            roles = frame["role"].str.lower()
            role_counts.update({str(k): int(v) for k, v in roles.value_counts(dropna=False).items()})
            if keep is not None:
                kept = roles.isin(keep).fillna(False).to_numpy(dtype=bool)
                others.append(frame[~kept])
                frame = frame[kept]
        frames.append(frame.drop(columns=[META_PREFIX + name for name in turn_only]))
    frame = pd.concat(frames) if frames else _canonical(pd.DataFrame(columns=header), wanted, metadata, source)
    if keep is not None and frame.empty:
        raise TopicsInputError(
            f"{source}: no remarks have a role in {sorted(keep)} (column {wanted['role']!r}). "
            f"Roles found: {', '.join(sorted(role_counts))}. Fix corpus.keep_roles."
        )
    if "id" in wanted:
        duplicated = frame["remark_id"][frame["remark_id"].duplicated(keep=False)]
        if len(duplicated):
            raise TopicsInputError(
                f"{source}: id column {wanted['id']!r} has duplicate value {duplicated.iloc[0]!r} "
                f"(data row {_row(duplicated.index[0])} and others). Remark ids must be unique, or leave "
                "corpus.columns.id empty."
            )
    frame = frame.reset_index(drop=True)
    other_turns = pd.concat(others).reset_index(drop=True) if others else None
    return Corpus(
        frame=frame,
        source=source,
        sha256=sha256 or file_sha256(source),
        role_counts=dict(role_counts),
        other_turns=other_turns,
    )


def needed_columns(
    header: list[str],
    source: Path,
    columns: dict[str, str | None],
    metadata: list[str],
    optional: frozenset[str] = frozenset(),
    hint: str = "Fix corpus.columns / corpus.metadata in the config.",
) -> tuple[dict[str, str], list[str]]:
    """(canonical name -> source column, metadata columns) that the file must be read with; missing ones are errors."""
    wanted = {key: name for key, name in columns.items() if name and (key not in optional or name in header)}
    if "metadata" in optional:
        metadata = [name for name in metadata if name in header]
    if "text" not in wanted:
        raise TopicsInputError(f"{source}: the config must name the text column (corpus.columns.text).")
    missing = [name for name in [*wanted.values(), *metadata] if name not in header]
    if missing:
        raise TopicsInputError(
            f"{source}: column(s) {', '.join(repr(m) for m in missing)} not found. "
            f"The file has: {', '.join(map(str, header))}. {hint}"
        )
    return wanted, list(metadata)


def _canonical(raw: pd.DataFrame, wanted: dict[str, str], metadata: list[str], source: Path) -> pd.DataFrame:
    """One chunk in canonical columns; generated remark ids count data rows of the whole file."""
    frame = pd.DataFrame(index=raw.index)
    frame["remark_id"] = (
        raw[wanted["id"]].astype("string") if "id" in wanted else pd.array([f"r{i}" for i in raw.index], dtype="string")
    )
    frame["text"] = raw[wanted["text"]].astype("string").fillna("")
    for key in ("role", "session", "group"):
        frame[key] = raw[wanted[key]].astype("string").str.strip() if key in wanted else pd.NA
    # typed even when empty, so that a run folder reads back what was written
    therapist = raw[wanted["therapist"]] if "therapist" in wanted else pd.Series(pd.NA, index=raw.index)
    frame["therapist"] = therapist.astype("string").str.strip()
    frame["order"] = _order_column(raw, wanted.get("order"), source)
    frame["position"] = pd.array(raw.index, dtype="Int64")
    for name in metadata:
        frame[META_PREFIX + name] = raw[name].astype("string").str.strip()
    return frame


def _row(index: SupportsInt) -> str:
    """Data row number counted from 1 (in a CSV with a header, it sits on line N + 1)."""
    return f"{int(index) + 1}"


def _order_column(raw: pd.DataFrame, name: str | None, source: Path) -> pd.Series:
    if not name:
        return pd.Series(pd.NA, index=raw.index, dtype="Int64")
    numbers = pd.to_numeric(raw[name], errors="coerce")
    bad = numbers.isna() & raw[name].notna()
    if bad.any():
        first = bad[bad].index[0]
        raise TopicsInputError(
            f"{source}: data row {_row(first)}, column {name!r}: {raw[name][first]!r} is not a number. "
            "The order column must hold the position of each remark in its session."
        )
    return numbers.astype("Int64")
