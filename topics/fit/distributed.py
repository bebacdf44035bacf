"""Embedding and assignment on a Dask cluster (dask.distributed), for corpora one machine embeds too slowly.

``compute.scheduler`` (or ``topics fit --scheduler``) names the cluster:

* ``tcp://host:8786``: an existing cluster (``dask scheduler`` and ``dask
  worker`` started by the user or the platform's administrators);
* ``local``: a ``LocalCluster`` on this machine with ``compute.workers``
  processes of one thread each.

What runs where: the client (the ``topics fit`` process) reads and cleans the
corpus and owns the embedding cache; it sends each batch of new texts to the
workers in partitions (:class:`ClusterEncoder`), and every worker holds one
copy of the encoder, sent once and loaded on its first partition. Vectors come
back to the client and land in the same cache as a local fit's, so a later
fit, on a cluster or not, reuses them. Assigning remarks outside the fit
sample is sent out the same way (:func:`assign_many`). UMAP and HDBSCAN stay
on the client: they need every sampled remark's neighbours at once, so they
do not split into independent partitions, and on the fit sample they take
minutes, not hours.

Results equal the single-process path: the encoders give each text the same
vector whatever its batch (``SentenceTransformerEncoder.encode``) and the
assignment is row by row.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from topics.core.config import ComputeConfig
from topics.core.errors import TopicsInputError
from topics.core.progress import progress_bar
from topics.fit.centroids import BLOCK, CuratedTopics
from topics.fit.embed import Encoder


@contextmanager
def compute_client(compute: ComputeConfig) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for ``compute.scheduler`` (closed, with its LocalCluster, at exit); None
    without one."""
    if compute.scheduler is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of the package
        raise TopicsInputError("compute.scheduler needs dask.distributed: pip install 'dask[distributed]'.") from None
    if compute.scheduler == "local":
        cluster = LocalCluster(
            n_workers=compute.resolved_workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = Client(compute.scheduler, timeout="15s")
    except (OSError, TimeoutError) as error:
        raise TopicsInputError(
            f"compute.scheduler: cannot reach the Dask scheduler at {compute.scheduler} ({error}). Start it "
            "('dask scheduler', then 'dask worker <address>' on each machine), or use compute.scheduler: local."
        ) from None
    try:
        yield client
    finally:
        client.close()


def _encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    return encoder.encode(texts)


class ClusterEncoder:
    """An :class:`~topics.fit.embed.Encoder` whose ``encode`` runs on the workers of ``client``.

    The wrapped encoder is sent to every worker once (unloaded: a
    sentence-transformers model loads from the worker's own installation on
    its first partition and stays loaded). Same ``identity`` as the wrapped
    encoder, so the cache is shared with local fits.
    """

    def __init__(self, encoder: Encoder, client: Any, partition: int = 2_000) -> None:
        self.encoder = encoder
        self.client = client
        self.partition = partition
        self.identity = encoder.identity
        self.remote_ = None
        self.workers_: set[str] = set()  # the workers that encoded partitions (provenance)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text, encoded on the workers in partitions of ``partition`` texts; the first call sends the
        encoder to every worker."""
        if self.remote_ is None:
            shipped = copy.copy(self.encoder)
            if hasattr(shipped, "progress"):
                shipped.progress = False  # the workers' bars would only clutter their logs
            self.remote_ = self.client.scatter(shipped, broadcast=True, hash=False)
        parts = [texts[i : i + self.partition] for i in range(0, len(texts), self.partition)]
        futures = self.client.map(_encode, [self.remote_] * len(parts), parts, pure=False)
        vectors = np.vstack(_gather(self.client, futures, [len(p) for p in parts], "Embedding on the cluster"))
        self.workers_.update(address for holders in self.client.who_has(futures).values() for address in holders)
        return vectors


def _gather(client: Any, futures: list, sizes: list[int], desc: str) -> list:
    """The futures' results in order, with a progress bar that advances as they finish."""
    from dask.distributed import as_completed

    with progress_bar(sum(sizes), desc, "remark", len(futures) > 1) as bar:
        size = {future.key: n for future, n in zip(futures, sizes)}
        for future in as_completed(futures):
            bar.update(size[future.key])
    return client.gather(futures)


def _assign_block(target_sets: list[CuratedTopics], vectors: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return [targets.assign(vectors) for targets in target_sets]


def assign_many(
    target_sets: list[CuratedTopics],
    embeddings: np.ndarray,
    rows: np.ndarray,
    client: Any = None,
    desc: str = "Assigning",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(topic or -1, similarity) of ``embeddings[rows]`` for every target set, block by block.

    Each block is read (or sent to a worker) once and assigned to all target
    sets: the final topics and every consensus member's.
    """
    blocks = [rows[i : i + BLOCK] for i in range(0, len(rows), BLOCK)]
    if client is None:
        results = []
        with progress_bar(len(rows), desc, "remark", len(blocks) > 1) as bar:
            for block in blocks:
                results.append(_assign_block(target_sets, np.asarray(embeddings[block])))
                bar.update(len(block))
    else:
        shared = client.scatter(target_sets, broadcast=True, hash=False)
        futures = [client.submit(_assign_block, shared, np.asarray(embeddings[block]), pure=False) for block in blocks]
        results = _gather(client, futures, [len(b) for b in blocks], f"{desc} on the cluster")
    empty = (np.zeros(0, dtype=int), np.zeros(0, dtype=np.float32))
    return [
        tuple(np.concatenate([r[k][part] for r in results]) if results else empty[part] for part in (0, 1))
        for k in range(len(target_sets))
    ]
