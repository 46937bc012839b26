"""The scorecards' Kaplan-Meier figures for all groups at once equal each group's own curve."""

import numpy as np
import pandas as pd
import pytest

from analysis import latency


def _exchanges(group_sizes: dict[str, int], seed: int) -> pd.DataFrame:
    """Exchanges of several brands: ties, replies at the same second, unanswered ones censored at
    the end of the data, and a few latency-excluded ones."""
    rng = np.random.default_rng(seed)
    brands = np.repeat(list(group_sizes), list(group_sizes.values()))
    n = len(brands)
    created = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 30 * 86_400, n), unit="s"
    )
    # Whole minutes, so that many waits tie; some replies at the same second (0 s).
    seconds = rng.integers(0, 6 * 60, n).astype(float) * 60
    answered = rng.random(n) < 0.7
    reason = np.where(rng.random(n) < 0.05, "reply_before_message", None)
    return pd.DataFrame(
        {
            "brand": pd.Series(brands, dtype=object),
            "created_at": created,
            "answered": answered,
            "first_response_seconds": np.where(answered & (reason == None), seconds, np.nan),  # noqa: E711
            "latency_excluded_reason": reason,
            "observed_until": pd.Timestamp("2024-02-05", tz="UTC"),
        }
    )


def _expected_km(frame: pd.DataFrame, sla_hours: tuple[float, ...]) -> pd.DataFrame:
    """Each brand's figures from its own kaplan_meier curve (the one-group reference)."""
    rows = []
    for brand, group in frame.groupby("brand", sort=True):
        excluded = group["latency_excluded_reason"].notna()
        waited = (group["observed_until"] - group["created_at"]).dt.total_seconds()
        duration = group["first_response_seconds"].where(group["answered"], waited)[~excluded]
        curve = latency.kaplan_meier(duration, group["answered"][~excluded])
        median, low, high = latency.km_median(curve)
        row = {"brand": brand, "median": median, "low": low, "high": high}
        for hours in sla_hours:
            before = curve.loc[curve["time_seconds"] <= hours * 3600, "survival"]
            row[hours] = 1 - before.iloc[-1]
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_km_columns_equal_each_groups_own_curve(seed):
    # Sizes cross the powers of two that stack groups of similar length: 1, 2, 3, 5, 64, 65, 400.
    sizes = {"a": 1, "b": 2, "c": 3, "d": 5, "e": 64, "f": 65, "g": 400}
    frame = _exchanges(sizes, seed)
    sla_hours = (0.5, 1, 4)
    table = latency.by_group(frame, "brand", sla_hours)
    expected = _expected_km(frame, sla_hours)
    assert table["brand"].tolist() == expected["brand"].tolist()
    for column, name in (
        ("km_median_first_response_seconds", "median"),
        ("km_median_first_response_low_seconds", "low"),
        ("km_median_first_response_high_seconds", "high"),
        *((f"km_within_{hours:g}h_share", hours) for hours in sla_hours),
    ):
        np.testing.assert_array_equal(table[column].to_numpy(), expected[name].to_numpy())


def test_group_with_no_measurable_message_has_no_km_figures():
    frame = _exchanges({"a": 20, "b": 3}, seed=4)
    frame.loc[frame["brand"] == "b", "latency_excluded_reason"] = "message_time_unknown"
    table = latency.by_group(frame, "brand", (1,)).set_index("brand")
    assert table.loc["b", "customer_messages"] == 3
    assert table.loc["b", ["km_median_first_response_seconds", "km_within_1h_share"]].isna().all()
    assert table.loc["a", "km_within_1h_share"] >= 0


def test_all_answered_at_once_reaches_zero_at_time_zero():
    frame = pd.DataFrame(
        {
            "brand": ["a", "a", "b"],
            "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
            "answered": [True, True, False],
            "first_response_seconds": [0.0, 0.0, np.nan],
        }
    )
    table = latency.by_group(frame, "brand", (1,)).set_index("brand")
    assert table.loc["a", "km_median_first_response_seconds"] == 0
    assert table.loc["a", "km_within_1h_share"] == 1
    # b waited no time at all (the data ends with its message): censored at 0, never answered.
    assert np.isnan(table.loc["b", "km_median_first_response_seconds"])
    assert table.loc["b", "km_within_1h_share"] == 0


