"""Topic words for curated topics, without refitting anything.

When an expert merges topics or moves remarks, the topics that changed need
new words; all others keep theirs exactly. :class:`TopicWords` counts the
words of every kept remark once (the run's stop words, token pattern and
n-gram range), so the words of any new assignment are one sparse product away:
class counts, then c-TF-IDF as BERTopic computes it (l1-normalised counts
times ``log(1 + mean class size / word frequency)``), with ``min_df`` counted
over topics as BERTopic's vectorizer does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from topics.clean import normalise
from topics.stopwords import STOP_WORDS, TOKEN_PATTERN


class TopicWords:
    """Word counts of the kept remarks of a run, ready to name any grouping of them."""

    def __init__(self, texts: list[str], words_config: dict[str, Any]) -> None:
        stop_words = STOP_WORDS | {w.lower() for w in words_config.get("extra_stop_words", [])}
        self.min_df = int(words_config.get("min_df", 1))
        self.top_n = int(words_config.get("top_n", 10))
        self.reduce_frequent_words = bool(words_config.get("reduce_frequent_words", False))
        vectorizer = CountVectorizer(stop_words=sorted(stop_words), token_pattern=TOKEN_PATTERN,
                                     ngram_range=tuple(words_config.get("ngram_range", (1, 1))))
        self.counts_ = vectorizer.fit_transform([normalise(t) for t in texts]).tocsr()
        self.vocabulary_ = vectorizer.get_feature_names_out()

    def words(self, assignments: np.ndarray, topic_ids: list[int]) -> dict[int, list[tuple[str, float]]]:
        """Top words of ``topic_ids`` given one topic per kept remark (``-1`` counts as a class too)."""
        classes, rows = np.unique(assignments, return_inverse=True)
        membership = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(classes), len(rows)))
        class_counts = (membership @ self.counts_).tocsr()
        present = np.asarray((class_counts > 0).sum(axis=0)).ravel() >= self.min_df
        class_counts = class_counts[:, present]
        vocabulary = self.vocabulary_[present]
        frequency = np.asarray(class_counts.sum(axis=0)).ravel()
        average = max(int(class_counts.sum(axis=1).mean()), 1)
        idf = np.log(average / np.maximum(frequency, 1) + 1)
        tf = normalize(class_counts, axis=1, norm="l1")
        if self.reduce_frequent_words:
            tf.data = np.sqrt(tf.data)
        scores = (tf @ sp.diags(idf)).tocsr()
        result = {}
        position = {int(c): i for i, c in enumerate(classes)}
        for topic in topic_ids:
            if topic not in position:
                result[topic] = []
                continue
            row = scores.getrow(position[topic])
            order = np.argsort(-row.data, kind="stable")[: self.top_n]
            result[topic] = [(str(vocabulary[row.indices[i]]), float(row.data[i])) for i in order]
        return result
