"""The demo data looks like real support data: brands that differ, long tails, cycles, defects."""

from __future__ import annotations

import numpy as np


def test_demo_data_has_five_brands_that_answer_differently(demo_tables):
    exchanges = demo_tables.exchanges
    by_brand = exchanges.groupby("brand").agg(
        rate=("answered", "mean"), median=("first_response_seconds", "median")
    )
    assert len(by_brand) == 5
    assert by_brand["rate"].max() - by_brand["rate"].min() > 0.15
    assert by_brand["median"].max() > 10 * by_brand["median"].min()
    assert (~exchanges["answered"]).sum() > 50  # unanswered complaints exist


def test_demo_latencies_are_long_tailed_and_arrivals_cycle(demo_tables):
    latency = demo_tables.exchanges["first_response_seconds"].dropna()
    assert latency.quantile(0.9) > 5 * latency.median()
    hours = demo_tables.exchanges["created_at"].dt.hour.value_counts()
    assert hours.max() > 2 * hours.min()
    weekend = demo_tables.exchanges["created_at"].dt.day_of_week >= 5
    per_day = np.array([(~weekend).sum() / 5, weekend.sum() / 2])
    assert per_day[1] < per_day[0]


def test_demo_data_carries_defects_the_loader_must_handle(demo_tables):
    reasons = " ".join(demo_tables.rejected["reason"])
    assert "cannot read the time" in reasons and "duplicate" in reasons
    assert demo_tables.messages["parent_missing"].any()
    assert not demo_tables.messages["text"].str.contains("&amp;").any()
    summary = demo_tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"]
