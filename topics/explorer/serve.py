"""The explorer's server process: opens the run, then becomes the Streamlit server.

Streamlit runs a page's script only when a visitor connects, so without this
the first visitor pays for importing every page (about 3 s) and for reading
the run (2 s at a million remarks). Here both happen while the server starts,
before it accepts a connection: the run's curator lands in the same
``st.cache_resource`` cache the pages read, and the first page only draws.
What the slow pages need (group findings, session dynamics, redacted texts:
:func:`topics.explorer.common.prime`) is computed in a thread meanwhile.

    python -m topics.explorer.serve [streamlit flags ...] -- RUN
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import topics  # noqa: F401  (offline mode and compile cache before anything else)
from topics.core.errors import TopicsInputError

APP = Path(__file__).resolve().parent / "app.py"

#: The two Streamlit loggers that warn when its API is used before its runtime exists, as this module does on
#: purpose. ``@st.cache_data`` checks its arguments against a throwaway in-memory store at import ("No runtime
#: found, using MemoryCacheStorageManager"): the real caches are made on first use, inside the runtime. The
#: spinner of ``curator_for`` looks for a page to draw on ("missing ScriptRunContext!"): there is none yet,
#: and the run still lands in the ``st.cache_resource`` cache the pages read.
BARE_MODE_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)


@contextlib.contextmanager
def _bare_mode_warnings_off() -> Iterator[None]:
    """Only those two warnings, and only while the pages are imported and the run is opened: Streamlit sets
    every logger's level from its config once it starts, and any later warning of theirs is news."""
    # Streamlit's own registry of loggers, which its modules take theirs from
    from streamlit.logger import get_logger

    loggers = [get_logger(name) for name in BARE_MODE_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def main(argv: list[str]) -> None:
    """Import every page and open the run named after ``--`` in ``argv``, then run ``streamlit run`` with the
    flags before it; exits with Streamlit's code, or 2 when the run cannot be opened."""
    flags, run = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    with _bare_mode_warnings_off():
        from topics.explorer import common, router  # noqa: F401  (every page's imports, once)

        if run:
            try:
                common.curator_for(run[0])  # the key the router gives the pages: the script argument as written
            except TopicsInputError as error:
                print(f"error: {error}", file=sys.stderr)
                sys.exit(2)
            common.prime(run[0])  # the slow pages' numbers, in a thread, while Streamlit starts
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *flags, *(["--", *run] if run else [])]
    sys.exit(cli.main())


if __name__ == "__main__":
    main(sys.argv[1:])
