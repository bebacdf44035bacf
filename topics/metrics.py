"""Quality measures of a topic set, computed from the corpus itself.

* **NPMI coherence** of each topic's top words, with document co-occurrence
  counts from the fitted remarks (tokenised like the vectorizer), averaged over
  word pairs and then topics. Range -1..1; higher means the words occur together.
* **Topic diversity**: unique words among all topics' top-k over ``k * n_topics``.
* **Outlier share**: share of kept remarks in no topic (-1).
* **Filler topics**: topics whose top words are all stop words or fillers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from topics.run import OUTLIER, Topic
from topics.stopwords import STOP_WORDS, TOKEN_PATTERN, is_uninformative


def topic_diversity(top_words: Sequence[Sequence[str]]) -> float:
    total = sum(len(words) for words in top_words)
    return len({w for words in top_words for w in words}) / total if total else 0.0


def npmi_coherence(top_words: Sequence[Sequence[str]], documents: Sequence[str]) -> float:
    """Mean NPMI over topics; a pair that never co-occurs scores -1."""
    vocabulary = sorted({w for words in top_words for w in words})
    if not vocabulary or not documents:
        return float("nan")
    longest = max(len(w.split()) for w in vocabulary)
    vectorizer = CountVectorizer(vocabulary=vocabulary, token_pattern=TOKEN_PATTERN, ngram_range=(1, longest),
                                 binary=True, lowercase=True)
    presence = vectorizer.transform(documents).tocsc().astype(np.float64)
    n_docs = presence.shape[0]
    index = {w: i for i, w in enumerate(vocabulary)}
    doc_freq = np.asarray(presence.sum(axis=0)).ravel()
    cooccur = (presence.T @ presence).toarray()
    scores = []
    for words in top_words:
        pairs = []
        for a, b in itertools.combinations([index[w] for w in words], 2):
            joint = cooccur[a, b] / n_docs
            if joint == 0 or doc_freq[a] == 0 or doc_freq[b] == 0:
                pairs.append(-1.0)
                continue
            pmi = np.log(joint / ((doc_freq[a] / n_docs) * (doc_freq[b] / n_docs)))
            pairs.append(1.0 if joint == 1 else float(pmi / -np.log(joint)))
        if pairs:
            scores.append(float(np.mean(pairs)))
    return float(np.mean(scores)) if scores else float("nan")


def topic_set_metrics(topics: list[Topic], assignments: np.ndarray, documents: Sequence[str],
                      top_n: int = 10, initial_assignments: np.ndarray | None = None,
                      stop_words: frozenset[str] = STOP_WORDS) -> dict[str, float | int]:
    """The measures stored in ``metrics.json`` for one model."""
    top_words = [t.top_words(top_n) for t in topics]
    n = len(assignments)
    filler = [t for t in topics if all(is_uninformative(w, stop_words) for w in t.top_words(top_n))]
    metrics = {
        "remarks": n,
        "topic_count": len(topics),
        "outlier_share": float(np.mean(assignments == OUTLIER)) if n else 0.0,
        "topic_diversity": topic_diversity(top_words),
        "npmi": npmi_coherence(top_words, documents),
        "filler_topics": len(filler),
        "filler_topic_share": float(sum(t.size for t in filler) / n) if n else 0.0,
    }
    if initial_assignments is not None:
        metrics["outlier_share_before_reduction"] = float(np.mean(initial_assignments == OUTLIER)) if n else 0.0
    return metrics
