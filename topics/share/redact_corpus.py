"""``topics redact``: a de-identified copy of a transcript file, so that a team can share a corpus.

Same columns, same rows, same format (CSV, TSV, JSON Lines or Parquet, by
the file's suffix); the named text columns pass through :mod:`topics.share.redact`
with pseudonyms numbered per session when a session column is given. The
copy is written to a temporary name and renamed into place only when every
row is done, so a failure leaves nothing behind.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corpora.tabular import read_table
from topics.core.errors import TopicsInputError
from topics.core.files import atomic_file
from topics.share.redact import KINDS, Redactor

if TYPE_CHECKING:
    from tqdm import tqdm

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".parquet": "parquet"}


def file_format(path: Path) -> str:
    """The table format of ``path`` by its suffix (``csv``, ``tsv``, ``jsonl`` or ``parquet``); any other suffix
    raises ``TopicsInputError``."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise TopicsInputError(f"{path}: unknown file type {path.suffix!r}; use {', '.join(FORMATS)}.")
    return fmt


def redact_file(
    path: Path,
    columns: list[str],
    out: Path | None = None,
    session_column: str | None = None,
    pseudonyms: bool = True,
    progress: tqdm | None = None,
) -> tuple[Path, Counter]:
    """Write the de-identified copy of ``path`` (default ``<name>.redacted<suffix>`` beside it);
    returns its path and how many details of each kind were replaced. ``progress`` advances by one per cell of
    the named columns."""
    path = Path(path)
    fmt = file_format(path)
    target = Path(out) if out else path.with_name(f"{path.stem}.redacted{path.suffix}")
    out_fmt = file_format(target)
    if target.resolve() == path.resolve():
        raise TopicsInputError(f"{target}: would overwrite the original; choose another --out.")
    frame = read_table(path, fmt)
    missing = [c for c in [*columns, *([session_column] if session_column else [])] if c not in frame.columns]
    if missing:
        raise TopicsInputError(
            f"{path}: column(s) {', '.join(map(repr, missing))} not found. The file has: "
            f"{', '.join(map(str, frame.columns))}."
        )
    redactor = Redactor(pseudonyms=pseudonyms)
    counts: Counter = Counter()
    sessions = frame[session_column].astype(str).tolist() if session_column else [None] * len(frame)
    for column in columns:
        values = []
        for value, session in zip(frame[column], sessions):
            if isinstance(value, str):
                result = redactor.redact(value, session)
                counts.update(result.counts)
                value = result.text
            values.append(value)
            if progress is not None:
                progress.update(1)
        frame[column] = pd.array(values, dtype="string")
    _write(frame, target, out_fmt)
    return target, Counter({kind: counts.get(kind, 0) for kind in KINDS})


def _write(frame: pd.DataFrame, target: Path, fmt: str) -> None:
    with atomic_file(target) as temporary:
        if fmt in ("csv", "tsv"):
            frame.to_csv(temporary, index=False, sep="\t" if fmt == "tsv" else ",")
        elif fmt == "jsonl":
            frame.to_json(temporary, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(temporary, index=False)
