"""The ``./run`` script's decisions, checked without carrying them out (nothing is installed here)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs ./run and pytest's collection in subprocesses: the full suite, not the fast tier

ROOT = Path(__file__).resolve().parents[1]


def needs_browser(*args: str) -> str:
    """The answer ``./run test ARGS`` acts on before it would install Chromium."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "needs_browser.py"), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (["-k", "cli"], "no"),  # the CLI tests: no browser, so no Chromium to install
        (["tests/test_browser.py", "-k", "refuses"], "no"),  # in the browser tests' file, but without a browser
        (["tests/test_browser.py", "-k", "rename"], "yes"),  # drives Chromium through the browser fixture
    ],
)
def test_run_test_installs_chromium_only_for_tests_that_drive_a_browser(args, answer):
    assert needs_browser(*args) == answer


def test_run_script_asks_before_installing_chromium_and_never_tees_to_stderr():
    """``./run test ARGS`` passes its arguments to the question; ``./run demo`` no longer copies the fit's output
    with ``tee /dev/stderr``, which reopens stderr and, when that is a file, writes over it from offset 0."""
    script = (ROOT / "run").read_text()
    assert 'browser "$@"' in script and "tests/needs_browser.py" in script
    assert "/dev/stderr" not in script
