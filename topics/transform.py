"""Assign topics to the remarks of a new corpus file with a run's saved model.

The new file is read with the run's own corpus mapping (format, columns, roles,
metadata) and cleaned with its cleaning rules, so its remarks are treated
exactly like those the model was fitted on. Set-aside remarks get no topic.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from corpora import load_corpus
from topics.clean import clean
from topics.config import validate_config
from topics.embed import EmbeddingCache, Encoder, embed_texts
from topics.model import load_bertopic
from topics.pipeline import make_encoder
from topics.run import TopicRun
from topics.runtime import cache_root


def transform_file(run: TopicRun, path: Path, encoder: Encoder | None = None) -> pd.DataFrame:
    """One row per remark of ``path``: identity, text, kept/set_aside, topic, label, similarity."""
    config = validate_config(run.config, source=f"{run.path}/config.yaml")
    corpus = load_corpus(config.corpus, Path(path))
    cleaned = clean(corpus.frame["text"], config.clean)
    frame = corpus.frame.copy()
    frame["kept"], frame["set_aside"] = cleaned.kept.to_numpy(), cleaned.set_aside
    frame["topic"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["similarity"] = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    kept = frame.index[frame["kept"]]
    if len(kept) and run.joint is not None:
        encoder = encoder or make_encoder(config)
        cache = EmbeddingCache(cache_root() / "embeddings", encoder.identity) if config.embed.cache else None
        embeddings, _ = embed_texts(cleaned.text[kept].tolist(), encoder, cache)
        model = load_bertopic(run.path / "model", encoder)
        topics, similarity = model.transform(cleaned.text[kept].tolist(), embeddings=embeddings)
        frame.loc[kept, "topic"] = np.asarray(topics, dtype=int)
        frame.loc[kept, "similarity"] = np.asarray(similarity, dtype=float).reshape(len(kept), -1).max(axis=1)
    labels = {t.id: t.label for t in run.joint.topics} if run.joint else {}
    frame["label"] = frame["topic"].map(lambda t: labels.get(int(t), "outlier") if pd.notna(t) else pd.NA)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """CSV (or Parquet by suffix), written to a temporary name and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if path.suffix == ".parquet":
        frame.to_parquet(temporary, index=False)
    else:
        frame.to_csv(temporary, index=False)
    os.replace(temporary, path)
