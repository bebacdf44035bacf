"""Entry point of the worker processes that compute UMAP layouts side by side (see :mod:`topics.fit.reduce`).

python -m topics.fit.layout_worker FOLDER '[{"method": "umap", ..., "random_state": 7}, ...]'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from topics.fit.reduce import compute_layouts_in

if __name__ == "__main__":
    compute_layouts_in(Path(sys.argv[1]), json.loads(sys.argv[2]))
