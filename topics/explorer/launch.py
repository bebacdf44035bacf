"""Start the explorer: Streamlit on 127.0.0.1, headless, without usage statistics.

``topics explore`` runs Streamlit as a child process and must never leave it
serving on its own: SIGTERM, SIGINT and SIGHUP (the shell that started it
closing) are passed on to the child, and on Linux the kernel sends the child
SIGTERM if ``topics explore`` dies without a chance to pass anything on.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from topics.core.errors import TopicsInputError
from topics.core.run import check_run_folder

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_command(run: Path | None, port: int) -> list[str]:
    """The command line ``topics explore`` runs (tests start the same one): Streamlit by way of
    :mod:`topics.explorer.serve`, which opens the run before the server accepts its first visitor."""
    command = [
        sys.executable,
        "-m",
        "topics.explorer.serve",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--client.toolbarMode",
        "minimal",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]
    return command + (["--", str(run)] if run else [])


def explore(run: Path | None, port: int = 8501) -> int:
    """Serve the explorer on 127.0.0.1:``port`` (on ``run``, or on the sidebar's run picker when None) until the
    server stops; returns its exit code, 0 when it stopped on SIGTERM. A ``run`` that is not a run folder this
    version reads raises ``TopicsInputError`` before the server starts."""
    if run is not None:
        check_run_folder(Path(run))  # a clear error here beats one in the browser; the server reads the rest
    if not APP.exists():
        raise TopicsInputError(f"{APP}: the explorer's script is missing; reinstall therapy-topics.")
    print(f"Explorer at http://127.0.0.1:{port}  (Ctrl+C stops it)", flush=True)
    server = subprocess.Popen(streamlit_command(run, port), preexec_fn=_stop_with_parent)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        code = server.wait()  # a signal runs its handler during the wait (PEP 475), then the wait goes on
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if server.poll() is None:
            server.kill()
            server.wait()
    return 0 if code in (0, -signal.SIGTERM) else code


def _stop_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
