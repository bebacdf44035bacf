"""The check of de-identification on planted identifiers measures what it says: the set is made by Faker,
reproducibly, in both styles, and a detector is credited only for identifiers it covers whole."""

import pytest

from topics.share.redact import Span
from topics.share.redaction_check import TEMPLATES, caught, identifying_tokens, planted_set, recall_table


def test_the_planted_set_is_reproducible_and_balanced():
    first, again = planted_set(3, per_category=4), planted_set(3, per_category=4)
    assert first == again and first != planted_set(4, per_category=4)
    assert len(first) == len(TEMPLATES) * 2 * 4
    for p in first:
        value = p.text[p.start : p.end]
        assert value and value == value.strip()
        if p.style == "spoken":  # as speech recognition writes: no capitals, no punctuation, numbers in words
            assert p.text == p.text.lower() and not any(c.isdigit() or c in ".,@/:" for c in p.text), p
    assert len({p.locale for p in first}) >= 10


def test_a_detector_is_credited_only_for_identifiers_it_covers_whole():
    planted = planted_set(0, per_category=3)
    assert recall_table(planted, lambda text: []).set_index("category").loc["all", "recall"] == 0
    whole = {p.text: [Span(p.start, p.end, "NAME")] for p in planted}
    assert recall_table(planted, lambda text: whole[text]).set_index("category").loc["all", "recall"] == 1
    street = next(p for p in planted if p.category == "street" and p.style == "written")
    tokens = identifying_tokens(street.text, street.start, street.end)
    first_token_only = [Span(*tokens[0], "ADDRESS")]
    assert len(tokens) > 1 and not caught(street, lambda text: first_token_only)
    # generic words of an identifier's form ("Street", "dot com") may stay
    spoken_email = next(p for p in planted if p.category == "email" and p.style == "spoken")
    kept = spoken_email.text[spoken_email.start : spoken_email.end]
    assert " dot " in kept and all(
        "dot" not in spoken_email.text[s:e]
        for s, e in identifying_tokens(spoken_email.text, spoken_email.start, spoken_email.end)
    )


@pytest.mark.slow  # two fresh processes importing Faker: the full suite, not the fast tier
def test_the_planted_set_is_the_same_in_every_process():
    """Faker builds some lists from Python sets, whose order follows each process's hash seed: the set must not."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib; from topics.share.redaction_check import planted_set; "
        "print(hashlib.md5(''.join(p.text for s in (2000, 2001) for p in planted_set(s, 20)).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1, digests


def test_a_planted_set_written_elsewhere_is_read_and_scored_and_a_bad_row_is_named(tmp_path):
    """Sets kept outside this repository are scored by the same rule as Faker's: the planners' held-out check."""
    import pandas as pd

    from topics.core.errors import TopicsInputError
    from topics.share.redaction_check import read_planted

    rows = [
        ("Call Ms Adaeze Okonkwo on Friday.", "Adaeze Okonkwo", "full name", None),
        (
            "my number is oh seven seven double oh nine one two three four five",
            "oh seven seven double oh nine one two three four five",
            "phone",
            None,
        ),
        ("it was the end of the road", "end", "street", "spoken"),  # no detector takes an ordinary word
    ]
    path = tmp_path / "held_out.csv"
    pd.DataFrame(rows, columns=["text", "identifier", "category", "style"]).to_csv(path, index=False)
    planted = read_planted(path)
    assert [p.style for p in planted] == ["written", "spoken", "spoken"]
    assert planted[0].text[planted[0].start : planted[0].end] == "Adaeze Okonkwo"
    table = recall_table(planted).set_index("category")
    assert table.loc["full name", "recall"] == 1 and table.loc["phone", "recall"] == 1
    assert table.loc["street", "recall"] == 0 and table.loc["all", "recall"] == pytest.approx(2 / 3)

    pd.DataFrame([("hello there", "Jo", "first name")], columns=["text", "identifier", "category"]).to_csv(
        path, index=False
    )
    with pytest.raises(TopicsInputError, match=r"held_out.csv: row 1: the identifier 'Jo' does not stand"):
        read_planted(path)
    pd.DataFrame([("hello Jo", "Jo")], columns=["text", "name"]).to_csv(path, index=False)
    with pytest.raises(TopicsInputError, match="identifier, category missing"):
        read_planted(path)
