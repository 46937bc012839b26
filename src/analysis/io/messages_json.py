"""Reader for message exports in JSON: an array of records, JSON Lines, or conversations that
nest their messages (Zendesk ticket comments, Intercom conversation parts, Freshdesk
conversations), with the same field mapping as `messages-csv`.

- Fields are dotted paths into a record: ``author_id=author.id``, ``channel=via.channel``.
- The mapping key ``records`` says where the messages are when records nest them:
  ``records=comments`` (each record is a ticket with a list of comments),
  ``records=conversations[].conversation_parts.conversation_parts`` (``[]``: each element of that
  list). Several paths, comma-separated, read several lists (or single objects) of each record
  in order: ``records=source,conversation_parts.conversation_parts``.
- The record that holds a message list (the element of the last ``[]``, else the top record) is
  reachable from each of its messages as ``conversation.PATH``: ``conversation_id=conversation.id``
  (the default when the records path is given and the mapping names no conversation).
- ``a|b`` takes the first of several paths a message has: Intercom's first message (its
  ``source``) has no time of its own, ``created_at=created_at|conversation.created_at``.
- A document that is one object with one list of objects (``{"comments": [...], "count": 3}``)
  reads that list without a records path.

Messages are numbered 1, 2, ... in file order; that number is the `row` of `rejected.csv` and of
each message's `source`. What cannot be a message is a rejected record with its number and reason,
so that every record read is kept or rejected: a JSON Lines line that is not JSON (or nests
deeper than the JSON reader goes), a record that is not an object or holds none of the records
paths, a mapped value of the wrong type (a number or list for the text, a list or object for a
time or an id) or longer than `MAX_VALUE_CHARS`. A file that is unusable as a whole (invalid
JSON, a document that is a single number or string) is one error naming the line and column.
JSON Lines are decoded line by line: a line that is not UTF-8 is read as Windows-1252, said in a
note, without touching the others.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.io import messages_csv
from analysis.io.common import InputError, LoadResult, decode_bytes, file_encoding
from analysis.io.times import dayfirst_option

SUFFIXES = (".json", ".jsonl", ".ndjson")
LINE_SUFFIXES = (".jsonl", ".ndjson")
RECORDS_KEY = "records"
CONVERSATION_PREFIX = "conversation."
# Longer than any real message (a tweet is 280 characters, a long e-mail some 100,000): a value
# this long is a dump or an attack, not a message.
MAX_VALUE_CHARS = 1_000_000
# Levels of nested objects flattened into dotted columns; deeper ones stay one JSON text.
MAX_FLATTENED_DEPTH = 8
# The JSON types each mapped field may hold (ids are often numbers, `public` a boolean, times
# Unix numbers); anything else is a rejected record.
_TEXT_TYPES, _TIME_TYPES, _VALUE_TYPES = (str,), (str, int, float), (str, int, float, bool)
_FIELD_TYPES = {"text": _TEXT_TYPES, "created_at": _TIME_TYPES}
_TYPE_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def read(
    path: Path,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    channel: str = "web",
    dayfirst: bool | None = None,
) -> LoadResult:
    """Messages from a JSON or JSON Lines export; `mapping` as for messages-csv, plus `records`."""
    mapping, dayfirst = dayfirst_option(mapping, dayfirst)
    mapping = dict(mapping or {})
    records_path = mapping.pop(RECORDS_KEY, None)
    top, notes = _top_records(path)
    if records_path is None:
        top, records_path = _unwrapped(top, path)
    paths = [p.strip() for p in records_path.split(",")] if records_path else []
    checked = _checked_fields(mapping)

    messages: list[dict] = []
    holders: list[dict] = []
    rejected: list[dict] = []
    number = 0
    for record in top:
        if isinstance(record, _Malformed):
            number += 1
            rejected.append({**record.reason, "row": number})
            continue
        found = False
        for message, holder in _messages_of(record, paths):
            number += 1
            found = True
            problem = _problem(message, holder, checked, records_path)
            if problem:
                rejected.append({**problem, "row": number})
                continue
            messages.append({**_stringified(message), "_row": number})
            holders.append(_stringified(holder))
        if paths and not found and not _holds_any(record, paths):
            number += 1
            rejected.append(
                {
                    "row": number,
                    "column": records_path,
                    "value": _shown(record),
                    "reason": f"{_TYPE_NAMES.get(type(record), 'a value')} holding none of the "
                    f"records paths ({records_path})",
                }
            )
    # Leaves are strings before flattening: pandas would read a column of big integer ids with
    # a gap as floats and round them.
    raw = _frame(messages) if messages else pd.DataFrame({"_row": pd.Series(dtype="int64")})
    if not messages and rejected:
        # Every record rejected: the mapped paths cannot be checked against the file, and the
        # rejected records are the answer (not an error about paths).
        raw = raw.assign(
            **{str(p): pd.Series(dtype=object) for paths, _ in checked.values() for p in paths}
        )
    if paths and any(holders):
        conversation = _frame(holders).add_prefix(CONVERSATION_PREFIX)
        # The holder's fields win over a message field spelled the same: the mapping said so.
        raw = raw.drop(columns=[c for c in conversation if c in raw]).join(conversation)
        if "conversation_id" not in mapping and f"{CONVERSATION_PREFIX}id" in raw:
            mapping["conversation_id"] = f"{CONVERSATION_PREFIX}id"
    raw["_row"] = pd.to_numeric(raw["_row"]).astype("int64")
    for choices in {value for value in mapping.values() if "|" in value}:
        # "created_at|conversation.created_at": the first of the paths a message has.
        present = [c.strip() for c in choices.split("|") if c.strip() in raw]
        combined = pd.Series(None, index=raw.index, dtype=object)
        for column in present:
            combined = combined.where(combined.notna(), raw[column])
        raw[choices] = combined
    result = messages_csv.from_frame(
        raw,
        rejected,
        path,
        mapping,
        timezone=timezone,
        channel=channel,
        format="messages-json",
        origin="path",
        dayfirst=dayfirst,
    )
    result.rows_read = number
    result.notes = notes + result.notes
    return result


class _Malformed:
    """A JSON Lines line that is not a JSON value: one rejected record, in its place in the file."""

    def __init__(self, line: int, text: str, reason: str):
        self.reason = {"column": None, "value": text[:200], "reason": f"line {line} {reason}"}


def _top_records(path: Path) -> tuple[list, list[str]]:
    """The file's top records (the array's elements, each JSON Lines line, or the one object),
    and notes on how it was decoded."""
    data = path.read_bytes()
    transcoded = []
    encoding = file_encoding(path)
    if encoding not in ("utf-8", "cp1252"):  # UTF-16 or UTF-32 (a byte-order mark says so)
        data = decode_bytes(data, encoding).encode("utf-8")
        transcoded = [f"{path.name} is not UTF-8: read as {encoding.upper()}"]
    if not data.strip():
        raise InputError(f"{path.name}: the file is empty (no JSON records)")
    if path.suffix.lower() not in LINE_SUFFIXES:
        text, notes = _decoded(data, path)
        notes = transcoded + notes
        try:
            document = json.loads(text)
        except RecursionError:
            raise InputError(
                f"{path.name}: cannot be read as JSON (nested more deeply than the JSON reader "
                "goes)"
            ) from None
        except json.JSONDecodeError as error:
            if error.msg != "Extra data":  # more than one value: JSON Lines in a .json file
                raise InputError(
                    f"{path.name}: cannot be read as JSON (line {error.lineno}, column "
                    f"{error.colno}: {error.msg}); JSON Lines files are read too, one record a line"
                ) from error
        else:
            if isinstance(document, list):
                return document, notes
            if isinstance(document, dict):
                return [document], notes
            raise InputError(
                f"{path.name}: the JSON document is {_TYPE_NAMES.get(type(document), 'null')}, "
                "expected an array of message records, an object holding them, or JSON Lines "
                "(one record a line)"
            )
    records, notes = _lines(data, path)
    return records, transcoded + notes


def _decoded(data: bytes, path: Path) -> tuple[str, list[str]]:
    """A whole document's text: UTF-8, else Windows-1252 (what Excel on Windows writes), said."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        note = f"{path.name} is not UTF-8: read as Windows-1252 (cp1252)"
        return data.decode("cp1252", errors="replace"), [note]


