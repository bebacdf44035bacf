"""Redaction: planted identifiers never survive; ordinary therapy words are kept."""

import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
from conftest import ANNOMI, NO_NETWORK
from deid_cases import ORDINARY_USES, cases
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.core.errors import TopicsInputError
from topics.share.redact import Redactor, detect, redact, redact_text

#: words of an identifier that say what it is, not who: they may stay ("42 elm [street]" is fine as "[ADDRESS]")
GENERIC = set(
    "she he s street road avenue close lane drive boulevard hospital school academy college primary clinic "
    "medical centre prison pharmacy years year old aged turned is at dot com org net uk co gmail hotmail "
    "yahoo outlook icloud instagram snapchat tiktok handle underscore number id mrn record patient member "
    "case insurance social security nhs the of st high https http www".split()
)


def recall_by_category() -> tuple[dict[str, tuple[int, int]], list[tuple[str, str, str]]]:
    """(removed, planted) per category over the planted test set, and the misses."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for case in cases():
        redacted = redact_text(case.text)
        left = set(re.findall(r"[a-z0-9]+", re.sub(r"\[[A-Z]+(?: \d+)?\]", " ", redacted).lower()))
        for value, category in case.planted:
            identifying = {t for t in re.findall(r"[a-z0-9]+", value.lower()) if t not in GENERIC}
            removed = not identifying & left
            counts[category][0] += removed
            counts[category][1] += 1
            if not removed:
                misses.append((category, case.text, redacted))
    return {k: tuple(v) for k, v in counts.items()}, misses


def test_planted_identifiers_are_removed_in_every_category():
    counts, misses = recall_by_category()
    planted = sum(n for _, n in counts.values())
    assert planted >= 400 and len(counts) >= 10
    overall = sum(r for r, _ in counts.values()) / planted
    assert overall >= 0.98, misses
    for category, (removed, total) in counts.items():
        assert removed / total >= 0.95, (category, [m for m in misses if m[0] == category])


def test_ordinary_therapy_words_are_never_taken_for_names():
    for text in ORDINARY_USES:
        assert redact_text(text) == text


def test_at_most_two_percent_of_ordinary_annomi_remarks_lose_a_word():
    """AnnoMI was transcribed by people, with capitals: a lower-case word removed is ordinary text removed."""
    frame = pd.read_csv(ANNOMI)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].astype(str).sample(1000, random_state=0)
    touched = [
        t
        for t in texts
        if any(t[s.start : s.end].islower() and not any(c.isdigit() for c in t[s.start : s.end]) for s in detect(t))
    ]
    assert len(touched) / len(texts) <= 0.02, touched


def test_pseudonyms_are_stable_within_a_session_and_restart_in_the_next():
    redactor = Redactor(pseudonyms=True)
    first = redactor.redact("i told jennifer and priya", session="s1").text
    again = redactor.redact("then priya called jennifer", session="s1").text
    other = redactor.redact("priya said no", session="s2").text
    assert first == "i told [NAME 1] and [NAME 2]" and again == "then [NAME 2] called [NAME 1]"
    assert other == "[NAME 1] said no"
    assert Redactor().redact("i told jennifer").text == "i told [NAME]"


PLANTED = [
    ("Hi Catherine, how was your week?", "Catherine"),
    ("So how did it go with Jennifer at the weekend?", "Jennifer"),
    ("Thank you, Michael.", "Michael"),
    ("My sister Anna Johnson came along.", "Johnson"),
    ("Dr Fields said the bloods were fine.", "Fields"),
    ("Yeah, my name is Will, by the way.", "Will"),
    ("You can reach me on 0161 496 0000 any time.", "496 0000"),
    ("Call (555) 123-4567 or +44 7700 900123.", "123-4567"),
    ("My mobile is 07700-900-123.", "900-123"),
    ("Send it to tom.smith@example.org please.", "tom.smith"),
    ("I live at 14 Elm Street now.", "Elm Street"),
    ("The clinic moved to 221B Baker Street.", "Baker Street"),
    ("Post it to M1 2AB.", "M1 2AB"),
    ("I was born on 4 March 1985.", "1985"),
    ("Date of birth 04/03/1985.", "04/03/1985"),
    ("Her birthday is March 4, 1985.", "1985"),
]
#: Words of AnnoMI's therapy talk that are never names there (capitalised ones included).
ORDINARY = [
    "anxiety",
    "depression",
    "drinking",
    "Mother",
    "Father",
    "homework",
    "scale",
    "confident",
    "Okay",
    "So",
    "Well",
    "Monday",
    "March",
    "God",
    "Hope",
    "Grace",
    "Tai",
    "Chi",
    "Christmas",
    "Prescriptions",
]


def test_every_planted_identifier_is_removed():
    for text, secret in PLANTED:
        redacted = redact_text(text)
        assert secret not in redacted, (text, redacted)
        assert re.search(r"\[(NAME|PHONE|EMAIL|ADDRESS|DATE)\]", redacted)


def test_counts_by_type():
    result = redact("Call Dr Fields on 0161 496 0000 or write to a.b@c.org; I was born 04/03/1985 at 3 Hill Road.")
    assert result.counts == {"NAME": 1, "PHONE": 1, "EMAIL": 1, "DATE": 1, "ADDRESS": 1}


def test_ordinary_therapy_language_is_kept():
    text = (
        "Okay. So on a scale of 0 to 10, how confident are you? Mother and Father both drank. "
        "I hope the homework helped with the anxiety and depression. Will you try tai chi on Monday in March? "
        "Mark the days you drank. Thank God it was 2019, ten years ago, for 3 weeks."
    )
    assert redact_text(text) == text


def test_false_positive_rate_on_annomi():
    """AnnoMI's therapists address clients by (pseudonymous) first names; those are removed, therapy words are not."""
    texts = pd.read_csv(ANNOMI)["utterance_text"].astype(str).tolist()
    changed = [(t, redact_text(t)) for t in texts]
    touched = [pair for pair in changed if pair[0] != pair[1]]
    removed = [
        w
        for original, redacted in touched
        for w in set(re.findall(r"\b\w+\b", original)) - set(re.findall(r"\b\w+\b", redacted))
    ]
    false_positives = [w for w in removed if w in ORDINARY or w.lower() in {o.lower() for o in ORDINARY}]
    rate = len(touched) / len(texts)
    print(
        f"\nredaction changed {len(touched)} of {len(texts)} AnnoMI utterances ({rate:.1%}); "
        f"therapy words removed: {len(false_positives)}"
    )
    assert false_positives == []
    assert rate < 0.06


