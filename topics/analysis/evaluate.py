"""``topics evaluate``: a run's quality measures, optionally beside plain BERTopic and LDA.

All models are scored with the same functions (:mod:`topics.fit.metrics`) and the
same reference documents for NPMI and C_V: every remark after role filtering,
normalised. Baselines see every remark (as a plain user would give them);
our model sees the remarks cleaning kept, so the table also shows how many
remarks each model covers with a topic that says something.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from topics.core.config import validate_config
from topics.core.errors import TopicsInputError
from topics.core.facts import languages_of
from topics.core.run import OUTLIER, Topic, TopicRun
from topics.fit.clean import normalise
from topics.fit.embed import Encoder, embed_texts
from topics.fit.encoders import embedding_cache, make_encoder
from topics.fit.metrics import topic_set_metrics
from topics.fit.runtime import import_compiled
from topics.fit.stopwords import StopWords, is_uninformative

COLUMNS = [
    "model",
    "remarks",
    "topic_count",
    "outlier_share",
    "npmi",
    "c_v",
    "topic_diversity",
    "filler_share",
    "junk_share",
    "covered_share",
]


#: Which way is better for each measure the goals are stated in.
HIGHER_IS_BETTER = {
    "npmi": True,
    "c_v": True,
    "topic_diversity": True,
    "filler_share": False,
    "junk_share": False,
    "outlier_share": False,
}


def _labels(frame: pd.DataFrame, names: list[str] | None = None) -> dict[str, np.ndarray]:
    available = [c.removeprefix("meta_") for c in frame.columns if c.startswith("meta_")]
    missing = [n for n in names or [] if n not in available]
    if missing:
        raise TopicsInputError(
            f"label column(s) {', '.join(map(repr, missing))} not in this run's metadata; "
            f"available: {', '.join(available) or 'none (set corpus.metadata in the config)'}."
        )
    return {n: frame[f"meta_{n}"].to_numpy(dtype=object) for n in (names if names is not None else available)}


def goal_report(table: pd.DataFrame) -> list[str]:
    """One line per baseline and measure: does our model beat it? Said plainly, misses included."""
    ours = table[table["model"] == "therapy-topics"].iloc[0]
    measures = dict(HIGHER_IS_BETTER) | {c: True for c in table.columns if c.startswith("nmi_")}
    lines = []
    for _, baseline in table[table["model"] != "therapy-topics"].iterrows():
        for measure, higher in measures.items():
            a, b = ours[measure], baseline[measure]
            better = a > b if higher else a < b
            lines.append(f"{'beats' if better else 'MISSES'}  {baseline['model']:<15} on {measure}: {a:.3f} vs {b:.3f}")
    return lines


def _score(
    name: str,
    topics: list[Topic],
    assignments: np.ndarray,
    frame: pd.DataFrame,
    reference: list[str],
    placed: np.ndarray,
    stop_words: frozenset[str],
    label_names: list[str] | None = None,
) -> dict:
    """Measures of ``assignments`` (row-aligned with ``frame``); ``placed``: every remark's topic, -1 for none.

    ``reference``: the same documents for every model's NPMI and C_V (all remarks after role filtering);
    ``stop_words``: what makes a topic word a filler, in every language of the run (same for every model).
    """
    metrics = topic_set_metrics(
        topics, assignments, reference, stop_words=stop_words, labels=_labels(frame, label_names)
    )
    filler_ids = {t.id for t in topics if all(is_uninformative(w, stop_words) for w in t.top_words())}
    covered = np.sum((placed != OUTLIER) & ~np.isin(placed, list(filler_ids)))
    return {"model": name, **metrics, "covered_share": float(covered / len(placed))}


def run_stop_words(run: TopicRun) -> frozenset[str]:
    """Every stop word and filler of the run's languages (English for runs fitted before languages), with its
    config's extras."""
    return StopWords((run.config.get("words") or {}).get("extra_stop_words", [])).union(languages_of(run))


