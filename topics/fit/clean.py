"""Decide which remarks can carry a topic, and say why the others cannot.

Nothing is deleted: every remark keeps its row, and those set aside get a
reason in ``set_aside`` so the explorer and reports can still show them.
Reasons, checked in this order:

``empty``
    nothing but whitespace, punctuation or control characters.
``backchannel``
    only backchannels, fillers and non-speech marks of the remark's language
    ("Mm-hmm.", "Okay, right.", "[chuckles]", "Угу, ну да.", "Vale, bueno.")
    or a phrase from ``clean.backchannels``.
``too_short``
    fewer content words than ``clean.min_content_words`` (words that are not
    stop words or fillers of the remark's language). About 30 % of AnnoMI's
    therapist remarks have three words or fewer; without content words they
    cluster by form ("yeah right") rather than by theme. They are left out of
    *clustering* only: the fit then attaches each one to the topic it is most
    similar to, above a similarity floor (``assign.short_remarks``,
    :mod:`topics.curate.assign`), because short remarks carry technique ("A six. Why
    a six and not a two?", "Would it be alright if I shared something?").
    Only empty remarks and backchannels end with no topic by rule.

Each remark is judged by its own language's lists (:mod:`topics.fit.stopwords`;
the language from :mod:`topics.fit.language`); without languages, English.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from topics.core.config import CleanConfig
from topics.fit.stopwords import DEFAULT_LANGUAGE, STOP_WORDS, StopWords, content_words, language_fillers, tokenize

REASONS = ("empty", "backchannel", "too_short")
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RE = re.compile(r"[^\w\s]+")


@functools.cache
def _control_re() -> re.Pattern:
    """Every control, format and line/paragraph separator character (Unicode Cc, Cf, Zl, Zp) as one class,
    built once from the Unicode database: a regex pass instead of a Python loop per character."""
    ranges, start, previous = [], None, None
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp"):
            if start is None or code != previous + 1:
                if start is not None:
                    ranges.append((start, previous))
                start = code
            previous = code
    ranges.append((start, previous))
    return re.compile(
        "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]"
    )


def normalise(text: str) -> str:
    """NFC-normalise, turn control characters into spaces and collapse whitespace."""
    text = _control_re().sub(" ", unicodedata.normalize("NFC", text))
    return _SPACE_RE.sub(" ", text).strip()


def _phrase(text: str) -> str:
    return _SPACE_RE.sub(" ", _PUNCT_RE.sub(" ", text.lower())).strip()


def set_aside_reason(
    text: str,
    config: CleanConfig,
    stop_words: frozenset[str] = STOP_WORDS,
    extra: frozenset[str] | None = None,
    fillers: frozenset[str] | None = None,
    language: str | None = None,
) -> str | None:
    """Why a normalised remark cannot carry a topic, or ``None`` when it can.

    ``extra``: the config's backchannel phrases as :func:`_phrase` makes them (computed here when None);
    ``stop_words``, ``fillers`` and ``language``: the remark's language's (default English).
    """
    tokens = tokenize(text, language)
    if not tokens:
        return "empty"
    if config.drop_backchannels:
        extra = extra if extra is not None else frozenset(_phrase(p) for p in config.backchannels)
        fillers = fillers if fillers is not None else language_fillers(DEFAULT_LANGUAGE)
        if all(token in fillers for token in tokens) or _phrase(text) in extra:
            return "backchannel"
    if len(content_words(text, stop_words, language)) < config.min_content_words:
        return "too_short"
    return None


@dataclass
class CleanResult:
    """Normalised texts, the kept mask and the reason each other remark was set aside."""

    text: pd.Series
    set_aside: pd.Series

    @property
    def kept(self) -> pd.Series:
        """True for each remark that was not set aside (``set_aside`` is missing)."""
        return self.set_aside.isna()

    def counts(self) -> dict[str, int]:
        """Kept and set-aside counts by reason, for provenance and reports."""
        reasons = self.set_aside.value_counts()
        counts = {"total": int(len(self.text)), "kept": int(self.kept.sum())}
        counts.update({reason: int(reasons.get(reason, 0)) for reason in REASONS})
        return counts


def clean(
    texts: pd.Series, config: CleanConfig, languages: np.ndarray | None = None, stop_words: StopWords | None = None
) -> CleanResult:
    """Normalise every remark and mark those that cannot carry a topic, each by its language's lists.

    ``languages``: one ISO 639-1 code per remark (None: all English);
    ``stop_words``: the run's (with ``words.extra_stop_words``).
    """
    normalised = texts.fillna("").astype(str).map(normalise)
    extra = frozenset(_phrase(p) for p in config.backchannels)
    stop_words = stop_words or StopWords()
    if languages is None:
        languages = np.full(len(texts), DEFAULT_LANGUAGE, dtype=object)
    reasons = pd.Series(None, index=normalised.index, dtype=object)
    for language in pd.unique(languages):
        rows = normalised[languages == language]
        stop, fillers = stop_words.of(language), language_fillers(language)
        reasons[rows.index] = [set_aside_reason(text, config, stop, extra, fillers, language) for text in rows]
    return CleanResult(text=normalised.astype("string"), set_aside=reasons.astype("string"))
