"""Weekly trends per brand on a hand-written two-week table whose answers are worked out below."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import scorecard, trends
from analysis.plots import trends as trend_plots

END = pd.Timestamp("2020-03-20", tz="UTC")


def _rows(brand, created, seconds, *, message_id=None, react=None, specifics=None):
    """One exchange per latency in `seconds` (None: unanswered), all written at `created`."""
    records = []
    for i, wait in enumerate(seconds):
        records.append(
            {
                "message_id": message_id or f"{brand}-{created}-{i}",
                "brand": brand,
                "channel": "twitter",
                "created_at": pd.Timestamp(created, tz="UTC") if created else pd.NaT,
                "answered": wait is not None,
                "first_response_seconds": np.nan if wait is None else float(wait),
                "latency_excluded_reason": None,
                "observed_until": END,
                "react_quickly": None if react is None else react[i],
                "acknowledges_specifics": None if specifics is None else specifics[i],
            }
        )
    return records


def _two_weeks() -> pd.DataFrame:
    rows = [
        # ISO week 10 (Mon 2 March 2020): A has 4 messages, 3 answered (1, 2, 10 min), and one
        # written Sunday 23:59 UTC, still week 10.
        *_rows(
            "A",
            "2020-03-02 09:00",
            [60, 120, 600],
            react=[True, True, True],
            specifics=[True, False, None],
        ),
        *_rows("A", "2020-03-08 23:59", [None], react=[False], specifics=[None]),
        # The same customer message counts for A and for B (a conversation both brands join).
        *_rows("B", "2020-03-03 10:00", [3600], message_id="shared", react=[True]),
        *_rows("A", "2020-03-03 10:00", [7200], message_id="shared", react=[True]),
        # Week 11: B answers 10 messages in 1..10 minutes.
        *_rows("B", "2020-03-09 08:00", [60 * k for k in range(1, 11)], react=[True] * 10),
        # No time: in no week.
        *_rows("B", None, [60]),
    ]
    frame = pd.DataFrame(rows)
    for lesson in ("react_quickly", "acknowledges_specifics"):
        frame[lesson] = frame[lesson].astype("boolean")
    return frame


def test_weekly_by_brand_counts_rates_and_medians_per_iso_week():
    table = trends.weekly_by_brand(_two_weeks(), sla_hours=(1, 24))
    keyed = table.set_index(["iso_week", "brand"])
    assert keyed.index.tolist() == [("2020-W10", "A"), ("2020-W10", "B"), ("2020-W11", "B")]
    assert table["week_start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-03-02",
        "2020-03-02",
        "2020-03-09",
    ]
    a = keyed.loc[("2020-W10", "A")]
    # 5 messages (4 + the shared one), 4 answered: 1, 2, 10 min and 2 h; median 6 min.
    assert a["customer_messages"] == 5
    assert a["answered"] == 4
    assert a["response_rate"] == pytest.approx(0.8)
    assert a["median_first_response_seconds"] == pytest.approx(360)
    assert (a["response_rate_low"], a["response_rate_high"]) == pytest.approx(
        tuple(float(v) for v in scorecard.wilson_interval(4, 5))
    )
    # Within 1 h: 3 of 5 (the unanswered one is a breach).
    assert a["sla_1h_share"] == pytest.approx(0.6)
    b = keyed.loc[("2020-W11", "B")]
    # Ten answers 1..10 min: median 5.5 min; the exact 95% interval is [X(2), X(9)] for n = 10.
    assert b["median_first_response_seconds"] == pytest.approx(330)
    assert b["median_first_response_low_seconds"] == 120
    assert b["median_first_response_high_seconds"] == 540
    assert b["response_rate"] == 1.0 and b["response_rate_high"] == 1.0


def test_weekly_lesson_shares_have_wilson_intervals_and_skip_unreadable_replies():
    keyed = trends.weekly_by_brand(_two_weeks()).set_index(["iso_week", "brand"])
    a = keyed.loc[("2020-W10", "A")]
    # react quickly: 4 of 5; acknowledges specifics: 1 of 2 readable (NA left out).
    assert a["react_quickly_share"] == pytest.approx(0.8)
    assert a["acknowledges_specifics_share"] == pytest.approx(0.5)
    low, high = scorecard.wilson_interval(1, 2)
    assert a["acknowledges_specifics_share_low"] == pytest.approx(float(low))
    assert a["acknowledges_specifics_share_high"] == pytest.approx(float(high))
    assert "shows_appreciation_share" not in keyed  # lessons the table does not hold
    assert keyed.loc[("2020-W11", "B"), "react_quickly_share_low"] < 1.0


def test_weeks_start_on_monday_in_the_given_time_zone():
    # Monday 2 March 02:00 UTC is Sunday 1 March 21:00 in New York: the week of 24 February.
    frame = pd.DataFrame(_rows("A", "2020-03-02 02:00", [60]))
    utc = trends.weekly_by_brand(frame)
    local = trends.weekly_by_brand(frame, timezone="America/New_York")
    assert utc["iso_week"].tolist() == ["2020-W10"]
    assert local["iso_week"].tolist() == ["2020-W09"]
    assert str(local["week_start"].iloc[0]) == "2020-02-24 00:00:00-05:00"


def test_an_empty_table_has_the_columns_and_the_figure_says_so():
    table = trends.weekly_by_brand(_two_weeks().iloc[0:0])
    assert table.empty and {"week_start", "brand", "response_rate"} <= set(table.columns)
    fig = trend_plots.weekly(table)
    assert fig.axes[0].get_title()
    assert any("No customer message" in t.get_text() for t in fig.axes[0].texts)


def test_weekly_figure_draws_one_panel_per_measure_and_the_largest_brands():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = trend_plots.weekly(trends.weekly_by_brand(_two_weeks()), max_brands=1, min_messages=1)
        fig.savefig(io.BytesIO(), format="png")
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.axison]
    titles = [ax.get_title() for ax in panels]
    assert titles == [
        "Response rate",
        "Median first response (log scale)",
        "1. React quickly",
        "3. Acknowledge specifics",
    ]
    assert panels[1].get_yscale() == "log"
    # B has 11 customer messages with a time, A 5: only B is drawn.
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["B"]
    assert "+1 more brand in the table" in fig.get_supxlabel()
