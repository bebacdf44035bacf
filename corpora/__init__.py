"""Corpus loaders: one per known format, each returning a validated ``Corpus``."""

from __future__ import annotations

from pathlib import Path

from corpora import annomi
from corpora.tabular import read_table
from topics.config import CorpusConfig
from topics.corpus import Corpus, build_corpus

def load_corpus(config: CorpusConfig, path: Path | None = None) -> Corpus:
    """Load the corpus described by ``config`` (from ``path`` if given)."""
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
    return build_corpus(raw, source, columns, keep_roles, metadata)
