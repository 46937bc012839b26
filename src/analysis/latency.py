"""Response latency: first-response, next-reply and resolution times, SLA shares, and survival
curves in which unanswered messages are censored at the end of the data, never dropped.

Definitions used throughout (and in every notebook figure):

- **customer_messages**: every customer message (one exchange), whatever happened to it.
- **answered / response_rate**: messages with at least one direct agent reply, over all messages
  (replies with a broken timestamp still count as answers).
- **latency-excluded**: a message whose latency cannot be measured (`latency_excluded_reason`:
  the reply is earlier than the complaint, or the complaint has no time). Counted in
  customer_messages and response_rate, left out of every time figure and every SLA share.
- **median / p90 first response**: over answered, measurable messages only, with exact
  distribution-free (order-statistic) confidence intervals. Because unanswered messages are
  missing from them, they flatter brands that ignore hard complaints; the Kaplan-Meier median
  (`km_median_*`) counts unanswered messages as censored at `observed_until` and does not.
- **sla_{h}h_share**: the share of measurable customer messages (answered or not) answered within
  h hours. Unanswered messages count as breaches, including recent ones whose clock was still
  running when the data ends; `km_within_{h}h_share` (1 - S(h) from Kaplan-Meier) is the
  censoring-aware counterpart.
"""

from __future__ import annotations

from functools import lru_cache
from statistics import NormalDist

import numpy as np
import pandas as pd

from analysis.business_hours import (
    DEFAULT_SCHEDULE,
    WEEKDAY_NAMES,
    BusinessHours,
    business_seconds_between,
)
from analysis.scorecard import compared, rankable, wilson_interval
from analysis.settings import Settings

__all__ = [
    "BusinessHours",
    "DEFAULT_SLA_HOURS",
    "add_business_first_response",
    "add_time_of_week",
    "by_brand",
    "by_group",
    "findings",
    "format_seconds",
    "kaplan_meier",
    "km_median",
    "next_reply_by_group",
    "next_reply_times",
    "resolution_by_group",
    "resolution_times",
    "sla_column",
    "survival_by_brand",
]

# The settings model holds the one default; the functions here use it when called directly.
DEFAULT_SLA_HOURS = Settings.model_fields["sla_hours"].default
UNKNOWN = "unknown"
_MEDIAN_TOLERANCE = 1e-12  # products of fractions land a hair above 0.5


def sla_column(hours: float) -> str:
    """The SLA share column for a threshold in hours: 1 -> 'sla_1h_share', 0.5 -> 'sla_0.5h_share'."""
    return f"sla_{hours:g}h_share"


def format_seconds(seconds: float | None) -> str:
    """A duration for people: '45 s', '12 min', '3.4 h', '2.1 days'; 'n/a' when unknown."""
    if seconds is None or pd.isna(seconds):
        return "n/a"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


# --- Business hours and time of week -------------------------------------------------------------


def add_business_first_response(
    exchanges: pd.DataFrame, schedule: BusinessHours | None = None
) -> pd.DataFrame:
    """A copy with business_first_response_seconds (null where first_response_seconds is null).

    Default schedule: Mon-Fri 09:00-17:00 UTC, no holidays.
    """
    out = exchanges.copy()
    measured = out["first_response_seconds"].notna().to_numpy()
    seconds = np.full(len(out), np.nan)
    if measured.any():
        seconds[measured] = business_seconds_between(
            out.loc[measured, "created_at"],
            out.loc[measured, "reply_at"],
            schedule or DEFAULT_SCHEDULE,
        )
    out["business_first_response_seconds"] = seconds
    return out


def add_time_of_week(
    frame: pd.DataFrame, timezone: str = "UTC", column: str = "created_at"
) -> pd.DataFrame:
    """A copy with `hour` (0-23) and `weekday` (Mon..Sun, ordered) of `column` in a local time zone."""
    out = frame.copy()
    local = pd.to_datetime(out[column], utc=True).dt.tz_convert(timezone)
    out["hour"] = local.dt.hour.astype("Int64")
    weekday = pd.Categorical.from_codes(
        local.dt.day_of_week.fillna(-1).astype(int), categories=list(WEEKDAY_NAMES), ordered=True
    )
    out["weekday"] = weekday
    return out


# --- Quantiles with exact intervals --------------------------------------------------------------


@lru_cache(maxsize=32)
def _log_factorials(size: int) -> np.ndarray:
    """log(k!) for k = 0..size; a running sum, so its first n + 1 entries are those for n."""
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, size + 1)))])


def _binomial_log_pmf(n: int, probability: float, start: int, stop: int) -> np.ndarray:
    """log P(X = k) for X ~ Binomial(n, probability) and k = start..stop."""
    k = np.arange(start, stop + 1)
    log_factorial = _log_factorials(1 << n.bit_length())
    return (
        log_factorial[n]
        - log_factorial[k]
        - log_factorial[n - k]
        + k * np.log(probability)
        + (n - k) * np.log1p(-probability)
    )


