"""What every reader shares: reading a CSV as strings, collecting rejected rows, normalising IDs."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis.schema import LOADED_COLUMNS, REJECTED_COLUMNS

# The author of a message whose export leaves it empty: the message is kept, its author unknown.
# Not a word (the redactor masks customer handles as words) and never a real handle.
UNKNOWN_AUTHOR = "(unknown)"
# A carriage return not followed by a line feed: inside a field it is text (the real twcs.csv
# has tweets holding one), but CSV parsers end the record there and split the tweet in two.
_BARE_CR = re.compile(rb"\r(?!\n)")
# Bytes that stand in for a bare CR while the CSV is parsed: ASCII controls that no text export
# holds (the first one absent from the file is used), the same byte in UTF-8 and Windows-1252.
_CR_STAND_INS = (b"\x1f", b"\x1e", b"\x1d", b"\x1c", b"\x00")
# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A file that is not UTF-8 is read as UTF-8 where it decodes and each other byte as Windows-1252
# (Latin-1 for the five bytes Windows-1252 leaves undefined): a UTF-8 export with one stray
# Latin-1 byte keeps its emoji, and a Windows-1252 export reads as Windows-1252 (its accented
# letters almost never form valid UTF-8 sequences).
_STRAY_BYTE_ERRORS = "analysis-stray-bytes-as-cp1252"
_CP1252_OR_LATIN1 = [bytes([b]).decode("cp1252", errors="replace") for b in range(256)]
_CP1252_OR_LATIN1 = [c if c != "\ufffd" else chr(b) for b, c in enumerate(_CP1252_OR_LATIN1)]


def _stray_bytes_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    stray = error.object[error.start : error.end]
    return "".join(_CP1252_OR_LATIN1[byte] for byte in stray), error.end


codecs.register_error(_STRAY_BYTE_ERRORS, _stray_bytes_as_cp1252)

# A record is cut off when a quoted field runs this far without closing: the bound on how far a
# runaway quote is followed before the line is judged broken.
MAX_RECORD_BYTES = 1 << 20
# What the fast parse learns of the first column: ids made of digits, letters and these marks.
_ID_SHAPE = re.compile(r"[9a_.:/#@+\-]{1,24}")
# A quoted field (its closing quote, then text up to the delimiter, as pyarrow reads it) and an
# unquoted one (a quote inside it is text: `he said "hi" there` stays as written).
_QUOTED = rb'"(?:[^"]|"")*+"[^,\r\n]*+'
_PLAIN = rb'[^,"\r\n][^,\r\n]*+'
_QUOTED_FIELD = re.compile(_QUOTED)
_PLAIN_FIELD = re.compile(rb"[^,\r\n]*+")


class InputError(ValueError):
    """Input that cannot be used at all; the message names the file (and row and column if known)."""


@dataclass
class LoadResult:
    """What a reader returns: messages in the canonical columns, the rows it could not use, and counts."""

    messages: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    format: str
    path: Path
    tickets: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def read_csv_as_strings(path: Path, python_strings: bool = True) -> tuple[pd.DataFrame, list[dict]]:
    """Read a CSV with pyarrow, every column as a string; broken records are returned, not raised.

    With `python_strings` the columns are object columns of `str` (None where a field is
    missing), as the mapped readers expect; without it they stay pandas' Arrow-backed `str`
    columns, never turned into Python objects (twcs.csv's 2.8M tweets: no seven million strings
    made only to be converted back).

    `_row` is the 1-based record number (the header is record 0), counted as a person counting
    the file would: one per record, a quoted field over several lines being one record. A clean
    file is parsed once, in pyarrow's threads, with no Python callback; a file showing trouble
    (a record pyarrow cannot parse, or a field that swallowed text looking like further records)
    is split into records in Python first, so that a broken record is rejected where it starts
    and no record after it is lost (`_split_records`).
    """
    names = header_names(path)
    _refuse_duplicate_names(path, names)
    data, stand_in = _prepared_bytes(path)
    # pyarrow's threads read only memory or the file itself and call no Python: a review saw
    # the process abort (exit 134, 8 runs in 20 on a loaded machine) on a UTF-8 file with one
    # stray Latin-1 byte, which was then parsed with encoding="cp1252" (pyarrow's threads
    # transcoding through a Python codec, which raised on the emoji's 0x81 byte), from a Python
    # file object (the bare-CR wrapper) and with a Python callback for malformed rows. Not
    # reproduced here in 30 runs under load; decoding now happens in Python, before pyarrow.
    source = path if data is None else pa.py_buffer(data)
    table = _parse_or_none(source, len(names), skip_header=True)
    malformed: list[dict] = []
    if table is None or _shows_trouble(path, data, table):
        data = path.read_bytes() if data is None else data
        table, rows, malformed = _split_records(path, _without_bom(data), names)
    else:
        rows = np.arange(1, len(table) + 1)
    if stand_in is not None:
        table = _restore_carriage_returns(table, stand_in.decode("ascii"))
        for record in malformed:
            record["value"] = record["value"].replace(stand_in.decode("ascii"), "\r")
    if len(table) == 0 and not malformed:
        raise InputError(f"{path.name}: has a header but no records")
    if not python_strings:
        # One chunk per column, as a column converted from Python objects is: the text stage's
        # pyarrow kernels take a column's values as one array.
        table = table.combine_chunks()
    frame = table.to_pandas(types_mapper=None)
    frame.columns = names
    if python_strings:
        frame = frame.astype(object).where(frame.notna(), None)
    frame.insert(0, "_row", rows)
    return frame, malformed


def find_columns(path: Path, names: Iterable[str], wanted: Iterable[str]) -> dict[str, str]:
    """The file's column for each wanted name, matched ignoring case and surrounding spaces
    (`Tweet_ID` is `tweet_id`); wanted names the file lacks are left out."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for position, name in enumerate(names, start=1):
        by_key.setdefault(name.strip().casefold(), []).append((position, name))
    found = {}
    for name in wanted:
        matches = by_key.get(name.strip().casefold(), [])
        if len(matches) > 1:
            (first, first_name), (second, second_name) = matches[:2]
            raise InputError(
                f"{path.name}: columns {first} ({first_name!r}) and {second} ({second_name!r}) "
                f"both name {name!r}; rename one"
            )
        if matches:
            found[name] = matches[0][1]
    return found


