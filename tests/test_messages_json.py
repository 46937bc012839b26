"""messages-json: JSON arrays, JSON Lines and nested conversation exports, on hand-written
fixtures in the documented shapes of Zendesk, Intercom and a JSON Lines message log."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import io, pipeline
from analysis.io import InputError
from analysis.io.common import UNKNOWN_AUTHOR

ZENDESK_MAPPING = {
    "records": "comments",
    "message_id": "id",
    "author_id": "author_id",
    "requester_id": "conversation.requester_id",
    "public": "public",
    "channel": "via.channel",
    "created_at": "created_at",
    "text": "body",
}
INTERCOM_MAPPING = {
    "records": "conversations[].source,conversations[].conversation_parts.conversation_parts",
    "message_id": "id",
    "author_id": "author.id",
    "author_name": "author.name",
    "role": "author.type",
    "created_at": "created_at|conversation.created_at",
    "text": "body",
}
LINES_MAPPING = {
    "message_id": "id",
    "conversation_id": "thread",
    "author_id": "author.handle",
    "role": "author.kind",
    "channel": "via.channel",
    "created_at": "sent",
    "text": "text",
}


def test_json_files_are_told_by_their_suffix(fixtures):
    assert io.detect_format(fixtures / "zendesk_ticket_comments.json") == "messages-json"
    assert io.detect_format(fixtures / "messages.jsonl") == "messages-json"
    assert "messages-json" in io.FORMATS


def test_zendesk_ticket_comments_thread_per_ticket_and_drop_internal_notes(fixtures):
    tables = pipeline.run(fixtures / "zendesk_ticket_comments.json", mapping=ZENDESK_MAPPING)
    summary = tables.summary
    assert summary["rows_read"] == 4 and summary["messages"] == 3 and summary["rejected"] == 1
    rejected = tables.rejected.iloc[0]
    assert rejected["row"] == 2 and rejected["column"] == "public"
    assert "internal note" in rejected["reason"]
    messages = tables.messages.set_index("message_id")
    assert list(messages.index) == [
        "12340000000000001",
        "12340000000000003",
        "12340000000000004",
    ]  # 17-digit ids read exactly, not through a float
    assert messages.loc["12340000000000001", "role"] == "customer"  # the ticket's requester
    assert messages.loc["12340000000000003", "role"] == "agent"
    assert messages.loc["12340000000000003", "channel"] == "email"
    assert messages.loc["12340000000000001", "source"] == "zendesk_ticket_comments.json:row 1"
    exchanges = tables.exchanges.set_index("message_id")
    # The internal note is not a reply: the public answer came 30 minutes after the complaint.
    assert exchanges.loc["12340000000000001", "reply_id"] == "12340000000000003"
    assert exchanges.loc["12340000000000001", "first_response_seconds"] == 1800.0
    assert not exchanges.loc["12340000000000004", "answered"]
    assert tables.messages["conversation_id"].nunique() == 2


def test_intercom_conversation_source_and_parts_with_unix_times(fixtures):
    tables = pipeline.run(fixtures / "intercom_conversations.json", mapping=INTERCOM_MAPPING)
    assert tables.summary["rows_read"] == 4  # the source and three parts
    assert tables.rejected["reason"].tolist() == ["missing text"]  # the assignment part
    assert tables.rejected["row"].tolist() == [3]
    messages = tables.messages.set_index("message_id")
    assert messages.loc["403918330", "role"] == "customer"
    assert messages.loc["403918330", "author_name"] == "Ana Lopez"
    # The source has no time of its own: it takes the conversation's (1539897198).
    assert messages.loc["403918330", "created_at"] == pd.Timestamp("2018-10-18 21:13:18", tz="UTC")
    assert messages.loc["4412", "parent_id"] == "403918330"
    exchanges = tables.exchanges.set_index("message_id")
    assert exchanges.loc["403918330", "first_response_seconds"] == 600.0
    assert exchanges.loc["403918330", "reply_agent_id"] == "991"
    assert not exchanges.loc["4414", "answered"]


def test_json_lines_keep_gaps_and_reject_a_broken_line(fixtures):
    tables = pipeline.run(fixtures / "messages.jsonl", mapping=LINES_MAPPING)
    summary = tables.summary
    assert summary["rows_read"] == 5 and summary["messages"] == 4 and summary["rejected"] == 1
    assert tables.rejected.loc[0, "row"] == 3
    assert "line 3 is not JSON" in tables.rejected.loc[0, "reason"]
    messages = tables.messages.set_index("message_id")
    assert messages.loc["m1", "channel"] == "chat"
    assert messages.loc["m4", "author_id"] == UNKNOWN_AUTHOR  # kept, author unknown
    exchanges = tables.exchanges.set_index("message_id")
    assert exchanges.loc["m1", "first_response_seconds"] == 120.0
    assert exchanges.loc["m4", "answered"]  # m5 has no time, and still answers
    assert exchanges.loc["m4", "latency_excluded_reason"] == "reply_time_unknown"


def test_a_json_array_of_flat_records_needs_no_records_path(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(
        '{"messages": [{"message_id": 1, "conversation_id": "a", "author_id": "c", '
        '"role": "customer", "created_at": "2024-01-01T10:00:00Z", "text": "hi"}, '
        '{"message_id": 2, "conversation_id": "a", "author_id": "x", "role": "agent", '
        '"created_at": "2024-01-01T10:01:00Z", "text": "hello"}], "count": 2}'
    )
    tables = pipeline.run(path)
    assert tables.exchanges.loc[0, "first_response_seconds"] == 60.0


def test_a_mapping_to_a_path_no_record_has_names_the_fields_there_are(fixtures):
    mapping = {**LINES_MAPPING, "text": "message.body"}
    with pytest.raises(InputError, match=r"message.body.*not in the file"):
        io.load(fixtures / "messages.jsonl", mapping=mapping)
    with pytest.raises(InputError, match=r"--map FIELD=PATH .*author.handle"):
        io.load(fixtures / "messages.jsonl", mapping={"text": "text"})


def test_a_json_file_that_is_not_json_is_one_line_that_says_so(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"id": 1,,}]')
    with pytest.raises(InputError, match=r"bad.json: cannot be read as JSON \(line 1"):
        io.load(path)
