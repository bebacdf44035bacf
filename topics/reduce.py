"""Dimensionality reduction with its result cached on disk.

UMAP is the slowest step after embedding. Its output depends only on the
embeddings, its parameters and the seed, so :class:`CachedReducer` stores the
reduced coordinates under a hash of those: a refit that changes only the
clustering or topic-word settings skips UMAP entirely. BERTopic calls it like
any scikit-learn reducer (``fit`` then ``transform`` on the same matrix).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from topics.config import ReduceConfig


class CachedReducer:
    """UMAP or PCA whose training output is cached; scikit-learn conventions.

    ``embedding_`` holds the reduced training data after :meth:`fit`;
    ``from_cache_`` says whether it came from disk and ``fit_seconds_`` how
    long the computation took (0 from cache).
    """

    def __init__(self, method: str = "umap", n_neighbors: int = 15, n_components: int = 5,
                 min_dist: float = 0.0, metric: str = "cosine", random_state: int = 42,
                 cache_dir: Path | None = None) -> None:
        self.method = method
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state
        self.cache_dir = cache_dir

    @classmethod
    def from_config(cls, config: ReduceConfig, seed: int, cache_dir: Path | None) -> CachedReducer:
        return cls(**config.model_dump(), random_state=seed, cache_dir=cache_dir)

    def _params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("method", "n_neighbors", "n_components", "min_dist", "metric", "random_state")}

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

    def _cache_file(self, key: str) -> Path | None:
        return None if self.cache_dir is None else Path(self.cache_dir) / f"{key}.npy"

    def _compute(self, X: np.ndarray) -> np.ndarray:
        n_components = min(self.n_components, X.shape[0] - 2, X.shape[1])
        if self.method == "pca":
            from sklearn.decomposition import PCA

            return PCA(n_components=n_components, random_state=self.random_state).fit_transform(X).astype(np.float32)
        from umap import UMAP

        reducer = UMAP(
            n_neighbors=min(self.n_neighbors, X.shape[0] - 1), n_components=n_components,
            min_dist=self.min_dist, metric=self.metric, random_state=self.random_state, n_jobs=1,
        )
        return reducer.fit_transform(X).astype(np.float32)