def test_lower_case_topic_words_and_labels_lose_names_too():
    from topics.share.redact import redact_label, redact_words

    assert redact_words(["catherine smith", "dr fields", "drinking", "will power"]) == [
        "[NAME] [NAME]",
        "dr [NAME]",
        "drinking",
        "will power",
    ]
    assert redact_label("john, sarah, drinking") == "[NAME], [NAME], drinking"
    assert redact_label("renamed topic 3 to 'Jennifer at 14 Elm Street'") == "renamed topic 3 to '[NAME] at [ADDRESS]'"


@pytest.mark.slow  # the redact command in a subprocess
def test_redact_command_writes_a_deidentified_copy_with_a_summary(tmp_path):
    from conftest import topics_cmd

    source = tmp_path / "sessions.csv"
    pd.DataFrame(
        {
            "session": ["s1", "s1", "s2"],
            "speaker": ["therapist", "client", "client"],
            "text": ["Hi Jennifer, call me on 07700 900123", "jennifer here, my son jayden is fine", "i told jennifer"],
            "note": ["keep", "keep", "keep"],
        }
    ).to_csv(source, index=False)
    result = topics_cmd("redact", source, "--columns", "text", "--session-column", "session")
    assert result.returncode == 0, result.stderr
    target = tmp_path / "sessions.redacted.csv"
    assert result.stdout.strip().splitlines()[-1] == str(target)
    assert "name 4" in result.stdout and "phone 1" in result.stdout
    copy = pd.read_csv(target)
    assert list(copy.columns) == ["session", "speaker", "text", "note"] and len(copy) == 3
    assert copy["text"].tolist() == [
        "Hi [NAME 1], call me on [PHONE 1]",
        "[NAME 1] here, my son [NAME 2] is fine",
        "i told [NAME 1]",
    ]
    plain = topics_cmd("redact", source, "--columns", "text", "--plain", "--out", tmp_path / "plain.jsonl")
    assert plain.returncode == 0 and "[NAME]" in (tmp_path / "plain.jsonl").read_text()