def _refuse_duplicate_names(path: Path, names: list[str]) -> None:
    """One line naming a column the header names twice and both its positions."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(
                f"{path.name}: the header names column {name!r} twice (columns {seen[name]} "
                f"and {position}); rename one so it is clear which to read"
            )
        seen[name] = position


def _parse_or_none(source: Path | pa.Buffer, width: int, skip_header: bool) -> pa.Table | None:
    """The CSV parsed by pyarrow, every column a string; None when a record does not parse."""
    positional = [f"f{i}" for i in range(width)]
    try:
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                use_threads=True,
                block_size=1 << 24,
                column_names=positional,
                skip_rows=1 if skip_header else 0,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in positional},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _first_field_pattern(
    first_column: pa.ChunkedArray | pa.Array, sample: int = 20_000
) -> str | None:
    """A regex for the first fields of the file's records ('[0-9]+' for twcs tweet ids), from
    the common shapes of the single-line ones (digit runs and letter runs); None when that
    column is not id-like (free text), where any first field may start a record."""
    if len(first_column) > sample:  # evenly spaced: the shapes of the whole file, quickly
        first_column = first_column.take(np.linspace(0, len(first_column) - 1, sample, dtype=int))
    values = pc.filter(first_column, pc.invert(pc.match_substring(first_column, "\n")))
    if len(values) == 0:
        return None
    shapes = pc.replace_substring_regex(values, "[0-9]+", "9")
    shapes = pc.replace_substring_regex(shapes, "[A-Za-z]+", "a")
    shapes = pc.replace_substring_regex(shapes, '^"|"$', "")
    counts = pc.value_counts(shapes)
    seen = counts.field("counts").to_numpy()
    id_like = np.array(
        [bool(_ID_SHAPE.fullmatch(shape.as_py())) for shape in counts.field("values")]
    )
    # A shape a record's id has is common; one seen once or twice is a stray line's.
    common = id_like & (seen >= max(2, 0.01 * len(values)))
    kept = [shape.as_py() for shape in counts.field("values").filter(pa.array(common))]
    if not kept or seen[common].sum() < 0.9 * len(values) or len(kept) > 8:
        return None
    alternatives = sorted(
        "".join("[0-9]+" if c == "9" else "[A-Za-z]+" if c == "a" else "\\" + c for c in shape)
        for shape in kept
    )
    return "(?:" + "|".join(alternatives) + ")"


def _shows_trouble(path: Path, data: bytes | None, table: pa.Table) -> bool:
    """Whether a file pyarrow parsed may still hide a broken record: an odd number of quotes (a
    quote left open, which pyarrow closes at the end of the file without a word, or a quote
    used as text), or a field holding a line that looks like the start of a further record."""
    quotes, line_feeds = _quote_and_line_feed_counts(path, data)
    if quotes % 2 == 1:
        return True
    # One line feed per record and the header: no field holds one, none swallowed a record.
    return line_feeds > len(table) + 1 and _swallows_records(
        table, _first_field_pattern(table.column(0))
    )


def _swallows_records(table: pa.Table, first_field: str | None) -> bool:
    """Whether a parsed field holds a line that looks like the start of a further record (a
    runaway quote), vectorised: only fields holding a line feed are searched."""
    # A record that swallowed others holds them after a line feed; every line pyarrow read is
    # in some field or in a record it could not parse, so this also finds the file having more
    # lines that start a record than pyarrow has records.
    starts = '\n"?' + first_field + '"?,' if first_field else "\n[^\n]*,"
    for column in table.columns:
        multi_line = column.filter(pc.match_substring(column, "\n"))
        if len(multi_line) and pc.any(pc.match_substring_regex(multi_line, starts)).as_py():
            return True
    return False


def _split_records(
    path: Path, data: bytes, names: list[str]
) -> tuple[pa.Table, np.ndarray, list[dict]]:
    """The records of a troubled file: the good ones parsed, their numbers, and each broken one
    as a rejected record (where it starts, with the lines that belong to it)."""
    if b"\n" not in data:
        data = data.replace(b"\r", b"\n")  # an old Mac export: a CR ends each line
    records = _Records(data, len(names))
    spans: list[list[int]] = []  # the good records' bytes, runs of them merged
    rows: list[int] = []
    rejected: list[dict] = []

    def keep(start: int, end: int, count: int) -> None:
        if spans and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
        rows.extend(range(len(rows) + len(rejected) + 1, len(rows) + len(rejected) + 1 + count))

    position = records.header_end
    while position < records.size:
        run_end, count = records.simple_run(position)
        if count:
            keep(position, run_end, count)  # a run of lines that are each a record, at once
            position = run_end
        elif records.is_empty_line(position):
            position = records.next_line(position)  # an empty line is not a record
        elif (end := records.record_end(position, check_first=False)) is not None:
            keep(position, end, 1)
            position = end
        else:
            start, position = position, records.next_line(position)
            while position < records.size and not records.starts_record(position):
                position = records.next_line(position)
            number = len(rows) + len(rejected) + 1
            rejected.append(_broken_record(path, data, start, position, number, names))
    good = b"".join(data[start:end] for start, end in spans)
    if good and not good.endswith(b"\n"):
        good += b"\n"
    table = _parse_or_none(pa.py_buffer(good), len(names), skip_header=False) if good else None
    if table is None:
        if good:
            raise InputError(f"{path.name}: cannot be read as CSV (its records do not parse)")
        table = pa.table({f"f{i}": pa.array([], pa.string()) for i in range(len(names))})
    if len(table) != len(rows):
        raise InputError(
            f"{path.name}: cannot be read as CSV ({len(rows)} records found, {len(table)} parsed)"
        )
    return table, np.asarray(rows, dtype="int64"), rejected


class _Records:
    """Where records start and end in a file's bytes (UTF-8, bare CRs stood in for).

    A line starts a record when it parses (alone, or with the continuation lines of a quoted
    field that closes within MAX_RECORD_BYTES) into exactly the header's number of fields, no
    continuation line itself starting a record. After a broken record, the next record starts
    at a line whose first field is like the records' ids (their shape, learned from the file);
    the lines before it belong to the broken record.
    """

    def __init__(self, data: bytes, width: int):
        self.data, self.size = data, len(data)
        one_field = rb"(?:" + _QUOTED + rb"|" + _PLAIN + rb")?"
        repeat = rb"{" + str(width - 1).encode() + rb"}"
        self.record = re.compile(
            rb"(" + one_field + rb")(?:," + one_field + rb")" + repeat + rb"(?:\r?\n|\Z)"
        )
        self.header_end = _describe_record(data, 0, self.size)[2]
        self.first_field = _first_fields_of(data, self.record, self.header_end)
        self.starts, simple = _simple_lines(data, width, self.first_field)
        self.simple = simple
        self.other_lines = np.flatnonzero(~simple)

    def simple_run(self, start: int) -> tuple[int, int]:
        """Where the run of simple lines from here ends, and how many lines it holds (0 when
        the line here is not simple)."""
        line = int(np.searchsorted(self.starts, start))  # a position is always a line's start
        if not self.simple[line]:
            return start, 0
        after = self.other_lines[np.searchsorted(self.other_lines, line) :]
        last = int(after[0]) if len(after) else len(self.simple)
        return int(self.starts[last]), last - line

    def record_at(self, start: int, check_first: bool) -> re.Match | None:
        """The record of exactly the header's fields starting here, if any; with check_first,
        only one whose first field is like the records'."""
        data = self.data
        match = self.record.match(data, start, min(self.size, start + MAX_RECORD_BYTES))
        if match is None or (match.end() < self.size and data[match.end() - 1] != 10):
            return None  # no record, or one cut off by the bound
        if not check_first:
            return match
        first = match.group(1) or b""
        if b'"' in first and not first.startswith(b'"'):
            # The tail of a quoted field over several lines (`line two",m3,...`), not a record.
            return None
        if self.first_field is not None and not self.first_field.fullmatch(first.strip(b'"')):
            return None
        return match

    def record_end(self, start: int, check_first: bool) -> int | None:
        """Where the record starting here ends; None when no record starts here."""
        match = self.record_at(start, check_first)
        if match is None:
            return None
        end = match.end()
        line_feed = self.data.find(b"\n", start, end - 1)
        while line_feed != -1:  # a quoted field over several lines: it must not hold a record
            if self.record_at(line_feed + 1, check_first=True) is not None:
                return None
            line_feed = self.data.find(b"\n", line_feed + 1, end - 1)
        return end

    def starts_record(self, start: int) -> bool:
        """Whether a record, broken or not, starts here: the line's first field is like the
        records' (whatever its number of fields: a file whose rows all have one field too many
        is that many broken records); where the first fields tell nothing, a line that parses
        into a record."""
        if self.is_empty_line(start):
            return False
        if self.first_field is None:
            return self.record_end(start, check_first=True) is not None
        first = _PLAIN_FIELD.match(self.data, start).group(0).strip(b'"')
        return self.first_field.fullmatch(first) is not None

    def is_empty_line(self, start: int) -> bool:
        return self.data[start] == 10 or self.data.startswith(b"\r\n", start)

    def next_line(self, start: int) -> int:
        line_feed = self.data.find(b"\n", start)
        return self.size if line_feed == -1 else line_feed + 1


