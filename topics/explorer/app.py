"""Streamlit script of the explorer: ``topics explore RUN`` runs this file (``streamlit run ... -- RUN``)."""

import sys

import topics  # noqa: F401  (offline mode and compile cache before anything else)
from topics.explorer.router import run_app

run_app(sys.argv[1:])
