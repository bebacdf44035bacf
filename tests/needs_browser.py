"""Does a pytest selection drive a browser? ``./run test ARGS`` asks before it installs Debian's Chromium.

    python tests/needs_browser.py [pytest args ...]     # prints "yes" or "no"

A test drives a browser when it uses the ``browser`` fixture (tests/test_browser.py), directly or through
another fixture. The answer comes from pytest's own collection of the same arguments, so files, node ids,
``-k`` and ``-m`` select exactly as they will in the run that follows: the whole suite says yes (CI installs
Chromium), ``-k cli`` says no. Not a test module: pytest collects only ``test_*.py``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

#: the fixture that starts Chromium; a test that uses it cannot run without chromium and chromedriver
FIXTURE = "browser"


class _Probe:
    """A pytest plugin that keeps the answer once collection, with its deselection, is final."""

    def __init__(self) -> None:
        self.needed = False

    def pytest_collection_finish(self, session) -> None:
        self.needed = any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items)


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """stdout and stderr to /dev/null at the descriptor level: the collection's listing and any collection error
    are the business of the run that follows, which prints them."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def needs_browser(args: list[str]) -> bool:
    """Whether pytest, given ``args``, would run a test that uses the ``browser`` fixture.

    Arguments pytest refuses select nothing here; the run that follows reports them.
    """
    import pytest

    probe = _Probe()
    with _silenced():
        pytest.main(["--collect-only", "-q", *args], plugins=[probe])
    return probe.needed


if __name__ == "__main__":
    print("yes" if needs_browser(sys.argv[1:]) else "no")
