"""One run state: after a rename, a merge, a discard and a move, every command shows the curated run.

The run is fitted once with the real packaged MiniLM (tiny config with UMAP); the
curated-assignment rule itself is tested on vectors whose answer is known.
"""

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import topics_cmd

from topics import load_run
from topics.core.run import OUTLIER, Topic, TopicRun, TopicSet
from topics.curate.assign import kept_embeddings
from topics.curate.editlog import LOG_NAME, Curator, EditLogWarning
from topics.fit.centroids import CuratedTopics

pytestmark = pytest.mark.slow  # every command as a subprocess on a curated run: the full suite, not the fast tier


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    """A fitted run with four edits; returns (folder, what the edits did)."""
    folder = tmp_path_factory.mktemp("curated") / "run"
    fitted = topics_cmd(
        "fit", "configs/tiny.yaml", "--out", folder, "--set", "fit.modes=[joint]", "--set", "reduce.method=umap"
    )  # PCA finds 2 topics in the demo corpus, UMAP about 26
    assert fitted.returncode == 0, fitted.stderr
    run = load_run(folder, curated=False)
    topics = sorted(run.joint.topics, key=lambda t: -t.size)
    renamed, merged, absorbed, discarded = (t.id for t in topics[:4])
    merged, absorbed = sorted((merged, absorbed))  # a merge keeps the smaller id
    mover = run.kept[run.kept["topic"] == topics[4].id]["remark_id"].iloc[0]
    edits = [
        ("rename", renamed, "Sleep and the night"),
        ("merge", merged, absorbed, "--label", "Merged theme"),
        ("discard", discarded),
        ("move", mover, "--to", renamed),
    ]
    for edit in edits:
        result = topics_cmd("edit", folder, "--author", "Ana", *edit)
        assert result.returncode == 0, result.stderr
    return folder, {
        "renamed": renamed,
        "merged": merged,
        "absorbed": absorbed,
        "discarded": discarded,
        "mover": mover,
        "fitted_labels": {t.id: t.label for t in run.joint.topics},
    }


def test_load_run_gives_the_curated_run_and_the_fit_on_request(curated):
    folder, did = curated
    run, fit = load_run(folder), load_run(folder, curated=False)
    ids = {t.id for t in run.joint.topics}
    assert run.joint.topic(did["renamed"]).label == "Sleep and the night"
    assert run.joint.topic(did["merged"]).label == "Merged theme"
    assert did["absorbed"] not in ids and did["discarded"] not in ids
    assert run.remarks.set_index("remark_id").loc[did["mover"], "topic"] == did["renamed"]
    assert {did["absorbed"], did["discarded"]} <= {t.id for t in fit.joint.topics}
    assert fit.joint.topic(did["renamed"]).label == did["fitted_labels"][did["renamed"]]


def test_info_shows_curated_labels_and_fitted_ones_with_fitted(curated):
    folder, did = curated
    shown = topics_cmd("info", folder)
    assert shown.returncode == 0, shown.stderr
    assert "Sleep and the night" in shown.stdout and "Merged theme" in shown.stdout
    assert did["fitted_labels"][did["discarded"]] not in shown.stdout
    fitted = topics_cmd("info", folder, "--fitted")
    assert "Sleep and the night" not in fitted.stdout and did["fitted_labels"][did["discarded"]] in fitted.stdout


def test_transform_assigns_curated_topics_only(curated, tmp_path):
    folder, did = curated
    out = tmp_path / "assigned.csv"
    result = topics_cmd("transform", folder, "corpora/demo/demo_sessions.csv", "--out", out)
    assert result.returncode == 0, result.stderr
    assigned = pd.read_csv(out)
    kept = assigned[assigned["kept"]]
    given = set(kept["topic"].astype(int))
    assert did["absorbed"] not in given and did["discarded"] not in given
    assert {"Sleep and the night", "Merged theme"} <= set(kept["label"])
    run = load_run(folder)
    same = kept.merge(run.kept[["text", "topic"]].drop_duplicates("text"), on="text", suffixes=("", "_run"))
    assert (same["topic"] == same["topic_run"]).mean() >= 0.8  # the run's own remarks keep their curated topic
    strict = topics_cmd(
        "transform",
        folder,
        "corpora/demo/demo_sessions.csv",
        "--out",
        tmp_path / "strict.csv",
        "--min-similarity",
        "0.999",
    )
    assert strict.returncode == 0, strict.stderr
    assert (
        pd.read_csv(tmp_path / "strict.csv").query("kept or attached")["topic"] == OUTLIER
    ).all()  # like no topic enough


