"""Reading the time columns of an input file: one rule for every reader, and nothing guessed.

The rules, in the order they apply to each distinct value of a column:

- **Day or month first.** A date written with its year last (``05/06/2023``, ``13.05.2023``,
  ``06-05-2023``, two-digit years as ``strptime``'s ``%y``) is read in one order for the whole
  file. The user's choice (``--day-first`` / ``--month-first``, or ``dayfirst:`` in the mapping
  file) always wins, and a value that cannot be a date in that order (``05/13/2023`` read
  day-first) is a rejected row. Without a choice the values decide: a first number above 12
  proves day-first, a second one above 12 proves month-first. Proof of one order and none of
  the other reads the file that way (said in a note); proof of both, or only values that could
  be either (``05/06/2023``), is an error saying how to choose. ISO 8601 (``2023-05-06 10:00``),
  year-first dates, month names (``6 May 2023``, ``May 6, 2023 10:00 AM``) and Unix times (9 to
  13 digits; 13 are milliseconds) are never in doubt.
- **Offsets.** A value with its own offset (``Z``, ``+05:00``, ``-0700``, ``UTC``, ``GMT``) is read
  by it; a value without one is local time in the input time zone. A column may mix both.
- **Leap seconds.** ``23:59:60`` is read as ``23:59:59``, the last second of that minute, as POSIX
  clocks do (never as the next day); a note counts them.
- **Clock changes.** A local time in the hour skipped when clocks go forward (2021-03-28 02:30 in
  Europe/Berlin) is moved forward by the gap (03:30), as a clock that missed the change would
  show it and as Python reads it (PEP 495, ``fold=0``); a local time in the hour repeated when
  clocks go back is read as its first occurrence (summer time). Notes count both.
- **Range.** Times are kept to the nanosecond, which spans 1678 to 2262: a time outside is a
  rejected row ("year outside the supported range 1678-2262"), never an overflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.io.common import InputError

EXAMPLE = "2023-06-01 12:15:36"
UNREADABLE = f"cannot read the time (expected ISO 8601, like '{EXAMPLE}' or '2023-06-01T12:15:36Z')"
OUT_OF_RANGE = "year outside the supported range 1678-2262"
# The span of a nanosecond timestamp (pandas' Timestamp.min and .max), whole seconds inside it.
EARLIEST = pd.Timestamp("1677-09-21 00:12:44", tz="UTC")
LATEST = pd.Timestamp("2262-04-11 23:47:16", tz="UTC")
HOW_TO_CHOOSE = (
    "choose with --day-first or --month-first, or 'dayfirst: true' or 'dayfirst: false' "
    "in the mapping file"
)

# A date with its year last: which of the first two numbers is the day is the file's order.
_YEAR_LAST = (
    r"^(?P<first>\d{1,2})[/.-](?P<second>\d{1,2})[/.-](?P<year>\d{4}|\d{2})"
    r"(?P<rest>(?:[ T,].*)?)$"
)
# Year first with slashes or dots (2023/05/06): always year, month, day, written as ISO.
_YEAR_FIRST = r"^(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})(?P<rest>(?:[ T].*)?)$"
_LEAP_SECOND = r"(\d:[0-5]\d):60(\D|$)"
_EPOCH = r"^\d{9,13}(?:\.\d+)?$"
# An offset of its own: after a time (":00Z", ":00+05:00", ":47 +0000"), or a zone word.
_HAS_OFFSET = (
    r"(?i)(?::\d{2}(?:[.,]\d+)?\s*(?:[ap]\.?m\.?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)(?:\s|$))"
    r"|\b(?:utc|gmt|ut)\b|\dz$"
)


# Keys of a mapping that are this module's option, not fields (`dayfirst: true` in a mapping file).
DAYFIRST_KEYS = ("dayfirst", "day_first")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def dayfirst_option(mapping: dict | None, dayfirst: bool | None) -> tuple[dict | None, bool | None]:
    """The mapping without its `dayfirst` option, and the order to read dates in: `dayfirst` when
    given (the command line overrides a saved mapping), else the mapping's."""
    if not mapping or not any(key in mapping for key in DAYFIRST_KEYS):
        return mapping, dayfirst
    fields = {k: v for k, v in mapping.items() if k not in DAYFIRST_KEYS}
    key = next(key for key in DAYFIRST_KEYS if key in mapping)
    value = mapping[key]
    text = str(value).strip().lower()
    if not isinstance(value, bool) and text not in _TRUE | _FALSE:
        raise InputError(f"mapping option {key} must be true or false, not {value!r}")
    stated = value if isinstance(value, bool) else text in _TRUE
    return fields or None, stated if dayfirst is None else dayfirst


