"""Topic words for curated topics, without refitting anything.

When an expert merges topics or moves remarks, the topics that changed need
new words; all others keep theirs exactly. :class:`TopicWords` counts the
words of every kept remark once (each remark without its language's stop
words, then the run's token pattern and n-gram range), so the words of any new assignment are one sparse product away:
class counts, then c-TF-IDF as BERTopic computes it (l1-normalised counts
times ``log(1 + mean class size / word frequency)``), with ``min_df`` counted
over topics as BERTopic's vectorizer does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from topics.clean import normalise
from topics.stopwords import TOKEN_PATTERN, StopWords


COUNTS_FILE = "word_counts.npz"
VOCABULARY_FILE = "word_vocabulary.json"


def word_vectorizer(ngram_range, min_df: int = 1) -> CountVectorizer:
    """The topic-word vectorizer of word texts (:meth:`topics.stopwords.StopWords.strip`): they hold no stop
    words any more, so it needs none; BERTopic's c-TF-IDF and :class:`TopicWords` both count with it."""
    return CountVectorizer(token_pattern=TOKEN_PATTERN, ngram_range=tuple(ngram_range), min_df=min_df)


class TopicWords:
    """Word counts of the kept remarks of a run, ready to name any grouping of them.

    Counting 50,000 remarks takes seconds, so the counts are saved in the run
    folder (:meth:`save`, at fit time) and loaded in milliseconds (:meth:`open`).
    """

    def __init__(self, counts: sp.csr_matrix, vocabulary: np.ndarray, words_config: dict[str, Any]) -> None:
        self.counts_ = counts.tocsr()
        self.vocabulary_ = np.asarray(vocabulary, dtype=object)
        self.min_df = int(words_config.get("min_df", 1))
        self.top_n = int(words_config.get("top_n", 10))
        self.reduce_frequent_words = bool(words_config.get("reduce_frequent_words", False))
        self._last: dict[bytes, tuple] = {}  # per row selection: the last assignment and its class counts

    @classmethod
    def count(cls, texts: Sequence[str], words_config: dict[str, Any],
              languages: Sequence[str] | None = None) -> TopicWords:
        """Count words as the run's vectorizer does: each remark without its language's stop words
        (``languages``, one code per text; None: English), then the token pattern and n-grams."""
        stop_words = StopWords(words_config.get("extra_stop_words", []))
        return cls.of_word_texts(stop_words.strip_all([normalise(t) for t in texts], languages), words_config)

    @classmethod
    def of_word_texts(cls, word_texts: Sequence[str], words_config: dict[str, Any]) -> TopicWords:
        """Count remarks already stripped of their stop words (what a fit hands BERTopic too)."""
        vectorizer = word_vectorizer(words_config.get("ngram_range", (1, 1)))
        counts = vectorizer.fit_transform(word_texts)
        return cls(counts, vectorizer.get_feature_names_out(), words_config)

    @classmethod
    def open(cls, folder: Path, texts: Sequence[str], words_config: dict[str, Any],
             languages: Sequence[str] | None = None) -> TopicWords:
        """Saved counts from ``folder`` when they match ``texts``; otherwise count now and save them."""
        counts_file, vocabulary_file = folder / COUNTS_FILE, folder / VOCABULARY_FILE
        if counts_file.exists() and vocabulary_file.exists():
            counts = sp.load_npz(counts_file)
            vocabulary = json.loads(vocabulary_file.read_text(encoding="utf-8"))
            if counts.shape == (len(texts), len(vocabulary)):
                return cls(counts, np.asarray(vocabulary, dtype=object), words_config)
        words = cls.count(list(texts), words_config, languages)
        words.save(folder)
        return words

    def save(self, folder: Path) -> None:
        """Write both files to temporary names, then rename; a read-only run folder is left alone."""
        counts_temporary = folder / f".{COUNTS_FILE}.{os.getpid()}.tmp"
        vocabulary_temporary = folder / f".{VOCABULARY_FILE}.{os.getpid()}.tmp"
        try:
            with open(counts_temporary, "wb") as handle:
                sp.save_npz(handle, self.counts_, compressed=True)
            vocabulary_temporary.write_text(json.dumps(self.vocabulary_.tolist()), encoding="utf-8")
            os.replace(counts_temporary, folder / COUNTS_FILE)
            os.replace(vocabulary_temporary, folder / VOCABULARY_FILE)
        except OSError:
            counts_temporary.unlink(missing_ok=True)
            vocabulary_temporary.unlink(missing_ok=True)

    def _class_counts(self, assignments: np.ndarray, rows: np.ndarray | None) -> tuple[np.ndarray, sp.csr_matrix]:
        """(classes in sorted order, their word counts) for one topic per selected remark.

        An expert's edit changes the class of a few remarks (a move) or of one
        or two topics' remarks (a merge), so the counts are updated from the
        previous call by the remarks whose class changed: a merge on a million
        remarks costs the merged topics' rows, not a product over every remark.
        """
        key = b"all" if rows is None else np.packbits(np.asarray(rows, dtype=bool)).tobytes()
        counts = self.counts_ if rows is None else None
        previous = self._last.get(key)
        if previous is not None and len(previous[0]) == len(assignments):
            before, classes, class_counts, sizes, counts = previous
            changed = np.flatnonzero(before != assignments)
            if len(changed) <= len(assignments) // 5:
                classes, class_counts, sizes = _moved(classes, class_counts, sizes, before[changed],
                                                      assignments[changed], counts[changed])
                self._last[key] = (assignments.copy(), classes, class_counts, sizes, counts)
                return classes, class_counts
        if counts is None:
            counts = self.counts_[np.flatnonzero(rows)]
        classes, members = np.unique(assignments, return_inverse=True)
        membership = sp.csr_matrix((np.ones(len(members)), (members.ravel(), np.arange(len(members)))),
                                   shape=(len(classes), len(members)))
        class_counts = (membership @ counts).tocsr()
        sizes = np.bincount(members.ravel(), minlength=len(classes))
        self._last[key] = (assignments.copy(), classes, class_counts, sizes, counts)
        return classes, class_counts

    def _scores(self, assignments: np.ndarray, rows: np.ndarray | None):
        """c-TF-IDF of every class of ``assignments`` (rows: classes in sorted order), and its vocabulary:
        words used by fewer than ``min_df`` topics are dropped first, as BERTopic's vectorizer does."""
        if rows is not None and np.all(rows):
            rows = None  # every remark: no copy of the counts
        if rows is not None:
            assignments = assignments[rows]
        classes, class_counts = self._class_counts(np.asarray(assignments), rows)
        present = np.asarray((class_counts > 0).sum(axis=0)).ravel() >= self.min_df
        class_counts, vocabulary = class_counts[:, present], self.vocabulary_[present]
        frequency = np.asarray(class_counts.sum(axis=0)).ravel()
        average = max(int(class_counts.sum(axis=1).mean()), 1)
        idf = np.log(average / np.maximum(frequency, 1) + 1)
        tf = normalize(class_counts, axis=1, norm="l1")
        if self.reduce_frequent_words:
            tf.data = np.sqrt(tf.data)
        scores = (tf @ sp.diags(idf)).tocsr()
        return scores, classes, vocabulary

    def term_weights(self, assignments: np.ndarray, term: str) -> dict[int, float]:
        """c-TF-IDF weight of ``term`` (a word or n-gram of the run's vocabulary) in every topic that uses it."""
        scores, classes, vocabulary = self._scores(np.asarray(assignments), None)
        matches = np.flatnonzero(vocabulary == term.lower().strip())
        if not len(matches):
            return {}
        column = scores[:, matches[0]].toarray().ravel()
        return {int(c): float(w) for c, w in zip(classes, column) if w > 0}

    def words(self, assignments: np.ndarray, topic_ids: list[int],
              rows: np.ndarray | None = None) -> dict[int, list[tuple[str, float]]]:
        """Top words of ``topic_ids`` given one topic per kept remark (``-1`` counts as a class too).

        ``rows``: a mask of the kept remarks the model holds (a group's model
        sees only its group, as its own c-TF-IDF did); default all.
        """
        scores, classes, vocabulary = self._scores(np.asarray(assignments), rows)
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


def _moved(classes: np.ndarray, class_counts: sp.csr_matrix, sizes: np.ndarray, before: np.ndarray,
           after: np.ndarray, counts: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Class counts after the remarks with word ``counts`` moved from classes ``before`` to ``after``."""
    union = np.union1d(classes, after)
    grown = sp.csr_matrix((np.ones(len(classes)), (np.searchsorted(union, classes), np.arange(len(classes)))),
                          shape=(len(union), len(classes))) @ class_counts
    sizes = np.bincount(np.searchsorted(union, classes), weights=sizes, minlength=len(union))
    step = sp.csr_matrix((np.concatenate([np.ones(len(after)), -np.ones(len(before))]),
                          (np.concatenate([np.searchsorted(union, after), np.searchsorted(union, before)]),
                           np.tile(np.arange(len(after)), 2))), shape=(len(union), len(after)))
    updated = (grown + step @ counts).tocsr()
    sizes = sizes + np.bincount(np.searchsorted(union, after), minlength=len(union)) \
        - np.bincount(np.searchsorted(union, before), minlength=len(union))
    alive = sizes > 0
    updated.eliminate_zeros()
    return union[alive], updated[np.flatnonzero(alive)], sizes[alive].astype(int)