def _lines(data: bytes, path: Path) -> tuple[list, list[str]]:
    """JSON Lines: each line one record, or one rejected record. Lines end at LF alone: U+2028
    and other separators `str.splitlines` breaks at may sit inside a JSON string."""
    records: list = []
    not_utf8 = 0
    for line_number, raw_line in enumerate(data.split(b"\n"), start=1):
        raw_line = raw_line.removesuffix(b"\r")
        if line_number == 1:
            raw_line = raw_line.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            line = raw_line.decode("cp1252", errors="replace")
            not_utf8 += 1
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            records.append(
                _Malformed(line_number, line, f"is not JSON ({error.msg}, column {error.colno})")
            )
        except RecursionError:
            records.append(_Malformed(line_number, line, "nests more deeply than JSON is read"))
    notes = []
    if not_utf8:
        notes.append(f"{path.name}: {not_utf8} line(s) not UTF-8, read as Windows-1252 (cp1252)")
    return records, notes


def _unwrapped(top: list, path: Path) -> tuple[list, str | None]:
    """One object holding one list of objects (an API page: {"comments": [...], "count": 3}):
    that list is the messages."""
    if len(top) != 1 or not isinstance(top[0], dict):
        return top, None
    lists = [
        key
        for key, value in top[0].items()
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
    ]
    if len(lists) == 1:
        return top[0][lists[0]], None
    if len(lists) > 1:
        raise InputError(
            f"{path.name}: one JSON object with several lists ({', '.join(lists)}); say which "
            f"holds the messages with --map {RECORDS_KEY}=PATH (e.g. {lists[0]} or "
            f"{lists[0]}[].messages)"
        )
    return top, None


