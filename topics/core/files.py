"""Writing files and folders so that nothing is ever half-written, and a failed write says what to do.

Every file and folder the toolkit writes goes through here:

* :func:`atomic_file` yields a temporary sibling to write; only when the
  block succeeds is it fsynced and renamed over the target, so a reader sees
  the old file or the new one, never half of one.
* :func:`atomic_folder` does the same for a whole folder (a run, ``compare/``,
  ``classifier/``); with ``replace=True`` an old folder is renamed away first
  and removed after.
* :func:`append_line` adds one line to a log (the edit log, the log of outputs)
  and fsyncs it; a failed write is taken back, so the log holds whole lines only.

On any failure the temporary file or folder is removed. A failure of the
operating system (a full disk, no permission, a missing folder, a file larger
than the system allows) is raised as :class:`topics.core.errors.TopicsWriteError`
naming the path and what to do, so every command ends in one line and exit
code 2, not a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from topics.core.errors import TopicsInputError, TopicsWriteError

_ADVICE = {
    errno.ENOSPC: "The disk is full: free some space or write to another folder.",
    errno.EDQUOT: "The disk quota is used up: free some space or write to another folder.",
    errno.EFBIG: "The file is larger than this system allows here: write to another file system.",
    errno.EACCES: "No permission to write there: choose a folder you can write to.",
    errno.EPERM: "No permission to write there: choose a folder you can write to.",
    errno.EROFS: "The file system is read-only: choose a folder you can write to.",
    errno.ENOENT: "A folder on the way does not exist: create it or choose another one.",
    errno.ENOTDIR: "A part of the path is a file, not a folder: choose another path.",
    # mkdir(exist_ok=True) says EEXIST only when a file stands where a folder should be
    errno.EEXIST: "A part of the path is a file, not a folder: choose another path.",
}


#: What a failed *write* looks like; inside a caller's block other OSErrors (reading a missing input) keep theirs.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS})


@contextlib.contextmanager
def write_errors(path: Path, only: frozenset[int] | None = None) -> Iterator[None]:
    """Turn an operating-system failure while writing ``path`` into a :class:`TopicsWriteError` that names it.

    ``only``: translate these errno values alone and let other OSErrors pass unchanged.
    """
    try:
        yield
    except TopicsInputError:
        raise
    except OSError as error:
        if only is not None and error.errno not in only:
            raise
        advice = _ADVICE.get(error.errno, "Check the folder and try again.")
        raise TopicsWriteError(f"{path}: cannot be written ({error.strerror or error}). {advice}") from None


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` for the caller to write; rename it over ``path`` if the block succeeds.

    The temporary name is unique per process and call, so concurrent writers of one path never share it.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with write_errors(path):
            path.parent.mkdir(parents=True, exist_ok=True)
        with write_errors(path, only=WRITE_ERRNOS):  # the caller's writing
            yield temporary
        with write_errors(path):
            _fsync(temporary)
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):  # gone already after a successful rename, or never made
            temporary.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically."""
    with atomic_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def append_line(path: Path, line: str) -> None:
    """Append ``line`` (one line of text, no newline) to ``path`` and fsync it. A log cut short by a crash
    gets the new line on a line of its own; a write that fails (a full disk) is taken back to the last whole
    line and raised as :class:`TopicsWriteError`: the log stays as it was."""
    path = Path(path)
    data_line = line + "\n"
    created = not path.exists()
    with write_errors(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        size = None
        try:
            size = os.fstat(fd).st_size
            if size and not _ends_with_newline(path):
                data_line = "\n" + data_line  # the last line was cut short: do not glue onto it
            data = memoryview(data_line.encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        except OSError:
            if size is not None:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)  # no half line left behind
            raise
        finally:
            os.close(fd)
    if created:  # the new file's name must survive a power cut too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _fsync_tree(folder: Path) -> None:
    for item in folder.rglob("*"):
        if item.is_file():
            _fsync(item)


@contextlib.contextmanager
def atomic_folder(target: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder; it becomes ``target`` only if the block succeeds.

    ``replace``: an existing ``target`` is renamed away first and removed after (never half-replaced);
    otherwise an existing ``target`` is an error (a run folder is never overwritten).
    """
    target = Path(target)
    if target.exists() and not replace:
        raise TopicsInputError(f"{target}: already exists. Choose another --out folder or remove the old run.")
    with write_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    try:
        with write_errors(target):
            os.chmod(temporary, 0o777 & ~umask)  # mkdtemp makes it private; ours are as shareable as any folder
        with write_errors(target, only=WRITE_ERRNOS):  # the caller's writing
            yield temporary
        with write_errors(target):
            _fsync_tree(temporary)
            old = target.with_name(f".{target.name}.old.{os.getpid()}") if target.exists() else None
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)  # a leftover of a crash under the same process id
                os.rename(target, old)
            try:
                os.rename(temporary, target)
            except OSError:
                if old is not None:  # put the old folder back: the reader keeps what it had
                    os.rename(old, target)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # gone already after a successful rename