@pytest.mark.parametrize("ufunc", [np.multiply, np.add])
def test_accumulate_per_group_restarts_at_each_group_bit_for_bit(ufunc):
    rng = np.random.default_rng(5)
    lengths = np.array([1, 2, 3, 4, 5, 7, 8, 9, 130, 1, 33])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    values = rng.uniform(0.9, 1.0, lengths.sum())
    expected = np.concatenate(
        [ufunc.accumulate(values[s : s + n]) for s, n in zip(starts, lengths, strict=True)]
    )
    result = latency._accumulate_per_group(ufunc, values, starts, lengths)
    np.testing.assert_array_equal(result, expected)


def test_quantiles_are_each_groups_own_with_ties_and_nulls():
    rng = np.random.default_rng(6)
    values = rng.integers(0, 50, 3000).astype(float)
    values[rng.random(3000) < 0.1] = np.nan
    codes = rng.integers(0, 7, 3000)
    table = latency._quantile_table(values, codes, 8, (0.5, 0.9), 0.95)
    for group in range(7):
        own = values[(codes == group) & ~np.isnan(values)]
        assert table[0.5][0][group] == np.quantile(own, 0.5)
        assert table[0.9][0][group] == np.quantile(own, 0.9)
    assert np.isnan(table[0.5][0][7])  # a group without rows


def _next_replies(seconds: list[float], durations: list[float], replied: list[bool]):
    n = len(seconds)
    return pd.DataFrame(
        {
            "brand": ["a"] * n,
            "created_at": pd.Timestamp("2024-01-01", tz="UTC"),
            "replied": replied,
            "next_reply_seconds": seconds,
            "duration_seconds": durations,
            "turn_first": True,
        }
    )


def test_next_reply_quantiles_read_the_reply_times_even_when_durations_differ():
    # A hand-made table whose durations are not its reply times: quantiles of the reply times,
    # the Kaplan-Meier median of the durations.
    frame = _next_replies([60.0, 120.0, 180.0], [600.0, 700.0, 800.0], [True, True, True])
    table = latency.next_reply_by_group(frame, "brand", (1,))
    assert table.loc[0, "median_next_reply_seconds"] == 120
    assert table.loc[0, "km_median_next_reply_seconds"] == 700


def test_negative_durations_come_before_the_curves_time_zero_row():
    frame = _next_replies(
        [np.nan, 30.0, 30.0, np.nan], [-50.0, 30.0, 30.0, 90.0], [False, True, True, False]
    )
    table = latency.next_reply_by_group(frame, "brand", (0.01,))
    durations = frame["duration_seconds"].to_numpy()
    curve = latency._km_arrays(durations, frame["replied"].to_numpy(float))
    assert curve["time_seconds"].tolist() == [-50, 0, 30, 90]
    expected_median = curve["time_seconds"][np.flatnonzero(curve["survival"] <= 0.5)[0]]
    assert table.loc[0, "km_median_next_reply_seconds"] == expected_median == 30
    assert table.loc[0, "km_within_0.01h_share"] == 1 - curve["survival"][2]


def _ranks_over_whole_range(n: int, probability: float, confidence: float) -> tuple[int, int]:
    """The order-statistic ranks from the Binomial CDF over all of 0..n (the reference)."""
    cdf = np.cumsum(np.exp(latency._binomial_log_pmf(n, probability, 0, n)))
    alpha = 1 - confidence
    lower = int(np.searchsorted(cdf, alpha / 2 + 1e-12, side="right"))
    upper = int(np.searchsorted(cdf, 1 - alpha / 2 - 1e-12, side="left")) + 1
    return lower, upper


@pytest.mark.parametrize("n", [1, 7, 1000, 65_536, 65_537])
def test_log_factorial_table_begins_with_each_smaller_ones_sum(n):
    own = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    np.testing.assert_array_equal(latency._log_factorials(1 << 17)[: n + 1], own)


@pytest.mark.parametrize("n", [1, 2, 5, 17, 400, 1601, 1602, 65_536, 300_001])
@pytest.mark.parametrize("probability", [0.5, 0.9, 0.99])
def test_order_statistic_ranks_summed_near_the_mean_equal_the_whole_sum(n, probability):
    expected = _ranks_over_whole_range(n, probability, 0.95)
    assert latency._order_statistic_ranks.__wrapped__(n, probability, 0.95) == expected
