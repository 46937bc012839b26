"""Groupings: conversation fields filled over a conversation, grouping columns on exchanges and
replies, which groupings an export has, and how `compare_by` is resolved."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import yaml

from analysis import groups, pipeline
from analysis.io import InputError


def _time(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def _messages(rows: list[tuple]) -> pd.DataFrame:
    """(message_id, conversation_id, created_at, team, satisfaction) rows, in file order."""
    frame = pd.DataFrame(
        rows, columns=["message_id", "conversation_id", "created_at", "team", "satisfaction"]
    )
    frame["created_at"] = frame["created_at"].map(_time)
    return frame


def _filled(messages: pd.DataFrame, name: str) -> dict:
    filled = groups.conversation_fields(messages).set_index("message_id")[name].astype(object)
    return filled.where(filled.notna(), None).to_dict()


def test_a_field_given_on_the_first_or_the_last_message_fills_its_conversation():
    messages = _messages(
        [
            ("a1", "A", "2024-05-01 09:00", "Billing", None),
            ("a2", "A", "2024-05-01 10:00", None, None),
            ("b1", "B", "2024-05-01 09:00", None, None),
            ("b2", "B", "2024-05-01 11:00", None, None),
            ("b3", "B", "2024-05-01 12:00", "Returns", 4.0),
            ("c1", "C", "2024-05-01 09:00", None, None),
        ]
    )
    assert _filled(messages, "team") == {
        "a1": "Billing",
        "a2": "Billing",
        "b1": "Returns",
        "b2": "Returns",
        "b3": "Returns",
        "c1": None,  # null everywhere in its conversation: stays null
    }
    ratings = groups.conversation_fields(messages).set_index("message_id")["satisfaction"]
    assert ratings.dtype == float
    assert ratings[["b1", "b2", "b3"]].tolist() == [4.0, 4.0, 4.0]
    assert ratings[["a1", "c1"]].isna().all()


def test_the_earliest_value_wins_and_file_order_breaks_ties():
    messages = _messages(
        [
            ("d2", "D", "2024-05-02 10:00", "Later", None),  # first in the file, later in time
            ("d1", "D", "2024-05-02 09:00", "Earlier", None),
            ("e1", "E", "2024-05-02 09:00", "First in file", None),
            ("e2", "E", "2024-05-02 09:00", "Second in file", None),
            ("f1", "F", None, "Untimed", None),  # no time: only when no timed message has one
            ("f2", "F", "2024-05-02 12:00", "Timed", None),
        ]
    )
    filled = _filled(messages, "team")
    assert filled["d1"] == filled["d2"] == "Earlier"
    assert filled["e1"] == filled["e2"] == "First in file"
    assert filled["f1"] == filled["f2"] == "Timed"


def test_missing_fields_are_added_as_null_and_the_frame_keeps_its_order():
    messages = _messages([("x1", "X", "2024-05-01 09:00", None, None)]).drop(
        columns=["team", "satisfaction"]
    )
    messages.index = [7]
    filled = groups.conversation_fields(messages)
    assert list(filled.index) == [7]
    assert set(groups.CONVERSATION_FIELDS) <= set(filled.columns)
    assert filled.loc[7, list(groups.CONVERSATION_FIELDS)].isna().all()
    assert "team" not in messages  # the input is not changed


MESSAGES = pd.DataFrame(
    {
        "message_id": ["c1", "r1", "c2", "r2", "c3"],
        "conversation_id": ["T1", "T1", "T2", "T2", "T3"],
        "created_at": pd.to_datetime(
            ["2024-05-01 09:00", "2024-05-01 10:00", "2024-05-01 09:00", "2024-05-01 10:00", None],
            utc=True,
        ),
        "team": [None, "Billing", "Returns", None, None],
        "priority": ["high", None, "low", "low", None],
        "satisfaction": [None, 5.0, None, None, None],
    }
)


def test_exchanges_get_the_reply_agent_and_their_conversation_fields():
    exchanges = pd.DataFrame(
        {
            "message_id": ["c3", "c1", "c2"],
            "conversation_id": ["T3", "T1", "T2"],
            "reply_agent_id": [None, "ana", "sam"],
            "brand": ["acme"] * 3,
            "channel": ["email"] * 3,
        },
        index=[10, 11, 12],
    )
    grouped = groups.add_group_columns(exchanges, MESSAGES)
    assert list(grouped.index) == [10, 11, 12]
    assert grouped["message_id"].tolist() == ["c3", "c1", "c2"]
    shown = grouped[["agent", "team", "priority", "ticket_type", "satisfaction"]].astype(object)
    assert shown.where(shown.notna(), None).values.tolist() == [
        [None, None, None, None, None],
        ["ana", "Billing", "high", None, 5.0],
        ["sam", "Returns", "low", None, None],
    ]
    # Given its own output, it gives the same table, not suffixed copies.
    again = groups.add_group_columns(grouped, MESSAGES)
    pd.testing.assert_frame_equal(again, grouped)


def test_replies_get_their_own_agent():
    replies = pd.DataFrame(
        {
            "message_id": ["r1", "r2"],
            "conversation_id": ["T1", "T2"],
            "agent_id": ["ana", "sam"],
            "brand": ["acme", "acme"],
            "channel": ["email", "chat"],
        }
    )
    grouped = groups.add_group_columns(replies, MESSAGES)
    assert grouped[["agent", "team", "priority"]].values.tolist() == [
        ["ana", "Billing", "high"],
        ["sam", "Returns", "low"],
    ]


def test_zendesk_exchanges_are_grouped_by_their_tickets_fields(fixtures):
    data = fixtures / "zendesk_tickets.csv"
    mapping = yaml.safe_load((fixtures / "zendesk_tickets.yaml").read_text())
    tables = pipeline.run(data, data_format="messages-csv", mapping=mapping)
    with data.open(newline="", encoding="utf-8") as file:
        records = {r["Comment ID"]: r for r in csv.DictReader(file)}
    grouped = groups.add_group_columns(tables.exchanges, tables.messages)
    assert len(grouped) == len(tables.exchanges)
    for row in grouped.itertuples():
        record = records[row.message_id]
        assert (row.team or "") == record["Group"]
        assert row.priority == record["Priority"]
        assert row.ticket_type == record["Type"]
        assert (row.agent or "") == (record["Assignee"] if row.answered else "")
    assert groups.available(grouped) == [
        "brand",
        "agent",
        "team",
        "channel",
        "priority",
        "ticket_type",
    ]
    assert groups.resolve("auto", grouped) == "agent"


def _frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_available_ignores_unknown_and_empty_values():
    frame = _frame(
        brand=["acme", "acme"],
        agent=[None, None],
        team=["unknown", "Unknown "],
        channel=["email", "unknown"],
        priority=["", None],
        product=["Dell XPS", None],
    )
    assert groups.available(frame) == ["brand", "channel", "product"]


def test_auto_compares_brands_when_there_are_several():
    frame = _frame(brand=["acme", "globex"], agent=["ana", "sam"])
    assert groups.resolve("auto", frame) == "brand"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"agent": ["ana", "sam"], "team": ["x", "y"]}, "agent"),
        ({"agent": ["ana", "ana"], "team": ["x", "y"], "channel": ["a", "b"]}, "team"),
        (
            {"agent": ["ana", None], "team": ["x", "unknown"], "channel": ["email", "chat"]},
            "channel",
        ),
        ({"agent": ["ana", "ana"], "channel": ["email", "email"], "priority": ["a", "b"]}, "brand"),
    ],
)
def test_auto_within_one_brand_takes_the_first_of_agent_team_channel_with_two_groups(
    columns, expected
):
    frame = _frame(brand=["acme", "acme"], **columns)
    assert groups.resolve("auto", frame) == expected


def test_a_named_grouping_is_used_when_the_export_has_it():
    frame = _frame(brand=["acme"], agent=["ana"], channel=["email"], ticket_type=["refund"])
    assert groups.resolve("ticket_type", frame) == "ticket_type"
    assert groups.resolve("channel", frame) == "channel"


def test_a_grouping_the_export_lacks_is_one_line_naming_what_it_has():
    frame = _frame(brand=["acme"], agent=["ana"], team=[None], channel=["email"])
    with pytest.raises(InputError) as lacking:
        groups.resolve("team", frame)
    assert str(lacking.value) == (
        "compare_by: 'team' is not in this export (it has: brand, agent, channel)"
    )
    with pytest.raises(InputError) as unknown:
        groups.resolve("colour", frame)
    message = str(unknown.value)
    assert "\n" not in message and "'colour' is not a grouping" in message
    assert message.endswith("this export has: brand, agent, channel)")


def test_labels_are_the_words_a_page_uses():
    assert [groups.label(g) for g in groups.GROUPINGS] == [
        "brand",
        "agent",
        "team",
        "channel",
        "priority",
        "ticket type",
        "product",
    ]
