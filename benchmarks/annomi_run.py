"""The AnnoMI run the benchmarks read: a folder given with ``--run``, or a fresh joint-model fit of
``configs/annomi.yaml`` into a temporary folder (the corpus is read from ``../shared``, never copied)."""

from __future__ import annotations

import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def open_or_fit(run: str | None, prefix: str):
    """The curated run at ``run``, else a new fit of AnnoMI (joint model) in a temporary folder named ``prefix``."""
    from topics import load_run
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    if run:
        return load_run(run)
    config = load_config(ROOT / "configs" / "annomi.yaml", ["fit.modes=[joint]"])
    return fit_run(config, out=Path(tempfile.mkdtemp(prefix=prefix)) / "annomi")
