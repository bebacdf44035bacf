"""Reducing with several seeds: worker processes give the layouts one process gives, and fail loudly."""

from pathlib import Path

import numpy as np
import pytest

from topics.core.config import ReduceConfig
from topics.fit import reduce
from topics.fit.reduce import MultiSeedReducer, nearest_neighbours


def points(n=240, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(4, dim))
    return (centres[np.arange(n) % 4] + rng.normal(0, 1, size=(n, dim))).astype(np.float32)


def test_worker_processes_give_the_layouts_of_one_process_and_fill_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(reduce, "POOL_MIN_REMARKS", 100)  # small data, so the test stays fast
    X, seeds = points(), [3, 4, 5]
    alone = MultiSeedReducer(ReduceConfig(n_neighbors=10), seeds, tmp_path / "one", workers=1).fit(X)
    pooled = MultiSeedReducer(ReduceConfig(n_neighbors=10), seeds, tmp_path / "pool", workers=2).fit(X)
    assert pooled.embedding_.shape == (len(X), 3 * 5)
    np.testing.assert_array_equal(pooled.embedding_, alone.embedding_)
    again = MultiSeedReducer(ReduceConfig(n_neighbors=10), seeds, tmp_path / "pool", workers=2).fit(X)
    assert again.fit_seconds_ == 0.0 and all(r.from_cache_ for r in again.reducers_)
    np.testing.assert_array_equal(again.embedding_, alone.embedding_)


def test_a_failing_worker_is_reported_with_its_error_and_what_to_do():
    X = points(60)
    graph = nearest_neighbours(X, 10, "cosine", 0)
    params = {
        "method": "umap",
        "n_neighbors": 10,
        "n_components": 2,
        "min_dist": 0.0,
        "metric": "no-such-metric",
        "random_state": 1,
    }
    with pytest.raises(RuntimeError, match=r"(?s)compute.workers: 1.*metric is neither callable"):
        reduce._layouts_in_processes(X, graph, [params, {**params, "random_state": 2}], workers=2)


def test_the_matrix_is_hashed_once_for_all_seeds_and_only_it_can_be_transformed(tmp_path, monkeypatch):
    hashed = []
    real = reduce.data_digest
    monkeypatch.setattr(reduce, "data_digest", lambda X: hashed.append(1) or real(X))
    X = points(120)
    reducer = MultiSeedReducer(ReduceConfig(method="pca"), [1, 2, 3, 4], tmp_path).fit(X)
    np.testing.assert_array_equal(reducer.transform(X), reducer.embedding_)
    assert len(hashed) == 2  # once to fit four seeds, once to check the matrix handed to transform
    with pytest.raises(ValueError, match="only the matrix it was fitted on"):
        reducer.transform(X + 1)


def test_worker_processes_import_the_package_this_process_imported():
    """Workers get the folder that holds `topics` on their path, wherever the package was found."""
    import topics

    assert Path(reduce.package_root()) == Path(topics.__file__).resolve().parent.parent