def test_redact_command_refuses_bad_input_and_writes_nothing(tmp_path):
    from conftest import topics_cmd

    source = tmp_path / "sessions.csv"
    pd.DataFrame({"text": ["i told jennifer"]}).to_csv(source, index=False)
    missing = topics_cmd("redact", source, "--columns", "utterance")
    assert missing.returncode == 2 and "'utterance' not found" in missing.stderr
    same = topics_cmd("redact", source, "--columns", "text", "--out", source)
    assert same.returncode == 2 and "overwrite the original" in same.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions.csv"]


def test_redaction_needs_no_network():
    """Every list and rule loads from disk: in a process where any network use raises, the text is redacted alike."""
    import subprocess
    import sys

    code = (
        NO_NETWORK + "from topics.share.redact import redact_text\n"
        "print(redact_text('i told jennifer in leeds on 07700 900123'))\n"
        "print(len(attempts))"
    )  # even an attempt a library caught and survived is counted
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    redacted, attempts = result.stdout.strip().splitlines()
    assert attempts == "0"
    assert redacted == redact_text("i told jennifer in leeds on 07700 900123") == "i told [NAME] in [PLACE] on [PHONE]"


def test_redact_file_in_process_keeps_every_column_and_row_and_names_by_session(tmp_path):
    """The library behind `topics redact`: per-session pseudonyms, other columns untouched, any format in and out."""
    from topics.share.redact_corpus import redact_file

    source = tmp_path / "sessions.parquet"
    pd.DataFrame(
        {
            "session": ["s1", "s1", "s2"],
            "text": ["Hi Jennifer, call me on 07700 900123", "jennifer here, my son jayden is fine", "i told jennifer"],
            "note": ["keep", None, "keep"],
        }
    ).to_parquet(source)
    target, counts = redact_file(source, ["text"], tmp_path / "copy.jsonl", session_column="session")
    copy = pd.read_json(target, lines=True)
    assert list(copy.columns) == ["session", "text", "note"] and copy["note"].fillna("missing").tolist() == [
        "keep",
        "missing",
        "keep",
    ]
    # numbered per session: s2's Jennifer is its own [NAME 1]
    assert copy["text"].tolist() == [
        "Hi [NAME 1], call me on [PHONE 1]",
        "[NAME 1] here, my son [NAME 2] is fine",
        "i told [NAME 1]",
    ]
    assert counts["NAME"] == 4 and counts["PHONE"] == 1
    with pytest.raises(TopicsInputError, match="unknown file type '.xlsx'"):
        redact_file(source, ["text"], tmp_path / "copy.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.jsonl", "sessions.parquet"]


@pytest.mark.parametrize(
    "text, redacted",
    [
        # numbers read out digit by digit: a phone, or an ID after an ID's name; counting aloud is no number
        ("call me on oh seven seven double oh nine one two three four five", "call me on [PHONE]"),
        ("my social security number is two four oh four nine four five six oh", "my social security number is [ID]"),
        ("count one two three four five with me", "count one two three four five with me"),
        # ages and dates said aloud; the words around an age stay
        ("he was one hundred and one when he passed", "he was [AGE] when he passed"),
        ("she is 93 and sharp", "she is [AGE] and sharp"),
        ("it started on the third of november twenty fifteen", "it started on [DATE]"),
        # months, weekdays and holidays are words; a relation is not a title
        ("We always went to church on Sunday.", "We always went to church on Sunday."),
        ("I did Dry January this year and Christmas was hard.", "I did Dry January this year and Christmas was hard."),
        ("your father left when you were seven", "your father left when you were seven"),
        ("my nan used to say it", "my nan used to say it"),
        ("I snap at my kids when I am tired", "I snap at my kids when I am tired"),
        ("how to manage my diabetes", "how to manage my diabetes"),
        ("I called my roommates for a ride", "I called my roommates for a ride"),
        # an unknown word where a place goes is a place, in lower case too
        ("we went to kibera and she lives in makati now", "we went to [PLACE] and she lives in [PLACE] now"),
        # ... while a name meant as one still goes
        ("my daughter April came with me", "my daughter [NAME] came with me"),
        ("Father Michael came by", "Father [NAME] came by"),
    ],
)
def test_spoken_numbers_go_and_ordinary_words_stay(text, redacted):
    assert redact_text(text) == redacted


