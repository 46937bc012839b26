"""Readers, one module per input format, each returning messages and rejected rows.

`load(path, format="auto")` picks the reader from the file's suffix (JSON) or header (CSV).
Time columns are read by the rules of `analysis.io.times` (day or month first, offsets, leap
seconds, clock changes, range).
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.io import messages_csv, messages_json, tickets_csv, twcs
from analysis.io.common import InputError, LoadResult, file_encoding, header_names
from analysis.io.times import dayfirst_option

FORMATS = ("twcs", "tickets-csv", "messages-csv", "messages-json")
# Names a file that every read of a data file appends a line to (process id, file name): how the
# tests check that a whole report reads its input once, across the notebook kernels it starts.
TRACE_ENV = "SUPPORT_QUALITY_TRACE_LOADS"

__all__ = ["FORMATS", "InputError", "LoadResult", "detect_format", "load"]


def detect_format(path: Path) -> str:
    """The format of a file, told from its suffix (.json, .jsonl) or its header."""
    if path.suffix.lower() in messages_json.SUFFIXES:
        return "messages-json"
    header = set(header_names(path))
    # Told by names alone: a header that differs in case or surrounding spaces says the same.
    folded = {name.strip().casefold() for name in header}
    for name, required in (
        ("twcs", twcs.REQUIRED),
        ("tickets-csv", tickets_csv.SIGNATURE),
        ("messages-csv", messages_csv.REQUIRED_FIELDS),
    ):
        if {column.casefold() for column in required} <= folded:
            return name
    raise InputError(
        f"{path.name}: cannot tell the format from its header ({', '.join(sorted(header))}); "
        f"pass --format (one of {', '.join(FORMATS)}) and, for messages-csv, a column mapping"
    )


def load(
    path: str | os.PathLike,
    format: str = "auto",  # noqa: A002 - the name users type on the command line
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
) -> LoadResult:
    """Read a support data file into canonical messages, with every unusable row in `rejected`.

    `dayfirst` says how dates like 05/06/2023 are written (None: told from the file's values, or
    from a `dayfirst` key of the mapping, which is an option, not a field)."""
    path = Path(path)
    if os.environ.get(TRACE_ENV):
        with open(os.environ[TRACE_ENV], "a", encoding="utf-8") as trace:
            trace.write(f"{os.getpid()} {path.name}\n")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a CSV or JSON file")
    mapping, dayfirst = dayfirst_option(mapping, dayfirst)
    if format == "auto":
        is_json = path.suffix.lower() in messages_json.SUFFIXES
        format = "messages-csv" if mapping and not is_json else detect_format(path)
    if format == "twcs":
        result = twcs.read(path)
    elif format == "tickets-csv":
        result = tickets_csv.read(path, timezone=timezone, dayfirst=dayfirst)
    elif format == "messages-csv":
        result = messages_csv.read(path, mapping=mapping, timezone=timezone, dayfirst=dayfirst)
    elif format == "messages-json":
        result = messages_json.read(path, mapping=mapping, timezone=timezone, dayfirst=dayfirst)
    else:
        raise InputError(f"unknown format {format!r}; expected auto or one of {', '.join(FORMATS)}")
    # JSON Lines are decoded line by line, and say so themselves.
    encoding = file_encoding(path)
    if format != "messages-json" and encoding != "utf-8":
        named = {"cp1252": "Windows-1252 (cp1252)"}.get(encoding, encoding.upper())
        result.notes.append(f"{path.name} is not UTF-8: read as {named}")
    return result