def test_transform_attaches_short_remarks_to_curated_topics_only(curated, tmp_path):
    folder, did = curated
    out = tmp_path / "assigned.csv"
    assert topics_cmd("transform", folder, "corpora/demo/demo_sessions.csv", "--out", out).returncode == 0
    assigned = pd.read_csv(out)
    short = assigned[assigned["set_aside"] == "too_short"]
    assert short["attached"].all() and short["topic"].notna().all()
    assert (short["topic"] != OUTLIER).any() and not {did["absorbed"], did["discarded"]} & set(short["topic"])
    others = assigned[assigned["set_aside"].isin(["backchannel", "empty"])]
    assert len(others) > 0 and others["topic"].isna().all() and not others["attached"].any()
    run = load_run(folder)  # the run's own short remarks: attached at fit time, then merged/discarded with their topic
    own = run.remarks[run.remarks["attached"]]
    assert not {did["absorbed"], did["discarded"]} & set(own["topic"].astype(int))
    same = short.merge(own[["text", "topic"]].drop_duplicates("text"), on="text", suffixes=("", "_run"))
    assert (same["topic"] == same["topic_run"]).mean() >= 0.8


def test_a_run_fitted_before_embeddings_were_stored_is_embedded_again(curated, tmp_path):
    folder, _ = curated
    old = tmp_path / "old-run"
    shutil.copytree(folder, old)
    (old / "embeddings.npy").unlink()
    result = topics_cmd("transform", old, "corpora/demo/demo_sessions.csv", "--out", tmp_path / "old.csv")
    assert result.returncode == 0, result.stderr
    assert "embedding its kept remarks again" in result.stderr
    assert (
        topics_cmd("transform", folder, "corpora/demo/demo_sessions.csv", "--out", tmp_path / "new.csv").returncode == 0
    )
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "old.csv"), pd.read_csv(tmp_path / "new.csv"))


def test_compare_evaluate_report_and_export_read_the_curated_run(curated, tmp_path):
    folder, did = curated
    work = tmp_path / "run"
    shutil.copytree(folder, work)
    curated_run = load_run(work)
    compared = topics_cmd("compare", work, "--draws", "200", "--permutations", "999")
    assert compared.returncode == 0, compared.stderr
    assert "Sleep and the night" in compared.stdout and "Merged theme" in compared.stdout
    assert did["fitted_labels"][did["discarded"]] not in compared.stdout
    differences = pd.read_csv(work / "compare" / "differences.csv")
    assert set(differences["topic"]) == {t.id for t in curated_run.joint.topics}
    assert topics_cmd("evaluate", work).returncode == 0
    evaluation = json.loads((work / "evaluation.json").read_text())
    assert evaluation[0]["topic_count"] == len(curated_run.joint.topics)
    config = yaml.safe_load((work / "config.yaml").read_text())
    config["labels"] = {"endpoint": "http://192.0.2.7/v1", "allow_remote": True}  # label drafts sent elsewhere
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    report = topics_cmd("report", work, "--format", "md", "--out", tmp_path / "r.md")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "r.md").read_text()
    assert "Sleep and the night" in text and "Merged theme" in text and "nan" not in text.split()
    assert "of the fit's seeded consensus members" in text  # what the stability shares count
    assert "on another machine (labels.allow_remote)" in text  # the report says that drafts leave the machine
    assert f"### {did['discarded']}. " not in text
    assert topics_cmd("export", work, "--bertopic", tmp_path / "bt").returncode == 0
    exported = json.loads((tmp_path / "bt" / "topics.json").read_text())
    assert [label for label in exported["custom_labels"] if label != "Outliers"] == [
        t.label for t in curated_run.joint.topics
    ]
    from bertopic import BERTopic

    model = BERTopic.load(str(tmp_path / "bt"))
    embeddings = np.asarray(kept_embeddings(Curator(work)))
    theirs, _ = model.transform(curated_run.kept["text"].tolist(), embeddings=embeddings)
    # the export carries one centroid per curated topic (topics/share/export.py): BERTopic must reproduce that rule
    fitted = load_run(work, curated=False)
    ours, _ = CuratedTopics.of(curated_run, fitted, embeddings, rule="centroid").assign(embeddings)
    exported_id = {
        ours_id: int(theirs_id)
        for theirs_id, ours_id in json.loads((tmp_path / "bt" / "id_map.json").read_text()).items()
    }
    placed = ours != OUTLIER  # BERTopic has no similarity floor: only remarks ours places can agree
    assert np.mean(np.asarray(theirs)[placed] == np.array([exported_id[t] for t in ours[placed]])) >= 0.95


