"""Assign a run's curated topics to the remarks of a new corpus file.

The new file is read with the run's own corpus mapping (format, columns, roles,
metadata), its languages found as the fit found them and each remark cleaned
with its language's rules, so its remarks are treated exactly like those the
model was fitted on (an encoder that does not speak them is said, as at fit). Kept remarks get the curated
topics by the rule of :mod:`topics.curate.assign` (a merged topic keeps its parts, a moved remark counts where it
was moved, discarded topics are never given, a remark like no topic is an outlier);
short remarks are attached by the same rule when ``assign.short_remarks`` is
on, as at fit time; empty remarks and backchannels get no topic.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpora import load_corpus
from topics.core.config import validate_config
from topics.core.corpus import Corpus
from topics.core.errors import TopicsInputError
from topics.core.files import atomic_file
from topics.curate import classifier
from topics.curate.assign import curated_targets
from topics.curate.editlog import Curator
from topics.fit.centroids import assign_texts, attach_short_remarks
from topics.fit.clean import clean
from topics.fit.embed import Encoder, backend_of
from topics.fit.encoders import embedding_cache, make_encoder
from topics.fit.language import check_coverage
from topics.fit.pipeline import remark_languages
from topics.fit.stopwords import DEFAULT_LANGUAGE, StopWords


def transform_file(
    curator: Curator,
    path: Path,
    encoder: Encoder | None = None,
    min_similarity: float | None = None,
    method: str = "curated",
) -> pd.DataFrame:
    """One row per remark of ``path``: identity, text, kept/set_aside/attached, topic, label, similarity
    (:func:`transform_corpus` of the file read with the run's corpus mapping)."""
    config = validate_config(curator.run.config, source=f"{curator.path}/config.yaml")
    corpus = load_corpus(config.corpus, Path(path), run=curator.path)
    return transform_corpus(curator, corpus, encoder, min_similarity, method)


def transform_corpus(
    curator: Curator,
    corpus: Corpus,
    encoder: Encoder | None = None,
    min_similarity: float | None = None,
    method: str = "curated",
) -> pd.DataFrame:
    """One row per remark of ``corpus``: identity, text, kept/set_aside/attached, topic, label, similarity.

    ``curator.run`` is what is applied: the curated run, or the fit itself
    when the curator was opened without replaying edits. ``method``:
    ``curated`` (the rule of :mod:`topics.curate.assign`), ``centroid`` (one
    centroid per topic, the former rule, for comparison) or ``classifier`` (the
    run's trained classifier, refused when edits came after its training).
    """
    run = curator.run
    if run.joint is None:
        raise TopicsInputError(
            f"{curator.path}: this run has no joint model to assign topics with (fit it with fit.modes: [joint])."
        )
    config = validate_config(run.config, source=f"{curator.path}/config.yaml")
    model = classifier.require_current(curator) if method == "classifier" else None
    shares = (run.provenance.get("languages") or {}).get("shares") or {DEFAULT_LANGUAGE: 1.0}
    languages = remark_languages(corpus, config, fallback=next(iter(shares)))
    cleaned = clean(corpus.frame["text"], config.clean, languages.per_remark, StopWords(config.words.extra_stop_words))
    frame = corpus.frame.copy()
    frame["language"] = pd.Series(languages.per_remark, index=frame.index, dtype="string")
    frame["kept"], frame["set_aside"] = cleaned.kept.to_numpy(), cleaned.set_aside
    frame["topic"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["similarity"] = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    frame["attached"] = False
    kept = frame.index[frame["kept"]]
    attach = config.assign.short_remarks
    if len(kept) or attach:
        recorded = run.provenance.get("embedding", {}).get("backend")
        encoder = encoder or make_encoder(config, recorded)
        used = backend_of(encoder)
        if recorded not in (None, "unknown") and used != recorded:
            raise TopicsInputError(
                f"{curator.path}: the run's remarks were embedded by {recorded}, and this encoder computes with "
                f"{used}; vectors of two backends differ, so the run's topics would not apply as they should. "
                "Assign with the run's own encoder (embed.model in its config.yaml), or refit with this one."
            )
        check_coverage(
            languages,
            frame["kept"].to_numpy(),
            getattr(encoder, "languages", None),
            f"of this run (embed.model: {config.embed.model})",
            config.embed.language_check,
            remedy="Refit the run with embed.model: multilingual to assign topics to them",
        )
        cache = embedding_cache(config, encoder)
        targets = curated_targets(curator, min_similarity, "centroid" if method == "centroid" else "curated")
        targets.classifier = model
        if len(kept):
            topics, similarity = assign_texts(cleaned.text[kept].tolist(), targets, encoder, cache)
            frame.loc[kept, "topic"] = topics
            frame.loc[kept, "similarity"] = similarity.astype(float)
        if attach:
            frame = attach_short_remarks(frame, cleaned.text, targets, encoder, cache)
    labels = {t.id: t.label for t in run.joint.topics}
    frame["label"] = frame["topic"].map(lambda t: labels.get(int(t), "outlier") if pd.notna(t) else pd.NA)
    return frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """CSV (or Parquet by suffix), written to a temporary name and renamed into place."""
    with atomic_file(path) as temporary:
        if path.suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            frame.to_csv(temporary, index=False)
