"""Assign a run's curated topics to the remarks of a new corpus file.

The new file is read with the run's own corpus mapping (format, columns, roles,
metadata) and cleaned with its cleaning rules, so its remarks are treated
exactly like those the model was fitted on. Kept remarks get the curated
topics by the rule of :mod:`topics.assign` (merged topics are one target,
discarded topics are never given, a remark like no topic is an outlier);
set-aside remarks get no topic.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from corpora import load_corpus
from topics.assign import CuratedTopics, kept_embeddings
from topics.clean import clean
from topics.config import validate_config
from topics.editlog import Curator
from topics.embed import Encoder, embed_texts
from topics.errors import TopicsInputError
from topics.pipeline import embedding_cache, make_encoder


def transform_file(curator: Curator, path: Path, encoder: Encoder | None = None,
                   min_similarity: float | None = None) -> pd.DataFrame:
    """One row per remark of ``path``: identity, text, kept/set_aside, topic, label, similarity.

    ``curator.run`` is what is applied: the curated run, or the fit itself
    when the curator was opened without replaying edits.
    """
    run = curator.run
    if run.joint is None:
        raise TopicsInputError(f"{curator.path}: this run has no joint model to assign topics with "
                               "(fit it with fit.modes: [joint]).")
    config = validate_config(run.config, source=f"{curator.path}/config.yaml")
    corpus = load_corpus(config.corpus, Path(path))
    cleaned = clean(corpus.frame["text"], config.clean)
    frame = corpus.frame.copy()
    frame["kept"], frame["set_aside"] = cleaned.kept.to_numpy(), cleaned.set_aside
    frame["topic"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["similarity"] = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    kept = frame.index[frame["kept"]]
    if len(kept):
        encoder = encoder or make_encoder(config)
        embeddings, _ = embed_texts(cleaned.text[kept].tolist(), encoder, embedding_cache(config, encoder))
        floor = config.assign.min_similarity if min_similarity is None else min_similarity
        targets = CuratedTopics.of(run, curator.fitted, kept_embeddings(curator), floor)
        topics, similarity = targets.assign(embeddings)
        frame.loc[kept, "topic"] = topics
        frame.loc[kept, "similarity"] = similarity.astype(float)
    labels = {t.id: t.label for t in run.joint.topics}
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
