"""The append-only edit log of a run folder, and the curated run it yields.

``edits.jsonl`` is the most precious file we keep: expert judgement. So:

* Entries are only ever appended, one JSON object per line, under an
  exclusive ``flock`` (two tabs or two experts never interleave a line), and
  fsynced before anyone is told the edit is done.
* A damaged line (a power cut mid-write) is reported and skipped on replay,
  never fatal; the lines before and after it survive. A new entry after a
  truncated line starts on a line of its own.
* Undo and redo are entries that name the edit they act on; nothing in the log
  is rewritten.

:class:`Curator` keeps the fitted run, the log and the curated run in step for
a long-lived reader (the explorer): it reads only the log's new bytes, keeps
one state per applied edit so that undo is a step back rather than a replay,
and applies a new edit once, under the lock, before appending it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from topics.core.errors import TopicsInputError, TopicsWarning
from topics.core.files import append_line, write_errors
from topics.core.run import TopicRun, load_fitted_run
from topics.curate.edits import Edit, apply_edit, prime_words
from topics.fit.topic_words import TopicWords

LOG_NAME = "edits.jsonl"


class EditLog:
    """Append-only JSON-lines file with a lock and fsync per entry."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive ``flock`` on the log's ``.lock`` file for the ``with`` block; blocks until it is free."""
        with write_errors(self.lock_path):  # a read-only run folder: one line, not a traceback
            handle = open(self.lock_path, "a")  # noqa: SIM115 - closed by the with below
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def append(self, edit: Edit) -> None:
        """Write one entry and fsync it; call inside :meth:`locked`. A write that fails (a full disk) is taken
        back to the last whole line and raised as :class:`topics.core.errors.TopicsWriteError`: the log stays as it
        was."""
        append_line(self.path, json.dumps(edit.to_json(), ensure_ascii=False))

    def read(self, offset: int = 0, final: bool = False) -> tuple[list[tuple[int, Edit]], list[str], int]:
        """Entries from byte ``offset``: (line number, edit) pairs, warnings, and the new offset.

        A last line without its newline is left for later (a writer may be
        mid-line) unless ``final``, when it is reported as truncated.
        """
        if not self.path.exists():
            return [], [], 0
        with open(self.path, "rb") as handle:
            data = handle.read()
        line_number = data[:offset].count(b"\n")
        entries, warnings = [], []
        position = offset
        while position < len(data):
            end = data.find(b"\n", position)
            if end == -1:
                if final:
                    warnings.append(
                        f"{self.path}: line {line_number + 1} is cut short (an interrupted write) and is ignored."
                    )
                break
            line_number += 1
            raw = data[position:end].strip()
            position = end + 1
            if not raw:
                continue
            try:
                entries.append((line_number, Edit.from_json(json.loads(raw))))
            except (ValueError, TypeError, AttributeError) as error:
                warnings.append(f"{self.path}: line {line_number} is damaged and is ignored ({error}).")
        return entries, warnings, position


@dataclass
class _Applied:
    edit: Edit
    state: TopicRun
    skipped: str | None = None


def topic_labels(run: TopicRun, model: str | None = None) -> dict[int, str]:
    """Topic id -> label in one model of ``run``: the joint model (``model`` None) or a group's own model."""
    topic_set = run.joint if model is None else run.groups.get(model)
    return {t.id: t.label for t in topic_set.topics} if topic_set is not None else {}


class EditLogWarning(TopicsWarning):
    """An edit-log line that was skipped: damaged, cut short, or no longer applicable."""