def evaluate_run(run: TopicRun, label_names: list[str] | None = None) -> dict:
    """Our run's (curated) joint model, scored on its kept remarks; covered share counts attached short
    remarks too (all role-filtered remarks in the denominator)."""
    kept = run.kept
    reference = [normalise(t) for t in run.remarks["text"]]
    placed = run.remarks["topic"].where(run.remarks["kept"] | run.remarks["attached"]).fillna(OUTLIER)
    return _score(
        "therapy-topics",
        run.joint.topics,
        kept["topic"].to_numpy(dtype=int),
        kept,
        reference,
        placed.to_numpy(dtype=int),
        run_stop_words(run),
        label_names,
    )


def _topics_from_words(words_by_topic: dict[int, list[tuple[str, float]]], assignments: np.ndarray) -> list[Topic]:
    sizes = pd.Series(assignments).value_counts()
    return [
        Topic(id=t, label=", ".join(w for w, _ in words[:3]), words=words[:10], size=int(sizes.get(t, 0)))
        for t, words in sorted(words_by_topic.items())
        if t != OUTLIER
    ]


def plain_bertopic(
    texts: list[str], embeddings: np.ndarray, encoder: Encoder, seed: int
) -> tuple[list[Topic], np.ndarray]:
    """BERTopic's defaults, with the packaged encoder and only a seed added to its default UMAP."""
    BERTopic = import_compiled("bertopic").BERTopic
    UMAP = import_compiled("umap").UMAP

    from topics.fit.bertopic_model import _bertopic_embedder

    model = BERTopic(
        embedding_model=_bertopic_embedder(encoder),
        umap_model=UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=seed
        ),
    )
    assignments, _ = model.fit_transform(texts, embeddings=embeddings)
    assignments = np.asarray(assignments, dtype=int)
    return _topics_from_words({t: model.get_topic(t) for t in set(assignments)}, assignments), assignments


def lda(texts: list[str], n_topics: int, seed: int) -> tuple[list[Topic], np.ndarray]:
    """scikit-learn LDA with English stop words; each remark goes to its most probable topic."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", min_df=2)
    counts = vectorizer.fit_transform(texts)
    model = LatentDirichletAllocation(n_components=n_topics, random_state=seed, learning_method="batch", max_iter=20)
    assignments = model.fit_transform(counts).argmax(axis=1)
    vocabulary = vectorizer.get_feature_names_out()
    words = {
        t: [(str(vocabulary[i]), float(model.components_[t, i])) for i in np.argsort(-model.components_[t])[:10]]
        for t in range(n_topics)
    }
    return _topics_from_words(words, assignments), assignments


def evaluate(
    run: TopicRun, baselines: bool = False, encoder: Encoder | None = None, label_names: list[str] | None = None
) -> pd.DataFrame:
    """One row per model with every measure; baselines are fitted on the same remarks, in this call.

    ``label_names``: metadata columns to score NMI/ARI against (default: all of them).
    """
    rows = [evaluate_run(run, label_names)]
    if baselines:
        config = validate_config(run.config, source=f"{run.path}/config.yaml")
        frame = run.remarks
        texts = [normalise(t) or "." for t in frame["text"]]
        encoder = encoder or make_encoder(config, run.provenance.get("embedding", {}).get("backend"))
        embeddings, _ = embed_texts(texts, encoder, embedding_cache(config, encoder))
        stop_words = run_stop_words(run)
        for name, (topics, assignments) in {
            "plain BERTopic": plain_bertopic(texts, embeddings, encoder, config.seed),
            "LDA": lda(texts, len(run.joint.topics), config.seed),
        }.items():
            rows.append(_score(name, topics, assignments, frame, texts, assignments, stop_words, label_names))
    table = pd.DataFrame(rows)
    extra = [c for c in table.columns if c.startswith(("nmi_", "ari_"))]
    return table[[c for c in COLUMNS if c in table.columns] + extra]