@dataclass
class ParsedTimes:
    """Each time column read: UTC times, the reason a present value cannot be used, and notes."""

    times: dict[str, pd.Series]
    problems: dict[str, pd.Series]  # per row: None, or why that row's time cannot be used
    notes: list[str] = field(default_factory=list)


@dataclass
class _Column:
    """One column's distinct values and what their dates say about the file's order."""

    name: str
    codes: np.ndarray  # each row's distinct value (-1: empty)
    values: pd.Series  # the distinct values, leap seconds read as :59
    leap_count: int
    first: pd.Series  # first and second number of a year-last date (NaN for other values)
    second: pd.Series
    year: pd.Series
    rest: pd.Series


def parse_times(
    frame: pd.DataFrame,
    columns: list[str],
    *,
    file: str,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
) -> ParsedTimes:
    """Read the time columns of one file (strings, with `_row`) by the rules of this module."""
    _check_zone(timezone)
    distinct = [_distinct(frame[name], name) for name in columns]
    chosen, order_note = _file_order(distinct, frame["_row"], file, dayfirst)
    result = ParsedTimes(times={}, problems={}, notes=[order_note] if order_note else [])
    for column in distinct:
        times, problems, notes = _read_column(column, chosen, dayfirst is not None, timezone, file)
        result.times[column.name] = pd.Series(times, index=frame.index).dt.tz_localize("UTC")
        result.problems[column.name] = pd.Series(problems, index=frame.index, dtype=object)
        result.notes += notes
    return result


def _check_zone(timezone: str) -> None:
    """One line for a time zone that does not exist (the command line checks it first)."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(
            f"unknown time zone {timezone!r}; expected an IANA name like 'America/New_York'"
        ) from None


def rejected_times(parsed: ParsedTimes) -> list[tuple[pd.Series, str, str]]:
    """(rows, column, reason) for each kind of unusable time, as the readers' rejection checks."""
    return [
        (problems == reason, column, reason)
        for column, problems in parsed.problems.items()
        for reason in problems.dropna().unique()
    ]


def _distinct(values: pd.Series, name: str) -> _Column:
    """A column factorised to its distinct values (each parsed once), with its year-last dates."""
    text = pc.utf8_trim_whitespace(
        pa.array(values.astype(object), type=pa.string(), from_pandas=True)
    )
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    encoded = text.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    array = encoded.dictionary
    leap = _flags(pc.match_substring_regex(array, _LEAP_SECOND))
    leap_count = _row_count(codes, leap)
    if leap.any():
        array = pc.replace_substring_regex(array, _LEAP_SECOND, r"\1:59\2")
    year_last = _flags(pc.match_substring_regex(array, _YEAR_LAST))
    nothing = pd.Series(np.nan, index=range(len(array)))
    column = _Column(
        name,
        codes,
        pd.Series(array.to_pandas(), dtype=object),
        leap_count,
        nothing,
        nothing,
        nothing,
        pd.Series(None, index=nothing.index, dtype=object),
    )
    if year_last.any():
        parts = pc.extract_regex(array, _YEAR_LAST)

        def number(part: str) -> pd.Series:
            digits = pd.Series(parts.field(part).to_pandas(), dtype=object)
            return pd.to_numeric(digits.where(year_last), errors="coerce")

        column.first, column.second, column.year = number("first"), number("second"), number("year")
        column.rest = pd.Series(parts.field("rest").to_pandas(), dtype=object)
    return column


def _file_order(
    columns: list[_Column], rows: pd.Series, file: str, dayfirst: bool | None
) -> tuple[bool, str | None]:
    """Whether year-last dates are day-first in this file, and the note saying how it was told."""
    if dayfirst is not None:
        return dayfirst, None
    proofs = {True: None, False: None}  # order -> (column, row, value) of a date proving it
    ambiguous = None
    for column in columns:
        first, second = column.first, column.second
        for order, mask in (
            (True, (first > 12) & (first <= 31) & (second >= 1) & (second <= 12)),
            (False, (second > 12) & (second <= 31) & (first >= 1) & (first <= 12)),
        ):
            if proofs[order] is None and mask.any():
                proofs[order] = _example(column, mask, rows)
        undecided = (first <= 12) & (second <= 12) & (first != second)
        if ambiguous is None and undecided.any():
            ambiguous = _example(column, undecided, rows)
    day, month = proofs[True], proofs[False]
    if day and month:
        raise InputError(
            f"{file}: dates are written both day-first (row {day[1]}, column {day[0]}: "
            f"{day[2]!r}) and month-first (row {month[1]}, column {month[0]}: {month[2]!r}); "
            f"{HOW_TO_CHOOSE}, and the rows written the other way are rejected"
        )
    if day or month:
        column, row, value = day or month
        order = "day-first" if day else "month-first"
        return bool(day), (
            f"{file}: dates with the year last read {order}, as row {row} ({column} {value!r}) shows"
        )
    if ambiguous:
        column, row, value = ambiguous
        raise InputError(
            f"{file} row {row}, column {column}: cannot tell whether {value!r} is day-first or "
            f"month-first (no date in the file has a number above 12 to show it); {HOW_TO_CHOOSE}"
        )
    return False, None


