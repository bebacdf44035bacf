"""Corpus loaders: one per known format, each returning a validated ``Corpus``."""

from __future__ import annotations

from pathlib import Path

from corpora import annomi
from corpora.tabular import read_table
from topics.config import CorpusConfig
from topics.corpus import Corpus, build_corpus

#: Columns a new file given to an existing run may lack: a trainee's session has no quality label.
NEW_FILE_OPTIONAL = frozenset({"id", "session", "group", "order", "metadata"})


def load_corpus(config: CorpusConfig, path: Path | None = None, run: Path | None = None) -> Corpus:
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
    raw = read_table(source, fmt)
    if run is None:
        return build_corpus(raw, source, columns, keep_roles, metadata)
    hint = (f"Files given to the run {run} need the columns of the corpus it was fitted on "
            f"(corpus.columns in {run / 'config.yaml'}): text {columns.get('text')!r}"
            + (f", role {columns['role']!r}" if columns.get("role") else "")
            + (f"; session {columns['session']!r} is optional (without it the file is one session)"
               if columns.get("session") else "")
            + "; group, order, id and metadata columns may be left out.")
    return build_corpus(raw, source, columns, keep_roles, metadata, optional=NEW_FILE_OPTIONAL, hint=hint)
