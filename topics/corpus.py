"""The ``Corpus`` record: one row per remark, validated, whatever the source.

Loaders in :mod:`corpora` map their source columns onto the canonical columns
below; everything downstream (cleaning, fitting, the explorer) reads only
these. Corpus metadata columns are carried as ``meta_<name>`` so they can never
collide with ours.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from topics.errors import TopicsInputError

#: Canonical columns, in order. ``role``, ``session``, ``group`` and ``order``
#: may be entirely missing values when the source has no such column.
COLUMNS = ("remark_id", "text", "role", "session", "group", "order")
META_PREFIX = "meta_"


@dataclass
class Corpus:
    """Remarks of one corpus file, in canonical columns.

    ``frame`` has :data:`COLUMNS` plus ``meta_<name>`` columns. ``source`` is
    the file it came from and ``sha256`` the hash of its bytes, recorded in
    every run's provenance.
    """

    frame: pd.DataFrame
    source: Path
    sha256: str
    role_counts: dict[str, int] = field(default_factory=dict)

    @property
    def metadata_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c.startswith(META_PREFIX)]

    @property
    def has_groups(self) -> bool:
        return bool(self.frame["group"].notna().any())

    def __len__(self) -> int:
        return len(self.frame)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_corpus(
    raw: pd.DataFrame,
    source: Path,
    columns: dict[str, str | None],
    keep_roles: list[str] | None,
    metadata: list[str],
    optional: frozenset[str] = frozenset(),
    hint: str = "Fix corpus.columns / corpus.metadata in the config.",
) -> Corpus:
    """Map ``raw`` source columns onto the canonical record and validate it.

    ``columns`` maps canonical names (text, role, session, group, order, id) to
    source column names; keys in ``optional`` (and ``"metadata"``) may be
    absent from the file and are then left empty. Errors name the file, the
    missing column, the columns that do exist and ``hint``.
    """
    wanted = {key: name for key, name in columns.items() if name and (key not in optional or name in raw.columns)}
    if "metadata" in optional:
        metadata = [name for name in metadata if name in raw.columns]
    if "text" not in wanted:
        raise TopicsInputError(f"{source}: the config must name the text column (corpus.columns.text).")
    missing = [name for name in [*wanted.values(), *metadata] if name not in raw.columns]
    if missing:
        available = ", ".join(map(str, raw.columns))
        raise TopicsInputError(
            f"{source}: column(s) {', '.join(repr(m) for m in missing)} not found. The file has: {available}. {hint}"
        )

    frame = pd.DataFrame(index=raw.index)
    if "id" in wanted:
        ids = raw[wanted["id"]].astype("string")
        duplicated = ids[ids.duplicated(keep=False)]
        if len(duplicated):
            first = duplicated.index[0]
            raise TopicsInputError(
                f"{source}: id column {wanted['id']!r} has duplicate value {duplicated.iloc[0]!r} "
                f"(data row {_row(first)} and others). Remark ids must be unique, or leave corpus.columns.id empty."
            )
        frame["remark_id"] = ids
    else:
        frame["remark_id"] = pd.array([f"r{i}" for i in range(len(raw))], dtype="string")
    frame["text"] = raw[wanted["text"]].astype("string").fillna("")
    for key in ("role", "session", "group"):
        frame[key] = raw[wanted[key]].astype("string").str.strip() if key in wanted else pd.NA
    frame["order"] = _order_column(raw, wanted.get("order"), source)
    for name in metadata:
        frame[META_PREFIX + name] = raw[name].astype("string").str.strip()

    role_counts = {}
    if "role" in wanted:
        roles = frame["role"].str.lower()
        role_counts = {str(k): int(v) for k, v in roles.value_counts(dropna=False).items()}
        if keep_roles:
            keep = {r.lower() for r in keep_roles}
            frame = frame[roles.isin(keep).fillna(False)]
            if frame.empty:
                raise TopicsInputError(
                    f"{source}: no remarks have a role in {sorted(keep)} (column {wanted['role']!r}). "
                    f"Roles found: {', '.join(sorted(role_counts))}. Fix corpus.keep_roles."
                )
    elif keep_roles:
        raise TopicsInputError(
            f"{source}: corpus.keep_roles is set but no role column is mapped. "
            "Set corpus.columns.role, or remove keep_roles."
        )
    frame = frame.reset_index(drop=True)
    return Corpus(frame=frame, source=source, sha256=file_sha256(source), role_counts=role_counts)


def _row(index) -> str:
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
