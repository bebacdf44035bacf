"""Look a word up: which curated topics use it, how much it weighs in each, and remarks that say it.

topicwizard's word view, for therapy talk: "homework", "scale", "ambivalent"
in one glance across the model. Weights are the c-TF-IDF weights the topics'
own words come from (:class:`topics.fit.topic_words.TopicWords`), so a word's weight in
a topic is comparable with the topic's listed words.

**The matching rule.** A remark says a term (a word or a phrase) when it has
consecutive whole words whose stems equal the stems of the term's words,
whatever spaces or punctuation lie between them (as the topic words' n-grams
are counted). Stems are Snowball's, in the remark's own language (its
``language`` column; English for runs without one), the term being stemmed
by the same stemmer: "feel" finds "feel", "feels" and "feeling" in English
remarks, "тревога" finds "тревоги" and "тревогу" in Russian ones. A stemmer
cuts endings, so:

* irregular forms are *not* found: "feel" does not find "felt", "drink" not
  "drank", "go" not "went" (no word list papers over this: it would cover a
  few English verbs and none of the other languages);
* a derived word is found only when Snowball cuts it to the same stem
  ("feeler" stays "feeler" and is not found; "happiness" and "happy" are
  both "happi" and find each other);
* languages Snowball has no stemmer for (Ukrainian, Bulgarian, Hebrew,
  Korean, Vietnamese, ...) match the exact word, case aside; languages
  written without spaces (Chinese, Japanese, Thai, ...) have no words to
  stem or to match whole, so the term is matched as a substring there.

The weight of a term in a topic is the weight of its heaviest form in that
topic's c-TF-IDF (the max over the forms remarks say it in, e.g. "feel",
"feels", "feeling"), not their sum: a sum would be no weight the topic's word
list shows and would grow with the number of inflections a language has. The
``forms`` column says which forms a topic's remarks use.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import snowballstemmer

from topics.analysis.remark_context import query_spans
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER, TopicRun
from topics.fit.stopwords import DEFAULT_LANGUAGE, UNSEGMENTED, WORD_RE
from topics.fit.topic_words import TopicWords

COLUMNS = ["topic", "label", "weight", "remarks", "share of topic", "forms", "examples", "languages"]

#: ISO 639-1 codes (as :mod:`topics.fit.language` records them) of the Snowball stemmers. Only those the
#: installed snowballstemmer has are used (:func:`snowball_algorithm`).
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "eo": "esperanto",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "fa": "persian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
_STEM_CACHE = 500_000  # stems kept per language: a corpus' vocabulary, a few tens of MB at most


def remark_language(value: Any) -> str:
    """A remark's language code; a missing one (no ``language`` column, an empty cell) is the default
    language, as for stop words (:mod:`topics.fit.stopwords`)."""
    return value if isinstance(value, str) and value else DEFAULT_LANGUAGE


@functools.cache
def snowball_algorithm(language: str) -> str | None:
    """The Snowball stemmer of a language (ISO 639-1), or None when Snowball has none."""
    name = SNOWBALL.get(language)
    return name if name in snowballstemmer.algorithms() else None


class _Stemmer:
    """One language's stemmer with the stems it has made. A Snowball stemmer object keeps its word in itself
    while it works, so Streamlit's sessions (threads) take turns through the lock."""

    def __init__(self, algorithm: str) -> None:
        self.stemmer = snowballstemmer.stemmer(algorithm)
        self.lock = threading.Lock()
        self.known: dict[str, str] = {}

    def stems(self, words: Sequence[str]) -> list[str]:
        with self.lock:
            new = [w for w in set(words) if w not in self.known]
            if len(self.known) + len(new) > _STEM_CACHE:
                self.known.clear()
                new = list(set(words))
            self.known.update(zip(new, self.stemmer.stemWords(new)))
            return [self.known[w] for w in words]


_STEMMERS: dict[str, _Stemmer] = {}
_STEMMERS_LOCK = threading.Lock()


def stems(words: Sequence[str], language: str | None) -> list[str]:
    """Snowball stems of ``words`` (lower-cased first) in ``language``; the lower-cased words themselves when
    Snowball has no stemmer for the language (exact match)."""
    words = [w.lower() for w in words]
    algorithm = snowball_algorithm(remark_language(language))
    if algorithm is None:
        return words
    with _STEMMERS_LOCK:
        stemmer = _STEMMERS.get(algorithm) or _STEMMERS.setdefault(algorithm, _Stemmer(algorithm))
    return stemmer.stems(words)


def term_words(term: str) -> list[str]:
    """The words of a looked-up term, lower-cased; punctuation and spaces only separate them."""
    return [w.lower() for w in WORD_RE.findall(term)]