class Curator:
    """A run folder's fitted run plus its replayed edit log.

    ``final``: the log is read as complete, so a last line without its newline
    is reported as cut short (one-shot readers: every command); a long-lived
    reader (the explorer) leaves it for a writer that may be mid-line.
    ``warn``: replay problems are also issued as :class:`EditLogWarning`.
    ``replay=False`` opens the fit as it came out (``--fitted``): no edits.
    """

    def __init__(self, path: str | Path, final: bool = False, warn: bool = False, replay: bool = True) -> None:
        self.path = Path(path)
        self.fitted = load_fitted_run(self.path)
        self.log = EditLog(self.path / LOG_NAME)
        self.warnings: list[str] = []
        self.damaged_lines = 0  # log lines skipped as damaged or cut short
        self._applied: list[_Applied] = []
        self._undone: list[Edit] = []
        self._edits: dict[str, Edit] = {}
        self._said: dict[str, str] = {}  # edit id -> what it did, named by the labels just before it
        self._offset = 0
        self._words: TopicWords | None = None
        self._mutex = threading.RLock()
        self._priming: threading.Thread | None = None
        if replay:
            self.refresh(final=final)
        if warn:
            for message in self.warnings:
                warnings.warn(message, EditLogWarning, stacklevel=3)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def run(self) -> TopicRun:
        """The curated run: the fitted run with every active edit applied."""
        return self._applied[-1].state if self._applied else self.fitted

    @property
    def words(self) -> TopicWords:
        """Word counts of the fitted run's kept remarks, loaded on first use from the run folder's saved counts
        (counted and saved then if they are missing or stale) and kept."""
        if self._words is None:
            kept = self.fitted.kept
            languages = kept["language"].to_numpy(dtype=object) if "language" in kept else None
            self._words = TopicWords.open(self.path, kept["text"], self.fitted.config.get("words", {}), languages)
        return self._words

    def prime_in_background(self) -> None:
        """Run :meth:`prime_words` in a daemon thread, once."""
        with self._mutex:
            if self._priming is None:
                self._priming = threading.Thread(target=self.prime_words, name="prime-words", daemon=True)
                self._priming.start()

    def prime_words(self) -> None:
        """Load the word counts and count the current topics' words (the explorer runs it in the background
        when a run opens): the first edit then pays only for the remarks it changes."""
        with self._mutex:
            prime_words(self.run, self.words)

    def snapshot(self) -> tuple[TopicRun, tuple[int, int]]:
        """The curated run and its revision, read together (another thread's edit cannot come between): the
        revision is (log entries read, damaged lines skipped) and grows with every edit, undo and redo, so it
        keys what is computed from that run."""
        with self._mutex:
            return self.run, (len(self._edits), self.damaged_lines)

    def history(self) -> list[tuple[Edit, str]]:
        """Every log entry in order with its status: applied, undone, skipped, or an undo/redo."""
        active = {a.edit.id: a for a in self._applied}
        undone = {e.id for e in self._undone}
        rows = []
        for edit in self._edits.values():
            if edit.op in ("undo", "redo"):
                status = edit.op
            elif edit.id in active:
                status = "skipped: " + active[edit.id].skipped if active[edit.id].skipped else "applied"
            else:
                status = "undone" if edit.id in undone else "undone earlier"
            rows.append((edit, status))
        return rows

    @property
    def in_effect(self) -> list[Edit]:
        """The edits that shape the curated run now (applied, not undone, not skipped)."""
        return [a.edit for a in self._applied if not a.skipped]

    def describe(self, edit: Edit) -> str:
        """What an edit did, in words, naming topics by their labels as they were just before it was made:
        "renamed topic 0 'bed, night, time' to 'Homework and self-monitoring'"; an undo or redo names the
        edit it acts on ("Undid: merged topic 4 'smoking' and topic 5 'quitting'")."""
        if edit.op in ("undo", "redo"):
            target = self._edits.get(edit.target)
            what = (self._said.get(target.id) or target.describe()) if target else f"edit {edit.target}"
            return f"{'Undid' if edit.op == 'undo' else 'Redid'}: {what}"
        text = self._said.get(edit.id) or edit.describe()
        return text[0].upper() + text[1:]

    @property
    def can_undo(self) -> bool:
        """Whether an undo has an edit to act on (see :attr:`last_applied`); a withdrawn session is never undone."""
        return bool(self._applied) and self._applied[-1].edit.op != "forget"

    @property
    def can_redo(self) -> bool:
        """Whether a redo has an undone edit to act on (see :attr:`next_redo`)."""
        return bool(self._undone)

    @property
    def last_applied(self) -> Edit | None:
        """The edit an undo would undo now (it may be a skipped one: undo acts on the log's order)."""
        return self._applied[-1].edit if self._applied else None

    @property
    def next_redo(self) -> Edit | None:
        """The edit a redo would redo now."""
        return self._undone[-1] if self._undone else None

    def refresh(self, final: bool = False) -> None:
        """Apply what other writers appended since the last read."""
        with self._mutex:
            entries, problems, self._offset = self.log.read(self._offset, final=final)
            new = [w for w in problems if w not in self.warnings]  # a cut-short line is seen again until completed
            self.damaged_lines += len(new)
            self.warnings.extend(new)
            for _, edit in entries:
                self._ingest(edit)

    # -- writing ---------------------------------------------------------------------------------
    def record(self, op: str, author: str, **fields) -> Edit:
        """Validate an edit against the current curated run, append it durably, apply it.

        An undo or redo may name the edit the user saw (``target``): when another writer's edit has come in
        since, nothing is written and the error names the edit it would act on now.
        """
        if not author or not author.strip():
            raise TopicsInputError("an edit needs an author name.")
        with self._mutex, self.log.locked():
            self.refresh(final=True)
            if op in ("undo", "redo"):
                now = self.last_applied if op == "undo" else self.next_redo
                seen = fields.get("target")
                if seen is not None and now is not None and now.id != seen:
                    raise TopicsInputError(
                        f"another edit came in since this page was drawn: {op} would now act on "
                        f"'{self.describe(now)}'. Look again, then {op} if you mean it."
                    )
            if op == "undo":
                if not self._applied:
                    raise TopicsInputError("nothing to undo.")
                if self._applied[-1].edit.op == "forget":
                    raise TopicsInputError(
                        "the last entry is a withdrawn session: a withdrawal cannot be undone (its remarks are gone)."
                    )
                edit = Edit(op="undo", author=author, target=self._applied[-1].edit.id)
                self.log.append(edit)
                self._ingest(edit)
            elif op == "redo":
                if not self._undone:
                    raise TopicsInputError("nothing to redo.")
                edit = Edit(op="redo", author=author, target=self._undone[-1].id)
                self.log.append(edit)
                self._ingest(edit)
            else:
                edit = Edit(op=op, author=author, **fields)
                state = apply_edit(self.run, edit, lambda: self.words)  # raises before anything is written
                self.log.append(edit)
                self._remember(edit, self.run)
                self._push(edit, state)
            self._offset = self.log.path.stat().st_size
            return edit

    # -- replay ----------------------------------------------------------------------------------
    def _push(self, edit: Edit, state: TopicRun, skipped: str | None = None) -> None:
        self._edits[edit.id] = edit
        self._applied.append(_Applied(edit, state, skipped))
        self._undone.clear()

    def _ingest(self, edit: Edit) -> None:
        self._edits[edit.id] = edit
        if edit.op == "undo":
            self._undo(edit.target)
        elif edit.op == "redo":
            self._redo(edit.target)
        else:
            self._push(edit, *self._try(self.run, edit))

    def _remember(self, edit: Edit, before: TopicRun) -> None:
        """Describe ``edit`` with the labels of the model it edits in ``before``, the first time it is applied
        (an edit re-applied after another writer's undo keeps the words it was made with)."""
        if edit.id not in self._said:
            self._said[edit.id] = edit.describe(topic_labels(before, edit.model))

    def _try(self, run: TopicRun, edit: Edit) -> tuple[TopicRun, str | None]:
        self._remember(edit, run)
        try:
            return apply_edit(run, edit, lambda: self.words), None
        except Exception as error:  # noqa: BLE001 - a logged edit that cannot apply is skipped, never fatal
            self.warnings.append(f"edit {edit.id} ({self._said[edit.id]}) no longer applies and is skipped: {error}")
            return run, str(error)

    def _undo(self, target: str | None) -> None:
        ids = [a.edit.id for a in self._applied]
        if target not in ids:
            self.warnings.append(f"undo of edit {target}: that edit is not applied; ignored.")
            return
        position = ids.index(target)
        undone = self._applied[position].edit
        if undone.op == "forget":
            self.warnings.append(f"undo of edit {target}: a withdrawn session cannot be undone; ignored.")
            return
        rest = [a.edit for a in self._applied[position + 1 :]]
        del self._applied[position:]
        for edit in rest:  # only when another writer's edits came after the one undone
            state, skipped = self._try(self.run, edit)
            self._applied.append(_Applied(edit, state, skipped))
        self._undone.append(undone)

    def _redo(self, target: str | None) -> None:
        ids = [e.id for e in self._undone]
        if target not in ids:
            self.warnings.append(f"redo of edit {target}: that edit is not undone; ignored.")
            return
        edit = self._undone.pop(ids.index(target))
        state, skipped = self._try(self.run, edit)
        self._applied.append(_Applied(edit, state, skipped))


def load_run(path: str | Path, curated: bool = True) -> TopicRun:
    """Open a run folder: the curated run (the fit with the experts' edit log replayed), or with
    ``curated=False`` the fit as it came out.

    Edit-log lines that are damaged or cut short are skipped and reported as
    :class:`EditLogWarning` warnings, once each.
    """
    if not curated:
        return load_fitted_run(path)
    return Curator(path, final=True, warn=True).run