def _simple_lines(
    data: bytes, width: int, first_field: re.Pattern | None
) -> tuple[np.ndarray, np.ndarray]:
    """Where each line starts (the data's end last), and which lines are a record on their own
    at a glance: no quote, the header's number of fields, an id-like first field. Decided in
    pyarrow, so that the Python walk over a troubled file visits only the other lines."""
    line_feeds = np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1
    starts = np.concatenate([[0], line_feeds[line_feeds < len(data)], [len(data)]])
    starts = starts.astype(np.int64)
    lines = pa.Array.from_buffers(
        pa.large_binary(), len(starts) - 1, [None, pa.py_buffer(starts), pa.py_buffer(data)]
    )
    # A quoted field closes at a quote not followed by another (as pyarrow reads it), so the
    # pattern reads each line one way only; its quotes do not span lines.
    one_field = '(?:"(?:[^"\n]|"")*"(?:[^,"\r\n][^,\r\n]*)?|[^,"\r\n][^,\r\n]*)?'
    one_line = "^" + one_field + "(?:," + one_field + "){" + str(width - 1) + "}\r?\n?$"
    simple = pc.match_substring_regex(lines, one_line)
    if width == 1:  # an empty line is no record (pyarrow skips it) though it matches one field
        simple = pc.and_(simple, pc.invert(pc.match_substring_regex(lines, "^\r?\n?$")))
    if first_field is not None and width > 1:
        id_first = '^"?' + first_field.pattern.decode() + '"?,'
        simple = pc.and_(simple, pc.match_substring_regex(lines, id_first))
    return starts, simple.to_numpy(zero_copy_only=False)


