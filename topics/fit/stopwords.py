"""Words that say nothing about a topic in therapy speech, per language.

Spoken therapist turns are full of backchannels ("mm-hmm", "угу", "vale"),
fillers ("you know", "ну", "pues", "genau", "ben") and contraction fragments
("don", "ve") that plain stop-word lists miss; left in, they become topic
words ("mm hmm okay"). One tokenizer and one set of word lists serve cleaning,
topic words and the metrics, so "content word" means the same thing
everywhere.

Each language has its own list (:class:`StopWords`): a Russian remark loses
Russian stop words, an English one English stop words, so in a corpus that
mixes English and German the English "die" and "war" stay topic words while
the German article goes. English is scikit-learn's list plus our fillers
(what every fit used before languages existed); Russian, Spanish, German
and French are the maintained lists of the ``stop-words`` package plus
fillers and backchannels we wrote for spoken therapy; the package's other
languages get its list alone, and a language without any list keeps its
function words (the fit warns: :func:`missing_lists`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

#: Words of two or more characters in any script: scikit-learn's default pattern (``\b\w\w+\b``), with the
#: combining marks of the scripts that write vowels with them counted as parts of words (``\w`` leaves them out
#: and would cut Hindi "नहीं" into "नह"): combining diacritics, Hebrew and Arabic points, the Indic, Thai, Lao,
#: Tibetan, Myanmar and Khmer blocks (less their punctuation). A small class keeps tokenising as fast as before.
_WORD = (
    "[\\w\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0963"
    "\u0966-\u0dff\u0e00-\u0e3e\u0e40-\u0e4e\u0e50-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]"
)
TOKEN_PATTERN = f"(?u){_WORD}{{2,}}"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
#: One word character, as in ``TOKEN_PATTERN``, and a whole word of any length (one letter too): word
#: look-ups and highlighting (:mod:`topics.analysis.word_lookup`, :mod:`topics.analysis.remark_context`) cut
#: text into words with these.
WORD_CHARACTER = _WORD
WORD_RE = re.compile(f"(?u){_WORD}+")
#: Languages written without spaces between words: their runs of letters are cut into overlapping pairs of
#: characters ("睡不着觉" -> 睡不, 不着, 着觉), the usual stand-in for a word segmenter.
UNSEGMENTED = frozenset({"zh", "ja", "th", "lo", "km", "my"})
_UNSEGMENTED_RE = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
#: A character of those scripts: highlighting never grows a match over them, since a run of them is a
#: clause, not a word.
UNSEGMENTED_CHARACTER = _UNSEGMENTED_RE

#: Backchannels, hesitations and discourse fillers of spoken English.
FILLERS = frozenset(
    """
    mm mmm mh mhm mmhm mmhmm hmm hm hmmm uh uhh uhm um umm uhhuh huh ah ahh aha er erm eh oh ooh
    yeah yea yeh yep yup yes ya yah nah nope okay ok okey alright aright right sure
    like know just really gonna wanna gotta kinda sorta cause cos coz
    think thinking guess mean means actually basically literally totally definitely
    probably maybe pretty stuff thing things lot lots bit little kind sort
    got get gets getting go goes going went say says said saying tell told
    sounds sound does did doing
    well yknow oh wow gosh god anyway anyways
    """.split()
)

#: Interjections transcribed in Latin letters whatever the language ("Окей", "mhm" in a Spanish session).
INTERJECTIONS = frozenset("mm mmm mhm hmm hm uh um umm ah aha eh oh ok okay".split())

#: Fillers and backchannels of spoken therapy in other languages, written for this project: single words
#: (a hyphenated "угу-угу" is its parts), each a filler on its own, since a remark made only of them is a
#: backchannel.
LANGUAGE_FILLERS: dict[str, frozenset[str]] = {
    "en": FILLERS,
    "ru": frozenset(
        """
        ага угу ну вот да нет так ладно хорошо понятно ясно конечно значит типа короче вообще
        просто слушайте смотрите знаете понимаете скажем допустим наверное
        мм ммм хм эм ох ах ой окей ок угу-угу ага-ага да-да ну-ну вроде
        похоже кажется возможно говорите говорили сказали скажите расскажите
        """.split()
    ),
    "es": frozenset(
        """
        ajá aja mhm eh este bueno pues vale claro sí si ya vaya venga oye mira vamos osea
        digamos entonces bien quizás quizá cierto exacto entiendo vale-vale ok okey
        parece dices dijiste decir cuéntame cuéntanos
        """.split()
    ),
    "de": frozenset(
        """
        also ja genau naja na ne nee nein halt eben eigentlich irgendwie sozusagen quasi gut okay
        mhm hm äh ähm öh tja ach ok stimmt klar richtig schon mal einfach wirklich vielleicht
        sagen sagten sagte erzählen
        """.split()
    ),
    "fr": frozenset(
        """
        ben bah bon alors voilà donc euh heu hein oui ouais non accord enfin quoi bref genre
        tiens écoutez écoute vraiment effectivement exactement ok okay
        dites disiez dire racontez semble
        mh mhm ah oh eh ouais-ouais
        """.split()
    ),
}

#: Transcription marks for non-speech ("[chuckles]", "[inaudible]", "(плачет)", "(risas)").
NON_SPEECH = frozenset(
    "chuckle chuckles chuckling laugh laughs laughing laughter sigh sighs inaudible crosstalk cough coughs "
    "смеётся смеется плачет вздыхает неразборчиво пауза risas ríe llora suspira inaudible pausa "
    "lacht weint seufzt unverständlich rires rit pleure soupire inaudible".split()
)

#: Fragments the tokenizer leaves from contractions ("don't" -> "don") and false starts ("wha-").
CONTRACTION_FRAGMENTS = frozenset(
    "don doesn didn isn wasn aren weren couldn wouldn shouldn won haven hasn hadn ain ve re ll let wh wha th".split()
)

STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | FILLERS | NON_SPEECH | CONTRACTION_FRAGMENTS

#: ISO 639-1 codes of the ``stop-words`` package's languages (it names them in English).
_PACKAGE_LANGUAGES = {
    "ar": "arabic",
    "bg": "bulgarian",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "gu": "gujarati",
    "he": "hebrew",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ms": "malaysian",
    "it": "italian",
    "nb": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sk": "slovak",
    "es": "spanish",
    "sv": "swedish",
    "tr": "turkish",
    "uk": "ukrainian",
    "vi": "vietnamese",
    "fa": "persian",
    "el": "greek",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
}
#: The language of remarks whose language is unknown (runs fitted before languages were detected).
DEFAULT_LANGUAGE = "en"


def tokenize(text: str, language: str | None = None) -> list[str]:
    """Lower-cased tokens exactly as the topic-word vectorizer sees them (Cyrillic and accents included);
    in a language written without spaces (``UNSEGMENTED``), pairs of characters."""
    tokens = _TOKEN_RE.findall(text.lower())
    if language in UNSEGMENTED:
        return [pair for token in tokens for pair in _pairs(token)]
    return tokens


def _pairs(token: str) -> list[str]:
    if len(token) <= 2 or not _UNSEGMENTED_RE.search(token):
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


@functools.cache
def language_fillers(language: str) -> frozenset[str]:
    """Tokens of one language's fillers and backchannels, plus interjections and non-speech marks: a remark
    made only of these is a backchannel (short remarks take their session's language, see
    :mod:`topics.fit.language`)."""
    fillers = LANGUAGE_FILLERS.get(language, frozenset())
    return frozenset(t for f in fillers for t in tokenize(f)) | INTERJECTIONS | NON_SPEECH


@functools.cache
def language_stop_words(language: str) -> frozenset[str] | None:
    """Stop words, fillers and non-speech marks of one language (ISO 639-1); None when we have no list."""
    if language == "en":
        return STOP_WORDS
    listed: set[str] = set()
    if language in _PACKAGE_LANGUAGES:
        from stop_words import get_stop_words

        for entry in get_stop_words(_PACKAGE_LANGUAGES[language]):
            listed.update(tokenize(entry))
    if not listed and language not in LANGUAGE_FILLERS:
        return None
    return frozenset(listed) | language_fillers(language)


def missing_lists(languages: Iterable[str]) -> dict[str, str]:
    """What each language lacks: no stop-word list at all, or no list of spoken fillers of ours."""
    missing = {}
    for language in sorted(set(languages)):
        if language_stop_words(language) is None:
            missing[language] = "no stop-word or filler list"
        elif language not in LANGUAGE_FILLERS:
            missing[language] = "no list of spoken fillers and backchannels"
        if language in UNSEGMENTED:
            missing[language] = ", ".join(
                filter(None, [missing.get(language), "no word segmenter (topic words are pairs of characters)"])
            )
    return missing


class StopWords:
    """The stop words of a corpus: each remark's own language's list, plus ``words.extra_stop_words``.

    :meth:`strip` gives the *word text* of a remark: its tokens without its
    language's stop words, in order. Topic words are counted on word texts
    (scikit-learn drops stop words before forming n-grams, so on one language
    this gives the words a stop-word list in the vectorizer gives), which is
    what lets every remark of a mixed corpus lose its own stop words.
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.extra = frozenset(w.lower() for w in extra)

    def of(self, language: str | None) -> frozenset[str]:
        """A language's stop words with the extras; a language without lists has only the extras."""
        return _with_extra(language or DEFAULT_LANGUAGE, self.extra)

    def union(self, languages: Iterable[str]) -> frozenset[str]:
        """Every listed language's stop words: what decides whether a topic *word* is a filler."""
        return frozenset().union(*(self.of(language) for language in set(languages) or {DEFAULT_LANGUAGE}))

    def strip(self, text: str, language: str | None) -> str:
        """The remark's word text: its tokens in ``language`` (None: English) without that language's stop words
        and the extras, in order, joined by spaces."""
        stop = self.of(language)
        return " ".join(token for token in tokenize(text, language) if token not in stop)

    def strip_all(self, texts: Sequence[str], languages: Sequence[str] | None) -> list[str]:
        """Word texts of ``texts``, each with its own language's list (``None``: every remark English)."""
        if languages is None:
            return [self.strip(text, DEFAULT_LANGUAGE) for text in texts]
        return [self.strip(text, language) for text, language in zip(texts, languages, strict=True)]


@functools.cache
def _with_extra(language: str, extra: frozenset[str]) -> frozenset[str]:
    return (language_stop_words(language) or frozenset()) | extra


def content_words(text: str, stop_words: Iterable[str] = STOP_WORDS, language: str | None = None) -> list[str]:
    """Tokens that could become topic words: everything but stop words and fillers."""
    stop = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    return [token for token in tokenize(text, language) if token not in stop and not token.isdigit()]


def is_uninformative(word_or_phrase: str, stop_words: Iterable[str] = STOP_WORDS) -> bool:
    """True when every token of a topic word (or n-gram) is a stop word or filler.

    Numbers count as informative here ("10" of a 0-10 scale question), unlike
    in :func:`content_words`, where a lone number does not make a remark.
    """
    stop = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    return all(token in stop for token in tokenize(word_or_phrase))
