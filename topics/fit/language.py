"""The language of every remark, and whether the encoder speaks it.

Topic words, fillers and the encoder all depend on the language, and
therapy is done in every language. ``corpus.language`` names it (an ISO 639-1
code such as ``ru``, or a list of the languages a corpus may hold) or, by
default (``auto``), the corpus says it itself, detected with Lingua (a
library made for short and mixed-language text, offline, Apache-2.0):

1. *which languages*: a seeded sample of up to ``PROBE`` remarks of at least
   ``MIN_WORDS`` words is detected among every language Lingua knows; a
   language counts when it holds at least ``MIN_SHARE`` of them (and at least
   ``MIN_REMARKS``): a stray misdetection of "Okay, seven." is no language;
2. *which remark*: with one language, every remark has it. With several,
   remarks of at least ``MIN_WORDS`` words are detected among those
   languages only; a session's language is the most frequent among its
   remarks, and remarks too short to tell ("Угу.", "Vale.", "Okay.") or not
   confidently detected take their session's language (without a session,
   their own best guess among the corpus' languages).

What the fit records: a ``language`` column per remark and, in provenance,
the languages, their shares and how they were found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from topics.core.errors import TopicsInputError, warn
from topics.fit.stopwords import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from lingua import Language

AUTO = "auto"
MIN_WORDS = 5
PROBE = 2_000
MIN_SHARE = 0.01
MIN_REMARKS = 3
#: A remark's own detection is used when its top confidence reaches this (else its session's language).
MIN_CONFIDENCE = 0.6
UNKNOWN = "und"  # ISO 639-2 "undetermined"
_WORD_RE = re.compile(r"\w+")


@dataclass
class Languages:
    """The language of each remark (ISO 639-1; ``und`` when nothing could tell) and how it was found."""

    per_remark: np.ndarray
    setting: str | list[str]
    method: str
    shares: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, per_remark: np.ndarray, setting: str | list[str], method: str) -> Languages:
        """From one code per remark: ``shares`` gives each code's share of the remarks (4 decimals), most frequent
        first; ``setting`` and ``method`` say how the codes were found."""
        values, counts = np.unique(per_remark, return_counts=True)
        shares = {
            str(v): round(float(c) / max(len(per_remark), 1), 4)
            for v, c in sorted(zip(values, counts), key=lambda p: (-p[1], p[0]))
        }
        return cls(per_remark=per_remark, setting=setting, method=method, shares=shares)

    @property
    def present(self) -> list[str]:
        """Languages of the corpus, most frequent first."""
        return [language for language in self.shares if language != UNKNOWN]

    def record(self) -> dict:
        """What provenance says."""
        return {"setting": self.setting, "method": self.method, "shares": self.shares}


def _lingua_languages(codes: Iterable[str] | None):
    """Lingua's ``Language`` values for ISO 639-1 codes (None: every spoken language Lingua knows, 74)."""
    from lingua import IsoCode639_1, Language

    if codes is None:
        return list(Language.all_spoken_ones())
    result = []
    for code in codes:
        try:
            result.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            raise TopicsInputError(
                f"corpus.language: {code!r} is not an ISO 639-1 language code Lingua knows (e.g. en, ru, es, de, fr), "
                "or use 'auto'."
            ) from None
    return result


def _detector(codes: Iterable[str] | None, quick: bool = False):
    """A Lingua detector among ``codes`` (None: all); ``quick``: its low-accuracy mode (trigrams only), which on
    remarks of five words or more tells AnnoMI's English from 73 other languages for 97.6 % of them (the rest
    spread thinly, under ``MIN_SHARE``) in a tenth of the time."""
    from lingua import LanguageDetectorBuilder

    languages = _lingua_languages(codes)
    if len(languages) == 1:  # Lingua needs two; the corpus setting is then one language anyway
        return None
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if quick else builder).build()


def _code(language: Language | None) -> str:
    return language.iso_code_639_1.name.lower() if language is not None else UNKNOWN


def word_counts(texts: pd.Series) -> np.ndarray:
    """The number of words (runs of word characters) of each text; a missing text has none."""
    return texts.fillna("").astype(str).map(lambda t: len(_WORD_RE.findall(t))).to_numpy()


def validate_setting(setting: str | list[str]) -> None:
    """A clear error for a language code Lingua does not know, before any work."""
    if setting != AUTO:
        _lingua_languages([setting] if isinstance(setting, str) else setting)


