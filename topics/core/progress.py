"""Progress bars for long stages: counts, rate and time left on stderr, silent when there is little to do."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tqdm import tqdm


def progress_bar(total: int, desc: str, unit: str, shown: bool = True) -> tqdm:
    """A tqdm bar on stderr (refreshed at most once a second); a disabled one when ``shown`` is False."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not shown, file=sys.stderr, mininterval=1.0)
