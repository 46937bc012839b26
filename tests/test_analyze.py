"""`analysis analyze` and `analysis rubric`: the files and columns the issues promise."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import cli

LATENCY_COLUMNS = [
    "brand",
    "customer_messages",
    "answered",
    "response_rate",
    "median_first_response_seconds",
    "p90_first_response_seconds",
    "sla_1h_share",
    "sla_24h_share",
]
PERSONALISATION_COLUMNS = [
    "brand",
    "replies",
    "signed_replies",
    "distinct_agents",
    "addresses_by_name_share",
    "template_share",
    "mean_specificity",
]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyze")
    path = "tests/fixtures/twcs_small.csv"
    assert cli.main(["analyze", path, "--out", str(out)]) == 0
    return out


def test_analyze_writes_exchanges_with_latency_and_labels(analyzed):
    exchanges = pd.read_parquet(analyzed / "exchanges.parquet").set_index("message_id")
    for column in ("first_response_seconds", "business_first_response_seconds", "answered"):
        assert column in exchanges
    # Complaint 1 (Mon 10:00 UTC) answered 10:30: 30 minutes, all inside Mon-Fri 09-17 UTC.
    assert exchanges.loc["1", "first_response_seconds"] == 1800
    assert exchanges.loc["1", "business_first_response_seconds"] == 1800
    assert "says_sorry" in " ".join(exchanges.columns)
    summary = json.loads((analyzed / "load_summary.json").read_text())
    assert summary["rows_read"] == summary["messages"] + summary["rejected"]


def test_latency_by_brand_has_the_promised_columns_and_counts(analyzed):
    table = pd.read_csv(analyzed / "latency_by_brand.csv")
    assert list(table.columns[: len(LATENCY_COLUMNS)]) == LATENCY_COLUMNS
    acme = table.set_index("brand").loc["AcmeHelp"]
    assert acme["customer_messages"] == 6 and acme["answered"] == 4
    # 1 h SLA: complaint 1 (30 min) and the long-id complaint (60 min) out of 5 measurable
    # (the reply-before-complaint one is excluded); unanswered ones are breaches.
    assert acme["sla_1h_share"] == pytest.approx(2 / 5)


def test_personalisation_by_brand_counts_every_agent_message(analyzed):
    table = pd.read_csv(analyzed / "personalisation_by_brand.csv")
    assert list(table.columns[: len(PERSONALISATION_COLUMNS)]) == PERSONALISATION_COLUMNS
    acme = table.set_index("brand").loc["AcmeHelp"]
    assert acme["replies"] == 5
    assert acme["signed_replies"] == 3 and acme["distinct_agents"] == 2  # ^JK twice, ^AB once


def test_rubric_by_brand_is_written(analyzed):
    table = pd.read_csv(analyzed / "rubric_by_brand.csv")
    assert "AcmeHelp" in set(table["brand"])


def test_rubric_command_adds_pred_and_proba_per_label(tmp_path):
    source = tmp_path / "replies.csv"
    pd.DataFrame(
        {
            "id": ["a", "b"],
            "reply": [
                "So sorry about the late parcel! Thanks for your patience, it arrives tomorrow.",
                "Please DM us.",
            ],
            "complaint": ["my parcel is late", "help"],
        }
    ).to_csv(source, index=False)
    out = tmp_path / "labelled.csv"
    args = ["rubric", str(source), "--text-column", "reply", "--context-column", "complaint"]
    assert cli.main([*args, "--out", str(out)]) == 0
    labelled = pd.read_csv(out)
    assert list(labelled.columns[:3]) == ["id", "reply", "complaint"]
    assert labelled.loc[0, "says_sorry_pred"] == 1 and labelled.loc[1, "says_sorry_pred"] == 0
    assert labelled.loc[1, "moves_channel_pred"] == 1
    for label in ("shows_appreciation", "shares_resolution_or_timetable", "acknowledges_specifics"):
        assert labelled[f"{label}_proba"].between(0, 1).all()


def test_rubric_command_reads_raw_export_text_and_writes_it_back_unchanged(tmp_path):
    source = tmp_path / "raw.csv"
    raw = "We&#39;re so sorry &amp; we\u2019ll fix it"
    pd.DataFrame({"text": [raw, "ok"]}).to_csv(source, index=False)
    out = tmp_path / "labelled.csv"
    assert cli.main(["rubric", str(source), "--out", str(out)]) == 0
    labelled = pd.read_csv(out)
    assert labelled.loc[0, "text"] == raw
    assert labelled["says_sorry_pred"].tolist() == [1, 0]


def test_rubric_command_names_a_missing_column(tmp_path, capsys):
    source = tmp_path / "replies.csv"
    source.write_text("reply\nhi\n")
    assert cli.main(["rubric", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_analyze_scores_each_conversation_by_its_first_and_best_reply(analyzed):
    scores = pd.read_csv(analyzed / "conversation_scores.csv", dtype={"conversation_id": str})
    assert set(scores["conversation_id"]) >= {"1"}
    assert len(pd.read_csv(analyzed / "rubric_by_agent.csv")) >= 1


def test_lesson_scorecards_show_corrected_text_lessons_and_keep_the_raw_ones(analyzed):
    corrected = pd.read_csv(analyzed / "rubric_corrected_by_brand.csv")
    lessons = ["acknowledges_specifics", "shows_appreciation", "shares_resolution_or_timetable"]
    for name in ("rubric_by_brand", "brand_scorecard"):
        scorecard = pd.read_csv(analyzed / f"{name}.csv").set_index("brand")
        for row in corrected.loc[corrected["lesson"].isin(lessons)].itertuples():
            share = f"{row.lesson}_share"
            assert scorecard.loc[row.brand, share] == pytest.approx(row.corrected_share)
            assert scorecard.loc[row.brand, f"{share}_low"] == pytest.approx(
                row.corrected_share_low
            )
            # The labeller's plain reading is kept beside it.
            assert scorecard.loc[row.brand, f"{row.lesson}_raw_share"] == pytest.approx(
                row.raw_share
            )
        # Lesson 2 combines the channel with the text: it stays as read.
        assert "responds_in_same_medium_raw_share" not in scorecard
    assert (corrected["corrected_share"] != corrected["raw_share"]).any()
