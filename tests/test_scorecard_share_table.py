"""scorecard.share_table on a small hand-written table whose shares were worked out by hand."""

import numpy as np
import pandas as pd

from analysis import scorecard


def test_share_table_counts_each_flag_per_group_skipping_unread_flags():
    frame = pd.DataFrame(
        {
            "brand": ["B", "A", "B", None, "A", "B"],
            "channel": ["x", "x", "y", "x", "x", "y"],
            "signed": [1.0, 0.0, np.nan, 1.0, 1.0, 1.0],
            "thanked": pd.array([True, None, False, None, True, False], dtype="boolean"),
        }
    )
    table = scorecard.share_table(frame, ["brand", "channel"], ["signed", "thanked"])
    # Groups sorted, the missing brand kept as its own group, last.
    assert table["brand"].tolist()[:3] == ["A", "B", "B"]
    assert pd.isna(table["brand"].iloc[3])
    assert table["channel"].tolist() == ["x", "x", "y", "x"]
    assert table["count"].tolist() == [2, 1, 2, 1]
    # A: signed 0 and 1 -> 1/2; B/y: one unread (NaN) and one signed -> 1/1.
    np.testing.assert_array_equal(table["signed_share"], [0.5, 1.0, 1.0, 1.0])
    # A: one unread, one thanked -> 1/1; the missing brand's only flag is unread -> no share.
    np.testing.assert_array_equal(table["thanked_share"], [1.0, 1.0, 0.0, np.nan])
    low, high = scorecard.wilson_interval(np.array([1, 1, 0]), np.array([1, 1, 2]))
    np.testing.assert_array_equal(table["thanked_share_low"].iloc[:3], low)
    np.testing.assert_array_equal(table["thanked_share_high"].iloc[:3], high)
    assert np.isnan(table["thanked_share_low"].iloc[3])


def test_share_table_of_no_rows_has_the_columns_and_no_rows():
    frame = pd.DataFrame({"brand": pd.Series(dtype=object), "signed": pd.Series(dtype=float)})
    table = scorecard.share_table(frame, "brand", ["signed"])
    assert table.columns.tolist() == [
        "brand",
        "count",
        "signed_share",
        "signed_share_low",
        "signed_share_high",
    ]
    assert table.empty
