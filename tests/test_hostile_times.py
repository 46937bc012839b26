"""Hostile input for the readers that read times (tickets-csv, messages-csv, messages-json):
each class of trouble in each format, with the exact outcome (the error and its words, or which
rows are kept and which rejected, and why).

The exports are written per test from one list of time values, the same rows in each format's
own layout: a ticket export (the time in `Ticket Created`), a helpdesk CSV mapped field by field
(`Created`), a JSON Lines log with nested fields (`sent`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import io
from analysis.io import InputError
from analysis.io.messages_json import MAX_VALUE_CHARS
from analysis.io.times import OUT_OF_RANGE, UNREADABLE
from tests.conftest import HELPDESK_MAPPING
from tests.test_messages_json import LINES_MAPPING

FORMATS = ("tickets-csv", "messages-csv", "messages-json")
TIME_COLUMN = {"tickets-csv": "Ticket Created", "messages-csv": "Created", "messages-json": "sent"}
# The helpdesk CSV's columns and the JSON Lines log's paths, as in the readers' own tests.
CSV_MAPPING = HELPDESK_MAPPING
MAPPINGS = {"tickets-csv": None, "messages-csv": CSV_MAPPING, "messages-json": LINES_MAPPING}


def _csv_field(value: str | None) -> str:
    return "" if value is None else f'"{value}"'


def _export(folder: Path, data_format: str, times: list[str | None]) -> Path:
    """One customer message per time value (ids 1, 2, ...), in the layout of `data_format`."""
    if data_format == "tickets-csv":
        path = folder / "times_tickets.csv"
        lines = ["Ticket ID,Ticket Channel,First Response Time,Time to Resolution,Ticket Created"]
        lines += [f"{n},Email,,,{_csv_field(t)}" for n, t in enumerate(times, start=1)]
    elif data_format == "messages-csv":
        path = folder / "times_messages.csv"
        lines = ["Comment ID,Ticket,Author,Author Type,Via,Created,Body"]
        lines += [
            f"{n},T-{n},cust{n},end-user,email,{_csv_field(t)},my order {n} is late"
            for n, t in enumerate(times, start=1)
        ]
    else:
        path = folder / "times_messages.jsonl"
        lines = [
            json.dumps(
                {
                    "id": str(n),
                    "thread": f"t{n}",
                    "author": {"handle": f"cust{n}", "kind": "customer"},
                    "via": {"channel": "chat"},
                    "sent": t,
                    "text": f"my order {n} is late",
                }
            )
            for n, t in enumerate(times, start=1)
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _load(folder: Path, data_format: str, times: list[str | None], **options) -> io.LoadResult:
    path = _export(folder, data_format, times)
    return io.load(path, format=data_format, mapping=MAPPINGS[data_format], **options)


def _kept(result: io.LoadResult) -> dict[int, pd.Timestamp]:
    """Input row -> the time it was read as."""
    return dict(zip(result.messages["_row"], result.messages["created_at"], strict=True))


def _rejected(result: io.LoadResult) -> dict[int, tuple[str, str]]:
    """Input row -> (column, reason)."""
    frame = result.rejected
    return {
        int(row): (None if pd.isna(column) else column, reason)
        for row, column, reason in zip(frame["row"], frame["column"], frame["reason"], strict=True)
    }


def _reconciles(result: io.LoadResult) -> bool:
    return result.rows_read == len(result.messages) + len(result.rejected)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# 1. Day first or month first.


@pytest.mark.parametrize("data_format", FORMATS)
def test_a_file_whose_dates_prove_day_first_is_read_day_first_and_says_so(tmp_path, data_format):
    result = _load(tmp_path, data_format, ["05/06/2023 10:00", "13/05/2023 09:00", "2023-05-07"])
    assert _kept(result) == {
        1: utc("2023-06-05 10:00"),
        2: utc("2023-05-13 09:00"),
        3: utc("2023-05-07"),
    }
    assert result.rejected.empty
    column = TIME_COLUMN[data_format]
    assert f"read day-first, as row 2 ({column} '13/05/2023 09:00') shows" in " ".join(result.notes)


@pytest.mark.parametrize("data_format", FORMATS)
def test_dates_that_never_decide_are_one_line_saying_how_to_choose(tmp_path, data_format):
    with pytest.raises(InputError) as error:
        _load(tmp_path, data_format, ["2023-05-01 08:00", "05/06/2023 10:00"])
    column = TIME_COLUMN[data_format]
    assert str(error.value) == (
        f"{_export(tmp_path, data_format, []).name} row 2, column {column}: cannot tell whether "
        "'05/06/2023 10:00' is day-first or month-first (no date in the file has a number above "
        "12 to show it); choose with --day-first or --month-first, or 'dayfirst: true' or "
        "'dayfirst: false' in the mapping file"
    )


@pytest.mark.parametrize("data_format", FORMATS)
def test_dates_written_both_ways_are_an_error_naming_one_row_of_each(tmp_path, data_format):
    with pytest.raises(InputError) as error:
        _load(tmp_path, data_format, ["13/05/2023", "05/06/2023", "05/14/2023"])
    column = TIME_COLUMN[data_format]
    message = str(error.value)
    assert f"day-first (row 1, column {column}: '13/05/2023')" in message
    assert f"month-first (row 3, column {column}: '05/14/2023')" in message
    assert "choose with --day-first or --month-first" in message


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("how", ["keyword", "mapping"])
def test_a_chosen_order_wins_and_the_rows_written_the_other_way_are_rejected(
    tmp_path, data_format, how
):
    times = ["13/05/2023", "05/06/2023", "05/14/2023"]
    if how == "keyword":
        result = _load(tmp_path, data_format, times, dayfirst=True)
    else:
        path = _export(tmp_path, data_format, times)
        mapping = {**(MAPPINGS[data_format] or {}), "dayfirst": "true"}
        result = io.load(path, format=data_format, mapping=mapping)
    assert _kept(result) == {1: utc("2023-05-13"), 2: utc("2023-06-05")}
    assert _rejected(result) == {
        3: (
            TIME_COLUMN[data_format],
            "written month-first (14 cannot be a month), but dates are read day-first as chosen",
        )
    }
    assert _reconciles(result)


# 2. Leap seconds and clock changes.


@pytest.mark.parametrize("data_format", FORMATS)
def test_leap_seconds_and_clock_changes_follow_the_stated_rule_and_are_counted(
    tmp_path, data_format
):
    times = ["2016-12-31 23:59:60", "2021-03-28 02:30", "2021-10-31 02:30", "2021-06-01 12:00"]
    result = _load(tmp_path, data_format, times, timezone="Europe/Berlin")
    assert _kept(result) == {
        1: utc("2016-12-31 22:59:59"),  # 23:59:59 at +01:00, never the next day
        2: utc("2021-03-28 01:30"),  # 03:30 summer time: moved forward by the gap
        3: utc("2021-10-31 00:30"),  # the first 02:30, in summer time
        4: utc("2021-06-01 10:00"),
    }
    assert result.rejected.empty
    notes = " ".join(result.notes)
    column = TIME_COLUMN[data_format]
    assert f"column {column}: 1 time(s) with a leap second (:60) read as the last second" in notes
    assert "1 local time(s) in the hour skipped when clocks went forward in Europe/Berlin" in notes
    assert "1 local time(s) in the hour repeated when clocks went back in Europe/Berlin" in notes


# 3. Years outside what a nanosecond time can hold.


@pytest.mark.parametrize("data_format", FORMATS)
def test_out_of_range_years_are_rejected_rows_not_tracebacks(tmp_path, data_format):
    times = ["2300-01-01 10:00", "1500-06-01T00:00:00Z", "2023-05-06 10:00", "32503680000"]
    result = _load(tmp_path, data_format, times)
    assert _kept(result) == {3: utc("2023-05-06 10:00")}
    column = TIME_COLUMN[data_format]
    assert _rejected(result) == {1: (column, OUT_OF_RANGE), 2: (column, OUT_OF_RANGE)} | {
        4: (column, OUT_OF_RANGE)  # Unix time 32503680000: the year 3000
    }
    assert _reconciles(result)


@pytest.mark.parametrize("data_format", FORMATS)
def test_analyze_on_an_out_of_range_year_ends_well_with_the_row_rejected(tmp_path, data_format):
    from analysis import cli

    times = ["2023-05-06 10:00", "2300-01-01 10:00", "2023-05-06 11:00"]
    path = _export(tmp_path, data_format, times)
    arguments = ["analyze", str(path), "--out", str(tmp_path / "run"), "--format", data_format]
    for field, column in (MAPPINGS[data_format] or {}).items():
        arguments += ["--map", f"{field}={column}"]
    assert cli.main(arguments) in (0, None)
    rejected = pd.read_csv(tmp_path / "run" / "rejected.csv")
    assert rejected[["row", "reason"]].values.tolist() == [[2, OUT_OF_RANGE]]


# 4. Naive times mixed with offsets in one column.


@pytest.mark.parametrize("data_format", FORMATS)
def test_naive_and_zoned_times_in_one_column_are_each_read_by_their_own_offset(
    tmp_path, data_format
):
    times = [
        "2023-05-06 10:00",
        "2023-05-06T10:00:00Z",
        "2023-05-06 10:00:00+05:00",
        "2023-05-06 10:00:00 UTC",
        "Sat May 06 10:00:00 -0700 2023",
    ]
    result = _load(tmp_path, data_format, times, timezone="America/New_York")
    assert _kept(result) == {
        1: utc("2023-05-06 14:00"),  # naive: New York summer time, -04:00
        2: utc("2023-05-06 10:00"),
        3: utc("2023-05-06 05:00"),
        4: utc("2023-05-06 10:00"),
        5: utc("2023-05-06 17:00"),
    }
    assert result.rejected.empty


@pytest.mark.parametrize("data_format", FORMATS)
def test_an_unreadable_time_is_rejected_and_an_empty_one_kept(tmp_path, data_format):
    result = _load(tmp_path, data_format, ["yesterday", None, "2023-05-06 10:00"])
    assert set(_kept(result)) == {2, 3} and pd.isna(_kept(result)[2])
    assert _rejected(result) == {1: (TIME_COLUMN[data_format], UNREADABLE)}


# 5. Mapped columns (tickets-csv reads fixed headers, with no mapping).


@pytest.mark.parametrize("data_format", ["messages-csv", "messages-json"])
def test_a_mapped_column_found_only_by_case_and_spaces_is_used_and_said(tmp_path, data_format):
    path = _export(tmp_path, data_format, ["2023-05-06 10:00"])
    text = path.read_text()
    if data_format == "messages-csv":
        path.write_text(text.replace(",Created,", ", created ,"))
    else:
        path.write_text(text.replace('"sent"', '"Sent"'))
    result = io.load(path, format=data_format, mapping=MAPPINGS[data_format])
    assert _kept(result) == {1: utc("2023-05-06 10:00")}
    origin = "column" if data_format == "messages-csv" else "path"
    # The CSV layer may strip the header's spaces itself; the case is left to the mapping.
    found = "(?: created |created)" if data_format == "messages-csv" else "Sent"
    note = f"{result.path.name}: field created_at read from {origin} '{found}' \\(mapped as "
    assert any(re.fullmatch(note + f"'{TIME_COLUMN[data_format]}'\\)", n) for n in result.notes)


def test_a_mapped_column_matching_two_by_case_is_refused_naming_both(tmp_path):
    path = tmp_path / "times_two_cases.csv"
    path.write_text(
        "Comment ID,Ticket,Author,Author Type,Via,created,CREATED,Body\n"
        "1,T,a,end-user,email,2023-05-06,2023-05-07,hi\n"
    )
    with pytest.raises(InputError) as error:
        io.load(path, format="messages-csv", mapping=CSV_MAPPING)
    assert str(error.value) == (
        "times_two_cases.csv: columns 6 ('created') and 7 ('CREATED') both name 'Created'; "
        "rename one"
    )


@pytest.mark.parametrize("data_format", ["messages-csv", "messages-json"])
def test_a_mapped_column_not_in_the_file_is_one_line_naming_field_column_and_columns(
    tmp_path, data_format
):
    path = _export(tmp_path, data_format, ["2023-05-06 10:00"])
    mapping = {**MAPPINGS[data_format], "created_at": "When"}
    with pytest.raises(InputError) as error:
        io.load(path, format=data_format, mapping=mapping)
    message = str(error.value)
    origin = "column" if data_format == "messages-csv" else "path"
    assert message.startswith(
        f"{path.name}: field created_at is mapped to {origin} 'When', which is not in the file "
        f"({origin}s in the file: "
    )
    assert ("Created" if data_format == "messages-csv" else "author.handle") in message
    assert "\n" not in message


def test_a_handle_may_be_author_and_agent_but_an_id_may_not_be_its_own_parent(tmp_path):
    path = _export(tmp_path, "messages-csv", ["2023-05-06 10:00"])
    shared = {**CSV_MAPPING, "author_name": "Author", "agent_id": "Author"}
    assert len(io.load(path, format="messages-csv", mapping=shared).messages) == 1
    with pytest.raises(InputError) as error:
        io.load(path, format="messages-csv", mapping={**CSV_MAPPING, "parent_id": "Comment ID"})
    assert str(error.value) == (
        f"{path.name}: fields message_id and parent_id are all mapped to column 'Comment ID'; "
        "only agent_id, author_id, author_name may share one"
    )


# 5. JSON: shapes, types and sizes that cannot be messages.

RECORD = {
    "id": "1",
    "thread": "t",
    "author": {"handle": "ana", "kind": "customer"},
    "via": {"channel": "chat"},
    "sent": "2023-05-06T10:00:00Z",
    "text": "hello",
}


def _json_lines(tmp_path: Path, records: list, name: str = "times_records.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def test_json_records_of_the_wrong_shape_or_type_are_rejected_with_their_number(tmp_path):
    deep: object = "x"
    for _ in range(50):
        deep = {"inner": deep}
    records = [
        RECORD,
        42,  # not an object
        [RECORD],  # a list, not an object
        {**RECORD, "id": "4", "text": 17},  # a number for the text
        {**RECORD, "id": "5", "sent": ["2023-05-06"]},  # a list for a time
        {**RECORD, "id": "6", "text": deep},  # deeply nested, where the text should be
        {**RECORD, "id": "7", "text": "x" * (MAX_VALUE_CHARS + 1)},  # huge
        {"id": "8", "thread": "t", "author": {"kind": "customer"}},  # no text, no time
        {**RECORD, "id": "9", "extra": deep},  # deep, but not a field read: kept
    ]
    result = io.load(_json_lines(tmp_path, records), mapping=LINES_MAPPING)
    assert sorted(_kept(result)) == [1, 9]
    assert _rejected(result) == {
        2: (None, "expected a message record (a JSON object), found a number"),
        3: (None, "expected a message record (a JSON object), found a list"),
        4: ("text", "text is a number, expected text"),
        5: ("sent", "created_at is a list, expected text or a number"),
        6: ("text", "text is an object, expected text"),
        7: (
            "text",
            f"text is {MAX_VALUE_CHARS + 1:,} characters long, more than the 1,000,000 "
            "a message is read with",
        ),
        8: ("text", "missing text"),
    }
    assert _reconciles(result) and result.rows_read == 9


def test_a_broken_json_lines_line_is_rejected_with_its_line_number_and_the_rest_kept(tmp_path):
    records = [RECORD, '{"id": "2", "text": "cut', {**RECORD, "id": "3"}, "", {**RECORD, "id": "4"}]
    result = io.load(_json_lines(tmp_path, records), mapping=LINES_MAPPING)
    assert sorted(result.messages["message_id"]) == ["1", "3", "4"]
    assert result.rejected["reason"].tolist() == [
        "line 2 is not JSON (Unterminated string starting at, column 21)"
    ]
    assert _reconciles(result)


def test_a_line_separator_inside_a_json_string_does_not_split_the_record(tmp_path):
    records = [{**RECORD, "text": "one\u2028two\x85three"}]
    path = tmp_path / "times_separators.jsonl"
    path.write_text(json.dumps(records[0], ensure_ascii=False) + "\n", encoding="utf-8")
    result = io.load(path, mapping=LINES_MAPPING)
    assert result.rejected.empty
    assert result.messages.loc[0, "text"] == "one\u2028two\x85three"


def test_a_json_lines_line_that_is_not_utf8_is_read_alone_as_windows_1252(tmp_path):
    path = tmp_path / "times_latin.jsonl"
    good = json.dumps({**RECORD, "text": "café"}, ensure_ascii=False).encode("utf-8")
    latin = json.dumps({**RECORD, "id": "2", "text": "caf\u00e9"}, ensure_ascii=False)
    path.write_bytes(good + b"\n" + latin.encode("cp1252") + b"\n")
    result = io.load(path, mapping=LINES_MAPPING)
    assert result.messages["text"].tolist() == ["café", "café"]
    assert "times_latin.jsonl: 1 line(s) not UTF-8, read as Windows-1252 (cp1252)" in result.notes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "42",
            "times_doc.json: the JSON document is a number, expected an array of message "
            "records, an object holding them, or JSON Lines (one record a line)",
        ),
        ('"hello"', "times_doc.json: the JSON document is text, expected an array"),
        (
            '[{"id": 1}\n, {"id": 2,}]',
            "times_doc.json: cannot be read as JSON (line 2, column 12: ",
        ),
        ("[" * 100_000 + "]" * 100_000, "times_doc.json: cannot be read as JSON (nested more"),
    ],
)
def test_a_json_file_unusable_as_a_whole_is_one_line(tmp_path, text, expected):
    path = tmp_path / "times_doc.json"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        io.load(path, mapping=LINES_MAPPING)
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_a_nested_record_without_the_records_path_is_rejected_not_lost(tmp_path):
    tickets = [
        {"id": "T1", "comments": [{**RECORD, "id": "1"}, {**RECORD, "id": "2"}]},
        {"id": "T2", "remarks": [{**RECORD, "id": "3"}]},  # not where the mapping says
        {"id": "T3", "comments": []},  # a ticket without comments: no message, nothing lost
        "T4",
    ]
    path = tmp_path / "times_tickets.json"
    path.write_text(json.dumps(tickets))
    result = io.load(path, mapping={**LINES_MAPPING, "records": "comments"})
    assert sorted(result.messages["message_id"]) == ["1", "2"]
    assert result.rejected["reason"].tolist() == [
        "an object holding none of the records paths (comments)",
        "text holding none of the records paths (comments)",
    ]
    assert result.rejected["row"].tolist() == [3, 4]
    assert _reconciles(result)


# The JSON Lines reader on corrupted files: no record disappears unaccounted.

ORIGINAL = [
    {
        "id": f"m{n:03d}",  # one length: a corrupted id can never become another record's id
        "thread": f"t{n % 3}",
        "author": {"handle": f"user{n}", "kind": "customer" if n % 2 else "agent"},
        "via": {"channel": "chat"},
        "sent": f"2024-06-01T10:{n:02d}:00Z",
        "text": f"message number {n} about my order",
    }
    for n in range(8)
]
LINES = [json.dumps(record).encode() for record in ORIGINAL]
corruption = st.one_of(
    st.tuples(st.just("cut"), st.integers(0, 7), st.integers(1, 200)),
    st.tuples(
        st.just("insert"),
        st.integers(0, 7),
        st.integers(0, 200),
        st.sampled_from([b"\x00", b"\xff", b"{", b"}", b'"', b",", b"\n", b"\\", b"\xc3"]),
    ),
    st.tuples(st.just("drop_brace"), st.integers(0, 7), st.sampled_from([b"{", b"}"])),
)


def _corrupted(lines: list[bytes], damage: list[tuple]) -> list[bytes]:
    lines = list(lines)
    for kind, index, *rest in damage:
        line = lines[index]
        if kind == "cut":
            lines[index] = line[: max(1, min(rest[0], len(line) - 1))]
        elif kind == "insert":
            position = min(rest[0], len(line))
            lines[index] = line[:position] + rest[1] + line[position:]
        else:
            position = line.rfind(rest[0]) if rest[0] == b"}" else line.find(rest[0])
            lines[index] = line[:position] + line[position + 1 :]
    return lines


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(corruption, min_size=1, max_size=4))
def test_a_corrupted_json_lines_file_keeps_or_rejects_every_record(tmp_path, damage):
    lines = _corrupted(LINES, damage)
    path = tmp_path / "times_corrupted.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = io.load(path, mapping=LINES_MAPPING)
    records_read = sum(1 for line in b"\n".join(lines).split(b"\n") if line.strip())
    assert result.rows_read == records_read == len(result.messages) + len(result.rejected)
    # Every line the corruption left alone is kept, exactly as written.
    kept = result.messages.set_index("message_id")
    for original, line in zip(ORIGINAL, lines, strict=True):
        if line == json.dumps(original).encode():
            assert kept.loc[original["id"], "text"] == original["text"]
            assert kept.loc[original["id"], "created_at"] == utc(original["sent"])


@pytest.mark.parametrize(
    ("header", "row", "data_format"),
    [
        (
            "MESSAGE_ID, Conversation_ID ,Author_ID,ROLE,Created_At,Text",
            "1,T,ana,customer,13/05/2023 10:00,hello",
            "messages-csv",
        ),
        (
            "ticket id,TICKET CHANNEL,First response time,time to resolution, Ticket Created ",
            "1,Email,2023-06-01 12:00:00,,13/05/2023 10:00",
            "tickets-csv",
        ),
    ],
)
def test_headers_in_another_case_are_told_and_read_without_a_mapping(
    tmp_path, header, row, data_format
):
    path = tmp_path / "times_other_case.csv"
    path.write_text(f"{header}\n{row}\n")
    result = io.load(path)
    assert result.format == data_format
    assert _kept(result) == {1: utc("2023-05-13 10:00")}
    if data_format == "tickets-csv":
        assert result.tickets.loc[0, "first_response_at"] == utc("2023-06-01 12:00")
    else:
        assert result.messages.loc[0, ["author_id", "role", "text"]].tolist() == [
            "ana",
            "customer",
            "hello",
        ]


def test_a_json_lines_file_whose_every_record_is_rejected_says_why_for_each(tmp_path):
    result = io.load(_json_lines(tmp_path, ['{"id": 1,', [1, 2]]), mapping=LINES_MAPPING)
    assert result.messages.empty and result.rows_read == 2
    assert result.rejected["reason"].tolist() == [
        "line 1 is not JSON (Expecting property name enclosed in double quotes, column 10)",
        "expected a message record (a JSON object), found a list",
    ]
