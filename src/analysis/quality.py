"""Data-quality tables: what was loaded, what was rejected and why, volume per brand and day."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# The share of message times the bulk must hold, and how far past it a neighbour may lie and
# still belong to it (a share of the bulk's span, at least a day): a quoted tweet years old lies
# far outside, a quiet weekend at the edge does not.
BULK_SHARE = 0.99
BULK_GAP_SHARE = 0.05
MIN_BULK_GAP = pd.Timedelta(days=1)


@dataclass(frozen=True)
class TimeRange:
    """The stretch of time that holds the bulk of the messages, and what lies outside it."""

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    messages_inside: int
    messages_before: int
    messages_after: int
    messages_without_time: int

    @property
    def messages_outside(self) -> int:
        """Messages with a time outside [start, end]."""
        return self.messages_before + self.messages_after

    def contains(self, times: pd.Series) -> pd.Series:
        """True for times inside the range (missing times are not inside)."""
        if self.start is None:
            return pd.Series(False, index=times.index)
        return times.notna() & (times >= self.start) & (times <= self.end)

    def note(self) -> str:
        """One sentence for the page: the range shown and how many messages lie outside it."""
        if self.start is None:
            return "No message has a time: there is nothing to draw over time."
        shown = f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"
        outside = []
        if self.messages_before:
            outside.append(f"{self.messages_before:,} earlier")
        if self.messages_after:
            outside.append(f"{self.messages_after:,} later")
        if self.messages_without_time:
            outside.append(f"{self.messages_without_time:,} without a time")
        if not outside:
            return f"Time figures show {shown}, which holds every message."
        return (
            f"Time figures show {shown}, which holds {self.messages_inside:,} messages; "
            f"left out: {', '.join(outside)} (such as old tweets quoted in a conversation)."
        )


def bulk_time_range(
    times: pd.Series, *, share: float = BULK_SHARE, min_gap: pd.Timedelta = MIN_BULK_GAP
) -> TimeRange:
    """The shortest stretch holding `share` of the times, widened over neighbours that adjoin it
    (no further than the larger of `min_gap` and 5 % of the stretch from the next time in).

    A few stray timestamps (quoted tweets years old) do not set the range; a dense edge does.
    """
    stamps = pd.to_datetime(times, utc=True)
    known = np.sort(stamps.dropna().to_numpy(dtype="datetime64[ns]").astype(np.int64))
    missing = int(stamps.isna().sum())
    n = len(known)
    if n == 0:
        return TimeRange(None, None, 0, 0, 0, missing)
    # Shortest window of k consecutive sorted times (the highest-density interval).
    k = max(1, min(n, math.ceil(share * n)))
    widths = known[k - 1 :] - known[: n - k + 1]
    first = int(np.argmin(widths))
    low, high = first, first + k - 1
    gap = max(int(BULK_GAP_SHARE * (known[high] - known[low])), pd.Timedelta(min_gap).value)
    # Widen while the next time out lies within `gap` of the edge: a vectorised walk, found as
    # the nearest step larger than `gap` on each side.
    steps = np.diff(known)
    breaks_before = np.flatnonzero(steps[:low] > gap)
    low = int(breaks_before[-1]) + 1 if len(breaks_before) else 0
    breaks_after = np.flatnonzero(steps[high:] > gap)
    high = high + int(breaks_after[0]) if len(breaks_after) else n - 1
    start = pd.Timestamp(known[low], tz="UTC")
    end = pd.Timestamp(known[high], tz="UTC")
    return TimeRange(start, end, high - low + 1, low, n - 1 - high, missing)


def time_range(messages: pd.DataFrame) -> TimeRange:
    """The bulk of the messages' times (`bulk_time_range` of created_at), for every time figure."""
    return bulk_time_range(messages["created_at"])


def rejected_reasons(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by column and reason, most common first, with one example row."""
    if rejected.empty:
        return pd.DataFrame(columns=["column", "reason", "rows", "example_row"])
    return (
        rejected.assign(column=rejected["column"].fillna("(whole row)"))
        .groupby(["column", "reason"], dropna=False)
        .agg(rows=("row", "size"), example_row=("row", "min"))
        .sort_values("rows", ascending=False)
        .reset_index()
    )


def load_overview(summary: dict) -> pd.DataFrame:
    """The load summary as a two-column table a reader can scan."""
    labels = {
        "rows_read": "rows read",
        "messages": "messages kept",
        "rejected": "rows rejected",
        "conversations": "conversations",
        "customer_messages": "customer messages",
        "agent_messages": "agent messages",
        "answered": "customer messages answered",
        "unanswered": "customer messages never answered",
        "parent_missing": "replies to a message outside the file",
        "cycles_broken": "reply cycles cut",
        "replies_before_parent": "replies stamped before their parent",
        "latency_excluded": "exchanges left out of latency",
        "first_message_at": "first message",
        "last_message_at": "last message",
    }
    return pd.DataFrame(
        {"measure": list(labels.values()), "value": [summary.get(k) for k in labels]}
    )


def conversations_per_day(
    messages: pd.DataFrame, span: TimeRange | None = None, by: str = "brand"
) -> pd.DataFrame:
    """Conversations started per brand (or other conversation field `by`: channel, team, ...)
    and UTC day inside the bulk of the data (`time_range`).

    A conversation counts on its first message inside the range (a thread opened by a tweet
    quoted years later counts when it is answered, not on the old tweet); days inside the range
    without one are 0, so gaps show. `span.note()` says how many messages lie outside.
    """
    span = span if span is not None else time_range(messages)
    inside = messages[span.contains(pd.to_datetime(messages["created_at"], utc=True))]
    starts = inside.sort_values("created_at").drop_duplicates("conversation_id")
    if span.start is None:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="day"))
    days = pd.date_range(span.start.floor("D"), span.end.floor("D"), freq="D", name="day")
    table = (
        starts.assign(
            **{by: starts[by].astype(object).fillna("unknown").astype(str)},
            day=pd.to_datetime(starts["created_at"], utc=True).dt.floor("D"),
        )
        .pivot_table(index="day", columns=by, values="conversation_id", aggfunc="count")
        .reindex(days)
        .fillna(0)
        .astype(int)
    )
    table.columns.name = by
    return table


def messages_per_brand(messages: pd.DataFrame, by: str = "brand") -> pd.DataFrame:
    """Messages, conversations and roles per brand (or other message column `by`)."""
    frame = messages.assign(**{by: messages[by].astype(object).fillna("unknown")})
    return (
        frame.groupby(by)
        .agg(
            conversations=("conversation_id", "nunique"),
            customer_messages=("role", lambda r: int((r == "customer").sum())),
            agent_messages=("role", lambda r: int((r == "agent").sum())),
        )
        .sort_values("conversations", ascending=False)
        .reset_index()
    )