def test_recall_on_identifiers_planted_by_faker_meets_the_goal_in_every_category():
    """Issue 23's goals, on one seed (the benchmark runs five held-out ones): 0.98 over all identifiers, 0.95 in
    every category (80 identifiers each, half written, half spoken), and no style of a category far below."""
    from topics.share.redaction_check import planted_set, recall_table

    table = recall_table(planted_set(11, per_category=40)).set_index("category")
    assert table.loc["all", "recall"] >= 0.98, table.loc["all"]
    assert (table["recall"] >= 0.95).all(), table.loc[table["recall"] < 0.95, "recall"]
    assert (table[["written recall", "spoken recall"]] >= 0.9).all().all(), table


MARKED = Path(__file__).resolve().parents[1] / "benchmarks" / "data"


@pytest.mark.parametrize("role", ["therapist", "client"])
def test_at_most_one_annomi_remark_in_200_loses_an_ordinary_word_and_real_names_still_go(role):
    """AnnoMI's real names, places and workplaces were marked once by reading them in context
    (benchmarks/data/annomi_identifiers.tsv); every other stretch replaced as a name, place, address or handle is
    an ordinary word lost."""
    from topics.share.redaction_check import marked_recall, ordinary_replaced, read_identifiers

    frame = pd.read_csv(ANNOMI)
    texts = frame.loc[frame["interlocutor"] == role, "utterance_text"].dropna().astype(str).tolist()
    identifiers = read_identifiers(MARKED / "annomi_identifiers.tsv")
    wrong = {t: ordinary_replaced(t, identifiers) for t in texts}
    wrong = {t: w for t, w in wrong.items() if w}
    assert len(wrong) / len(texts) <= 1 / 200, sorted(wrong.values())
    caught, found = marked_recall(texts, MARKED / "annomi_identifiers.tsv")
    assert found > 50 and caught / found >= 0.75  # measured 0.906 (therapist), 0.789 (client)


def test_at_most_one_demo_remark_in_200_loses_an_ordinary_word():
    from topics.share.redaction_check import ordinary_replaced, read_identifiers

    texts = pd.read_csv(Path(__file__).resolve().parents[1] / "corpora" / "demo" / "demo_sessions.csv")["text"]
    identifiers = read_identifiers(MARKED / "demo_identifiers.tsv")
    wrong = [w for w in (ordinary_replaced(t, identifiers) for t in texts) if w]
    assert len(wrong) / len(texts) <= 1 / 200, wrong


@pytest.mark.parametrize(
    "text",
    [
        "they started me on sertraline and wellbutrin, and the methamphetamine was before that",
        "Citalopram is an SSRI. Suboxone and Narcan are in the cupboard.",
        "I take Prozac every morning and Xanax when it gets bad",
        "the COPD and the stomatitis got worse over the winter",
        "on Monday and every Sunday in January I go, and in April and June too",
        "she left in March and came back in May",
    ],
)
def test_drug_diagnosis_weekday_and_month_names_are_words(text):
    assert redact_text(text) == text


WORDS = st.sampled_from(
    "left manage reading used hope will grace mark sessions bill faith joy dawn rose fine class study silence "
    "finger hurry lawn tennis smack hunker bailing coke rehab drive street close court park".split()
)
FRAMES = st.sampled_from(
    [
        "i {} it",
        "how do you {} that",
        "the {} was hard",
        "we talked about the {} last week",
        "it felt like a {} to me",
        "that is {} enough",
        "you said {} and then stopped",
    ]
)