def test_a_damaged_and_a_cut_short_line_are_reported_once_by_every_command(curated, tmp_path):
    folder, _ = curated
    work = tmp_path / "run"
    shutil.copytree(folder, work)
    with open(work / LOG_NAME, "a", encoding="utf-8") as log:
        log.write('{"op": "rename", "this line is damaged\n{"op": "discard", "author": "Ana", "topi')
    for command in (
        ["info"],
        ["history"],
        ["compare", "--draws", "100", "--permutations", "99"],
        ["report", "--format", "md", "--out", str(tmp_path / "r.md")],
    ):
        result = topics_cmd(command[0], work, *command[1:])
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("is damaged and is ignored") == 1, (command, result.stderr)
        assert result.stderr.count("is cut short") == 1, (command, result.stderr)
    assert "skipped" in (tmp_path / "r.md").read_text()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_run(work)
    assert sum(issubclass(w.category, EditLogWarning) for w in caught) == 2


def toy_runs():
    """Four topics along four axes; topic 1 merged into 0, topic 3 discarded, one remark of 2 moved to 0."""
    vectors = np.repeat(np.eye(4, 6, dtype=np.float32), 5, axis=0)
    vectors[:, 5] = 0.1
    fitted_topics = np.repeat(np.arange(4), 5)
    curated_topics = fitted_topics.copy()
    curated_topics[curated_topics == 1] = 0
    curated_topics[curated_topics == 3] = OUTLIER
    curated_topics[10] = 0

    def run(assignments, ids):
        remarks = pd.DataFrame({"remark_id": [f"r{i}" for i in range(20)], "kept": True, "topic": assignments})
        topics = [Topic(id=t, label=f"t{t}", words=[], size=int((assignments == t).sum())) for t in ids]
        return TopicRun(
            config={},
            remarks=remarks,
            joint=TopicSet("joint", topics, np.zeros((len(ids), 6))),
            groups={},
            provenance={},
        )

    return vectors, run(fitted_topics, [0, 1, 2, 3]), run(curated_topics, [0, 2])


def test_merged_topics_are_one_target_discarded_ones_never_given_and_a_floor_makes_outliers():
    vectors, fitted, curated = toy_runs()
    targets = CuratedTopics.of(curated, fitted, vectors, min_similarity=0.5)
    assert targets.ids.tolist() == [0, 2] and len(targets.sinks) == 1
    moved_in = vectors[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]].mean(axis=0)
    np.testing.assert_allclose(targets.centroids[0], moved_in / np.linalg.norm(moved_in), rtol=1e-5)
    new = np.array([[0, 1, 0, 0, 0, 0.1], [0, 0, 0, 1, 0, 0.1], [0, 0, 0, 0, 1, 0]], dtype=np.float32)
    topics, similarity = targets.assign(new)
    assert topics.tolist() == [0, OUTLIER, OUTLIER]  # merged topic; like the discarded one; like nothing
    assert similarity[0] > 0.5 and similarity[2] < 0.5


def test_transform_of_a_run_without_a_joint_model_is_a_clear_error(tmp_path, tiny_config, fake_encoder):
    from topics.core.errors import TopicsInputError
    from topics.curate.transform import transform_file
    from topics.fit.pipeline import fit_run

    tiny_config.fit.modes = ["per_group"]
    run = fit_run(tiny_config, out=tmp_path / "run", encoder=fake_encoder)
    with pytest.raises(TopicsInputError, match="no joint model"):
        transform_file(Curator(run.path), tiny_config.corpus.path, encoder=fake_encoder)
    assert not (run.path / "transform").exists()
