"""Process-wide settings that must be in place before heavy libraries import.

Two jobs, both done once when ``topics`` is imported:

* **Offline.** Hugging Face libraries are told never to reach a hub. Models
  come from local folders only (the packaged MiniLM by default).
* **Compile once per machine, not once per process.** UMAP and pynndescent
  JIT-compile ~170 numba functions; most are not marked ``cache=True``, so a
  new process pays 40-60 s before its first UMAP fit. We make ``cache=True``
  the default for ``numba.njit``/``numba.jit`` and point numba's cache at a
  per-user folder, so only the first process on a machine compiles.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

CACHE_ENV = "THERAPY_TOPICS_CACHE"


def cache_root() -> Path:
    """Folder for embedding, reduction and compile caches (``$THERAPY_TOPICS_CACHE``)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "therapy-topics"


def _go_offline() -> None:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _cache_numba_compilation() -> None:
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_root() / "numba"))
    import numba
    from numba.core.errors import NumbaWarning

    if getattr(numba.njit, "_therapy_topics_cached", False):
        return

    def cached_by_default(decorator):
        @functools.wraps(decorator)
        def wrapper(*args, **kwargs):
            kwargs.setdefault("cache", True)
            return decorator(*args, **kwargs)

        wrapper._therapy_topics_cached = True
        return wrapper

    numba.njit = cached_by_default(numba.njit)
    numba.jit = cached_by_default(numba.jit)
    # Functions numba cannot cache (closures, dynamic globals) still compile;
    # the warning saying so is noise for our users.
    warnings.filterwarnings("ignore", category=NumbaWarning, message=".*cannot cache.*")


def configure() -> None:
    """Apply the process-wide settings; safe to call more than once."""
    _go_offline()
    _cache_numba_compilation()