@lru_cache(maxsize=4096)
def _order_statistic_ranks(n: int, probability: float, confidence: float) -> tuple[int, int]:
    """1-based ranks (lower, upper) of the exact distribution-free interval for a quantile.

    [X_(l), X_(u)] covers the population quantile with probability B(u-1) - B(l-1) >= confidence,
    where B is the Binomial(n, p) CDF; l is the largest rank with B(l-1) <= alpha/2 and u the
    smallest with B(u-1) >= 1 - alpha/2. A rank of 0 (or n+1) means the bound does not exist at
    this sample size.
    """
    # The Binomial pmf is below exp(-800) (so exp gives exactly 0) farther than 20 sqrt(n) from
    # n p (Chernoff with Pinsker: P(X = k) <= exp(-2 (k - n p)^2 / n)): the CDF is summed over
    # that window only, which starts with exact zeros like the whole sum, so it is bit for bit
    # the same there. The whole range is the fallback when the window does not hold the ranks.
    spread = 20 * np.sqrt(n) + 1
    first = max(0, int(np.floor(n * probability - spread)))
    last = min(n, int(np.ceil(n * probability + spread)))
    alpha = 1 - confidence
    for start, stop in ((first, last), (0, n)):
        log_pmf = _binomial_log_pmf(n, probability, start, stop)
        cdf = np.cumsum(np.exp(log_pmf))
        if (start == 0 or log_pmf[0] < -800) and cdf[-1] >= 1 - alpha / 2 - 1e-12:
            break
    lower = start + int(np.searchsorted(cdf, alpha / 2 + 1e-12, side="right"))
    upper = start + int(np.searchsorted(cdf, 1 - alpha / 2 - 1e-12, side="left")) + 1
    return lower, upper


def _quantile_table(
    values: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    probabilities: tuple[float, ...],
    confidence: float,
) -> dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per group and probability: (quantile, low, high). Vectorised over rows; the only loop is
    over distinct group sizes (for the order-statistic ranks)."""
    keep = np.isfinite(values) & (codes >= 0)
    values, codes = values[keep], codes[keep]
    ordered = values[_order_by_group_then_value(codes, values)]
    counts = np.bincount(codes, minlength=n_groups)
    return _quantiles_of_ordered(ordered, counts, probabilities, confidence)


def _quantiles_of_ordered(
    ordered: np.ndarray,
    counts: np.ndarray,
    probabilities: tuple[float, ...],
    confidence: float,
) -> dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """_quantile_table of values already sorted by group, then value (`counts` rows per group)."""
    n_groups = len(counts)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    present = counts > 0
    result = {}
    for probability in probabilities:
        point = np.full(n_groups, np.nan)
        low = np.full(n_groups, np.nan)
        high = np.full(n_groups, np.nan)
        # Linear interpolation between order statistics (numpy's and pandas' default quantile).
        position = (counts[present] - 1) * probability
        below = np.floor(position).astype(np.int64)
        above = np.ceil(position).astype(np.int64)
        base = offsets[present]
        point[present] = ordered[base + below] + (ordered[base + above] - ordered[base + below]) * (
            position - below
        )
        for n in np.unique(counts[present]):
            lower_rank, upper_rank = _order_statistic_ranks(int(n), probability, confidence)
            groups = np.flatnonzero(counts == n)
            if lower_rank >= 1:
                low[groups] = ordered[offsets[groups] + lower_rank - 1]
            if upper_rank <= n:
                high[groups] = ordered[offsets[groups] + upper_rank - 1]
        result[probability] = (point, low, high)
    return result


def _order_by_group_then_value(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The order sorting by group code, then by value: the value sort, then a stable sort of the
    codes (twice as fast as np.lexsort on two keys; equal values may swap, which no caller sees)."""
    small = np.iinfo(np.int16)
    if len(codes) and codes.min() >= small.min and codes.max() <= small.max:
        codes = codes.astype(np.int16)  # numpy sorts 16-bit integers stably by radix, in O(n)
    by_value = np.argsort(values)
    return by_value[np.argsort(codes[by_value], kind="stable")]


# --- Kaplan-Meier --------------------------------------------------------------------------------


def _km_arrays(durations: np.ndarray, events: np.ndarray) -> dict[str, np.ndarray]:
    """Kaplan-Meier on numpy arrays: a row at time 0 and at every distinct duration."""
    times, inverse = np.unique(np.concatenate([[0.0], durations]), return_inverse=True)
    inverse = inverse[1:]
    event_count = np.bincount(inverse, weights=events, minlength=len(times))
    leaving = np.bincount(inverse, minlength=len(times))
    at_risk = len(durations) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(at_risk > 0, 1 - event_count / at_risk, 1.0)
        survival = np.cumprod(step)
        greenwood_terms = np.where(
            event_count > 0, event_count / (at_risk * (at_risk - event_count)), 0.0
        )
    greenwood = np.cumsum(greenwood_terms)
    return {
        "time_seconds": times,
        "at_risk_count": at_risk.astype(np.int64),
        "event_count": event_count.astype(np.int64),
        "censored_count": (leaving - event_count).astype(np.int64),
        "survival": survival,
        "greenwood_sum": greenwood,
    }


