"""Tables for the shared pages: every row, readable headers with units, formatted numbers.

A notebook cell ends with `tables.show(frame)` for every table it shows (never pandas' own
display, which cuts long tables at its display limit). `show`:

- keeps every row and column (`columns=` picks and orders them; `max_rows=` shows the first
  rows and says so on the page), and every cell whole unless `max_chars=` shortens long texts
  (`shorten`: between words, never inside one);
- labels each column from `LABELS` (one dictionary for every page; `LABEL_PATTERNS` for
  families such as `sla_1h_share`), with the unit in the header;
- formats values by the column's unit suffix: `*_share` / `*_rate` as percentages,
  `*_seconds` (and `_minutes`, `_hours`, `_days`) as a duration in s, min, h or days (one unit per
  column, by its median), counts with thousands separators, booleans as yes/no;
- folds interval columns into their value: `response_rate` with `response_rate_low` /
  `response_rate_high` shows "52% (47–57%)", `median_first_response_seconds` with
  `median_first_response_low_seconds` / `_high_seconds` likewise;
- makes long or wide tables (more than `INTERACTIVE_ROWS` rows or `INTERACTIVE_COLUMNS`
  columns) interactive: sort, search and page, with DataTables from itables' offline bundle.

Privacy and safety: the table is plain HTML, every value escaped, every cell a text node, so
`redact.redact_html` masks what the cells show. Redaction runs on the page, after the table is
made, so a shortened text must end between words: "write to dana@example.com" cut to
"write to dana@exa…" would leave a fragment no pattern recognises; `shorten` drops the word
instead ("write to …"). DataTables enhances that table in place (the
data is never copied into a script), sorting numbers by `data-order` attributes that hold only
the numbers. The script itself is added once per page by the report (`page_assets`), only to
pages with an interactive table (`has_interactive_table`); it is embedded, so the page works
offline. In JupyterLab the same table shows complete, without the sort and search controls.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

# Tables larger than this in either direction get sort, search and paging controls.
INTERACTIVE_ROWS = 15
INTERACTIVE_COLUMNS = 8
PAGE_LENGTH = 25
INTERVAL_NOTE = "In brackets: the 95% confidence interval."
MISSING = "–"
ELLIPSIS = "…"
INTERACTIVE_ATTRIBUTE = "data-sq-interactive"

# Every column name the pages show, as a reader says it (the unit is added from the suffix).
LABELS: dict[str, str] = {
    # keys
    "brand": "Brand",
    "agent": "Agent",
    "agent_id": "Agent",
    "reply_agent_id": "Agent",
    "channel": "Channel",
    "weekday": "Weekday",
    "hour": "Hour",
    "priority": "Priority",
    "team": "Team",
    "ticket_type": "Ticket type",
    "product": "Product",
    "conversation_id": "Conversation",
    "first_reply_id": "First reply",
    "template_id": "Template",
    # outcomes, tone and the evidence for each lesson
    "followed_up_share": "Followed up",
    "customer_thanked_share": "Thanked (of follow-ups)",
    "customer_still_unhappy_share": "Still unhappy (of follow-ups)",
    "satisfied_share": "Satisfied (rated 4-5)",
    "mean_sentiment_change": "Mean sentiment change (-2 to 2)",
    "reply_count": "Replies read",
    "with_count": "Exchanges with the lesson",
    "with_share": "Outcome, with the lesson",
    "without_count": "Exchanges without it",
    "without_share": "Outcome, without the lesson",
    "odds_ratio": "Adjusted odds ratio",
    "n": "Exchanges in the model",
    "dismissive_or_hostile_proba": "Labeller's confidence (0-1)",
    "canned_policy_reply_proba": "Labeller's confidence (0-1)",
    "reply_text": "Reply",
    # latency
    "customer_messages": "Customer messages",
    "answered": "Answered",
    "response_rate": "Response rate",
    "median_first_response_seconds": "Median first response",
    "p90_first_response_seconds": "90th percentile first response",
    "mean_first_response_seconds": "Mean first response",
    "km_median_first_response_seconds": "Median first response, Kaplan–Meier",
    "business_median_first_response_seconds": "Median first response, business hours",
    "business_p90_first_response_seconds": "90th percentile first response, business hours",
    "first_response_seconds": "First response",
    "business_first_response_seconds": "First response, business hours",
    "latency_excluded_count": "Without a usable time",
    "first_response_measured_count": "First responses timed",
    "replied": "Replied",
    "reply_rate": "Reply rate",
    "median_next_reply_seconds": "Median next reply",
    "p90_next_reply_seconds": "90th percentile next reply",
    "mean_next_reply_seconds": "Mean next reply",
    "km_median_next_reply_seconds": "Median next reply, Kaplan–Meier",
    "next_reply_measured_count": "Next replies timed",
    "tickets": "Tickets",
    "resolved": "Resolved",
    "resolved_share": "Resolved",
    "median_resolution_seconds": "Median resolution",
    "p90_resolution_seconds": "90th percentile resolution",
    # personalisation
    "replies": "Replies",
    "first_replies": "First replies",
    "agent_replies": "Agent replies",
    "signed_replies": "Signed replies",
    "distinct_agents": "Agents",
    "addresses_by_name_share": "Addresses the customer by name",
    "template_share": "Template replies",
    "mean_specificity": "Mean specificity (0–1)",
    "uses_handle_share": "Uses the customer's handle",
    "signed_share": "Signed",
    "templates": "Templates",
    "replies_with_complaint": "Replies to a customer message",
    "median_template_distance": "Median distance to its template (0–1)",
    "mean_template_distance": "Mean distance to its template (0–1)",
    "rank": "Rank",
    "brand_share": "Share of the brand's replies",
    "is_template": "A template",
    "template_text": "Wording",
    # the five lessons
    "never_answered_share": "Never answered",
    "react_quickly_share": "Reacts quickly",
    "responds_in_same_medium_share": "Responds in the same medium",
    "acknowledges_specifics_share": "Acknowledges specifics",
    "shows_appreciation_share": "Shows appreciation",
    "shares_resolution_or_timetable_share": "Shares a resolution or timetable",
    "says_sorry_share": "Says sorry",
    "lessons_met": "Lessons met (of 5)",
    "lessons_met_mean": "Lessons met, mean (of 5)",
    "first_reply_lessons_met": "Lessons met by the first reply (of 5)",
    "best_reply_lessons_met": "Lessons met by the best reply (of 5)",
    "first_reply_says_sorry": "First reply says sorry",
    # data quality
    "messages": "Messages",
    "conversations": "Conversations",
    "rejected": "Rejected rows",
    "reason": "Reason",
    "rows": "Rows",
    "row": "Row",
    "file": "File",
    "column": "Column",
    "value": "Value",
    "text": "Text",
}

# Column families: a pattern on the name (with its unit suffix) and the label it gets.
LABEL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^sla_(?P<hours>[\d.]+)h_share$"), "Answered within {hours} h"),
    (
        re.compile(r"^km_within_(?P<hours>[\d.]+)h_share$"),
        "Answered within {hours} h, Kaplan–Meier",
    ),
    # A lesson's share as the labeller read it, beside the share corrected for its errors.
    (re.compile(r"^(?P<lesson>[a-z_]+)_raw_share$"), "{lesson} (as read)"),
)

# Unit suffixes of durations, in seconds.
_DURATIONS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
# The unit a duration column is shown in, by its median in seconds: below 2 h in min, below 2 days
# in h, else in days (a reader compares 3 h and 40 h, not 10800 and 144000).
_DURATION_UNITS = ((7200.0, "min", 60.0), (172800.0, "h", 3600.0))
_DAYS = ("days", 86400.0)
_SHARE_SUFFIXES = ("_share", "_rate")

_CSS = """<style>
.sq-table-wrap { overflow-x: auto; margin: 0.5em 0 1em; max-width: 100%; }
/* table-layout auto: JupyterLab's fixed layout squeezes wide tables until cells overlap */
.sq-table-wrap table.sq-table {
  border-collapse: collapse; font-size: 0.85rem; margin: 0; table-layout: auto; }
