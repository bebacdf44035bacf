"""The curated assignment rule: a merged topic keeps its parts, a moved remark counts where it was moved, a
discarded topic is never given, a floor makes outliers; on random edit sequences and on AnnoMI."""

from __future__ import annotations

import contextlib
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import edit_fields, edit_sequences, fake_fitted_run
from hypothesis import HealthCheck, given, settings

from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER
from topics.curate.assign import curated_targets, held_out_assignment, kept_embeddings
from topics.curate.editlog import Curator
from topics.fit.centroids import MIN_PART, CuratedTopics, unit_rows


def blobs(centres: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """``size`` unit vectors around each row of ``centres``."""
    rng = np.random.default_rng(seed)
    return unit_rows(np.repeat(centres, size, axis=0) + rng.normal(0, 0.05, (len(centres) * size, centres.shape[1])))


def test_a_merge_of_unlike_topics_keeps_both_parts_where_one_centroid_loses_them():
    # topics 0 and 1 at right angles are merged; topic 2 lies near topic 0 and topic 3 near topic 1: the merged
    # topic's one centroid lies between its parts, further from a remark of either than topics 2 and 3 are
    centres = unit_rows(np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0.8, 0, 0.6, 0], [0, 0.8, 0, 0.6]], dtype=np.float32))
    vectors = blobs(centres, MIN_PART + 5)
    fitted = np.repeat([0, 1, 2, 3], MIN_PART + 5)
    merged = np.where(fitted == 1, 0, fitted)
    new = unit_rows(np.array([[1, 0.05, 0, 0], [0.05, 1, 0, 0]], dtype=np.float32))
    curated, _ = CuratedTopics.from_labels(merged, fitted, [0, 2, 3], vectors).assign(new)
    centroid, _ = CuratedTopics.from_labels(merged, fitted, [0, 2, 3], vectors, rule="centroid").assign(new)
    assert curated.tolist() == [0, 0]
    assert centroid.tolist() == [2, 3]  # what the former rule did: the remarks fell to the topics nearby


def test_moved_remarks_pull_their_neighbours_along_and_keep_their_own_place():
    centres = unit_rows(np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32))
    vectors = blobs(centres, 20)
    fitted = np.repeat([0, 0, 1], 20)  # the fit put the second blob in topic 0; an expert moved it to topic 1
    curated = np.repeat([0, 1, 1], 20)
    texts = {f"remark {i}": int(t) for i, t in enumerate(curated)}
    targets = CuratedTopics.from_labels(curated, fitted, [0, 1], vectors, placed=texts)
    near_moved = unit_rows(np.array([[0.8, 0.6, 0.02]], dtype=np.float32))
    assert targets.assign(near_moved)[0].tolist() == [1]
    # a remark of the run gets its curated topic back by its text, even where its vector alone would not
    topics, _ = targets.assign(vectors[[0, 25]], texts=["remark 0", "remark 25"])
    assert topics.tolist() == [0, 1]


def test_a_placed_remark_below_the_floor_and_an_outlier_of_the_run_stay_outliers():
    vectors = blobs(np.eye(3, dtype=np.float32), 12)
    labels = np.repeat([0, 1, 2], 12)
    labels[0] = OUTLIER
    targets = CuratedTopics.from_labels(labels, labels, [0, 1, 2], vectors, 0.3, placed={"a": OUTLIER, "b": 1})
    far = unit_rows(np.array([[1, 0, 0], [1, 0, 0]], dtype=np.float32))  # like topic 0, not like topic 1
    topics, similarity = targets.assign(far, texts=["a", "b"])
    assert topics.tolist() == [OUTLIER, OUTLIER] and similarity[1] < 0.3


def test_sources_too_small_for_a_part_of_their_own_make_one_together():
    # a topic merged from 10 remarks at e1 and 9 each at e2 and e3: the 18 together are its second part
    centres = np.eye(3, dtype=np.float32)
    vectors = unit_rows(np.repeat(centres, [10, 9, 9], axis=0))
    fitted = np.repeat([0, 1, 2], [10, 9, 9])
    targets = CuratedTopics.from_labels(np.zeros(28, int), fitted, [0], vectors)
    topics, similarity = targets.assign(centres[[1]])
    assert topics.tolist() == [0] and similarity[0] > 0.7


