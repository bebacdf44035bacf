"""The curated-topic classifier: session-grouped validation, both methods compared, refused when stale."""

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEncoder, topics_cmd

from topics.core.config import load_config
from topics.curate import classifier
from topics.curate.editlog import Curator
from topics.curate.transform import transform_file
from topics.fit.pipeline import fit_run


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    config = load_config("configs/tiny.yaml", ["fit.modes=[joint]", "cluster.cluster_selection_method=leaf"])
    return fit_run(config, out=tmp_path_factory.mktemp("classifier") / "run", encoder=FakeEncoder()).path


def planted(seed=0, topics=3, sessions=9, per_session=30, dim=16, noise=0.15):
    """Remarks around one direction per topic; each session holds every topic."""
    rng = np.random.default_rng(seed)
    directions = np.eye(dim)[:topics]
    labels = rng.integers(0, topics, size=sessions * per_session)
    vectors = directions[labels] + noise * rng.normal(size=(len(labels), dim))
    return vectors.astype(np.float32), labels, np.repeat(np.arange(sessions).astype(str), per_session)


def test_every_session_is_held_out_whole_in_exactly_one_fold():
    _, _, sessions = planted()
    splits = classifier.session_folds(sessions, 5)
    assert len(splits) == 5
    tested = np.concatenate([test for _, test in splits])
    assert sorted(tested) == list(range(len(sessions)))
    for train, test in splits:
        assert not set(sessions[train]) & set(sessions[test])


def test_planted_topics_are_recognised_by_every_method_and_scored_per_topic():
    vectors, labels, sessions = planted()
    evaluation = classifier.cross_validate(vectors, labels, sessions, [0, 1, 2], classifier.TopicClassifier(), 0.4)
    assert min(evaluation.macro_f1.values()) > 0.95
    table = evaluation.per_topic
    assert set(table["method"]) == {"curated", "centroid", "classifier"} and set(table["topic"]) == {0, 1, 2}
    assert (table.groupby("method")["support"].sum() == len(labels)).all()
    assert int(evaluation.confusion.to_numpy().sum()) == len(labels)


def test_noise_labels_give_chance_f1_not_a_flattering_one():
    vectors, _, sessions = planted()
    labels = np.random.default_rng(1).integers(0, 3, size=len(vectors))  # topics unrelated to the vectors
    evaluation = classifier.cross_validate(vectors, labels, sessions, [0, 1, 2], classifier.TopicClassifier(), -1.0)
    assert max(evaluation.macro_f1.values()) < 0.5


def test_a_saved_classifier_predicts_like_the_fitted_one(tmp_path):
    vectors, labels, _ = planted(topics=2)  # two classes: scikit-learn's one-row case
    model = classifier.TopicClassifier().fit(vectors, labels)
    model.save(tmp_path)
    again = classifier.TopicClassifier.load(tmp_path, model.get_params())
    from sklearn.linear_model import LogisticRegression

    reference = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=42).fit(
        vectors / np.linalg.norm(vectors, axis=1, keepdims=True), labels
    )
    expected = reference.predict(vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    assert (again.predict(vectors) == expected).all()


@pytest.mark.slow  # commands in subprocesses
def test_classifier_command_writes_scores_and_transform_uses_it_until_an_edit(run_folder, tmp_path):
    result = topics_cmd("classifier", run_folder, "--folds", "3")
    assert result.returncode == 0, result.stderr
    assert all(method in result.stdout for method in ("curated", "centroid", "classifier", "macro-F1"))
    folder = run_folder / "classifier"
    scores = pd.read_csv(folder / "scores.csv")
    run = Curator(run_folder).run
    topic_ids = {t.id for t in run.joint.topics if (run.kept["topic"] == t.id).any()}
    assert set(scores["topic"]) == topic_ids and scores["f1"].between(0, 1).all()
    assert (folder / "confusion.csv").exists() and not list(run_folder.glob(".classifier*"))
    assert classifier.topic_f1(Curator(run_folder)).keys() == topic_ids

    # the run was fitted with the fake encoder, so new remarks are embedded with it too
    assigned = transform_file(
        Curator(run_folder), "corpora/demo/demo_sessions.csv", encoder=FakeEncoder(), method="classifier"
    ).query("kept")
    model = classifier.load(Curator(run_folder)).model
    from topics.curate.assign import kept_embeddings

    own = model.predict(np.asarray(kept_embeddings(Curator(run_folder))))
    same = assigned.merge(run.kept.assign(predicted=own)[["text", "predicted"]].drop_duplicates("text"), on="text")
    assert (same["topic"] == same["predicted"]).all()  # the stored weights, applied to the new file

    first = run.joint.topics[0].id
    assert topics_cmd("edit", run_folder, "--author", "Ana", "discard", first).returncode == 0
    stale = topics_cmd(
        "transform",
        run_folder,
        "corpora/demo/demo_sessions.csv",
        "--method",
        "classifier",
        "--out",
        tmp_path / "stale.csv",
    )
    assert stale.returncode == 2 and "Retrain it with 'topics classifier" in stale.stderr
    assert not (tmp_path / "stale.csv").exists() and classifier.topic_f1(Curator(run_folder)) is None


def test_transform_with_a_classifier_never_trained_is_a_clear_error(run_folder, tmp_path):
    result = topics_cmd(
        "transform", run_folder, "corpora/demo/demo_sessions.csv", "--method", "classifier", "--out", tmp_path / "x.csv"
    )
    assert result.returncode == 2 and "no classifier in this run" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_one_topic_or_too_few_sessions_is_refused_and_nothing_written(run_folder):
    curator = Curator(run_folder)
    ids = [t.id for t in curator.run.joint.topics]
    curator.record("merge", "Ana", topics=tuple(ids))
    result = topics_cmd("classifier", run_folder)
    assert result.returncode == 2 and "needs at least 2" in result.stderr
    assert not (run_folder / "classifier").exists()
    curator.record("undo", "Ana")
    remarks = pd.read_parquet(run_folder / "remarks.parquet")
    remarks["session"] = np.where(np.arange(len(remarks)) % 2, "a", "b")  # a corpus of two sessions
    remarks.to_parquet(run_folder / "remarks.parquet", index=False)
    result = topics_cmd("classifier", run_folder)
    assert result.returncode == 2 and "needs at least 3" in result.stderr
    assert not (run_folder / "classifier").exists()
