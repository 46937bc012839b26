"""Response latency on small hand-written tables whose answers are worked out in the comments."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from analysis import latency
from analysis.business_hours import BusinessHours, business_seconds_between, parse_weekdays
from analysis.plots import latency as latency_plots

HOUR = 3600.0
Z95 = 1.959963984540054
END_OF_DATA = "2018-01-31 00:00"


def utc(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def nullable(values: pd.Series) -> list:
    """Values with every kind of null (None, NaN, pd.NA) as None, for comparing string columns."""
    return [None if pd.isna(value) else value for value in values]


def exchanges(rows: list[dict]) -> pd.DataFrame:
    """An exchanges table in the canonical shape; first_response_seconds from the two times
    unless a row gives it (the threading stage's job, written out here for hand-made rows)."""
    records = []
    for number, row in enumerate(rows):
        created, reply = utc(row.get("created_at")), utc(row.get("reply_at"))
        answered = row.get("answered", reply is not pd.NaT)
        seconds = (reply - created).total_seconds() if answered and reply is not pd.NaT else None
        reason = row.get("reason")
        if seconds is not None and seconds < 0:
            seconds, reason = None, "reply_before_complaint"
        records.append(
            {
                "message_id": row.get("message_id", f"m{number}"),
                "conversation_id": row.get("conversation_id", f"c{number}"),
                "brand": row.get("brand", "Acme"),
                "channel": row.get("channel", "twitter"),
                "created_at": created,
                "reply_at": reply,
                "reply_agent_id": row.get("agent"),
                "reply_count": row.get("reply_count", int(answered)),
                "answered": answered,
                "first_response_seconds": row.get("first_response_seconds", seconds),
                "latency_excluded_reason": reason,
                "observed_until": utc(row.get("observed_until", END_OF_DATA)),
            }
        )
    frame = pd.DataFrame(records)
    frame["first_response_seconds"] = frame["first_response_seconds"].astype(float)
    return frame


# --- Business hours ------------------------------------------------------------------------------


def test_reply_across_weekend_and_holiday_counts_only_open_hours():
    # Friday 2017-12-22 16:00 UTC to Tuesday 2017-12-26 10:00 UTC, open Mon-Fri 09:00-17:00 UTC,
    # US holidays closed: Friday 16:00-17:00 = 1 h; Saturday and Sunday closed; Monday 25
    # December is Christmas Day, closed; Tuesday 09:00-10:00 = 1 h. Total 2 h = 7200 s, against
    # 3 days 18 h = 90 h of calendar time. Without the holiday Monday adds 8 h: 10 h = 36000 s.
    table = exchanges([{"created_at": "2017-12-22 16:00", "reply_at": "2017-12-26 10:00"}])
    with_holidays = latency.add_business_first_response(
        table, BusinessHours(days="Mon-Fri", start="09:00", end="17:00", holiday_country="US")
    )
    assert with_holidays["first_response_seconds"].iat[0] == 90 * HOUR
    assert with_holidays["business_first_response_seconds"].iat[0] == 2 * HOUR
    default = latency.add_business_first_response(table)  # Mon-Fri 09:00-17:00 UTC, no holidays
    assert default["business_first_response_seconds"].iat[0] == 10 * HOUR
    assert "business_first_response_seconds" not in table  # a copy, the input is untouched


def test_business_seconds_in_new_york_across_the_autumn_clock_change():
    # New York leaves daylight saving on Sunday 2017-11-05 (UTC-4 before, UTC-5 after).
    # 1) Fri 2017-11-03 20:00 UTC = 16:00 EDT to Mon 2017-11-06 15:00 UTC = 10:00 EST:
    #    Friday 16:00-17:00 + Monday 09:00-10:00 = 2 h. (Reading the schedule in UTC would give
    #    6 h; keeping the summer offset would put Monday at 11:00 and give 3 h.)
    # 2) Tue 2017-11-07 03:00 UTC is still Monday 22:00 in New York, after closing; the reply at
    #    Tue 14:30 UTC = 09:30 EST: 30 min.
    table = exchanges(
        [
            {"created_at": "2017-11-03 20:00", "reply_at": "2017-11-06 15:00"},
            {"created_at": "2017-11-07 03:00", "reply_at": "2017-11-07 14:30"},
        ]
    )
    schedule = BusinessHours(timezone="America/New_York")
    business = latency.add_business_first_response(table, schedule)
    assert business["business_first_response_seconds"].tolist() == [2 * HOUR, 0.5 * HOUR]


def test_a_spring_forward_day_is_23_business_hours_when_open_all_day():
    # Open every day around the clock in New York. Sunday 2017-03-12 lasts 23 h: the clocks skip
    # 02:00-03:00. From Sat 12:00 EST (17:00 UTC) to Mon 2017-03-13 12:00 EDT (16:00 UTC):
    # 12 h of Saturday + 23 h of Sunday + 12 h of Monday = 47 h, equal to the elapsed time.
    schedule = BusinessHours(
        days="Mon-Sun", start="00:00", end="24:00", timezone="America/New_York"
    )
    seconds = business_seconds_between(
        pd.Series([utc("2017-03-11 17:00")]), pd.Series([utc("2017-03-13 16:00")]), schedule
    )
    assert seconds.tolist() == [47 * HOUR]


def test_business_time_is_null_where_latency_is_null():
    table = exchanges(
        [
            {"created_at": "2017-12-22 10:00"},  # never answered
            {"created_at": "2017-12-22 10:00", "reply_at": "2017-12-22 09:00"},  # reply first
            {"created_at": "2017-12-22 10:00", "reply_at": "2017-12-22 10:30"},
        ]
    )
    business = latency.add_business_first_response(table)["business_first_response_seconds"]
    assert business.isna().tolist() == [True, True, False]
    assert business.iat[2] == 1800


def test_weekday_ranges_wrap_the_week_and_bad_settings_say_what_to_do():
    assert parse_weekdays("Sun-Thu") == (0, 1, 2, 3, 6)
    assert parse_weekdays("mon,wed, Fri") == (0, 2, 4)
    with pytest.raises(ValueError, match="time zone"):
        BusinessHours(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="not before end"):
        BusinessHours(start="18:00", end="09:00")
    with pytest.raises(ValueError, match="holidays package"):
        BusinessHours(holiday_country="XX")


def _reference_business_seconds(start: datetime, end: datetime, schedule: BusinessHours) -> float:
    """A slow day-by-day walk with zoneinfo, independent of the vectorised day table."""
    zone = ZoneInfo(schedule.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    closed = schedule.holiday_dates(day, last)
    total = 0.0
    while day <= last:
        if day.weekday() in schedule.weekdays and day not in closed:
            midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
            opens = midnight + schedule.start_offset.to_pytimedelta()
            closes = midnight + schedule.end_offset.to_pytimedelta()
            # Wall-clock arithmetic above; normalise through UTC for elapsed time.
            opens = datetime.fromtimestamp(opens.timestamp(), tz=ZoneInfo("UTC"))
            closes = datetime.fromtimestamp(closes.timestamp(), tz=ZoneInfo("UTC"))
            overlap = (min(end, closes) - max(start, opens)).total_seconds()
            total += max(overlap, 0.0)
        day += timedelta(days=1)
    return total


schedules = st.builds(
    BusinessHours,
    days=st.sampled_from(["Mon-Fri", "Sun-Thu", "Mon-Sun", "Sat", "Tue,Thu"]),
    # Opening from 04:00 keeps clear of daylight-saving gaps, where the reference walk and pandas
    # legitimately read a nonexistent wall time differently.
    start=st.sampled_from(["04:00", "08:30", "09:00", "12:15"]),
    end=st.sampled_from(["17:00", "20:45", "24:00"]),
    timezone=st.sampled_from(["UTC", "America/New_York", "Europe/London", "Asia/Kolkata"]),
    holiday_country=st.sampled_from([None, "US", "GB"]),
)
instants = st.integers(
    min_value=int(pd.Timestamp("2016-12-20", tz="UTC").timestamp()),
    max_value=int(pd.Timestamp("2018-12-20", tz="UTC").timestamp()),
)


@settings(max_examples=150, deadline=None)
@given(
    schedule=schedules,
    starts=st.lists(instants, min_size=1, max_size=8),
    waits=st.lists(st.integers(min_value=0, max_value=25 * 86_400), min_size=8, max_size=8),
)
def test_business_seconds_are_never_negative_nor_more_than_calendar_seconds(
    schedule, starts, waits
):
    start = pd.Series(pd.to_datetime(starts, unit="s", utc=True))
    end = start + pd.to_timedelta(waits[: len(starts)], unit="s")
    business = business_seconds_between(start, end, schedule)
    calendar = (end - start).dt.total_seconds().to_numpy()
    assert (business >= 0).all()
    assert (business <= calendar).all()
    expected = [
        _reference_business_seconds(a.to_pydatetime(), b.to_pydatetime(), schedule)
        for a, b in zip(start, end, strict=True)
    ]
    assert business.tolist() == pytest.approx(expected)


# --- Response rate, SLA, censoring ---------------------------------------------------------------


def test_unanswered_message_counts_in_response_rate_breaches_sla_and_is_censored():
    # Three messages to Acme: answered in 30 min, in 2 h, and never (written 2018-01-30 00:00,
    # observed until 2018-01-31 00:00: censored after 24 h = 86400 s).
    table = exchanges(
        [
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:30"},
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 12:00"},
            {"created_at": "2018-01-30 00:00"},
        ]
    )
    row = latency.by_brand(table).iloc[0]
    assert (row["customer_messages"], row["answered"]) == (3, 2)
    assert row["response_rate"] == pytest.approx(2 / 3)
    assert row["sla_1h_share"] == pytest.approx(1 / 3)  # the unanswered one is a breach
    assert row["sla_24h_share"] == pytest.approx(2 / 3)
    assert row["median_first_response_seconds"] == pytest.approx(4500)  # of 1800 and 7200

    curve = latency.survival_by_brand(table)
    assert curve["event_count"].sum() == 2
    censored = curve.loc[curve["censored_count"] > 0]
    assert censored["time_seconds"].tolist() == [86_400.0]
    # KM: 1 - 1/3 after 30 min, 1/3 after 2 h, then the censored one leaves: 1/3 still waiting.
    assert curve["survival"].tolist() == pytest.approx([1, 2 / 3, 1 / 3, 1 / 3])
    assert row["km_median_first_response_seconds"] == 7200
    assert row["km_within_24h_share"] == pytest.approx(2 / 3)


def test_reply_before_its_complaint_is_excluded_from_latency_but_still_counted():
    table = exchanges(
        [
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 09:00"},  # reply first
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:20"},
        ]
    )
    assert nullable(table["latency_excluded_reason"]) == ["reply_before_complaint", None]
    row = latency.by_brand(table).iloc[0]
    assert (row["customer_messages"], row["answered"], row["response_rate"]) == (2, 2, 1.0)
    assert row["latency_excluded_count"] == 1
    assert row["median_first_response_seconds"] == 1200  # only the measurable one
    assert row["sla_1h_share"] == 1.0  # out of 1 measurable message, not 2
    assert latency.survival_by_brand(table)["at_risk_count"].iat[0] == 1


def test_a_negative_latency_in_a_hand_made_table_is_treated_as_excluded():
    table = exchanges(
        [
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:20"},
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:20"},
        ]
    )
    table.loc[0, "first_response_seconds"] = -60.0
    row = latency.by_brand(table).iloc[0]
    assert row["latency_excluded_count"] == 1
    assert row["median_first_response_seconds"] == 1200


def test_by_brand_first_columns_follow_the_contract_and_the_sla_hours():
    table = exchanges(
        [
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:20", "brand": None},
            {"created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 15:00", "brand": "Zed"},
        ]
    )
    default = latency.by_brand(table)
    assert list(default.columns[:8]) == [
        "brand",
        "customer_messages",
        "answered",
        "response_rate",
        "median_first_response_seconds",
        "p90_first_response_seconds",
        "sla_1h_share",
        "sla_24h_share",
    ]
    assert sorted(default["brand"]) == ["Zed", "unknown"]  # a null brand is "unknown"
    custom = latency.by_brand(table, sla_hours=[0.5, 4])
    assert list(custom.columns[6:8]) == ["sla_0.5h_share", "sla_4h_share"]
    shares = custom.set_index("brand")[["sla_0.5h_share", "sla_4h_share"]]
    assert shares.loc["unknown"].tolist() == [1.0, 1.0]  # 20 min
    assert shares.loc["Zed"].tolist() == [0.0, 0.0]  # 5 h


def test_median_interval_is_the_exact_order_statistic_interval():
    # Ten replies at 1..10 minutes. For n = 10 and p = 0.5 the Binomial(10, 1/2) CDF gives
    # B(1) = 11/1024 <= 0.025 < B(2) = 56/1024 and B(7) = 968/1024 < 0.975 <= B(8) = 1013/1024,
    # so the 95% interval is [X(2), X(9)] = [2 min, 9 min] (coverage 1 - 2 * 11/1024 = 97.9%).
    # The median by linear interpolation is 5.5 min.
    table = exchanges(
        [
            {"created_at": "2018-01-10 10:00", "reply_at": f"2018-01-10 10:{minute:02d}"}
            for minute in range(1, 11)
        ]
    )
    row = latency.by_brand(table).iloc[0]
    assert row["median_first_response_seconds"] == 330
    assert (
        row["median_first_response_low_seconds"],
        row["median_first_response_high_seconds"],
    ) == (
        120,
        540,
    )
    # p90 = 9.1 min; with ten values no upper bound exists at 95% (B(9) = 1 - 0.9^10 < 0.975).
    assert row["p90_first_response_seconds"] == pytest.approx(546)
    assert math.isnan(row["p90_first_response_high_seconds"])


def test_breakdowns_by_agent_channel_and_local_hour_and_weekday():
    table = exchanges(
        [
            # Tue 03:00 UTC is Monday 22:00 in New York.
            {"created_at": "2017-11-07 03:00", "reply_at": "2017-11-07 03:10", "agent": "ann"},
            {"created_at": "2017-11-07 03:30", "reply_at": "2017-11-07 04:30", "agent": "ann"},
            {"created_at": "2017-11-07 15:00", "channel": "email"},
        ]
    )
    by_hour = latency.by_group(table, ["weekday", "hour"], timezone="America/New_York")
    cells = {(str(w), int(h)): n for w, h, n in by_hour.iloc[:, :3].itertuples(index=False)}
    assert cells == {("Mon", 22): 2, ("Tue", 10): 1}
    by_agent = latency.by_group(table, "agent").set_index("agent")
    assert by_agent.loc["ann", "median_first_response_seconds"] == 2100  # of 600 and 3600
    assert by_agent.loc["unknown", "answered"] == 0
    by_channel = latency.by_group(table, "channel").set_index("channel")
    assert by_channel["customer_messages"].to_dict() == {"email": 1, "twitter": 2}
    with pytest.raises(ValueError, match="cannot group by"):
        latency.by_group(table, "planet")


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["A", "B", None]),
            st.integers(min_value=0, max_value=30 * 86_400),
            st.one_of(st.none(), st.integers(min_value=-3600, max_value=10 * 86_400)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_counts_reconcile_and_shares_stay_in_bounds(rows):
    base = pd.Timestamp("2018-01-01", tz="UTC")
    table = exchanges(
        [
            {
                "brand": brand,
                "created_at": str(base + pd.Timedelta(seconds=offset)),
                "reply_at": None
                if wait is None
                else str(base + pd.Timedelta(seconds=offset + wait)),
            }
            for brand, offset, wait in rows
        ]
    )
    result = latency.by_brand(table)
    assert result["customer_messages"].sum() == len(table)
    assert result["answered"].sum() == table["answered"].sum()
    shares = result[["response_rate", "sla_1h_share", "sla_24h_share"]].to_numpy()
    finite = shares[np.isfinite(shares)]
    assert ((finite >= 0) & (finite <= 1)).all()
    assert (result["sla_1h_share"].fillna(0) <= result["sla_24h_share"].fillna(0)).all()


# --- Kaplan-Meier --------------------------------------------------------------------------------


def test_kaplan_meier_on_a_hand_computed_example():
    # Durations 1, 2, 2+, 3, 4+, 5 (+ = censored), six at risk at the start:
    #   t=1: 6 at risk, 1 event  -> S = 5/6
    #   t=2: 5 at risk, 1 event, 1 censored -> S = 5/6 * 4/5 = 2/3
    #   t=3: 3 at risk, 1 event  -> S = 2/3 * 2/3 = 4/9
    #   t=4: 2 at risk, censored -> S = 4/9
    #   t=5: 1 at risk, 1 event  -> S = 0
    # Greenwood at t=3: sum d/(n(n-d)) = 1/30 + 1/20 + 1/6 = 1/4, se = S * sqrt(1/4) = 2/9.
    # Log-log band at t=1: S ** exp(+-z sqrt(1/30) / |ln 5/6|) = (0.2731, 0.9747).
    # Median: first S <= 0.5 is t=3. Its interval: the lower band is already <= 0.5 at t=1;
    # the upper band (0.785 at t=3 and 4) never reaches 0.5 before the curve ends: not reached.
    curve = latency.kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    assert curve["time_seconds"].tolist() == [0, 1, 2, 3, 4, 5]
    assert curve["at_risk_count"].tolist() == [6, 6, 5, 3, 2, 1]
    assert curve["event_count"].tolist() == [0, 1, 1, 1, 0, 1]
    assert curve["censored_count"].tolist() == [0, 0, 1, 0, 1, 0]
    assert curve["survival"].tolist() == pytest.approx([1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    assert curve["survival_se"].iat[3] == pytest.approx(2 / 9)
    spread = Z95 * math.sqrt(1 / 30) / abs(math.log(5 / 6))
    assert curve["survival_low"].iat[1] == pytest.approx((5 / 6) ** math.exp(spread))
    assert curve["survival_low"].iat[1] == pytest.approx(0.2731, abs=1e-4)
    assert curve["survival_high"].iat[1] == pytest.approx(0.9747, abs=1e-4)
    median, low, high = latency.km_median(curve)
    assert (median, low) == (3, 1)
    assert math.isnan(high)


def test_kaplan_meier_rejects_negative_durations_and_ignores_unknown_ones():
    with pytest.raises(ValueError, match="negative"):
        latency.kaplan_meier([-1.0, 2.0], [True, True])
    curve = latency.kaplan_meier([np.nan, 2.0], [True, True])
    assert curve["at_risk_count"].iat[0] == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40))
def test_kaplan_meier_without_censoring_is_one_minus_the_empirical_cdf(durations):
    curve = latency.kaplan_meier(durations, [True] * len(durations))
    values = np.array(durations)
    expected = [(values > t).mean() for t in curve["time_seconds"]]
    assert curve["survival"].tolist() == pytest.approx(expected)
    low, high = curve["survival_low"].to_numpy(), curve["survival_high"].to_numpy()
    inside = np.isfinite(high)
    assert (low[inside] <= curve["survival"].to_numpy()[inside] + 1e-12).all()
    assert (curve["survival"].to_numpy()[inside] <= high[inside] + 1e-12).all()


# --- Next reply on every turn --------------------------------------------------------------------


def _messages(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=["message_id", "conversation_id", "parent_id", "role", "agent_id", "created_at"],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["brand"] = "Acme"
    frame["channel"] = "twitter"
    frame["author_id"] = np.where(frame["role"] == "agent", "Acme", "cust")
    return frame


def test_next_reply_takes_the_first_of_two_replies_and_covers_every_customer_turn():
    messages = _messages(
        [
            # The later of two replies to m1 is listed first: the earlier one (10:20) must count.
            ("r1b", "c1", "m1", "agent", "bob", "2018-01-10 11:00"),
            ("m1", "c1", None, "customer", None, "2018-01-10 10:00"),
            ("r1a", "c1", "m1", "agent", "ann", "2018-01-10 10:20"),
            # A second turn: two customer messages in a row, then an agent answers the second.
            ("m2", "c1", "r1b", "customer", None, "2018-01-10 12:00"),
            ("m3", "c1", "m2", "customer", None, "2018-01-10 12:10"),
            ("r3", "c1", "m3", "agent", "ann", "2018-01-10 12:40"),
            # Nobody answers m4 (12:30); the data ends with x at 13:00: censored after 30 min.
            ("m4", "c2", None, "customer", None, "2018-01-10 12:30"),
            ("x", "c3", None, "customer", None, "2018-01-10 13:00"),
        ]
    )
    result = latency.next_reply_times(messages).set_index("message_id")
    assert result.loc["m1", "next_agent_message_id"] == "r1a"
    assert result.loc["m1", "next_reply_seconds"] == 1200
    assert result.loc["m1", "is_direct_reply"]
    # m2's next agent message is r3 (a reply to m3, not to m2): 40 min, not direct.
    assert result.loc["m2", "next_reply_seconds"] == 2400
    assert not result.loc["m2", "is_direct_reply"]
    assert result.loc["m3", "next_reply_seconds"] == 1800
    assert result["turn_first"].to_dict() == {
        "m1": True,
        "m2": True,
        "m3": False,
        "m4": True,
        "x": True,
    }
    assert not result.loc["m4", "replied"]
    assert math.isnan(result.loc["m4", "next_reply_seconds"])
    assert result.loc["m4", "duration_seconds"] == 1800  # censored at the end of the data

    summary = latency.next_reply_by_group(latency.next_reply_times(messages)).iloc[0]
    assert (summary["customer_messages"], summary["replied"]) == (5, 3)
    turns = latency.next_reply_by_group(latency.next_reply_times(messages), turns_only=True)
    assert turns["customer_messages"].iat[0] == 4


@pytest.mark.parametrize("given", ["2018-01-10 14:00", "2018-01-10 15:00+01:00"])
def test_next_reply_waits_are_censored_at_the_time_given(given):
    # A part of a file (one Dask partition) is censored at the whole file's last time, 14:00
    # UTC (naive times read as UTC), not at its own last message (12:30).
    messages = _messages(
        [
            ("m1", "c1", None, "customer", None, "2018-01-10 10:00"),
            ("r1", "c1", "m1", "agent", "ann", "2018-01-10 10:20"),
            ("m4", "c2", None, "customer", None, "2018-01-10 12:30"),
        ]
    )
    own = latency.next_reply_times(messages).set_index("message_id")
    told = latency.next_reply_times(messages, observed_until=pd.Timestamp(given))
    told = told.set_index("message_id")
    assert own.loc["m4", "duration_seconds"] == 0
    assert told.loc["m4", "duration_seconds"] == 5400
    assert told.loc["m1", "duration_seconds"] == own.loc["m1", "duration_seconds"] == 1200
    assert (told["observed_until"] == pd.Timestamp("2018-01-10 14:00", tz="UTC")).all()
    assert told["observed_until"].dtype == own["observed_until"].dtype
    pd.testing.assert_frame_equal(
        told.drop(columns=["observed_until", "duration_seconds"]),
        own.drop(columns=["observed_until", "duration_seconds"]),
    )


# --- Resolution (tickets) ------------------------------------------------------------------------


def test_resolution_times_fall_back_to_first_response_and_flag_defects():
    tickets = pd.DataFrame(
        {
            "ticket_id": ["t1", "t2", "t3", "t4"],
            "created_at": [utc("2023-05-01 09:00"), None, utc("2023-05-01 09:00"), None],
            "first_response_at": [
                utc("2023-05-01 09:30"),
                utc("2023-05-02 10:00"),
                utc("2023-05-01 08:00"),
                utc("2023-05-03 10:00"),
            ],
            "resolved_at": [
                utc("2023-05-01 12:00"),  # 3 h after creation
                utc("2023-05-02 16:00"),  # 6 h after the first response (no creation time)
                utc("2023-05-01 07:00"),  # before creation: a defect
                utc("2023-05-03 09:00"),  # before the first response: a defect
            ],
            "channel": ["email", "chat", "email", "chat"],
            "priority": ["High", "Low", "High", "Low"],
        }
    )
    result = latency.resolution_times(tickets).set_index("ticket_id")
    assert result.loc["t1", "resolution_seconds"] == 3 * HOUR
    assert result.loc["t1", "first_response_seconds"] == 1800
    assert result.loc["t2", "resolution_seconds"] == 6 * HOUR
    assert result.loc["t2", "resolution_from_first_response"]
    assert nullable(result["resolution_defect"]) == [
        None,
        None,
        "resolved_before_created",
        "resolved_before_first_response",
    ]
    assert result.loc["t3", "signed_resolution_seconds"] == -2 * HOUR
    assert math.isnan(result.loc["t3", "resolution_seconds"])
    assert result.loc["t3", "first_response_defect"] == "first_response_before_created"

    by_channel = latency.resolution_by_group(latency.resolution_times(tickets), "channel")
    chat = by_channel.set_index("channel").loc["chat"]
    assert (
        chat["tickets"],
        chat["resolution_measured_count"],
        chat["resolution_defect_count"],
    ) == (
        2,
        1,
        1,
    )
    assert chat["from_first_response_share"] == 1.0


# --- Figures -------------------------------------------------------------------------------------


def test_figures_use_a_log_time_axis_and_the_leaderboard_ranks_by_km_median():
    table = exchanges(
        [
            {"brand": "Fast", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:05"},
            {"brand": "Fast", "created_at": "2018-01-10 11:00", "reply_at": "2018-01-10 11:15"},
            {"brand": "Slow", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-11 10:00"},
            {"brand": "Slow", "created_at": "2018-01-10 12:00"},
        ]
    )
    for figure in (
        latency_plots.first_response_distribution(table),
        latency_plots.survival_curves(table),
    ):
        assert isinstance(figure, Figure)
        axes = figure.axes[0]
        assert axes.get_xscale() == "log"
        assert axes.get_title() and axes.get_ylabel()
        assert axes.get_xlabel() or figure.get_supxlabel()  # small multiples: one, under the grid
    heatmap = latency_plots.response_heatmap(table, min_count=1)
    assert "weekday" in heatmap.axes[0].get_ylabel().lower()
    # The leaderboard page 02 shows is the brand table sorted by its Kaplan-Meier median.
    board = latency.by_brand(table).sort_values("km_median_first_response_seconds")
    assert board["brand"].tolist() == ["Fast", "Slow"]
    # Fast: 5 and 15 min; S drops to 1/2 at 5 min, the first time it is at or below 0.5.
    assert board.iloc[0]["km_median_first_response_seconds"] == 300.0


def test_heatmap_puts_each_median_in_its_local_weekday_and_hour():
    # Tue 2017-11-07 03:00 UTC is Monday 22:00 in New York; answered after 10 min.
    table = exchanges([{"created_at": "2017-11-07 03:00", "reply_at": "2017-11-07 03:10"}])
    figure = latency_plots.response_heatmap(table, timezone="America/New_York", min_count=1)
    grid = figure.axes[0].images[0].get_array()
    assert grid[0, 22] == 10.0  # Monday row, 22:00 column, in minutes
    assert grid.count() == 1  # every other cell is blank


def test_findings_name_the_fastest_and_slowest_brand():
    table = exchanges(
        [
            {"brand": "Fast", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:05"},
            {"brand": "Slow", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 16:00"},
            {"brand": "Slow", "created_at": "2018-01-10 10:00"},
        ]
    )
    lines = latency.findings(latency.by_brand(table))
    assert lines[0] == (
        "Fastest: Fast answers half its messages within 5 min; "
        "slowest: Slow answers half its messages within 6.0 h."
    )
    assert lines[1] == "Lowest response rate: Slow, 50% of 2 messages answered at all."


def test_findings_do_not_rank_brands_with_too_few_messages():
    table = exchanges(
        [
            {"brand": "Tiny", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 10:00:30"},
            *[
                {"brand": "Big", "created_at": "2018-01-10 10:00", "reply_at": "2018-01-10 11:00"}
                for _ in range(3)
            ],
            *[
                {
                    "brand": "Bigger",
                    "created_at": "2018-01-10 10:00",
                    "reply_at": "2018-01-10 13:00",
                }
                for _ in range(3)
            ],
        ]
    )
    lines = latency.findings(latency.by_brand(table), min_messages=3)
    assert lines[0].startswith("Fastest: Big answers half its messages within 1.0 h")
    assert "Tiny" not in " ".join(lines[:-1])
    assert lines[-1].startswith("1 brand with fewer than 3 customer messages is not ranked")
    assert latency.findings(latency.by_brand(table), min_messages=10)[0] == (
        "No brand has 10 customer messages or more: too few to rank."
    )
