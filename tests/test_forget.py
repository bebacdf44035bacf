"""A withdrawn session leaves the run folder, the tables reports read, and the embedding cache; nothing else."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEncoder

from topics import load_run
from topics.cli import main
from topics.core.errors import TopicsInputError
from topics.core.run import load_fitted_run
from topics.curate.editlog import Curator
from topics.curate.forget import forget_session
from topics.fit.clean import normalise
from topics.fit.embed import EmbeddingCache, text_keys
from topics.fit.runtime import cache_root
from topics.fit.topic_words import TopicWords
from topics.share.report import write_report

GONE, OTHER = "mi-05", "cbt-02"


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml")  # joint and per-group models, client turns kept
    return fit_run(config, out=tmp_path_factory.mktemp("forget") / "run", encoder=FakeEncoder()).path


@pytest.fixture
def run_folder(fitted_folder, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(fitted_folder, folder)
    return folder


def cached(texts):
    """Which of ``texts`` (normalised as the fit embeds them) the embedding cache of the fake encoder holds."""
    cache = EmbeddingCache(cache_root() / "embeddings", FakeEncoder.identity)
    found, _ = cache.lookup(text_keys([normalise(t) for t in texts]))
    return found


def test_a_withdrawn_session_leaves_every_table_and_the_cache_and_the_edits_still_apply(run_folder, tmp_path):
    fitted = load_fitted_run(run_folder)
    kept = fitted.kept
    gone_ids = kept.loc[kept["session"] == GONE, "remark_id"].tolist()
    other_id = kept.loc[kept["session"] == OTHER, "remark_id"].iloc[0]
    gone_texts = fitted.remarks.loc[fitted.remarks["session"] == GONE, "text"].tolist()
    assert cached(gone_texts[:5]).any() and cached([kept.loc[kept["remark_id"] == other_id, "text"].iloc[0]]).all()
    curator = Curator(run_folder)
    target = int(fitted.joint.topics[0].id)
    curator.record("move", "Ana", remarks=tuple(gone_ids[:2]), to=target)  # only the session's remarks
    curator.record("move", "Ana", remarks=(gone_ids[2], other_id), to=target)  # one of it, one of another session
    curator.record("rename", "Ana", topics=(target,), label="Opening the session")
    whole = write_report(Curator(run_folder), "md", tmp_path / "all.md")
    own = write_report(Curator(run_folder), "md", tmp_path / "own.md", session=GONE)
    write_report(Curator(run_folder), "md", tmp_path / "other.md", session=OTHER)
    embeddings_before = np.load(run_folder / "embeddings.npy")

    done = forget_session(run_folder, GONE, "Dr Obi")

    assert done.remarks == (fitted.remarks["session"] == GONE).sum() > 0
    assert done.client_turns == (fitted.client_turns["session"] == GONE).sum() > 0
    assert [o["path"] for o in done.outputs] == [str(whole), str(own)]  # not the other session's report
    after = load_fitted_run(run_folder)
    assert GONE not in set(after.remarks["session"]) and GONE not in set(after.client_turns["session"])
    assert len(after.remarks) == len(fitted.remarks) - done.remarks
    embeddings = np.load(run_folder / "embeddings.npy")  # row i is the i-th kept remark, before and after
    np.testing.assert_array_equal(embeddings, embeddings_before[fitted.kept["session"].to_numpy() != GONE])
    assert len(embeddings) == len(after.kept)
    assert after.members["remark_id"].tolist() == after.kept["remark_id"].tolist()
    words = TopicWords.open(run_folder, after.kept["text"], after.config["words"])
    vocabulary = set(words.vocabulary_.tolist())
    for name, topic_set in [("joint", after.joint), *after.groups.items()]:
        rows = after.kept if name == "joint" else after.kept[after.kept["group"] == name]
        for topic in topic_set.topics:
            members = rows[rows["topic" if name == "joint" else "group_topic"] == topic.id]
            assert topic.size == len(members)  # counted again without the session
            assert {w for w, _ in topic.words} <= vocabulary  # no word that only the session used
    model = json.loads((run_folder / "model" / "topics.json").read_text())
    assert len(model["topics"]) == len(after.kept)
    assert {w for pairs in model["topic_representations"].values() for w, _ in pairs if w} <= vocabulary
    ctfidf = json.loads((run_folder / "model" / "ctfidf_config.json").read_text())
    assert set(ctfidf["vectorizer_model"]["vocab"]) <= vocabulary
    for name in ("edits.jsonl", "provenance.json", "topics.json", "model/topics.json"):
        written = (run_folder / name).read_text()
        assert not any(text in written for text in gone_texts if len(text) > 25), name
    assert not cached(gone_texts).any() and cached([kept.loc[kept["remark_id"] == other_id, "text"].iloc[0]]).all()

    curated = Curator(run_folder, final=True)
    assert curated.warnings == []  # every edit still applies
    assert [status for _, status in curated.history()] == ["applied"] * 4
    run = curated.run
    assert run.kept.loc[run.kept["remark_id"] == other_id, "topic"].item() == target  # the rest of a move holds
    assert run.joint.topic(target).label == "Opening the session"
    assert "Withdrew session 'mi-05'" in curated.describe(curated.history()[-1][0])
    assert after.provenance["withdrawn"][0]["remark_ids"][:2] == gone_ids[:2]
    with pytest.raises(TopicsInputError, match="cannot be undone"):
        curated.record("undo", "Ana")
    with pytest.raises(TopicsInputError, match="withdrawn already"):
        forget_session(run_folder, GONE, "Dr Obi")
    assert load_run(run_folder).joint.topics  # the curated run opens as any other


def test_an_unknown_session_and_a_failed_rewrite_change_nothing(run_folder, monkeypatch, capsys):
    def files():
        return {
            p.relative_to(run_folder): p.read_bytes()
            for p in sorted(run_folder.rglob("*"))
            if p.is_file() and p.suffix != ".lock"
        }

    before = files()
    assert main(["forget", str(run_folder), "--session", "no-such-session"]) == 2
    assert "no session 'no-such-session'" in capsys.readouterr().err
    assert main(["forget", str(run_folder), "--session", GONE, "--dry-run"]) == 0
    assert "Dry run, nothing changed" in capsys.readouterr().out

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("topics.curate.forget._rewrite", broken)
    assert main(["forget", str(run_folder), "--session", GONE]) == 2
    assert "No space left" in capsys.readouterr().err
    assert files() == before
    assert sorted(p.name for p in run_folder.parent.iterdir()) == ["run"]  # no half-written sibling left


def test_the_cli_lists_the_reports_that_may_still_hold_the_session(run_folder, tmp_path, capsys):
    assert main(["report", str(run_folder), "--format", "md", "--out", str(tmp_path / "r.md")]) == 0
    assert main(["export", str(run_folder), "--bertopic", str(tmp_path / "exported")]) == 0
    capsys.readouterr()
    assert main(["forget", str(run_folder), "--session", GONE, "--author", "Dr Obi"]) == 0
    said = capsys.readouterr().out
    assert f"Session '{GONE}' withdrawn" in said and "by Dr Obi" in said
    assert "md report, redacted: " + str(tmp_path / "r.md") in said
    assert "BERTopic export, redacted: " + str(tmp_path / "exported") in said
    assert pd.read_parquet(run_folder / "remarks.parquet")["session"].ne(GONE).all()
