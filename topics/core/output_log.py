"""What left a run folder: every report, table and export written from a run, in ``outputs.jsonl``.

When a client withdraws consent (:mod:`topics.curate.forget`), the run folder can be cleaned, but copies
already written cannot be called back: this log lets the toolkit name them. One JSON object per line
(appended and fsynced as the edit log is): when, what kind, where, whether it was redacted, and which
sessions it can hold (``null``: every session of the run).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from topics.core.errors import TopicsWriteError, warn
from topics.core.files import append_line

OUTPUT_LOG = "outputs.jsonl"


def record_output(
    run_folder: Path, written: Path | str, kind: str, redacted: bool, sessions: list[str] | None = None
) -> None:
    """Note in ``run_folder``'s log that ``written`` (a ``kind`` of output: a path, or words saying where it went,
    such as a download from the explorer) was made from it. ``sessions``: the sessions it can hold, None for all.
    A run folder that cannot be written (read-only, full) gets a warning, not an error: the output was made."""
    entry = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "kind": kind,
        "path": str(written.resolve()) if isinstance(written, Path) else written,
        "redacted": redacted,
        "sessions": sessions,
    }
    try:
        append_line(Path(run_folder) / OUTPUT_LOG, json.dumps(entry, ensure_ascii=False))
    except TopicsWriteError as error:
        warn(f"{written} was written, but the run's log of outputs could not be updated: {error}")


def written_outputs(run_folder: Path, session: str | None = None) -> list[dict[str, Any]]:
    """The outputs logged for ``run_folder``, oldest first; with ``session``, those that can hold it. Damaged
    lines (a crash mid-write) are skipped."""
    path = Path(run_folder) / OUTPUT_LOG
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(entry, dict):
            continue
        held = entry.get("sessions")
        if session is None or held is None or session in held:
            entries.append(entry)
    return entries
