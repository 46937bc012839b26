"""Readers on hand-written fixtures whose answers were worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import io, pipeline
from analysis.io import InputError
from analysis.io.common import UNKNOWN_AUTHOR
from tests.conftest import HELPDESK_MAPPING


def test_twcs_keeps_usable_rows_and_names_row_and_column_of_the_rest(fixtures):
    result = io.load(fixtures / "twcs_small.csv")
    assert result.format == "twcs"
    assert result.rows_read == 14
    assert len(result.messages) == 12
    rejected = result.rejected.set_index("row")
    assert rejected.loc[7, "column"] == "created_at"
    assert "Tue Oct 31 22:10:47 +0000 2017" in rejected.loc[7, "reason"]
    assert rejected.loc[7, "value"] == "not a date"
    assert rejected.loc[13, "reason"] == "expected 7 columns, found 9"
    # A customer tweet without an author is kept, its author unknown; and row numbers after a
    # malformed row still point at the right record.
    kept = result.messages.set_index("message_id")
    assert kept.loc["13", "author_id"] == UNKNOWN_AUTHOR
    assert kept.loc["13", "source"] == "twcs_small.csv:row 14"
    assert sorted(rejected.index) == [7, 13]
    assert result.rows_read == len(result.messages) + len(result.rejected)


def test_twcs_ids_are_exact_strings_and_float_parents_are_repaired(fixtures):
    messages = io.load(fixtures / "twcs_small.csv").messages.set_index("message_id")
    assert "123456789012345678" in messages.index  # 18 digits, not rounded through a float
    assert messages.loc["11", "parent_id"] == "123456789012345678"
    assert messages.loc["2", "parent_id"] == "1"  # written as '1.0' in the file
    assert messages.loc["2", "role"] == "agent" and messages.loc["2", "brand"] == "AcmeHelp"
    assert messages.loc["1", "role"] == "customer"
    assert messages.loc["8", "text"] == "@AcmeHelp two\nlines"  # a quoted newline is one row


def test_twcs_unreadable_float_ids_are_rejected_not_rounded(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1.2e+17,a,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n"
    )
    result = io.load(path)
    assert result.messages.empty
    assert result.rejected.loc[0, "column"] == "tweet_id"


def test_twcs_missing_parent_link_is_taken_from_the_response_list(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,a,True,Tue Oct 31 22:10:47 +0000 2017,hi,2,\n"
        "2,Brand,False,Tue Oct 31 22:20:47 +0000 2017,hello,,\n"
    )
    messages = io.load(path).messages.set_index("message_id")
    assert messages.loc["2", "parent_id"] == "1"


def test_tickets_export_flags_its_known_defects(fixtures):
    tables = pipeline.run(fixtures / "tickets_small.csv")
    tickets = tables.tickets.set_index("ticket_id")
    assert tickets.loc["4", "resolution_before_first_response"]  # resolved 01:57, answered 07:29
    assert not tickets.loc["3", "resolution_before_first_response"]
    assert pd.isna(tickets.loc["5", "first_response_at"])  # open ticket, no times: kept
    assert tables.rejected["row"].tolist() == [6]  # 'yesterday' is not a time
    assert tables.rejected.loc[0, "column"] == "First Response Time"
    assert tables.summary["rows_read"] == 6 and tables.summary["messages"] == 5
    message = tables.messages.set_index("message_id").loc["ticket-1"]
    assert "{product_purchased}" not in message["text"] and "GoPro Hero" in message["text"]
    assert message["channel"] == "social"
    exchanges = tables.exchanges.set_index("message_id")
    # The Kaggle export has no creation time: latency is excluded with a reason, not invented.
    assert exchanges.loc["ticket-1", "answered"]
    assert exchanges.loc["ticket-1", "latency_excluded_reason"] == "complaint_time_unknown"
    assert not exchanges.loc["ticket-5", "answered"]
    assert tables.notes


def test_demo_ticket_export_with_a_created_column_measures_first_response(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "Ticket ID,Ticket Channel,First Response Time,Time to Resolution,Ticket Created\n"
        "1,Email,2023-06-01 12:00:00,2023-06-01 18:00:00,2023-06-01 10:30:00\n"
    )
    exchanges = pipeline.run(path).exchanges
    assert exchanges.loc[0, "first_response_seconds"] == 5400.0


def test_messages_csv_with_a_mapping_threads_by_ticket_and_converts_time_zones(fixtures):
    tables = pipeline.run(
        fixtures / "helpdesk_messages.csv", mapping=HELPDESK_MAPPING, timezone="America/New_York"
    )
    assert tables.rejected["column"].tolist() == ["Author Type"]  # 'robot' is neither role
    exchanges = tables.exchanges.set_index("message_id")
    # 16:30 EST on Fri 8 March -> 09:30 EDT on Mon 11 March (DST began on the 10th): 64 hours.
    assert exchanges.loc["c1", "first_response_seconds"] == 64 * 3600
    assert exchanges.loc["c1", "reply_agent_id"] == "agent.kim"
    # Times with an offset are not shifted again.
    assert exchanges.loc["c4", "created_at"] == pd.Timestamp("2024-03-10 12:00", tz="UTC")
    assert tables.messages["conversation_id"].nunique() == 3
    assert set(tables.messages["brand"]) == {"helpdesk_messages"}


def test_messages_csv_without_a_mapping_says_which_fields_are_missing(fixtures):
    with pytest.raises(InputError, match=r"author_id.*--map"):
        io.load(fixtures / "helpdesk_messages.csv", format="messages-csv", mapping={"text": "Body"})


def test_format_is_told_from_the_header(fixtures, tmp_path):
    assert io.detect_format(fixtures / "twcs_small.csv") == "twcs"
    assert io.detect_format(fixtures / "tickets_small.csv") == "tickets-csv"
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"other.csv: cannot tell the format.*--format"):
        io.load(other)


def test_missing_file_and_empty_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        io.load(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        io.load(empty)


def test_agents_are_named_by_their_sign_off_when_the_data_names_none(fixtures):
    tables = pipeline.run(fixtures / "twcs_small.csv")
    agents = tables.messages.set_index("message_id")["agent_id"]
    assert agents["2"] == "AcmeHelp/JK" and agents["3"] == "AcmeHelp/AB"
    assert pd.isna(agents["11"])  # unsigned: no agent, not a guess
    assert pd.isna(agents["1"])  # customers are never agents
    exchanges = tables.exchanges.set_index("message_id")
    assert exchanges.loc["1", "reply_agent_id"] == "AcmeHelp/JK"


def test_a_windows_1252_export_is_read_and_said_to_be(tmp_path):
    path = tmp_path / "latin.csv"
    header = (
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    )
    row = "1,a,True,Tue Oct 31 22:10:47 +0000 2017,café closed – again,,\n"
    path.write_bytes((header + row).encode("cp1252"))
    result = io.load(path)
    assert result.messages.loc[0, "text"] == "café closed – again"
    assert any("not UTF-8" in note for note in result.notes)


def test_a_bare_carriage_return_in_a_tweet_is_text_and_its_reply_keeps_its_parent(fixtures):
    # The real twcs.csv has tweets whose unquoted text holds a bare CR: one record, not two.
    tables = pipeline.run(fixtures / "twcs_bare_cr.csv")
    messages = tables.messages.set_index("message_id")
    assert tables.rejected.empty
    assert list(messages.index) == ["101", "102", "103", "104", "105"]
    assert messages.loc["101", "text"].startswith("@sprintcare my bill doubled this month")
    assert messages.loc["101", "text"].endswith("nobody at the store can explain why")
    assert messages.loc["102", "parent_id"] == "101"
    assert messages.loc["102", "conversation_id"] == messages.loc["101", "conversation_id"]
    exchanges = tables.exchanges.set_index("message_id")
    assert exchanges.loc["101", "reply_id"] == "102"
    assert exchanges.loc["101", "first_response_seconds"] == 205.0  # 22:10:47 -> 22:14:12
    assert exchanges.loc["104", "reply_id"] == "105"
    summary = tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"] == 5


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_bare_carriage_returns_are_kept_in_lf_and_crlf_files(fixtures, tmp_path, line_end):
    lines = (fixtures / "twcs_bare_cr.csv").read_bytes().split(b"\n")
    path = tmp_path / "twcs.csv"
    path.write_bytes(line_end.join(lines))
    result = io.load(path)
    assert result.rejected.empty and result.rows_read == 5
    texts = result.messages.set_index("message_id")["text"]
    assert texts["101"] == (
        "@sprintcare my bill doubled this month\r\rand nobody at the store can explain why"
    )
    assert texts["104"] == "@sprintcare quoted text\rwith a bare CR"  # quoted: always one field
    assert texts["102"].endswith("^AB")  # the CR of a CRLF line end is not text


def test_a_malformed_row_after_a_bare_carriage_return_keeps_its_record_number(tmp_path):
    path = tmp_path / "twcs.csv"
    path.write_bytes(
        b"tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        b"1,a,True,Tue Oct 31 22:10:47 +0000 2017,one\rtweet,,\n"
        b'2,a,True,Tue Oct 31 22:11:47 +0000 2017,"two\nlines",,,extra\n'
        b"3,a,True,Tue Oct 31 22:12:47 +0000 2017,three,,\n"
    )
    result = io.load(path)
    assert result.messages["_row"].tolist() == [1, 3]
    assert result.rejected["row"].tolist() == [2]
    assert result.rows_read == len(result.messages) + len(result.rejected)


def test_a_reply_without_a_time_answers_its_complaint_and_is_left_out_of_latency(fixtures):
    tables = pipeline.run(fixtures / "helpdesk_gaps.csv", mapping=HELPDESK_MAPPING)
    exchanges = tables.exchanges.set_index("message_id")
    # g2 has no time: it keeps its place after g1 in the export and answers it.
    assert exchanges.loc["g1", "answered"] and exchanges.loc["g1", "reply_id"] == "g2"
    assert pd.isna(exchanges.loc["g1", "first_response_seconds"])
    assert exchanges.loc["g1", "latency_excluded_reason"] == "reply_time_unknown"
    assert not exchanges.loc["g3", "answered"]  # g3 came after the reply
    # A time that is there but unreadable is a format to fix: rejected, saying what was expected.
    assert tables.rejected[["row", "column"]].values.tolist() == [[6, "Created"]]
    assert "ISO 8601" in tables.rejected.loc[0, "reason"]
    assert tables.summary["rows_read"] == tables.summary["messages"] + tables.summary["rejected"]


def test_a_customer_message_without_an_author_is_kept_with_its_author_unknown(fixtures):
    tables = pipeline.run(fixtures / "helpdesk_gaps.csv", mapping=HELPDESK_MAPPING)
    message = tables.messages.set_index("message_id").loc["g4"]
    assert message["author_id"] == UNKNOWN_AUTHOR and message["role"] == "customer"
    exchange = tables.exchanges.set_index("message_id").loc["g4"]
    assert exchange["reply_id"] == "g5" and exchange["first_response_seconds"] == 1800.0
    assert any("without an author" in note for note in tables.notes)


def test_an_agent_message_without_an_author_is_kept_and_names_no_agent(tmp_path):
    path = tmp_path / "acme.csv"
    path.write_text(
        "message_id,conversation_id,author_id,role,created_at,text\n"
        "1,T,dana,customer,2024-04-02T09:00:00Z,help\n"
        "2,T,,agent,2024-04-02T09:10:00Z,on it\n"
    )
    tables = pipeline.run(path, "messages-csv")
    reply = tables.messages.set_index("message_id").loc["2"]
    assert reply["brand"] == "acme" and reply["author_id"] == UNKNOWN_AUTHOR
    assert pd.isna(reply["agent_id"])
    assert tables.exchanges.loc[0, "answered"]


def test_the_exports_turn_orders_a_conversation_whose_times_are_out_of_order(tmp_path):
    # A real export stamps its last reply with a made-up time, here before the complaint: the
    # turn numbers say which message it answers, and the bad time is flagged, not trusted.
    path = tmp_path / "conversations.csv"
    path.write_text(
        "message_id,conversation_id,turn,author_id,role,created_at,text\n"
        "m4,C,4,Acme,agent,2020-04-01T09:00:00Z,here is the help page\n"
        "m1,C,1,cust,customer,2020-04-01T10:00:00Z,help\n"
        "m2,C,2,Acme,agent,2020-04-01T10:05:00Z,what is wrong?\n"
        "m3,C,3,cust,customer,2020-04-01T10:10:00Z,it broke\n"
    )
    tables = pipeline.run(path, "messages-csv")
    messages = tables.messages.set_index("message_id")
    assert messages.loc[["m2", "m3", "m4"], "parent_id"].tolist() == ["m1", "m2", "m3"]
    assert messages.loc["m4", "reply_before_parent"]
    exchanges = tables.exchanges.set_index("message_id")
    assert exchanges.loc["m3", "reply_id"] == "m4"
    assert exchanges.loc["m3", "latency_excluded_reason"] == "reply_before_complaint"
    assert exchanges.loc["m1", "first_response_seconds"] == 300.0


def test_twcs_times_read_from_their_digits_are_what_strptime_reads() -> None:
    # The reader reads times written as twcs.csv writes them itself and leaves the rest to
    # pandas' strptime; mixing every field's edge values, both must give the same times.
    from analysis.io import twcs

    rng = np.random.default_rng(5)
    parts = [
        ["Mon", "Tue", "tue", "Xyz"],
        ["Jan", "Feb", "Oct", "oct", "Dec", "Foo"],
        ["01", "1", "28", "29", "30", "31", "32", "00"],
        ["00", "23", "24", "7"],
        ["00", "59", "60"],
        ["00", "59", "60", "61"],
        ["+0000", "-0000", "+1400", "-2359", "+2400", "+0560", "+05:30", "Z"],
        ["2017", "2016", "2000", "1900", "0000", "0001", "9999", "1500", "2300", "17"],
    ]
    picks = [rng.choice(options, size=4000) for options in parts]
    written = [
        f"{a} {b} {c} {d}:{e}:{f} {g} {h}" for a, b, c, d, e, f, g, h in zip(*picks, strict=True)
    ]
    written += [None, "", "not a date", " Tue Oct 31 22:10:47 +0000 2017"]
    column = pd.Series(written, dtype=object, index=np.arange(len(written)) * 3, name="created_at")
    expected = pd.to_datetime(column, format=twcs.TIME_FORMAT, errors="coerce", utc=True)
    assert expected.notna().sum() > 500 and expected.isna().sum() > 500
    pd.testing.assert_series_equal(twcs._created_at(column), expected)
    unreadable = pd.Series(["not a date", None], dtype=object)
    pd.testing.assert_series_equal(
        twcs._created_at(unreadable),
        pd.to_datetime(unreadable, format=twcs.TIME_FORMAT, errors="coerce", utc=True),
    )
    # The twcs reader hands it Arrow-backed strings (NaN where missing): the same times.
    pd.testing.assert_series_equal(twcs._created_at(column.astype("str")), expected)
    assert twcs._created_at(column.astype("str").iloc[:0]).empty


def test_arrow_backed_read_is_the_python_read_in_one_chunk_per_column(tmp_path):
    # Over 16 MB, pyarrow parses the file in several blocks: each column still comes as one
    # array (the text stage's kernels take one), with the values the object read gives.
    from analysis.io.common import read_csv_as_strings

    path = tmp_path / "big.csv"
    rows = 60_000
    text = pd.Series(np.arange(rows)).astype(str) + " " + "x" * 300
    pd.DataFrame({"tweet_id": np.arange(rows), "text": text, "empty": ""}).to_csv(path, index=False)
    assert path.stat().st_size > 1 << 24
    arrow_read, _ = read_csv_as_strings(path, python_strings=False)
    python_read, _ = read_csv_as_strings(path)
    for column in ("tweet_id", "text", "empty"):
        assert arrow_read[column].dtype == "str"
        assert python_read[column].dtype == object
        assert arrow_read[column].array._pa_array.num_chunks == 1
        assert arrow_read[column].tolist() == python_read[column].tolist()
    assert arrow_read.loc[59_999, "text"].startswith("59999 x")
    assert arrow_read["_row"].tolist() == python_read["_row"].tolist()
