"""What every reader shares: reading a CSV as strings, collecting rejected rows, normalising IDs."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
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


def read_csv_as_strings(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    """Read a CSV with pyarrow, every column as a string; malformed rows are returned, not raised.

    `row` is the 1-based record number (the header is record 0), kept as a column so that
    every later stage can name the input row.
    """
    malformed: list[dict] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append(
            {
                "row": row.number if row.number is not None else -1,
                "column": None,
                "value": (row.text or "")[:200],
                "reason": f"expected {row.expected_columns} columns, found {row.actual_columns}",
            }
        )
        return "skip"

    encoding = file_encoding(path)
    stand_in = _bare_cr_stand_in(path)
    source = path if stand_in is None else _BareCarriageReturns(path, stand_in)
    try:
        names = header_names(path)
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24, encoding=encoding),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as error:
        raise InputError(f"{path.name}: cannot be read as CSV ({error})") from error
    finally:
        if stand_in is not None:
            source.close()
    _number_malformed_rows(path, malformed, stand_in)
    if stand_in is not None:
        table = _restore_carriage_returns(table, stand_in.decode("ascii"))
        for record in malformed:
            record["value"] = record["value"].replace(stand_in.decode("ascii"), "\r")
    frame = table.to_pandas(types_mapper=None)
    frame = frame.astype(object).where(frame.notna(), None)
    rows = np.arange(1, len(frame) + 1)
    for skipped in sorted(r["row"] for r in malformed if r["row"] > 0):
        rows[rows >= skipped] += 1  # parsed records after a malformed one move down a number
    frame.insert(0, "_row", rows)
    return frame, malformed


def _number_malformed_rows(
    path: Path, malformed: list[dict], stand_in: bytes | None = None, limit: int = 50
) -> None:
    """Give malformed rows their record number when the parser could not (multi-line values)."""
    import csv

    unknown = [record for record in malformed[:limit] if record["row"] == -1]
    if not unknown:
        return
    # Matched on the text without quotes (the parser gives the raw record, csv its fields), by
    # its first characters (values are cut at 200).
    wanted = {_record_key(record["value"]): record for record in unknown}
    # Records are counted as the parser saw them: bare CRs inside fields do not end a record.
    raw = open(path, "rb") if stand_in is None else _BareCarriageReturns(path, stand_in)  # noqa: SIM115
    encoding = "utf-8-sig" if file_encoding(path) == "utf-8" else "cp1252"
    with io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="") as handle:
        for number, fields in enumerate(csv.reader(handle)):
            record = wanted.get(_record_key(",".join(fields)))
            if record is not None and record["row"] == -1:
                record["row"] = number
            if all(r["row"] != -1 for r in unknown):
                break


def _record_key(text: str, length: int = 100) -> str:
    return text.replace('"', "")[:length]


class _BareCarriageReturns(io.RawIOBase):
    """A file read with every bare CR replaced by `stand_in`, chunk by chunk (no whole-file copy)."""

    def __init__(self, path: Path, stand_in: bytes, chunk_bytes: int = 1 << 24):
        self._handle = open(path, "rb")  # noqa: SIM115 - closed with this reader
        self._stand_in = stand_in
        self._chunk_bytes = chunk_bytes
        self._held = b""  # a CR ending a chunk: bare or not depends on the next chunk's first byte
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()
        super().close()

    def readinto(self, buffer) -> int:  # noqa: ANN001 - any writable buffer
        while not len(self._pending):
            chunk = self._handle.read(self._chunk_bytes)
            if not chunk:
                if not self._held:
                    return 0
                chunk, self._held = self._held, b""  # the file's last byte is a bare CR
            else:
                chunk, self._held = self._held + chunk, b""
                if chunk.endswith(b"\r"):
                    chunk, self._held = chunk[:-1], b"\r"
            self._pending = memoryview(_BARE_CR.sub(self._stand_in, chunk))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _restore_carriage_returns(table: pa.Table, stand_in: str) -> pa.Table:
    """The parsed table with each stand-in back to the bare CR it replaced."""
    import pyarrow.compute as pc

    columns = [pc.replace_substring(column, stand_in, "\r") for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)


def _bare_cr_stand_in(path: Path) -> bytes | None:
    """The byte to stand in for bare CRs while parsing, or None when the file has none to protect
    (or ends its lines with CR alone, an old Mac export, where a CR is a line end)."""
    stat = Path(path).stat()
    return _file_line_ends(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _file_line_ends(
    path: str, _mtime_ns: int, _size: int, chunk_bytes: int = 1 << 24
) -> bytes | None:
    """The scan behind `_bare_cr_stand_in`, once per file version."""
    bare = has_lf = False
    absent = set(_CR_STAND_INS)
    previous = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            joined = previous + chunk
            # A CR at the chunk's end is judged with the next chunk's first byte.
            scanned = joined[:-1] if joined.endswith(b"\r") else joined
            bare = bare or scanned.count(b"\r") != scanned.count(b"\r\n")
            has_lf = has_lf or b"\n" in chunk
            absent = {byte for byte in absent if byte not in chunk}
            previous = b"\r" if joined.endswith(b"\r") else b""
    bare = bare or previous == b"\r"
    if not bare or not has_lf or not absent:
        return None
    return next(byte for byte in _CR_STAND_INS if byte in absent)


def file_encoding(path: Path) -> str:
    """'utf-8' when the whole file decodes as UTF-8, else 'cp1252' (what Excel on Windows writes):
    such exports are read, not refused, and the load summary says so."""
    stat = Path(path).stat()
    return _file_encoding(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _file_encoding(path: str, _mtime_ns: int, _size: int, chunk_bytes: int = 1 << 24) -> str:
    """The check itself, once per file version (the readers ask more than once)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(chunk_bytes):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def header_names(path: Path) -> list[str]:
    """The column names of a CSV file (its first record)."""
    import csv

    encoding = "utf-8-sig" if file_encoding(path) == "utf-8" else "cp1252"
    with open(path, newline="", encoding=encoding, errors="replace") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            raise InputError(f"{path.name}: the file is empty (no header row)") from None


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
