"""Business hours: a weekly opening schedule in a local time zone minus public holidays, and the
business seconds between two instants.

The hot path is vectorised. Each local calendar day from the first to the last instant gets its
opening and closing instant in UTC (so a daylight-saving change moves the window, as it does for
the people working it) and its count of business seconds; a running total of those at day
boundaries turns any instant into "business seconds since the first day". The business seconds
between two instants are then the difference of two lookups: O(rows + days), no loop over rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package
import numpy as np
import pandas as pd

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_NS_PER_SECOND = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_SECOND


def parse_weekdays(days: str | Iterable[int | str]) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) from 'Mon-Fri', 'Sun-Thu', 'Mon,Wed,Fri' or a list of names/ints."""
    if isinstance(days, str):
        parts = [part.strip() for part in days.split(",") if part.strip()]
    else:
        parts = list(days)
    chosen: set[int] = set()
    for part in parts:
        if isinstance(part, int | np.integer):
            if not 0 <= int(part) <= 6:
                raise ValueError(f"analysis: weekday {part} is not 0 (Monday) to 6 (Sunday)")
            chosen.add(int(part))
            continue
        ends = [_weekday_number(name) for name in str(part).split("-")]
        if len(ends) == 1:
            chosen.add(ends[0])
        elif len(ends) == 2:
            first, last = ends
            span = (last - first) % 7  # a range may wrap the week: 'Sun-Thu'
            chosen.update((first + step) % 7 for step in range(span + 1))
        else:
            raise ValueError(f"analysis: cannot read weekdays {part!r} (expected like 'Mon-Fri')")
    return tuple(sorted(chosen))


def _weekday_number(name: str) -> int:
    key = name.strip()[:3].title()
    if key not in WEEKDAY_NAMES:
        raise ValueError(
            f"analysis: cannot read weekday {name!r} (expected one of {', '.join(WEEKDAY_NAMES)})"
        )
    return WEEKDAY_NAMES.index(key)


def parse_clock(value: str) -> pd.Timedelta:
    """A time of day 'HH:MM' or 'HH:MM:SS' as an offset from midnight; '24:00' is the day's end."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", str(value))
    if not match:
        raise ValueError(f"analysis: cannot read time of day {value!r} (expected like '09:00')")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    offset = pd.Timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if minutes > 59 or seconds > 59 or offset > pd.Timedelta(hours=24):
        raise ValueError(f"analysis: time of day {value!r} is outside 00:00-24:00")
    return offset


@dataclass(frozen=True)
class BusinessHours:
    """A weekly schedule (same hours on each open day) in a local time zone, minus holidays.

    `days` like "Mon-Fri"; `start`/`end` like "09:00"/"17:00" local time ("24:00" allowed as an
    end; a window past midnight is not supported: split such a shift into two schedules);
    `timezone` an IANA name ("America/New_York"); `holiday_country` a code the `holidays` package
    knows ("US", "GB", "DE"), with an optional `holiday_subdivision` ("CA", "ENG"); and
    `extra_holidays` any further closed dates. Holidays are local calendar dates.
    """

    days: str | tuple[int, ...] = "Mon-Fri"
    start: str = "09:00"
    end: str = "17:00"
    timezone: str = "UTC"
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: tuple[date, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "extra_holidays", tuple(pd.to_datetime(d).date() for d in self.extra_holidays)
        )
        if self.start_offset >= self.end_offset:
            raise ValueError(
                f"analysis: business hours start {self.start!r} is not before end {self.end!r} "
                "(overnight windows are not supported)"
            )
        self.weekdays  # noqa: B018 - validates the days now rather than at first use
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"analysis: unknown time zone {self.timezone!r} (expected an IANA name like "
                "'America/New_York')"
            ) from error
        if self.holiday_country:
            try:
                holidays_package.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision, years=[2020]
                )
            except NotImplementedError as error:
                raise ValueError(
                    f"analysis: the holidays package has no country {self.holiday_country!r} "
                    f"(subdivision {self.holiday_subdivision!r}); use a code like 'US' or 'GB'"
                ) from error

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Open weekdays, Monday 0."""
        return parse_weekdays(self.days)

    @property
    def start_offset(self) -> pd.Timedelta:
        """Opening time as an offset from local midnight."""
        return parse_clock(self.start)

    @property
    def end_offset(self) -> pd.Timedelta:
        """Closing time as an offset from local midnight."""
        return parse_clock(self.end)

    def holiday_dates(self, first: date, last: date) -> set[date]:
        """Closed dates between first and last (inclusive): public holidays plus extra ones."""
        closed = {d for d in self.extra_holidays if first <= d <= last}
        if self.holiday_country:
            calendar = holidays_package.country_holidays(
                self.holiday_country,
                subdiv=self.holiday_subdivision,
                years=range(first.year, last.year + 1),
            )
            closed.update(d for d in calendar if first <= d <= last)
        return closed

    def describe(self) -> str:
        """One line for titles and captions: 'Mon-Fri 09:00-17:00 America/New_York, US holidays'."""
        days = (
            self.days
            if isinstance(self.days, str)
            else ",".join(WEEKDAY_NAMES[d] for d in self.weekdays)
        )
        text = f"{days} {self.start}-{self.end} {self.timezone}"
        if self.holiday_country:
            subdivision = f"-{self.holiday_subdivision}" if self.holiday_subdivision else ""
            text += f", {self.holiday_country}{subdivision} public holidays closed"
        return text


