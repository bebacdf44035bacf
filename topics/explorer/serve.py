"""The explorer's server process: opens the run, then becomes the Streamlit server.

Streamlit runs a page's script only when a visitor connects, so without this
the first visitor pays for importing every page (about 3 s) and for reading
the run (2 s at a million remarks). Here both happen while the server starts,
before it accepts a connection: the run's curator lands in the same
``st.cache_resource`` cache the pages read, and the first page only draws.

    python -m topics.explorer.serve [streamlit flags ...] -- RUN
"""

from __future__ import annotations

import sys
from pathlib import Path

import topics  # noqa: F401  (offline mode and compile cache before anything else)
from topics.errors import TopicsInputError

APP = Path(__file__).resolve().parent / "app.py"


def main(argv: list[str]) -> None:
    flags, run = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    from topics.explorer import common, router  # noqa: F401  (every page's imports, once)

    if run:
        try:
            common.curator_for(run[0])  # the key the router gives the pages: the script argument as written
        except TopicsInputError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *flags, *(["--", *run] if run else [])]
    sys.exit(cli.main())


if __name__ == "__main__":
    main(sys.argv[1:])
