"""Stability across seeds on corpora whose structure the test knows."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FakeEncoder

from topics.analysis import seed_stability
from topics.core.config import validate_config
from topics.core.run import Topic, TopicSet
from topics.fit import stability
from topics.fit.pipeline import fit_run, prepare

THEMES = [
    "sleep night bed tired insomnia",
    "drinking alcohol beer wine pub",
    "work boss office deadline job",
    "mother father childhood family parents",
    "smoking cigarettes quit nicotine patch",
]


def separated_corpus(path, per_theme=60, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for t, theme in enumerate(THEMES):
        words = theme.split()
        for i in range(per_theme):
            rows.append(
                {
                    "text": " ".join(rng.choice(words, size=4)) + f" remark{t}",
                    "speaker": "therapist",
                    "session": f"s{i % 10}",
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.slow  # refits with UMAP
def test_clearly_separated_clusters_are_scored_stable(tmp_path):
    separated_corpus(tmp_path / "corpus.csv")
    config = validate_config(
        {
            "seed": 1,
            "corpus": {
                "path": str(tmp_path / "corpus.csv"),
                "columns": {"text": "text", "role": "speaker", "session": "session"},
            },
            "clean": {"min_content_words": 1},
            "cluster": {"min_cluster_size": 20, "min_samples": 5},
            "fit": {"modes": ["joint"]},
        }
    )
    prepared = prepare(config, encoder=FakeEncoder())
    run = fit_run(config, out=tmp_path / "run", prepared=prepared)
    assert len(run.joint.topics) == 5
    refits = seed_stability.refit_seeds(prepared, config, [2, 3, 4])
    result = stability.score(run.joint, run.kept["topic"].to_numpy(dtype=int), refits, 1)
    assert result.topics["stable"].all() and (result.topics["stability"] == 1.0).all()
    assert (result.pairwise["ari"] > 0.9).all()
    assert set(result.topic_counts.values()) == {5}
    stability.write(result, run.path)
    assert json.loads((run.path / "stability.json").read_text())["seeds"] == [1, 2, 3, 4]
    assert stability.load(run.path)["stability"].tolist() == [1.0] * 5


def test_a_topic_missing_from_refits_is_unstable():
    rng = np.random.default_rng(0)
    centroids = rng.normal(size=(3, 8)).astype(np.float32)
    reference = TopicSet("joint", [Topic(i, f"t{i}", [(f"w{i}", 1.0)], 10) for i in range(3)], centroids)
    partial = TopicSet("joint", [Topic(i, f"t{i}", [(f"w{i}", 1.0)], 10) for i in range(2)], centroids[:2])
    assignments = np.repeat([0, 1, 2], 10)
    refits = {2: (partial, np.repeat([0, 1, 1], 10)), 3: (reference, assignments)}
    result = stability.score(reference, assignments, refits, 1).topics.set_index("topic")
    assert result.loc[0, "stability"] == 1.0 and result.loc[2, "stability"] == 0.5
    assert not result.loc[2, "stable"]
