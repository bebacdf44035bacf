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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from topics.core.errors import TopicsWriteError
from topics.core.files import atomic_file, write_text_atomic
from topics.fit.clean import normalise
from topics.fit.stopwords import TOKEN_PATTERN, StopWords

COUNTS_FILE = "word_counts.npz"
VOCABULARY_FILE = "word_vocabulary.json"


def word_vectorizer(ngram_range: Sequence[int], min_df: int = 1) -> CountVectorizer:
    """The topic-word vectorizer of word texts (:meth:`topics.fit.stopwords.StopWords.strip`): they hold no stop
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
        self._last: dict[bytes, ClassCounts] = {}  # per row selection: the last assignment's class counts

    @classmethod
    def count(
        cls, texts: Sequence[str], words_config: dict[str, Any], languages: Sequence[str] | None = None
    ) -> TopicWords:
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
    def open(
        cls, folder: Path, texts: Sequence[str], words_config: dict[str, Any], languages: Sequence[str] | None = None
    ) -> TopicWords:
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
        """Write both files atomically. They are a cache: a read-only or full run folder is left alone (the counts
        are made again next time), and :meth:`open` checks that the two files belong together."""
        try:
            with atomic_file(folder / COUNTS_FILE) as temporary, open(temporary, "wb") as handle:
                sp.save_npz(handle, self.counts_, compressed=True)
            write_text_atomic(folder / VOCABULARY_FILE, json.dumps(self.vocabulary_.tolist()))
        except TopicsWriteError:
            pass

    def _class_counts(self, assignments: np.ndarray, rows: np.ndarray | None) -> ClassCounts:
        """Word counts per class for one topic per selected remark, updated from the previous call when
        only a few remarks changed class (a move, or a merge of one or two topics' remarks): an edit on a
        million remarks then costs the changed remarks and the rows of their classes, not every remark."""
        key = b"all" if rows is None else np.packbits(np.asarray(rows, dtype=bool)).tobytes()
        previous = self._last.get(key)
        if previous is not None and len(previous.assignments) == len(assignments):
            changed = np.flatnonzero(previous.assignments != assignments)
            if len(changed) <= len(assignments) // 5:
                self._last[key] = previous.moved(assignments, changed)
                return self._last[key]
        counts = self.counts_ if rows is None else self.counts_[np.flatnonzero(rows)]
        self._last[key] = ClassCounts.of(np.array(assignments), counts)
        return self._last[key]

    def _weights(self, state: ClassCounts) -> tuple[np.ndarray, np.ndarray]:
        """(words kept, idf of every word): words used by fewer than ``min_df`` topics are dropped first,
        as BERTopic's vectorizer does; idf is ``log(1 + mean class size / word frequency)`` over the rest."""
        present = state.used_by >= self.min_df
        totals = [data[present[indices]].sum() for indices, data in state.rows.values()]
        average = max(int(np.mean(totals)), 1) if totals else 1
        return present, np.log(average / np.maximum(state.frequency, 1) + 1)

    def _score(
        self, state: ClassCounts, topic: int, present: np.ndarray, idf: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(word columns, c-TF-IDF) of one class: its l1-normalised counts over the kept words times idf."""
        indices, data = state.rows[topic]
        keep = present[indices]
        indices, data = indices[keep], data[keep]
        tf = data / data.sum() if len(data) else data
        if self.reduce_frequent_words:
            tf = np.sqrt(tf)
        return indices, tf * idf[indices]

    def term_weights(self, assignments: np.ndarray, *terms: str) -> dict[int, float]:
        """c-TF-IDF weight of a term (a word or n-gram of the run's vocabulary) in every topic that uses it.

        Several ``terms`` (the forms of one word: "feel", "feels", "feeling") give each topic the weight of
        the heaviest of them it uses: a weight the topic's own word list would show
        (:mod:`topics.analysis.word_lookup`).
        """
        state = self._class_counts(np.asarray(assignments), None)
        present, idf = self._weights(state)
        wanted = list({" ".join(term.lower().split()) for term in terms})
        matches = np.flatnonzero(np.isin(self.vocabulary_, wanted) & present)
        if not len(matches):
            return {}
        weights = {}
        for topic in state.rows:
            indices, scores = self._score(state, topic, present, idf)
            at = np.minimum(np.searchsorted(indices, matches), max(len(indices) - 1, 0))
            used = scores[at[indices[at] == matches]] if len(indices) else scores
            if len(used) and used.max() > 0:
                weights[int(topic)] = float(used.max())
        return weights

    def words(
        self, assignments: np.ndarray, topic_ids: list[int], rows: np.ndarray | None = None
    ) -> dict[int, list[tuple[str, float]]]:
        """Top words of ``topic_ids`` given one topic per kept remark (``-1`` counts as a class too).

        ``rows``: a mask of the kept remarks the model holds (a group's model
        sees only its group, as its own c-TF-IDF did); default all.
        """
        assignments = np.asarray(assignments)
        if rows is not None and np.all(rows):
            rows = None  # every remark: no copy of the counts
        state = self._class_counts(assignments if rows is None else assignments[rows], rows)
        present, idf = self._weights(state)
        result = {}
        for topic in topic_ids:
            if topic not in state.rows:
                result[topic] = []
                continue
            indices, scores = self._score(state, topic, present, idf)
            order = _top(scores, self.top_n)
            result[topic] = [(str(self.vocabulary_[indices[i]]), float(scores[i])) for i in order]
        return result


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` highest scores, highest first, ties by position: a stable sort of
    ``-scores`` cut at ``n``, without sorting a topic's whole vocabulary."""
    if len(scores) > n > 0:
        candidates = np.flatnonzero(scores >= np.partition(scores, len(scores) - n)[len(scores) - n])
        return candidates[np.argsort(-scores[candidates], kind="stable")][:n]
    return np.argsort(-scores, kind="stable")[:n]


@dataclass
class ClassCounts:
    """Word counts of each class (topic) of one assignment of the selected remarks, kept class by class.

    ``rows`` maps a class to its counts as (sorted word columns, counts);
    ``frequency`` is each word's count over all classes, which no reassignment
    changes; ``used_by`` is how many classes use each word (for ``min_df``).
    """

    assignments: np.ndarray
    counts: sp.csr_matrix
    rows: dict[int, tuple[np.ndarray, np.ndarray]]
    sizes: dict[int, int]
    frequency: np.ndarray
    used_by: np.ndarray

    @classmethod
    def of(cls, assignments: np.ndarray, counts: sp.csr_matrix) -> ClassCounts:
        """Word counts of each class of ``assignments``, summed from ``counts`` (one row of word counts per remark,
        row-aligned with ``assignments``)."""
        classes, members = np.unique(assignments, return_inverse=True)
        totals = _summed(counts, members.ravel(), len(classes))
        rows = {
            int(c): (totals.indices[a:b].copy(), totals.data[a:b].copy())
            for c, a, b in zip(classes, totals.indptr[:-1], totals.indptr[1:])
        }
        sizes = dict(zip(classes.tolist(), np.bincount(members.ravel(), minlength=len(classes)).tolist()))
        return cls(
            assignments,
            counts,
            rows,
            sizes,
            np.asarray(totals.sum(axis=0)).ravel(),
            np.bincount(totals.indices, minlength=counts.shape[1]),
        )

    def moved(self, assignments: np.ndarray, changed: np.ndarray) -> ClassCounts:
        """The counts after the remarks at positions ``changed`` took their classes in ``assignments``."""
        before, after = self.assignments[changed], assignments[changed]
        touched = np.union1d(before, after)
        step = sp.csr_matrix(
            (
                np.concatenate([np.ones(len(after)), -np.ones(len(before))]),
                (
                    np.concatenate([np.searchsorted(touched, after), np.searchsorted(touched, before)]),
                    np.tile(np.arange(len(changed)), 2),
                ),
            ),
            shape=(len(touched), len(changed)),
        )
        delta = (step @ self.counts[changed]).tocsr()
        delta.sort_indices()
        rows, sizes, used_by = dict(self.rows), dict(self.sizes), self.used_by.copy()
        size_change = np.bincount(np.searchsorted(touched, after), minlength=len(touched)) - np.bincount(
            np.searchsorted(touched, before), minlength=len(touched)
        )
        for i, topic in enumerate(touched.tolist()):
            sizes[topic] = sizes.pop(topic, 0) + int(size_change[i])
            old = rows.pop(topic, (np.empty(0, dtype=delta.indices.dtype), np.empty(0)))
            if sizes[topic] == 0:
                del sizes[topic]
                used_by[old[0]] -= 1
                continue
            rows[topic] = _added(
                old,
                delta.indices[delta.indptr[i] : delta.indptr[i + 1]],
                delta.data[delta.indptr[i] : delta.indptr[i + 1]],
                used_by,
            )
        return ClassCounts(assignments.copy(), self.counts, dict(sorted(rows.items())), sizes, self.frequency, used_by)


def _added(
    row: tuple[np.ndarray, np.ndarray], indices: np.ndarray, data: np.ndarray, used_by: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A class's (sorted columns, counts) plus a change at sorted, distinct ``indices``, in time of the
    change rather than of the class's vocabulary; ``used_by`` counts words the class gains or loses."""
    old_indices, old_data = row
    at = np.searchsorted(old_indices, indices)
    known = at < len(old_indices)
    known[known] = old_indices[at[known]] == indices[known]
    data_out = old_data.copy()
    data_out[at[known]] += data[known]
    fresh = ~known & (data != 0)
    used_by[indices[fresh]] += 1
    indices_out = np.insert(old_indices, at[fresh], indices[fresh])
    data_out = np.insert(data_out, at[fresh], data[fresh])
    gone = np.flatnonzero(data_out == 0)
    if len(gone):
        used_by[indices_out[gone]] -= 1
        indices_out, data_out = np.delete(indices_out, gone), np.delete(data_out, gone)
    return indices_out, data_out


def _summed(counts: sp.csr_matrix, members: np.ndarray, classes: int) -> sp.csr_matrix:
    """Rows of ``counts`` summed per class (``members``: each row's class index), with sorted columns."""
    membership = sp.csr_matrix(
        (np.ones(len(members)), (members, np.arange(len(members)))), shape=(classes, len(members))
    )
    totals = (membership @ counts).tocsr()
    totals.eliminate_zeros()
    totals.sort_indices()
    return totals
