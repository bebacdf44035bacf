"""Build and fit the BERTopic pipeline from a config: one model -> one ``TopicSet``.

BERTopic is the engine; this module decides what goes into it so that nothing
is left to its defaults: our encoder (it never picks a model itself), the
cached seeded reducers (one per consensus member), the consensus of HDBSCAN
fits with every parameter from the config (:mod:`topics.fit.consensus`), a
vectorizer that knows therapy-speech fillers, and optional outlier reduction
whose before/after share is recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from topics.core.config import Config
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, Topic, TopicSet
from topics.fit.backends import resolve
from topics.fit.consensus import ConsensusClusterer, member_seeds
from topics.fit.embed import Encoder
from topics.fit.metrics import topic_set_metrics
from topics.fit.reduce import MultiSeedReducer
from topics.fit.runtime import import_compiled
from topics.fit.stopwords import StopWords
from topics.fit.topic_words import word_vectorizer

if TYPE_CHECKING:
    from bertopic import BERTopic


def _bertopic_embedder(encoder: Encoder):
    """Wrap our encoder as a BERTopic backend (KeyBERT-inspired topic words embed with it)."""
    from bertopic.backend import BaseEmbedder

    class _Adapter(BaseEmbedder):
        def embed(self, documents: Iterable[str], verbose: bool = False) -> np.ndarray:
            return encoder.encode(list(documents))

    return _Adapter()


def stop_words_for(config: Config, languages: Iterable[str] = ("en",)) -> frozenset[str]:
    """Every stop word and filler of the corpus' ``languages`` with the config's extras: what makes a topic
    *word* uninformative in the metrics (the remarks themselves lose their own language's, :class:`StopWords`)."""
    return StopWords(config.words.extra_stop_words).union(languages)


def build_bertopic(
    config: Config, encoder: Encoder, reducer: MultiSeedReducer, embeddings: np.ndarray | None = None
) -> BERTopic:
    """A BERTopic whose every component comes from ``config``; ``embeddings`` serve the members' outlier rule."""
    import_compiled("bertopic")
    from bertopic import BERTopic
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer

    words = config.words
    vectorizer = word_vectorizer(words.ngram_range, words.min_df)  # documents are word texts
    cluster, outliers = config.cluster, config.outliers
    member_rule = outliers.reduce and outliers.strategy == "embeddings"
    hdbscan_model = ConsensusClusterer(
        members=len(reducer.seeds),
        components=config.reduce.n_components,
        min_cluster_size=cluster.min_cluster_size,
        min_samples=cluster.min_samples,
        cluster_selection_method=cluster.cluster_selection_method,
        cluster_selection_epsilon=cluster.cluster_selection_epsilon,
        agreement=config.consensus.agreement,
        embeddings=embeddings,
        outlier_threshold=outliers.threshold if member_rule else None,
        backend=resolve(cluster.backend, "cluster.backend"),
    )
    representation = {
        "ctfidf": None,
        "keybert": KeyBERTInspired(top_n_words=words.top_n, random_state=config.seed),
        "mmr": MaximalMarginalRelevance(diversity=words.mmr_diversity, top_n_words=words.top_n),
    }[words.representation]
    return BERTopic(
        embedding_model=_bertopic_embedder(encoder),
        umap_model=reducer,
        hdbscan_model=hdbscan_model,
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=words.reduce_frequent_words),
        representation_model=representation,
        top_n_words=words.top_n,
        calculate_probabilities=config.outliers.strategy == "probabilities",
        verbose=False,
    )


@dataclass
class FittedModel:
    """One fitted model: plain-data topics plus what the run folder needs."""

    topic_set: TopicSet
    assignments: np.ndarray
    probabilities: np.ndarray
    initial_assignments: np.ndarray
    bertopic: object
    timings: dict[str, float]
    members: dict[int, np.ndarray]  # member seed -> its assignment of the same remarks