def detect(
    texts: pd.Series,
    sessions: pd.Series | None,
    setting: str | list[str] = AUTO,
    seed: int = 0,
    fallback: str = DEFAULT_LANGUAGE,
) -> Languages:
    """The language of each remark of ``texts`` (sessions, row-aligned, group remarks of one conversation).

    ``fallback``: the language of every remark when none can be detected (no remark has a word).
    """
    texts = texts.reset_index(drop=True)
    if isinstance(setting, str) and setting != AUTO:
        validate_setting(setting)
        return Languages.of(np.full(len(texts), setting.lower(), dtype=object), setting, "set in corpus.language")
    candidates = None if setting == AUTO else [c.lower() for c in setting]
    validate_setting(setting)
    words = word_counts(texts)
    long = np.flatnonzero(words >= MIN_WORDS)
    if not len(long):
        long = np.flatnonzero(words > 0)
    present = _present_languages(texts, long, candidates, seed)
    if not present:
        warn(
            f"no language could be detected in {len(texts):,} remarks; taken as {fallback!r}. "
            "Set corpus.language if that is wrong."
        )
        return Languages.of(np.full(len(texts), fallback, dtype=object), setting, f"none detected: {fallback}")
    if len(present) == 1:
        return Languages.of(
            np.full(len(texts), present[0], dtype=object),
            setting,
            f"detected on {min(len(long), PROBE):,} remarks of {MIN_WORDS}+ words",
        )
    per_remark = _per_remark(texts, long, present, sessions)
    return Languages.of(
        per_remark,
        setting,
        f"detected per remark among {', '.join(present)}; short remarks take their session's language",
    )


def _present_languages(texts: pd.Series, long: np.ndarray, candidates: list[str] | None, seed: int) -> list[str]:
    """Languages holding at least ``MIN_SHARE`` of a sample of long remarks, most frequent first."""
    if not len(long):
        return []
    probe = np.sort(np.random.default_rng(seed).choice(long, size=min(len(long), PROBE), replace=False))
    detector = _detector(candidates, quick=True)
    if detector is None:
        return list(candidates)
    found = pd.Series([_code(r) for r in detector.detect_languages_in_parallel_of(texts.iloc[probe].tolist())])
    counts = found[found != UNKNOWN].value_counts()
    keep = counts[(counts >= min(MIN_REMARKS, len(probe))) & (counts / max(len(probe), 1) >= MIN_SHARE)]
    return [str(language) for language in keep.index]


def _per_remark(texts: pd.Series, long: np.ndarray, present: list[str], sessions: pd.Series | None) -> np.ndarray:
    """Each remark's language: its own when it is long and confidently detected, else its session's, else
    (no session) its own best guess, else the corpus's most frequent."""
    detector = _detector(present)
    rows = np.flatnonzero(word_counts(texts) > 0)
    own = np.full(len(texts), UNKNOWN, dtype=object)
    guess = own.copy()
    is_long = np.isin(rows, long)
    for row, long_enough, values in zip(
        rows, is_long, detector.compute_language_confidence_values_in_parallel(texts.iloc[rows].tolist())
    ):
        if values and values[0].value > 0:
            guess[row] = _code(values[0].language)
            if long_enough and values[0].value >= MIN_CONFIDENCE:
                own[row] = guess[row]
    result = own.copy()
    if sessions is not None:
        keys = sessions.reset_index(drop=True).astype(object)
        known = pd.DataFrame({"session": keys, "own": own})[own != UNKNOWN].dropna(subset=["session"])
        if len(known):
            session_language = known.groupby("session")["own"].agg(lambda values: values.value_counts().index[0])
            by_session = keys.map(session_language.to_dict()).to_numpy(dtype=object)
            result = np.where((result == UNKNOWN) & ~pd.isna(by_session), by_session, result)
    result = np.where(result == UNKNOWN, guess, result)
    detected = pd.Series(own[own != UNKNOWN])
    corpus_language = str(detected.mode().iloc[0]) if len(detected) else present[0]
    return np.where(result == UNKNOWN, corpus_language, result).astype(object)


#: What to do about an encoder that does not speak the corpus, at fit time.
FIT_REMEDY = (
    "Set embed.model: multilingual (16 languages, see docs/guide/languages.md) or a local model that speaks them"
)


def check_coverage(
    languages: Languages,
    kept: np.ndarray,
    encoder_languages: frozenset[str] | None,
    encoder: str,
    check: str,
    remedy: str = FIT_REMEDY,
) -> str | None:
    """Say before embedding when the encoder does not speak the corpus' languages.

    ``kept``: mask of the remarks that will be embedded. Most of them in
    languages the encoder does not cover is an error (``embed.language_check:
    error``, the default) or a warning (``warn``); some of them, a warning.
    Returns the warning (also given to :func:`topics.core.errors.warn`), None when all is covered or unknown.
    """
    if encoder_languages is None:
        return None
    spoken = languages.per_remark[kept]
    if not len(spoken):
        return None
    uncovered = pd.Series(spoken[~np.isin(spoken, list(encoder_languages | {UNKNOWN}))]).value_counts()
    if uncovered.empty:
        return None
    share = uncovered.sum() / len(spoken)
    which = ", ".join(f"{language} ({count / len(spoken):.0%})" for language, count in uncovered.items())
    message = (
        f"the encoder {encoder} does not cover {which} of the kept remarks: its topics would sort those "
        f"remarks by language, not theme. {remedy}"
    )
    if share > 0.5 and check == "error":
        raise TopicsInputError(message + "; or embed.language_check: warn to fit anyway.")
    warn(f"{message}.")
    return message
