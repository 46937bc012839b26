"""Readers on hand-written fixtures whose answers were worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import io, pipeline
from analysis.io import InputError
from tests.conftest import HELPDESK_MAPPING


def test_twcs_keeps_usable_rows_and_names_row_and_column_of_the_rest(fixtures):
    result = io.load(fixtures / "twcs_small.csv")
    assert result.format == "twcs"
    assert result.rows_read == 14
    assert len(result.messages) == 11
    rejected = result.rejected.set_index("row")
    assert rejected.loc[7, "column"] == "created_at"
    assert "Tue Oct 31 22:10:47 +0000 2017" in rejected.loc[7, "reason"]
    assert rejected.loc[7, "value"] == "not a date"
    assert rejected.loc[13, "reason"] == "expected 7 columns, found 9"
    # Row numbers after a malformed row still point at the right record.
    assert rejected.loc[14, "column"] == "author_id"
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