def fit_topic_set(
    name: str,
    documents: list[str],
    embeddings: np.ndarray,
    groups: pd.Series | None,
    config: Config,
    encoder: Encoder,
    reduce_cache: Path | None,
    labels: dict[str, np.ndarray] | None = None,
    languages: Iterable[str] = ("en",),
) -> FittedModel:
    """Fit one BERTopic model on kept remarks and turn it into a ``TopicSet``.

    ``documents`` are the remarks' word texts (:meth:`topics.fit.stopwords.StopWords.strip_all`): c-TF-IDF
    counts them. ``labels`` (metadata name -> one value per document) are scored against the topics with
    NMI and ARI; ``languages``: the corpus' languages, for the metrics' stop words.
    """
    if len(documents) < max(2 * config.cluster.min_cluster_size, config.reduce.n_components + 2):
        raise TopicsInputError(
            f"model {name!r}: {len(documents)} remarks are too few to cluster with "
            f"cluster.min_cluster_size={config.cluster.min_cluster_size}. Lower it or add remarks."
        )
    reducer = MultiSeedReducer(
        config.reduce,
        member_seeds(config.seed, config.consensus.members),
        reduce_cache,
        workers=config.compute.resolved_workers(),
    )
    model = build_bertopic(config, encoder, reducer, embeddings)
    started = time.perf_counter()
    try:
        topics, probabilities = model.fit_transform(documents, embeddings=embeddings)
    except ValueError as error:
        # c-TF-IDF counts words across topics: a single cluster or a tiny vocabulary
        # leaves nothing that passes words.min_df.
        if any(m in str(error) for m in ("no terms remain", "empty vocabulary", "max_df corresponds")):
            raise TopicsInputError(
                f"model {name!r}: too few topics or words to name topics with words.min_df={config.words.min_df} "
                "(c-TF-IDF counts words across topics). Lower cluster.min_cluster_size or words.min_df, or add remarks."
            ) from None
        raise
    fitted = time.perf_counter()
    initial = np.asarray(topics, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim == 2:
        probabilities = probabilities.max(axis=1) if probabilities.size else np.zeros(len(documents))
    if (initial == OUTLIER).all():
        raise TopicsInputError(
            f"model {name!r}: HDBSCAN found no cluster among {len(documents)} remarks. "
            "Lower cluster.min_cluster_size, or check that the remarks are varied."
        )
    if config.outliers.reduce and (initial == OUTLIER).any():
        _reduce_outliers(model, documents, initial, embeddings, config)
    final = np.asarray(model.topics_, dtype=int)
    centroids = _set_topic_embeddings(model, final, embeddings)
    topic_list = _topics_from_model(model, final, groups, config.words.top_n)
    topic_set = TopicSet(name=name, topics=topic_list, centroids=centroids)
    topic_set.metrics = topic_set_metrics(
        topic_list, final, documents, config.words.top_n, initial, stop_words_for(config, languages), labels
    )
    timings = {
        "reduce": reducer.fit_seconds_,
        "cluster_and_words": fitted - started - reducer.fit_seconds_,
        "outlier_reduction": time.perf_counter() - fitted,
    }
    members = dict(zip(reducer.seeds, model.hdbscan_model.member_labels_))
    return FittedModel(topic_set, final, probabilities, initial, model, timings, members)


def _reduce_outliers(
    model: BERTopic,
    documents: list[str],
    initial: np.ndarray,
    embeddings: np.ndarray,
    config: Config,
) -> None:
    """BERTopic's outlier reduction, then words recomputed for the new assignment."""
    strategy = config.outliers.strategy
    kwargs = {"embeddings": embeddings} if strategy == "embeddings" else {}
    if strategy == "probabilities":
        kwargs["probabilities"] = model.probabilities_
    new_topics = model.reduce_outliers(
        documents, initial.tolist(), strategy=strategy, threshold=config.outliers.threshold, **kwargs
    )
    logger = logging.getLogger("BERTopic")
    previous, logger.level = logger.level, logging.ERROR  # its "custom topics" warning is about us, by design
    try:
        model.update_topics(
            documents,
            topics=new_topics,
            top_n_words=config.words.top_n,
            vectorizer_model=model.vectorizer_model,
            ctfidf_model=model.ctfidf_model,
            representation_model=model.representation_model,
        )
    finally:
        logger.setLevel(previous)


def _set_topic_embeddings(model: BERTopic, assignments: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Centroids of remark embeddings per topic, set on the BERTopic model too (its own ``transform`` uses them)."""
    ids = sorted(set(assignments.tolist()))
    rows = np.stack([embeddings[assignments == t].mean(axis=0) for t in ids]).astype(np.float32)
    model.topic_embeddings_ = rows
    return rows[[i for i, t in enumerate(ids) if t != OUTLIER]]


def _topics_from_model(model: BERTopic, assignments: np.ndarray, groups: pd.Series | None, top_n: int) -> list[Topic]:
    sizes = pd.Series(assignments).value_counts()
    topics = []
    for topic_id in sorted(t for t in sizes.index if t != OUTLIER):
        words = [(w, float(s)) for w, s in (model.get_topic(topic_id) or []) if w][:top_n]
        counts = {}
        if groups is not None:
            member_groups = groups[assignments == topic_id]
            counts = {str(g): int(c) for g, c in member_groups.value_counts().sort_index().items()}
        label = ", ".join(w for w, _ in words[:3]) or f"topic {topic_id}"
        topics.append(Topic(id=int(topic_id), label=label, words=words, size=int(sizes[topic_id]), group_counts=counts))
    return topics


def save_bertopic(model: BERTopic, folder: Path) -> None:
    """Safetensors with c-TF-IDF; the encoder is named in our config, not in BERTopic's."""
    logger = logging.getLogger("BERTopic")
    previous, logger.level = logger.level, logging.ERROR
    try:
        model.save(str(folder), serialization="safetensors", save_ctfidf=True, save_embedding_model=False)
    finally:
        logger.setLevel(previous)
