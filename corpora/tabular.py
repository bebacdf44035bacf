"""Generic loader: CSV, TSV, JSON Lines or Parquet plus a column mapping.

This is how a corpus the toolkit has never seen gets in: name the columns in
the config and the loader does the rest. Read errors are turned into messages
that name the file and what to do.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from topics.errors import TopicsInputError


def read_table(path: Path, fmt: str) -> pd.DataFrame:
    """Read the whole file as strings; no type guessing, so ids keep their zeros."""
    if not path.exists():
        raise TopicsInputError(f"{path}: corpus file not found. Check corpus.path (relative paths start at the current folder).")
    if not path.is_file():
        raise TopicsInputError(f"{path}: is a folder, not a corpus file. Point corpus.path at a {fmt} file.")
    try:
        if fmt in ("csv", "tsv"):
            return pd.read_csv(
                path, sep="\t" if fmt == "tsv" else ",", dtype=str, keep_default_na=False,
                na_values=[""], encoding="utf-8", encoding_errors="strict",
            )
        if fmt == "jsonl":
            return _read_jsonl(path)
        if fmt == "parquet":
            return pd.read_parquet(path).astype("string")
    except UnicodeDecodeError as error:
        raise TopicsInputError(
            f"{path}: not UTF-8 text (byte {error.start}: {error.reason}). Re-save the file as UTF-8."
        ) from None
    except pd.errors.EmptyDataError:
        raise TopicsInputError(f"{path}: the file is empty.") from None
    except pd.errors.ParserError as error:
        raise TopicsInputError(f"{path}: cannot be read as {fmt}: {error}") from None
    except (OSError, ValueError) as error:
        raise TopicsInputError(f"{path}: cannot be read as {fmt}: {error}") from None
    raise TopicsInputError(f"{path}: unknown format {fmt!r}; use csv, tsv, jsonl, parquet or annomi.")


def _read_jsonl(path: Path) -> pd.DataFrame:
    records = []
    with open(path, encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise TopicsInputError(f"{path}: line {number} is not valid JSON ({error.msg}).") from None
            if not isinstance(record, dict):
                raise TopicsInputError(f"{path}: line {number} must be a JSON object with one remark.")
            records.append(record)
    if not records:
        raise TopicsInputError(f"{path}: the file holds no records.")
    frame = pd.DataFrame.from_records(records)
    return frame.astype("string")