DEFAULT_SCHEDULE = BusinessHours()


def _utc_nanoseconds(
    values: pd.Series | pd.DatetimeIndex | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(int64 nanoseconds since the epoch in UTC, known mask) for tz-aware or UTC-naive times."""
    times = pd.to_datetime(pd.Series(values).reset_index(drop=True), utc=True)
    known = times.notna().to_numpy()
    nanoseconds = times.dt.tz_localize(None).astype("datetime64[ns]").to_numpy().view("int64")
    return nanoseconds, known


@dataclass(frozen=True)
class _DayTable:
    first_day_ns: int  # local midnight of the first day, as naive local nanoseconds
    open_ns: np.ndarray  # opening instant of each local day, UTC nanoseconds
    open_seconds_ns: np.ndarray  # business nanoseconds of each day (0 when closed)
    before_ns: np.ndarray  # business nanoseconds of all earlier days


def _day_table(schedule: BusinessHours, first_local_ns: int, last_local_ns: int) -> _DayTable:
    """Opening instants and business nanoseconds of every local day in the range."""
    first_day = pd.Timestamp(first_local_ns).floor("D")
    last_day = pd.Timestamp(last_local_ns).floor("D")
    days = pd.date_range(first_day, last_day, freq="D")
    open_local = days + schedule.start_offset
    close_local = days + schedule.end_offset
    # Nonexistent local times (spring forward) move to the first valid instant; ambiguous ones
    # (fall back) take the earlier, daylight-saving reading. Either way open <= close.
    localise = {"nonexistent": "shift_forward", "ambiguous": np.ones(len(days), dtype=bool)}
    open_utc = open_local.tz_localize(schedule.timezone, **localise).tz_convert("UTC")
    close_utc = close_local.tz_localize(schedule.timezone, **localise).tz_convert("UTC")
    open_ns = open_utc.tz_localize(None).as_unit("ns").asi8
    close_ns = close_utc.tz_localize(None).as_unit("ns").asi8

    is_open = np.isin(days.day_of_week, schedule.weekdays)
    closed = schedule.holiday_dates(first_day.date(), last_day.date())
    if closed:
        is_open &= ~np.isin(days.date, np.array(sorted(closed), dtype=object))
    open_seconds = np.where(is_open, np.maximum(close_ns - open_ns, 0), 0).astype(np.int64)
    before = np.concatenate([[0], np.cumsum(open_seconds)[:-1]]).astype(np.int64)
    return _DayTable(int(first_day.as_unit("ns").value), open_ns, open_seconds, before)


def _business_clock(utc_ns: np.ndarray, local_ns: np.ndarray, table: _DayTable) -> np.ndarray:
    """Business nanoseconds elapsed from the table's first local day to each instant."""
    day = (local_ns - table.first_day_ns) // _NS_PER_DAY
    into_day = np.clip(utc_ns - table.open_ns[day], 0, table.open_seconds_ns[day])
    return table.before_ns[day] + into_day


def business_seconds_between(
    start: pd.Series | pd.DatetimeIndex,
    end: pd.Series | pd.DatetimeIndex,
    schedule: BusinessHours | None = None,
) -> np.ndarray:
    """Business seconds from each start to its end (NaN where either is unknown or end < start)."""
    schedule = schedule or DEFAULT_SCHEDULE
    start_ns, start_known = _utc_nanoseconds(start)
    end_ns, end_known = _utc_nanoseconds(end)
    if len(start_ns) != len(end_ns):
        raise ValueError("analysis: business_seconds_between needs as many starts as ends")
    valid = start_known & end_known & (end_ns >= start_ns)
    result = np.full(len(start_ns), np.nan)
    if not valid.any():
        return result

    instants = np.concatenate([start_ns[valid], end_ns[valid]])
    local = (
        pd.DatetimeIndex(instants.view("datetime64[ns]"))
        .tz_localize("UTC")
        .tz_convert(schedule.timezone)
        .tz_localize(None)
        .as_unit("ns")
        .asi8
    )
    table = _day_table(schedule, int(local.min()), int(local.max()))
    clock = _business_clock(instants, local, table)
    count = int(valid.sum())
    result[valid] = (clock[count:] - clock[:count]) / _NS_PER_SECOND
    return result
