"""``dynamics/`` in a run folder: the session-dynamics tables as CSV, with the findings and notes in JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from topics.analysis.session_dynamics import SessionDynamics, findings
from topics.core.files import atomic_folder
from topics.share.redact import redact_label


def labelled(table: pd.DataFrame, labels: dict[int, str], kind: str) -> pd.DataFrame:
    """``table`` with the topic labels beside the ids: of the mark (a topic), and of the event where it is one."""
    if table.empty:
        return table
    out = table.assign(mark=table["mark"].astype("Int64"))
    out.insert(1, "mark_label", out["mark"].map(lambda t: labels.get(int(t), "") if pd.notna(t) else ""))
    if kind == "transitions":
        out.insert(3, "event_label", out["event"].map(lambda t: labels.get(int(t), "")))
    return out


def write_dynamics(dynamics: SessionDynamics, run_folder: Path, settings: dict, redacted: bool = True) -> Path:
    """Write ``dynamics/`` atomically, replacing an older one: one CSV per table and ``dynamics.json`` with the
    settings, findings in words and notes; labels and findings redacted unless ``redacted`` is False."""
    target = Path(run_folder) / "dynamics"
    if redacted:
        dynamics = dataclasses.replace(dynamics, labels={t: redact_label(s) for t, s in dynamics.labels.items()})
    tables = {kind: labelled(table, dynamics.labels, kind) for kind, table in dynamics.tables().items()}
    said = findings(dynamics)
    with atomic_folder(target, replace=True) as temporary:
        for kind, table in tables.items():
            table.to_csv(temporary / f"{kind}.csv", index=False)
        summary = {"settings": settings, "findings": said, "notes": dynamics.notes}
        (temporary / "dynamics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return target
