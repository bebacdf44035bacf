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
pays only for its layout (about 3 s for AnnoMI's 2,852 remarks on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from topics.config import ReduceConfig

EXACT_NEIGHBOURS = 20_000


def nearest_neighbours(X: np.ndarray, k: int, metric: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, distances) of each row's ``k`` nearest rows, itself first, as UMAP's ``precomputed_knn`` wants.

    Exact up to ``EXACT_NEIGHBOURS`` rows; beyond that NN-descent, as UMAP itself would use.
    """
    k = min(k, X.shape[0] - 1)
    if X.shape[0] <= EXACT_NEIGHBOURS:
        from sklearn.neighbors import NearestNeighbors

        distances, indices = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(X).kneighbors(X)
        return indices.astype(np.int32), np.maximum(distances, 0).astype(np.float32)
    from pynndescent import NNDescent

    indices, distances = NNDescent(X, n_neighbors=k, metric=metric, random_state=seed).neighbor_graph
    return indices, distances


class CachedReducer:
    """UMAP or PCA whose training output is cached; scikit-learn conventions.

    ``embedding_`` holds the reduced training data after :meth:`fit`;
    ``from_cache_`` says whether it came from disk and ``fit_seconds_`` how
    long the computation took (0 from cache).
    """

    def __init__(self, method: str = "umap", n_neighbors: int = 15, n_components: int = 5,
                 min_dist: float = 0.0, metric: str = "cosine", random_state: int = 42,
                 cache_dir: Path | None = None, neighbours: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.method = method
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state
        self.cache_dir = cache_dir
        self.neighbours = neighbours

    @classmethod
    def from_config(cls, config: ReduceConfig, seed: int, cache_dir: Path | None) -> CachedReducer:
        return cls(**config.model_dump(), random_state=seed, cache_dir=cache_dir)

    def _params(self) -> dict[str, Any]:
        # "graph": layouts are computed from the exact neighbour graph (see nearest_neighbours), not
        # UMAP's own; the tag keeps older cache entries, made the other way, from being reused.
        return {**{k: getattr(self, k) for k in ("method", "n_neighbors", "n_components", "min_dist", "metric",
                                                  "random_state")}, "graph": "shared-exact-v1"}

    def _key(self, X: np.ndarray) -> str:
        digest = hashlib.sha256(json.dumps(self._params(), sort_keys=True).encode())
        digest.update(str(X.shape).encode())
        digest.update(np.ascontiguousarray(X, dtype=np.float32).tobytes())
        return digest.hexdigest()[:32]

    def fit(self, X: np.ndarray, y: Any = None) -> CachedReducer:
        X = np.asarray(X, dtype=np.float32)
        self.train_key_ = self._key(X)
        cached = self._cache_file(self.train_key_)
        if cached is not None and cached.exists():
            self.embedding_ = np.load(cached, allow_pickle=False)
            self.from_cache_ = True
            self.fit_seconds_ = 0.0
            return self
        started = time.perf_counter()
        self.embedding_ = self._compute(X)
        self.fit_seconds_ = time.perf_counter() - started
        self.from_cache_ = False
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temporary = cached.with_suffix(f".{os.getpid()}.tmp")
            with open(temporary, "wb") as handle:
                np.save(handle, self.embedding_, allow_pickle=False)
            os.replace(temporary, cached)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Only the training data can be transformed: new remarks are placed by BERTopic's saved model."""
        if self._key(np.asarray(X, dtype=np.float32)) != self.train_key_:
            raise ValueError("CachedReducer.transform accepts only the matrix it was fitted on")
        return self.embedding_

    def fit_transform(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(X, y).embedding_

    def is_cached(self, X: np.ndarray) -> bool:
        cached = self._cache_file(self._key(np.asarray(X, dtype=np.float32)))
        return cached is not None and cached.exists()

    def _cache_file(self, key: str) -> Path | None:
        return None if self.cache_dir is None else Path(self.cache_dir) / f"{key}.npy"

    def _compute(self, X: np.ndarray) -> np.ndarray:
        n_components = min(self.n_components, X.shape[0] - 2, X.shape[1])
        if self.method == "pca":
            from sklearn.decomposition import PCA

            return PCA(n_components=n_components, random_state=self.random_state).fit_transform(X).astype(np.float32)
        from umap import UMAP

        n_neighbors = min(self.n_neighbors, X.shape[0] - 1)
        neighbours = self.neighbours or nearest_neighbours(X, n_neighbors, self.metric, self.random_state)
        reducer = UMAP(
            n_neighbors=n_neighbors, n_components=n_components, min_dist=self.min_dist, metric=self.metric,
            random_state=self.random_state, n_jobs=1, precomputed_knn=(*neighbours, None),
        )
        with warnings.catch_warnings():  # "no search index": we never transform new data with UMAP
            warnings.filterwarnings("ignore", message=".*knn_search_index.*")
            return reducer.fit_transform(X).astype(np.float32)


class MultiSeedReducer:
    """The same embeddings reduced once per seed, side by side: ``embedding_`` is (n, seeds x components).

    :class:`topics.consensus.ConsensusClusterer` splits the blocks again. The
    neighbour graph is computed once, and only when some seed's layout is not
    already cached.
    """

    def __init__(self, config: ReduceConfig, seeds: list[int], cache_dir: Path | None = None) -> None:
        self.config = config
        self.seeds = seeds
        self.cache_dir = cache_dir

    def fit(self, X: np.ndarray, y: Any = None) -> MultiSeedReducer:
        X = np.asarray(X, dtype=np.float32)
        self.reducers_ = [CachedReducer.from_config(self.config, seed, self.cache_dir) for seed in self.seeds]
        missing = [r for r in self.reducers_ if not r.is_cached(X)]
        if missing and self.config.method == "umap":
            graph = nearest_neighbours(X, min(self.config.n_neighbors, X.shape[0] - 1), self.config.metric, self.seeds[0])
            for reducer in missing:
                reducer.neighbours = graph
        started = time.perf_counter()
        self.embedding_ = np.hstack([r.fit(X).embedding_ for r in self.reducers_])
        self.fit_seconds_ = time.perf_counter() - started if missing else 0.0
        self.train_key_ = self.reducers_[0].train_key_
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        for reducer in self.reducers_:
            reducer.transform(X)  # raises for anything but the training matrix
        return self.embedding_

    def fit_transform(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(X, y).embedding_
