"""The demo data looks like real support data: brands that differ, each answering in its own time
zone and working hours, long tails, cycles, wording that varies, many brands, defects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import latency, paths, pipeline, synth

MANY_BRANDS_FILE = paths.SAMPLE_DIR / "social_complaints_30_brands.csv"
PROFILES = {brand.name: brand for brand in synth.MANY_BRANDS}


@pytest.fixture(scope="module")
def many_brand_tables():
    return pipeline.run(MANY_BRANDS_FILE)


def _local(times: pd.Series, brand: str) -> pd.Series:
    return times.dt.tz_convert(PROFILES[brand].timezone)


def test_demo_data_has_five_brands_that_answer_differently(demo_tables):
    exchanges = demo_tables.exchanges
    by_brand = exchanges.groupby("brand").agg(
        rate=("answered", "mean"), median=("first_response_seconds", "median")
    )
    assert set(by_brand.index) == {brand.name for brand in synth.BRANDS}
    assert by_brand["rate"].max() - by_brand["rate"].min() > 0.15
    assert by_brand["median"].max() > 10 * by_brand["median"].min()
    assert (~exchanges["answered"]).sum() > 50  # unanswered complaints exist


def test_demo_latencies_are_long_tailed_and_arrivals_cycle_in_local_time(demo_tables):
    exchanges = demo_tables.exchanges
    latency_seconds = exchanges["first_response_seconds"].dropna()
    assert latency_seconds.quantile(0.9) > 5 * latency_seconds.median()
    for brand, group in exchanges.groupby("brand"):
        local = _local(group["created_at"], brand)
        hours = local.dt.hour.value_counts().reindex(range(24), fill_value=0)
        assert hours[10:18].mean() > 3 * hours[1:6].mean(), brand  # quiet nights, local time
        weekend = local.dt.day_of_week >= 5
        assert weekend.sum() / 2 < (~weekend).sum() / 5, brand  # quieter weekends


def test_each_brand_answers_in_its_own_staffed_hours_with_overnight_waits(demo_tables):
    messages = demo_tables.messages
    replies = messages[(messages["role"] == "agent") & ~messages["reply_before_parent"]]
    for brand, group in replies.groupby("brand"):
        profile = PROFILES[brand]
        local = _local(group["created_at"], brand)
        offset = local - local.dt.normalize()
        staffed = (
            local.dt.day_of_week.isin(profile.schedule().weekdays)
            & (offset >= profile.schedule().start_offset)
            & (offset < profile.schedule().end_offset)
        )
        assert staffed.all(), f"{brand}: replies outside its staffed hours"
    waits = demo_tables.exchanges.groupby("brand")["first_response_seconds"].max()
    assert (waits > 10 * 3600).all(), "every brand has some overnight or weekend waits"


def test_business_hours_figures_are_not_trivial_under_either_schedule(demo_tables):
    exchanges = latency.add_business_first_response(demo_tables.exchanges)
    default = exchanges.groupby("brand")["business_first_response_seconds"]
    assert (default.median() > 0).sum() >= 3  # UTC 9-17 meets the London, New York, Kolkata days
    assert (default.apply(lambda s: (s > 0).mean()) > 0.15).all()
    for brand, group in demo_tables.exchanges.groupby("brand"):
        own = latency.add_business_first_response(group, PROFILES[brand].schedule())
        business = own["business_first_response_seconds"].dropna()
        calendar = own["first_response_seconds"].dropna()
        assert business.median() > 0, brand
        assert business.mean() < calendar.mean(), f"{brand}: closed hours are not counted"


def test_most_replies_are_distinct_while_one_brand_stays_template_heavy(demo_tables):
    replies = demo_tables.messages[demo_tables.messages["role"] == "agent"]
    masked = replies["masked_text"].str.lower()
    assert masked.nunique() / len(masked) > 0.8
    distinct = masked.groupby(replies["brand"]).agg(lambda s: s.nunique() / len(s))
    assert (distinct > 0.85).sum() >= 3
    assert distinct.min() < 0.6, "a template-heavy brand for the template measure"
    # Replies pick up the complaint's own words, greet by name, sign, link and hand over.
    text = " ".join(replies["text"])
    for move in ("Hi there", "https://t.co/", "DM", "team", "?", "sorry"):
        assert move in text, move
    assert replies["addressed_name"].notna().mean() > 0.1
    assert replies["agent_signature"].notna().mean() > 0.5


def test_demo_data_carries_defects_the_loader_must_handle(demo_tables):
    reasons = " ".join(demo_tables.rejected["reason"])
    assert "cannot read the time" in reasons and "duplicate" in reasons
    assert "inbound" in reasons
    assert demo_tables.messages["parent_missing"].any()
    assert demo_tables.messages["reply_before_parent"].sum() == 1
    assert not demo_tables.messages["text"].str.contains("&amp;").any()
    summary = demo_tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"]


def test_the_many_brand_demo_has_thirty_brands_of_very_different_sizes(many_brand_tables):
    assert MANY_BRANDS_FILE.stat().st_size < 3_000_000
    customers = many_brand_tables.exchanges.groupby("brand").size()
    assert len(customers) == len(synth.MANY_BRANDS) == 30
    assert customers.max() > 100 * customers.min()
    assert (customers < 20).sum() >= 2  # too few for the headlines to rank
    assert (customers > 400).sum() >= 3  # a few large brands
    messages = many_brand_tables.messages
    replies = messages[messages["role"] == "agent"]
    brands_per_conversation = replies.groupby("conversation_id")["brand"].nunique()
    assert (brands_per_conversation > 1).any(), "a conversation two brands join"
    masked = replies["masked_text"].str.lower()
    assert masked.nunique() / len(masked) > 0.8
    summary = many_brand_tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"]
    assert summary["rejected"] > 0


def test_generation_is_deterministic_and_every_staffed_day_is_a_real_weekday():
    small = synth.generate_social(complaints=200, seed=5, brands=synth.MANY_BRANDS[:8])
    assert small.equals(synth.generate_social(complaints=200, seed=5, brands=synth.MANY_BRANDS[:8]))
    assert np.all([len(brand.schedule().weekdays) >= 5 for brand in synth.MANY_BRANDS])