@settings(max_examples=200, deadline=None)
@given(FRAMES, WORDS)
def test_ordinary_words_in_ordinary_remarks_are_never_replaced(frame, word):
    """A remark built of ordinary words, with a therapy word that is also a name or a place in a slot where no
    name or place goes, comes out unchanged."""
    text = frame.format(word)
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Excellent. Thanks, Mike. [croostalk]", "Excellent. Thanks, [NAME]. [croostalk]"),
        ("Yeah [laughs] I told Dennis, (the one from work).", "Yeah [laughs] I told [NAME], (the one from work)."),
        ('She said, "Call Priya on 07700 900123."', 'She said, "Call [NAME] on [PHONE]."'),
    ],
)
def test_a_placeholder_replaces_the_identifier_only(text, redacted):
    """Brackets, quotes and punctuation around an identifier stay; a transcriber's note in brackets is no name."""
    assert redact_text(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my daughter Faith came with me", "my daughter [NAME] came with me"),
        ("my daughter faith came with me", "my daughter [NAME] came with me"),
        ("Bill said I should stop", "[NAME] said I should stop"),
        ("my son Will is eight", "my son [NAME] is eight"),
        ("the bill said to pay by Friday", "the bill said to pay by Friday"),
        ("my son will be eight", "my son will be eight"),
        ("someone else said it first", "someone else said it first"),
    ],
)
def test_a_word_that_is_also_a_name_goes_only_when_it_names_someone(text, redacted):
    assert redact_text(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # road types of Australia and New Zealand that are ordinary words: with a house number and a name
        ("She lives at 241 Maldonado Lower now.", "She lives at [ADDRESS] now."),
        ("the flat on six hundred and seventy four murray ramble", "the flat on [ADDRESS]"),
        ("she lives at ten brown greens now", "she lives at [ADDRESS] now"),
        ("She lives at 881 Josh Rue now.", "She lives at [ADDRESS] now."),
        # types before the name: Brazil's, Spain's, Czech prepositions; a house number and no known type
        ("She lives at Viaduto Maria Sophia Barros, 416 now.", "She lives at [ADDRESS] now."),
        ("she lives at c de begoña lledó five now", "she lives at [ADDRESS] now"),
        ("the flat on u balabenky seven hundred and sixty four", "the flat on [ADDRESS]"),
        ("The flat on 68, Atwal was the worst.", "The flat on [ADDRESS] was the worst."),
        ("She lives at B18 L60 Lanzones Road now.", "She lives at [ADDRESS] now."),
        # ... and the same words in ordinary use stay
        ("at one little point i gave up", "at one little point i gave up"),
        ("i told u guys 3 times", "i told u guys 3 times"),
        ("Great. Well, one thing I want to ask", "Great. Well, one thing I want to ask"),
        ("I left at 5. Then Sarah came", "I left at 5. Then [NAME] came"),
        # workplaces: partners' surnames that are words, legal forms said in lower case or letter by letter
        ("they laid me off from hartman rosales and gamble", "they laid me off from [PLACE]"),
        ("i have been working at master plc for six years", "i have been working at [PLACE] for six years"),
        ("they laid me off from ppuh deluga tadla sp z o o sp k in may", "they laid me off from [PLACE] in may"),
        ("I have been working at Sulich-Wziątek i syn s.c. for years.", "I have been working at [PLACE] for years."),
        ("that works for me", "that works for me"),
        # a place of two words where a place goes, or opening with "lake", "nueva"
        ("i grew up in sighetu marmatiei and never left", "i grew up in [PLACE] and never left"),
        ("my mum still lives in lake juliet", "my mum still lives in [PLACE]"),
        ("we moved to nueva eslovenia when i was twelve", "we moved to [PLACE] when i was twelve"),
        ("we went to the lake every summer", "we went to the lake every summer"),
        # a first name that is a word, before a surname that is none
        ("I went to see Grace Ojo about the pain.", "I went to see [NAME] about the pain."),
        ("my case worker is max gulati", "my case worker is [NAME]"),
        ("the max dose is two", "the max dose is two"),
    ],
)
def test_streets_workplaces_and_names_of_many_countries(text, redacted):
    assert re.sub(r"(\[(?:NAME|PLACE)\])(?: \1)+", r"\1", redact_text(text)) == redacted


def test_a_therapist_s_name_in_a_table_is_redacted_like_text():
    from topics.share.redact import redact_frame

    frame = pd.DataFrame({"therapist": ["Dr Sarah Jones", "T3"], "session": ["a", "b"], "group": ["CBT", "PD"]})
    out = redact_frame(frame)
    assert "Sarah" not in out.loc[0, "therapist"] and "Jones" not in out.loc[0, "therapist"]
    assert out.loc[1, "therapist"] == "T3" and out["group"].tolist() == ["CBT", "PD"]
