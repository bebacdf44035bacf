"""The Python API: ``topics.TopicModel`` fits from memory the way ``topics fit`` fits from a file, and
``import topics`` stays cheap and leaves other libraries as they were."""

import subprocess
import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml
from conftest import ROOT, FakeEncoder

import topics
from topics.core.config import load_config
from topics.fit.pipeline import fit_run

DEMO = ROOT / "corpora" / "demo" / "demo_sessions.csv"
COLUMNS = dict(
    text="text",
    role="speaker",
    keep_roles=["therapist"],
    session="session_id",
    group="school",
    order="turn",
    metadata=["presenting_problem"],
)


@pytest.fixture(scope="module")
def fitted():
    """The tiny config's fit of the demo corpus, through the estimator (a module's worth of tests share it)."""
    config = yaml.safe_load((ROOT / "configs" / "tiny.yaml").read_text())
    model = topics.TopicModel(
        **COLUMNS, config={k: v for k, v in config.items() if k != "corpus"}, encoder=FakeEncoder()
    )
    assert model.fit(pd.read_csv(DEMO)) is model
    return model


def test_the_estimator_fits_the_topics_a_config_file_fits(fitted, tmp_path):
    """Same data, same settings, same seed: the in-memory fit and `topics fit`'s run agree remark by remark."""
    from_file = fit_run(load_config(ROOT / "configs" / "tiny.yaml"), out=tmp_path / "file", encoder=FakeEncoder())
    assert len(fitted.topics_) == len(from_file.remarks) == (pd.read_csv(DEMO)["speaker"] == "therapist").sum()
    np.testing.assert_array_equal(fitted.topics_, from_file.remarks["topic"].fillna(-1).to_numpy(dtype=int))
    assert [t.label for t in fitted.run_.joint.topics] == [t.label for t in from_file.joint.topics]
    assert sorted(fitted.run_.groups) == sorted(from_file.groups) and fitted.run_.groups
    assert fitted.run_.provenance["corpus"]["path"] == "<DataFrame>"
    info = fitted.topic_info()
    assert list(info["id"]) == [t.id for t in fitted.run_.joint.topics]
    assert {"share CBT", "share person-centred"} <= set(info.columns)


def test_save_writes_the_run_folder_that_load_run_and_load_open(fitted, tmp_path):
    labels, info = [t.label for t in fitted.run_.joint.topics], fitted.topic_info()  # before: save() moves on
    target = fitted.save(tmp_path / "saved")
    assert (target / "remarks.parquet").exists() and (target / "config.yaml").exists()
    reopened = topics.load_run(target)
    assert [t.label for t in reopened.joint.topics] == labels
    again = topics.TopicModel.load(target, encoder=FakeEncoder())
    pd.testing.assert_frame_equal(again.topic_info(), info)
    # a loaded model refits from the remarks the run holds: its corpus was a DataFrame, no file to read
    assert set(again.stability(refits=1).topics["topic"]) == {t.id for t in reopened.joint.topics}
    with pytest.raises(topics.TopicsInputError, match="already exists"):
        fitted.save(target)  # a folder is never overwritten


def test_methods_and_figures_on_the_fitted_model(fitted):
    findings = fitted.compare(draws=200)
    assert set(findings.shares["group"]) == set(pd.read_csv(DEMO)["school"])
    assert set(findings.shares["topic"]) == {t.id for t in fitted.run_.joint.topics} and findings.draws == 200
    measures = fitted.evaluate()
    assert "npmi" in measures.columns and len(measures) >= 1
    for figure in (
        fitted.plot_map(),
        fitted.plot_sizes(),
        fitted.plot_groups(),
        fitted.plot_words(fitted.run_.joint.topics[0].id),
    ):
        assert isinstance(figure, go.Figure) and figure.data
    scored = fitted.stability(refits=2)
    assert list(scored.seeds) == [7, 8, 9] and set(scored.topics["topic"]) == {t.id for t in fitted.run_.joint.topics}
    assert (fitted.curator_.path / "stability.json").exists()
    # new remarks get the curated topics, by the rule topics transform uses
    texts = fitted.run_.kept["text"].head(40).tolist()
    assigned = fitted.transform(texts)
    assert len(assigned) == 40 and {"topic", "label", "similarity", "kept"} <= set(assigned.columns)
    own = fitted.run_.kept["topic"].head(40).to_numpy(dtype=int)
    assert (assigned["topic"].fillna(-1).to_numpy(dtype=int) == own).mean() >= 0.8


