import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.core.config import CleanConfig
from topics.fit.clean import REASONS, clean, normalise, set_aside_reason


def test_backchannels_and_short_remarks_are_set_aside_with_reasons():
    texts = pd.Series(
        [
            "Mm-hmm.",
            "Okay. Right.",
            "[chuckles]",
            "  ",
            "So you drink?",
            "What would your wife notice if you drank less at weekends?",
        ]
    )
    result = clean(texts, CleanConfig(min_content_words=2))
    assert result.set_aside.tolist()[:5] == ["backchannel", "backchannel", "backchannel", "empty", "too_short"]
    assert pd.isna(result.set_aside.iloc[5])
    assert result.counts() == {"total": 6, "kept": 1, "empty": 1, "backchannel": 3, "too_short": 1}


def test_rules_are_configurable():
    assert set_aside_reason("Mm-hmm.", CleanConfig(drop_backchannels=False, min_content_words=0)) is None
    assert (
        set_aside_reason("I see that.", CleanConfig(backchannels=["I see that"], min_content_words=0)) == "backchannel"
    )
    assert set_aside_reason("So you drink?", CleanConfig(min_content_words=1)) is None


def test_normalise_collapses_whitespace_and_control_characters():
    assert normalise("  feel\x00ing\t\tstuck\r\nagain\u2028 ") == "feel ing stuck again"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(),
            st.text(alphabet=st.characters(categories=["P", "S", "Z", "Cc"])),
            st.text(min_size=2000, max_size=5000),
            st.sampled_from(["", "   ", "...", "Мне тревожно 不安 ansiedad", "\x07\x1b[31m", "mm hmm uh huh"]),
        ),
        max_size=30,
    )
)
def test_clean_handles_any_text(texts):
    result = clean(pd.Series(texts, dtype=object), CleanConfig())
    assert len(result.text) == len(texts)
    assert set(result.set_aside.dropna()) <= set(REASONS)
    for text in result.text:
        assert normalise(text) == text
        assert not any(ord(ch) < 32 for ch in text)


def test_control_and_format_characters_become_spaces_and_other_text_is_kept():
    from topics.fit.clean import normalise

    cases = {
        "zero\u200bwidth": "zero width",  # Cf: zero-width space
        "line\u2028break": "line break",  # Zl
        "soft\u00adhyphen": "soft hyphen",  # Cf
        "bom\ufeffhere": "bom here",  # Cf
        "tag\U000e0001end": "tag end",  # Cf beyond the basic plane
        "tab\there\x07bell": "tab here bell",  # Cc
        "Привет\u200d мир": "Привет мир",  # Cyrillic kept, joiner removed
        "café 😀 ok": "café 😀 ok",  # letters with accents and emoji are text
        "cafe\u0301": "café",  # NFC first
    }
    for raw, expected in cases.items():
        assert normalise(raw) == expected, raw
