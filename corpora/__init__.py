"""Corpus loaders: one per known format, each returning a validated ``Corpus``."""

from __future__ import annotations

from pathlib import Path

from corpora import annomi
from corpora.tabular import CHUNK_ROWS, read_chunks, read_header
from topics.core.config import CorpusConfig
from topics.core.corpus import Corpus, build_corpus, needed_columns

#: Columns a new file given to an existing run may lack: a trainee's session has no quality label.
NEW_FILE_OPTIONAL = frozenset({"id", "session", "group", "order", "metadata"})


def load_corpus(config: CorpusConfig, path: Path | None = None, run: Path | None = None,
                chunk_rows: int = CHUNK_ROWS) -> Corpus:
    """Load the corpus described by ``config`` (from ``path`` if given).

    ``run``: the file holds new sessions for that run (``transform``,
    ``profile``): only the text and role columns are required, and a
    missing column is explained in terms of the run's mapping.
    """
    source = Path(path or config.path)
    columns = config.columns.model_dump()
    keep_roles, metadata = config.keep_roles, list(config.metadata)
    fmt = config.format
    if fmt == "annomi":
        columns = {key: columns[key] or preset for key, preset in annomi.COLUMNS.items()}
        keep_roles = keep_roles if keep_roles is not None else annomi.KEEP_ROLES
        metadata = metadata or annomi.METADATA
        fmt = "csv"
    header = read_header(source, fmt)
    if run is None:
        optional, hint = frozenset(), "Fix corpus.columns / corpus.metadata in the config."
    else:
        optional, hint = NEW_FILE_OPTIONAL, _new_file_hint(columns, run)
    wanted, present = needed_columns(header, source, columns, metadata, optional, hint)
    chunks = read_chunks(source, fmt, [*wanted.values(), *present], chunk_rows)
    return build_corpus(chunks, header, source, columns, keep_roles, metadata, optional, hint)


def _new_file_hint(columns: dict, run: Path) -> str:
    """What a file given to an existing run must hold, in terms of the run's own mapping."""
    return (f"Files given to the run {run} need the columns of the corpus it was fitted on "
            f"(corpus.columns in {run / 'config.yaml'}): text {columns.get('text')!r}"
            + (f", role {columns['role']!r}" if columns.get("role") else "")
            + (f"; session {columns['session']!r} is optional (without it the file is one session)"
               if columns.get("session") else "")
            + "; group, order, id and metadata columns may be left out.")
