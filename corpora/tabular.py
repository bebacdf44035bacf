"""Generic loader: CSV, TSV, JSON Lines or Parquet plus a column mapping.

This is how a corpus the toolkit has never seen gets in: name the columns in
the config and the loader does the rest. Read errors are turned into messages
that name the file and what to do.

Files are read in chunks of ``CHUNK_ROWS`` rows and only the columns the
config maps (:func:`read_chunks`), so a million-remark file with client turns
and wide annotation columns never sits in memory whole: what is kept is the
therapist's remarks in the canonical columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import pandas as pd

from topics.core.errors import TopicsInputError

#: Rows per chunk: about 50 MB of pandas strings for remarks of a few hundred characters.
CHUNK_ROWS = 100_000
FORMATS = ("csv", "tsv", "jsonl", "parquet")


def _check_file(path: Path, fmt: str) -> None:
    if not path.exists():
        raise TopicsInputError(
            f"{path}: corpus file not found. Check corpus.path (relative paths start at the current folder)."
        )
    if not path.is_file():
        raise TopicsInputError(f"{path}: is a folder, not a corpus file. Point corpus.path at a {fmt} file.")
    if fmt not in FORMATS:
        raise TopicsInputError(f"{path}: unknown format {fmt!r}; use csv, tsv, jsonl, parquet or annomi.")


@contextmanager
def _read_errors(path: Path, fmt: str):
    """Turn the readers' exceptions into messages that name the file and what to do."""
    try:
        yield
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


def _csv_options(fmt: str) -> dict:
    """No type guessing (ids keep their zeros), empty cells are missing, strict UTF-8."""
    return dict(
        sep="\t" if fmt == "tsv" else ",",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
        encoding_errors="strict",
    )


def read_header(path: Path, fmt: str) -> list[str]:
    """The file's column names (for JSON Lines: the keys of its first 1,000 records), without reading it whole."""
    _check_file(path, fmt)
    with _read_errors(path, fmt):
        if fmt in ("csv", "tsv"):
            return [str(c) for c in pd.read_csv(path, nrows=0, **_csv_options(fmt)).columns]
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(path).schema_arrow.names)
        keys: dict[str, None] = {}
        for _, record in islice(_jsonl_records(path), 1_000):
            keys.update(dict.fromkeys(record))
        if not keys:
            raise TopicsInputError(f"{path}: the file holds no records.")
        return list(keys)


def read_chunks(
    path: Path, fmt: str, columns: list[str] | None = None, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The file as string frames of at most ``rows`` rows, holding only ``columns`` (all when None).

    Each frame's index is the data row number (from 0) in the whole file, so
    errors and generated remark ids name the same row as a whole-file read.
    """
    _check_file(path, fmt)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    offset = 0
    with _read_errors(path, fmt):
        for chunk in _chunks(path, fmt, wanted, rows):
            chunk.index = pd.RangeIndex(offset, offset + len(chunk))
            offset += len(chunk)
            yield chunk
    if offset == 0 and fmt == "jsonl":
        raise TopicsInputError(f"{path}: the file holds no records.")


def _chunks(path: Path, fmt: str, columns: list[str] | None, rows: int) -> Iterator[pd.DataFrame]:
    if fmt in ("csv", "tsv"):
        usecols = None if columns is None else (lambda name: name in columns)
        with pd.read_csv(path, usecols=usecols, chunksize=rows, **_csv_options(fmt)) as reader:
            yield from reader
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns):
            yield batch.to_pandas().astype("string")
    else:
        records = _jsonl_records(path)
        while batch := list(islice(records, rows)):
            frame = pd.DataFrame.from_records([r for _, r in batch])
            if columns is not None:
                frame = frame[[c for c in columns if c in frame.columns]]
            yield frame.astype("string")


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) of every non-blank line; a line that is not one JSON object is an error."""
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
            yield number, record


def read_table(path: Path, fmt: str) -> pd.DataFrame:
    """The whole file as strings, every column (for tools that rewrite a file, such as ``topics redact``)."""
    frames = list(read_chunks(path, fmt))
    if not frames:
        with _read_errors(path, fmt):
            return pd.read_csv(path, **_csv_options(fmt)) if fmt in ("csv", "tsv") else pd.DataFrame()
    return pd.concat(frames) if len(frames) > 1 else frames[0]
