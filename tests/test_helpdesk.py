"""Helpdesk tickets by group: figures against an independent computation, censoring of open and
pending tickets, missing measures as NaN with a reason, satisfaction against the wait, figures."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis import helpdesk
from analysis.plots import helpdesk as helpdesk_plots

T0 = pd.Timestamp("2024-03-01 09:00", tz="UTC")
HOUR = pd.Timedelta(hours=1)


def _ticket(
    ticket_id: str,
    channel: str | None,
    *,
    response_hours: float | None,
    resolution_hours: float | None,
    status: str = "Closed",
    satisfaction: float | None = None,
    created_hours: float = 0.0,
) -> dict:
    created = T0 + created_hours * HOUR
    return {
        "ticket_id": ticket_id,
        "created_at": created,
        "first_response_at": created + response_hours * HOUR
        if response_hours is not None
        else pd.NaT,
        "resolved_at": created + resolution_hours * HOUR
        if resolution_hours is not None
        else pd.NaT,
        "status": status,
        "priority": "High",
        "channel": channel,
        "agent_id": "agent.a",
        "satisfaction": np.nan if satisfaction is None else satisfaction,
        "product": "Router",
        "ticket_type": "Technical issue",
        "brand": "acme",
    }


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("created_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@pytest.fixture
def tickets() -> pd.DataFrame:
    """Email: six closed and rated, one pending, one open; chat: three closed; one with no channel."""
    rows = [
        _ticket("e1", "email", response_hours=0.5, resolution_hours=2, satisfaction=5),
        _ticket("e2", "email", response_hours=1.0, resolution_hours=5, satisfaction=4),
        _ticket("e3", "email", response_hours=2.0, resolution_hours=9, satisfaction=2),
        _ticket("e4", "email", response_hours=3.0, resolution_hours=12, satisfaction=3),
        _ticket("e5", "email", response_hours=0.25, resolution_hours=1, satisfaction=5),
        _ticket("e6", "email", response_hours=6.0, resolution_hours=30, satisfaction=1),
        _ticket(
            "e7",
            "email",
            response_hours=1.5,
            resolution_hours=None,
            status="Pending Customer Response",
        ),
        _ticket("e8", "email", response_hours=None, resolution_hours=None, status="Open"),
        _ticket("c1", "chat", response_hours=0.1, resolution_hours=0.5, satisfaction=4),
        _ticket("c2", "chat", response_hours=0.2, resolution_hours=1.5, satisfaction=5),
        _ticket("c3", "chat", response_hours=0.3, resolution_hours=3.0),
        _ticket("u1", None, response_hours=1.0, resolution_hours=4.0, satisfaction=3),
    ]
    return _frame(rows)


def test_by_group_matches_plain_pandas(tickets):
    table = helpdesk.by_group(tickets, "channel").set_index("channel")
    assert list(table.index) == ["email", "chat", "unknown"]  # largest first, null -> unknown

    hours = {
        "first": (tickets["first_response_at"] - tickets["created_at"]).dt.total_seconds(),
        "resolution": (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds(),
    }
    for channel, rows in tickets.groupby(tickets["channel"].fillna("unknown")):
        got = table.loc[channel]
        closed = rows["status"] == "Closed"
        assert got["tickets"] == len(rows)
        assert got["resolved"] == closed.sum()
        assert got["not_yet_resolved"] == (~closed).sum()
        assert got["resolved_share"] == pytest.approx(closed.mean())
        wilson = proportion_confint(closed.sum(), len(rows), alpha=0.05, method="wilson")
        assert (got["resolved_share_low"], got["resolved_share_high"]) == pytest.approx(wilson)

        first = hours["first"][rows.index].dropna()
        assert got["median_first_response_seconds"] == pytest.approx(first.median())
        resolution = hours["resolution"][rows.index][closed].dropna()
        assert got["median_resolution_seconds"] == pytest.approx(resolution.median())

        rated = rows["satisfaction"].dropna()
        assert got["rated"] == len(rated)
        assert got["mean_satisfaction"] == pytest.approx(rated.mean())
        assert got["satisfied_share"] == pytest.approx((rated >= 4).mean())
        if len(rated) >= 2:
            low, high = stats.t.interval(0.95, len(rated) - 1, rated.mean(), stats.sem(rated))
            assert got["mean_satisfaction_low"] == pytest.approx(low)
            assert got["mean_satisfaction_high"] == pytest.approx(high)
        else:  # one rating has no spread: an interval cannot be given
            assert np.isnan(got["mean_satisfaction_low"])

    # The order-statistic interval of the median, against scipy's exact quantile test.
    email_first = hours["first"][tickets["channel"] == "email"].dropna()
    expected = stats.quantile_test(email_first, q=email_first.median()).confidence_interval(0.95)
    assert table.loc["email", "median_first_response_low_seconds"] == expected.low
    assert table.loc["email", "median_first_response_high_seconds"] == expected.high


def test_open_and_pending_tickets_are_censored_not_dropped():
    """Three resolved at 1, 2 and 3 h, three still open after 100 h: half are resolved by 3 h
    (Kaplan-Meier), while the resolved-only median, 2 h, pretends the open ones do not exist."""
    rows = [
        _ticket(f"r{h}", "email", response_hours=0.1, resolution_hours=h, satisfaction=4)
        for h in (1, 2, 3)
    ]
    rows += [
        _ticket(f"o{i}", "email", response_hours=0.1, resolution_hours=None, status=status)
        for i, status in enumerate(("Open", "Pending Customer Response", "Open"))
    ]
    frame = _frame(rows)
    data_end = T0 + 100 * HOUR
    times = helpdesk.ticket_times(frame, data_end=data_end)
    still_open = ~times["resolved"]
    assert still_open.sum() == 3
    assert (times.loc[still_open, "resolution_observed_seconds"] == 100 * 3600).all()
    assert not times.loc[still_open, "resolution_event"].any()

    row = helpdesk.by_group(frame, "channel", data_end=data_end).iloc[0]
    assert row["tickets"] == row["resolved"] + row["not_yet_resolved"] == 6
    assert row["median_resolution_seconds"] == 2 * 3600
    assert row["km_median_resolution_seconds"] == 3 * 3600


def test_reopened_ticket_with_an_old_resolution_time_counts_as_not_yet_resolved():
    frame = _frame(
        [
            _ticket("a", "email", response_hours=1, resolution_hours=2),
            _ticket("b", "email", response_hours=1, resolution_hours=2, status="Open"),
        ]
    )
    times = helpdesk.ticket_times(frame, data_end=T0 + 10 * HOUR)
    assert times["resolved"].tolist() == [True, False]
    assert times["resolution_observed_seconds"].tolist() == [2 * 3600, 10 * 3600]


def test_resolution_before_start_is_a_counted_defect(tickets):
    broken = tickets.copy()
    broken.loc[0, "resolved_at"] = broken.loc[0, "created_at"] - HOUR
    times = helpdesk.ticket_times(broken)
    assert times.loc[0, "resolution_defect"] == "resolved_before_created"
    assert np.isnan(times.loc[0, "resolution_seconds"])
    assert np.isnan(times.loc[0, "resolution_observed_seconds"])
    email = helpdesk.by_group(broken, "channel").set_index("channel").loc["email"]
    assert email["resolution_defect_count"] == 1
    assert email["tickets"] == 8 and email["resolved"] == 6  # still counted as a ticket


def test_no_creation_time_gives_nan_and_a_reason_never_zero(tickets):
    kaggle = tickets.assign(created_at=pd.NaT)
    times = helpdesk.ticket_times(kaggle)
    assert times["first_response_seconds"].isna().all()
    started = times["first_response_at"].notna()
    assert (times.loc[started, "resolution_from"] == "first_response").all()
    e1 = times.set_index("ticket_id").loc["e1"]
    assert e1["resolution_seconds"] == 1.5 * 3600  # 0.5 h to answer, resolved at 2 h

    table = helpdesk.by_group(kaggle, "channel")
    assert table["median_first_response_seconds"].isna().all()
    assert table["median_first_response_low_seconds"].isna().all()
    assert (table["first_response_measured"] == 0).all()
    assert table["mean_satisfaction"].notna().all()

    reasons = helpdesk.missing_measures(kaggle)
    assert reasons["first response time"] == "this export has no ticket-creation time"
    assert "satisfaction" not in reasons
    # The open ticket has neither time: counted as not yet resolved, out of the curves, said so.
    assert reasons["resolution time of tickets with no start"].startswith("1 ticket has")
    assert table.attrs["missing"] == reasons
    assert helpdesk.missing_measures(tickets) == {}


def test_no_rating_at_all_is_missing_not_zero(tickets):
    unrated = tickets.assign(satisfaction=np.nan)
    table = helpdesk.by_group(unrated, "channel")
    assert (table["rated"] == 0).all()
    assert table["mean_satisfaction"].isna().all()
    assert table["satisfied_share"].isna().all()
    reasons = helpdesk.missing_measures(unrated)
    assert reasons["satisfaction"] == "no ticket has a satisfaction rating"


def test_unknown_grouping_column_says_what_exists(tickets):
    with pytest.raises(ValueError, match="cannot group tickets by 'team'"):
        helpdesk.by_group(tickets, "team")


def _planted_waits(seed: int = 7) -> pd.DataFrame:
    """Ratings planted to fall by one point per band, with noise, in two teams."""
    rng = np.random.default_rng(seed)
    centres = {1800: 4.6, 2 * 3600: 3.8, 10 * 3600: 3.0, 2 * 86_400: 2.2, 5 * 86_400: 1.4}
    waits = np.repeat(list(centres), 40)
    ratings = np.clip(np.repeat(list(centres.values()), 40) + rng.normal(0, 0.4, waits.size), 1, 5)
    return pd.DataFrame(
        {
            "wait_seconds": waits * rng.uniform(0.9, 1.1, waits.size),
            "satisfaction": ratings,
            "team": np.tile(["north", "south"], waits.size // 2),
        }
    )


def test_satisfaction_falls_with_the_wait_on_a_planted_table():
    frame = _planted_waits()
    table = helpdesk.satisfaction_by_wait(frame, "wait_seconds")
    assert table["wait_band"].tolist() == [
        "under 1 h",
        "1–4 h",
        "4–24 h",
        "1–3 days",
        "3 days or more",
    ]
    assert (table["rated"] == 40).all()
    assert table["mean_satisfaction"].is_monotonic_decreasing
    # Neighbouring bands' intervals do not overlap: the fall is beyond the noise.
    assert (
        table["mean_satisfaction_low"].iloc[:-1].to_numpy()
        > table["mean_satisfaction_high"].iloc[1:].to_numpy()
    ).all()
    band = frame["wait_seconds"] < 3600
    low, high = stats.t.interval(
        0.95,
        band.sum() - 1,
        frame.loc[band, "satisfaction"].mean(),
        stats.sem(frame.loc[band, "satisfaction"]),
    )
    assert (
        table.loc[0, "mean_satisfaction_low"],
        table.loc[0, "mean_satisfaction_high"],
    ) == pytest.approx((low, high))

    grouped = helpdesk.satisfaction_by_wait(frame, "wait_seconds", by="team")
    assert len(grouped) == 10 and set(grouped["team"]) == {"north", "south"}
    for _, rows in grouped.groupby("team"):
        assert rows["mean_satisfaction"].is_monotonic_decreasing


def test_satisfaction_by_wait_reads_ticket_times_and_leaves_empty_bands_missing(tickets):
    times = helpdesk.ticket_times(tickets)
    table = helpdesk.satisfaction_by_wait(times, "first_response_seconds").set_index("wait_band")
    assert table.loc["under 1 h", "rated"] == 4  # e1, e5, c1, c2 answered within the hour, rated
    assert table.loc["under 1 h", "mean_satisfaction"] == pytest.approx((5 + 5 + 4 + 5) / 4)
    assert table.loc["3 days or more", "rated"] == 0
    assert np.isnan(table.loc["3 days or more", "mean_satisfaction"])


def test_pooling_groups_equals_computing_on_their_pooled_rows():
    frame = _planted_waits().assign(team=lambda f: np.resize(["a", "b", "c", "d"], len(f)))
    table = helpdesk.satisfaction_by_wait(frame, "wait_seconds", by="team")
    pooled = helpdesk.pool_groups(table, "team", ["a"], "the rest")
    rest = pooled[pooled["team"] == "the rest"].reset_index(drop=True)
    direct = helpdesk.satisfaction_by_wait(frame[frame["team"] != "a"], "wait_seconds")
    for column in ("rated", "mean_satisfaction", "mean_satisfaction_low", "std_satisfaction"):
        assert rest[column].to_numpy() == pytest.approx(direct[column].to_numpy())


def test_wait_band_labels_use_the_largest_whole_unit():
    assert helpdesk.wait_band_labels((0, 1800, 3600, 86_400, np.inf)) == [
        "under 30 min",
        "30–60 min",
        "1–24 h",
        "1 day or more",
    ]


def _many_groups(count: int) -> pd.DataFrame:
    rng = np.random.default_rng(count)
    n = 12 * count
    created = T0 + pd.to_timedelta(rng.uniform(0, 500, n), unit="h")
    response = pd.to_timedelta(rng.exponential(3, n), unit="h")
    resolution = response + pd.to_timedelta(rng.exponential(30, n), unit="h")
    status = rng.choice(["Closed", "Open", "Pending Customer Response"], n, p=[0.6, 0.2, 0.2])
    closed = status == "Closed"
    return pd.DataFrame(
        {
            "ticket_id": [f"t{i}" for i in range(n)],
            "created_at": created,
            "first_response_at": (created + response).where(status != "Open"),
            "resolved_at": (created + resolution).where(closed),
            "status": status,
            "agent_id": [f"agent {i % count}" for i in range(n)],
            "satisfaction": np.where(closed, rng.integers(1, 6, n), np.nan),
        }
    )


def _draw(fig) -> None:
    fig.savefig(io.BytesIO(), format="png")  # layout and text are only laid out when drawn


@pytest.mark.parametrize("count", [3, 100])
def test_figures_draw_without_warnings(count):
    frame = _many_groups(count)
    times = helpdesk.ticket_times(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wait_table = helpdesk.satisfaction_by_wait(times, "first_response_seconds", by="agent_id")
        by_wait = helpdesk_plots.satisfaction_vs_wait(wait_table, wait_label="First response")
        pooled = helpdesk_plots.satisfaction_vs_wait(
            helpdesk.satisfaction_by_wait(times, "resolution_seconds")
        )
        curves = helpdesk_plots.resolution_curves(times, "agent_id")
        bars = helpdesk_plots.satisfaction_by_group(
            helpdesk.by_group(frame, "agent_id"), "agent_id"
        )
        for fig in (by_wait, pooled, curves, bars):
            _draw(fig)

    drawn = min(count, 10) + (count > 10)  # the rest pooled into one series
    assert len(by_wait.legends[0].get_texts()) == drawn
    assert len(curves.legends[0].get_texts()) == drawn
    last_series = curves.legends[0].get_texts()[-1].get_text()
    assert last_series.startswith("all other groups") == (count > 10)
    assert "Time since" in curves.axes[0].get_xlabel() and curves.axes[0].get_xscale() == "log"
    assert "1 day" in {tick.get_text() for tick in curves.axes[0].get_xticklabels()}
    assert by_wait.axes[0].get_ylabel() and by_wait.axes[0].get_title()
    assert len(bars.axes[0].get_yticklabels()) == count
    assert bars.get_size_inches()[1] > 0.2 * count


def test_satisfaction_by_group_height_grows_with_groups():
    small = helpdesk.by_group(_many_groups(3), "agent_id")
    large = helpdesk.by_group(_many_groups(100), "agent_id")
    heights = [
        helpdesk_plots.satisfaction_by_group(t, "agent_id").get_size_inches()[1]
        for t in (small, large)
    ]
    assert heights[1] > 5 * heights[0]


def test_numeric_group_ids_with_gaps_group_as_unknown(tickets):
    numbered = tickets.assign(agent_id=[7, 7, 7, 3, 3, np.nan, 7, 3, 3, 7, np.nan, 7])
    table = helpdesk.by_group(numbered, "agent_id")
    assert table["agent_id"].tolist() == [7, 3, "unknown"]
    assert table["tickets"].tolist() == [6, 4, 2]
