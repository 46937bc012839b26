"""The helpdesk fields (team, priority, ticket type, product, satisfaction) as the readers give
them, checked against the fixtures read independently with the csv module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import cli, io, pipeline

FIELDS = ["team", "priority", "ticket_type", "product", "satisfaction"]


def _records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return path


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _rating(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def _as_read(messages: pd.DataFrame) -> dict[str, dict]:
    """Each message's helpdesk fields, nulls as None, by message id."""
    rows = messages.set_index("message_id")[FIELDS].astype(object)
    rows = rows.where(rows.notna(), None)
    return rows.to_dict("index")


@pytest.fixture
def zendesk_mapping(fixtures: Path) -> dict[str, str]:
    return yaml.safe_load((fixtures / "zendesk_tickets.yaml").read_text())


def test_kaggle_tickets_carry_their_fields_on_each_message_and_ticket(fixtures):
    records = _records(fixtures / "kaggle_tickets.csv")
    result = io.load(fixtures / "kaggle_tickets.csv")
    assert result.format == "tickets-csv"
    assert result.rows_read == len(result.messages) == len(records) == 80
    expected = {
        f"ticket-{r['Ticket ID']}": {
            "team": None,  # the Kaggle layout has no team column
            "priority": r["Ticket Priority"],
            "ticket_type": r["Ticket Type"],
            "product": r["Product Purchased"],
            "satisfaction": _rating(r["Customer Satisfaction Rating"]),
        }
        for r in records
    }
    assert _as_read(result.messages) == expected
    tickets = result.tickets.set_index("ticket_id")
    assert tickets["team"].isna().all()
    closed = [r["Ticket ID"] for r in records if r["Ticket Status"] == "Closed"]
    assert tickets.loc[closed, "satisfaction"].between(1, 5).all()
    assert tickets.drop(index=closed)["satisfaction"].isna().all()


def test_a_team_column_reaches_messages_and_tickets(fixtures, tmp_path):
    records = _records(fixtures / "kaggle_tickets.csv")[:6]
    teams = ["Tier 1", "Tier 2", "", "Tier 1", " Billing ", "Tier 2"]
    for record, team in zip(records, teams, strict=True):
        record["Assigned Group"] = team
    result = io.load(_write(tmp_path / "with_teams.csv", records))
    expected = ["Tier 1", "Tier 2", None, "Tier 1", "Billing", "Tier 2"]
    assert [_as_read(result.messages)[f"ticket-{r['Ticket ID']}"]["team"] for r in records] == (
        expected
    )
    tickets = result.tickets.set_index("ticket_id")["team"]
    assert [tickets[r["Ticket ID"]] for r in records] == expected


def test_an_unreadable_ticket_rating_keeps_the_ticket_and_says_so(fixtures, tmp_path):
    records = _records(fixtures / "kaggle_tickets.csv")
    records[4]["Customer Satisfaction Rating"] = "five stars"
    result = io.load(_write(tmp_path / "bad_rating.csv", records))
    assert result.rejected.empty
    ticket = result.tickets.set_index("ticket_id").loc[records[4]["Ticket ID"]]
    assert pd.isna(ticket["satisfaction"])
    assert any("1 satisfaction value(s)" in note for note in result.notes)
    assert result.rows_read == len(result.messages) == 80


def test_zendesk_comments_carry_the_mapped_fields(fixtures, zendesk_mapping):
    records = _records(fixtures / "zendesk_tickets.csv")
    result = io.load(
        fixtures / "zendesk_tickets.csv", format="messages-csv", mapping=zendesk_mapping
    )
    assert result.rows_read == len(result.messages) == len(records)
    assert result.rejected.empty
    expected = {
        r["Comment ID"]: {
            "team": _text(r["Group"]),
            "priority": _text(r["Priority"]),
            "ticket_type": _text(r["Type"]),
            "product": None,  # not mapped
            "satisfaction": _rating(r["Satisfaction Score"]),
        }
        for r in records
    }
    assert _as_read(result.messages) == expected
    assert result.messages["satisfaction"].dtype == float
    # The fixture is what the grouping tests rely on: several teams and agents, some ratings.
    assert result.messages["team"].nunique() == 3
    agents = result.messages.loc[result.messages["role"] == "agent", "agent_id"]
    assert agents.nunique() == 5