def test_a_list_of_remarks_fits_one_joint_model(tmp_path):
    remarks = pd.read_csv(DEMO).query("speaker == 'therapist'")["text"].tolist()
    model = topics.TopicModel(
        config=ROOT / "configs" / "tiny.yaml", encoder=FakeEncoder(), random_state=3, consensus={"members": 2}
    )
    found = model.fit_transform(remarks)
    assert len(found) == len(remarks) and (found >= 0).any()
    assert model.config_.seed == 3 and model.config_.consensus.members == 2
    assert model.run_.joint is not None and not model.run_.groups
    with pytest.raises(topics.TopicsInputError, match="at least two groups"):
        model.compare()


def test_clear_errors_for_what_a_notebook_user_gets_wrong():
    with pytest.raises(topics.TopicsInputError, match="not fitted"):
        topics.TopicModel().topic_info()
    with pytest.raises(topics.TopicsInputError, match="'utterance' not found"):
        topics.TopicModel(text="utterance", encoder=FakeEncoder()).fit(pd.DataFrame({"text": ["a b c"]}))
    with pytest.raises(topics.TopicsInputError, match="DataFrame or a list"):
        topics.TopicModel(encoder=FakeEncoder()).fit("one remark")
    with pytest.raises(topics.TopicsInputError, match="cluster"):
        topics.TopicModel(encoder=FakeEncoder(), cluster={"min_cluster_size": -4}).fit(["a b", "c d"])


def test_importing_the_package_is_cheap_and_changes_no_other_library():
    """`import topics` loads no heavy library; numba's decorators are numba's own even after UMAP is imported,
    while UMAP's compiled functions are cached on disk."""
    code = """
import sys
import topics
heavy = sorted(m for m in ("numba", "torch", "bertopic", "umap", "sklearn", "streamlit", "pandas") if m in sys.modules)
assert not heavy, heavy
assert sorted(topics.__all__) == sorted(n for n in topics.__all__ if getattr(topics, n, None) is not None)
import numba
before = numba.njit, numba.jit
from topics.fit.runtime import import_compiled
umap = import_compiled("umap")
assert (numba.njit, numba.jit) == before, "numba's decorators were left patched"
assert type(umap.umap_.compute_membership_strengths._cache).__name__ == "FunctionCache"
@numba.njit
def mine(x):
    return x + 1
assert type(mine._cache).__name__ == "NullCache", "a user's own function must not be cached for them"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_a_run_taken_from_a_model_outlives_the_model(tmp_path):
    """The temporary run folder stays while the process runs: a run kept after the model is gone still reads
    its members and its turns (format 2: the session is put back together from the run, no corpus file)."""
    import gc

    from topics.analysis.remark_context import in_context

    frame = pd.read_csv(DEMO)
    model = topics.TopicModel(
        **COLUMNS,
        config=ROOT / "configs" / "tiny.yaml",
        encoder=FakeEncoder(),
        consensus={"members": 2},
        fit={"modes": ["joint"]},
    )
    run = model.fit(frame).run_
    del model
    gc.collect()
    assert run.path.exists() and run.members is not None
    remark = run.kept["remark_id"].iloc[5]
    around = in_context(run, remark)
    assert around["this"].sum() == 1 and set(around["role"]) == {"therapist", "client"}


def test_keyword_sections_merge_and_a_column_may_be_mapped_twice():
    frame = pd.read_csv(DEMO).head(400)
    model = topics.TopicModel(
        **(COLUMNS | {"metadata": ["school"]}),
        config=ROOT / "configs" / "tiny.yaml",
        encoder=FakeEncoder(),
        corpus={"group_label": "School"},
        consensus={"members": 1},
        fit={"modes": ["joint"]},
    )
    model.fit(frame)
    assert model.config_.corpus.group_label == "School" and model.config_.corpus.columns.text == "text"
    assert (model.run_.remarks["meta_school"] == model.run_.remarks["group"]).all()
    with pytest.raises(topics.TopicsInputError, match="appear more than once"):
        topics.TopicModel(encoder=FakeEncoder()).fit(pd.DataFrame([["a b", "c d"]], columns=["text", "text"]))