def _log_log_bands(
    survival: np.ndarray, greenwood: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise bands on the log(-log S) scale: S ** exp(+-z * sqrt(greenwood) / |log S|)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    # In place, as the scorecards draw every group's curve at once: three arrays, not eight.
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(greenwood)
        spread *= z
        log_survival = np.log(survival)
        spread /= np.abs(log_survival, out=log_survival)
        del log_survival
        low = np.power(survival, np.exp(spread))
        high = np.power(survival, np.exp(np.negative(spread, out=spread), out=spread), out=spread)
    untouched = survival >= 1  # no event yet: the curve is exactly 1
    low[untouched] = 1.0
    high[untouched] = 1.0
    emptied = survival <= 0  # the last one at risk had the event: 0 below, nothing known above
    low[emptied] = 0.0
    high[emptied] = np.nan
    return low, high


def kaplan_meier(
    durations_seconds: pd.Series | np.ndarray,
    observed: pd.Series | np.ndarray,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Kaplan-Meier survival with Greenwood standard errors and log-log pointwise bands.

    `observed` is True where the event (a reply) happened at the duration and False where the
    wait was censored (still unanswered at the end of the data). Rows with an unknown duration
    are ignored; a negative duration is an error (exclude it first). Returns one row at time 0
    and one per distinct duration: time_seconds, at_risk_count, event_count, censored_count,
    survival, survival_se (Greenwood: S * sqrt(sum d / (n (n - d)))), survival_low and
    survival_high (pointwise, log(-log S) transformed, so they stay inside [0, 1]; once the
    curve reaches 0 the low band is 0 and the high band NaN, as no interval exists there).
    """
    durations = np.asarray(durations_seconds, dtype=float)
    events = np.asarray(observed, dtype=bool)
    if durations.shape != events.shape:
        raise ValueError("analysis: kaplan_meier needs one observed flag per duration")
    known = ~np.isnan(durations)
    durations, events = durations[known], events[known]
    if (durations < 0).any():
        raise ValueError(
            f"analysis: kaplan_meier got {(durations < 0).sum()} negative durations; "
            "exclude replies earlier than their message first"
        )
    arrays = _km_arrays(durations, events.astype(float))
    low, high = _log_log_bands(arrays["survival"], arrays["greenwood_sum"], confidence)
    curve = pd.DataFrame({key: value for key, value in arrays.items() if key != "greenwood_sum"})
    with np.errstate(invalid="ignore"):
        standard_error = arrays["survival"] * np.sqrt(arrays["greenwood_sum"])
    curve["survival_se"] = np.where(arrays["survival"] <= 0, 0.0, standard_error)
    curve["survival_low"] = low
    curve["survival_high"] = high
    return curve


def _first_time_at_or_below(times: np.ndarray, curve: np.ndarray, level: float) -> float:
    hits = np.flatnonzero(curve <= level + _MEDIAN_TOLERANCE)
    return float(times[hits[0]]) if len(hits) else np.nan


def _median_and_interval(
    times: np.ndarray, survival: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[float, float, float]:
    return (
        _first_time_at_or_below(times, survival, 0.5),
        _first_time_at_or_below(times, np.nan_to_num(low, nan=0.0), 0.5),
        _first_time_at_or_below(times, np.nan_to_num(high, nan=1.0), 0.5),
    )


def km_median(curve: pd.DataFrame) -> tuple[float, float, float]:
    """(median, low, high) time from a kaplan_meier table; NaN where the curve never gets there.

    The median is the first time the survival curve is at or below 0.5. Its confidence interval
    inverts the log-log pointwise bands (the approach of Brookmeyer and Crowley, 1982, as R's
    survival package does it): the low end is the first time the lower band is at or below 0.5,
    the high end the first time the upper band is. A NaN high end means "not reached".
    """
    return _median_and_interval(
        curve["time_seconds"].to_numpy(dtype=float),
        curve["survival"].to_numpy(dtype=float),
        curve["survival_low"].to_numpy(dtype=float),
        curve["survival_high"].to_numpy(dtype=float),
    )


def _survival_at(times: np.ndarray, survival: np.ndarray, seconds: float) -> float:
    index = int(np.searchsorted(times, seconds, side="right")) - 1
    return float(survival[index]) if index >= 0 else 1.0


# --- Per-message measures ------------------------------------------------------------------------


def _end_of_data(exchanges: pd.DataFrame) -> pd.Series:
    """observed_until per row, falling back to the latest time anywhere in the table."""
    candidates = [
        pd.to_datetime(exchanges[column], utc=True)
        for column in ("observed_until", "created_at", "reply_at")
        if column in exchanges
    ]
    latest = max((c.max() for c in candidates if c.notna().any()), default=pd.NaT)
    if "observed_until" in exchanges:
        return pd.to_datetime(exchanges["observed_until"], utc=True).fillna(latest)
    return pd.Series(latest, index=exchanges.index)


def _first_response_measures(exchanges: pd.DataFrame) -> pd.DataFrame:
    """Per exchange: answered, eligible (latency measurable), latency, and the KM duration/event.

    A negative first_response_seconds (which the canonical table never holds, but a hand-made one
    might) and a missing complaint time are treated as latency-excluded, like their reasons say.
    """
    answered = exchanges["answered"].fillna(False).astype(bool).to_numpy()
    latency = pd.to_numeric(exchanges["first_response_seconds"], errors="coerce").to_numpy(float)
    reason = exchanges.get("latency_excluded_reason")
    excluded = (
        reason.notna().to_numpy() if reason is not None else np.zeros(len(exchanges), dtype=bool)
    )
    excluded = excluded | (latency < 0) | exchanges["created_at"].isna().to_numpy()
    eligible = ~excluded & (~answered | ~np.isnan(latency))
    waited = (
        (_end_of_data(exchanges) - pd.to_datetime(exchanges["created_at"], utc=True))
        .dt.total_seconds()
        .clip(lower=0)
        .to_numpy(float)
    )
    duration = np.where(answered, latency, waited)
    duration = np.where(eligible, duration, np.nan)
    return pd.DataFrame(
        {
            "answered": answered,
            "eligible": eligible,
            "latency": np.where(eligible & answered, latency, np.nan),
            "duration": duration,
            "event": answered,
        },
        index=exchanges.index,
    )


def _group_keys(frame: pd.DataFrame, by: str | list[str], timezone: str) -> pd.DataFrame:
    """The grouping columns, derived where asked ('hour', 'weekday', 'agent'), nulls -> 'unknown'."""
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ValueError("analysis: by_group needs at least one column to group by")
    derived = None
    columns = {}
    for key in keys:
        if key in frame:
            values = frame[key]
        elif key in ("hour", "weekday"):
            if derived is None:
                derived = add_time_of_week(frame[["created_at"]], timezone)
            values = derived[key]
        elif key == "agent" and "reply_agent_id" in frame:
            values = frame["reply_agent_id"]
        else:
            raise ValueError(
                f"analysis: cannot group by {key!r}: no such column (have "
                f"{', '.join(map(str, frame.columns))}; derived: hour, weekday, agent)"
            )
        columns[key] = _fill_unknown(values)
    return pd.DataFrame(columns, index=frame.index)


def _fill_unknown(values: pd.Series) -> pd.Series:
    """Nulls become 'unknown' while keeping the natural order of the known values."""
    if not values.isna().any():
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        if UNKNOWN not in values.cat.categories:
            values = values.cat.add_categories([UNKNOWN])
        return values.fillna(UNKNOWN)
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        known = sorted(values.dropna().unique())
        return pd.Series(
            pd.Categorical(values, categories=[*known, UNKNOWN], ordered=True), index=values.index
        ).fillna(UNKNOWN)
    return values.astype(object).where(values.notna(), UNKNOWN)


def _summarise(
    keys: pd.DataFrame,
    measures: pd.DataFrame,
    sla_hours: tuple[float, ...] | list[float],
    confidence: float,
    names: dict[str, str],
    extra_latency: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Counts, rates, quantiles with exact intervals, SLA shares and Kaplan-Meier medians per group."""
    key_names = list(keys.columns)
    grouped = keys.groupby(key_names, sort=True, observed=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    table = grouped.size().index.to_frame(index=False)
    n_groups = len(table)
    metric = names["metric"]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n_groups).astype(np.int64)

    answered = measures["answered"].to_numpy(bool)
    eligible = measures["eligible"].to_numpy(bool)
    latency = measures["latency"].to_numpy(float)
    total = np.bincount(codes, minlength=n_groups).astype(np.int64)
    answered_count = count(answered)
    eligible_count = count(eligible)
    # The known KM durations sorted by group, then duration (once, for the curves and latencies).
    duration = measures["duration"].to_numpy(float)
    usable = ~np.isnan(duration)
    measured = np.isfinite(latency)
    # A latency is its message's KM duration, so the durations' sort orders the latencies too
    # (checked: a hand-made table may differ, and its latencies are then sorted on their own).
    latency_is_duration = bool(usable[measured].all()) and np.array_equal(
        duration[measured], latency[measured]
    )
    measured_count = np.bincount(codes[measured], minlength=n_groups)
    usable_codes, usable_durations = codes[usable], duration[usable]
    usable_count = np.bincount(usable_codes, minlength=n_groups)
    by_duration = _order_by_group_then_value(usable_codes, usable_durations)
    del usable_codes
    sorted_durations = usable_durations[by_duration]
    del usable_durations
    sorted_events = measures["event"].to_numpy(bool)[usable][by_duration]
    sorted_measured = measured[usable][by_duration] if latency_is_duration else None
    del duration, usable, by_duration, measured
    if latency_is_duration:
        quantiles = _quantiles_of_ordered(
            sorted_durations[sorted_measured], measured_count, (0.5, 0.9), confidence
        )
    else:
        quantiles = _quantile_table(latency, codes, n_groups, (0.5, 0.9), confidence)
    del sorted_measured

    table[names["count"]] = total
    table[names["answered"]] = answered_count
    with np.errstate(invalid="ignore", divide="ignore"):
        table[names["rate"]] = answered_count / np.where(total > 0, total, np.nan)
        table[f"median_{metric}_seconds"] = quantiles[0.5][0]
        table[f"p90_{metric}_seconds"] = quantiles[0.9][0]
        within = {}
        for hours in sla_hours:
            within[hours] = count(eligible & answered & (latency <= hours * 3600))
            table[sla_column(hours)] = within[hours] / np.where(
                eligible_count > 0, eligible_count, np.nan
            )

    # Optional columns: intervals, counts behind them, censoring-aware figures.
    table[f"{names['rate']}_low"], table[f"{names['rate']}_high"] = wilson_interval(
        answered_count, total, confidence
    )
    table["latency_excluded_count"] = total - eligible_count
    table[f"{metric}_measured_count"] = count(~np.isnan(latency))
    for label, probability in (("median", 0.5), ("p90", 0.9)):
        _, low, high = quantiles[probability]
        table[f"{label}_{metric}_low_seconds"] = low
        table[f"{label}_{metric}_high_seconds"] = high
    for hours in sla_hours:
        low, high = wilson_interval(within[hours], eligible_count, confidence)
        table[f"{sla_column(hours)}_low"] = low
        table[f"{sla_column(hours)}_high"] = high

    km = _km_per_group(usable_count, sorted_durations, sorted_events, sla_hours, confidence)
    del sorted_durations, sorted_events
    table[f"km_median_{metric}_seconds"] = km["median"]
    table[f"km_median_{metric}_low_seconds"] = km["low"]
    table[f"km_median_{metric}_high_seconds"] = km["high"]
    for hours in sla_hours:
        table[f"km_within_{hours:g}h_share"] = km[hours]
    with np.errstate(invalid="ignore", divide="ignore"):
        sums = np.bincount(codes, weights=np.nan_to_num(latency), minlength=n_groups)
        table[f"mean_{metric}_seconds"] = sums / np.where(
            table[f"{metric}_measured_count"] > 0, table[f"{metric}_measured_count"], np.nan
        )

    for prefix, values in (extra_latency or {}).items():
        extra = np.where(eligible, pd.to_numeric(values, errors="coerce").to_numpy(float), np.nan)
        extra_quantiles = _quantile_table(extra, codes, n_groups, (0.5, 0.9), confidence)
        table[f"{prefix}_median_{metric}_seconds"] = extra_quantiles[0.5][0]
        table[f"{prefix}_p90_{metric}_seconds"] = extra_quantiles[0.9][0]
    return table


def _km_per_group(
    group_size: np.ndarray,
    durations: np.ndarray,
    events: np.ndarray,
    sla_hours: tuple[float, ...] | list[float],
    confidence: float,
) -> dict[object, np.ndarray]:
    """KM median with its interval, and 1 - S(h) per SLA threshold, for each group: every group's
    curve at once, as _km_arrays draws one (a row at time 0 and at each distinct duration).

    The rows are the known durations sorted by group, then duration: group_size[g] of them are
    group g's.
    """
    n_groups = len(group_size)
    out: dict[object, np.ndarray] = {
        name: np.full(n_groups, np.nan) for name in ("median", "low", "high", *sla_hours)
    }
    present = np.flatnonzero(group_size)
    if not len(present):
        return out
    # The distinct (group, duration) pairs: the curves' times, with their events and leavers.
    group_rows = (np.cumsum(group_size) - group_size)[present]
    new_time = np.ones(len(durations), dtype=bool)
    new_time[1:] = durations[1:] != durations[:-1]
    new_time[group_rows] = True
    time_count = np.zeros(n_groups, dtype=np.int64)
    time_count[present] = np.add.reduceat(new_time, group_rows, dtype=np.int64)
    first_rows = np.flatnonzero(new_time)
    del new_time
    times, time_group = durations[first_rows], np.repeat(np.arange(n_groups), time_count)
    event_count = np.add.reduceat(events, first_rows, dtype=np.int64)
    leaving = np.diff(np.r_[first_rows, len(durations)])
    del first_rows
    # Each group's curve has a row at time 0 (as _km_arrays prepends) that nobody leaves at,
    # after its negative times: added where the group has no duration of exactly 0.
    before_zero = np.bincount(time_group, weights=times < 0, minlength=n_groups).astype(np.int64)
    group_first_time = np.cumsum(time_count) - time_count
    at_zero = (group_first_time + before_zero)[present]
    inside = at_zero < len(times)
    has_zero = np.zeros(len(present), dtype=bool)
    has_zero[inside] = (times[at_zero[inside]] == 0) & (
        time_group[at_zero[inside]] == present[inside]
    )
    at_zero, missing = at_zero[~has_zero], present[~has_zero]
    times = np.insert(times, at_zero, 0.0)
    time_group = np.insert(time_group, at_zero, missing)
    event_count = np.insert(event_count, at_zero, 0).astype(float)
    leaving = np.insert(leaving, at_zero, 0)
    n_times = len(times)
    starts = np.flatnonzero(np.r_[True, time_group[1:] != time_group[:-1]])
    lengths = np.diff(np.r_[starts, n_times])
    left_before = np.cumsum(leaving) - leaving  # all groups' earlier rows: minus the group's own
    left_before -= np.repeat(left_before[starts], lengths)
    at_risk = group_size[time_group] - left_before
    del leaving, left_before, time_group
    # _km_arrays' step and Greenwood terms, in place (the same operations on the same operands).
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.divide(event_count, at_risk)
        np.subtract(1, step, out=step)
        step[at_risk <= 0] = 1.0
        greenwood_terms = np.subtract(at_risk, event_count)
        greenwood_terms *= at_risk
        np.divide(event_count, greenwood_terms, out=greenwood_terms)
        greenwood_terms[event_count <= 0] = 0.0
    del event_count, at_risk
    survival = _accumulate_per_group(np.multiply, step, starts, lengths)
    greenwood = _accumulate_per_group(np.add, greenwood_terms, starts, lengths)
    del step, greenwood_terms  # now survival and greenwood
    low, high = _log_log_bands(survival, greenwood, confidence)
    del greenwood
    level = 0.5 + _MEDIAN_TOLERANCE
    position = np.arange(n_times, dtype=np.int32 if n_times < 2**31 else np.int64)
    for name, hit in (
        ("median", survival <= level),
        # A low band unknown counts as 0 and a high one as 1, as _median_and_interval reads them.
        ("low", (low <= level) | np.isnan(low)),
        ("high", high <= level),
    ):
        # The first time per group at or below one half (NaN where the curve never gets there).
        first = np.minimum.reduceat(np.where(hit, position, n_times), starts)
        del hit
        out[name][present] = np.where(
            first < n_times, times[np.minimum(first, n_times - 1)], np.nan
        )
    del position, low, high
    for hours in sla_hours:
        # S at the last time at or before h (times rise within a group); 1 before the first.
        reached = np.add.reduceat(times <= hours * 3600, starts, dtype=np.int64)
        at_hours = np.where(reached > 0, survival[starts + np.maximum(reached, 1) - 1], 1.0)
        out[hours][present] = 1 - at_hours
    return out


def _accumulate_per_group(
    ufunc: np.ufunc, values: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """ufunc.accumulate restarted at each group's start, bit for bit as on each group's slice,
    written over `values` (which it returns).

    Groups of similar length (up to the next power of two) are stacked as the rows of one array,
    accumulated along its rows: a loop over a few widths, not over groups.
    """
    out = values
    widths = np.left_shift(1, np.ceil(np.log2(lengths)).astype(np.int64))
    for width in np.unique(widths):
        stacked = widths == width
        # The groups' values in order (they are contiguous), and their cells in the stacked rows.
        member = np.repeat(stacked, lengths)
        inside = np.arange(width) < lengths[stacked, None]
        grid = np.zeros(inside.shape)
        grid[inside] = values[member]
        out[member] = ufunc.accumulate(grid, axis=1, out=grid)[inside]
    return out


# --- First response ------------------------------------------------------------------------------


def by_group(
    exchanges: pd.DataFrame,
    by: str | list[str],
    sla_hours: tuple[float, ...] | list[float] = DEFAULT_SLA_HOURS,
    *,
    timezone: str = "UTC",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """First-response figures per group (any exchange column, or derived 'hour'/'weekday'/'agent').

    'hour' and 'weekday' are of the customer message in `timezone`; 'agent' is reply_agent_id
    (null, i.e. 'unknown', for unanswered messages and for data that names no agent). Null group
    values become 'unknown'. Columns: the keys, customer_messages, answered, response_rate,
    median_first_response_seconds, p90_first_response_seconds, sla_{h}h_share per threshold, then
    intervals, counts, Kaplan-Meier medians and, when the table has
    business_first_response_seconds, business-hours quantiles. See the module docstring for the
    definitions.
    """
    keys = _group_keys(exchanges, by, timezone)
    measures = _first_response_measures(exchanges)
    extra = {}
    if "business_first_response_seconds" in exchanges:
        extra["business"] = exchanges["business_first_response_seconds"]
    return _summarise(
        keys,
        measures,
        tuple(sla_hours),
        confidence,
        {
            "count": "customer_messages",
            "answered": "answered",
            "rate": "response_rate",
            "metric": "first_response",
        },
        extra,
    )


def by_brand(
    exchanges: pd.DataFrame,
    sla_hours: tuple[float, ...] | list[float] = DEFAULT_SLA_HOURS,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """First-response figures per brand (null brand -> 'unknown'); see by_group for the columns.

    sla_{h}h_share is the share of customer messages (answered or not, latency-excluded ones left
    out) answered within h hours: an unanswered message is a breach.
    """
    return by_group(exchanges, "brand", sla_hours, confidence=confidence)


def findings(
    brand_table: pd.DataFrame,
    sla_hours: tuple[float, ...] | list[float] = DEFAULT_SLA_HOURS,
    min_messages: int = 1,
) -> list[str]:
    """Plain-language headlines from a by_brand table, for a notebook's summary cell; brands with
    fewer than `min_messages` customer messages are not ranked (one message proves nothing)."""
    key, noun = compared(brand_table)
    if not (brand_table["customer_messages"] > 0).any():
        return ["No customer messages to measure."]
    table, note = rankable(brand_table, "customer_messages", min_messages)
    if table.empty:
        return [f"No {noun} has {min_messages} customer messages or more: too few to rank.", *note]
    if not (table["first_response_measured_count"] > 0).any():
        # No customer message has a usable time (a ticket export without creation times).
        return [
            "First-response times are not in this export: no customer message has a usable "
            "time, so no wait can be measured.",
            *note,
        ]

    def half_answered(row: pd.Series) -> str:
        median = row["km_median_first_response_seconds"]
        if pd.isna(median):
            return f"{row[key]} never answers half its messages within the data"
        return f"{row[key]} answers half its messages within {format_seconds(median)}"

    ranked = table.sort_values("km_median_first_response_seconds", na_position="last")
    if len(ranked) == 1:
        lines = [f"{half_answered(ranked.iloc[0])}."]
    else:
        lines = [
            f"Fastest: {half_answered(ranked.iloc[0])}; slowest: {half_answered(ranked.iloc[-1])}."
        ]
    lowest = table.loc[table["response_rate"].idxmin()]
    lines.append(
        f"{'Lowest response rate: ' if len(table) > 1 else 'Response rate: '}{lowest[key]}, "
        f"{lowest['response_rate']:.0%} of {lowest['customer_messages']:,} messages answered at all."
    )
    gap = table["km_median_first_response_seconds"] / table["median_first_response_seconds"]
    if gap.notna().any() and gap.max() > 1.2:
        flattered = table.loc[gap.idxmax()]
        lines.append(
            f"The median of answered messages flatters {flattered[key]}"
            f"{' most' if len(table) > 1 else ''}: "
            f"{format_seconds(flattered['median_first_response_seconds'])} against "
            f"{format_seconds(flattered['km_median_first_response_seconds'])} once unanswered "
            "messages are counted as still waiting."
        )
    for hours in sla_hours:
        column = sla_column(hours)
        if table[column].notna().any():
            best = table.loc[table[column].idxmax()]
            worst = table.loc[table[column].idxmin()]
            text = f"Answered within {hours:g} h: {best[column]:.0%} of messages to {best[key]}"
            if len(table) > 1 and worst[column] < best[column]:
                text += f", down to {worst[column]:.0%} of those to {worst[key]}"
            lines.append(text + ".")
    return lines + note


def survival_by_brand(exchanges: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier time-to-first-response curves per brand (unanswered censored at observed_until).

    Long table: brand, then the kaplan_meier columns. Latency-excluded messages are left out.
    """
    measures = _first_response_measures(exchanges)
    brands = _fill_unknown(exchanges["brand"]).astype(str)
    curves = []
    usable = measures["duration"].notna()
    for brand, rows in measures[usable].groupby(brands[usable], sort=True):
        curve = kaplan_meier(rows["duration"], rows["event"], confidence)
        curve.insert(0, "brand", brand)
        curves.append(curve)
    if not curves:
        empty = kaplan_meier(np.array([]), np.array([], dtype=bool), confidence).iloc[0:0]
        return empty.assign(brand=pd.Series(dtype=object))[["brand", *empty.columns]]
    return pd.concat(curves, ignore_index=True)


# --- Next reply on every customer turn -----------------------------------------------------------


def next_reply_times(
    messages: pd.DataFrame, *, observed_until: pd.Timestamp | None = None
) -> pd.DataFrame:
    """For every customer message, the time until the next agent message in its conversation.

    The next agent message need not be a direct reply (is_direct_reply says whether it is); an
    agent message at the same second counts. Customer messages waiting on the same agent message
    form one turn; turn_first marks the first of each, so per-turn figures do not count a customer
    who wrote three times in a row three times. Columns: message_id, conversation_id, brand,
    channel, author_id, created_at, next_agent_message_id, next_agent_id, next_agent_at,
    next_reply_seconds (null when no agent wrote afterwards), replied, is_direct_reply,
    turn_first, observed_until (the last message time in the table, or `observed_until` when
    given: a part of a file is censored at the whole file's last time), duration_seconds (the
    reply time, or the wait until observed_until when censored: ready for kaplan_meier with
    `replied`), excluded_reason ('message_time_unknown' or null). Rows are in conversation and
    time order.
    """
    created = pd.to_datetime(messages["created_at"], utc=True)
    if observed_until is None:
        observed_until = created.max()
    else:
        # In UTC and the time unit of the messages' column, as its own last time would be.
        observed_until = pd.Timestamp(observed_until)
        if observed_until.tzinfo is None:
            observed_until = observed_until.tz_localize("UTC")
        observed_until = observed_until.tz_convert("UTC").as_unit(created.dt.unit)
    base_columns = [
        c
        for c in ("message_id", "conversation_id", "brand", "channel", "author_id")
        if c in messages
    ]
    is_customer = (messages["role"] == "customer").to_numpy()
    customers = messages.loc[is_customer, base_columns].assign(created_at=created[is_customer])
    agent_mask = (messages["role"] == "agent").to_numpy() & created.notna().to_numpy()
    agents = pd.DataFrame(
        {
            "conversation_id": messages.loc[agent_mask, "conversation_id"],
            "next_agent_message_id": messages.loc[agent_mask, "message_id"],
            "next_agent_id": (
                messages.loc[agent_mask, "agent_id"] if "agent_id" in messages else None
            ),
            "next_agent_parent_id": messages.loc[agent_mask, "parent_id"],
            "next_agent_at": created[agent_mask],
        }
    ).sort_values(["next_agent_at", "next_agent_message_id"], kind="stable")

    timed = customers[customers["created_at"].notna()].sort_values("created_at", kind="stable")
    matched = pd.merge_asof(
        timed,
        agents,
        left_on="created_at",
        right_on="next_agent_at",
        by="conversation_id",
        direction="forward",
        allow_exact_matches=True,
    )
    untimed = customers[customers["created_at"].isna()]
    out = pd.concat([matched, untimed], ignore_index=True)
    out["next_reply_seconds"] = (out["next_agent_at"] - out["created_at"]).dt.total_seconds()
    out["replied"] = out["next_agent_message_id"].notna()
    out["is_direct_reply"] = out["replied"] & (
        out["next_agent_parent_id"].astype(object) == out["message_id"].astype(object)
    )
    out["observed_until"] = observed_until
    waited = (observed_until - out["created_at"]).dt.total_seconds()
    out["duration_seconds"] = out["next_reply_seconds"].where(out["replied"], waited)
    out["excluded_reason"] = np.where(out["created_at"].isna(), "message_time_unknown", None)
    out = out.sort_values(["conversation_id", "created_at"], kind="stable", na_position="last")
    turn = out[["conversation_id", "next_agent_message_id"]].astype(object)
    out["turn_first"] = ~turn.duplicated() & out["created_at"].notna()
    columns = [
        *base_columns,
        "created_at",
        "next_agent_message_id",
        "next_agent_id",
        "next_agent_at",
        "next_reply_seconds",
        "replied",
        "is_direct_reply",
        "turn_first",
        "observed_until",
        "duration_seconds",
        "excluded_reason",
    ]
    return out[columns].reset_index(drop=True)


def next_reply_by_group(
    next_replies: pd.DataFrame,
    by: str | list[str] = "brand",
    sla_hours: tuple[float, ...] | list[float] = DEFAULT_SLA_HOURS,
    *,
    turns_only: bool = False,
    timezone: str = "UTC",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Next-reply figures per group from next_reply_times (per turn with turns_only=True).

    Columns mirror by_group: customer_messages, replied, reply_rate, median_next_reply_seconds,
    p90_next_reply_seconds, sla_{h}h_share (a message no agent followed is a breach), then
    intervals and Kaplan-Meier medians (no later agent message: censored at observed_until).
    """
    frame = next_replies[next_replies["turn_first"]] if turns_only else next_replies
    known = frame["created_at"].notna().to_numpy()
    replied = frame["replied"].to_numpy(bool)
    latency = frame["next_reply_seconds"].to_numpy(float)
    measures = pd.DataFrame(
        {
            "answered": replied,
            "eligible": known,
            "latency": np.where(known & replied, latency, np.nan),
            "duration": np.where(known, frame["duration_seconds"].to_numpy(float), np.nan),
            "event": replied,
        },
        index=frame.index,
    )
    return _summarise(
        _group_keys(frame, by, timezone),
        measures,
        tuple(sla_hours),
        confidence,
        {
            "count": "customer_messages",
            "answered": "replied",
            "rate": "reply_rate",
            "metric": "next_reply",
        },
    )


# --- Resolution (tickets) ------------------------------------------------------------------------


def resolution_times(tickets: pd.DataFrame) -> pd.DataFrame:
    """Per ticket: first-response and resolution seconds, where they start, and defects flagged.

    Resolution runs from created_at where known, else from first_response_at
    (resolution_from_first_response is then True: it leaves out the wait for the first answer).
    A resolution earlier than its start is a defect (resolution_defect says which), kept with its
    signed value in signed_resolution_seconds and left out of resolution_seconds; likewise a first
    response earlier than creation (first_response_defect).
    """
    created = pd.to_datetime(tickets["created_at"], utc=True)
    first = pd.to_datetime(tickets["first_response_at"], utc=True)
    resolved = pd.to_datetime(tickets["resolved_at"], utc=True)
    out = pd.DataFrame(index=tickets.index)
    for column in ("ticket_id", "status", "priority", "channel", "agent_id", "satisfaction"):
        if column in tickets:
            out[column] = tickets[column]
    out["created_at"], out["first_response_at"], out["resolved_at"] = created, first, resolved

    first_signed = (first - created).dt.total_seconds()
    out["first_response_seconds"] = first_signed.where(first_signed >= 0)
    out["first_response_defect"] = np.where(first_signed < 0, "first_response_before_created", None)

    start = created.where(created.notna(), first)
    from_first = created.isna() & first.notna()
    out["resolution_start"] = np.select(
        [created.notna(), from_first], ["created_at", "first_response_at"], default=None
    )
    signed = (resolved - start).dt.total_seconds()
    out["signed_resolution_seconds"] = signed
    out["resolution_seconds"] = signed.where(signed >= 0)
    out["resolution_from_first_response"] = from_first & resolved.notna()
    out["resolved"] = resolved.notna()
    out["resolution_defect"] = np.select(
        [(signed < 0) & created.notna(), (signed < 0) & from_first],
        ["resolved_before_created", "resolved_before_first_response"],
        default=None,
    )
    return out.reset_index(drop=True)


def resolution_by_group(
    resolution: pd.DataFrame,
    by: str | list[str] = "channel",
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group of resolution_times rows: tickets, resolved, defects, median and p90 resolution
    seconds with exact intervals, and the share measured from the first response."""
    keys = _group_keys(resolution, by, "UTC")
    key_names = list(keys.columns)
    grouped = keys.groupby(key_names, sort=True, observed=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    table = grouped.size().index.to_frame(index=False)
    n_groups = len(table)

    def count(mask: pd.Series) -> np.ndarray:
        return np.bincount(codes, weights=mask.to_numpy(float), minlength=n_groups).astype(int)

    seconds = resolution["resolution_seconds"].to_numpy(float)
    quantiles = _quantile_table(seconds, codes, n_groups, (0.5, 0.9), confidence)
    table["tickets"] = np.bincount(codes, minlength=n_groups)
    table["resolved"] = count(resolution["resolved"])
    table["resolution_measured_count"] = count(resolution["resolution_seconds"].notna())
    table["resolution_defect_count"] = count(resolution["resolution_defect"].notna())
    measured = table["resolution_measured_count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        from_first = (
            resolution["resolution_from_first_response"] & resolution["resolution_seconds"].notna()
        )
        table["from_first_response_share"] = count(from_first) / np.where(
            measured > 0, measured, np.nan
        )
    for label, probability in (("median", 0.5), ("p90", 0.9)):
        point, low, high = quantiles[probability]
        table[f"{label}_resolution_seconds"] = point
        table[f"{label}_resolution_low_seconds"] = low
        table[f"{label}_resolution_high_seconds"] = high
    return table
