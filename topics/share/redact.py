"""Remove identifying details from text that leaves the machine: reports, tables, exports, shared corpora.

Offline, and built for transcripts: remarks from speech recognition come in
lower case without punctuation, so nothing here needs a capital letter to
find a name, although capitals and context help. Each detail becomes a typed
placeholder, numbered per session when pseudonyms are on ("[NAME 1]" is the
same person throughout one session):

``[EMAIL]``, ``[URL]``, ``[HANDLE]``
    e-mail addresses; web addresses (also spoken "example dot com", "doehn dot de"); social handles ("@jenny_k",
    "at frans fifty seven"), with numbers said in words.
``[PHONE]``
    phone numbers in national and international formats (Google's
    libphonenumber, package ``phonenumbers``, for GB and US numbering plans
    and any number written with its +country code), and any other run of 7+ digits in groups.
``[ID]``
    SSNs, NHS numbers (3-3-4 digits or ten with a valid check digit), and
    numbers after "medical record", "MRN", "patient/member/case/insurance number" and the like.
``[DATE]``
    dates with a day: "04/03/1985", "4 March", "march fourth", "the 3rd of
    march 1985" (a year alone is kept, as HIPAA's Safe Harbor allows).
``[AGE]``
    ages over 89 ("93 years old", "aged ninety five").
``[ADDRESS]``
    street addresses of many countries, written or said aloud (:mod:`topics.share.redact_address`: "42 elm
    street", "Calle Mayor 5", "three hundred and six garba ramp") and UK postcodes.
``[PLACE]``
    cities, towns, US states and counties (:mod:`topics.share.redact_lists`), named
    institutions ("St Mary's Hospital", "Bulldog Pharmacy", "Lincoln High School") and workplaces
    (:mod:`topics.share.redact_organisation`: "working at Tesco", "Søndergaard & Holm ApS").
``[NAME]``
    people: first names of many origins and surnames (:mod:`topics.share.redact_lists`)
    wherever they are not also ordinary words ("jennifer", "okonkwo"); names
    that are ordinary words ("Grace", "Will", "Hope") only with a cue: a
    title, a greeting, "named", "my son", "my friend" and the like; and
    unknown words that a cue, a capital in mid-sentence or a first name just
    before mark as a name ("my friend thandiwe", "margaret okonkwo"), or two such words in a row
    ("olakunle afolayan").

Drug and disease names, months, weekdays and holidays, acronyms and transcribers' notes in brackets are
words, never names. It errs on the side of removing: a shared report does not need a remark verbatim.
:data:`PARTS` names the detectors that :func:`detect` combines; ``benchmarks/redact_generated.py --parts``
measures what each adds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from topics.core.facts import languages_of
from topics.core.run import TopicRun, TopicSet
from topics.fit.stopwords import STOP_WORDS
from topics.share import redact_lists
from topics.share.redact_address import NUMBER_WORDS, address_spans
from topics.share.redact_organisation import organisation_spans

KINDS = ("EMAIL", "URL", "HANDLE", "PHONE", "ID", "DATE", "AGE", "ADDRESS", "PLACE", "NAME")

_MONTH_NAMES = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_MONTHS = "|".join(_MONTH_NAMES)
_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth"
).split()
_DAY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:twenty[\s-]|thirty[\s-])?(?:{'|'.join(_ORDINAL_WORDS)}))"
_YEAR = (
    r"(?:,?\s+(?:\d{4}|nineteen\s+\w+(?:\s+\w+)?|two\s+thousand(?:\s+and)?(?:\s+\w+)?|"
    r"twenty\s+(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
    r"(?:\s+\w+)?)))?"
)
_TENS = "ninety|one hundred"
_UNITS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    "eighteen|nineteen"
)
_I = re.IGNORECASE

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "EMAIL",
        re.compile(
            r"\b[\w.]+\s+at\s+(?:g\s?mail|hotmail|yahoo|outlook|icloud|aol|[a-z]+)\s+dot\s+(?:com|org|net|co\s+dot\s+uk|edu|uk)\b",
            _I,
        ),
    ),
    ("URL", re.compile(r"\b(?:https?://|www\.)[^\s,;]+", _I)),
    (
        "URL",
        re.compile(
            r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io|co\.uk|org\.uk|uk|info|me|ly)(?:/[^\s,;]*)?\b", _I
        ),
    ),
    # web addresses said aloud: after "www dot" any domain ("www dot lindberg dot se"); otherwise one ending in a
    # common top-level domain, a country's code after it allowed ("martins dot gov dot br")
    ("URL", re.compile(r"\bwww\s+dot\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+\b", _I)),
    (
        "URL",
        re.compile(
            r"\b[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:com|org|net|edu|gov|io|info|biz|co|uk|"
            r"de|fr|es|nl|pl|cz|ro|hu|se|dk|fi|pt|br|mx|ar|cl|za|ng|ke|ph|vn|tr|ru|ua|ch|au|nz|jp|kr|cn|hk|sg|ie)"
            r"(?:\s+dot\s+[a-z]{2})?\b",
            _I,
        ),
    ),
    ("HANDLE", re.compile(r"(?<![\w.])@[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*")),
    (
        "HANDLE",
        re.compile(
            r"\b(?:instagram|insta|twitter|tiktok|snapchat|snap|handle|username|user name|reddit|discord)"
            r"(?:\s+(?:account|name|handle))?\s+(?:is|it's|:|at)\s+(?:at\s+)?"
            r"([a-z0-9]+(?:[_.][a-z0-9]+|\s+underscore\s+[a-z0-9]+|\s+dot\s+[a-z0-9]+)*)",
            _I,
        ),
    ),
    ("ID", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "ID",
        re.compile(
            r"\b(?:medical record|record|mrn|nhs|patient|member|case|insurance|hospital|policy|social security|"
            r"ssn|chart|account|id|identification|reference|ref)(?:\s+(?:number|no|num|id|#))?\s*(?:is|was|:|#)?\s*"
            r"((?:[a-z]{0,3}[\s-]?)?\d[\d\s-]{3,}\d)",
            _I,
        ),
    ),
    ("DATE", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b")),
    ("DATE", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("DATE", re.compile(rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?(?:{_MONTHS})\b\.?{_YEAR}", _I)),
    ("DATE", re.compile(rf"\b(?:{_MONTHS})\.?\s+(?:the\s+)?{_DAY}\b{_YEAR}", _I)),
    ("AGE", re.compile(r"\b(?:9\d|1[0-2]\d)(?:\s*-?\s*|\s+)(?:years?|yrs?|y/?o)(?:[\s-]+old)?\b", _I)),
    # the cue stays ("he was [AGE]"): only the number is the identifier
    ("AGE", re.compile(r"\b(?:aged?|turn(?:ed|ing|s)?|is|was|she's|he's|i'm)\s+(9\d|1[0-2]\d)\b", _I)),
    ("AGE", re.compile(rf"\b(?:{_TENS})(?:[\s-]+(?:and\s+)?(?:{_UNITS}))?[\s-]+(?:years?|yrs?)(?:[\s-]+old)?\b", _I)),
    (
        "AGE",
        re.compile(
            rf"\b(?:aged?|turn(?:ed|ing|s)?|is|was|she's|he's|i'm)\s+((?:{_TENS})(?:[\s-]+(?:and\s+)?(?:{_UNITS}))?)\b",
            _I,
        ),
    ),
    ("ADDRESS", re.compile(r"\b(?:apartment|apt|flat|unit|suite)\s+\d+[a-z]?\b", _I)),
    ("ADDRESS", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")),
    (
        "ADDRESS",
        re.compile(
            r"\b(?:postcode|post code|zip|zip code|zipcode)\s*(?:is|:)?\s*([a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}|\d{5})\b",
            _I,
        ),
    ),
]
_DIGITS = re.compile(r"(?<![\w/])\+?\(?\d[\d\s().-]{5,}\d(?![\w/])")
_INSTITUTION = re.compile(
    r"((?:\b(?:st\.?|saint)\s+)?(?:\b[\w'’]+\s+){1,3})(hospital|infirmary|clinic|medical cent(?:er|re)|"
    r"health cent(?:er|re)|surgery|pharmacy|chemist|school|academy|college|university|primary|elementary|"
    r"nursery|church|mosque|temple|synagogue|prison|jail|library|rehab|hospice|practice|centre|center)\b",
    _I,
)
_LETTER = r"[^\W\d_]"
_TOKEN = re.compile(rf"{_LETTER}(?:[{_LETTER[1:-1]}'’-]*{_LETTER})?")

_TITLES = frozenset(
    "mr mrs ms mx dr doctor prof professor sir madam dame lady lord father sister brother rev "
    "reverend aunt auntie uncle nan nana granny grandma grandpa officer coach".split()
)
_ABBREVIATED_TITLES = frozenset("mr mrs ms mx dr prof rev st".split())
_GREETINGS = frozenset("hi hello hey hiya bye goodbye thanks dear morning afternoon evening welcome".split())
_NAMING = ("named", "called", "name is", "name's", "names", "call me", "call him", "call her", "known as", "goes by")
_KIN = frozenset(
    "son daughter wife husband brother sister mum mom mother dad father friend boyfriend girlfriend "
    "partner boss cousin aunt uncle grandma granddad grandmother grandfather grandson granddaughter nephew "
    "niece neighbour neighbor colleague coworker roommate flatmate housemate therapist counselor counsellor "
    "doctor nurse teacher coach sponsor kid child baby fiance fiancee ex stepson stepdaughter stepmom "
    "stepdad buddy mate manager supervisor pastor priest imam rabbi social worker caseworker "
    "probation officer gran grans granny grandpa grandad grandparents nan nana nanna nans auntie papa mama "
    "stepfather stepmother doc bro bruh dude pal man guy".split()
)
_POSSESSIVES = frozenset("my his her our your their".split())
_SPEECH = frozenset(
    "talked talk talking spoke speak speaking told tell telling asked ask met meet meeting saw see seeing "
    "visited visit visiting texted text texting called call calling said says mentioned".split()
)
#: Of :data:`_SPEECH`, verbs of seeing, meeting and saying: before a word that is also an ordinary word they say
#: nothing ("i saw red", "i see fair amount", "you said sessions")
_SEEING = frozenset("met meet meeting saw see seeing visited visit visiting said says mentioned".split())
#: verbs of saying after a first name that is also a word: the person is meant ("Bill said", "mark told me")
_SAYING = frozenset("said says told tells asked asks texted thinks thought wants wanted knows reckons".split())
#: before a word, these make it a thing or no one in particular ("the bill said", "that mark", "someone else said")
_DETERMINERS = frozenset(
    "the a an this that these those every each no any some my your his her our their its someone anyone everyone "
    "somebody anybody everybody nobody something anything everything nothing what who whoever".split()
)  # "someone else said"
#: weaker: enough before a word that is no English word at all ("with chidi"), not before "with tobacco"
_LINKS = frozenset("with and or did does has had".split())
_FOLLOWING = frozenset(
    "said says say told tells called calls texted asked thinks thought wants wanted knows came comes went goes".split()
)
#: Of :data:`_FOLLOWING`, verbs of going: after a word that is also an ordinary word they say nothing ("the
#: silence comes", "finger comes out")
_GOING = frozenset("came comes went goes".split())
#: after a word that is no ordinary word, these say a person was meant too ("it was mwikali who found me")
_PERSON_AFTER = frozenset("who whose".split())
_PARTICLES = frozenset("van der den de da del della di du la le von al el bin ibn ben mac mc st".split())
_PLACE_PREFIXES = frozenset(
    "new san santa los las st saint fort port mount east west north south upper lower great little el la le lake "
    "nueva nuevo vieja viejo villa ciudad puerto sao são".split()
)
#: Words after which "to" leads to a place ("moved to", "a trip to", "back to").
_MOVES = frozenset(
    "go goes going went gone come comes coming came move moves moving moved drive drove driving fly flew flying "
    "travel travelled traveled travelling traveling trip trips back way return returned returning sent send "
    "transferred relocated emigrated holiday holidays vacation visit visits flight train bus ride".split()
)
_PLACE_CUES = frozenset(
    "in from to near at around outside visit visiting visited moved move live lives living lived "
    "born grew raised".split()
)
#: capitalised words that are never a person in mid-sentence
_NEVER_NAMES = frozenset(
    [
        "i",
        "god",
        "christmas",
        "easter",
        *_MONTH_NAMES,
        *"monday tuesday wednesday thursday friday saturday sunday".split(),
    ]
)
_INSTITUTION_GENERIC = frozenset(
    "the a an my your his her our their this that local nearby new old big little community "
    "general public private state city county regional district primary secondary high middle "
    "elementary medical health mental dental children's women's specialist walk-in urgent care "
    "same another other different any some every which what whose one two high-school law med grad graduate "
    "nursing summer night sunday boarding driving art arts business drama beauty cooking language trade "
    "vocational prep ivy league junior senior community technical".split()
)


@dataclass(frozen=True, order=True)
class Span:
    """Characters ``start:end`` of a text are a detail of ``kind`` (one of :data:`KINDS`)."""

    start: int
    end: int
    kind: str


def _pattern_spans(text: str) -> list[Span]:
    spans = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            group = 1 if pattern.groups and match.group(1) else 0
            if kind == "HANDLE" and match.group(group).lower() in STOP_WORDS:
                continue  # "I snap at my kids": no one's handle
            span = Span(match.start(group), match.end(group), kind)
            spans.append(_said_in_full(text, span) if kind in ("EMAIL", "URL", "HANDLE") else span)
    spans += _phone_spans(text)
    spans += _spoken_number_spans(text)
    spans += _spoken_handle_spans(text)
    for match in _INSTITUTION.finditer(text):
        spans += _institution(match)
    return spans


def _address_spans(text: str) -> list[Span]:
    return [Span(start, end, "ADDRESS") for start, end in address_spans(text, redact_lists.is_ordinary)]


def _organisation_spans(text: str) -> list[Span]:
    return [
        Span(start, end, "PLACE")
        for start, end in organisation_spans(text, redact_lists.is_ordinary, redact_lists.is_surname)
    ]


_NUMBER_WORD = "(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_NUMBERS_BEFORE = re.compile(rf"(?:\b{_NUMBER_WORD}\s+)+$", _I)
_NUMBERS_AFTER = re.compile(rf"^(?:\s+{_NUMBER_WORD}\b)+", _I)
_WORD_BEFORE = re.compile(r"\b([a-z][a-z'-]*)\s+$", _I)


def _said_in_full(text: str, span: Span) -> Span:
    """An address or handle said aloud, with the parts a pattern cannot tell from speech: numbers read out in
    words ("ove eighty six at example dot org", "my instagram is at frans fifty seven") and, before an address,
    the word a dash once joined to it ("abiola ogunleye dot com")."""
    start, end = span.start, span.end
    if span.kind == "HANDLE":
        after = _NUMBERS_AFTER.match(text[end:])
        return Span(start, end + after.end(), span.kind) if after else span
    numbers = _NUMBERS_BEFORE.search(text[:start])
    if numbers:
        start = numbers.start()
    word = _WORD_BEFORE.search(text[:start])
    if word and (numbers or not redact_lists.is_ordinary(word.group(1))) and word.group(1).lower() not in STOP_WORDS:
        start = word.start(1)
    return Span(start, end, span.kind)


_SPOKEN_HANDLE = re.compile(rf"\bat\s+([a-z][a-z0-9]*)((?:\s+{_NUMBER_WORD}\b)+)", _I)


def _spoken_handle_spans(text: str) -> list[Span]:
    """A handle said aloud: "at", a name or a word that is none, and numbers ("posting as at mateusz seventy
    nine"); "at home two days" is no handle."""
    spans = []
    for match in _SPOKEN_HANDLE.finditer(text):
        word = match.group(1).lower()
        if word not in STOP_WORDS and not redact_lists.is_ordinary(word):
            spans.append(Span(match.start(1), match.end(2), "HANDLE"))
    return spans


#: Digits as they are read out ("oh seven seven double oh nine ..."); "double"/"triple" repeat the next one.
_SPOKEN_DIGIT = r"(?:oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_NUMBER = re.compile(
    rf"\b(?:(?:double|triple)\s+)?{_SPOKEN_DIGIT}(?:[\s,-]+(?:(?:double|triple)\s+)?{_SPOKEN_DIGIT})+\b", _I
)
_ID_NAMES = re.compile(
    r"\b(?:medical record|record|mrn|nhs|patient|member|case|insurance|policy|social security|ssn|chart|account|"
    r"id|identification|reference|ref|passport|licen[cs]e)\b",
    _I,
)
#: How many digits read out make a number worth removing: a phone number has at least 7; counting aloud
#: ("one two three four five") stops sooner.
SPOKEN_DIGITS = 7


