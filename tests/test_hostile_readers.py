"""Hostile input for the CSV readers: a broken record is rejected where it starts, saying why, and
no record is lost without a trace (rows_read == kept + rejected, in every CSV format)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import cli, io, pipeline
from analysis.io import InputError
from tests.conftest import HELPDESK_MAPPING


@dataclass(frozen=True)
class Format:
    """One CSV format: its header, how to write record `i`, and how its messages name it."""

    name: str
    header: str
    text_column: str  # where an unclosed quote is most likely: the free text
    other_column: str  # and a short field further left
    mapping: dict[str, str] | None = None
    # The free text first: its first fields tell nothing of where a record starts.
    text_first: bool = False

    def line(self, i: int, text: str = "", other: str = "") -> str:
        text = text or f"message number {i} caf\u00e9 \U0001f600"
        if self.name == "twcs":
            other = other or f"user{i}"
            return f"{i},{other},True,Tue Oct 31 22:{i % 60:02d}:47 +0000 2017,{text},,"
        if self.name == "tickets-csv":
            other = other or "Email"
            return f"{i},{other},2023-06-01 12:00:00,2023-06-01 18:00:00,{text}"
        other = other or f"cust{i}@example.com"
        if self.text_first:
            return f"{text},m{i},T-{i},{other},end-user,2024-03-08 16:30:00"
        return f"m{i},T-{i},{other},end-user,2024-03-08 16:30:00,{text}"

    def message_id(self, i: int) -> str:
        return {"twcs": str(i), "tickets-csv": f"ticket-{i}"}.get(self.name, f"m{i}")

    @property
    def width(self) -> int:
        return self.header.count(",") + 1

    def load(self, path: Path) -> io.LoadResult:
        return io.load(path, format=self.name, mapping=self.mapping)


TWCS = Format(
    "twcs",
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id",
    text_column="text",
    other_column="author_id",
)
TICKETS = Format(
    "tickets-csv",
    "Ticket ID,Ticket Channel,First Response Time,Time to Resolution,Ticket Description",
    text_column="Ticket Description",
    other_column="Ticket Channel",
)
MESSAGES = Format(
    "messages-csv",
    "Comment ID,Ticket,Author,Author Type,Created,Body",
    text_column="Body",
    other_column="Author",
    # The helpdesk fixture's mapping; these files have no channel column.
    mapping={field: column for field, column in HELPDESK_MAPPING.items() if field != "channel"},
)
TEXT_FIRST = Format(
    "messages-csv",
    "Body,Comment ID,Ticket,Author,Author Type,Created",
    text_column="Body",
    other_column="Author",
    mapping=MESSAGES.mapping,
    text_first=True,
)
FORMATS = [TWCS, TICKETS, MESSAGES, TEXT_FIRST]


def format_id(fmt: Format) -> str:
    """The test id of a format."""
    return fmt.name + ("-text-first" if fmt.text_first else "")


RECORDS = 20


def write(
    path: Path, fmt: Format, lines: list[str], line_end: str = "\n", encoding: str = "utf-8"
) -> Path:
    """A file of `fmt` with these record lines."""
    path.write_bytes((line_end.join([fmt.header, *lines]) + line_end).encode(encoding))
    return path


def records(fmt: Format, broken: dict[int, str] | None = None) -> list[str]:
    """RECORDS lines of `fmt`, record i replaced by broken[i] where given."""
    broken = broken or {}
    return [broken.get(i, fmt.line(i)) for i in range(1, RECORDS + 1)]


def assert_only_rejected(result: io.LoadResult, fmt: Format, rejected_rows: list[int]) -> None:
    """Every other record kept under its id and its own record number; counts reconcile."""
    assert result.rejected["row"].tolist() == rejected_rows
    kept = [i for i in range(1, RECORDS + 1) if i not in rejected_rows]
    assert result.messages["message_id"].tolist() == [fmt.message_id(i) for i in kept]
    assert result.messages["_row"].tolist() == kept
    assert result.rows_read == RECORDS == len(result.messages) + len(result.rejected)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
@pytest.mark.parametrize("where", [1, 10, RECORDS])
@pytest.mark.parametrize("column", ["text", "other"])
def test_an_unclosed_quote_rejects_its_record_alone_and_says_where(tmp_path, fmt, where, column):
    field = {"text": '"never closed text', "other": '"never closed'}[column]
    line = fmt.line(where, text=field) if column == "text" else fmt.line(where, other=field)
    result = fmt.load(write(tmp_path / "broken.csv", fmt, records(fmt, {where: line})))
    assert_only_rejected(result, fmt, [where])
    name = fmt.text_column if column == "text" else fmt.other_column
    runs = "to the end of the file" if where == RECORDS else "into the following records"
    assert (
        result.rejected.loc[0, "reason"]
        == f"unclosed quote in column {name}: the field runs {runs}"
    )
    assert result.rejected.loc[0, "column"] == name


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_the_load_summary_of_a_broken_file_reconciles(tmp_path, fmt):
    lines = records(fmt, {7: fmt.line(7, text='"never closed'), 13: fmt.line(13) + ",extra"})
    tables = pipeline.run(write(tmp_path / "broken.csv", fmt, lines), fmt.name, fmt.mapping)
    assert tables.rejected["row"].tolist() == [7, 13]
    assert (
        tables.rejected.loc[1, "reason"] == f"expected {fmt.width} columns, found {fmt.width + 1}"
    )
    summary = tables.summary
    assert (summary["rows_read"], summary["messages"], summary["rejected"]) == (20, 18, 2)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_an_unclosed_quote_closed_by_a_later_records_quote_still_loses_nothing(tmp_path, fmt):
    # pyarrow reads the runaway field up to record 5's quote and finds the right field count:
    # the swallowed records look like records, so the field is read as broken.
    lines = records(fmt, {3: fmt.line(3, text='"runaway'), 5: fmt.line(5, text='"quoted"')})
    result = fmt.load(write(tmp_path / "broken.csv", fmt, lines))
    assert_only_rejected(result, fmt, [3])
    assert result.rejected.loc[0, "reason"].startswith("unclosed quote in column")


@pytest.mark.parametrize("fmt", [TWCS, TICKETS, MESSAGES], ids=format_id)
@pytest.mark.parametrize("every", [1, 2])
def test_rows_longer_than_the_header_are_each_a_rejected_record(tmp_path, fmt, every):
    lines = [line + ",extra" if i % every == 0 else line for i, line in enumerate(records(fmt))]
    result = fmt.load(write(tmp_path / "long.csv", fmt, lines))
    assert_only_rejected(result, fmt, list(range(1, RECORDS + 1, every)))
    assert set(result.rejected["reason"]) == {
        f"expected {fmt.width} columns, found {fmt.width + 1}"
    }


def test_rows_all_longer_than_the_header_with_free_text_first_are_one_record_saying_so(tmp_path):
    # Where no line's first field looks like an id, nothing tells where a broken record ends:
    # the file is one broken record, and its reason says how many lines it holds.
    lines = [line + ",extra" for line in records(TEXT_FIRST)]
    result = TEXT_FIRST.load(write(tmp_path / "long.csv", TEXT_FIRST, lines))
    assert result.messages.empty and result.rows_read == 1
    assert result.rejected.loc[0, "reason"] == (
        f"expected 6 columns, found 7; the next {RECORDS - 1} line(s) do not start a record "
        "and belong to it"
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
@pytest.mark.parametrize("text", ['he said "hi" there', 'the 5" screen cracked'])
def test_a_stray_quote_inside_an_unquoted_field_is_kept_as_written(tmp_path, fmt, text):
    # One quote alone leaves the file's quotes odd: the careful reading, same outcome.
    result = fmt.load(write(tmp_path / "quote.csv", fmt, records(fmt, {4: fmt.line(4, text=text)})))
    assert_only_rejected(result, fmt, [])
    assert text in result.messages.loc[3, "text"]


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_a_broken_record_over_several_lines_is_one_rejected_record(tmp_path, fmt):
    unquoted = fmt.line(6, other="first\nsecond line\nthird, line")
    unclosed = fmt.line(12, text='"first line') + "\nsecond line\nthird line"
    genuine = fmt.line(15, text='"a quoted\nmulti-line, text"')
    lines = records(fmt, {6: unquoted, 12: unclosed, 15: genuine})
    result = fmt.load(write(tmp_path / "lines.csv", fmt, lines))
    assert_only_rejected(result, fmt, [6, 12])
    fields_on_first_line = unquoted.split("\n")[0].count(",") + 1
    assert result.rejected["reason"].tolist() == [
        f"expected {fmt.width} columns, found {fields_on_first_line}; "
        "the next 2 line(s) do not start a record and belong to it",
        f"unclosed quote in column {fmt.text_column}: the field runs into the following records",
    ]
    assert "a quoted\nmulti-line, text" in result.messages.set_index("_row").loc[15, "text"]


@pytest.mark.parametrize("fmt", [TICKETS, MESSAGES], ids=format_id)
def test_lines_after_a_complete_record_are_a_rejected_record_not_lost_text(tmp_path, fmt):
    # A line break outside quotes in the last field: the record before it is complete as far as
    # anyone can tell (a valid message is never rejected); the lines after it are not a record.
    lines = [*records(fmt)[:5], fmt.line(6, text="first line") + "\nsecond line", fmt.line(7)]
    result = fmt.load(write(tmp_path / "lines.csv", fmt, lines))
    assert result.messages["_row"].tolist() == [1, 2, 3, 4, 5, 6, 8]
    assert result.messages["text"].str.contains("message number 7").iloc[-1]
    assert result.rejected[["row", "value", "reason"]].values.tolist() == [
        [7, "second line", f"expected {fmt.width} columns, found 1"]
    ]
    assert result.rows_read == 8 == len(result.messages) + len(result.rejected)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_a_windows_1252_file_with_a_broken_multi_line_record_is_read(tmp_path, fmt):
    lines = [line.replace("\U0001f600", "\u2013") for line in records(fmt)]
    lines[7] = fmt.line(8, text='"caf\u00e9 \u2013 never closed') + "\nstill the same record"
    result = fmt.load(write(tmp_path / "latin.csv", fmt, lines, encoding="cp1252"))
    assert_only_rejected(result, fmt, [8])
    assert "caf\u00e9 \u2013" in result.messages.loc[0, "text"]
    assert result.rejected.loc[0, "value"].startswith(lines[7][:10])


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_a_crlf_file_with_an_unclosed_quote_keeps_every_other_record(tmp_path, fmt):
    lines = records(fmt, {9: fmt.line(9, text='"never closed')})
    result = fmt.load(write(tmp_path / "crlf.csv", fmt, lines, line_end="\r\n"))
    assert_only_rejected(result, fmt, [9])
    assert not result.messages["text"].str.contains("\r").any()


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-16-le"])
def test_utf16_and_byte_order_marked_files_read_as_their_utf8_twin(tmp_path, fmt, encoding):
    utf8 = fmt.load(write(tmp_path / "plain.csv", fmt, records(fmt)))
    other = fmt.load(write(tmp_path / "other.csv", fmt, records(fmt), encoding=encoding))
    assert_only_rejected(other, fmt, [])
    assert other.messages["text"].tolist() == utf8.messages["text"].tolist()
    assert "caf\u00e9 \U0001f600" in other.messages.loc[0, "text"]


def test_a_utf16_file_is_told_to_be_twcs_from_its_header(tmp_path):
    path = write(tmp_path / "twcs.csv", TWCS, records(TWCS), encoding="utf-16")
    assert io.detect_format(path) == "twcs"


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_a_column_named_twice_is_refused_naming_it_and_both_positions(tmp_path, fmt):
    names = fmt.header.split(",")
    header = ",".join([*names, names[1]])
    path = tmp_path / "twice.csv"
    path.write_text(header + "\n" + fmt.line(1) + ",x\n")
    message = (
        f"twice.csv: the header names column {names[1]!r} twice (columns 2 and {len(names) + 1})"
    )
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        fmt.load(path)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_header_names_with_spaces_around_them_are_the_columns_they_name(tmp_path, fmt):
    spaced = Format(**{**fmt.__dict__, "header": fmt.header.replace(",", ", ") + " "})
    assert_only_rejected(spaced.load(write(tmp_path / "spaced.csv", spaced, records(fmt))), fmt, [])


def test_twcs_header_names_in_another_case_are_its_columns(tmp_path):
    upper = Format(**{**TWCS.__dict__, "header": TWCS.header.replace("tweet_id", "Tweet_ID")})
    result = upper.load(write(tmp_path / "twcs.csv", upper, records(TWCS)))
    assert_only_rejected(result, TWCS, [])


def test_twcs_columns_differing_only_in_case_are_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(TWCS.header + ",TEXT\n" + TWCS.line(1) + ",x\n")
    with pytest.raises(InputError, match=r"columns 5 \('text'\) and 8 \('TEXT'\) both name 'text'"):
        TWCS.load(path)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
@pytest.mark.parametrize(
    ("content", "words"),
    [("", "the file is empty (no header row)"), ("\n\n", "the file is empty (no header row)")],
)
def test_an_empty_file_is_one_clear_line(tmp_path, fmt, content, words):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(
        InputError, match=r"^empty.csv: " + words.replace("(", r"\(").replace(")", r"\)")
    ):
        fmt.load(path)


@pytest.mark.parametrize("fmt", FORMATS, ids=format_id)
def test_a_header_only_file_is_one_clear_line(tmp_path, fmt):
    with pytest.raises(InputError, match=r"^only.csv: has a header but no records$"):
        fmt.load(write(tmp_path / "only.csv", fmt, []))


def test_out_of_range_years_are_rejected_rows_and_the_run_ends_well(tmp_path):
    lines = records(TWCS)
    lines[2] = lines[2].replace("2017", "2300")
    lines[5] = lines[5].replace("2017", "1500")
    path = write(tmp_path / "years.csv", TWCS, lines)
    result = TWCS.load(path)
    assert_only_rejected(result, TWCS, [3, 6])
    assert set(result.rejected["reason"]) == {"year outside the supported range 1678-2262"}
    assert set(result.rejected["column"]) == {"created_at"}
    tables = pipeline.run(path)
    assert tables.summary["rows_read"] == 20 and tables.summary["rejected"] == 2
    assert cli.main(["analyze", str(path), "--out", str(tmp_path / "run")]) == 0


# A script run in fresh processes: the parse of a file with a stray Latin-1 byte next to an emoji
# once aborted the process now and then (pyarrow's threads transcoding through a Python codec).
_LOAD_SCRIPT = """
import json, sys
from analysis import io
result = io.load(sys.argv[1])
print(json.dumps([result.rows_read, len(result.rejected), result.messages["text"].tolist()]))
"""


def test_a_stray_latin1_byte_next_to_an_emoji_reads_the_same_in_every_process(tmp_path):
    lines = [TWCS.line(i).encode() for i in range(1, 3001)]
    lines[1499] = TWCS.line(1500, text="x").encode().replace(b",x,", b",caf\xe9 \xf0\x9f\x98\x81,")
    path = tmp_path / "stray.csv"
    path.write_bytes(b"\n".join([TWCS.header.encode(), *lines]) + b"\n")
    outputs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", _LOAD_SCRIPT, str(path)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    rows_read, rejected, texts = json.loads(outputs[0])
    assert (rows_read, rejected) == (3000, 0)
    assert texts[1499] == "caf\u00e9 \U0001f601"  # the emoji kept, the stray byte read as cp1252
    assert texts[0] == "message number 1 caf\u00e9 \U0001f600"


# Corruptions of one record line: (what, how to apply it at a byte offset of that line).
_CORRUPTIONS = {
    "quote": lambda line, at: line[:at] + b'"' + line[at:],
    "carriage return": lambda line, at: line[:at] + b"\r" + line[at:],
    "nul": lambda line, at: line[:at] + b"\x00" + line[at:],
    "stray byte": lambda line, at, byte=0x9D: line[:at] + bytes([byte]) + line[at:],
    "cut short": lambda line, at: line[: max(at, 1)],
}


@given(
    fmt=st.sampled_from(FORMATS),
    kind=st.sampled_from([*_CORRUPTIONS, "duplicate"]),
    record=st.integers(1, 8),
    offset=st.floats(0, 1),
    stray=st.integers(0x80, 0xFF),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_corrupted_record_never_takes_another_record_with_it(
    tmp_path, fmt, kind, record, offset, stray, line_end
):
    originals = [fmt.line(i) for i in range(1, 9)]
    originals[3] = fmt.line(4, text='"a quoted, text\nover two lines"')
    lines = [line.encode() for line in originals]
    line = lines[record - 1]
    at = int(offset * len(line))
    if kind == "duplicate":
        lines.insert(record, line)
    elif kind == "stray byte":
        lines[record - 1] = _CORRUPTIONS[kind](line, at, stray)
    else:
        lines[record - 1] = _CORRUPTIONS[kind](line, at)
    path = tmp_path / "corrupted.csv"
    ending = line_end.encode()
    path.write_bytes(ending.join([fmt.header.encode(), *lines]) + ending)

    result = fmt.load(path)
    numbers = sorted([*result.messages["_row"], *result.rejected["row"]])
    assert numbers == list(range(1, result.rows_read + 1))  # each record counted once
    first = result.messages.drop_duplicates("message_id")  # twcs keeps a repeat; clean drops it
    kept_rows = dict(zip(first["message_id"], first["_row"], strict=True))
    for i in range(1, 9):
        if i < record:
            assert kept_rows.get(fmt.message_id(i)) == i, result.rejected.to_dict("records")
        elif i > record or kind == "duplicate":
            # Kept; its number may move down by the lines the corruption made a record of their
            # own (a line cut from a record that still reads whole), never up.
            assert kept_rows.get(fmt.message_id(i), 0) >= i, result.rejected.to_dict("records")
        elif fmt.message_id(i) not in kept_rows:
            # The corrupted record is rejected, or kept under a changed id, at its own number.
            assert i in {*result.rejected["row"], *result.messages["_row"]}
    assert result.rows_read <= 8 + 1 + (kind == "duplicate")  # nothing counted twice


def test_a_one_column_file_with_empty_lines_and_a_broken_record_counts_records(tmp_path):
    from analysis.io.common import read_csv_as_strings

    path = tmp_path / "one.csv"
    path.write_bytes(b'id\n1\n\n2\n"3\n\n4\n')
    frame, rejected = read_csv_as_strings(path)
    # Empty lines are not records; the open quote of record 3 stops at the next id-like line.
    assert frame["_row"].tolist() == [1, 2, 4] and frame["id"].tolist() == ["1", "2", "4"]
    assert [(r["row"], r["reason"]) for r in rejected] == [
        (3, "unclosed quote in column id: the field runs into the following records")
    ]
