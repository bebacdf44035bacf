"""A remark in its session: the turns before and after it, client turns included.

A clinician judges a therapist remark by what it answered. A run of format 2
carries the turns of the roles it does not model (``client_turns``) with every
turn's place in the source (``position``), so a session is put back together
from the run alone, a run fitted from a DataFrame included. Runs of format 1
have neither: their turns are read again from the corpus file the run was
fitted on, with the run's own mapping and no role filter (remark ids are the
same either way: the file's id column, or the row number in the file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from corpora import load_corpus
from topics.core.config import validate_config
from topics.core.corpus import file_sha256
from topics.core.errors import TopicsInputError
from topics.core.run import TopicRun
from topics.fit.stopwords import UNSEGMENTED_CHARACTER, WORD_CHARACTER, WORD_RE

WINDOW = 3  # turns shown on each side of a remark


_CACHE: dict[str, pd.DataFrame] = {}  # one corpus file's turns per (path, content hash, mapping); a few at most


def _all_turns(path: Path, corpus: dict) -> pd.DataFrame:
    """Every turn of the corpus file, all roles, in file order."""
    # [] keeps every role ("no filter"); None would mean the format's default roles
    config = validate_config({"corpus": corpus}).corpus.model_copy(update={"keep_roles": []})
    frame = load_corpus(config, path).frame
    return frame.assign(position=range(len(frame)))


def _corpus_turns(run: TopicRun) -> pd.DataFrame:
    """Every turn of the corpus file the run was fitted on (cached), or a clear error when it is gone."""
    corpus = run.provenance.get("corpus", {})
    path = Path(corpus.get("path") or run.config["corpus"]["path"])
    if not path.is_file():
        raise TopicsInputError(
            f"{path}: the corpus file this run was fitted on is not there any more, so the turns "
            "around a remark cannot be shown. Put the file back at that path."
        )
    key = json.dumps([str(path), corpus.get("sha256"), run.config["corpus"]], sort_keys=True, default=str)
    if key not in _CACHE:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _all_turns(path, run.config["corpus"])
    return _CACHE[key]


#: What stands for a client's words the run does not keep and the corpus file cannot give.
NOT_KEPT = "[the client's words are not kept in the run; put the corpus file back to read them]"


def _client_texts(run: TopicRun, turns: pd.DataFrame) -> pd.Series:
    """The client turns' words from the corpus file, by their place in it; :data:`NOT_KEPT` where it is gone or
    has changed since the fit (its SHA-256 differs)."""
    corpus = run.provenance.get("corpus", {})
    path = Path(corpus.get("path") or run.config["corpus"]["path"])
    if not path.is_file() or file_sha256(path) != corpus.get("sha256"):
        return pd.Series(NOT_KEPT, index=turns.index, dtype="string")
    by_position = _corpus_turns(run).set_index("position")["text"]
    return turns["position"].astype("Int64").map(by_position).astype("string").fillna(NOT_KEPT)


def session_turns(run: TopicRun) -> pd.DataFrame:
    """All turns of the run's corpus (client turns included), with the run's kept/set-aside marks merged in.
    A run of format 3 keeps no client's words: they come from the corpus file when it is at hand."""
    if run.client_turns is not None and run.remarks["position"].notna().all():
        columns = ["remark_id", "role", "session", "text", "order", "position"]
        own = run.remarks[[*columns, "kept", "set_aside", "topic"]]
        turns = run.client_turns
        if "text" not in turns:
            turns = turns.assign(text=_client_texts(run, turns))
        return pd.concat([own, turns[columns]], ignore_index=True)
    marks = run.remarks[["remark_id", "kept", "set_aside", "topic"]]
    return _corpus_turns(run).merge(marks, on="remark_id", how="left")


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
        raise TopicsInputError(
            f"remark {remark_id!r} is not in the corpus file any more (the file changed after the "
            "fit); its context cannot be shown."
        )
    session = row["session"].iloc[0]
    same = turns if pd.isna(session) else turns[turns["session"] == session]
    same = same.sort_values(["order", "position"] if same["order"].notna().all() else ["position"])
    same = same.reset_index(drop=True)
    at = int(same.index[same["remark_id"] == remark_id][0])
    part = same.iloc[max(0, at - window) : at + window + 1].copy()
    part["this"] = part["remark_id"] == remark_id
    return part[["remark_id", "role", "text", "order", "kept", "set_aside", "topic", "this"]].reset_index(drop=True)


_WORD_CHARACTER_RE = re.compile(f"(?u){WORD_CHARACTER}")


def query_spans(text: str, query: str, grow: bool = True) -> list[tuple[int, int]]:
    """Where a search for ``query`` (a case-insensitive substring, as the Remarks and Topic pages search)
    hits ``text``: one (start, end) per word of each hit, in order.

    Marks cover whole words only: a hit that starts or ends inside a word grows to the whole word ("feel"
    in "feeling" marks "feeling"; ``grow=False`` keeps the hit's own characters), and the spaces and
    punctuation inside a hit stay unmarked, so a mark never holds a bracket that could end Streamlit's
    ``:color[...]`` markup early. Scripts written without spaces (:data:`topics.fit.stopwords.UNSEGMENTED`)
    never grow: a run of their characters is a clause, not a word.
    """
    if not query:
        return []
    spans: set[tuple[int, int]] = set()
    for hit in re.finditer(re.escape(query), text, flags=re.IGNORECASE):
        for word in WORD_RE.finditer(text, hit.start(), hit.end()):
            start, end = word.span()
            while grow and start > 0 and _joins(text, start - 1, start):
                start -= 1
            while grow and end < len(text) and _joins(text, end - 1, end):
                end += 1
            spans.add((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # two hits inside one word grow to the same word
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _joins(text: str, left: int, right: int) -> bool:
    """Whether the characters at ``left`` and ``right`` belong to one word of a script written with spaces."""
    pair = text[left] + text[right]
    return all(_WORD_CHARACTER_RE.match(c) for c in pair) and not UNSEGMENTED_CHARACTER.search(pair)


def mark_spans(
    text: str, spans: list[tuple[int, int]], mark: Callable[[str], str] = lambda match: f"**{match}**"
) -> str:
    """``text`` with each of the sorted, non-overlapping ``spans`` wrapped by ``mark``, nothing else changed:
    no space is added or removed around a mark."""
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], mark(text[start:end])]
        at = end
    return "".join(parts) + text[at:]


def highlight(text: str, query: str, mark: Callable[[str], str] = lambda match: f"**{match}**") -> str:
    """``text`` with the words a case-insensitive search for ``query`` hits wrapped by ``mark`` (Markdown bold
    by default), whole words only (:func:`query_spans`)."""
    return mark_spans(text, query_spans(text, query), mark)