def _spoken_number_spans(text: str) -> list[Span]:
    """Numbers read out digit by digit: an ID when an ID's name comes in the few words before, else a phone."""
    spans = []
    for match in _SPOKEN_NUMBER.finditer(text):
        words = match.group(0).lower().replace(",", " ").replace("-", " ").split()
        # each word a digit; "double" and "triple" repeat the one after them
        digits = sum({"double": 1, "triple": 2}.get(w, 1) for w in words)
        if digits < SPOKEN_DIGITS:
            continue
        before = text[max(0, match.start() - 60) : match.start()]
        spans.append(Span(match.start(), match.end(), "ID" if _ID_NAMES.search(before) else "PHONE"))
    return spans


def _phone_spans(text: str) -> list[Span]:
    import phonenumbers

    spans = []
    for region in ("GB", "US"):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            if sum(ch.isdigit() for ch in match.raw_string) >= 7:  # not a year or a count
                spans.append(Span(match.start, match.end, "PHONE"))
    for match in _DIGITS.finditer(text):
        if sum(ch.isdigit() for ch in match.group(0)) >= 7:
            spans.append(Span(match.start(), match.end(), "PHONE"))
    return spans


def _institution(match: re.Match) -> list[Span]:
    """A named institution: the words before "hospital", "school", ... that name it.

    Generic words ("the local", "mental health") end the name; so does an
    ordinary lower-case word, unless it follows a preposition without an
    article ("to bulldog pharmacy", not "to the big pharmacy").
    """
    words = list(re.finditer(r"[\w'’.]+", match.group(1)))
    start = None
    for position in range(len(words) - 1, -1, -1):
        word = words[position].group(0)
        lowered = _base(word.strip("."))
        known = redact_lists.is_name(lowered) or redact_lists.is_place(lowered)
        generic = lowered in _INSTITUTION_GENERIC or lowered in _PLACE_CUES
        if lowered in STOP_WORDS or generic and not (known and word[0].isupper()):
            break  # "in law school", "the local clinic"; "Minnesota State University" is one name
        if lowered in ("st", "saint") or known and (word[0].isupper() or not redact_lists.is_ordinary(lowered)):
            start = match.start(1) + words[position].start()
            continue
        before = match.string[: match.start(1) + words[position].start()].split()
        unannounced = bool(before) and before[-1].lower() in _PLACE_CUES and position == len(words) - 1
        if redact_lists.is_ordinary(lowered) and not word[0].isupper() and not unannounced:
            break
        start = match.start(1) + words[position].start()
    return [Span(start, match.end(), "PLACE")] if start is not None else []


