"""What the fit stage needs from the process: a cache folder, no network, and compiled code kept on disk.

Nothing here runs when ``topics`` is imported, so a notebook's own numba code
behaves as it would without us:

* **Offline.** :func:`go_offline` puts Hugging Face libraries in offline mode
  when our encoder first loads (from a local folder: the packaged MiniLM by
  default). Those libraries read the switch once, so from then on the whole
  process is offline for them, unless the user set the switch otherwise.
* **Compile once per machine, not once per process.** UMAP, pynndescent and
  hdbscan JIT-compile about 170 numba functions; most are not marked
  ``cache=True``, so a new process pays 40-60 s before its first UMAP fit.
  :func:`import_compiled` imports such a library with ``cache=True`` as the
  default of numba's decorators for the length of that import only: the
  library's functions are cached on disk (where numba caches by default:
  ``NUMBA_CACHE_DIR``, else beside the installed library), and numba's
  decorators are numba's own again before the import returns.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

CACHE_ENV = "THERAPY_TOPICS_CACHE"

#: Hugging Face's switches for "never reach a hub", set when the encoder first loads (:func:`go_offline`).
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}

_patching = threading.Lock()


def cache_root() -> Path:
    """Folder for embedding and reduction caches (``$THERAPY_TOPICS_CACHE``, else the user's cache folder)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "therapy-topics"


def go_offline() -> None:
    """Put Hugging Face libraries in offline mode for the rest of the process (they read these switches once,
    when they are first imported, so the setting cannot be undone after the encoder loads). A switch the user
    set (say ``HF_HUB_OFFLINE=0`` on purpose) is left as it is; the encoder loads with ``local_files_only``
    either way."""
    for name, value in OFFLINE.items():
        os.environ.setdefault(name, value)


def _quietly_cached(dispatcher: Any) -> Any:
    """``dispatcher`` with numba's "cannot cache" warning silenced when it saves a compilation: caching was our
    choice for the library, so a function that cannot be cached (closures, dynamic globals) is ours to keep
    quiet about. Only this dispatcher's cache object changes; without one (another numba), nothing does."""
    cache = getattr(dispatcher, "_cache", None)
    save = getattr(cache, "save_overload", None)
    if save is None:
        return dispatcher

    @functools.wraps(save)
    def save_quietly(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]annot cache.*")
            return save(*args, **kwargs)

    cache.save_overload = save_quietly
    return dispatcher


def _cached_by_default(decorator: Callable[..., Any]) -> Callable[..., Any]:
    """numba's ``njit``/``jit`` with ``cache=True`` unless the library says otherwise."""

    @functools.wraps(decorator)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cache", True)
        made = decorator(*args, **kwargs)
        if args and callable(args[0]):  # @njit without arguments: a dispatcher
            return _quietly_cached(made)
        return lambda function: _quietly_cached(made(function))  # @njit(...): a decorator

    return wrapper


def import_compiled(name: str) -> ModuleType:
    """Import the numba-compiled library ``name`` ("umap", "pynndescent", "hdbscan", "bertopic") so that its
    compiled functions are cached on disk; an already imported library is returned as it is."""
    if name in sys.modules:
        return sys.modules[name]
    import numba
    from numba.core.errors import NumbaWarning

    with _patching, warnings.catch_warnings():
        # Functions numba cannot cache (closures, dynamic globals) still compile; its warning is noise here.
        warnings.filterwarnings("ignore", category=NumbaWarning, message=".*[Cc]annot cache.*")
        original = numba.njit, numba.jit
        numba.njit, numba.jit = (_cached_by_default(decorator) for decorator in original)
        try:
            return importlib.import_module(name)
        finally:
            numba.njit, numba.jit = original
