"""Comparing within one company: by agent, team, channel, priority, ticket type or product.

The fixtures are in the shapes real exports come in: the Kaggle customer support ticket export
(no creation time, no agent, four channels, ratings on closed tickets) and a Zendesk-like comment
export with groups, assignees and a satisfaction score. Each expected figure is computed here
again from the CSV with plain pandas, not read back from the suite.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import analyze, cli, settings, store, summary
from analysis.io import InputError

KAGGLE_CHANNELS = {"Email": "email", "Phone": "phone", "Social media": "social", "Chat": "chat"}


@pytest.fixture(scope="module")
def kaggle_run(tmp_path_factory) -> store.Run:
    from tests.conftest import FIXTURES

    out = tmp_path_factory.mktemp("kaggle")
    return analyze.run(FIXTURES / "kaggle_tickets.csv", settings.Settings(), out_dir=out)


@pytest.fixture(scope="module")
def zendesk_team_run(tmp_path_factory) -> store.Run:
    from tests.conftest import FIXTURES

    out = tmp_path_factory.mktemp("zendesk")
    status = cli.main(
        [
            "analyze",
            str(FIXTURES / "zendesk_tickets.csv"),
            "--format",
            "messages-csv",
            "--mapping",
            str(FIXTURES / "zendesk_tickets.yaml"),
            "--compare-by",
            "team",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    return store.Run(out)


def test_one_company_with_no_agent_compares_its_channels(kaggle_run):
    assert kaggle_run.compare_by == "channel"
    scorecard = kaggle_run.compared("scorecard")
    assert list(scorecard.columns[:1]) == ["channel"]
    assert sorted(scorecard["channel"]) == sorted(KAGGLE_CHANNELS.values())


def test_satisfaction_by_channel_equals_an_independent_computation(kaggle_run, fixtures):
    raw = pd.read_csv(fixtures / "kaggle_tickets.csv")
    raw["channel"] = raw["Ticket Channel"].map(KAGGLE_CHANNELS)
    expected = raw.groupby("channel")["Customer Satisfaction Rating"].agg(["mean", "count"])
    scorecard = kaggle_run.compared("scorecard").set_index("channel")
    for channel, row in expected.iterrows():
        assert scorecard.at[channel, "mean_satisfaction"] == pytest.approx(row["mean"])
        assert scorecard.at[channel, "rated"] == row["count"]
        low, high = (scorecard.at[channel, f"mean_satisfaction_{b}"] for b in ("low", "high"))
        assert 1 <= low <= row["mean"] <= high <= 5
    resolved = raw.assign(closed=raw["Ticket Status"] == "Closed").groupby("channel")["closed"]
    assert scorecard["resolved_share"].to_dict() == pytest.approx(resolved.mean().to_dict())


def test_no_cell_claims_zero_for_a_measure_the_export_does_not_have(kaggle_run):
    """The Kaggle export has no creation time: the wait is unknown, not failed."""
    scorecard = kaggle_run.compared("scorecard")
    for column in ("react_quickly_share", "median_first_response_seconds", "sla_24h_share"):
        assert scorecard[column].isna().all(), column
    missing = {m.column for m in summary.not_in_export(scorecard)}
    assert {"react_quickly_share", "median_first_response_seconds"} <= missing
    shown = summary.scorecard_columns(scorecard)
    assert not missing & set(shown)
    assert {"response_rate", "mean_satisfaction", "km_median_resolution_seconds"} <= set(shown)
    # Resolution is in the export: its Kaplan-Meier median is never "not in this export".
    assert "km_median_resolution_seconds" not in missing
    note = summary.not_in_export_note(scorecard)
    assert note.startswith("Not in this export") and "median first response" in note
    # The headline says the waits are unknown, not that no channel answers half its messages.
    from analysis import latency

    lines = latency.findings(kaggle_run.compared("latency"))
    assert lines[0].startswith("First-response times are not in this export")


def test_open_and_pending_tickets_are_not_yet_resolved_not_dropped(kaggle_run, fixtures):
    raw = pd.read_csv(fixtures / "kaggle_tickets.csv")
    outcomes = kaggle_run.compared("helpdesk")
    assert outcomes["tickets"].sum() == len(raw)
    closed = int((raw["Ticket Status"] == "Closed").sum())
    assert int((outcomes["resolved_share"] * outcomes["tickets"]).round().sum()) == closed


def test_a_named_team_is_compared_and_its_satisfaction_matches_the_export(
    zendesk_team_run, fixtures
):
    raw = pd.read_csv(fixtures / "zendesk_tickets.csv")
    assert zendesk_team_run.compare_by == "team"
    scorecard = zendesk_team_run.compared("scorecard").set_index("team")
    # A ticket's group and rating are the ticket's: one rating per ticket, on any comment.
    tickets = raw.groupby("Ticket ID").agg(
        team=("Group", "first"), rating=("Satisfaction Score", "max")
    )
    expected = tickets.dropna(subset=["team"]).groupby("team")["rating"].mean()
    assert sorted(scorecard.index) == sorted(expected.index)
    for team, mean in expected.items():
        if math.isnan(mean):
            assert math.isnan(scorecard.at[team, "mean_satisfaction"])
        else:
            assert scorecard.at[team, "mean_satisfaction"] == pytest.approx(mean)
    # A message export records no resolution: unknown, not 0% resolved.
    assert scorecard["resolved_share"].isna().all()
    customers = raw[raw["Author Type"] == "end-user"].dropna(subset=["Group"])
    messages = customers.groupby("Group").size()
    assert scorecard["customer_messages"].to_dict() == messages.to_dict()


def test_auto_compares_the_agents_of_one_company(tmp_path, fixtures):
    run = analyze.run(
        fixtures / "zendesk_tickets.csv",
        settings.from_values(
            data_format="messages-csv",
            data_mapping=_mapping(fixtures / "zendesk_tickets.yaml"),
        ),
        out_dir=tmp_path,
    )
    assert run.compare_by == "agent"
    assert run.compared("scorecard").columns[0] == "agent"
    assert run.figure_brands  # the figures draw agents, largest first
    assert set(run.figure_brands) <= set(run.compared("latency")["agent"])


def test_several_brands_are_compared_as_brands(demo_tables):
    result = analyze.run_all(demo_tables)
    assert result.compare_by == "brand"
    assert "channel_scorecard" not in result.scorecards


def test_a_grouping_the_export_lacks_is_one_line_naming_what_it_has(tmp_path, fixtures):
    with pytest.raises(InputError, match=r"compare_by: 'team' is not in this export \(it has: "):
        analyze.run(
            fixtures / "kaggle_tickets.csv",
            settings.from_values(compare_by="team"),
            out_dir=tmp_path,
        )
    with pytest.raises(settings.SettingsError, match="compare_by: expected auto or one of"):
        settings.from_values(compare_by="colour")


def _mapping(path) -> dict[str, str]:
    import yaml

    return yaml.safe_load(path.read_text())


@pytest.mark.notebooks
def test_the_helpdesk_report_compares_channels_with_no_warning_or_masked_prose(tmp_path, fixtures):
    """The issue's report: a Kaggle-shaped export whose customers include a Wilson."""
    import csv
    import re

    import nbformat

    from analysis import report

    rows = list(csv.DictReader((fixtures / "kaggle_tickets.csv").open(encoding="utf-8")))
    for row in rows[::3]:
        row["Customer Name"] = "Wilson"
    data = tmp_path / "customer_support_tickets.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "report"
    report.build_report(out, data_path=data, progress=False)
    for page in sorted(out.glob("0*.ipynb")):
        executed = nbformat.read(page, as_version=4)
        outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.get("name") == "stderr"], f"{page.name}: a warning"
        assert not [o for o in outputs if o.output_type == "error"], page.name
        html = page.with_suffix(".html").read_text(encoding="utf-8")
        assert "[name] interval" not in html, page.name
    summary_page = (out / "05_summary.html").read_text(encoding="utf-8")
    assert "Wilson intervals for shares" in summary_page  # the page's own words, kept
    assert re.search(r"to 4 channels", summary_page)
    assert "Not in this export" in summary_page
    assert "0% (0–0%)" not in summary_page


@pytest.mark.notebooks
def test_every_page_renders_an_export_compared_by_agent(tmp_path, fixtures):
    """Page 03's headlines once ranked agents by a brand column the agent table lacks."""
    import nbformat

    from analysis import report

    out = tmp_path / "report"
    report.build_report(
        out,
        data_path=fixtures / "zendesk_tickets.csv",
        settings=settings.from_values(
            data_format="messages-csv",
            data_mapping=_mapping(fixtures / "zendesk_tickets.yaml"),
            compare_by="agent",
            min_messages_per_brand=1,  # the fixture's agents have 35 replies between them
        ),
        progress=False,
    )
    pages = sorted(out.glob("0*.ipynb"))
    assert len(pages) == 6
    for page in pages:
        executed = nbformat.read(page, as_version=4)
        outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], page.name
        assert not [o for o in outputs if o.get("name") == "stderr"], f"{page.name}: a warning"
    assert "by agent from" in (out / "03_personalisation.html").read_text(encoding="utf-8")
