"""Weekly trends per brand: is a brand answering more, faster and better week by week?

One row per ISO week (Monday 00:00 to Sunday 24:00 in `timezone`, UTC by default) and brand,
from the exchanges table (one row per customer message and brand it counts for), keyed on
(week_start, brand) and never on a message id. A customer message counts in the week it was
written; messages without a time are in no week. The columns follow `latency.by_group` (response
rate with its Wilson interval, median first response with its exact order-statistic interval,
SLA shares) and `rubric.by_brand` (each lesson's share with its Wilson interval, from the
labelled exchanges), so a week's figures read like the brand scorecard's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import latency, scorecard
from analysis.rubric import LESSONS

_SHARE_SUFFIXES = ("_share", "_share_low", "_share_high")
UNKNOWN_BRAND = "unknown"
_LATENCY_COLUMNS = [
    "customer_messages",
    "answered",
    "response_rate",
    "response_rate_low",
    "response_rate_high",
    "first_response_measured_count",
    "median_first_response_seconds",
    "median_first_response_low_seconds",
    "median_first_response_high_seconds",
]


def week_start(times: pd.Series, timezone: str = "UTC") -> pd.Series:
    """The Monday 00:00 (in `timezone`) that starts each time's ISO week; NaT stays NaT."""
    local = pd.to_datetime(times, utc=True).dt.tz_convert(timezone)
    midnight = local.dt.tz_localize(None).dt.floor("D")
    monday = midnight - pd.to_timedelta(midnight.dt.day_of_week, unit="D")
    # A Monday midnight that a clock change makes ambiguous is its first occurrence.
    first = np.ones(len(monday), dtype=bool)
    return monday.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward")


def weekly_by_group(
    exchanges: pd.DataFrame,
    sla_hours: float | Sequence[float] = latency.DEFAULT_SLA_HOURS,
    *,
    by: str = "brand",
    timezone: str = "UTC",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per ISO week and group (`by`: brand, agent, channel, ...; the column keeps its name): customer messages, response rate, median first response and SLA
    shares with their intervals, and each lesson's share (Wilson) when the exchanges are labelled.

    Columns: week_start, iso_week ('2020-W10'), brand, then `_LATENCY_COLUMNS`, sla_{h}h_share
    (+ _low, _high) per threshold, and {lesson}_share (+ _low, _high) for each rubric lesson
    present. Weeks in which a brand has no customer message have no row.
    """
    keys = ["week_start", by]
    thresholds = (sla_hours,) if isinstance(sla_hours, int | float) else tuple(sla_hours)
    timed = exchanges[pd.to_datetime(exchanges["created_at"], utc=True).notna()]
    frame = timed.assign(
        week_start=week_start(timed["created_at"], timezone),
        **{by: timed[by].astype(object).where(timed[by].notna(), UNKNOWN_BRAND).astype(str)},
    )
    sla_columns = [
        f"{latency.sla_column(h)}{suffix}" for h in thresholds for suffix in ("", "_low", "_high")
    ]
    lessons = [lesson for lesson in LESSONS if lesson in frame]
    lesson_columns = [f"{lesson}{suffix}" for lesson in lessons for suffix in _SHARE_SUFFIXES]
    columns = [*keys, "iso_week", *_LATENCY_COLUMNS, *sla_columns, *lesson_columns]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype(
            {by: object, "iso_week": object, "week_start": f"datetime64[ns, {timezone}]"}
        )
    table = latency.by_group(frame, keys, thresholds, confidence=confidence)
    if lessons:
        flags = frame[keys].copy()
        for lesson in lessons:
            # NA (a reply whose text could not be read) is left out of the lesson's share.
            flags[lesson] = frame[lesson].astype("Float64").astype(float)
        shares = scorecard.share_table(flags, keys, lessons, confidence).drop(columns="count")
        table = table.merge(shares, on=keys, how="left")
    table["week_start"] = pd.to_datetime(table["week_start"]).dt.tz_convert(timezone)
    iso = table["week_start"].dt.isocalendar()
    table["iso_week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    return table[columns].sort_values(keys, ignore_index=True)


def weekly_by_brand(
    exchanges: pd.DataFrame,
    sla_hours: float | Sequence[float] = latency.DEFAULT_SLA_HOURS,
    *,
    timezone: str = "UTC",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per ISO week and brand (`weekly_by_group` by brand)."""
    return weekly_by_group(
        exchanges, sla_hours, by="brand", timezone=timezone, confidence=confidence
    )


def weekly_messages(weekly: pd.DataFrame) -> pd.Series:
    """Customer messages per week over all brands (for choosing the weeks a figure shows)."""
    return weekly.groupby("week_start")["customer_messages"].sum().astype(np.int64)