table.sq-table caption { caption-side: top; text-align: left; font-weight: 600; padding: 0.3em 0; }
.sq-table-wrap table.sq-table th {
  vertical-align: bottom; padding: 0.3em 0.6em; white-space: normal; min-width: 4.5em; }
table.sq-table td { padding: 0.25em 0.6em; vertical-align: top; }
.sq-table-wrap table.sq-table th.sq-num, .sq-table-wrap table.sq-table td.sq-num {
  text-align: right; font-variant-numeric: tabular-nums; }
.sq-table-wrap table.sq-table td.sq-num { white-space: nowrap; }
.sq-table-wrap table.sq-table th.sq-text, .sq-table-wrap table.sq-table td.sq-text {
  text-align: left; max-width: 42em; }
.sq-table-wrap table.sq-table td.sq-text { white-space: normal; }
.sq-table-note { color: #555; font-size: 0.8rem; margin: 0.2em 0 1em; }
</style>"""


@dataclass(frozen=True)
class Table:
    """A table ready for a page: its HTML (what a notebook displays) and a plain-text view."""

    html: str
    text: str
    interactive: bool
    rows: int

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Column:
    label: str
    texts: pd.Series  # what each cell shows
    order: pd.Series | None  # the number a cell sorts by (numeric columns only)
    folded: bool = False  # some cells show an interval


def show(
    frame: pd.DataFrame | pd.Series,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    max_rows: int | None = None,
    max_chars: int | None = None,
    interactive: bool | None = None,
    note: str | None = None,
) -> Table:
    """Every row of a table for a page: readable headers, units and numbers, intervals folded in,
    texts longer than `max_chars` shortened between words; interactive (sort, search, page) when
    long or wide, or as `interactive` says; `note` is a footnote under it, shown as text."""
    frame = _as_frame(frame)
    shown = frame if max_rows is None else frame.head(max_rows)
    built = _columns(shown, columns, labels)
    if max_chars is not None:
        built = [
            c if c.order is not None else _Column(c.label, shorten(c.texts, max_chars), None)
            for c in built
        ]
    if interactive is None:
        interactive = len(shown) > INTERACTIVE_ROWS or len(built) > INTERACTIVE_COLUMNS
    notes = []
    if any(c.folded for c in built):
        notes.append(INTERVAL_NOTE)
    if frame.empty:
        notes.append("No rows.")
    elif len(shown) < len(frame):
        notes.append(f"The first {len(shown):,} of {len(frame):,} rows.")
    if note:
        notes.append(note)
    html = _html(built, len(shown), title=title, notes=notes, interactive=interactive)
    text = _text(built, title, notes)
    return Table(html=html, text=text, interactive=interactive, rows=len(shown))


def format_table(
    frame: pd.DataFrame | pd.Series,
    *,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The table as a reader sees it: labelled columns of formatted text, intervals folded in."""
    built = _columns(_as_frame(frame), columns, labels)
    return pd.DataFrame(
        {c.label: c.texts.to_numpy() for c in built}, columns=[c.label for c in built]
    )


def shorten(texts: pd.Series, max_chars: int) -> pd.Series:
    """Each text at most `max_chars` long: a longer one cut at the last whitespace that fits, its
    partial last word dropped, then "…" (never a fragment of an address, number or name)."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    texts = texts.astype(object).where(texts.notna(), None).astype("string")
    long = texts.str.len().gt(max_chars).fillna(False).to_numpy(dtype=bool)
    if not long.any():
        return texts.astype(object).where(texts.notna(), MISSING).astype(str)
    room = max_chars - len(ELLIPSIS)
    cut = texts[long].str.slice(0, room)
    # The character after the cut: whitespace means the cut fell between words.
    inside_word = ~texts[long].str.slice(room, room + 1).str.match(r"\s").fillna(False)
    cut = cut.where(~inside_word, cut.str.replace(r"\S+$", "", regex=True))
    shortened = texts.copy()
    shortened[long] = cut.str.rstrip() + ELLIPSIS
    return shortened.astype(object).where(shortened.notna(), MISSING).astype(str)


def label(column: str, unit: str | None = None) -> str:
    """The reader's name of a column (`LABELS`, `LABEL_PATTERNS`, else its words), with a unit."""
    name = str(column)
    text = LABELS.get(name)
    if text is None:
        for pattern, template in LABEL_PATTERNS:
            match = pattern.match(name)
            if match:
                # A group of words ("acknowledges_specifics") reads as words; numbers stay.
                groups = {
                    key: value if value.replace(".", "").isdigit() else _words(value)
                    for key, value in match.groupdict().items()
                }
                text = template.format(**groups)
                break
    if text is None:
        text = _words(name)
    return f"{text} ({unit})" if unit else text


def has_interactive_table(html: str) -> bool:
    """Whether an HTML text holds a table `show` made interactive (escaped data never matches)."""
    return re.search(rf"<table\b[^>]*\s{INTERACTIVE_ATTRIBUTE}\b", html) is not None


@lru_cache(maxsize=1)
def page_assets() -> str:
    """The style and script that make a page's interactive tables work offline: DataTables from
    itables' bundle, embedded (base64, so no '</script>' inside), enhancing the tables in place."""
    bundle = Path(_bundle_path())
    script = base64.b64encode(bundle.read_bytes()).decode("ascii")
    css = bundle.with_suffix(".css").read_text(encoding="utf-8")
    if "</style" in css.lower():  # would end the style element early
        raise ValueError(f"{bundle.with_suffix('.css')}: cannot be embedded in a <style>")
    return _ASSETS.format(css=css, bundle=script, attribute=INTERACTIVE_ATTRIBUTE)


def _bundle_path() -> str:
    from itables import options

    return str(options.dt_bundle)


# DataTables is imported from the embedded bundle (an ES module) through a blob: URL, made from
# the bundle's bytes (not a string: the bundle holds non-ASCII text). Each table keeps the order
# the page gave it until a reader sorts; `window.supportQualityTables` lists the tables made.
_ASSETS = """<style>
{css}
</style>
<script type="module">
const bytes = Uint8Array.from(atob("{bundle}"), (c) => c.charCodeAt(0));
const url = URL.createObjectURL(new Blob([bytes], {{ type: "text/javascript" }}));
const bundle = await import(url);
URL.revokeObjectURL(url);
const DataTable = bundle.default ?? bundle.DataTable;
window.supportQualityTables = [];
for (const table of document.querySelectorAll("table[{attribute}]:not(.dataTable)")) {{
  window.supportQualityTables.push(new DataTable(table, {{
    order: [],
    autoWidth: false,
    lengthMenu: [10, 25, 50, 100, {{ label: "All", value: -1 }}],
  }}));
}}
document.documentElement.dataset.sqTables = "ready";
</script>"""


# --- Columns ---------------------------------------------------------------------------------


def _as_frame(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A frame with plain string column names and its index as columns when it means something."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    named_index = any(n is not None for n in frame.index.names)
    if named_index or not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index(names=[n or "" for n in frame.index.names])
    else:
        frame = frame.reset_index(drop=True)
    if isinstance(frame.columns, pd.MultiIndex):
        names = [" · ".join(str(p) for p in parts if str(p)) for parts in frame.columns]
    else:
        names = [str(c) for c in frame.columns]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # one header twice (after flattening) would be one column
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} ({seen[name]})"
    frame = frame.copy()
    frame.columns = names
    return frame


def _columns(
    frame: pd.DataFrame, columns: Sequence[str] | None, labels: Mapping[str, str] | None
) -> list[_Column]:
    """One formatted column per value column; interval columns fold into their value's cells."""
    labels = dict(labels or {})
    available = list(frame.columns)
    if columns is not None:
        missing = [c for c in columns if c not in available]
        if missing:
            raise KeyError(f"no column {', '.join(map(repr, missing))} (the table has {available})")
    chosen = list(columns) if columns is not None else available
    intervals = {c: _interval_columns(c, available) for c in chosen}
    # A bound shows inside its value's cell, never as a column of its own beside it.
    bounds = {bound for pair in intervals.values() if pair for bound in pair}
    built = []
    for name in chosen:
        if name in bounds:
            continue
        pair = intervals[name]
        low, high = (frame[pair[0]], frame[pair[1]]) if pair else (None, None)
        built.append(_format_column(name, frame[name], low, high, labels.get(name)))
    return built


def _interval_columns(name: str, available: Sequence[str]) -> tuple[str, str] | None:
    """The (low, high) columns of a value column: `X_low`/`X_high`, or `X_low_seconds`/... for
    `X_seconds`; None when the table does not have both."""
    stem, unit = _split_unit(name)
    if unit in _DURATIONS:
        pair = (f"{stem}_low_{unit}", f"{stem}_high_{unit}")
    else:
        pair = (f"{name}_low", f"{name}_high")
    return pair if all(p in available for p in pair) else None


def _split_unit(name: str) -> tuple[str, str | None]:
    for unit in _DURATIONS:
        if name.endswith(f"_{unit}"):
            return name[: -len(unit) - 1], unit
    return name, None


def _format_column(
    name: str,
    values: pd.Series,
    low: pd.Series | None,
    high: pd.Series | None,
    override: str | None,
) -> _Column:
    """A column's header and cell texts by its unit suffix and type, and its numeric sort key."""
    _, unit = _split_unit(name)
    folded = low is not None and bool((low.notna() & high.notna() & values.notna()).any())
    if unit in _DURATIONS and _is_number(values):
        seconds = values.astype("float64") * _DURATIONS[unit]
        unit_label, per_unit = _duration_unit(seconds)
        scale = per_unit / _DURATIONS[unit]
        texts = _with_interval(values.astype("float64") / scale, low, high, scale, _fixed)
        return _Column(override or label(name, unit_label), texts, _order(seconds), folded)
    header = override or label(name)
    if _is_bool(values):
        texts = values.map({True: "yes", False: "no"}).astype(object).where(values.notna(), MISSING)
        return _Column(header, texts.astype(str), _order(values.astype("float64")), False)
    if _is_number(values):
        numbers = values.astype("float64")
        if name.endswith(_SHARE_SUFFIXES):
            formatter = _percent
        else:
            finite = numbers[np.isfinite(numbers)]
            formatter = _count if bool(((finite % 1) == 0).all()) else _fixed
        texts = _with_interval(numbers, low, high, 1.0, formatter)
        return _Column(header, texts, _order(numbers), folded)
    if pd.api.types.is_datetime64_any_dtype(values):
        texts = values.dt.strftime("%Y-%m-%d %H:%M").astype(object).where(values.notna(), MISSING)
        seconds = (values - values.min()).dt.total_seconds()  # only the order matters
        return _Column(header, texts.astype(str), _order(seconds), False)
    texts = values.astype(object).where(values.notna(), MISSING).astype(str)
    return _Column(header, texts, None, False)


def _words(name: str) -> str:
    """snake_case to words ('p90_next_reply' -> '90th percentile next reply'); other names as given."""
    stem, _ = _split_unit(name)
    if not re.fullmatch(r"[a-z0-9_]+", stem):
        return name
    words = stem.replace("_", " ").strip()
    words = re.sub(r"\bp(\d\d)\b", r"\1th percentile", words)
    words = re.sub(r"^km (.+)$", r"\1, Kaplan–Meier", words)
    words = re.sub(r" (share|count)$", "", words)
    return words[:1].upper() + words[1:]


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not _is_bool(values)


def _is_bool(values: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(values)


def _duration_unit(seconds: pd.Series) -> tuple[str, float]:
    """One unit for a duration column, from its median (a column in days reads as days)."""
    median = seconds.abs().median()
    if pd.isna(median):
        return "min", 60.0
    for limit, unit, per_unit in _DURATION_UNITS:
        if median < limit:
            return unit, per_unit
    return _DAYS


# --- Formatting numbers ------------------------------------------------------------------------
# A shown table has at most thousands of cells (not the millions of the analysis): formatting
# one cell at a time with `Series.map` is clear and fast enough here.


def _with_interval(
    values: pd.Series,
    low: pd.Series | None,
    high: pd.Series | None,
    scale: float,
    formatter,
) -> pd.Series:
    """Formatted values, with '(low–high)' after each that has both interval ends, the bounds to
    the value's precision: "52% (47–57%)", "91.5% (84.1–95.6%)", "106 (44–253)"."""
    # object dtype even when empty: an empty map is float64, and float + " (" cannot be added.
    texts = values.map(formatter).astype(object)
    if low is None or high is None:
        return texts
    low_values = low.astype("float64") / scale
    high_values = high.astype("float64") / scale
    both = values.notna() & low_values.notna() & high_values.notna()
    decimals_of = {_percent: _percent_decimals, _fixed: _fixed_decimals}.get(formatter)
    if decimals_of is None:  # counts: whole numbers throughout
        low_text = low_values.map(formatter).astype(object)
        high_text = high_values.map(formatter).astype(object)
    else:
        decimals = values.map(decimals_of).tolist()
        low_text = pd.Series(
            [formatter(b, d) for b, d in zip(low_values, decimals, strict=True)],
            index=values.index,
            dtype=object,
        )
        high_text = pd.Series(
            [formatter(b, d) for b, d in zip(high_values, decimals, strict=True)],
            index=values.index,
            dtype=object,
        )
        if formatter is _percent:  # the % once, after the high end
            low_text = low_text.str.removesuffix("%")
    return texts.where(~both, texts + " (" + low_text + "–" + high_text + ")")


def _percent_decimals(value: float) -> int:
    """Whole percents, one decimal below 10% and above 90%, two where one would read 0% or 100%."""
    if pd.isna(value):
        return 0
    percent = round(float(value) * 100, 2)
    if percent in (0.0, 100.0) or 10 <= percent <= 90:
        return 0
    return 1 if 0.05 <= percent <= 99.95 else 2


def _percent(value: float, decimals: int | None = None) -> str:
    """A share as a percentage (to `decimals`, else its own precision), never rounded to 0% or
    100% unless it is."""
    if pd.isna(value):
        return MISSING
    percent = round(float(value) * 100, 2) + 0.0  # + 0.0: no "-0%"
    own = _percent_decimals(value)
    places = own if decimals is None else decimals
    if round(percent, places) in (0.0, 100.0) and percent not in (0.0, 100.0):
        places = max(places, own)
    return f"{percent:.{places}f}%"


def _fixed_decimals(value: float) -> int:
    """A measured number's decimals: 0.28, 3.4, 42.5, 1,234."""
    if pd.isna(value):
        return 0
    size = abs(float(value))
    if size >= 100 or size == 0:
        return 0
    return 1 if size >= 1 else 2


def _fixed(value: float, decimals: int | None = None) -> str:
    """A measured number to a reader's precision (`_fixed_decimals`), or to `decimals`."""
    if pd.isna(value):
        return MISSING
    places = _fixed_decimals(value) if decimals is None else decimals
    return f"{value:,.{places}f}"


def _count(value: float) -> str:
    return MISSING if pd.isna(value) else f"{value:,.0f}"


def _order(numbers: pd.Series) -> pd.Series:
    """The sort key of numeric cells: the number itself; missing values sort first."""
    numbers = numbers.astype("float64")
    # object dtype: on an empty column map() keeps float64, which cannot be joined to text
    keys = numbers.map(repr).astype(object)
    return keys.where(numbers.notna() & np.isfinite(numbers), "-1e308")


# --- HTML and text -----------------------------------------------------------------------------


def _escape(texts: pd.Series) -> pd.Series:
    return (
        texts.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .str.replace('"', "&quot;", regex=False)
        .str.replace("'", "&#x27;", regex=False)
    )


def _escape_one(text: str) -> str:
    return _escape(pd.Series([text], dtype=object)).iloc[0]


def _html(
    built: list[_Column], rows: int, *, title: str | None, notes: list[str], interactive: bool
) -> str:
    head = "".join(
        f'<th class="{"sq-num" if c.order is not None else "sq-text"}">{_escape_one(c.label)}</th>'
        for c in built
    )
    cells = pd.Series([""] * rows, dtype=object)
    for column in built:
        text = _escape(column.texts.reset_index(drop=True).astype(str))
        if column.order is None:
            cells = cells + '<td class="sq-text">' + text + "</td>"
        else:
            order = column.order.reset_index(drop=True)
            cells = cells + '<td class="sq-num" data-order="' + order + '">' + text + "</td>"
    body = "".join("<tr>" + cells + "</tr>\n")
    attributes = ""
    if interactive:
        paging = "true" if rows > PAGE_LENGTH else "false"
        attributes = (
            f' {INTERACTIVE_ATTRIBUTE}="true" data-page-length="{PAGE_LENGTH}"'
            f' data-paging="{paging}"'
        )
    caption = f"<caption>{_escape_one(title)}</caption>" if title else ""
    note = "".join(f'<p class="sq-table-note">{_escape_one(n)}</p>' for n in notes)
    return (
        f'{_CSS}<div class="sq-table-wrap"><table class="sq-table display compact"{attributes}>'
        f"{caption}<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table></div>{note}"
    )


def _text(built: list[_Column], title: str | None, notes: list[str]) -> str:
    frame = pd.DataFrame(
        np.array([c.texts.to_numpy() for c in built], dtype=object).T.reshape(-1, len(built)),
        columns=[c.label for c in built],
    )
    parts = [title] if title else []
    parts.append(frame.to_string(index=False) if len(built) else "(no columns)")
    return "\n".join([*parts, *notes])
