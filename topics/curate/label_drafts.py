"""Draft labels: a few words that read like a topic's name, built from its own remarks, offline.

A topic's c-TF-IDF words are a list ("drinking_drinks_alcohol_beer"); an expert names it. A draft saves the
first step: the phrase of two to four words that the topic's remarks use most *and* other topics use least
(c-TF-IDF over phrases: the share of the topic's remarks that hold the phrase, times
``log(1 + mean topic size / remarks of any topic that hold it)``, raised by half for each of the topic's top
five words it holds). A phrase begins and ends with a content word
(no stop word or filler of the remark's language at its edges, the lists of :mod:`topics.fit.stopwords`, and no
name: a word written with a capital inside sentences nearly always), so "cut down on drinking" can be a draft
and "you know the" or "Donna and Fiona" cannot. When no phrase scores at least half as well as
the topic's best single word, the draft is its two best words ("Drinking and alcohol"). Each draft is checked
against the topics drafted before it: two topics never get the same draft (the second falls back to its words).

Nothing leaves the machine and nothing is learned: the same run gives the same drafts. A draft is a suggestion:
the explorer shows it beside the rename form, and accepting it is an ordinary rename in the edit log. Drafts are
de-identified where they are shown, like every label (the explorer's privacy mode, the CLI's redaction).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from topics.core.run import TopicRun
from topics.curate.edits import model_topics
from topics.fit.clean import normalise
from topics.fit.stopwords import DEFAULT_LANGUAGE, StopWords, language_fillers, tokenize

#: Remarks read per topic (drawn at random, seeded, beyond this): enough for a topic's phrases, cheap at 1M.
REMARKS_PER_TOPIC = 400
#: Phrase lengths in words.
LONGEST = 4
#: A phrase's score grows by this share for each of the topic's first ``TOP_WORDS`` c-TF-IDF words it holds, so
#: that of phrases every remark of a topic shares ("want to cut", "cut down on drinking") the one saying what
#: the topic is known for wins.
WORD_BONUS = 0.5
TOP_WORDS = 5
#: A phrase is drafted when it scores at least this share of the topic's best single word.
PHRASE_SHARE = 0.5
#: A phrase needs this many of the topic's remarks.
MIN_REMARKS = 3


_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"[.!?:;\"\u201c(\-]\s*$")


def proper_nouns(texts: list[str]) -> frozenset[str]:
    """Words (lower-cased) written with a capital letter inside sentences nearly always: names of people and
    places, which a draft label must not carry (and which de-identification would blank anyway)."""
    capital: Counter = Counter()
    seen: Counter = Counter()
    for text in texts:
        for match in _WORD_RE.finditer(text):
            word = match.group()
            if match.start() == 0 or _SENTENCE_END_RE.search(text[: match.start()]) or len(word) < 2:
                continue  # a sentence's first word is capitalised whatever it is
            seen[word.lower()] += 1
            capital[word.lower()] += word[0].isupper()
    return frozenset(word for word, count in capital.items() if count >= 2 and count >= 0.8 * seen[word])


def _phrases(text: str, language: str, stop: frozenset[str]) -> set[str]:
    """The phrases of one remark: 1 to :data:`LONGEST` consecutive tokens with a content word at each edge."""
    tokens = tokenize(normalise(text), language)
    content = [token not in stop and not token.isdigit() and len(token) > 1 for token in tokens]
    found = set()
    for start, first in enumerate(content):
        if not first:
            continue
        for length in range(1, LONGEST + 1):
            end = start + length
            if end <= len(tokens) and content[end - 1]:
                found.add(" ".join(tokens[start:end]))
    return found


def draft_labels(run: TopicRun, model: str | None = None, seed: int = 0) -> dict[int, str]:
    """A draft label for every topic of ``model`` (None: the joint model; else a group's model) in ``run``."""
    topic_set, column = model_topics(run, model)
    kept = run.kept
    texts = kept["text"].astype(str).to_numpy()
    languages = kept["language"].astype(str).to_numpy() if "language" in kept else np.full(len(kept), DEFAULT_LANGUAGE)
    stop_words = StopWords((run.config.get("words") or {}).get("extra_stop_words", []))
    names = proper_nouns(texts[: REMARKS_PER_TOPIC * 50].tolist())
    stops = {lang: stop_words.of(lang) | language_fillers(lang) | names for lang in np.unique(languages)}
    rng = np.random.default_rng(seed)
    counts: dict[int, Counter] = {}
    sizes: dict[int, int] = {}
    for topic in topic_set.topics:
        rows = np.flatnonzero(kept[column].eq(topic.id).fillna(False).to_numpy(dtype=bool))
        if len(rows) > REMARKS_PER_TOPIC:
            rows = np.sort(rng.choice(rows, REMARKS_PER_TOPIC, replace=False))
        tally: Counter = Counter()
        for row in rows:
            tally.update(_phrases(texts[row], languages[row], stops[languages[row]]))
        counts[topic.id], sizes[topic.id] = tally, max(len(rows), 1)
    anywhere: Counter = Counter()
    for tally in counts.values():
        anywhere.update(tally)
    mean_size = float(np.mean(list(sizes.values()))) if sizes else 1.0
    drafts: dict[int, str] = {}
    for topic in sorted(topic_set.topics, key=lambda t: -t.size):  # the largest topics choose first
        known = set(topic.top_words(TOP_WORDS))
        scored = sorted(
            (
                (
                    count
                    / sizes[topic.id]
                    * math.log(1 + mean_size / anywhere[phrase])
                    * (1 + WORD_BONUS * len(known.intersection(phrase.split()))),
                    phrase,
                )
                for phrase, count in counts[topic.id].items()
                if count >= MIN_REMARKS
            ),
            reverse=True,
        )
        drafts[topic.id] = _choose(scored, topic.top_words(2), set(drafts.values()))
    return {t.id: drafts[t.id] for t in topic_set.topics}


def _choose(scored: list[tuple[float, str]], words: list[str], taken: set[str]) -> str:
    """The best phrase scoring at least :data:`PHRASE_SHARE` of the best single word, else the two best words;
    never a draft already ``taken`` by another topic."""
    best_word = next((score for score, phrase in scored if " " not in phrase), 0.0)
    for score, phrase in scored:
        if score < PHRASE_SHARE * best_word:
            break
        draft = phrase[0].upper() + phrase[1:]
        if " " in phrase and draft not in taken:
            return draft
    singles = [phrase for _, phrase in scored if " " not in phrase][:2] or words[:2]
    draft = " and ".join(singles) if singles else "Unnamed topic"
    draft = draft[0].upper() + draft[1:]
    return draft if draft not in taken else f"{draft} ({', '.join(words[:2])})"
