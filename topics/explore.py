"""Start the explorer: Streamlit on 127.0.0.1, headless, without usage statistics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from topics.errors import TopicsInputError
from topics.run import load_run

APP = Path(__file__).resolve().parents[1] / "app.py"


def streamlit_command(run: Path | None, port: int) -> list[str]:
    """The command line ``topics explore`` runs (tests start the same one)."""
    command = [sys.executable, "-m", "streamlit", "run", str(APP),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--client.toolbarMode", "minimal"]
    return command + (["--", str(run)] if run else [])


def explore(run: Path | None, port: int = 8501) -> int:
    if run is not None:
        load_run(run)  # a clear error here beats one in the browser
    if not APP.exists():
        raise TopicsInputError(f"{APP}: the explorer's app.py is missing; reinstall therapy-topics from its repository.")
    print(f"Explorer at http://127.0.0.1:{port}  (Ctrl+C stops it)", flush=True)
    try:
        return subprocess.call(streamlit_command(run, port))
    except KeyboardInterrupt:
        return 0
