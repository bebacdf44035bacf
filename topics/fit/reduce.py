"""Dimensionality reduction with its result cached on disk.

UMAP is the slowest step after embedding. Its output depends only on the
embeddings, its parameters and the seed, so :class:`CachedReducer` stores the
reduced coordinates under a hash of those: a refit that changes only the
clustering or topic-word settings skips UMAP entirely. BERTopic calls it like
any scikit-learn reducer (``fit`` then ``transform`` on the same matrix).

A consensus fit reduces the same embeddings with several seeds
(:class:`MultiSeedReducer`). The nearest-neighbour graph does not depend on
the seed, so it is computed once, exactly (brute force) up to
``EXACT_NEIGHBOURS`` remarks, and handed to every seed's UMAP: each seed then
pays only for its layout (about 2.8 s for AnnoMI's 2,852 remarks). UMAP with a
fixed seed runs on one core, so the layouts are computed by a pool of worker
processes, one per core: 10 layouts of AnnoMI take 16 s on 2 cores instead
of 27 s, and are identical to the ones computed in one process.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from topics.core.config import ReduceConfig
from topics.core.files import atomic_file
from topics.core.progress import progress_bar
from topics.fit.backends import resolve, umap_class
from topics.fit.runtime import import_compiled

EXACT_NEIGHBOURS = 20_000
#: Below this many remarks a layout takes under a second, less than starting a worker process.
POOL_MIN_REMARKS = 1_000


def nearest_neighbours(X: np.ndarray, k: int, metric: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, distances) of each row's ``k`` nearest rows, itself first, as UMAP's ``precomputed_knn`` wants.

    Exact up to ``EXACT_NEIGHBOURS`` rows; beyond that NN-descent, as UMAP itself would use.
    """
    k = min(k, X.shape[0] - 1)
    if X.shape[0] <= EXACT_NEIGHBOURS:
        from sklearn.neighbors import NearestNeighbors

        distances, indices = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(X).kneighbors(X)
        return indices.astype(np.int32), np.maximum(distances, 0).astype(np.float32)
    indices, distances = (
        import_compiled("pynndescent").NNDescent(X, n_neighbors=k, metric=metric, random_state=seed).neighbor_graph
    )
    return indices, distances


