"""A built wheel (not the editable install) carries everything: the explorer starts, reports render."""

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, FakeEncoder

pytestmark = pytest.mark.slow  # builds a wheel and installs it in a fresh venv: the full suite, not the fast tier


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """A fresh venv holding only the built wheel; dependencies come from the test venv by a .pth path entry
    (no network, and the editable install's own finder is not loaded there)."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(folder / "dist")],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (folder / "dist").glob("therapy_topics-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, cwd=folder)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert installed.returncode == 0, installed.stderr
    return venv, folder


def test_the_wheel_holds_the_explorer_templates_and_demo_and_knows_its_version(wheel_venv):
    venv, folder = wheel_venv
    version = subprocess.run([venv / "bin" / "topics", "--version"], capture_output=True, text=True, cwd=folder)
    assert version.returncode == 0 and version.stdout.strip() == "topics 0.1.0"
    code = (
        "import topics, pathlib; root = pathlib.Path(topics.__file__).parent; "
        "print(root); print(all((root / p).exists() for p in ('explorer/app.py', 'share/templates/report.html'))); "
        "import corpora, importlib.resources as r; print((r.files('corpora.demo') / 'demo_sessions.csv').is_file())"
    )
    shown = subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True, cwd=folder)
    where, has_files, has_demo = shown.stdout.split()
    assert where.startswith(str(venv)) and has_files == "True" and has_demo == "True", shown.stderr


def test_the_installed_explorer_serves_a_run_and_stops(wheel_venv, tiny_config):
    from topics.fit.pipeline import fit_run

    venv, folder = wheel_venv
    run = fit_run(tiny_config, out=folder / "run", encoder=FakeEncoder()).path
    port = free_port()
    server = subprocess.Popen(
        [venv / "bin" / "topics", "explore", str(run), "--port", str(port)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    try:
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    health = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", server.stdout.read().decode() if server.poll() is not None else "no answer"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