def test_a_vote_chooses_among_topics_above_the_floor_only():
    # topic 1's neighbours are unanimous but its part is below the floor; topic 0's part clears it
    reference = unit_rows(np.array([[1, 0, 0]] * 12 + [[0, 1, 0]] * 12, dtype=np.float32))
    labels = np.repeat([0, 1], 12)
    targets = CuratedTopics.from_labels(labels, labels, [0, 1], reference, 0.3)
    targets.reference = unit_rows(np.array([[0.33, 0.29, 0.9]] * 10, dtype=np.float32))
    targets.reference_topics = np.ones(10, dtype=int)
    new = unit_rows(np.array([[0.33, 0.29, 0.9]], dtype=np.float32))
    topics, _ = targets.assign(new)
    assert topics.tolist() == [0]


def test_an_unknown_rule_is_a_clear_error():
    with pytest.raises(TopicsInputError, match="unknown assignment rule 'nearest'"):
        CuratedTopics.from_labels(np.zeros(3, int), np.zeros(3, int), [0], np.eye(3, dtype=np.float32), rule="nearest")


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    return fake_fitted_run(tmp_path_factory.mktemp("assign") / "run")


edit_ops = edit_sequences(["merge", "rename", "discard", "move"], choices=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=edit_ops)
def test_after_any_edit_sequence_the_run_s_own_remarks_get_their_curated_topics(fitted_folder, tmp_path_factory, ops):
    folder = tmp_path_factory.mktemp("prop") / "run"
    shutil.copytree(fitted_folder, folder)
    curator = Curator(folder)
    for op, i, j in ops:
        with contextlib.suppress(TopicsInputError):
            curator.record(op, "prop", **edit_fields(curator.run, op, i, j))
    run = curator.run
    current = {t.id for t in run.joint.topics}
    truth = run.kept["topic"].to_numpy(dtype=int)
    embeddings = np.asarray(kept_embeddings(curator))
    targets = curated_targets(curator)
    from topics.fit.clean import normalise

    texts = [normalise(text) for text in run.kept["text"]]
    topics, similarity = targets.assign(embeddings, texts)
    # every remark the expert (or the fit) placed keeps its topic, unless it lies below the floor of that topic
    expected = np.where((truth != OUTLIER) & (similarity >= targets.min_similarity), truth, OUTLIER)
    same_text = pd.Series(truth).groupby(texts).transform("nunique").to_numpy() == 1  # duplicates: most copies win
    assert (topics[same_text] == expected[same_text]).all()
    assert np.mean(topics == truth) >= 0.9
    # from vectors alone, and with each remark's own session left out, only current topics are ever given
    alone = held_out_assignment(run, curator.fitted, embeddings, folds=3)
    assert set(alone.tolist()) <= current | {OUTLIER}


def test_a_text_held_twice_under_different_topics_goes_where_most_copies_are():
    from types import SimpleNamespace

    vectors = blobs(np.eye(3, dtype=np.float32), 12)
    labels = np.repeat([0, 1, 2], 12)
    remarks = pd.DataFrame({"kept": True, "attached": False, "topic": labels, "text": [f"r{i}" for i in range(36)]})
    remarks.loc[[0, 1, 13], "text"] = "Same words"  # twice in topic 0, once in topic 1
    run = SimpleNamespace(
        remarks=remarks, kept=remarks, joint=SimpleNamespace(topics=[SimpleNamespace(id=t) for t in (0, 1, 2)])
    )
    targets = CuratedTopics.of(run, run, vectors)
    assert targets.placed["Same words"] == 0
    between = unit_rows(np.array([[0.6, 0.8, 0]], dtype=np.float32))  # nearer topic 1, above topic 0's floor
    assert targets.assign(between)[0].tolist() == [1]
    assert targets.assign(between, texts=["Same words"])[0].tolist() == [0]


def test_the_neighbour_search_runs_only_for_remarks_the_rule_decides(monkeypatch):
    vectors = blobs(np.eye(3, dtype=np.float32), 12)
    labels = np.repeat([0, 1, 2], 12)
    targets = CuratedTopics.from_labels(labels, labels, [0, 1, 2], vectors, placed={"r0": 0, "r1": 0})
    searched = []
    real = CuratedTopics._votes
    monkeypatch.setattr(CuratedTopics, "_votes", lambda self, rows: searched.append(len(rows)) or real(self, rows))
    topics, _ = targets.assign(vectors[:3], texts=["r0", "r1", "new remark"])
    assert topics.tolist() == [0, 0, 0] and searched == [1]  # the placed two keep their topic without a search
