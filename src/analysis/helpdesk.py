"""Helpdesk tickets as tickets: first response, resolution and satisfaction per group, with
intervals, and how satisfaction falls as waits grow.

Definitions (every figure and page that reads these tables uses them):

- **resolved**: the status says the ticket is closed (closed, resolved, solved), or, where the
  status is unknown, it has a resolution time. An open or pending ticket is **not yet resolved**,
  even if an earlier resolution time survives in the export (a reopened ticket): it is censored,
  never dropped, so `tickets == resolved + not_yet_resolved` in every group.
- **start**: the ticket's creation time, or its first response where the export has no creation
  time (the Kaggle layout); `resolution_from` says which. A resolution from the first response
  leaves out the wait for that first answer.
- **resolution_observed_seconds / resolution_event**: the Kaplan-Meier duration: the resolution
  time of a resolved ticket (event), or the time from its start to `data_end` for one not yet
  resolved (censored). A ticket resolved before its start is a defect (`resolution_defect`),
  counted but left out of every time.
- A measure the export cannot give is NaN with its reason in `missing_measures`, never 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis import latency
from analysis.latency import _quantile_table
from analysis.scorecard import wilson_interval

__all__ = [
    "DEFAULT_WAIT_BANDS_SECONDS",
    "GROUP_COLUMNS",
    "SATISFIED_RATING",
    "by_group",
    "mean_interval",
    "missing_measures",
    "pool_groups",
    "satisfaction_by_wait",
    "ticket_times",
    "wait_band_labels",
]

GROUP_COLUMNS = ("channel", "priority", "agent_id", "team", "product", "ticket_type", "brand")
DEFAULT_WAIT_BANDS_SECONDS = (0, 3600, 4 * 3600, 24 * 3600, 3 * 86_400, np.inf)
SATISFIED_RATING = 4  # a 4 or 5 on the 1-5 scale counts as satisfied
# Statuses of a ticket still being worked on; anything closed-like counts as resolved.
_OPEN_STATUS = r"^\s*(?:open|pending|new|on[ -]?hold|waiting|hold|reopened)"
_CLOSED_STATUS = r"^\s*(?:closed|resolved|solved|done|completed)"
_TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at")
# Largest unit first: a band edge is written in the largest unit that keeps both edges whole.
_UNITS = ((86_400, "days"), (3600, "h"), (60, "min"), (1, "s"))


# --- Per ticket ----------------------------------------------------------------------------------


def _times(tickets: pd.DataFrame, column: str) -> pd.Series:
    if column in tickets:
        return pd.to_datetime(tickets[column], utc=True).reset_index(drop=True)
    return pd.Series(pd.NaT, index=pd.RangeIndex(len(tickets)), dtype="datetime64[ns, UTC]")


def _latest_time(tickets: pd.DataFrame) -> pd.Timestamp:
    """The latest time anywhere in the table: where the export was taken, as far as it shows."""
    latest = [_times(tickets, column).max() for column in _TIME_COLUMNS]
    return max((t for t in latest if pd.notna(t)), default=pd.NaT)


def ticket_times(tickets: pd.DataFrame, data_end: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per ticket: first-response and resolution seconds, resolved, the Kaplan-Meier
    duration and event (open and pending tickets censored at `data_end`), satisfaction, groups.

    Columns: ticket_id, status, the grouping columns present (GROUP_COLUMNS, as they are), the
    three times, first_response_seconds (NaN without a creation time), first_response_defect,
    resolution_from ('created' / 'first_response' / None), resolution_seconds (resolved ones),
    resolution_defect, resolved, resolution_observed_seconds, resolution_event, satisfaction.
    `data_end` defaults to the latest time in the table.
    """
    frame = tickets.copy()
    for column in _TIME_COLUMNS:  # latency.resolution_times reads all three
        frame[column] = _times(tickets, column).to_numpy()
    base = latency.resolution_times(frame)
    out = pd.DataFrame(index=base.index)
    for column in ("ticket_id", "status", *GROUP_COLUMNS):
        if column in tickets:
            out[column] = tickets[column].to_numpy()
    for column in (*_TIME_COLUMNS, "first_response_seconds", "first_response_defect"):
        out[column] = base[column]
    out["resolution_from"] = base["resolution_start"].map(
        {"created_at": "created", "first_response_at": "first_response"}
    )

    status = (
        tickets["status"].astype("string").reset_index(drop=True)
        if "status" in tickets
        else pd.Series(pd.NA, index=base.index, dtype="string")
    )
    still_open = status.str.contains(_OPEN_STATUS, case=False, regex=True, na=False).to_numpy()
    closed = status.str.contains(_CLOSED_STATUS, case=False, regex=True, na=False).to_numpy()
    resolved = ~still_open & (closed | base["resolved_at"].notna().to_numpy())
    resolution = base["resolution_seconds"].where(resolved)
    out["resolution_seconds"] = resolution
    out["resolution_defect"] = base["resolution_defect"].where(resolved)
    out["resolved"] = resolved

    end = _latest_time(tickets) if data_end is None else pd.Timestamp(data_end)
    if pd.notna(end) and end.tzinfo is None:
        end = end.tz_localize("UTC")
    start = base["created_at"].fillna(base["first_response_at"])
    waited = (end - start).dt.total_seconds() if pd.notna(end) else pd.Series(np.nan, start.index)
    # A ticket that starts after data_end was not open during the data: no duration to censor.
    waited = waited.where(waited >= 0)
    out["resolution_observed_seconds"] = resolution.where(resolved, waited)
    out["resolution_event"] = resolved & resolution.notna().to_numpy()
    out["satisfaction"] = (
        pd.to_numeric(tickets["satisfaction"], errors="coerce").to_numpy(float)
        if "satisfaction" in tickets
        else np.nan
    )
    return out