def term_spans(text: str, term: str, language: str | None) -> list[tuple[int, int]]:
    """Where ``text``, a remark in ``language``, says ``term`` (the module's rule): one (start, end) per
    matched word, so a phrase is marked word by word and the spaces and punctuation between stay unmarked."""
    language = remark_language(language)
    if language in UNSEGMENTED:
        return query_spans(text, " ".join(term.split()), grow=False)
    wanted = stems(term_words(term), language)
    if not wanted:
        return []
    words = list(WORD_RE.finditer(text))
    said = stems([w.group(0) for w in words], language)
    spans, at, size = [], 0, len(wanted)
    while at + size <= len(said):
        if said[at : at + size] == wanted:
            spans.extend(w.span() for w in words[at : at + size])
            at += size
        else:
            at += 1
    return spans


def _forms(text: str, spans: list[tuple[int, int]], size: int) -> list[str]:
    """The forms (lower-cased, words joined by one space) in which ``text`` says a term of ``size`` words."""
    words = [text[start:end].lower() for start, end in spans]
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def says_term(texts: Sequence[str], languages: Sequence[Any], term: str) -> list[list[str]]:
    """For each text, the forms in which it says ``term`` (the module's rule); empty when it does not.

    ``languages``: each text's ISO 639-1 code (:func:`remark_language`). Each language's vocabulary is
    stemmed once, and only the texts holding a form of every word of the term are matched word by word.
    """
    size = len(term_words(term))
    found: list[list[str]] = [[] for _ in texts]
    groups: dict[str, list[int]] = {}
    for at, language in enumerate(languages):
        groups.setdefault(remark_language(language), []).append(at)
    for language, positions in groups.items():
        if language in UNSEGMENTED:
            needle = " ".join(term.split()).lower()
            for p in positions:
                if needle in texts[p].lower():
                    found[p] = [needle]
            continue
        said = {p: {w.lower() for w in WORD_RE.findall(texts[p])} for p in positions}
        vocabulary = sorted(set().union(*said.values()))
        stem_of = dict(zip(vocabulary, stems(vocabulary, language), strict=True))
        forms = [{w for w in vocabulary if stem_of[w] == wanted} for wanted in stems(term_words(term), language)]
        for p in positions:
            if all(said[p] & f for f in forms):
                found[p] = _forms(texts[p], term_spans(texts[p], term, language), size)
    return found


def word_topics(run: TopicRun, words: TopicWords, term: str, examples: int = 3) -> pd.DataFrame:
    """One row per curated topic whose remarks say ``term`` (a word or phrase, matched by the module's rule),
    heaviest first.

    ``weight``: the c-TF-IDF weight of the term's heaviest form in the topic; ``forms``: the forms its
    remarks say it in, most frequent first; ``examples``: up to ``examples`` distinct remarks that say it,
    with their ``languages`` (for highlighting each with its own stemmer, :func:`term_spans`).
    ``attrs["outliers"]``: outlier remarks that say it; ``attrs["forms"]``: every form found, most frequent
    first.
    """
    term = " ".join(term.split())
    if not term_words(term):
        raise TopicsInputError("type a word or phrase to look up.")
    if run.joint is None:
        raise TopicsInputError(f"{run.path}: this run has no joint model to look words up in.")
    kept = run.kept
    assignments = kept["topic"].to_numpy(dtype=int)
    texts = kept["text"].astype(str).tolist()
    languages = [remark_language(x) for x in (kept["language"] if "language" in kept else [None] * len(texts))]
    found = says_term(texts, languages, term)
    says = np.array([bool(f) for f in found], dtype=bool)
    every = Counter(form for forms in found for form in forms)
    weights = words.term_weights(assignments, " ".join(term_words(term)), *every)
    rows = []
    for topic in run.joint.topics:
        inside = assignments == topic.id
        count = int((says & inside).sum())
        if not count and topic.id not in weights:
            continue
        chosen, seen = [], set()
        for at in np.flatnonzero(says & inside):
            if texts[at] not in seen and len(chosen) < examples:
                seen.add(texts[at])
                chosen.append(at)
        forms = Counter(form for at in np.flatnonzero(says & inside) for form in found[at])
        rows.append(
            {
                "topic": topic.id,
                "label": topic.label,
                "weight": weights.get(topic.id, 0.0),
                "remarks": count,
                "share of topic": count / max(int(inside.sum()), 1),
                "forms": [form for form, _ in forms.most_common()],
                "examples": [texts[at] for at in chosen],
                "languages": [languages[at] for at in chosen],
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(["weight", "remarks"], ascending=False, ignore_index=True)
    table.attrs["outliers"] = int((says & (assignments == OUTLIER)).sum())
    table.attrs["forms"] = [form for form, _ in every.most_common()]
    return table
