"""Which encoder a config names, which backend computes its vectors, and where its vectors are cached.

``embed.model`` names the model (the packaged MiniLM, the multilingual USE, a
local sentence-transformers folder, or the benchmarks' stand-in);
``embed.backend`` names what runs MiniLM or a local folder: sentence-
transformers on PyTorch (``torch``) or ONNX Runtime (``onnx``, ``onnx-int8``;
:mod:`topics.fit.onnx_encoder`). ``auto`` takes PyTorch where a GPU can run it
and ONNX Runtime on a CPU. A run records its backend, and whatever embeds its
remarks again (transform, profile, evaluate) uses the same one, so new vectors
and the run's own are computed alike.
"""

from __future__ import annotations

import sys
from pathlib import Path

from topics.core.config import Config, validate_config
from topics.core.errors import TopicsInputError, warn
from topics.core.run import TopicRun
from topics.fit.embed import (
    MULTILINGUAL,
    STAND_IN,
    EmbeddingCache,
    Encoder,
    SentenceTransformerEncoder,
    StandInEncoder,
    UniversalSentenceEncoder,
    resolve_device,
)
from topics.fit.onnx_encoder import QUANTISED, OnnxEncoder, onnxruntime_missing
from topics.fit.runtime import cache_root

#: The ``embed.backend`` that computes each backend a run can record.
SETTING_OF_RECORDED = {
    "sentence-transformers-torch": "torch",
    "onnxruntime-fp32": "onnx",
    "onnxruntime-int8": "onnx-int8",
}
#: ``embed.backend: auto`` on a CPU: ONNX Runtime in fp32 (same vectors as PyTorch within 4e-7, faster; the int8
#: variant's topics were measured against it in benchmarks/embedding_backends.py, see docs/benchmarks).
CPU_DEFAULT = "onnx"


def _gpu_may_be_present() -> bool:
    """Whether asking PyTorch for a GPU is worth its import (seconds): a Mac (MPS), NVIDIA's or WSL's device
    files, or PyTorch already imported."""
    return (
        sys.platform == "darwin"
        or "torch" in sys.modules
        or any(Path(device).exists() for device in ("/dev/nvidia0", "/proc/driver/nvidia", "/dev/dxg"))
    )


def embed_backend(setting: str, device: str, recorded: str | None = None) -> str:
    """The backend (``torch``, ``onnx``, ``onnx-int8``) for ``embed.backend`` = ``setting``.

    ``auto``: the backend a run ``recorded`` when there is one; else PyTorch when ``embed.device`` is a GPU or
    ``auto`` finds one (the CUDA path stays the default on a GPU); else :data:`CPU_DEFAULT`, unless ONNX Runtime
    is missing (then PyTorch, with a warning).
    """
    if setting != "auto":
        return setting
    if recorded in SETTING_OF_RECORDED:
        return SETTING_OF_RECORDED[recorded]
    if device in ("cuda", "mps") or (device == "auto" and _gpu_may_be_present() and resolve_device(device) != "cpu"):
        return "torch"
    missing = onnxruntime_missing()
    if missing:
        warn(f"embed.backend: auto takes torch here; {missing}.")
        return "torch"
    return CPU_DEFAULT


def make_encoder(config: Config, recorded: str | None = None) -> Encoder:
    """The encoder ``config.embed`` names, run by the backend :func:`embed_backend` picks.

    ``recorded``: the backend a run recorded (``provenance.embedding.backend``). Raises ``TopicsInputError``
    when ``embed.backend`` names ONNX Runtime and it is not installed (before anything is written).
    """
    embed = config.embed
    if embed.model == STAND_IN:
        return StandInEncoder()
    if embed.model == MULTILINGUAL:
        return UniversalSentenceEncoder()
    backend = embed_backend(embed.backend, embed.device, recorded)
    if backend in QUANTISED:
        missing = onnxruntime_missing()
        if missing:
            raise TopicsInputError(f"embed.backend: {backend} was asked for, but {missing}.")
        return OnnxEncoder(embed.model, QUANTISED[backend], embed.batch_size, embed.normalize)
    return SentenceTransformerEncoder(embed.model, embed.device, embed.batch_size, embed.normalize)


def run_encoder(run: TopicRun) -> tuple[Config, Encoder]:
    """A run's config and an encoder that gives its remarks the vectors they were fitted with."""
    config = validate_config(run.config, source=f"{run.path}/config.yaml")
    return config, make_encoder(config, run.provenance.get("embedding", {}).get("backend"))


def embedding_cache(config: Config, encoder: Encoder) -> EmbeddingCache | None:
    """The on-disk embedding cache of ``encoder``, or None when the config turns caching off."""
    return EmbeddingCache(cache_root() / "embeddings", encoder.identity) if config.embed.cache else None
