"""Corpus loaders: one per known format, each returning a validated ``Corpus``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from corpora import annomi
from corpora.tabular import CHUNK_ROWS, read_chunks, read_header
from topics.core.config import CorpusConfig
from topics.core.corpus import Corpus, build_corpus, needed_columns
from topics.core.errors import TopicsInputError

#: Columns a new file given to an existing run may lack: a trainee's session has no quality label.
NEW_FILE_OPTIONAL = frozenset({"id", "session", "group", "therapist", "order", "metadata"})


def load_corpus(
    config: CorpusConfig, path: Path | None = None, run: Path | None = None, chunk_rows: int = CHUNK_ROWS
) -> Corpus:
    """Load the corpus described by ``config`` (from ``path`` if given).

    ``run``: the file holds new sessions for that run (``transform``,
    ``profile``): only the text and role columns are required, and a
    missing column is explained in terms of the run's mapping.
    """
    source = Path(path or config.path)
    columns = config.columns.model_dump()
    keep_roles, metadata, turn_metadata = config.keep_roles, list(config.metadata), list(config.turn_metadata)
    fmt = config.format
    if fmt == "annomi":
        columns = {key: columns[key] or preset for key, preset in annomi.COLUMNS.items()}
        keep_roles = keep_roles if keep_roles is not None else annomi.KEEP_ROLES
        metadata = metadata or annomi.METADATA
        turn_metadata = turn_metadata or annomi.TURN_METADATA
        fmt = "csv"
    header = read_header(source, fmt)
    if run is None:
        optional, hint = frozenset(), "Fix corpus.columns / corpus.metadata in the config."
    else:
        optional, hint = NEW_FILE_OPTIONAL, _new_file_hint(columns, run)
    wanted, present = needed_columns(header, source, columns, metadata, optional, hint)
    turn_only = [name for name in turn_metadata if name in header and name not in present]
    chunks = read_chunks(source, fmt, [*wanted.values(), *present, *turn_only], chunk_rows)
    return build_corpus(chunks, header, source, columns, keep_roles, metadata, optional, hint, turn_metadata=turn_only)


#: What a corpus held in memory is called where a file name would stand (errors, provenance).
IN_MEMORY = Path("<DataFrame>")


def corpus_from_frame(frame: pd.DataFrame, config: CorpusConfig, run: Path | None = None) -> Corpus:
    """A corpus from a DataFrame in memory, its columns mapped by ``config`` as a file's would be.

    ``run``: the remarks are new sessions for that run, as in :func:`load_corpus`. The corpus' hash
    (recorded in provenance) is taken over the mapped columns' values.
    """
    columns = config.columns.model_dump()
    optional, hint = (
        (frozenset(), "Name the DataFrame's columns in the model's parameters.")
        if run is None
        else (NEW_FILE_OPTIONAL, _new_file_hint(columns, run))
    )
    header = [str(name) for name in frame.columns]
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise TopicsInputError(
            f"{IN_MEMORY}: column(s) {', '.join(map(repr, twice))} appear more than once. "
            "Give each column of the DataFrame its own name."
        )
    wanted, present = needed_columns(header, IN_MEMORY, columns, list(config.metadata), optional, hint)
    turn_only = [name for name in config.turn_metadata if name in header and name not in present]
    # a column may be mapped twice (group: school, metadata: [school]): read it once
    selected = frame.set_axis(header, axis=1)[list(dict.fromkeys([*wanted.values(), *present, *turn_only]))]
    selected = selected.reset_index(drop=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(selected, index=False).to_numpy().tobytes()).hexdigest()
    return build_corpus(
        [selected],
        header,
        IN_MEMORY,
        columns,
        config.keep_roles,
        list(config.metadata),
        optional,
        hint,
        sha256=digest,
        turn_metadata=turn_only,
    )


def _new_file_hint(columns: dict, run: Path) -> str:
    """What a file given to an existing run must hold, in terms of the run's own mapping."""
    return (
        f"Files given to the run {run} need the columns of the corpus it was fitted on "
        f"(corpus.columns in {run / 'config.yaml'}): text {columns.get('text')!r}"
        + (f", role {columns['role']!r}" if columns.get("role") else "")
        + (
            f"; session {columns['session']!r} is optional (without it the file is one session)"
            if columns.get("session")
            else ""
        )
        + "; group, order, id and metadata columns may be left out."
    )
