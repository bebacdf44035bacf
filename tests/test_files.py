"""Writes that fail (a full disk, a file too large, a path through a file) end in one clear line, exit code 2 and
nothing half-written: the helpers of topics/core/files.py, and the real commands with the operating system refusing."""

import errno
import os
import resource
import signal
import subprocess

import pytest
from conftest import TOPICS_BIN, FakeEncoder

from topics.core.errors import TopicsWriteError
from topics.core.files import atomic_file, atomic_folder, write_text_atomic


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_failed_file_write_keeps_the_old_file_removes_its_temporary_and_says_what_to_do(tmp_path):
    target = tmp_path / "report.html"
    write_text_atomic(target, "the old report")
    with pytest.raises(TopicsWriteError, match=r"report.html: cannot be written .*disk is full"):
        with atomic_file(target) as temporary:
            temporary.write_text("half a new rep")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == "the old report" and leftovers(tmp_path) == []


def test_an_error_that_is_not_a_failed_write_passes_unchanged(tmp_path):
    """Reading a missing input inside the block is that error, not "cannot be written"."""
    with pytest.raises(FileNotFoundError):
        with atomic_file(tmp_path / "out.csv") as temporary:
            temporary.write_text("x")
            (tmp_path / "missing.csv").read_text()
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.csv").exists()


def test_a_full_disk_in_a_group_model_stops_the_fit_instead_of_skipping_the_group(tiny_config, tmp_path, monkeypatch):
    from topics.fit import pipeline

    fit_model = pipeline._fit_model

    def full(name, *args, **kwargs):  # the joint model fits; each group's cache write finds the disk full
        if name == "joint":
            return fit_model(name, *args, **kwargs)
        raise TopicsWriteError("reduced/x.npy: cannot be written (No space left on device). The disk is full.")

    monkeypatch.setattr(pipeline, "_fit_model", full)
    with pytest.raises(TopicsWriteError, match="disk is full"):
        pipeline.fit_run(tiny_config, out=tmp_path / "run", encoder=FakeEncoder())
    assert not (tmp_path / "run").exists()


def test_a_path_through_a_file_is_named(tmp_path):
    (tmp_path / "notes").write_text("a file, not a folder")
    with pytest.raises(TopicsWriteError, match=r"notes/out.csv: cannot be written .*is a file, not a folder"):
        write_text_atomic(tmp_path / "notes" / "out.csv", "x")


def test_a_folder_replaced_in_a_failed_write_is_left_whole(tmp_path):
    target = tmp_path / "compare"
    with atomic_folder(target) as folder:
        (folder / "shares.csv").write_text("old")
    with pytest.raises(TopicsWriteError, match="disk is full"):
        with atomic_folder(target, replace=True) as folder:
            (folder / "shares.csv").write_text("new")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert (target / "shares.csv").read_text() == "old" and leftovers(tmp_path) == []
    with atomic_folder(target, replace=True) as folder:
        (folder / "shares.csv").write_text("new")
    assert (target / "shares.csv").read_text() == "new" and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml", ["fit.modes=[joint]", "consensus.members=1"])
    return fit_run(config, out=tmp_path_factory.mktemp("files") / "run", encoder=FakeEncoder()).path


def refused(*args, limit: int):
    """``topics ARGS`` with files capped at ``limit`` bytes by the kernel (RLIMIT_FSIZE): a write past it fails
    with EFBIG, as a write on a full disk fails with ENOSPC."""

    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with an error instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [TOPICS_BIN, *map(str, args)],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        env=os.environ.copy(),
        timeout=300,
    )


def one_clear_line(result, path):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith(f"error: {path}: cannot be written (File too large)"), lines


@pytest.mark.slow  # three commands in subprocesses
def test_commands_that_cannot_write_exit_2_with_one_line_and_leave_nothing_behind(fitted, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    report = refused("report", fitted, "--out", out / "r.html", limit=4096)
    one_clear_line(report, out / "r.html")
    assert list(out.iterdir()) == []

    (tmp_path / "session.csv").write_text("text\n" + "Hello Jennifer, how was the week at 14 Elm Street?\n" * 400)
    redact = refused("redact", tmp_path / "session.csv", "--columns", "text", "--out", out / "s.csv", limit=4096)
    one_clear_line(redact, out / "s.csv")
    assert list(out.iterdir()) == []

    log = fitted / "edits.jsonl"
    assert refused("edit", fitted, "--author", "Ana", "rename", "0", "First label", limit=2**30).returncode == 0
    before = log.read_bytes()
    edit = refused("edit", fitted, "--author", "Ana", "rename", "0", "A label too far", limit=len(before) + 10)
    one_clear_line(edit, log)
    assert log.read_bytes() == before  # no half line: the log is as it was
