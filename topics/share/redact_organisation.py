"""Workplaces and companies, written or said aloud: "working at Tesco", "laid me off from okafor ihejirika and
obi", "Søndergaard & Holm ApS", "guerra y asociados s a".

Two signs mark an organisation's name:

* a **workplace cue** before it ("working at", "works for", "a job at", "laid me off from", "employed by"):
  the words that follow, up to the next function word or number, are the name when one of them is no
  ordinary word, is written with a capital, or is a legal form ("long empire banking corporation"); so
  "working at home" and "working at it" stay;
* a **legal form** ("Ltd", "GmbH", "S.A.", "s r l", "Tbk", "PT ..."): the names before it (or after "PT",
  "UD", "CV") belong to it.

Names joined by "and", "&", "y", "e", "i", "und", "et", "og", "och" or a dash ("Carosone, Giulietti e
Orsini", "Thorpe-Knight") are one name. The legal forms are those of the countries whose transcripts this
toolkit reads; spoken ones are their letters ("s a", "k s").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from topics.fit.stopwords import STOP_WORDS

#: Legal forms and the words companies end their names with, after the name (lower case, dots removed).
LEGAL_FORMS = frozenset(
    "ltd limited plc inc incorporated llc llp lp corp corporation co company group holdings gmbh ag kg ohg ug mbh "
    "sa sas sarl srl spa sl slu sac sad sat ab oy oyj as aps nv bv bvba sc zrt kft bt nyrt tbk persero ltda me "
    "eireli ac pty spzoo sp ks vos sro kg gbr ev plc ventures services solutions enterprises industries "
    "international consulting associates asociados partners sons figli syn banking bank insurance logistics "
    "systems technologies labs studios kgaa aş sadecv srldecv sapidecv spk spj slne".split()
)
#: Legal forms that are no English words: enough alone, in lower case, to say a cued name is a firm's ("i have
#: been working at master plc"); "co", "as", "me" are words too
UNMISTAKABLE = frozenset(f for f in LEGAL_FORMS if len(f) > 3) | frozenset(
    "ltd plc inc llc llp lp gmbh ag kg mbh sas srl spa sl sarl aps bv kft zrt tbk sro vos oyj oy nv aş spk spj".split()
)
#: Legal forms written before the name ("PT Usada", "UD Halim", "PPUH Wołoszczuk").
LEGAL_PREFIXES = frozenset("pt ud cv ppuh phu fhu pphu".split())
#: Words that join the names of a firm's partners.
CONNECTORS = frozenset("and & y e i und et og och".split())
#: Words that join a firm's name to a place or a field ("bank of the philippines")
OF = frozenset("of the".split())
#: Verbs and nouns after which a workplace's name follows.
_CUE = re.compile(
    r"\b(?:work(?:s|ed|ing)?\s+(?:at|for)|(?:a\s+)?job\s+(?:at|with)|employed\s+(?:by|at)|hired\s+(?:by|at)|"
    r"(?:laid|let)\s+(?:me|him|her|us|them)\s+(?:off|go)\s+(?:from|at)|laid\s+off\s+(?:from|at|by)|"
    r"(?:fired|sacked)\s+(?:from|at|by)|(?:an\s+)?intern(?:ship)?\s+at|shifts?\s+at|my\s+employer\s+is|"
    r"(?:boss|manager)\s+at)\s+",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\w(?:[\w'’.]*\w)?\.?|&")
#: at most this many words in a name after a cue
MAX_WORDS = 7


def _plain(token: str) -> str:
    return token.lower().replace(".", "").strip("'’")


def _letters(tokens: list[str], i: int) -> int:
    """How many tokens of one or two letters from token ``i`` on spell a legal form ("s a", "s r l", "k s", "sp
    k", "s a de c v"); 0 if none."""
    short = 0
    while i + short < len(tokens) and short < 6 and 1 <= len(_plain(tokens[i + short])) <= 2:
        short += 1
    for n in range(short, 1, -1):
        spelled = [_plain(t) for t in tokens[i : i + n]]
        if "".join(spelled) in LEGAL_FORMS and any(len(p) == 1 for p in spelled) and spelled[0].isalpha():
            return n
    return 0


def organisation_spans(
    text: str, ordinary: Callable[[str], bool], surname: Callable[[str], bool]
) -> list[tuple[int, int]]:
    """Character spans of workplaces and companies in ``text``; ``ordinary`` says whether a word is an ordinary
    English word, ``surname`` whether it is a surname (a partner's: "procter and gamble")."""
    matches = list(_TOKEN.finditer(text))
    tokens = [m.group(0) for m in matches]
    starts = {m.start(): i for i, m in enumerate(matches)}
    spans = []
    for cue in _CUE.finditer(text):
        i = starts.get(cue.end())
        found = _after_cue(text, matches, i, ordinary, surname) if i is not None else None
        if found:
            spans.append(found)
    for i, token in enumerate(tokens):
        word = _plain(token)
        if word in LEGAL_PREFIXES and token.isupper() and i + 1 < len(tokens):
            end = _name_end(text, matches, i + 1, ordinary, surname, any_word=False)
            if end > i + 1:
                spans.append((matches[i].start(), matches[end - 1].end()))
        elif word in LEGAL_FORMS and i > 0 and _is_form(token):
            start = _name_start(text, matches, i, ordinary)
            if start < i:
                spans.append((matches[start].start(), matches[i].end()))
    return spans


#: Legal forms that are also short words ("As", "Me", "Co"): only in capitals, with dots or in mixed case.
_SHORT = frozenset(f for f in LEGAL_FORMS if len(f) <= 3)


def _is_form(token: str) -> bool:
    """A legal form as written after a name: "Ltd", "GmbH", "S.A.", "ApS" (not the word "group" in a sentence,
    nor "As" opening one)."""
    if "." in token[:-1] or token.isupper() and len(token) > 1:  # "S.A.", "s.r.l.", "GMBH"; not "me." ending a remark
        return True
    if _plain(token) in _SHORT:
        return any(c.isupper() for c in token[1:])  # "ApS", "SpA"
    return token[0].isupper()


def _name_word(token: str, ordinary: Callable[[str], bool]) -> bool:
    word = _plain(token)
    letters = word.replace("'", "").replace("’", "")  # "o'rafferty"
    return letters.isalpha() and word not in STOP_WORDS and (token[0].isupper() or not ordinary(word))


def _joined(text: str, matches: list[re.Match], i: int) -> bool:
    """Token ``i`` follows token ``i - 1`` with no more than a space, a comma or a dash between them."""
    between = text[matches[i - 1].end() : matches[i].start()]
    return bool(re.fullmatch(r"\s*[,-]?\s*|\s+-\s+", between))


def _name_start(text: str, matches: list[re.Match], i: int, ordinary: Callable[[str], bool]) -> int:
    """The first token of the name that the legal form at token ``i`` ends."""
    tokens = [m.group(0) for m in matches]
    start = i
    while start > 0 and i - start < MAX_WORDS and _joined(text, matches, start):
        before = tokens[start - 1]
        if _name_word(before, ordinary) or _plain(before) in LEGAL_FORMS and _is_form(before):
            start -= 1
        elif _plain(before) in CONNECTORS and start >= 2 and _name_word(tokens[start - 2], ordinary):
            start -= 1
        else:
            break
    return start


def _name_end(
    text: str,
    matches: list[re.Match],
    i: int,
    ordinary: Callable[[str], bool],
    surname: Callable[[str], bool],
    any_word: bool,
) -> int:
    """The end (exclusive) of a name starting at token ``i``: name words, connectors between them, legal forms.
    ``any_word``: ordinary words too (after a workplace cue, "long empire banking corporation")."""
    tokens = [m.group(0) for m in matches]

    def joins(j: int) -> bool:
        """Token ``j`` is a connector and what follows it continues the name: "& Co.", "i syn", "and gamble"."""
        after = _plain(tokens[j + 1])
        return _name_word(tokens[j + 1], ordinary) or after in LEGAL_FORMS or any_word and surname(after)

    j = i
    while j < len(tokens) and j - i < MAX_WORDS and (j == i or _joined(text, matches, j)):
        word = _plain(tokens[j])
        letters = _letters(tokens, j)
        if letters:
            while letters:  # "sp z o o sp k"
                j += letters
                letters = _letters(tokens, j)
            break
        if (
            word in LEGAL_FORMS
            or _name_word(tokens[j], ordinary)
            or any_word
            and word.isalpha()
            and word not in STOP_WORDS
        ):
            j += 1
        elif word in CONNECTORS and j > i and j + 1 < len(tokens) and joins(j):
            j += 1
        elif word == "of" and j > i and j + 1 < len(tokens):  # "bank of the philippines"
            k = j + 2 if _plain(tokens[j + 1]) == "the" and j + 2 < len(tokens) else j + 1
            if not _name_word(tokens[k], ordinary):
                break
            j = k
        else:
            break
    return j


def _after_cue(
    text: str, matches: list[re.Match], i: int, ordinary: Callable[[str], bool], surname: Callable[[str], bool]
) -> tuple[int, int] | None:
    """The workplace named right after a cue, if its words say it is a name (see the module docstring)."""
    end = _name_end(text, matches, i, ordinary, surname, any_word=True)
    words = [m.group(0) for m in matches[i:end]]
    plain = [_plain(w) for w in words]
    short = [p for p in plain if len(p) <= 2 and p.isalpha()]
    spelled = "".join(short) if len(short) >= 2 else ""  # "s a", "k s", "sp k" at the end; not "works for me"
    named = spelled in LEGAL_FORMS or any(
        w[0].isupper() or p.isalpha() and not ordinary(p) or p in UNMISTAKABLE for w, p in zip(words, plain)
    )
    if end == i or not named:
        return None
    return matches[i].start(), matches[end - 1].end()