# --- Intervals -----------------------------------------------------------------------------------


def mean_interval(
    mean: np.ndarray | pd.Series,
    std: np.ndarray | pd.Series,
    count: np.ndarray | pd.Series,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for a mean from its sample standard deviation; NaN below two values."""
    mean, std, count = (np.asarray(v, dtype=float) for v in (mean, std, count))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(0.5 + confidence / 2, np.where(count >= 2, count - 1, np.nan))
        half_width = t * std / np.sqrt(count)
    return mean - half_width, mean + half_width


def _mean_table(values: pd.Series, keys: list[pd.Series], confidence: float) -> pd.DataFrame:
    """Per key: rated (values present), mean, standard deviation and t interval of the mean."""
    grouped = values.groupby(keys, observed=False, dropna=False, sort=False)
    table = grouped.agg(["count", "mean", "std"])
    low, high = mean_interval(table["mean"], table["std"], table["count"], confidence)
    return pd.DataFrame(
        {
            "rated": table["count"].astype(np.int64),
            "mean_satisfaction": table["mean"],
            "mean_satisfaction_low": low,
            "mean_satisfaction_high": high,
            "std_satisfaction": table["std"],
        },
        index=table.index,
    )


# --- Per group -----------------------------------------------------------------------------------


def _group_labels(frame: pd.DataFrame, by: str) -> pd.Series:
    """The grouping column with a missing value read as 'unknown'."""
    if by not in frame:
        raise ValueError(
            f"analysis: cannot group tickets by {by!r}: no such column "
            f"(have {', '.join(map(str, frame.columns))})"
        )
    values = frame[by].astype(object)
    return values.where(values.notna(), latency.UNKNOWN).rename(by)


def _km_medians(
    times: pd.DataFrame, codes: np.ndarray, n_groups: int, confidence: float
) -> np.ndarray:
    """(median, low, high) of the Kaplan-Meier resolution curve per group: a loop over groups."""
    out = np.full((n_groups, 3), np.nan)
    usable = times["resolution_observed_seconds"].notna().to_numpy()
    frame = times.loc[usable, ["resolution_observed_seconds", "resolution_event"]]
    for code, rows in frame.groupby(codes[usable], sort=False):
        curve = latency.kaplan_meier(
            rows["resolution_observed_seconds"], rows["resolution_event"], confidence
        )
        out[code] = latency.km_median(curve)
    return out


def by_group(
    tickets: pd.DataFrame,
    by: str,
    data_end: pd.Timestamp | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group of tickets: counts, resolved share, first-response and resolution medians
    (Kaplan-Meier with open and pending tickets censored), and satisfaction, with intervals.

    Columns: `by`, tickets, resolved, not_yet_resolved, resolved_share (+ _low/_high, Wilson),
    first_response_measured, median_first_response_seconds (+ _low/_high_seconds, exact
    order-statistic interval), resolution_measured, resolution_defect_count,
    resolution_unobserved (no duration for the curve: defects, unknown times, no start),
    km_median_resolution_seconds (+ low/high; a NaN high end: not reached),
    median_resolution_seconds (+ low/high; resolved tickets only, flatters slow groups), rated,
    mean_satisfaction (+ low/high, t interval), satisfied_share (rating >= 4 of rated, + Wilson).
    Groups only, largest first. A measure the export cannot give is NaN; `attrs["missing"]` holds
    missing_measures(tickets), the reasons.
    """
    times = ticket_times(tickets, data_end)
    labels = _group_labels(times, by)
    codes, names = pd.factorize(labels, sort=True)
    n_groups = len(names)

    def count(mask: pd.Series | np.ndarray) -> np.ndarray:
        weights = np.asarray(mask, dtype=float)
        return np.bincount(codes, weights=weights, minlength=n_groups).astype(np.int64)

    table = pd.DataFrame({by: names.to_numpy(dtype=object)})
    table["tickets"] = np.bincount(codes, minlength=n_groups)
    table["resolved"] = count(times["resolved"])
    table["not_yet_resolved"] = table["tickets"] - table["resolved"]
    table["resolved_share"] = table["resolved"] / table["tickets"]
    table["resolved_share_low"], table["resolved_share_high"] = wilson_interval(
        table["resolved"], table["tickets"], confidence
    )

    seconds = {
        "first_response": times["first_response_seconds"].to_numpy(float),
        "resolution": times["resolution_seconds"].to_numpy(float),
    }
    medians = {
        metric: _quantile_table(values, codes, n_groups, (0.5,), confidence)[0.5]
        for metric, values in seconds.items()
    }
    table["first_response_measured"] = count(~np.isnan(seconds["first_response"]))
    for suffix, values in zip(("", "_low", "_high"), medians["first_response"], strict=True):
        table[f"median_first_response{suffix}_seconds"] = values
    table["resolution_measured"] = count(~np.isnan(seconds["resolution"]))
    table["resolution_defect_count"] = count(times["resolution_defect"].notna())
    # Open tickets with neither a creation time nor a first response have no wait to censor.
    table["resolution_unobserved"] = count(times["resolution_observed_seconds"].isna())
    km = _km_medians(times, codes, n_groups, confidence)
    for index, suffix in enumerate(("", "_low", "_high")):
        table[f"km_median_resolution{suffix}_seconds"] = km[:, index]
    for suffix, values in zip(("", "_low", "_high"), medians["resolution"], strict=True):
        table[f"median_resolution{suffix}_seconds"] = values

    satisfaction = times["satisfaction"]
    means = _mean_table(satisfaction, [pd.Series(codes, name="code")], confidence)
    means = means.reindex(range(n_groups))
    for column in ("rated", "mean_satisfaction", "mean_satisfaction_low", "mean_satisfaction_high"):
        table[column] = means[column].to_numpy()
    table["rated"] = table["rated"].fillna(0).astype(np.int64)
    satisfied = count(satisfaction >= SATISFIED_RATING)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["satisfied_share"] = satisfied / np.where(table["rated"] > 0, table["rated"], np.nan)
    table["satisfied_share_low"], table["satisfied_share_high"] = wilson_interval(
        satisfied, table["rated"], confidence
    )
    table = table.sort_values(["tickets", by], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    table.attrs["missing"] = missing_measures(tickets)
    return table


def missing_measures(tickets: pd.DataFrame) -> dict[str, str]:
    """For each measure this export cannot give, the reason in plain words (empty when none)."""
    if tickets.empty:
        return {"every measure": "the export has no tickets"}
    created, first, resolved = (_times(tickets, column) for column in _TIME_COLUMNS)
    rated = "satisfaction" in tickets and pd.to_numeric(tickets["satisfaction"], "coerce").notna()
    reasons = {}
    if created.isna().all():
        reasons["first response time"] = "this export has no ticket-creation time"
        reasons["resolution time from creation"] = (
            "this export has no ticket-creation time: resolution is measured from the first "
            "response, which leaves out the wait for it"
        )
    elif first.isna().all():
        reasons["first response time"] = "no ticket has a first-response time"
    if resolved.isna().all():
        reasons["resolution time"] = "no ticket has a resolution time"
    unstarted = created.isna() & first.isna()
    if unstarted.any() and "resolution time" not in reasons:
        count = int(unstarted.sum())
        tickets_have = "1 ticket has" if count == 1 else f"{count:,} tickets have"
        reasons["resolution time of tickets with no start"] = (
            f"{tickets_have} neither a creation time nor a first response: counted as tickets, "
            "but no resolution time or curve can include them"
        )
    if not np.any(rated):
        reasons["satisfaction"] = "no ticket has a satisfaction rating"
    for measure in ("first response time", "resolution time"):
        cause = reasons.get(measure) or reasons.get("satisfaction")
        if cause:
            reasons[f"satisfaction against {measure}"] = cause
    return reasons


# --- Satisfaction against the wait --------------------------------------------------------------


def wait_band_labels(bands_seconds: tuple[float, ...]) -> list[str]:
    """Labels for the bands between edges: 'under 1 h', '1–4 h', '4–24 h', '1–3 days',
    '3 days or more'; each band in the largest unit that keeps both its edges whole."""
    labels = []
    for low, high in zip(bands_seconds[:-1], bands_seconds[1:], strict=True):
        finite = [edge for edge in (low, high) if np.isfinite(edge) and edge > 0]
        unit_seconds, unit = next(
            ((s, u) for s, u in _UNITS if all(edge % s == 0 for edge in finite)), (1, "s")
        )
        if unit == "days" and finite == [unit_seconds]:
            unit = "day"
        if low <= 0:
            labels.append(f"under {high / unit_seconds:g} {unit}")
        elif not np.isfinite(high):
            labels.append(f"{low / unit_seconds:g} {unit} or more")
        else:
            labels.append(f"{low / unit_seconds:g}–{high / unit_seconds:g} {unit}")
    return labels


def satisfaction_by_wait(
    frame: pd.DataFrame,
    wait_column: str,
    by: str | None = None,
    bands_seconds: tuple[float, ...] = DEFAULT_WAIT_BANDS_SECONDS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean satisfaction per wait band (with a t interval), optionally per group.

    `frame` is any table with a wait in seconds (`wait_column`) and a `satisfaction` column:
    ticket_times (first_response_seconds, resolution_seconds) or conversations with a mapped
    rating. Rows without a wait or a rating are left out. Every band appears for every group; a
    band nobody rated has rated 0 and a NaN mean. Columns: [`by`], wait_band (ordered),
    band_low_seconds, band_high_seconds, rated, mean_satisfaction, mean_satisfaction_low,
    mean_satisfaction_high, std_satisfaction (for pooling groups).
    """
    edges = np.asarray(bands_seconds, dtype=float)
    labels = wait_band_labels(tuple(edges))
    wait = pd.to_numeric(frame[wait_column], errors="coerce")
    rating = pd.to_numeric(frame["satisfaction"], errors="coerce")
    band = pd.cut(wait, edges, right=False, labels=labels, ordered=True).rename("wait_band")
    usable = band.notna() & rating.notna()
    keys = [band[usable]]
    if by is not None:
        groups = _group_labels(frame, by)
        keys.insert(0, groups[usable])
    table = _mean_table(rating[usable], keys, confidence)
    if by is None:
        full = pd.CategoricalIndex(labels, categories=labels, ordered=True, name="wait_band")
    else:
        full = pd.MultiIndex.from_product(
            [
                sorted(groups.unique(), key=str),
                pd.CategoricalIndex(labels, categories=labels, ordered=True),
            ],
            names=[by, "wait_band"],
        )
    table = table.reindex(full)
    table["rated"] = table["rated"].fillna(0).astype(np.int64)
    table = table.reset_index()
    position = table["wait_band"].cat.codes.to_numpy()
    table.insert(table.columns.get_loc("wait_band") + 1, "band_low_seconds", edges[position])
    table.insert(
        table.columns.get_loc("band_low_seconds") + 1, "band_high_seconds", edges[1:][position]
    )
    return table


def pool_groups(
    table: pd.DataFrame,
    by: str,
    keep: list[str],
    label: str = "all other groups",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """A satisfaction_by_wait table with the groups outside `keep` pooled into one, `label`.

    Pooling is exact: the pooled mean weighs each group's mean by its ratings, and the pooled
    standard deviation adds the spread between group means to the spread within them.
    """
    others = ~table[by].astype(str).isin([str(k) for k in keep])
    if not others.any():
        return table
    rest = table[others]
    n = rest["rated"].to_numpy(float)
    mean = rest["mean_satisfaction"].fillna(0).to_numpy(float)
    frame = pd.DataFrame(
        {
            "wait_band": rest["wait_band"].array,
            "band_low_seconds": rest["band_low_seconds"].to_numpy(),
            "band_high_seconds": rest["band_high_seconds"].to_numpy(),
            "rated": n,
            "weighted_sum": n * mean,
            "weighted_squares": (n - 1).clip(0) * rest["std_satisfaction"].fillna(0) ** 2
            + n * mean**2,
        }
    )
    pooled = frame.groupby(
        ["wait_band", "band_low_seconds", "band_high_seconds"], observed=True, sort=True
    )[["rated", "weighted_sum", "weighted_squares"]].sum()
    total = pooled["rated"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled_mean = pooled["weighted_sum"].to_numpy() / np.where(total > 0, total, np.nan)
        variance = (pooled["weighted_squares"].to_numpy() - total * pooled_mean**2) / (total - 1)
    pooled_std = np.where(total >= 2, np.sqrt(np.clip(variance, 0, None)), np.nan)
    low, high = mean_interval(pooled_mean, pooled_std, total, confidence)
    result = pooled.index.to_frame(index=False)
    result.insert(0, by, label)
    result["rated"] = total.astype(np.int64)
    result["mean_satisfaction"] = pooled_mean
    result["mean_satisfaction_low"] = low
    result["mean_satisfaction_high"] = high
    result["std_satisfaction"] = pooled_std
    pooled_table = pd.concat([table[~others], result], ignore_index=True)
    return pooled_table.astype({"wait_band": table["wait_band"].dtype})


# --- Per-group outcomes for the scorecards ------------------------------------------------------

# The columns a group scorecard takes from `by_group`: resolution and satisfaction beside the waits.
SCORECARD_COLUMNS = (
    "tickets",
    "resolved_share",
    "resolved_share_low",
    "resolved_share_high",
    "km_median_resolution_seconds",
    "km_median_resolution_low_seconds",
    "km_median_resolution_high_seconds",
    "median_resolution_seconds",
    "median_resolution_low_seconds",
    "median_resolution_high_seconds",
    "rated",
    "mean_satisfaction",
    "mean_satisfaction_low",
    "mean_satisfaction_high",
    "satisfied_share",
    "satisfied_share_low",
    "satisfied_share_high",
)
_RESOLUTION_COLUMNS = tuple(c for c in SCORECARD_COLUMNS if "resol" in c)


def conversations_as_tickets(exchanges: pd.DataFrame) -> pd.DataFrame:
    """A message export's conversations as tickets (one row each: its first customer message's
    time, its first reply's time, its satisfaction and groups), for the satisfaction figures of
    exports that rate conversations but record no resolution."""
    first = exchanges.sort_values("created_at", kind="stable", na_position="last")
    first = first.drop_duplicates("conversation_id")
    tickets = pd.DataFrame(
        {
            "ticket_id": first["conversation_id"].to_numpy(),
            "created_at": pd.to_datetime(first["created_at"], utc=True).to_numpy(),
            "first_response_at": pd.to_datetime(first["reply_at"], utc=True).to_numpy(),
            "resolved_at": pd.NaT,
            "satisfaction": pd.to_numeric(first.get("satisfaction"), errors="coerce"),
        }
    )
    for column in GROUP_COLUMNS:
        source = "agent" if column == "agent_id" else column
        if source in first:
            tickets[column] = first[source].to_numpy()
    for column in ("created_at", "first_response_at", "resolved_at"):
        tickets[column] = pd.to_datetime(tickets[column], utc=True)
    return tickets


def ticket_column(by: str) -> str:
    """The tickets table's column for a grouping: an agent is `agent_id` there."""
    return "agent_id" if by == "agent" else by


def satisfied(frame: pd.DataFrame) -> pd.Series | None:
    """Per row, whether its rating counts as satisfied (`SATISFIED_RATING` or more; NA where it
    has none), or None when no row of the table is rated."""
    if "satisfaction" not in frame:
        return None
    rated = pd.to_numeric(frame["satisfaction"], errors="coerce")
    if rated.isna().all():
        return None
    return (rated >= SATISFIED_RATING).astype("boolean").where(rated.notna())


def rated_tickets(tickets: pd.DataFrame | None, exchanges: pd.DataFrame) -> pd.DataFrame | None:
    """The tickets the resolution and satisfaction figures read: the export's tickets, or a
    message export's conversations when they carry a rating; None when there is neither."""
    if tickets is not None:
        return tickets
    if satisfied(exchanges) is None:
        return None
    return conversations_as_tickets(exchanges)


def scorecard_outcomes(
    tickets: pd.DataFrame | None, exchanges: pd.DataFrame, by: str
) -> pd.DataFrame | None:
    """Per group (`by`, as the scorecards name it): tickets resolved, Kaplan-Meier median
    resolution and satisfaction with intervals; None when the export records neither tickets nor
    a satisfaction rating. A message export has no resolution: those columns are NaN, not 0%."""
    resolution_known = tickets is not None
    tickets = rated_tickets(tickets, exchanges)
    column = ticket_column(by)
    if tickets is None or column not in tickets:
        return None
    table = by_group(tickets, column).rename(columns={column: by})
    if not resolution_known:
        table[list(_RESOLUTION_COLUMNS)] = np.nan
    # A t interval runs past the scale for a group of two ratings: keep it inside the ratings seen.
    ratings = pd.to_numeric(tickets["satisfaction"], errors="coerce")
    if ratings.notna().any():
        for bound in ("mean_satisfaction_low", "mean_satisfaction_high"):
            table[bound] = table[bound].clip(ratings.min(), ratings.max())
    return table[[by, *SCORECARD_COLUMNS]]
