"""The fit pipeline on the demo corpus with the fake encoder (fast), end to end to the run folder."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from topics import load_run
from topics.core.errors import TopicsInputError, TopicsWarning
from topics.fit.pipeline import fit_run
from topics.fit.stopwords import is_uninformative


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from conftest import FakeEncoder

    from topics.core.config import load_config

    config = load_config("configs/tiny.yaml")
    return fit_run(config, out=tmp_path_factory.mktemp("runs") / "tiny", encoder=FakeEncoder())


def test_run_folder_has_every_part(tiny_run):
    folder = tiny_run.path
    for name in (
        "config.yaml",
        "remarks.parquet",
        "topics.json",
        "centroids.npy",
        "metrics.json",
        "provenance.json",
        "model/config.json",
        "model/topics.json",
    ):
        assert (folder / name).exists(), name
    groups = sorted(p.name for p in (folder / "groups").iterdir())
    assert groups == ["cbt", "motivational-interviewing", "person-centred", "psychodynamic"]
    assert not list(folder.parent.glob(".*partial"))
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["seed"] == 7 and len(provenance["corpus"]["sha256"]) == 64
    assert provenance["packages"]["bertopic"] == "0.17.4"
    assert (
        provenance["cleaning"]["kept"]
        + provenance["cleaning"]["backchannel"]
        + provenance["cleaning"]["too_short"]
        + provenance["cleaning"]["empty"]
        == provenance["cleaning"]["total"]
    )
    assert {"load", "clean", "embed", "fit joint", "joint reduce"} <= set(provenance["seconds"])
    metrics = json.loads((folder / "metrics.json").read_text())["joint"]
    assert {"topic_count", "outlier_share", "topic_diversity", "npmi", "outlier_share_before_reduction"} <= set(metrics)


def test_remarks_keep_identity_and_set_aside_remarks_get_no_topic(tiny_run):
    remarks = tiny_run.remarks
    demo = pd.read_csv("corpora/demo/demo_sessions.csv")
    assert len(remarks) == (demo["speaker"] == "therapist").sum()  # client turns filtered out
    assert remarks["remark_id"].is_unique
    aside = remarks[~remarks["kept"]]
    assert aside["set_aside"].notna().all()
    unplaced = aside[aside["set_aside"] != "too_short"]  # empty remarks and backchannels
    assert len(unplaced) > 0 and unplaced["topic"].isna().all() and not unplaced["attached"].any()
    kept = remarks[remarks["kept"]]
    assert kept["topic"].notna().all()
    assert {"meta_presenting_problem", "group_topic", "probability"} <= set(remarks.columns)


def test_short_remarks_are_attached_by_the_assignment_rule_and_never_shape_topics(tiny_run):
    remarks = tiny_run.remarks
    short = remarks[remarks["set_aside"] == "too_short"]
    assert len(short) > 0 and short["attached"].all() and short["topic"].notna().all()
    placed = short[short["topic"] != -1]
    floor = tiny_run.config["assign"]["min_similarity"]  # the default, 0.3
    assert floor == 0.3 and len(placed) > 0 and (placed["similarity"] >= floor).all()
    assert (short.loc[short["topic"] == -1, "similarity"] < floor).all()
    assert tiny_run.provenance["cleaning"]["short_attached"] == len(placed)
    assert len(tiny_run.placed) == len(tiny_run.kept) + len(short)
    for topic in tiny_run.joint.topics:  # sizes and group counts are the fit's remarks only
        assert topic.size == int((tiny_run.kept["topic"] == topic.id).sum())


def test_topics_agree_with_assignments_and_have_no_filler_words(tiny_run):
    kept = tiny_run.kept
    for topic in tiny_run.joint.topics:
        members = kept[kept["topic"] == topic.id]
        assert topic.size == len(members)
        assert topic.group_counts == {g: int(n) for g, n in members["group"].value_counts().sort_index().items()}
        assert topic.words and not all(is_uninformative(w) for w in topic.top_words())
    assert tiny_run.joint.centroids.shape == (len(tiny_run.joint.topics), 64)
    for name, topic_set in tiny_run.groups.items():
        in_group = kept[kept["group"] == name]
        assert sum(t.size for t in topic_set.topics) + (in_group["group_topic"] == -1).sum() == len(in_group)


def test_load_run_in_a_fresh_process_without_pickles(tiny_run):
    assert not list(tiny_run.path.rglob("*.pkl")) and not list(tiny_run.path.rglob("*.pickle"))
    code = (
        "import sys, json, topics; run = topics.load_run(sys.argv[1]);"
        "print(json.dumps([run.joint.topics[0].label, len(run.remarks), sorted(run.groups), "
        "run.metrics['joint']['topic_count']]))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tiny_run.path)], capture_output=True, text=True, check=True)
    label, n, groups, count = json.loads(out.stdout.strip().splitlines()[-1])
    assert label == tiny_run.joint.topics[0].label and n == len(tiny_run.remarks)
    assert groups == sorted(tiny_run.groups) and count == len(tiny_run.joint.topics)
    again = load_run(tiny_run.path)
    pd.testing.assert_frame_equal(again.remarks, tiny_run.remarks)


@pytest.mark.slow  # two UMAP fits
def test_same_config_same_topics_with_umap(tmp_path, tiny_config, fake_encoder):
    """Seeded UMAP + HDBSCAN: two fits give identical assignments; another seed may differ."""
    config = tiny_config.model_copy(update={"fit": tiny_config.fit.model_copy(update={"modes": ["joint"]})})
    config.reduce.method = "umap"
    config.embed.cache = False  # really recompute UMAP both times
    first = fit_run(config, out=tmp_path / "a", encoder=fake_encoder)
    second = fit_run(config, out=tmp_path / "b", encoder=fake_encoder)
    np.testing.assert_array_equal(first.remarks["topic"].to_numpy(), second.remarks["topic"].to_numpy())
    assert [t.words for t in first.joint.topics] == [t.words for t in second.joint.topics]


def test_refit_reuses_embeddings_and_reduction(tmp_path, tiny_config):
    from conftest import FakeEncoder

    tiny_config.fit.modes = ["joint"]
    fit_run(tiny_config, out=tmp_path / "a", encoder=FakeEncoder())
    tiny_config.cluster.min_cluster_size = 12
    encoder = FakeEncoder()
    run = fit_run(tiny_config, out=tmp_path / "b", encoder=encoder)
    assert encoder.encoded == []
    assert run.provenance["embedding"]["encoded"] == 0
    assert run.provenance["seconds"]["joint reduce"] == 0.0


def test_failed_fit_leaves_nothing_behind(tmp_path, tiny_config, fake_encoder):
    tiny_config.cluster.min_cluster_size = 5000
    tiny_config.fit.modes = ["joint"]
    with pytest.raises(TopicsInputError, match="too few to cluster"):
        fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    assert list(tmp_path.iterdir()) == []


def test_small_groups_are_skipped_with_a_warning_and_an_error_when_none_is_left(tmp_path, tiny_config, fake_encoder):
    tiny_config.fit.modes = ["per_group"]
    tiny_config.fit.min_group_remarks = 140
    with pytest.warns(TopicsWarning, match="skipped: .* kept remarks < fit.min_group_remarks=140"):
        run = fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    assert run.joint is None and 0 < len(run.groups) < 4
    assert set(run.provenance["skipped_groups"]) == {
        "CBT",
        "motivational interviewing",
        "person-centred",
        "psychodynamic",
    } - set(run.groups)
    tiny_config.fit.min_group_remarks = 10_000
    with pytest.raises(TopicsInputError, match="no group could be fitted"):
        fit_run(tiny_config, out=tmp_path / "none", encoder=fake_encoder)
    assert not (tmp_path / "none").exists()


def test_no_remarks_left_after_cleaning_is_a_clear_error(tmp_path, tiny_config, fake_encoder):
    tiny_config.clean.min_content_words = 500
    with pytest.raises(TopicsInputError, match="no remarks left after role filtering and cleaning"):
        fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)


@pytest.mark.parametrize("representation", ["keybert", "mmr"])
def test_optional_word_representations(tmp_path, tiny_config, fake_encoder, representation):
    tiny_config.fit.modes = ["joint"]
    tiny_config.words.representation = representation
    run = fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    baseline_config = tiny_config.model_copy(deep=True)
    baseline_config.words.representation = "ctfidf"
    baseline = fit_run(baseline_config, out=tmp_path / "base", encoder=fake_encoder)
    assert [t.size for t in run.joint.topics] == [t.size for t in baseline.joint.topics]
    assert [t.words for t in run.joint.topics] != [t.words for t in baseline.joint.topics]
    assert all(1 <= len(t.words) <= 10 for t in run.joint.topics)


def test_too_few_topics_to_name_is_a_clear_error(tmp_path, tiny_config, fake_encoder):
    tiny_config.fit.modes = ["joint"]
    tiny_config.words.min_df = 1000
    with pytest.raises(TopicsInputError, match="too few topics or words to name topics with words.min_df=1000"):
        fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    assert not (tmp_path / "run").exists()


def test_quality_metrics_are_stored_with_label_agreement(tiny_run):
    metrics = tiny_run.metrics["joint"]
    for key in (
        "npmi",
        "c_v",
        "topic_diversity",
        "filler_share",
        "junk_share",
        "nmi_presenting_problem",
        "ari_presenting_problem",
    ):
        assert key in metrics and metrics[key] == metrics[key], key  # present and not NaN
    assert -1 <= metrics["npmi"] <= 1 and -1 <= metrics["c_v"] <= 1
    assert 0 <= metrics["nmi_presenting_problem"] <= 1
    assert metrics["junk_share"] == pytest.approx(metrics["outlier_share"] + metrics["filler_topic_share"])


def test_per_group_fit_with_some_remarks_without_a_group(tmp_path, tiny_config, fake_encoder):
    demo = pd.read_csv("corpora/demo/demo_sessions.csv")
    demo.loc[demo.index % 7 == 0, "school"] = None
    demo.to_csv(tmp_path / "demo.csv", index=False)
    tiny_config.corpus.path = tmp_path / "demo.csv"
    run = fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    kept = run.kept
    assert kept["group"].isna().any() and len(run.groups) == 4
    assert kept.loc[kept["group"].isna(), "group_topic"].isna().all()
    assert kept.loc[kept["group"].notna(), "group_topic"].notna().all()


def test_coarse_per_group_models_are_flagged_in_words(tiny_run):
    import dataclasses

    from topics.core.facts import group_model_warnings
    from topics.core.run import Topic, TopicSet
    from topics.share.terminal import fit_summary

    lumped = TopicSet(
        "CBT",
        [Topic(0, "good, need, want", [("good", 1.0)], 85), Topic(1, "sleep", [("sleep", 1.0)], 15)],
        np.zeros((2, 4)),
        {"topic_count": 2, "outlier_share": 0.0, "topic_diversity": 1.0, "npmi": 0.0},
    )
    run = dataclasses.replace(
        tiny_run,
        groups={"CBT": lumped},
        config=tiny_run.config
        | {"corpus": tiny_run.config["corpus"] | {"group_names": {"CBT": "cognitive behavioural"}}},
    )
    warnings = group_model_warnings(run)
    assert any("only 2 topic(s)" in w and "'cognitive behavioural'" in w for w in warnings)
    assert any("holds 85% of the remarks" in w for w in warnings)
    assert "Note: the model of 'cognitive behavioural' found only 2" in fit_summary(run)
    assert group_model_warnings(dataclasses.replace(tiny_run, groups={})) == []


def test_the_fit_ends_in_80_columns_whatever_the_group_names(tiny_run):
    """A long group name is cut in the models table, a number a run lacks shows as '-', notes are folded; the
    next commands name the run folder, and compare only a run with groups."""
    import dataclasses
    from pathlib import Path

    from topics.share.terminal import closing_summary, fit_summary

    name = "motivational interviewing, second cohort, Leeds and London sites"
    older = dataclasses.replace(tiny_run.groups["CBT"], name=name, metrics={"topic_count": 3, "npmi": -0.41})
    run = dataclasses.replace(
        tiny_run, groups={**tiny_run.groups, name: older}, path=Path("outputs/demo-20260101-120000")
    )
    ending = closing_summary(run, command="./run topics")
    lines = (fit_summary(run) + "\n" + ending).splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    row = next(line for line in ending.splitlines() if line.startswith("  motivational interviewing, second"))
    assert row.split()[-4:] == ["3", "-", "-", "-0.41"] and "\u2026" in row  # cut, and no junk share to show
    assert ending.splitlines()[-1].startswith("  ./run topics compare outputs/demo-20260101-120000")
    single = dataclasses.replace(run, remarks=run.remarks.assign(group=None), groups={})
    assert closing_summary(single).splitlines()[-1].startswith("  topics info outputs/demo-20260101-120000")
