"""A remark in its session: the turns before and after it, client turns included.

A clinician judges a therapist remark by what it answered. The run keeps
only the roles it models (usually the therapist's), so the turns around a
remark are read again from the corpus file the run was fitted on, with the
run's own mapping and no role filter. Remark ids are the same either way:
they are the file's id column, or the row number in the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from corpora import load_corpus
from topics.config import validate_config
from topics.errors import TopicsInputError
from topics.run import TopicRun

WINDOW = 3  # turns shown on each side of a remark


_CACHE: dict[str, pd.DataFrame] = {}  # one corpus file's turns per (path, content hash, mapping); a few at most


def _all_turns(path: Path, corpus: dict) -> pd.DataFrame:
    """Every turn of the corpus file, all roles, in file order."""
    # [] keeps every role ("no filter"); None would mean the format's default roles
    config = validate_config({"corpus": corpus}).corpus.model_copy(update={"keep_roles": []})
    frame = load_corpus(config, path).frame
    return frame.assign(position=range(len(frame)))


def session_turns(run: TopicRun) -> pd.DataFrame:
    """All turns of the run's corpus (client turns included), with the run's kept/set-aside marks merged in."""
    corpus = run.provenance.get("corpus", {})
    path = Path(corpus.get("path") or run.config["corpus"]["path"])
    if not path.is_file():
        raise TopicsInputError(f"{path}: the corpus file this run was fitted on is not there any more, so the turns "
                               "around a remark cannot be shown. Put the file back at that path.")
    key = json.dumps([str(path), corpus.get("sha256"), run.config["corpus"]], sort_keys=True, default=str)
    if key not in _CACHE:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _all_turns(path, run.config["corpus"])
    marks = run.remarks[["remark_id", "kept", "set_aside", "topic"]]
    return _CACHE[key].merge(marks, on="remark_id", how="left")


def in_context(run: TopicRun, remark_id: str, window: int = WINDOW) -> pd.DataFrame:
    """The ``window`` turns before and after ``remark_id`` in its session, in order; ``this`` marks the remark.

    Turns are ordered by the corpus' order column when it has one, else by
    their place in the file.
    """
    if remark_id not in set(run.remarks["remark_id"]):
        raise TopicsInputError(f"no remark {remark_id!r} in this run.")
    turns = session_turns(run)
    row = turns.loc[turns["remark_id"] == remark_id]
    if row.empty:
        raise TopicsInputError(f"remark {remark_id!r} is not in the corpus file any more (the file changed after the "
                               "fit); its context cannot be shown.")
    session = row["session"].iloc[0]
    same = turns if pd.isna(session) else turns[turns["session"] == session]
    same = same.sort_values(["order", "position"] if same["order"].notna().all() else ["position"])
    same = same.reset_index(drop=True)
    at = int(same.index[same["remark_id"] == remark_id][0])
    part = same.iloc[max(0, at - window): at + window + 1].copy()
    part["this"] = part["remark_id"] == remark_id
    return part[["remark_id", "role", "text", "order", "kept", "set_aside", "topic", "this"]].reset_index(drop=True)


def highlight(text: str, query: str, mark=lambda match: f"**{match}**") -> str:
    """``text`` with every case-insensitive occurrence of ``query`` wrapped by ``mark`` (Markdown bold by default)."""
    if not query:
        return text
    return re.sub(re.escape(query), lambda m: mark(m.group(0)), text, flags=re.IGNORECASE)
