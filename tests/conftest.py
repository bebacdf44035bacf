"""Shared fixtures: an isolated cache, a deterministic fake encoder, small corpora."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

# Embedding and UMAP caches go to a fresh folder per test session; numba's compile
# cache stays the machine's own (it only saves compile time, never changes results).
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "therapy-topics" / "numba"))
os.environ["THERAPY_TOPICS_CACHE"] = tempfile.mkdtemp(prefix="therapy-topics-test-cache-")
atexit.register(shutil.rmtree, os.environ["THERAPY_TOPICS_CACHE"], ignore_errors=True)

from topics.core.config import load_config  # noqa: E402
from topics.fit.stopwords import tokenize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: The real corpus the AnnoMI tests read: ../shared/corpora/annomi beside the clone, or $THERAPY_TOPICS_ANNOMI.
ANNOMI = Path(
    os.environ.get("THERAPY_TOPICS_ANNOMI", ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv")
)
TOPICS_BIN = str(Path(sys.executable).parent / "topics")

#: The start of a ``python -c`` program in which any network use raises and is counted in ``attempts`` (even an
#: attempt a library caught and survived): what follows it proves that it needs no network.
NO_NETWORK = (
    "import socket\n"
    "attempts = []\n"
    "def refuse(*args, **kwargs):\n"
    "    attempts.append(args)\n"
    "    raise OSError('network use')\n"
    "socket.socket.connect = socket.socket.connect_ex = refuse\n"
    "socket.getaddrinfo = socket.create_connection = refuse\n"
)


def topics_cmd(*args, cwd=ROOT, env: dict[str, str] | None = None):
    """The installed ``topics`` command in a subprocess, as a user runs it; ``env``: variables to set for it."""
    return subprocess.run(
        [TOPICS_BIN, *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


class FakeEncoder:
    """Hashed bag of words: remarks that share words get similar vectors. Counts its calls."""

    identity = "fake-hashed-bow-64"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                bucket = int.from_bytes(hashlib.md5(token.encode()).digest()[:4], "little")
                out[row, bucket % self.dim] += 1.0
            out[row, hashlib.md5(text.encode()).digest()[0] % self.dim] += 0.1
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


def fake_fitted_run(folder: Path) -> Path:
    """A joint-model fit of configs/tiny.yaml with the fake encoder and leaf clusters (many small topics, for
    edits) into ``folder``."""
    from topics.fit.pipeline import fit_run

    config = load_config(ROOT / "configs" / "tiny.yaml", ["fit.modes=[joint]", "cluster.cluster_selection_method=leaf"])
    return fit_run(config, out=folder, encoder=FakeEncoder()).path


def edit_sequences(ops: list[str], choices: int = 6):
    """A hypothesis strategy of 1 to 8 edits: (op, i, j) with ``op`` from ``ops`` and i, j below ``choices``, for
    :func:`edit_fields`."""
    from hypothesis import strategies as st

    pick = st.integers(0, choices - 1)
    return st.lists(st.tuples(st.sampled_from(ops), pick, pick), min_size=1, max_size=8)


def edit_fields(run, op: str, i: int, j: int) -> dict:
    """The fields of a ``Curator.record`` call of ``op`` on ``run``'s joint topics, chosen by two integers (for
    property tests over edit sequences)."""
    ids = [t.id for t in run.joint.topics]
    remarks = run.kept["remark_id"]
    return {
        "merge": {"topics": (ids[i % len(ids)], ids[j % len(ids)])},
        "rename": {"topics": (ids[i % len(ids)],), "label": f"label {j}"},
        "discard": {"topics": (ids[i % len(ids)],)},
        "move": {"remarks": tuple(remarks.iloc[i * 7 :: 11].head(3 + j)), "to": ids[j % len(ids)]},
    }.get(op, {})


@pytest.fixture
def run_folder(fitted_folder, tmp_path):
    """A fresh copy of the module's ``fitted_folder`` run, so that edits in one test never reach another."""
    copy = tmp_path / "run"
    shutil.copytree(fitted_folder, copy)
    return copy


@pytest.fixture
def tiny_config():
    """configs/tiny.yaml (demo corpus, PCA), with output under the test's tmp folder."""
    return load_config(ROOT / "configs" / "tiny.yaml")


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)