def _messages_of(record: object, paths: list[str]) -> Iterator[tuple[object, dict]]:
    """(message, holder) for each message a top record holds along the records paths."""
    if not paths:
        yield record, {}
        return
    for records_path in paths:
        yield from _walk(record, records_path.split("."), record)


def _walk(node: object, segments: list[str], holder: object) -> Iterator[tuple[object, dict]]:
    if not segments:
        items = node if isinstance(node, list) else ([] if node is None else [node])
        for item in items:
            yield item, holder if isinstance(holder, dict) else {}
        return
    segment, rest = segments[0], segments[1:]
    each = segment.endswith("[]")
    key = segment[:-2] if each else segment
    child = node.get(key) if isinstance(node, dict) else None
    if each:
        for element in child if isinstance(child, list) else []:
            yield from _walk(element, rest, element)
    else:
        yield from _walk(child, rest, holder)


def _checked_fields(mapping: dict[str, str]) -> dict[str, tuple[list[str], tuple]]:
    """Each field a message is read from: its paths (a|b: the first present) and allowed types."""
    fields = {**{f: f for f in messages_csv.REQUIRED_FIELDS + messages_csv.OPTIONAL_FIELDS}}
    fields.update(mapping)
    return {
        name: ([p.strip() for p in str(paths).split("|")], _FIELD_TYPES.get(name, _VALUE_TYPES))
        for name, paths in fields.items()
    }


def _problem(
    message: object,
    holder: object,
    checked: dict[str, tuple[list[str], tuple]],
    records: str | None,
) -> dict | None:
    """Why a record cannot be a message (its column, value and reason), or None."""
    if not isinstance(message, dict):
        return {
            "column": records,
            "value": _shown(message),
            "reason": f"expected a message record (a JSON object), found "
            f"{_TYPE_NAMES.get(type(message), 'null')}",
        }
    for name, (paths, types) in checked.items():
        for dotted in paths:
            value = _value_at(message, holder, dotted)
            if value is None:
                continue
            if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
                expected = " or ".join(dict.fromkeys(_TYPE_NAMES[t] for t in types))
                return {
                    "column": dotted,
                    "value": _shown(value),
                    "reason": f"{name} is {_TYPE_NAMES.get(type(value), 'a value')}, "
                    f"expected {expected}",
                }
            if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
                return {
                    "column": dotted,
                    "value": value[:200],
                    "reason": f"{name} is {len(value):,} characters long, more than the "
                    f"{MAX_VALUE_CHARS:,} a message is read with",
                }
            break  # a|b: the first path present is the one read
    return None


def _value_at(message: dict, holder: object, dotted: str) -> object:
    """The value at a dotted path of a message (conversation.PATH: of its holder), or None."""
    node: object = message
    if dotted.startswith(CONVERSATION_PREFIX) and isinstance(holder, dict) and holder:
        node, dotted = holder, dotted[len(CONVERSATION_PREFIX) :]
    if isinstance(node, dict) and dotted in node:
        return node[dotted]
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _holds_any(record: object, paths: list[str]) -> bool:
    """Whether a top record has the first key of any records path (an empty list is no message,
    not a rejected record)."""
    if not isinstance(record, dict):
        return False
    return any(p.split(".")[0].removesuffix("[]") in record for p in paths)


def _shown(value: object) -> str:
    """A value as rejected.csv shows it: JSON text, cut to 200 characters."""
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (RecursionError, TypeError, ValueError):
        return str(type(value).__name__)


def _frame(records: list[dict]) -> pd.DataFrame:
    """Records flattened to dotted columns, every value a string or None."""
    frame = pd.json_normalize(records)
    return frame.astype(object).where(frame.notna(), None)


def _stringified(record: object, depth: int = 0) -> dict:
    """A record with every leaf as the string the CSV readers would see (ids exact, booleans
    'true'/'false', lists as JSON); nested objects stay objects, to be flattened, down to
    `MAX_FLATTENED_DEPTH` levels (deeper ones stay JSON text)."""
    if not isinstance(record, dict):
        return {}
    return {
        key: _stringified(value, depth + 1)
        if isinstance(value, dict) and depth < MAX_FLATTENED_DEPTH
        else _as_string(value)
        for key, value in record.items()
    }


def _as_string(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        try:
            return json.dumps(value, ensure_ascii=False)
        except RecursionError:  # an unmapped value nested past what Python recurses into
            return None
    return str(value)
