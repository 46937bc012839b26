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
each message's `source`. A JSON Lines line that is not JSON is one rejected record.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis.io import messages_csv
from analysis.io.common import InputError, LoadResult, file_encoding

SUFFIXES = (".json", ".jsonl", ".ndjson")
LINE_SUFFIXES = (".jsonl", ".ndjson")
RECORDS_KEY = "records"
CONVERSATION_PREFIX = "conversation."


def read(
    path: Path,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    channel: str = "web",
) -> LoadResult:
    """Messages from a JSON or JSON Lines export; `mapping` as for messages-csv, plus `records`."""
    mapping = dict(mapping or {})
    records_path = mapping.pop(RECORDS_KEY, None)
    top, malformed = _top_records(path)
    if records_path is None:
        top, records_path = _unwrapped(top, path)
    paths = [p.strip() for p in records_path.split(",")] if records_path else []

    messages: list[dict] = []
    holders: list[dict] = []
    rejected: list[dict] = []
    number = 0
    for record in top:
        if isinstance(record, _Malformed):
            number += 1
            rejected.append({**record.reason, "row": number})
            continue
        for message, holder in _messages_of(record, paths):
            number += 1
            if not isinstance(message, dict):
                rejected.append(
                    {
                        "row": number,
                        "column": records_path,
                        "value": str(message)[:200],
                        "reason": "expected a message record (a JSON object)",
                    }
                )
                continue
            messages.append({**_stringified(message), "_row": number})
            holders.append(_stringified(holder))
    # Leaves are strings before flattening: pandas would read a column of big integer ids with
    # a gap as floats and round them.
    raw = _frame(messages) if messages else pd.DataFrame({"_row": pd.Series(dtype="int64")})
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
        rejected + malformed,
        path,
        mapping,
        timezone=timezone,
        channel=channel,
        format="messages-json",
        origin="path",
    )
    result.rows_read = number
    return result


class _Malformed:
    """A JSON Lines line that is not JSON: one rejected record, in its place in the file."""

    def __init__(self, line: int, text: str, error: json.JSONDecodeError):
        self.reason = {
            "column": None,
            "value": text[:200],
            "reason": f"line {line} is not JSON ({error.msg}, column {error.colno})",
        }


def _top_records(path: Path) -> tuple[list, list[dict]]:
    """The file's top records: the array's elements, each JSON Lines line, or the one object."""
    encoding = "utf-8-sig" if file_encoding(path) == "utf-8" else "cp1252"
    text = path.read_text(encoding=encoding)
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty (no JSON records)")
    if path.suffix.lower() not in LINE_SUFFIXES:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            if error.msg != "Extra data":  # more than one value: JSON Lines in a .json file
                raise InputError(
                    f"{path.name}: cannot be read as JSON (line {error.lineno}, column "
                    f"{error.colno}: {error.msg}); JSON Lines files are read too, one record a line"
                ) from error
        else:
            return (document if isinstance(document, list) else [document]), []
    records: list = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            records.append(_Malformed(line_number, line, error))
    return records, []


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


def _frame(records: list[dict]) -> pd.DataFrame:
    """Records flattened to dotted columns, every value a string or None."""
    frame = pd.json_normalize(records)
    return frame.astype(object).where(frame.notna(), None)


def _stringified(record: object) -> dict:
    """A record with every leaf as the string the CSV readers would see (ids exact, booleans
    'true'/'false', lists as JSON); nested objects stay objects, to be flattened."""
    if not isinstance(record, dict):
        return {}
    return {
        key: _stringified(value) if isinstance(value, dict) else _as_string(value)
        for key, value in record.items()
    }


def _as_string(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
