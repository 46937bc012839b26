"""Aggregation with confidence intervals: shares with Wilson intervals, grouped scorecards."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd


def wilson_interval(
    successes: np.ndarray | pd.Series | int,
    trials: np.ndarray | pd.Series | int,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a share: inside [0, 1], around its share, exact at 0 and n."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any((k < 0) | (k > n)):
        raise ValueError("analysis: wilson_interval needs 0 <= successes <= trials for every share")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denominator = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denominator
        half_width = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
        # In exact arithmetic low <= p <= high, low = 0 at k = 0 and high = 1 at k = n; in floating
        # point both ends land a rounding error off (1 - 1e-16 at 100 %), which put an interval on
        # the wrong side of its share. State the exact values rather than trust the rounding.
        low = np.where(k == 0, 0.0, np.clip(np.minimum(centre - half_width, p), 0, 1))
        high = np.where(k == n, 1.0, np.clip(np.maximum(centre + half_width, p), 0, 1))
        low = np.where(n > 0, low, np.nan)
        high = np.where(n > 0, high, np.nan)
    return low, high


def share_table(
    frame: pd.DataFrame, by: str | list[str], flags: list[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per group: count, and for each boolean flag its share with a Wilson interval (NaN flags skipped)."""
    keys = [by] if isinstance(by, str) else list(by)
    grouped = frame.groupby(keys, dropna=False, observed=True)
    out = grouped.size().rename("count").to_frame()
    # The keys are grouped once; each flag is then counted per group code. Flags are 0/1, so
    # these sums are exact integers whatever the order of summation (the same as groupby's).
    codes = grouped.ngroup().to_numpy()
    group_count = len(out)
    for flag in flags:
        values = frame[flag].astype("float").to_numpy()
        read = ~np.isnan(values)
        successes = np.bincount(codes, weights=np.where(read, values, 0.0), minlength=group_count)
        trials = np.bincount(codes[read], minlength=group_count)
        low, high = wilson_interval(successes, trials, confidence)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{flag}_share"] = successes / np.where(trials > 0, trials, np.nan)
        out[f"{flag}_share_low"] = low
        out[f"{flag}_share_high"] = high
    return out.reset_index()


def compared(table: pd.DataFrame) -> tuple[str, str]:
    """What a grouped table compares: its first column (brand, agent, channel, ...), and the
    words a sentence uses for it ("ticket type")."""
    key = str(table.columns[0])
    return key, key.replace("_", " ")


def rankable(
    table: pd.DataFrame, count_column: str, min_count: int, unit: str = "customer messages"
) -> tuple[pd.DataFrame, list[str]]:
    """The groups a headline may rank (at least `min_count` in `count_column`), and a sentence
    saying how many were left out and why (empty when none were): one message proves nothing."""
    counted = table[table[count_column] > 0]
    kept = counted[counted[count_column] >= min_count]
    left_out = len(counted) - len(kept)
    if not left_out:
        return kept, []
    noun = compared(table)[1]
    brands = noun if left_out == 1 else f"{noun}s"
    return kept, [
        f"{left_out} {brands} with fewer than {min_count} {unit} "
        f"{'is' if left_out == 1 else 'are'} not ranked here (their figures are in the tables)."
    ]
