"""Where UMAP and HDBSCAN run: umap-learn and hdbscan on the CPU, or RAPIDS cuML on a CUDA GPU.

``reduce.backend`` and ``cluster.backend`` take ``auto`` (cuML when it is
installed and a CUDA GPU is visible, else the CPU), ``cpu``, or ``cuml``
(asked for: a clear error, exit 2, when it cannot be had). The encoder
already uses CUDA by itself (``embed.device``). ``pip install .[gpu]``
names cuML's package.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from topics.core.errors import TopicsInputError
from topics.fit.runtime import import_compiled

BACKENDS = ("auto", "cpu", "cuml")


@lru_cache(maxsize=1)
def gpu_status() -> tuple[bool, str]:
    """(cuML usable, why not): cuML importable and at least one CUDA device visible."""
    try:
        importlib.import_module("cuml")
    except ImportError:
        return False, "cuML is not installed (pip install '.[gpu]' on a machine with a CUDA GPU)"
    try:
        import torch

        if not torch.cuda.is_available():
            return False, "cuML is installed but no CUDA GPU is visible"
    except ImportError:
        return False, "torch is not installed, so no CUDA GPU can be found"
    return True, ""


def resolve(requested: str, setting: str) -> str:
    """``cpu`` or ``cuml`` for a requested backend; ``setting`` names the config key for the error."""
    if requested not in BACKENDS:
        raise TopicsInputError(f"{setting}: {requested!r} is not a backend; use one of {', '.join(BACKENDS)}.")
    if requested == "cpu":
        return "cpu"
    usable, why = gpu_status()
    if requested == "cuml" and not usable:
        raise TopicsInputError(
            f"{setting}: cuml was asked for, but {why}. Set {setting}: auto (or cpu) to run on the CPU."
        )
    return "cuml" if usable else "cpu"


def umap_class(backend: str) -> type:
    """UMAP's class for a resolved backend."""
    if backend == "cuml":
        return importlib.import_module("cuml.manifold").UMAP
    return import_compiled("umap").UMAP


def hdbscan_class(backend: str) -> type:
    """HDBSCAN's class for a resolved backend."""
    if backend == "cuml":
        return importlib.import_module("cuml.cluster").HDBSCAN
    return import_compiled("hdbscan").HDBSCAN