def data_digest(X: np.ndarray) -> str:
    """SHA-256 of a matrix's shape and float32 values: what a reduction's cache key says about the data."""
    digest = hashlib.sha256(str(np.shape(X)).encode())
    digest.update(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    return digest.hexdigest()


class CachedReducer:
    """UMAP or PCA whose training output is cached; scikit-learn conventions.

    ``embedding_`` holds the reduced training data after :meth:`fit`;
    ``from_cache_`` says whether it came from disk and ``fit_seconds_`` how
    long the computation took (0 from cache).
    """

    def __init__(
        self,
        method: str = "umap",
        n_neighbors: int = 15,
        n_components: int = 5,
        min_dist: float = 0.0,
        metric: str = "cosine",
        random_state: int = 42,
        cache_dir: Path | None = None,
        neighbours: tuple[np.ndarray, np.ndarray] | None = None,
        backend: str = "cpu",
    ) -> None:
        self.method = method
        self.backend = backend
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state
        self.cache_dir = cache_dir
        self.neighbours = neighbours

    @classmethod
    def from_config(cls, config: ReduceConfig, seed: int, cache_dir: Path | None) -> CachedReducer:
        """A reducer with ``config``'s settings and ``seed``; ``reduce.backend`` is resolved here (PCA always runs on
        the CPU), so a cuML asked for and missing raises ``TopicsInputError``."""
        settings = config.model_dump()
        requested = settings.pop("backend")
        backend = resolve(requested, "reduce.backend") if config.method == "umap" else "cpu"  # PCA: always the CPU
        return cls(**settings, random_state=seed, cache_dir=cache_dir, backend=backend)

    def layout_params(self) -> dict[str, Any]:
        """What the layout depends on besides the data: enough to make the same reducer in another process."""
        return {
            k: getattr(self, k)
            for k in ("method", "n_neighbors", "n_components", "min_dist", "metric", "random_state", "backend")
        }

    def _params(self) -> dict[str, Any]:
        # "graph": layouts are computed from the exact neighbour graph (see nearest_neighbours), not
        # UMAP's own; the tag keeps older cache entries, made the other way, from being reused.
        params = self.layout_params()
        if params["backend"] == "cpu":  # CPU layouts keep the keys they had before GPUs were an option
            del params["backend"]
        return {**params, "graph": "shared-exact-v1"}

    def _key(self, data: str) -> str:
        """Cache key of this reducer's output for the matrix whose :func:`data_digest` is ``data``."""
        return hashlib.sha256((json.dumps(self._params(), sort_keys=True) + data).encode()).hexdigest()[:32]

    def fit(
        self, X: np.ndarray, y: Any = None, layout: np.ndarray | None = None, digest: str | None = None
    ) -> CachedReducer:
        """Reduce ``X``, or load its reduction from the cache.

        ``layout`` is this reducer's result computed elsewhere (a worker
        process of :class:`MultiSeedReducer`); it is kept and cached as if
        computed here. ``digest`` is ``data_digest(X)`` when the caller has it
        already: hashing the matrix once serves every seed.
        """
        X = np.asarray(X, dtype=np.float32)
        self.train_digest_ = digest or data_digest(X)
        cached = self._cache_file(self._key(self.train_digest_))
        if cached is not None and cached.exists():
            self.embedding_ = np.load(cached, allow_pickle=False)
            self.from_cache_ = True
            self.fit_seconds_ = 0.0
            return self
        started = time.perf_counter()
        self.embedding_ = self._compute(X) if layout is None else np.asarray(layout, dtype=np.float32)
        self.fit_seconds_ = time.perf_counter() - started
        self.from_cache_ = False
        if cached is not None:
            with atomic_file(cached) as temporary, open(temporary, "wb") as handle:
                np.save(handle, self.embedding_, allow_pickle=False)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Only the training data can be transformed: new remarks are placed by :mod:`topics.curate.assign`."""
        if data_digest(X) != self.train_digest_:
            raise ValueError("CachedReducer.transform accepts only the matrix it was fitted on")
        return self.embedding_

    def fit_transform(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        """The reduced ``X`` (``embedding_`` after :meth:`fit`); ``y`` is ignored."""
        return self.fit(X, y).embedding_

    def is_cached(self, digest: str) -> bool:
        """Whether the output for the matrix with this :func:`data_digest` is in the cache."""
        cached = self._cache_file(self._key(digest))
        return cached is not None and cached.exists()

    def _cache_file(self, key: str) -> Path | None:
        return None if self.cache_dir is None else Path(self.cache_dir) / f"{key}.npy"

    def _compute(self, X: np.ndarray) -> np.ndarray:
        n_components = min(self.n_components, X.shape[0] - 2, X.shape[1])
        if self.method == "pca":
            from sklearn.decomposition import PCA

            return PCA(n_components=n_components, random_state=self.random_state).fit_transform(X).astype(np.float32)
        n_neighbors = min(self.n_neighbors, X.shape[0] - 1)
        if self.backend == "cuml":  # cuML builds its own neighbour graph on the GPU
            reducer = umap_class("cuml")(
                n_neighbors=n_neighbors,
                n_components=n_components,
                min_dist=self.min_dist,
                metric=self.metric,
                random_state=self.random_state,
            )
            return np.asarray(reducer.fit_transform(X), dtype=np.float32)
        neighbours = self.neighbours or nearest_neighbours(X, n_neighbors, self.metric, self.random_state)
        reducer = umap_class("cpu")(
            n_neighbors=n_neighbors,
            n_components=n_components,
            min_dist=self.min_dist,
            metric=self.metric,
            random_state=self.random_state,
            n_jobs=1,
            precomputed_knn=(*neighbours, None),
        )
        with warnings.catch_warnings():  # "no search index": we never transform new data with UMAP
            warnings.filterwarnings("ignore", message=".*knn_search_index.*")
            return reducer.fit_transform(X).astype(np.float32)


def _layout(X: np.ndarray, params: dict[str, Any], graph: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return CachedReducer(**params, neighbours=graph)._compute(X)


def _compute_layouts(
    X: np.ndarray, graph: tuple[np.ndarray, np.ndarray], reducers: list[CachedReducer], workers: int
) -> list[np.ndarray]:
    """The reducers' layouts, by ``workers`` processes side by side when that pays (else in this process)."""
    on_gpu = any(r.backend == "cuml" for r in reducers)  # one GPU: worker processes would only queue for it
    if workers < 2 or len(reducers) < 2 or X.shape[0] < POOL_MIN_REMARKS or on_gpu:
        progress = progress_bar(len(reducers), "UMAP layouts", "layout", len(reducers) > 1)
        layouts = []
        for reducer in reducers:
            layouts.append(_layout(X, reducer.layout_params(), graph))
            progress.update()
        progress.close()
        return layouts
    return _layouts_in_processes(X, graph, [r.layout_params() for r in reducers], min(workers, len(reducers)))


def _layouts_in_processes(
    X: np.ndarray, graph: tuple[np.ndarray, np.ndarray], params: list[dict[str, Any]], workers: int
) -> list[np.ndarray]:
    """Layouts computed by ``workers`` new Python processes (``python -m topics.fit.layout_worker``).

    Plain subprocesses rather than multiprocessing: a spawned multiprocessing
    worker re-imports the caller's main script, which breaks any script
    without an ``if __name__ == "__main__"`` guard, and forking would copy
    torch's and numba's threads. Each worker reads the matrix and the graph
    from memory-mapped files and writes each layout atomically, so the
    parent can count finished layouts for its progress bar.
    """
    with tempfile.TemporaryDirectory(prefix="therapy-topics-layouts-") as name:
        folder = Path(name)
        np.save(folder / LAYOUT_INPUT, X)
        np.save(folder / LAYOUT_INDICES, graph[0])
        np.save(folder / LAYOUT_DISTANCES, graph[1])
        # the workers import this package from where this process found it, installed or not
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root(), os.environ.get("PYTHONPATH")])),
        }
        processes = []
        try:
            for w in range(workers):
                log = open(folder / f"worker-{w}.log", "wb")
                command = [
                    sys.executable,
                    "-m",
                    "topics.fit.layout_worker",
                    str(folder),
                    json.dumps(params[w::workers]),
                ]
                processes.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env), log))
            progress, done = progress_bar(len(params), "UMAP layouts", "layout"), 0
            while done < len(params) and any(process.poll() is None for process, _ in processes):
                time.sleep(0.2)
                finished = sum(layout_file(folder, p["random_state"]).exists() for p in params)
                progress.update(finished - done)
                done = finished
            for process, _ in processes:
                process.wait()
            progress.close()
        finally:
            for process, log in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                log.close()
        failed = [w for w, (process, _) in enumerate(processes) if process.returncode != 0]
        if failed:
            tail = (folder / f"worker-{failed[0]}.log").read_text(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(
                "a UMAP worker process failed (set compute.workers: 1 to compute the layouts in "
                "this process):\n" + "\n".join(tail)
            )
        return [np.load(layout_file(folder, p["random_state"])) for p in params]


LAYOUT_INPUT, LAYOUT_INDICES, LAYOUT_DISTANCES = "X.npy", "indices.npy", "distances.npy"


def package_root() -> str:
    """The folder that holds the ``topics`` package this process imported (as many levels above this module as
    its name has dots): what a worker process needs on its path to import the same code."""
    return str(Path(__file__).resolve().parents[__name__.count(".")])


def layout_file(folder: Path, seed: int) -> Path:
    """Where a layout worker saves the layout of the reducer seeded ``seed``, in ``folder``."""
    return folder / f"layout-{seed}.npy"


def compute_layouts_in(folder: Path, params: list[dict[str, Any]]) -> None:
    """What a worker process does: each layout of ``params`` from the files in ``folder``, saved atomically."""
    X = np.asarray(np.load(folder / LAYOUT_INPUT, mmap_mode="r"))
    graph = (np.load(folder / LAYOUT_INDICES), np.load(folder / LAYOUT_DISTANCES))
    for one in params:
        layout = _layout(X, one, graph)
        with atomic_file(layout_file(folder, one["random_state"])) as temporary, open(temporary, "wb") as handle:
            np.save(handle, layout, allow_pickle=False)


class MultiSeedReducer:
    """The same embeddings reduced once per seed, side by side: ``embedding_`` is (n, seeds x components).

    :class:`topics.fit.consensus.ConsensusClusterer` splits the blocks again. The
    neighbour graph is computed once, and only when some seed's layout is not
    already cached; missing layouts are computed by up to ``workers``
    processes.
    """

    def __init__(self, config: ReduceConfig, seeds: list[int], cache_dir: Path | None = None, workers: int = 1) -> None:
        self.config = config
        self.seeds = seeds
        self.cache_dir = cache_dir
        self.workers = workers

    def fit(self, X: np.ndarray, y: Any = None) -> MultiSeedReducer:
        """Reduce ``X`` once per seed: cached layouts are loaded, the rest computed from one shared neighbour
        graph by up to ``workers`` processes; ``y`` is ignored."""
        X = np.asarray(X, dtype=np.float32)
        self.train_digest_ = data_digest(X)
        self.reducers_ = [CachedReducer.from_config(self.config, seed, self.cache_dir) for seed in self.seeds]
        missing = [r for r in self.reducers_ if not r.is_cached(self.train_digest_)]
        started = time.perf_counter()
        layouts: dict[int, np.ndarray] = {}
        if missing and self.config.method == "umap":
            graph = nearest_neighbours(
                X, min(self.config.n_neighbors, X.shape[0] - 1), self.config.metric, self.seeds[0]
            )
            computed = _compute_layouts(X, graph, missing, self.workers)
            layouts = {r.random_state: layout for r, layout in zip(missing, computed)}
        self.embedding_ = np.hstack(
            [r.fit(X, layout=layouts.get(r.random_state), digest=self.train_digest_).embedding_ for r in self.reducers_]
        )
        self.fit_seconds_ = time.perf_counter() - started if missing else 0.0
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Only the training data can be transformed (hashed once for all seeds)."""
        if data_digest(X) != self.train_digest_:
            raise ValueError("MultiSeedReducer.transform accepts only the matrix it was fitted on")
        return self.embedding_

    def fit_transform(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        """The seeds' layouts of ``X`` side by side (``embedding_`` after :meth:`fit`); ``y`` is ignored."""
        return self.fit(X, y).embedding_