def _first_fields_of(
    data: bytes, record: re.Pattern, start: int, sample: int = 20_000
) -> re.Pattern | None:
    """The first-field pattern learned from the first `sample` lines: from those that parse as
    records, else (no line has the header's number of fields) from every line."""
    parsed, every = [], []
    position = start
    while position < len(data) and len(every) < sample:
        line_feed = data.find(b"\n", position)
        if data[position] in b"\r\n":  # an empty line, no record
            position = len(data) if line_feed == -1 else line_feed + 1
            continue
        match = record.match(data, position, min(len(data), position + MAX_RECORD_BYTES))
        if match is not None and b"\n" not in match.group(0)[:-1]:
            parsed.append((match.group(1) or b"").decode("utf-8", errors="replace"))
        first = _PLAIN_FIELD.match(data, position).group(0).strip(b'"')
        every.append(first.decode("utf-8", errors="replace"))
        position = len(data) if line_feed == -1 else line_feed + 1
    for firsts in (parsed, every):
        pattern = _first_field_pattern(pa.array(firsts, pa.string())) if firsts else None
        if pattern is not None:
            return re.compile(pattern.encode())
    return None


def _describe_record(data: bytes, start: int, stop: int) -> tuple[int, int | None, int]:
    """Fields of the record at `start` read leniently up to `stop`: (fields, the field whose
    quote does not close before `stop` or None, where the record's line ends)."""
    position, field_index = start, 0
    while True:
        if position < stop and data[position] == 34:  # a quote opens the field
            match = _QUOTED_FIELD.match(data, position, stop)
            if match is None:
                return field_index + 1, field_index, stop
        else:
            match = _PLAIN_FIELD.match(data, position, stop)
        position = match.end()
        if position < stop and data[position] == 44:  # a comma: the next field
            field_index += 1
            position += 1
            continue
        line_feed = data.find(b"\n", position, stop)
        return field_index + 1, None, stop if line_feed == -1 else line_feed + 1