def test_a_rating_word_keeps_the_comment_and_leaves_the_rating_out(
    fixtures, tmp_path, zendesk_mapping
):
    """Zendesk rates "good" / "bad": a real comment is never rejected for its rating."""
    records = _records(fixtures / "zendesk_tickets.csv")
    rated = next(i for i, r in enumerate(records) if r["Satisfaction Score"])
    records[rated]["Satisfaction Score"] = "good"
    path = _write(tmp_path / "bad_score.csv", records)
    result = io.load(path, format="messages-csv", mapping=zendesk_mapping)
    assert result.rejected.empty
    kept = result.messages.set_index("message_id").loc[records[rated]["Comment ID"]]
    assert pd.isna(kept["satisfaction"])
    assert any("column Satisfaction Score are not numbers" in note for note in result.notes)
    assert result.rows_read == len(result.messages) == len(records)


def test_json_messages_read_ratings_given_as_numbers_or_text(tmp_path):
    lines = [
        {
            "id": "m1",
            "author": "ann",
            "role": "customer",
            "at": "2024-05-01T10:00:00Z",
            "body": "Broken",
            "ticket": "t1",
            "group": "Billing",
            "rating": 4,
        },
        {
            "id": "m2",
            "author": "bo",
            "role": "agent",
            "at": "2024-05-01T11:00:00Z",
            "body": "Fixed",
            "ticket": "t1",
            "group": "Billing",
            "rating": "4.5",
        },
        {
            "id": "m3",
            "author": "cy",
            "role": "customer",
            "at": "2024-05-01T12:00:00Z",
            "body": "Thanks",
            "ticket": "t2",
            "rating": "meh",
        },
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    mapping = {
        "message_id": "id",
        "author_id": "author",
        "created_at": "at",
        "text": "body",
        "conversation_id": "ticket",
        "team": "group",
        "satisfaction": "rating",
    }
    result = io.load(path, format="messages-json", mapping=mapping)
    read = _as_read(result.messages)
    assert read["m1"]["team"] == "Billing" and read["m1"]["satisfaction"] == 4.0
    assert read["m2"]["satisfaction"] == 4.5
    assert pd.isna(read["m3"]["satisfaction"]) and result.rejected.empty
    assert result.rows_read == len(result.messages) == 3


def test_the_fields_survive_the_pipeline_and_the_cli_reads_the_mapping_file(fixtures, tmp_path):
    data = fixtures / "zendesk_tickets.csv"
    args = ["load", str(data), "--format", "messages-csv", "--out", str(tmp_path)]
    assert cli.main([*args, "--mapping", str(fixtures / "zendesk_tickets.yaml")]) == 0
    messages = pd.read_parquet(tmp_path / "messages.parquet")
    records = _records(data)
    # The fixture rates a ticket on its last comment; every comment of it carries that rating.
    ticket_rating = {r["Ticket ID"]: _rating(r["Satisfaction Score"]) for r in records}
    ticket_rating.update(
        {
            r["Ticket ID"]: _rating(r["Satisfaction Score"])
            for r in records
            if r["Satisfaction Score"]
        }
    )
    expected = {
        r["Comment ID"]: {"team": _text(r["Group"]), "satisfaction": ticket_rating[r["Ticket ID"]]}
        for r in records
    }
    read = {k: {f: v[f] for f in ("team", "satisfaction")} for k, v in _as_read(messages).items()}
    assert read == expected
    assert sum(r is not None for r in ticket_rating.values()) >= 10


def test_exports_without_the_fields_get_them_as_null_columns(fixtures):
    tables = pipeline.run(fixtures / "twcs_small.csv")
    assert set(FIELDS) <= set(tables.messages.columns)
    assert tables.messages[FIELDS].isna().all().all()
