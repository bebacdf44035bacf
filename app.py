"""Streamlit entry point of the explorer: ``streamlit run app.py -- outputs/RUN`` (or ``topics explore RUN``)."""

import sys

import topics  # noqa: F401  (offline mode and compile cache before anything else)
from topics.explorer.router import run_app

run_app(sys.argv[1:])