def _broken_record(
    path: Path, data: bytes, start: int, stop: int, number: int, names: list[str]
) -> dict:
    """A rejected record for the lines from `start` to `stop`, saying what is wrong with them."""
    fields, unclosed, record_end = _describe_record(data, start, stop)
    value = data[start : min(stop, start + 800)].decode("utf-8", errors="replace")
    value = value[:200].rstrip("\r\n")  # the record's text, not its line end
    if unclosed is not None:
        column = names[unclosed] if unclosed < len(names) else f"{unclosed + 1} (past the header)"
        runs = (
            "runs into the following records" if stop < len(data) else "runs to the end of the file"
        )
        return {
            "row": number,
            "column": names[unclosed] if unclosed < len(names) else None,
            "value": value,
            "reason": f"unclosed quote in column {column}: the field {runs}",
        }
    more_lines = data.count(b"\n", record_end, stop - 1) + 1 if record_end < stop else 0
    reason = f"expected {len(names)} columns, found {fields}"
    if more_lines:
        reason += f"; the next {more_lines} line(s) do not start a record and belong to it"
    return {"row": number, "column": None, "value": value, "reason": reason}


def _restore_carriage_returns(table: pa.Table, stand_in: str) -> pa.Table:
    """The parsed table with each stand-in back to the bare CR it replaced."""
    columns = [pc.replace_substring(column, stand_in, "\r") for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _prepared_bytes(path: Path) -> tuple[bytes | None, bytes | None]:
    """The file as UTF-8 bytes with bare CRs replaced by a stand-in, and that stand-in; the bytes
    are None when the file can be parsed as it is (UTF-8 without bare CRs, the usual case)."""
    encoding = file_encoding(path)
    if encoding == "utf-8":
        stand_in = _file_scan(path).stand_in
        if stand_in is None:
            return None, None
        data = path.read_bytes()
    else:
        data = decode_bytes(path.read_bytes(), encoding).encode("utf-8")
        line_ends = _LineEnds()
        line_ends.add(data)
        stand_in = line_ends.stand_in()
    if stand_in is not None:
        data = _BARE_CR.sub(stand_in, data)
    return data, stand_in


def _without_bom(data: bytes) -> bytes:
    return data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data


class _LineEnds:
    """Whether a file's bare CRs need a stand-in while it is parsed, and which byte, fed chunk by
    chunk: None when it has none to protect (or ends its lines with CR alone, an old Mac export,
    where a CR is a line end)."""

    def __init__(self) -> None:
        self.bare = self.has_lf = False
        self.absent = set(_CR_STAND_INS)
        self.previous = b""

    def add(self, chunk: bytes) -> None:
        joined = self.previous + chunk
        # A CR at the chunk's end is judged with the next chunk's first byte.
        scanned = joined[:-1] if joined.endswith(b"\r") else joined
        self.bare = self.bare or scanned.count(b"\r") != scanned.count(b"\r\n")
        self.has_lf = self.has_lf or b"\n" in chunk
        self.absent = {byte for byte in self.absent if byte not in chunk}
        self.previous = b"\r" if joined.endswith(b"\r") else b""

    def stand_in(self) -> bytes | None:
        bare = self.bare or self.previous == b"\r"
        if not bare or not self.has_lf or not self.absent:
            return None
        return next(byte for byte in _CR_STAND_INS if byte in self.absent)


def file_encoding(path: Path) -> str:
    """'utf-8' when the whole file decodes as UTF-8; 'utf-16' or 'utf-32' when a byte-order mark
    (or, for UTF-16, a NUL in every other byte) says so; else 'cp1252' (what Excel on Windows
    writes), decoded by `decode_bytes`: such exports are read, not refused, and the load summary
    says so."""
    return _file_scan(path).encoding


def _quote_and_line_feed_counts(path: Path, data: bytes | None) -> tuple[int, int]:
    """How many quotes and line feeds the file (or its decoded bytes) holds."""
    if data is not None:
        return data.count(b'"'), data.count(b"\n")
    facts = _file_scan(path)
    return facts.quotes, facts.line_feeds


class _FileFacts(NamedTuple):
    """What one pass over a file tells; the counts and stand-in only for a UTF-8 file."""

    encoding: str
    quotes: int = -1
    line_feeds: int = -1
    stand_in: bytes | None = None


def _file_scan(path: Path) -> _FileFacts:
    """The facts of a file, from one pass, once per file version (the readers ask often)."""
    stat = Path(path).stat()
    return _scan_file(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _scan_file(path: str, _mtime_ns: int, _size: int, chunk_bytes: int = 1 << 24) -> _FileFacts:
    """The pass itself."""
    with open(path, "rb") as handle:
        start = handle.read(4096)
        for bom, encoding in _BOMS:
            if start.startswith(bom) and encoding != "utf-8":
                return _FileFacts(encoding)
        # UTF-16 without a mark: an ASCII-heavy text has a NUL in every other byte.
        if len(start) >= 16 and start[1::2].count(0) > 0.4 * len(start[1::2]):
            return _FileFacts("utf-16-le")
        if len(start) >= 16 and start[0::2].count(0) > 0.4 * len(start[0::2]):
            return _FileFacts("utf-16-be")
        decoder = codecs.getincrementaldecoder("utf-8")()
        quotes = line_feeds = 0
        line_ends = _LineEnds()
        chunk = start
        try:
            while chunk:
                decoder.decode(chunk)
                quotes, line_feeds = quotes + chunk.count(b'"'), line_feeds + chunk.count(b"\n")
                line_ends.add(chunk)
                chunk = handle.read(chunk_bytes)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _FileFacts("cp1252")
    return _FileFacts("utf-8", quotes, line_feeds, line_ends.stand_in())


def decode_bytes(data: bytes, encoding: str) -> str:
    """A file's bytes as text in the encoding `file_encoding` named, without a byte-order mark."""
    if encoding in ("utf-8", "cp1252"):
        return _without_bom(data).decode("utf-8", errors=_STRAY_BYTE_ERRORS)
    return data.decode(encoding, errors="replace")


def header_names(path: Path) -> list[str]:
    """The column names of a CSV file (its first record), without surrounding spaces."""
    with open(path, "rb") as handle:
        start = handle.read(1 << 20)
    encoding = file_encoding(path)
    if encoding in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        # Cut on a whole code unit; the decoder drops a half character at the end.
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(start)
    else:
        text = codecs.getincrementaldecoder("utf-8")(errors=_STRAY_BYTE_ERRORS).decode(
            _without_bom(start)
        )
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    if not any(name.strip() for name in first):
        raise InputError(f"{path.name}: the file is empty (no header row)")
    return [name.strip() for name in first]


def rejected_frame(path: Path, rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Rejected rows in one shape: source ("file:row N"), file, row, column, value, reason."""
    frame = pd.DataFrame(rows, columns=["row", "column", "value", "reason"])
    frame.insert(0, "file", path.name)
    frame.insert(0, "source", path.name + ":row " + frame["row"].astype(str))
    frame["row"] = frame["row"].astype("int64")
    return frame[REJECTED_COLUMNS].reset_index(drop=True)


def reject_where(
    frame: pd.DataFrame, mask: pd.Series, column: str | None, reason: str
) -> list[dict]:
    """Rows where mask holds, as rejected records naming the column and the offending value."""
    if not mask.any():
        return []
    bad = frame.loc[mask]
    values = bad[column].astype(str).str.slice(0, 200) if column else pd.Series("", index=bad.index)
    return [
        {"row": int(row), "column": column, "value": value, "reason": reason}
        for row, value in zip(bad["_row"], values, strict=True)
    ]


def normalise_ids(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """IDs as clean digit strings ('3.0' -> '3'); returns (ids, unreadable) where unreadable marks
    values present but not an integer id (for example '1.2e+18', which has lost its digits)."""
    text = values.astype("string").str.strip()
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    present = text.notna() & (text != "")
    unreadable = present & ~text.str.fullmatch(r"\d+").fillna(False)
    clean = text.where(present & ~unreadable)
    return clean.astype(object).where(clean.notna(), None), unreadable.astype(bool)


def source_labels(path: Path, rows: pd.Series) -> pd.Series:
    """'file:row N' for each input row, so every figure can be traced back to its input."""
    return path.name + ":row " + rows.astype(str)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """The loaded columns in their canonical order, with the input row kept for tracing."""
    for column in LOADED_COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame[LOADED_COLUMNS + ["_row"]].reset_index(drop=True)