def _tokens(text: str) -> list[re.Match]:
    return list(_TOKEN.finditer(text))


def _base(token: str) -> str:
    lowered = token.lower().replace("’", "'")
    return lowered[:-2] if lowered.endswith("'s") else lowered


def _sentence_start(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or before[-1] in '.?!:"“(-—\n'


def _title_before(words: list[str], i: int, joined: bool = True) -> bool:
    """Word ``i`` follows a title ("Mr", "Father", "Nan"), not a relation: "your father left", "my nan used to"
    name no one, a possessive before the word makes it kin. ``joined``: no full stop between them, unless the
    title is an abbreviation ("Dr. Ferris"; not "become a doctor. Study psychology")."""
    return (
        i > 0
        and words[i - 1] in _TITLES
        and (joined or words[i - 1] in _ABBREVIATED_TITLES)
        and not (i > 1 and words[i - 2] in _POSSESSIVES)
    )


def _cue(words: list[str], i: int, joined: bool = True) -> str | None:
    """'name' or 'place' when the words before token ``i`` announce one; ``joined``: no full stop, question
    mark or colon between the word before and this one ("Hello. Come in" is no greeting of Come)."""
    previous = words[i - 1] if i else ""
    two = " ".join(words[max(0, i - 2) : i])
    if _title_before(words, i, joined) or joined and (previous in _GREETINGS or any(two.endswith(p) for p in _NAMING)):
        return "name"
    if not joined:
        return None
    if previous in _KIN and (i >= 2 and words[i - 2] in _POSSESSIVES or i >= 3 and words[i - 3] in _POSSESSIVES):
        return "name"
    if (
        previous in ("is", "was")
        and i >= 3
        and words[i - 2] in _KIN
        and _POSSESSIVES & set(words[max(0, i - 5) : i - 2])
    ):
        return "name"  # "my case worker is X", "her sponsor was X"
    if previous == "to" and (i < 2 or words[i - 2] not in _MOVES):
        return None  # "how to manage", "learn to cope": an infinitive, not a destination
    if previous in _PLACE_CUES:
        return "place"
    return None


def _prefixed_place(text: str, tokens: list[re.Match], words: list[str], i: int) -> int:
    """Words in a place's name that opens with "north", "new", "port", "lake", "san" ... where a place goes
    ("we moved to port jasiri", "she lives in east angavu"): how many (0: none). The word after the prefix must
    be a name or place or no ordinary word ("in new ways" is none)."""
    if words[i] not in _PLACE_PREFIXES or i + 1 >= len(words) or i == 0:
        return 0
    joined = not re.search(r"[.?!:;]", text[tokens[i - 1].end() : tokens[i].start()])
    if _cue(words, i, joined) != "place":
        return 0
    end = i + 1
    while end < len(words) and words[end] in _PARTICLES and end - i < 3:
        end += 1  # "san víctor de la montaña"
    if end >= len(words) or words[end] in STOP_WORDS:
        return 0
    name = words[end]
    if redact_lists.is_ordinary(name) and not (redact_lists.is_name(name) or redact_lists.is_place(name)):
        return 0
    return end + 1 - i


def _place_goes_on(text: str, tokens: list[re.Match], words: list[str], i: int, spans: list[Span]) -> bool:
    """Word ``i`` is no ordinary word right after a place, with only a space between: the place's next word."""
    last = spans[-1] if spans else None
    return (
        last is not None
        and last.kind == "PLACE"
        and i > 0
        and last.end == tokens[i - 1].end()
        and text[tokens[i - 1].end() : tokens[i].start()].isspace()
        and _unknown(words[i])
    )


def _word_spans(text: str) -> list[Span]:
    """Names and places among the words of ``text``, by the lists of :mod:`topics.share.redact_lists` and cues."""
    tokens = _tokens(text)
    words = [_base(t.group(0)) for t in tokens]
    spans: list[Span] = []
    previous_name = -2
    i = 0
    while i < len(tokens):
        place = _place_at(words, i)
        if place > 1 and (
            words[i] in _PLACE_PREFIXES or not all(redact_lists.is_ordinary(w) for w in words[i : i + place])
        ):
            spans.append(Span(tokens[i].start(), tokens[i + place - 1].end(), "PLACE"))
            i += place
            continue
        prefixed = _prefixed_place(text, tokens, words, i)
        if prefixed:
            spans.append(Span(tokens[i].start(), tokens[i + prefixed - 1].end(), "PLACE"))
            i += prefixed
            continue
        kind = _word_kind(text, tokens, words, i, place == 1, previous_name)
        if kind is None and _place_goes_on(text, tokens, words, i, spans):
            kind = "PLACE"  # "we moved to nueva eslovenia", "in sighetu marmatiei"
        if kind:
            spans.append(Span(tokens[i].start(), tokens[i].end(), kind))
            if kind == "NAME":
                previous_name = i
        i += 1
    return spans


#: word endings written after a dash ("OD-ing", "re-ed")
_DASHED_ENDINGS = frozenset("ing ed er ers es s ish".split())


def _suffix_after_dash(text: str, tokens: list[re.Match], i: int) -> bool:
    """Word ``i`` is an ending written after a dash ("OD-ing")."""
    return tokens[i].group(0).lower() in _DASHED_ENDINGS and text[tokens[i].start() - 1 : tokens[i].start()] == "-"


def _annotation(text: str, tokens: list[re.Match], i: int) -> bool:
    """Word ``i`` is a transcriber's note in brackets, in lower case ("[crosstalk]", "[croostalk]", "[laughs]"),
    not speech ("[Dennis]", a name the transcriber was unsure of, is judged as any word)."""
    start, end = tokens[i].start(), tokens[i].end()
    return text[start - 1 : start] == "[" and text[end : end + 1] == "]" and tokens[i].group(0).islower()


def _stutter(text: str, tokens: list[re.Match], words: list[str], i: int) -> bool:
    """Word ``i`` is a word begun and broken off ("flo-floss", "cha-change", "the Chan- the Chantix"): a dash
    right after it, and one of the next three words begins with it."""
    after = text[tokens[i].end() : tokens[i].end() + 2]
    if not after.startswith(("-", "—", "–")):
        return False
    return any(w.startswith(words[i]) and len(w) > len(words[i]) for w in words[i + 1 : i + 4])


def _word_kind(
    text: str, tokens: list[re.Match], words: list[str], i: int, listed_place: bool, previous_name: int
) -> str | None:
    """NAME, PLACE or None for word ``i``: the rules of the module docstring."""
    token, word = tokens[i].group(0), words[i]
    if (
        len(word) < 2
        or word in _TITLES
        or word in _GREETINGS
        or word in _KIN
        or word.endswith("s")
        and word[:-1] in _KIN  # "my mates say"
        or word == "new"
        and words[i + 1 : i + 2] == ["year"]  # "New Year's Eve"
        or word in _POSSESSIVES  # "I called my roommates"
        or redact_lists.is_loanword(word)
        or _suffix_after_dash(text, tokens, i)
        or _annotation(text, tokens, i)
    ):
        return None
    after_name = previous_name == i - 1 or (previous_name == i - 2 and words[i - 1] == "and")
    if (
        after_name
        and word in _PARTICLES
        and i + 1 < len(words)
        and (
            words[i + 1] in _PARTICLES
            or redact_lists.is_surname(words[i + 1])
            or not redact_lists.is_ordinary(words[i + 1])
        )
    ):
        return "NAME"  # "van der berg", "al haddad"
    if previous_name == i - 1 and i > 0 and words[i - 1] in _PARTICLES and redact_lists.is_surname(word):
        return "NAME"
    joined = i == 0 or not re.search(r"[.?!:;]", text[tokens[i - 1].end() : tokens[i].start()])
    cue = _cue(words, i, joined)
    ordinary = redact_lists.is_ordinary(word)
    capital = token[0].isupper() and not _sentence_start(text, tokens[i].start()) and word not in _NEVER_NAMES
    following = words[i + 1] if i + 1 < len(words) else ""
    if _stutter(text, tokens, words, i):
        return None  # "flo-floss", "the Chan- the Chantix": a word begun again, not a name
    # "X said", "X and i": what follows says a person was meant ("and i" only of a word that is no ordinary word:
    # "what i ate and i ate less")
    announced = (
        following in _FOLLOWING
        and not (ordinary and following in _GOING)
        or following in _PERSON_AFTER
        and not ordinary
        or (following == "and" and i + 2 < len(words) and words[i + 2] in ("i", "me") and not ordinary)
    )
    # "told X", "talked to X"; "saw X", "met X" only of a word that is no ordinary word ("i saw red")
    verb = words[i - 2] if i > 1 and words[i - 1] == "to" else words[i - 1] if i > 0 else ""
    spoken_to = (
        i > 0
        and word not in STOP_WORDS  # "i called my roommates"
        and verb in _SPEECH
        and not (ordinary and verb in _SEEING)
    )
    if token.isupper() and len(token) > 1 and not (cue == "name" or announced) and not redact_lists.is_place(word):
        return None  # "IBS", "an IB student", "SSRI": letters of an acronym, not a name
    listed_name = redact_lists.is_name(word)
    # "called" names only a word that is no function word ("he called in a prescription")
    naming = any(" ".join(words[max(0, i - 2) : i]).endswith(phrase) for phrase in _NAMING) and not (
        words[i - 1] == "called" and word in STOP_WORDS
    )
    titled = _title_before(words, i, joined)
    if (
        cue == "name"
        and word in redact_lists.all_first_names()
        and (
            (naming or titled or capital and i > 0 and words[i - 1] in _KIN)  # "my son Will is eight"
            and (word not in STOP_WORDS or word in redact_lists.census_first_names())
            or word not in STOP_WORDS
            and (token[0].isupper() or not ordinary)
        )
    ):
        return "NAME"  # "my name is Will", "Hi, Jo" (not "thanks so much", "hello, hi, come")
    if spoken_to and redact_lists.is_first_name(word) and word not in redact_lists.NAME_WORDS:
        return "NAME"  # "i told rohan", "talked to harper"
    if listed_name or listed_place:
        if ordinary and not _ordinary_name_meant(
            word, i, words, cue, capital, after_name, announced, spoken_to, listed_place, previous_name
        ):
            return None
        if not ordinary and len(word) < 3 and not (cue or capital or after_name):
            return None  # "se-serious", "le-leverage": a broken word, not a name
        if listed_place and not _next_is_name(words, i) and (cue == "place" or not listed_name):
            return "PLACE"
        return "NAME"
    if ordinary:
        # "Rishi Verma", "Blessing Olawale": a capitalised word before a surname that is no word; "josh doyle",
        # "faith mwikali": a census first name before a word that is a surname or no word at all; "Bill said"
        census = word in redact_lists.census_first_names() and word not in STOP_WORDS
        if (capital or census) and _next_is_name(words, i) or _said_by(word, i, words):
            return "NAME"
        # "My daughter Kenes came": a capital right after a kin word, of a word that is rare as a word
        rare = not redact_lists.is_common(word, redact_lists.NAME_OVER_WORD_ZIPF)
        return "NAME" if capital and i > 0 and words[i - 1] in _KIN and rare else None
    # two words in a row that are no English words are a name ("prayoga rahayu", "olakunle afolayan")
    paired = _unknown(word) and (i + 1 < len(words) and _unknown(words[i + 1]) and words[i + 1] != word or after_name)
    if cue == "name" or capital or after_name or announced or spoken_to or paired or (i > 0 and words[i - 1] in _LINKS):
        return "PLACE" if cue == "place" else "NAME"
    if cue == "place" and len(word) > 3:
        return "PLACE"  # "we moved to saharsa", "she lives in kibera": no dictionary word, where a place goes
    return None


def _ordinary_name_meant(
    word: str,
    i: int,
    words: list[str],
    cue: str | None,
    capital: bool,
    after_name: bool,
    announced: bool,
    spoken_to: bool,
    listed_place: bool,
    previous_name: int,
) -> bool:
    """For a name or place that is also an ordinary word ("grace", "reading", "tommy"): does the context say
    the name is meant? A title, a greeting or "named" always does; "my son", "told", "X said" do for names
    whose ordinary sense is uncommon; a surname right after a first name; a place after "in" unless the
    word is very common; a capital in mid-sentence with any cue."""
    moderate = not redact_lists.is_common(word, redact_lists.NAME_OVER_WORD_ZIPF)
    if cue == "name" and (_title_before(words, i) or words[i - 1] not in _KIN and (capital or moderate)):
        return True  # "Mr Brown", "Hi, Grace", "hi tommy"; not "hello, hi, come"
    if moderate and (cue == "name" or announced or spoken_to):
        return True
    if cue == "name" and announced:  # "my sponsor mikey says"
        return True
    if _name_like(word) and cue == "name" and words[i - 1] in _KIN:
        return True  # "my daughter faith came with me", "my friend mark"
    if _said_by(word, i, words) or _name_like(word) and i + 1 < len(words) and _unknown(words[i + 1]):
        return True  # "Bill said"; "max gulati", "Grace Ojo": a first name before a surname that is no word
    if (
        previous_name == i - 1
        and redact_lists.is_surname(word)
        and (capital or not redact_lists.is_common(word, redact_lists.SURNAME_OVER_WORD_ZIPF))
    ):
        return True
    if (
        listed_place
        and cue == "place"
        and (
            capital
            or words[i - 1] != "to"
            and redact_lists.is_large_place(word)
            and not redact_lists.is_common(word, redact_lists.PLACE_OVER_WORD_ZIPF)
        )
    ):
        # "in phoenix"; not "from rehab" (a village of that name) nor "in reading" (too common a word); after
        # "going to" a verb is likelier ("going to manage"): "to Boston" only with its capital
        return True
    return capital and (cue is not None or after_name or _next_is_name(words, i) or announced)


def _place_at(words: list[str], i: int) -> int:
    """Length (in words, up to 3) of the longest known place starting at word ``i``; 0 if none."""
    for length in (3, 2, 1):
        if i + length <= len(words) and redact_lists.is_place(" ".join(words[i : i + length])):
            return length
    return 0


def _name_like(word: str) -> bool:
    """A census first name that is no function word: "faith", "mark", and "bill", "will" (which the stop-word
    list holds), not "so" or "in" (which the census lists too)."""
    return word in redact_lists.census_first_names() and (word not in STOP_WORDS or len(word) > 3)


def _said_by(word: str, i: int, words: list[str]) -> bool:
    """Word ``i`` is a first name that says something: "Bill said I should stop"; not "the bill said"."""
    saying = i + 1 < len(words) and words[i + 1] in _SAYING
    return saying and _name_like(word) and (i == 0 or words[i - 1] not in _DETERMINERS)


def _next_is_name(words: list[str], i: int) -> bool:
    """The word after word ``i`` is a listed name that is no ordinary word."""
    return i + 1 < len(words) and redact_lists.is_name(words[i + 1]) and not redact_lists.is_ordinary(words[i + 1])


def _unknown(word: str) -> bool:
    """No ordinary word, no function word, long enough not to be a broken one."""
    return len(word) > 2 and word not in STOP_WORDS and not redact_lists.is_ordinary(word)


#: The detectors :func:`detect` combines, by name: each finds some details alone (the benchmark measures what
#: each adds, ``benchmarks/redact_generated.py --parts``).
PARTS: dict[str, Callable[[str], list[Span]]] = {
    "patterns": _pattern_spans,  # e-mail, web, handles, phones, numbers, dates, ages, postcodes, institutions
    "names and places": _word_spans,  # word lists and cues
    "addresses": _address_spans,  # topics.share.redact_address
    "workplaces": _organisation_spans,  # topics.share.redact_organisation
}


def detect(text: str, parts: Iterable[str] | None = None) -> list[Span]:
    """Every identifying detail in ``text``, overlaps resolved (the longer span wins), in order. ``parts``: only
    these detectors of :data:`PARTS` (None: all)."""
    found = [span for name in (parts or PARTS) for span in PARTS[name](text)]
    spans = sorted(found, key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            if span.end > kept[-1].end:
                kept[-1] = Span(kept[-1].start, span.end, kept[-1].kind)
            continue
        kept.append(span)
    return kept


@dataclass
class Redaction:
    """A redacted text and how many details of each kind it lost."""

    text: str
    counts: Counter = field(default_factory=Counter)


class Redactor:
    """Replaces details with typed placeholders; with ``pseudonyms``, the same detail in the same session
    gets the same number ("[NAME 1]"), and numbering restarts in each session."""

    def __init__(self, pseudonyms: bool = False) -> None:
        self.pseudonyms = pseudonyms
        self._numbers: dict[tuple[str | None, str], dict[str, int]] = {}

    def redact(self, text: str, session: str | None = None) -> Redaction:
        """``text`` with each detail replaced by its placeholder (numbered within ``session`` when pseudonyms
        are on), and how many details of each kind it lost."""
        result = Redaction(text)
        out, last = [], 0
        for span in detect(text):
            out += [text[last : span.start], self._placeholder(span, text, session)]
            result.counts[span.kind] += 1
            last = span.end
        result.text = "".join(out) + text[last:]
        return result

    def _placeholder(self, span: Span, text: str, session: str | None) -> str:
        if not self.pseudonyms:
            return f"[{span.kind}]"
        numbers = self._numbers.setdefault((session, span.kind), {})
        value = re.sub(r"\W+", " ", text[span.start : span.end].lower()).strip()
        return f"[{span.kind} {numbers.setdefault(value, len(numbers) + 1)}]"


_PLAIN = Redactor()


def redact(text: str) -> Redaction:
    """``text`` with identifying details replaced by typed placeholders, and how many of each."""
    return _PLAIN.redact(text)


def redact_text(text: str) -> str:
    """``text`` with identifying details replaced by typed placeholders (:func:`redact` without the counts)."""
    return redact(text).text


def redact_words(words: list[str]) -> list[str]:
    """Topic words (lower case, no context): names and places that are not ordinary words become placeholders."""
    return [redact_text(word) for word in words]


def redact_label(label: str) -> str:
    """A topic label (an expert's words, or the top words of the topic)."""
    return redact_text(label)


#: Table columns that hold text a person wrote or a label an expert gave: redacted when a table leaves the machine.
TEXT_COLUMNS = (
    "text", "label", "word", "words", "description", "group label", "joint label", "label_a", "label_b",
    "therapist",  # a therapist's name, where the corpus names them
)  # fmt: skip


def redact_frame(frame: pd.DataFrame, session_column: str | None = "session", pseudonyms: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with its text columns redacted; remark texts numbered per session."""
    redactor = Redactor(pseudonyms=pseudonyms)
    out = frame.copy()
    sessions = out[session_column].astype(str) if session_column and session_column in out else None
    for column in [c for c in out.columns if c in TEXT_COLUMNS or str(c).endswith(" label")]:
        values = out[column]
        if column == "text":
            keys = sessions if sessions is not None else [None] * len(out)
            out[column] = [redactor.redact(v, k).text if isinstance(v, str) else v for v, k in zip(values, keys)]
        else:
            out[column] = [redact_label(v) if isinstance(v, str) else v for v in values]
    return out


def redact_topic_set(topic_set: TopicSet) -> TopicSet:
    """A topic set with labels, descriptions and words redacted (ids, sizes and centroids unchanged)."""
    import dataclasses

    topics = [
        dataclasses.replace(
            t,
            label=redact_label(t.label),
            description=redact_label(t.description),
            words=list(zip(redact_words(t.top_words(len(t.words))), (w for _, w in t.words))),
        )
        for t in topic_set.topics
    ]
    return dataclasses.replace(topic_set, topics=topics)


@dataclass
class RedactedTexts:
    """The remarks and client turns of a run with their text columns redacted (:func:`redact_frame`): the slow
    part of :func:`redact_run`. Edits change topics, never texts, sessions or the order of remarks, so the texts
    of the fitted run serve every state of its curation (see :func:`redact_run`)."""

    remarks: pd.DataFrame
    client_turns: pd.DataFrame | None


def redacted_texts(run: TopicRun) -> RedactedTexts:
    """``run``'s remarks and client turns with their texts redacted, once, for :func:`redact_run`."""
    return RedactedTexts(
        redact_frame(run.remarks), redact_frame(run.client_turns) if run.client_turns is not None else None
    )


def _texts_from(frame: pd.DataFrame, redacted: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with the text columns of ``redacted`` (a redacted frame of the same remarks, or of more whole
    sessions in the same order), so the pseudonyms are the ones :func:`redact_frame` of ``frame`` would give;
    ``redact_frame(frame)`` itself when ``redacted`` is not such a frame."""
    if redacted is None or "remark_id" not in frame or "remark_id" not in redacted:
        return redact_frame(frame)
    same = redacted[redacted["remark_id"].isin(frame["remark_id"])]
    whole_sessions = "session" not in frame or (
        frame["session"]
        .astype(str)
        .value_counts()
        .sort_index()
        .equals(
            redacted[redacted["session"].astype(str).isin(set(frame["session"].astype(str)))]["session"]
            .astype(str)
            .value_counts()
            .sort_index()
        )
    )
    if not (whole_sessions and same["remark_id"].tolist() == frame["remark_id"].tolist()):
        return redact_frame(frame)  # numbering restarts per session in row order: only the same rows number alike
    out = frame.copy()
    for column in [c for c in out.columns if c in TEXT_COLUMNS or str(c).endswith(" label")]:
        out[column] = same[column].to_numpy() if column in same else redact_frame(frame[[column]])[column].to_numpy()
    return out


def redact_run(run: TopicRun, texts: RedactedTexts | None = None) -> TopicRun:
    """A copy of a run for showing on a shared screen: remark texts (pseudonyms per session), labels and words
    redacted; ids, assignments and numbers unchanged, so every page works on it as on the run.

    ``texts``: :func:`redacted_texts` of this run or of the run it was curated from (the explorer keeps them
    per run folder); the result is the same as without, only faster: the texts are not redacted again."""
    import dataclasses

    if texts is None:
        remarks = redact_frame(run.remarks)
        client_turns = redact_frame(run.client_turns) if run.client_turns is not None else None
    else:
        remarks = _texts_from(run.remarks, texts.remarks)
        client_turns = _texts_from(run.client_turns, texts.client_turns) if run.client_turns is not None else None
    return dataclasses.replace(
        run,
        remarks=remarks,
        client_turns=client_turns,
        joint=redact_topic_set(run.joint) if run.joint is not None else None,
        groups={name: redact_topic_set(ts) for name, ts in run.groups.items()},
    )


def redaction_caveat(run: TopicRun) -> str | None:
    """What de-identification cannot promise for this run: its name and place lists, and the rules that tell
    names from words, were built and measured on English; None for an English run."""
    other = [language for language in languages_of(run) if language != "en"]
    if not other:
        return None
    return (
        f"De-identification was built and measured on English. Remarks in {', '.join(other)} lose phone numbers, "
        "e-mail addresses and written dates, but its name and place rules were not measured on them: names may "
        "remain and ordinary words may be replaced. Read them before sharing."
    )
