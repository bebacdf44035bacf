"""Word look-up: a word finds its inflections by each remark's own stemmer, and highlights mark whole words."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from topics.analysis.remark_context import highlight, query_spans
from topics.analysis.word_lookup import says_term, snowball_algorithm, term_spans, word_topics
from topics.core.errors import TopicsInputError
from topics.fit.topic_words import TopicWords

REMARKS = [  # (text, topic, language)
    ("I feel tired most mornings.", 0, "en"),
    ("She feels tired after work.", 0, "en"),
    ("You are not feeling rested.", 0, "en"),
    ("I felt awful yesterday.", 0, "en"),  # irregular: no stemmer reaches it
    ("The feeler of the insect broke.", 0, "en"),  # a different word that starts the same
    ("Drinking every night again.", 1, "en"),
    ("He drinks wine at dinner.", 1, "en"),
    ("Overdrinking is the word he used.", 1, "en"),
    ("Feel free to stop me.", -1, "en"),
    ("Я чувствую тревогу по утрам.", 2, "ru"),
    ("Тревоги стало меньше.", 2, "ru"),
    ("Tengo muchas preocupaciones.", 3, "es"),
    ("La preocupación no se va.", 3, "es"),
]


def small_run(remarks=REMARKS):
    """A stand-in for a curated run: what :func:`word_topics` reads (kept remarks, joint topics, path)."""
    kept = pd.DataFrame(remarks, columns=["text", "topic", "language"])
    kept["language"] = kept["language"].astype("string")
    topics = [SimpleNamespace(id=i, label=f"topic {i}") for i in sorted(set(kept["topic"]) - {-1})]
    run = SimpleNamespace(kept=kept, joint=SimpleNamespace(topics=topics), path="memory")
    words = TopicWords.count(kept["text"].tolist(), {"min_df": 1, "top_n": 10}, kept["language"].tolist())
    return run, words


def test_a_word_finds_its_inflections_but_not_irregular_forms_or_other_words():
    run, words = small_run()
    table = word_topics(run, words, "feel")
    feel = table.set_index("topic").loc[0]
    assert feel["remarks"] == 3  # feel, feels, feeling; not felt, not feeler
    assert set(feel["forms"]) == {"feel", "feels", "feeling"}
    assert not any("felt" in quote or "feeler" in quote for quote in feel["examples"])
    assert table.attrs["outliers"] == 1  # "Feel free", capitalised, in an outlier
    assert word_topics(run, words, "feeling").set_index("topic").loc[0, "remarks"] == 3  # the same stem both ways
    drink = word_topics(run, words, "drink").set_index("topic").loc[1]
    assert drink["remarks"] == 2 and set(drink["forms"]) == {"drinking", "drinks"}  # not "overdrinking"
    assert word_topics(run, words, "felt").set_index("topic").loc[0, "remarks"] == 1


def test_the_weight_of_a_word_is_its_heaviest_form_in_each_topic():
    run, words = small_run()
    assignments = run.kept["topic"].to_numpy()
    table = word_topics(run, words, "feel")
    each = [words.term_weights(assignments, form) for form in ("feel", "feels", "feeling")]
    heaviest = max(weights.get(0, 0.0) for weights in each)
    assert heaviest > 0 and len({round(w.get(0, 0.0), 9) for w in each}) > 1  # the forms weigh differently
    assert table.set_index("topic").loc[0, "weight"] == pytest.approx(heaviest)
    assert words.term_weights(assignments, "feel", "feels", "feeling")[0] == pytest.approx(heaviest)
    assert words.term_weights(assignments, "zzz") == {}


def test_a_phrase_matches_consecutive_words_by_their_stems():
    run, words = small_run(REMARKS + [("I feel very tired.", 0, "en")])
    table = word_topics(run, words, "feel tired")
    assert table.set_index("topic").loc[0, "remarks"] == 2  # "feel tired", "feels tired"; not "feel very tired"
    text = "She feels tired, he feel, tired."
    assert [text[a:b] for a, b in term_spans(text, "feel tired", "en")] == ["feels", "tired", "feel", "tired"]
    with pytest.raises(TopicsInputError, match="type a word"):
        word_topics(run, words, " ?! ")


def test_each_remark_is_stemmed_in_its_own_language():
    texts = [
        "Я чувствую тревогу по утрам.",
        "Тревоги стало меньше.",
        "тревогу",
        "Tengo preocupaciones.",
        "La preocupación no se va.",
    ]
    languages = ["ru", "ru", "en", "es", "es"]
    assert says_term(texts, languages, "тревога") == [["тревогу"], ["тревоги"], [], [], []]  # English: exact only
    assert says_term(texts, languages, "preocupación") == [[], [], [], ["preocupaciones"], ["preocupación"]]
    run, words = small_run()
    assert word_topics(run, words, "тревога").set_index("topic").loc[2, "remarks"] == 2


def test_a_language_without_a_stemmer_matches_the_exact_word():
    assert snowball_algorithm("uk") is None and snowball_algorithm("ru") == "russian"
    texts = ["Тривога знову тут.", "Тривоги немає.", "тривога"]
    assert says_term(texts, ["uk"] * 3, "тривога") == [["тривога"], [], ["тривога"]]
    # a missing language is the default (English), as for stop words
    assert says_term(["She feels it."], [pd.NA], "feel") == [["feels"]]
    # Chinese has no spaces: the term is a substring, and no more than the substring is marked
    assert says_term(["我睡不着觉", "我很好"], ["zh", "zh"], "睡不") == [["睡不"], []]
    assert term_spans("我睡不着觉", "睡不", "zh") == [(1, 3)]


def test_highlighting_marks_whole_words_with_punctuation_left_where_it_was():
    from topics.explorer.common import highlight_query, highlight_term

    assert highlight_term("You are not feeling.", "feel", "en") == "You are not :orange-background[feeling]."
    assert (
        highlight_term("Drinking, drinks; overdrinking!", "drink", "en")
        == ":orange-background[Drinking], :orange-background[drinks]; overdrinking!"
    )
    # a phrase is marked word by word: the comma between stays outside the marks
    assert (
        highlight_term("I feel, tired.", "feel tired", "en") == "I :orange-background[feel], :orange-background[tired]."
    )
    # characters that would change how Streamlit reads the markup are escaped, nothing else is added
    assert (
        highlight_term("Note:feel {it} feel{x}", "feel", "en")
        == "Note\\::orange-background[feel] {it} :orange-background[feel]\\{x}"
    )
    # the Remarks page's substring search highlights the whole word it hits, never half of it
    assert highlight_query("not feeling. drinking", "drink") == "not feeling. :orange-background[drinking]"
    assert highlight_query("not feeling.", "eel") == "not :orange-background[feeling]."


def test_search_highlight_grows_to_whole_words_but_not_over_unspaced_scripts():
    assert highlight("Sleep, sleepy and SLEEP", "sleep", lambda m: f"<{m}>") == "<Sleep>, <sleepy> and <SLEEP>"
    assert highlight("the drink-driver", "k-d", lambda m: f"<{m}>") == "the <drink>-<driver>"
    text = "我睡不着觉"
    assert [text[a:b] for a, b in query_spans(text, "睡不")] == ["睡不"]
    assert query_spans("no hit here", "zzz") == [] and query_spans("text", "") == []


@pytest.mark.parametrize("text", ["Feeling, feelings. Feels!", "I feel: no. (felt)", "«feels» — feeling…"])
def test_marks_cover_exactly_the_matched_words(text):
    spans = term_spans(text, "feel", "en")
    assert spans and all(text[a:b].isalpha() for a, b in spans)
    assert all((a == 0 or not text[a - 1].isalnum()) and (b == len(text) or not text[b].isalnum()) for a, b in spans)
    assert np.all(np.diff(np.ravel(spans)) > 0)  # sorted and apart
