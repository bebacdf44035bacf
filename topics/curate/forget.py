"""Withdrawing a session from a run, when a client withdraws consent.

:func:`forget_session` removes the session from everything the run folder holds and every table a report or
an export reads, without refitting:

* its therapist remarks (``remarks.parquet``), client turns (``client_turns.parquet``), their rows of the
  stored embeddings (``embeddings.npy``) and of the consensus members (``members.parquet``);
* topic sizes and group counts, counted again without them;
* topic words that no other remark of the run uses (a name said only in that session), from the topic sets
  and from the saved BERTopic models (their words, labels and c-TF-IDF vocabulary); the run's word counts are
  made again without the session;
* its texts' vectors from the embedding cache, for every encoder.

Nothing else changes: topics keep their ids, labels, centroids and other words, so the experts' edits still
apply; a move that named the session's remarks skips them. The withdrawal is recorded in the edit log (who,
when, which session, how many turns; never the text) and in ``provenance.json`` (the removed remark ids). The
folder is rewritten as a whole into a hidden sibling and renamed into place, under the edit log's lock, so
an interrupted withdrawal leaves the run as it was.

Reports and exports already written cannot be called back: :attr:`Withdrawal.outputs` lists those the run's
log of outputs (:mod:`topics.core.output_log`) says may hold the session.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from topics.core.errors import TopicsInputError
from topics.core.files import atomic_folder, write_text_atomic
from topics.core.output_log import written_outputs
from topics.core.run import EMBEDDINGS_FILE, TopicRun, TopicSet, group_folder, load_fitted_run
from topics.curate.editlog import LOG_NAME, EditLog
from topics.curate.edits import Edit, recounted
from topics.fit.clean import normalise
from topics.fit.embed import EmbeddingCache, text_keys
from topics.fit.runtime import cache_root
from topics.fit.topic_words import TopicWords


@dataclass
class Withdrawal:
    """What withdrawing one session removed, and the outputs written before that may still hold it."""

    session: str
    remarks: int
    client_turns: int
    words_removed: int
    cached_vectors: int
    outputs: list[dict[str, Any]]
    edit: Edit | None

    def summary(self) -> str:
        """What was removed, in words (no text of the session, no removed words)."""
        return (
            f"Session {self.session!r} withdrawn: {self.remarks} therapist remark(s) and {self.client_turns} client "
            f"turn(s) removed from the run, {self.words_removed} topic word(s) only that session used, "
            f"{self.cached_vectors} cached vector(s)."
        )


def forget_session(run_folder: str | Path, session: str, author: str, dry_run: bool = False) -> Withdrawal:
    """Remove ``session`` from the run folder and the embedding cache (see the module docstring); ``author``: who
    records the withdrawal. ``dry_run``: count what would go and change nothing. Raises
    :class:`TopicsInputError` for an unknown session or a session already withdrawn."""
    folder = Path(run_folder)
    if not author or not author.strip():
        raise TopicsInputError("a withdrawal needs an author name (--author).")
    log = EditLog(folder / LOG_NAME)
    with log.locked():
        run = load_fitted_run(folder)
        session = _known_session(run, str(session))
        gone = run.remarks["session"].astype(str) == session
        turns = run.client_turns
        gone_turns = (turns["session"].astype(str) == session if turns is not None else pd.Series(dtype=bool)).to_numpy(
            dtype=bool
        )
        texts = run.remarks.loc[gone, "text"].tolist()
        # a run of format 2 kept the client's words too (format 3 keeps none: nothing of theirs was embedded)
        texts += [] if turns is None or "text" not in turns else turns.loc[gone_turns, "text"].tolist()
        after, words = _without(run, gone.to_numpy(dtype=bool))
        removed_words = _words_only_in_session(run, after)
        outputs = written_outputs(folder, session)
        if dry_run:
            return Withdrawal(session, int(gone.sum()), int(gone_turns.sum()), removed_words, 0, outputs, None)
        edit = Edit(op="forget", author=author, session=session, removed=int(gone.sum() + gone_turns.sum()))
        after = _recorded(after, run, gone.to_numpy(dtype=bool), edit, int(gone_turns.sum()))
        if turns is not None:
            after = dataclasses.replace(after, client_turns=turns.loc[~gone_turns].reset_index(drop=True))
        with atomic_folder(folder, replace=True) as temporary:
            shutil.copytree(folder, temporary, dirs_exist_ok=True)
            _rewrite(temporary, run, after, gone.to_numpy(dtype=bool), words)
            EditLog(temporary / LOG_NAME).append(edit)
        cached = _forget_vectors(texts)
    return Withdrawal(session, int(gone.sum()), int(gone_turns.sum()), removed_words, cached, outputs, edit)


def _known_session(run: TopicRun, session: str) -> str:
    sessions = set(run.remarks["session"].astype(str))
    if run.client_turns is not None:
        sessions |= set(run.client_turns["session"].astype(str))
    if session in sessions:
        return session
    withdrawn = {entry.get("session") for entry in run.provenance.get("withdrawn", [])}
    if session in withdrawn:
        raise TopicsInputError(f"{run.path}: session {session!r} was withdrawn already; nothing of it is left.")
    examples = ", ".join(repr(s) for s in sorted(sessions)[:8])
    raise TopicsInputError(
        f"{run.path}: no session {session!r} in this run ({len(sessions)} sessions, for example {examples}). "
        "Give the session id as the corpus's session column holds it."
    )


def _without(run: TopicRun, gone: np.ndarray) -> tuple[TopicRun, TopicWords]:
    """The run without the ``gone`` remarks, topic tallies counted again and topic words only they used dropped;
    and the word counts of the remaining kept remarks (their vocabulary says which words are still used)."""
    remarks = run.remarks.loc[~gone].reset_index(drop=True)
    kept = remarks[remarks["kept"]]
    languages = kept["language"].to_numpy(dtype=object) if "language" in kept else None
    words = TopicWords.count(kept["text"].tolist(), run.config.get("words", {}), languages)
    members = run.members
    if members is not None:
        members = members[~members["remark_id"].isin(run.remarks.loc[gone, "remark_id"])].reset_index(drop=True)
    vocabulary = set(words.vocabulary_.tolist())
    after = dataclasses.replace(
        run,
        remarks=remarks,
        joint=_keep_words(run.joint, vocabulary) if run.joint is not None else None,
        groups={name: _keep_words(topic_set, vocabulary) for name, topic_set in run.groups.items()},
    ).with_members(members)
    return recounted(after), words


def _keep_words(topic_set: TopicSet, vocabulary: set[str]) -> TopicSet:
    topics = [dataclasses.replace(t, words=[(w, x) for w, x in t.words if w in vocabulary]) for t in topic_set.topics]
    return dataclasses.replace(topic_set, topics=topics)


def _words_only_in_session(before: TopicRun, after: TopicRun) -> int:
    """How many (model, topic, word) entries left the topic word lists: words no remaining remark uses."""
    sets = [(before.joint, after.joint)] + [(before.groups[n], after.groups[n]) for n in before.groups]
    return sum(
        len(old.words) - len(new.words)
        for pair in sets
        if pair[0] is not None
        for old, new in zip(pair[0].topics, pair[1].topics)
    )


def _recorded(after: TopicRun, before: TopicRun, gone: np.ndarray, edit: Edit, turns: int) -> TopicRun:
    entry = {
        "session": edit.session,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "by": edit.author,
        "edit": edit.id,
        "remark_ids": before.remarks.loc[gone, "remark_id"].astype(str).tolist(),
        "client_turns": turns,
    }
    withdrawn = [*after.provenance.get("withdrawn", []), entry]
    return dataclasses.replace(after, provenance={**after.provenance, "withdrawn": withdrawn})


def _rewrite(folder: Path, before: TopicRun, after: TopicRun, gone: np.ndarray, words: TopicWords) -> None:
    """Bring the copied run folder to ``after``: plain-data files, stored embeddings, saved models, word counts."""
    after.write(folder)
    kept_before = before.remarks["kept"].to_numpy(dtype=bool)
    kept_rows_left = ~gone[kept_before]  # row i of embeddings.npy is the i-th kept remark
    if (folder / EMBEDDINGS_FILE).exists():
        embeddings = np.load(folder / EMBEDDINGS_FILE, allow_pickle=False)
        (folder / EMBEDDINGS_FILE).unlink()
        np.save(folder / EMBEDDINGS_FILE, embeddings[kept_rows_left], allow_pickle=False)
    words.save(folder)
    vocabulary = set(words.vocabulary_.tolist())
    _rewrite_model(folder / "model", kept_rows_left, vocabulary)
    for name in before.groups:
        in_group = (before.remarks["group"] == name).fillna(False).to_numpy(dtype=bool)[kept_before]
        _rewrite_model(group_folder(folder, name) / "model", kept_rows_left[in_group], vocabulary)


def _rewrite_model(model: Path, left: np.ndarray, vocabulary: set[str]) -> None:
    """A saved BERTopic model without the removed remarks' topics and without words no remaining remark uses."""
    if not (model / "topics.json").exists():
        return
    saved = json.loads((model / "topics.json").read_text(encoding="utf-8"))
    topics = saved.get("topics")
    if isinstance(topics, list) and len(topics) == len(left):
        saved["topics"] = [t for t, keep in zip(topics, left) if keep]
        sizes: dict[str, int] = {}
        for topic in saved["topics"]:
            sizes[str(topic)] = sizes.get(str(topic), 0) + 1
        saved["topic_sizes"] = sizes
    representations = saved.get("topic_representations") or {}
    for topic, pairs in representations.items():
        representations[topic] = [pair for pair in pairs if not pair[0] or pair[0] in vocabulary]
    if isinstance(saved.get("topic_labels"), dict):
        saved["topic_labels"] = {
            topic: f"{topic}_" + "_".join(w for w, _ in representations.get(topic, [])[:4])
            for topic in saved["topic_labels"]
        }
    write_text_atomic(model / "topics.json", json.dumps(saved, ensure_ascii=False))
    _rewrite_vocabulary(model, vocabulary)


