"""Numbers are said one way everywhere: a share as a percent, a share with its interval."""

import numpy as np
import pandas as pd
import pytest

from topics.core.formatting import percent, percent_columns, share_cell


@pytest.mark.parametrize(
    "value, digits, said",
    [
        (0.094, 1, "9.4%"),
        (np.float32(0.094), 1, "9.4%"),
        (np.int64(1), 1, "100.0%"),
        (0.61, None, "61%"),
        (0.004, None, "0.4%"),
        (0.0, None, "0%"),
        (0.123, 0, "12%"),
        (None, 1, "-"),
        (pd.NA, 1, "-"),
        (float("nan"), 1, "-"),
        (float("inf"), 1, "-"),
        (True, 1, "-"),
        ("0.5", 1, "-"),
    ],
)
def test_percent(value, digits, said):
    assert percent(value, digits) == said


def test_share_cell_and_share_columns():
    assert share_cell(0.094, 0.061, 0.13) == "9.4% (6.1-13.0)"
    frame = pd.DataFrame({"id": [1, 2], "share": [0.5, 0.0004], "share CBT": [0.25, np.nan], "size": [3, 4]})
    numbers = percent_columns(frame)
    assert numbers["share"].tolist() == [50.0, 0.0] and numbers["size"].tolist() == [3, 4]
    assert percent_columns(frame, as_text=True)["share CBT"].tolist() == ["25.0%", "-"]
    assert frame["share"].tolist() == [0.5, 0.0004]  # a copy: the caller's frame keeps its fractions
