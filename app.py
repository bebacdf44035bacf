"""Streamlit entry point of the explorer from a clone: ``streamlit run app.py -- outputs/RUN``.

The explorer itself lives in the package (``topics/explorer/app.py``), so an
installed wheel has it too; ``topics explore RUN`` runs that file.
"""

import runpy

runpy.run_module("topics.explorer.app", run_name="__main__")