def _rewrite_vocabulary(model: Path, vocabulary: set[str]) -> None:
    """The c-TF-IDF vocabulary (and its matrix's columns) without words no remaining remark uses."""
    from safetensors.numpy import load_file, save_file

    config_path, matrix_path = model / "ctfidf_config.json", model / "ctfidf.safetensors"
    if not config_path.exists() or not matrix_path.exists():
        return
    config = json.loads(config_path.read_text(encoding="utf-8"))
    vocab = config.get("vectorizer_model", {}).get("vocab")
    if not isinstance(vocab, dict):
        return
    keep = sorted((index, word) for word, index in vocab.items() if word in vocabulary)
    if len(keep) == len(vocab):
        return
    saved = load_file(str(matrix_path))
    matrix = sp.csr_matrix((saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"]))
    columns = np.array([index for index, _ in keep], dtype=int)
    matrix = matrix[:, columns].tocsr()
    config["vectorizer_model"]["vocab"] = {word: i for i, (_, word) in enumerate(keep)}
    tensors = {
        "data": matrix.data,
        "indices": matrix.indices.astype(saved["indices"].dtype),
        "indptr": matrix.indptr.astype(saved["indptr"].dtype),
        "shape": np.array(matrix.shape, dtype=saved["shape"].dtype),
    }
    if "diag" in saved:
        tensors["diag"] = saved["diag"][columns]
    matrix_path.unlink()
    save_file(tensors, str(matrix_path))
    write_text_atomic(config_path, json.dumps(config, ensure_ascii=False))


def _forget_vectors(texts: list[str]) -> int:
    """Remove the texts' vectors (as written and as the fit normalised them) from every encoder's cache."""
    if not texts:
        return 0
    keys = text_keys(sorted({str(t) for t in texts} | {normalise(str(t)) for t in texts}))
    return sum(cache.remove(keys) for cache in EmbeddingCache.every(cache_root() / "embeddings"))