def _example(column: _Column, mask: pd.Series, rows: pd.Series) -> tuple[str, int, str]:
    """(column, input row, value) of the first row holding a distinct value where mask holds."""
    unique = int(np.flatnonzero(mask.to_numpy())[0])
    position = int(np.flatnonzero(column.codes == unique)[0])
    return column.name, int(rows.iloc[position]), str(column.values.iloc[unique])


def _read_column(
    column: _Column, dayfirst: bool, chosen: bool, timezone: str, file: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each row's UTC time (numpy, naive UTC nanoseconds) and problem, and the column's notes."""
    values = column.values.copy()
    problem = pd.Series(None, index=values.index, dtype=object)
    year_last = column.first.notna()
    if year_last.any():
        values, problem = _year_last_as_iso(column, values, problem, dayfirst, chosen)
    values = _year_first_as_iso(values)
    text = pa.array(values.to_numpy(dtype=object), type=pa.string())
    epoch = _flags(pc.match_substring_regex(text, _EPOCH))
    aware = _flags(pc.match_substring_regex(text, _HAS_OFFSET)) & ~epoch
    naive = ~aware & ~epoch & values.notna().to_numpy() & problem.isna().to_numpy()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    outside = pd.Series(False, index=values.index)

    def store(times: pd.Series) -> None:
        """Times in range to the nanosecond; the others marked outside."""
        beyond = times.notna() & ((times < EARLIEST) | (times > LATEST))
        outside[beyond[beyond].index] = True
        fitting = times[times.notna() & ~beyond]
        parsed[fitting.index] = fitting.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")

    if epoch.any():
        number = pd.to_numeric(values[epoch], errors="coerce")
        seconds = number.where(number < 1e11, number / 1000)  # 13 digits: milliseconds
        store(pd.to_datetime(seconds, unit="s", utc=True, errors="coerce"))
    if aware.any():
        for times in _parsed(values[aware], utc=True):
            store(times)
    gap = np.zeros(len(values), dtype=bool)
    repeated = np.zeros(len(values), dtype=bool)
    if naive.any():
        for times in _naive_or_zoned(values[naive]):
            if isinstance(times.dtype, pd.DatetimeTZDtype):
                store(times)  # an offset only the parser saw: read by it, not shifted again
                continue
            utc, local_gap, local_repeated = _localised(times, timezone)
            store(utc)
            gap[times.index[local_gap]] = True
            repeated[times.index[local_repeated]] = True
    present = values.notna() & problem.isna()
    problem[present & outside] = OUT_OF_RANGE
    problem[present & ~outside & parsed.isna()] = UNREADABLE
    parsed[problem.notna()] = pd.NaT
    times = parsed.dt.tz_localize(None).to_numpy()
    times = np.append(times, np.datetime64("NaT", "ns"))[column.codes]  # code -1: empty
    problem = problem.astype(object).where(problem.notna(), None)
    problems = np.append(problem.to_numpy(dtype=object), None)[column.codes]
    notes = []
    where = f"{file} column {column.name}"
    if column.leap_count:
        notes.append(
            f"{where}: {column.leap_count} time(s) with a leap second (:60) read as the last "
            "second of that minute (:59)"
        )
    if gap.any():
        notes.append(
            f"{where}: {_row_count(column.codes, gap)} local time(s) in the hour skipped when "
            f"clocks went forward in {timezone} moved forward by the gap"
        )
    if repeated.any():
        notes.append(
            f"{where}: {_row_count(column.codes, repeated)} local time(s) in the hour repeated "
            f"when clocks went back in {timezone} read as the first occurrence (summer time)"
        )
    return times, problems, notes


def _year_last_as_iso(
    column: _Column, values: pd.Series, problem: pd.Series, dayfirst: bool, chosen: bool
) -> tuple[pd.Series, pd.Series]:
    """Year-last dates written as ISO 8601 in the file's order; under a chosen order, the dates
    that cannot be read in it get their problem."""
    day = column.first if dayfirst else column.second
    month = column.second if dayfirst else column.first
    year = column.year.where(
        column.year >= 100, column.year + np.where(column.year < 69, 2000, 1900)
    )
    iso = (
        _digits(year, 4)
        + "-"
        + _digits(month, 2)
        + "-"
        + _digits(day, 2)
        + column.rest.fillna("").str.replace(r"^(?:,\s*|\s+)", " ", regex=True).str.rstrip()
    )
    year_last = column.first.notna()
    values = values.where(~year_last, iso)
    if chosen:
        wrong = year_last & (month > 12) & (day <= 12)
        order, other = ("day-first", "month-first") if dayfirst else ("month-first", "day-first")
        problem = problem.where(
            ~wrong,
            f"written {other} (" + _digits(month[wrong], 1) + f" cannot be a month), but dates "
            f"are read {order} as chosen",
        )
    return values, problem


def _digits(numbers: pd.Series, width: int) -> pd.Series:
    return numbers.astype("Int64").astype("string").str.zfill(width).astype(object)


def _year_first_as_iso(values: pd.Series) -> pd.Series:
    """2023/05/06 and 2023.05.06 as 2023-05-06, for the strict ISO 8601 parser."""
    text = values.astype("string")
    if not text.str.contains(r"^\d{4}[/.]", regex=True, na=False).any():
        return values
    parts = text.str.extract(_YEAR_FIRST)
    iso = parts["year"] + "-" + parts["month"].str.zfill(2) + "-" + parts["day"].str.zfill(2)
    return values.where(parts["year"].isna(), (iso + parts["rest"].fillna("")).astype(object))


def _parsed(values: pd.Series, *, utc: bool) -> list[pd.Series]:
    """Times from strings, in parts: ISO 8601 at speed, then anything else through pandas'
    mixed-format parser. Each part keeps its own unit: one value with nanoseconds makes pandas
    read its whole part in nanoseconds, where the year 2300 does not fit."""
    parsed = pd.to_datetime(values, format="ISO8601", utc=utc, errors="coerce")
    rest = parsed.isna()
    if not rest.any():
        return [parsed]
    others = pd.to_datetime(values[rest], format="mixed", utc=utc, errors="coerce")
    return [parsed[~rest], others]


def _naive_or_zoned(values: pd.Series) -> list[pd.Series]:
    """Values without an offset of their own, in parts of naive times, or of UTC times for any
    whose offset only the parser saw (a zone word the pattern above does not know)."""
    try:
        return _parsed(values, utc=False)
    except (ValueError, TypeError):  # naive and zoned mixed: told apart one distinct value each
        one_by_one = values.map(_one_time)
        zoned = one_by_one.map(lambda t: t is not pd.NaT and t.tzinfo is not None).astype(bool)
        naive = pd.to_datetime(one_by_one[~zoned].astype(object), errors="coerce")
        return [naive, pd.to_datetime(one_by_one[zoned].astype(object), utc=True)]


def _one_time(value: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(value, format="mixed"))
    except (ValueError, OverflowError):
        return pd.NaT


def _localised(local: pd.Series, timezone: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Naive local times in UTC by this module's clock-change rule, with masks of the times in a
    skipped hour (`gap`) and in a repeated one."""
    if timezone == "UTC":
        none = np.zeros(len(local), dtype=bool)
        return local.dt.tz_localize("UTC"), none, none
    summer = np.ones(len(local), dtype=bool)
    zoned = local.dt.tz_localize(timezone, ambiguous=summer, nonexistent="NaT")
    single = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    gap = (zoned.isna() & single.notna()).to_numpy()
    repeated = (single.isna() & zoned.notna()).to_numpy()
    utc = zoned.dt.tz_convert("UTC")
    if gap.any():
        # The offset in force just before the gap: 02:30 at +01:00 is 03:30 at +02:00.
        before = local[gap].dt.tz_localize(timezone, nonexistent="shift_backward")
        offset = before.dt.tz_localize(None) - before.dt.tz_convert("UTC").dt.tz_localize(None)
        utc[gap] = (local[gap] - offset).dt.tz_localize("UTC")
    return utc, gap, repeated


def _flags(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _row_count(codes: np.ndarray, distinct_mask: np.ndarray) -> int:
    """How many rows hold one of the distinct values where `distinct_mask` (over a subset) holds."""
    return int(np.isin(codes, np.flatnonzero(distinct_mask)).sum()) if distinct_mask.any() else 0
