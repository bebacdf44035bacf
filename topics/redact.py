"""Remove identifying details from text that leaves the machine in a report.

Rule-based and offline. Each detail becomes a typed placeholder:

* ``[EMAIL]``: e-mail addresses;
* ``[PHONE]``: phone numbers (7 or more digits with the usual separators, +country codes);
* ``[ADDRESS]``: street addresses ("14 Elm Street") and UK postcodes;
* ``[DATE]``: full dates with a year ("03/04/1985", "4 March 1985", "March 4, 1985"),
  so dates of birth do not survive;
* ``[NAME]``: personal names: a capitalised word that is a first name of the
  US census lists shipped in the PyPI package ``names`` (with the surname after
  it), a capitalised word after a title (Mr, Mrs, Ms, Dr, ...), a greeting, or
  "my name is", "call me", "named". First names that are also ordinary words
  ("Will", "Hope", "Mark") are redacted only after a title, a greeting or one
  of those phrases.

It errs on the side of removing: a report is shared, a remark is not needed verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from topics.stopwords import STOP_WORDS

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}(?:[\s.-]?\d{2,5}){1,3}(?![\w/])")
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Way|"
    r"Close|Court|Ct|Place|Pl|Terrace|Crescent|Square|Parkway|Gardens|Grove|Hill|Row)\b\.?")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_DATES = [
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS}),?\s+\d{{4}}\b"),
    re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"),
]
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof|Professor|Sir|Madam|Aunt|Uncle)\.?"
_CUE = re.compile(rf"(\b{_TITLE}\s+|\b(?:[Mm]y name is|[Nn]ame's|[Cc]all me|[Nn]amed|[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear|"
                  rf"[Tt]hanks|[Tt]hank you|[Bb]ye|[Gg]oodbye),?\s+)([A-Z][a-z'-]+)")
_WORD = re.compile(r"\b[A-Z][a-z'-]+\b")
_AMBIGUOUS = frozenset(
    """will may june april august hope faith grace joy rose lily iris ivy dawn summer autumn amber ruby pearl crystal
    destiny honey sunny star angel bill mark pat sue art frank guy rich chance buddy don jack ray rob drew gene eve
    patience harmony melody sky storm king major love sharon christian chase page rusty lucky bob sandy dusty holly
    heather ginger mercy charity trinity bliss bunny cookie daisy fern hazel jade jasmine olive poppy violet willow
    wood hunter carter cooper mason taylor parker porter baker miller rod les lou max ben
    tai chi man golden kia america france china india georgia florida carolina dakota virginia christmas easter
    monday tuesday wednesday thursday friday saturday sunday january february march october november december""".split()
)


_TITLES = frozenset("mr mrs ms miss mx dr prof".split())


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    import names

    folder = Path(names.__file__).parent
    result = set()
    for file in ("dist.male.first", "dist.female.first"):
        with open(folder / file, encoding="utf-8") as handle:
            result.update(line.split()[0].lower() for line in handle if line.strip())
    return frozenset(result - STOP_WORDS)


@lru_cache(maxsize=1)
def _last_names(limit: int = 20000) -> frozenset[str]:
    import names

    with open(Path(names.__file__).parent / "dist.all.last", encoding="utf-8") as handle:
        return frozenset(line.split()[0].lower() for _, line in zip(range(limit), handle) if line.strip())


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)


def _sub(pattern: re.Pattern, placeholder: str, result: Redaction, check=None) -> None:
    def replace(match: re.Match) -> str:
        if check is not None and not check(match.group(0)):
            return match.group(0)
        result.counts[placeholder] += 1
        return placeholder

    result.text = pattern.sub(replace, result.text)


def _names(result: Redaction) -> None:
    first, last = _first_names(), _last_names()

    def cued(match: re.Match) -> str:
        result.counts["[NAME]"] += 1
        return match.group(1) + "[NAME]"

    result.text = _CUE.sub(cued, result.text)

    def plain(match: re.Match) -> str:
        word = match.group(0).lower()
        if word in first and word not in _AMBIGUOUS:
            result.counts["[NAME]"] += 1
            return "[NAME]"
        return match.group(0)

    result.text = _WORD.sub(plain, result.text)
    surname = re.compile(r"\[NAME\](\s+)([A-Z][a-z'-]+)")

    def after_name(match: re.Match) -> str:
        if match.group(2).lower() in last and match.group(2).lower() not in _AMBIGUOUS:
            result.counts["[NAME]"] += 1
            return "[NAME]" + match.group(1) + "[NAME]"
        return match.group(0)

    result.text = surname.sub(after_name, result.text)


def redact(text: str) -> Redaction:
    """``text`` with identifying details replaced by placeholders, and how many of each."""
    result = Redaction(text)
    _sub(_EMAIL, "[EMAIL]", result)
    for pattern in _DATES:
        _sub(pattern, "[DATE]", result)
    _sub(_STREET, "[ADDRESS]", result)
    _sub(_POSTCODE, "[ADDRESS]", result)
    _sub(_PHONE, "[PHONE]", result, check=lambda s: sum(ch.isdigit() for ch in s) >= 7)
    _names(result)
    return result


def redact_text(text: str) -> str:
    return redact(text).text


def _lowercase_names(text: str) -> str:
    """Lower-case first names (and a surname right after one) become [NAME]: topic words have no capitals."""
    first, last = _first_names(), _last_names()
    tokens = re.split(r"(\W+)", text)
    previous_name = after_title = False
    for i, token in enumerate(tokens):
        lowered = token.lower()
        if not token or not token.isalpha():
            continue
        if after_title and lowered not in STOP_WORDS:
            tokens[i], previous_name, after_title = "[NAME]", True, False
        elif lowered in _TITLES:
            after_title, previous_name = True, False
        elif lowered in _AMBIGUOUS:
            previous_name = False
        elif lowered in first or (previous_name and lowered in last and lowered not in STOP_WORDS):
            tokens[i], previous_name = "[NAME]", True
        else:
            previous_name = False
    return "".join(tokens)


def redact_words(words: list[str]) -> list[str]:
    """Topic words: first names (and surnames after them) become [NAME]."""
    return [_lowercase_names(word) for word in words]


def redact_label(label: str) -> str:
    """A topic label: the rules of :func:`redact`, then the lower-case name check (default labels are top words)."""
    return _lowercase_names(redact_text(label))
