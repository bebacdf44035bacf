"""Large corpora on one machine: chunked reading, fitting on a session sample, assigning the rest (issue 13)."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from corpora import load_corpus
from topics.core.config import CorpusConfig, load_config
from topics.core.run import EMBEDDINGS_FILE, OUTLIER
from topics.fit.centroids import CuratedTopics
from topics.fit.pipeline import fit_run
from topics.fit.sample import session_sample


def test_a_session_sample_never_splits_a_session_and_stays_within_its_size():
    sessions = pd.Series(np.repeat([f"s{i}" for i in range(40)], np.arange(1, 41)), dtype="string")
    sample = session_sample(sessions, 200, seed=1)
    assert 150 < sample.sum() <= 200
    assert sessions[sample].nunique() < 40
    for _, chosen in pd.Series(sample).groupby(sessions.to_numpy()):
        assert chosen.nunique() == 1  # all of a session's remarks, or none
    assert (session_sample(sessions, 200, seed=1) == sample).all()
    assert (session_sample(sessions, 200, seed=2) != sample).any()
    loose = pd.Series([pd.NA] * 10, dtype="string")  # remarks without a session are sessions of their own
    assert session_sample(loose, 4, seed=0).sum() == 4


@pytest.fixture(scope="module")
def sampled_run(tmp_path_factory):
    from conftest import FakeEncoder

    config = load_config("configs/tiny.yaml", ["fit.sample_size=300"])
    return fit_run(config, out=tmp_path_factory.mktemp("runs") / "sampled", encoder=FakeEncoder())


def test_a_sampled_fit_fits_whole_sessions_and_says_so(sampled_run):
    kept = sampled_run.kept
    sample = sampled_run.provenance["sample"]
    assert sample["fitted_remarks"] == int(kept["in_sample"].sum()) <= 300
    assert sample["assigned"] == int((~kept["in_sample"]).sum()) > 0
    assert sample["fitted_remarks"] + sample["assigned"] == len(kept)
    assert kept.groupby("session")["in_sample"].nunique().max() == 1
    written = json.loads((sampled_run.path / "provenance.json").read_text())["sample"]
    assert written == sample and "assign.min_similarity" in written["rule"] and "{" not in written["rule"]


def test_remarks_outside_the_sample_hold_the_topic_transform_gives_them(sampled_run):
    from topics.curate.assign import curated_targets
    from topics.curate.editlog import Curator

    kept = sampled_run.kept
    embeddings = np.load(sampled_run.path / EMBEDDINGS_FILE)
    inside = kept["in_sample"].to_numpy(dtype=bool)
    labels = kept["topic"].to_numpy(dtype=int)
    floor = sampled_run.config["assign"]["min_similarity"]
    # the run's own centroid targets (centroids of every remark a topic holds), as `transform --method centroid`
    # builds them: the sampled fit settles on a fixed point of that rule
    expected, similarity = curated_targets(Curator(sampled_run.path), rule="centroid").assign(embeddings[~inside])
    assert (labels[~inside] == expected).all()
    assert (labels[~inside] != OUTLIER).mean() > 0.7
    probability = kept["probability"].to_numpy(dtype=float)[~inside]
    np.testing.assert_allclose(probability, similarity, rtol=1e-5)
    passes = sampled_run.joint.metrics["assignment_passes"]
    assert 2 <= passes < 30
    # the first assignment alone (centroids of the sample) gave some remarks another topic: settling mattered
    first, _ = CuratedTopics.of_partition(labels[inside], embeddings[inside], floor).assign(embeddings[~inside])
    assert (first != labels[~inside]).any()


def test_settling_stops_when_nothing_moves_and_keeps_the_fitted_remarks():
    from topics.fit.sample import settle

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    embeddings = np.vstack([c + 0.3 * rng.normal(size=(40, 8)) for c in centres]).astype(np.float32)
    truth = np.repeat([0, 1, 2], 40)
    final = truth.copy()
    rest = np.flatnonzero(np.arange(120) % 2 == 1)
    final[rest] = (truth[rest] + 1) % 3  # a wrong first assignment of every remark outside the "sample"
    similarity = np.zeros(120, np.float32)
    passes = settle(final, similarity, rest, embeddings, floor=-1.0)
    assert passes >= 2
    fitted = np.setdiff1d(np.arange(120), rest)
    assert (final[fitted] == truth[fitted]).all()  # the fitted remarks keep their topics
    assert (final[rest] == truth[rest]).all()  # well-separated groups: every remark back in its own
    targets = CuratedTopics.of_partition(final, embeddings, -1.0)
    assert (targets.assign(embeddings[rest])[0] == final[rest]).all()  # a fixed point
    assert (similarity[rest] > 0).all()


def test_a_sampled_run_counts_every_remark_in_sizes_groups_words_and_members(sampled_run):
    kept = sampled_run.kept
    topics = sampled_run.joint.topics
    placed = kept[kept["topic"] != OUTLIER]
    assert {t.id: t.size for t in topics} == placed["topic"].value_counts().to_dict()
    for topic in topics:
        assert sum(topic.group_counts.values()) == topic.size
        assert topic.words and topic.label == ", ".join(w for w, _ in topic.words[:3])
    assert sampled_run.joint.metrics["remarks"] == len(kept)
    assert sampled_run.joint.metrics["fit_sample_remarks"] == int(kept["in_sample"].sum())
    members = sampled_run.members
    assert len(members) == len(kept) and not members.isna().any().any()
    assert (sampled_run.path / "stability.json").exists()
    for name, topic_set in sampled_run.groups.items():  # a group's model holds every remark of its group
        group = kept[kept["group"] == name]
        assert sum(t.size for t in topic_set.topics) == (group["group_topic"] != OUTLIER).sum()
        assert group["group_topic"].notna().all()


def test_a_corpus_smaller_than_the_sample_size_is_fitted_whole(tmp_path):
    from conftest import FakeEncoder

    run = fit_run(load_config("configs/tiny.yaml"), out=tmp_path / "whole", encoder=FakeEncoder())
    assert "in_sample" not in run.remarks and run.provenance["sample"]["assigned"] == 0


READER = """
import re, sys
from corpora import load_corpus
from topics.core.config import CorpusConfig
import pandas as pd

