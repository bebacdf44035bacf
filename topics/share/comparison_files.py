"""The ``compare/`` folder of a run: the comparison as CSV and JSON tables for other tools.

Labels, words and example text leave the machine in these files, so they are
de-identified unless the caller asks for verbatim tables.
"""

from __future__ import annotations

import json
from pathlib import Path

from topics.analysis.compare import Comparison
from topics.core.files import atomic_folder
from topics.share.redact import redact_frame


def write_comparison(comparison: Comparison, run_folder: Path, settings: dict, redacted: bool = True) -> Path:
    """Write ``compare/`` (CSV and JSON) atomically, replacing an older one; labels and words redacted
    unless ``redacted`` is False."""
    target = run_folder / "compare"
    found = comparison.groups
    tables = (
        {"shares": found.shares, "differences": found.differences, "findings": found.flagged, "kinds": found.kinds}
        if found is not None
        else {}
    )
    tables["words"] = comparison.words
    tables |= {f"alignment_{k}": v for k, v in comparison.alignments.items()}
    tables |= {f"to_joint_{k}": v for k, v in comparison.to_joint.items()}
    if redacted:
        tables = {name: redact_frame(table) for name, table in tables.items()}
    with atomic_folder(target, replace=True) as temporary:
        for name, table in tables.items():
            table.to_csv(temporary / f"{name}.csv", index=False)
        for key, matrix in comparison.similarity.items():
            matrix.to_csv(temporary / f"similarity_{key}.csv")
        summary = {
            "settings": settings,
            "notes": comparison.notes,
            **{name: json.loads(table.to_json(orient="records")) for name, table in tables.items()},
        }
        (temporary / "comparison.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return target
