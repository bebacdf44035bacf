"""UMAP and HDBSCAN on the CPU or on a GPU with cuML: the choice, the clear error, and the dispatch."""

import sys
import types

import numpy as np
import pytest
from conftest import FakeEncoder

from topics.core.config import load_config
from topics.core.errors import TopicsInputError
from topics.fit import backends
from topics.fit.pipeline import fit_run

HAS_GPU = backends.gpu_status()[0]


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine without cuML or a GPU, whatever this one has."""
    monkeypatch.setattr(backends, "gpu_status", lambda: (False, "cuML is not installed (pip install '.[gpu]' ...)"))


def test_auto_falls_back_to_the_cpu_and_cuml_without_a_gpu_is_a_clear_error(no_gpu):
    assert backends.resolve("cpu", "reduce.backend") == "cpu"
    assert backends.resolve("auto", "reduce.backend") == "cpu"
    with pytest.raises(TopicsInputError, match=r"cluster.backend: cuml was asked for, but .*Set cluster.backend: auto"):
        backends.resolve("cuml", "cluster.backend")


def test_fit_asking_for_cuml_without_it_exits_2_and_writes_nothing(no_gpu, tmp_path, capsys):
    from topics.cli import main

    code = main(
        [
            "fit",
            "configs/tiny.yaml",
            "--set",
            "reduce.method=umap",
            "--set",
            "reduce.backend=cuml",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert code == 2 and "reduce.backend: cuml was asked for" in capsys.readouterr().err
    assert not (tmp_path / "run").exists() and not list(tmp_path.iterdir())


def test_a_gpu_backend_sends_umap_and_hdbscan_to_cuml(tmp_path, monkeypatch):
    """With cuML present (a stand-in module here), layouts and clusters come from its classes."""
    import hdbscan
    from sklearn.decomposition import PCA

    calls = []

    class StandInUMAP:  # cuML's UMAP signature; PCA underneath
        def __init__(self, n_neighbors, n_components, min_dist, metric, random_state):
            calls.append(("umap", n_components, random_state))
            self.n_components, self.random_state = n_components, random_state

        def fit_transform(self, X):
            return PCA(self.n_components, random_state=self.random_state).fit_transform(np.asarray(X))

    class StandInHDBSCAN(hdbscan.HDBSCAN):
        def fit(self, X, y=None):
            calls.append(("hdbscan", len(X)))
            return super().fit(X, y)

    cuml = types.ModuleType("cuml")
    cuml.manifold = types.ModuleType("cuml.manifold")
    cuml.manifold.UMAP = StandInUMAP
    cuml.cluster = types.ModuleType("cuml.cluster")
    cuml.cluster.HDBSCAN = StandInHDBSCAN
    monkeypatch.setitem(sys.modules, "cuml", cuml)
    monkeypatch.setitem(sys.modules, "cuml.manifold", cuml.manifold)
    monkeypatch.setitem(sys.modules, "cuml.cluster", cuml.cluster)
    monkeypatch.setattr(backends, "gpu_status", lambda: (True, ""))
    config = load_config(
        "configs/tiny.yaml",
        [
            "reduce.method=umap",
            "reduce.backend=auto",
            "cluster.backend=cuml",
            "consensus.members=3",
            "fit.modes=[joint]",
        ],
    )
    run = fit_run(config, out=tmp_path / "run", encoder=FakeEncoder())
    assert [c for c in calls if c[0] == "umap"] == [("umap", 5, seed) for seed in run.provenance["consensus"]["seeds"]]
    assert any(c[0] == "hdbscan" for c in calls) and run.provenance["backends"] == {"reduce": "cuml", "cluster": "cuml"}
    assert len(run.joint.topics) >= 2


@pytest.mark.skipif(not HAS_GPU, reason="needs cuML and a CUDA GPU (pip install '.[gpu]')")
def test_the_real_cuml_path_fits_the_demo_corpus(tmp_path):
    config = load_config("configs/tiny.yaml", ["reduce.method=umap", "reduce.backend=cuml", "cluster.backend=cuml"])
    run = fit_run(config, out=tmp_path / "run", encoder=FakeEncoder())
    assert run.provenance["backends"] == {"reduce": "cuml", "cluster": "cuml"} and len(run.joint.topics) >= 2
