"""Words that say nothing about a topic in therapy speech.

Spoken therapist turns are full of backchannels ("mm-hmm"), fillers ("you
know", "kind of") and contraction fragments ("don", "ve") that plain English
stop-word lists miss; left in, they become topic words ("mm hmm okay"). One
tokenizer and one word list serve cleaning, the c-TF-IDF vectorizer and the
metrics, so "content word" means the same thing everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

#: Same as scikit-learn's default token pattern: words of two or more characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)

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

#: Transcription marks for non-speech ("[chuckles]", "[inaudible]").
NON_SPEECH = frozenset("chuckle chuckles chuckling laugh laughs laughing laughter sigh sighs inaudible crosstalk cough coughs".split())

#: Fragments the tokenizer leaves from contractions ("don't" -> "don") and false starts ("wha-").
CONTRACTION_FRAGMENTS = frozenset(
    "don doesn didn isn wasn aren weren couldn wouldn shouldn won haven hasn hadn ain ve re ll let wh wha th".split()
)

STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | FILLERS | NON_SPEECH | CONTRACTION_FRAGMENTS


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens exactly as the topic-word vectorizer sees them."""
    return _TOKEN_RE.findall(text.lower())


def content_words(text: str, stop_words: Iterable[str] = STOP_WORDS) -> list[str]:
    """Tokens that could become topic words: everything but stop words and fillers."""
    stop = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    return [token for token in tokenize(text) if token not in stop and not token.isdigit()]


def is_uninformative(word_or_phrase: str, stop_words: Iterable[str] = STOP_WORDS) -> bool:
    """True when every token of a topic word (or n-gram) is a stop word or filler.

    Numbers count as informative here ("10" of a 0-10 scale question), unlike
    in :func:`content_words`, where a lone number does not make a remark.
    """
    stop = stop_words if isinstance(stop_words, (set, frozenset)) else set(stop_words)
    return all(token in stop for token in tokenize(word_or_phrase))