def peak():  # this process's peak RSS in bytes (VmHWM starts afresh at exec; ru_maxrss keeps the parent's)
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) * 1024

config = CorpusConfig(path=sys.argv[1], columns={"text": "said", "role": "who", "session": "session"},
                      keep_roles=["therapist"])
before = peak()
corpus = load_corpus(config, chunk_rows=1000)
chunked = peak() - before
whole = pd.read_csv(sys.argv[1], dtype=str)
print(len(corpus), chunked, peak() - before - chunked)
"""


def test_reading_a_file_larger_than_a_chunk_holds_only_the_kept_rows_and_mapped_columns(tmp_path):
    path = tmp_path / "wide.csv"
    rows = 20_000
    frame = pd.DataFrame(
        {
            "session": np.repeat(np.arange(rows // 50), 50).astype(str),
            "who": np.tile(["therapist", "client"], rows // 2),
            "said": [f"remark {i} about sleep and work" for i in range(rows)],
            "notes": [f"{i:06d}" + "x" * 3000 for i in range(rows)],
        }
    )  # an annotation column nobody maps
    frame.to_csv(path, index=False)
    size = path.stat().st_size
    result = subprocess.run([sys.executable, "-c", READER, str(path)], capture_output=True, text=True, check=True)
    remarks, chunked, whole = map(int, result.stdout.split())
    assert remarks == rows // 2
    assert chunked < size * 0.4  # a 60 MB file: chunks of 1,000 rows plus the kept remarks, about 17 MB
    assert whole > size  # reading it whole: about 200 MB, measured in the same process


def test_chunked_reading_gives_the_same_corpus_in_every_format(tmp_path):
    frame = pd.DataFrame(
        {
            "session": ["a", "a", "b", "b", "c"],
            "who": ["therapist", "client"] * 2 + ["therapist"],
            "said": ["one", "two", "three", "four", "five"],
            "extra": list("vwxyz"),
        }
    )
    columns = {"text": "said", "role": "who", "session": "session"}
    for fmt, write in (
        ("csv", lambda p: frame.to_csv(p, index=False)),
        ("jsonl", lambda p: frame.to_json(p, orient="records", lines=True)),
        ("parquet", lambda p: frame.to_parquet(p, index=False)),
    ):
        path = tmp_path / f"corpus.{fmt}"
        write(path)
        config = CorpusConfig(path=path, format=fmt, columns=columns, keep_roles=["therapist"])
        whole, chunked = load_corpus(config), load_corpus(config, chunk_rows=2)
        pd.testing.assert_frame_equal(whole.frame, chunked.frame)
        assert chunked.frame["remark_id"].tolist() == ["r0", "r2", "r4"]  # data rows of the whole file
        assert chunked.role_counts == {"therapist": 3, "client": 2}


@pytest.mark.slow
def test_a_local_dask_cluster_of_two_workers_gives_the_run_of_a_single_process(tmp_path):
    """Both fits run as a user runs them (``topics fit``): worker processes start from the command's own module."""
    from conftest import topics_cmd

    from topics.core.run import load_fitted_run

    settings = ["--set", "fit.sample_size=300", "--set", "embed.model=stand-in", "--set", "embed.cache=false"]
    alone = topics_cmd("fit", "configs/tiny.yaml", *settings, "--out", tmp_path / "alone")
    clustered = topics_cmd(
        "fit",
        "configs/tiny.yaml",
        *settings,
        "--set",
        "compute.workers=2",
        "--set",
        "compute.partition=100",
        "--scheduler",
        "local",
        "--out",
        tmp_path / "cluster",
    )
    assert alone.returncode == 0, alone.stderr
    assert clustered.returncode == 0, clustered.stderr
    alone, clustered = load_fitted_run(tmp_path / "alone"), load_fitted_run(tmp_path / "cluster")
    assert clustered.provenance["scheduler"] == "local"
    assert clustered.provenance["embedding"]["cluster_workers"] == 2  # both workers embedded partitions
    assert clustered.provenance["embedding"]["encoded"] == alone.provenance["embedding"]["encoded"] > 500
    np.testing.assert_allclose(
        np.load(clustered.path / EMBEDDINGS_FILE), np.load(alone.path / EMBEDDINGS_FILE), atol=1e-6
    )
    columns = ["remark_id", "topic", "group_topic", "in_sample", "attached"]
    pd.testing.assert_frame_equal(clustered.remarks[columns], alone.remarks[columns])
    pd.testing.assert_frame_equal(clustered.members, alone.members)
    assert [t.words for t in clustered.joint.topics] == [t.words for t in alone.joint.topics]


@pytest.mark.slow  # waits for a Dask connection to time out
def test_an_unreachable_scheduler_is_a_clear_error_before_any_work(tmp_path):
    from conftest import topics_cmd

    result = topics_cmd("fit", "configs/tiny.yaml", "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "run")
    assert result.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "compute.scheduler: local" in result.stderr and not (tmp_path / "run").exists()
