import csv
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpora import load_corpus
from topics.core.config import CorpusConfig
from topics.core.errors import TopicsInputError

ROWS = [
    {
        "who": "Counsellor",
        "said": "What brings you here today?",
        "conv": "s1",
        "approach": "CBT",
        "n": "1",
        "mood": "low",
    },
    {"who": "Patient", "said": "My sleep is bad.", "conv": "s1", "approach": "CBT", "n": "2", "mood": "low"},
    {
        "who": "counsellor",
        "said": "Tell me about your nights.",
        "conv": "s1",
        "approach": "CBT",
        "n": "3",
        "mood": "low",
    },
]
MAPPING = {"text": "said", "role": "who", "session": "conv", "group": "approach", "order": "n"}


def spec(path, fmt="csv", **extra):
    return CorpusConfig(path=path, format=fmt, columns=MAPPING, keep_roles=["COUNSELLOR"], metadata=["mood"], **extra)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_generic_loader_maps_unseen_columns(tmp_path, fmt):
    frame = pd.DataFrame(ROWS)
    path = tmp_path / f"corpus.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    else:
        frame.to_parquet(path)
    corpus = load_corpus(spec(path, fmt))
    assert corpus.frame["text"].tolist() == ["What brings you here today?", "Tell me about your nights."]
    assert corpus.frame["order"].tolist() == [1, 3]
    assert corpus.frame["meta_mood"].tolist() == ["low", "low"]
    assert corpus.role_counts == {"counsellor": 2, "patient": 1}
    assert len(set(corpus.frame["remark_id"])) == 2


def test_missing_column_lists_the_columns_that_exist(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    config = CorpusConfig(path=path, columns={"text": "utterance"})
    with pytest.raises(TopicsInputError) as error:
        load_corpus(config)
    assert "'utterance'" in str(error.value) and "said" in str(error.value) and str(path) in str(error.value)


def test_missing_and_non_utf8_files_are_named(tmp_path):
    with pytest.raises(TopicsInputError, match="corpus file not found"):
        load_corpus(spec(tmp_path / "absent.csv"))
    path = tmp_path / "latin1.csv"
    path.write_bytes("said,who\nCaf\xe9 talk,counsellor\n".encode("latin-1"))
    with pytest.raises(TopicsInputError, match="not UTF-8"):
        load_corpus(CorpusConfig(path=path, columns={"text": "said"}))


def test_bad_jsonl_line_and_bad_order_are_located(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{broken\n", encoding="utf-8")
    with pytest.raises(TopicsInputError, match="line 2"):
        load_corpus(spec(path, "jsonl"))
    path = tmp_path / "c.csv"
    pd.DataFrame([{**ROWS[0], "n": "first"}]).to_csv(path, index=False)
    with pytest.raises(TopicsInputError, match="data row 1, column 'n': 'first' is not a number"):
        load_corpus(spec(path))


def test_role_filter_that_keeps_nothing_says_which_roles_exist(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    config = CorpusConfig(path=path, columns=MAPPING, keep_roles=["therapist"])
    with pytest.raises(TopicsInputError, match="Roles found: counsellor, patient"):
        load_corpus(config)


def test_annomi_preset_reads_the_real_corpus():
    from conftest import ANNOMI

    corpus = load_corpus(CorpusConfig(path=ANNOMI, format="annomi"))
    assert len(corpus) == 4882  # therapist remarks, as PROVENANCE.md says
    assert set(corpus.frame["group"]) == {"high", "low"}
    assert corpus.frame["session"].nunique() == 133
    assert {"meta_topic", "meta_main_therapist_behaviour"} <= set(corpus.frame.columns)


odd_text = st.one_of(
    st.text(),
    st.just(""),
    st.text(alphabet="!?.,;:-—"),
    st.text(min_size=3000, max_size=4000),
    st.sampled_from(["你好 мир مرحبا", "\x00\x01\x02", "line\nbreak", 'quote "inside"', "a,b,c"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(odd_text, min_size=1, max_size=12))
def test_loaders_keep_every_row_of_odd_text(tmp_path, texts):
    texts = [t.replace("\x00", "") for t in texts]  # NUL cannot live in a CSV cell
    frame = pd.DataFrame({"said": texts, "who": "counsellor"})
    for fmt in ("csv", "jsonl"):
        path = tmp_path / f"odd.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)  # a bare \r must be quoted to stay in its cell
        else:
            frame.to_json(path, orient="records", lines=True, force_ascii=False)
        corpus = load_corpus(CorpusConfig(path=path, format=fmt, columns={"text": "said", "role": "who"}))
        assert len(corpus) == len(texts)


def test_duplicate_ids_name_the_value_and_row(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"said": ["one remark", "another remark"], "rid": ["a7", "a7"]}).to_csv(path, index=False)
    with pytest.raises(TopicsInputError, match="duplicate value 'a7' \\(data row 1"):
        load_corpus(CorpusConfig(path=path, columns={"text": "said", "id": "rid"}))


def test_a_therapist_column_is_read_and_a_missing_one_is_named(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame([{**row, "clinician": "dr-a"} for row in ROWS]).to_csv(path, index=False)
    corpus = load_corpus(
        CorpusConfig(path=path, columns={**MAPPING, "therapist": "clinician"}, keep_roles=["counsellor"])
    )
    assert corpus.frame["therapist"].tolist() == ["dr-a", "dr-a"]
    assert load_corpus(spec(path)).frame["therapist"].isna().all()  # not named: left empty
    with pytest.raises(TopicsInputError, match=r"'therapist_id' not found"):
        load_corpus(CorpusConfig(path=path, columns={**MAPPING, "therapist": "therapist_id"}))
