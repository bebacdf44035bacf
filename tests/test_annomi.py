"""The real thing: packaged MiniLM, UMAP and HDBSCAN on AnnoMI's 4,882 therapist remarks.

This is the claim of the default config: an expert-readable model, where plain
BERTopic gives 117 topics, 29 % outliers and 23 filler topics.
"""

import pytest

from conftest import ANNOMI
from topics.config import load_config
from topics.pipeline import fit_run

FILLERS = {"mm", "hmm", "uh", "um", "yeah", "okay", "ok", "oh", "right", "like", "know", "just", "really", "gonna"}


@pytest.mark.slow
def test_default_config_gives_a_readable_model_on_annomi(tmp_path):
    assert ANNOMI.exists(), "AnnoMI must be at ../shared/corpora/annomi (see README)"
    config = load_config("configs/annomi.yaml", ["fit.modes=[joint]"])
    run = fit_run(config, config_file=None, out=tmp_path / "annomi")
    metrics = run.metrics["joint"]
    assert run.provenance["cleaning"]["total"] == 4882
    assert run.provenance["cleaning"]["backchannel"] > 800  # "Mm-hmm." and friends are set aside, not lost
    assert 15 <= metrics["topic_count"] <= 60
    assert metrics["outlier_share"] <= 0.20
    assert metrics["filler_topics"] == 0
    for topic in run.joint.topics:
        words = {token for phrase in topic.top_words(10) for token in phrase.split()}
        assert not words & FILLERS, (topic.id, topic.top_words(10))
    # Themes an MI expert expects to find as topics of their own.
    labels = " ".join(" ".join(t.top_words(10)) for t in run.joint.topics)
    for theme in ("smoking", "drinking", "scale"):
        assert theme in labels
