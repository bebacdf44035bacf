"""Sampling checked where the truth is known: a planted corpus (corpora/planted.py) fitted whole and on a sample.

The small, fast version of ``benchmarks/sampling_planted.py`` (issue 26): PCA instead of UMAP, 2,000 remarks
of six themes, a sample of 1,000 remarks of whole sessions.
"""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from corpora import corpus_from_frame
from corpora.planted import BACKGROUND, CORPUS_MAPPING, PlantedEncoder, planted_corpus
from topics.core.config import validate_config
from topics.fit.clean import normalise
from topics.fit.pipeline import fit_run

SHARES = (0.35, 0.25, 0.15, 0.10, 0.07, 0.05)


def test_a_planted_corpus_mixes_its_themes_in_sessions_at_their_shares():
    corpus = planted_corpus(20_000, SHARES, seed=3)
    frame = corpus.frame
    assert len(frame) == 20_000 and frame["session"].nunique() == 400
    realised = frame["theme"].value_counts(normalize=True)
    for theme, share in zip(corpus.themes, SHARES):
        assert realised[theme] == pytest.approx(share, abs=0.03)
    assert realised[BACKGROUND] == pytest.approx(0.03, abs=0.02)
    themes_per_session = frame.groupby("session")["theme"].nunique()
    assert themes_per_session.max() <= 3 and themes_per_session.mean() > 2  # a few themes each, Dirichlet-weighted
    assert frame["text"].is_unique
    assert all(normalise(t) == t for t in frame["text"].head(500))  # the encoder sees the texts as written
    again = planted_corpus(20_000, SHARES, seed=3).frame
    assert again.equals(frame) and not planted_corpus(20_000, SHARES, seed=4).frame.equals(frame)


def test_the_planted_encoder_draws_unit_vectors_around_each_theme_s_centre_whatever_the_batch():
    corpus = planted_corpus(2_000, SHARES, seed=0)
    encoder = corpus.encoder(spread=1.5)
    texts = corpus.frame["text"].tolist()
    vectors = encoder.encode(texts)
    assert vectors.shape == (2_000, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(encoder.encode(texts[::-1])[::-1], vectors)
    np.testing.assert_array_equal(corpus.encoder(spread=1.5).encode(texts[:3]), vectors[:3])
    themes = corpus.frame["theme"].to_numpy()
    first, second = (themes == "theme00"), (themes == "theme01")
    within = vectors[first][:200] @ vectors[first][200:400].T
    across = vectors[first][:200] @ vectors[second][:200].T
    assert within.mean() == pytest.approx(1 / (1 + 1.5**2), abs=0.03)  # 0.31
    assert abs(across.mean()) < 0.02
    assert "not a sentence encoder" in encoder.identity != corpus.encoder(spread=1.0).identity
    with pytest.raises(KeyError):
        encoder.encode(["a remark the corpus does not hold"])
    assert isinstance(encoder, PlantedEncoder)


def _fit(corpus, sample_size, folder):
    config = validate_config(
        {
            "name": "planted",
            "seed": 5,
            "corpus": {"path": "planted", **CORPUS_MAPPING},
            "embed": {"cache": False},
            "reduce": {"method": "pca", "n_components": 5},
            "fit": {"modes": ["joint"], "sample_size": sample_size},
        }
    )
    return fit_run(config, out=folder, encoder=corpus.encoder(), corpus=corpus_from_frame(corpus.frame, config.corpus))


def test_a_fit_on_a_sample_of_sessions_recovers_the_planted_themes_as_well_as_a_full_fit(tmp_path):
    corpus = planted_corpus(2_000, SHARES, seed=5)
    full = _fit(corpus, None, tmp_path / "full")
    sampled = _fit(corpus, 1_000, tmp_path / "sampled")
    assert "in_sample" not in full.kept and 800 < sampled.kept["in_sample"].sum() <= 1_000
    truth = full.kept["meta_theme"].to_numpy(dtype=object)
    assert (sampled.kept["meta_theme"].to_numpy(dtype=object) == truth).all()
    full_ari = adjusted_rand_score(truth, full.kept["topic"].to_numpy(dtype=int))
    sampled_ari = adjusted_rand_score(truth, sampled.kept["topic"].to_numpy(dtype=int))
    assert full.metrics["joint"]["ari_theme"] == pytest.approx(full_ari)  # the pipeline's own figure
    assert full_ari > 0.9
    assert sampled_ari >= full_ari - 0.05
    junk = sampled.metrics["joint"]["junk_share"] - full.metrics["joint"]["junk_share"]
    assert abs(junk) <= 0.02
