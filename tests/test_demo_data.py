"""The demo data looks like real support data: brands that differ, each answering in its own time
zone and working hours, long tails, cycles, wording that varies, many brands, defects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import latency, paths, pipeline, synth
from analysis.io import twcs

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


# --- The benchmark file (`analysis demo-data --messages N`): twcs at scale, varied wording ------
BENCH_TWEETS = 20_000


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory):
    return synth.write_twcs(tmp_path_factory.mktemp("bench") / "twcs.csv", BENCH_TWEETS, seed=5)


@pytest.fixture(scope="module")
def bench_tables(bench_file):
    return pipeline.run(bench_file, "twcs")


def test_the_benchmark_file_is_deterministic_and_written_as_pandas_would(tmp_path):
    frame = synth.generate_twcs(2000, seed=4)
    assert frame.equals(synth.generate_twcs(2000, seed=4))
    assert not frame["text"].equals(synth.generate_twcs(2000, seed=5)["text"])
    fast = synth.write_csv(frame, tmp_path / "fast.csv", chunk_rows=700)  # chunks join up
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert fast.read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert list(frame.columns) == twcs.COLUMNS  # the Kaggle file's columns, in its order
    assert (
        frame["created_at"]
        .str.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 2017")
        .all()
    )
    assert frame["in_response_to_tweet_id"].str.fullmatch(r"(\d+\.0)?").all()


def test_the_benchmark_file_loads_whole_with_replies_linked_to_their_complaints(bench_tables):
    summary = bench_tables.summary
    assert summary["rows_read"] == BENCH_TWEETS and summary["rejected"] == 0
    messages = bench_tables.messages
    assert not messages["parent_missing"].any()
    agent = messages[messages["role"] == "agent"]
    assert agent["parent_id"].isin(messages["message_id"]).all()
    exchanges = bench_tables.exchanges
    assert (~exchanges["answered"]).sum() > 100, "unanswered complaints"
    customers = messages[messages["role"] == "customer"]
    assert customers["parent_id"].notna().sum() > 500, "customers coming back"
    per_brand = exchanges.groupby("brand").size()
    assert len(per_brand) == len(synth.MANY_BRANDS)
    assert per_brand.max() > 10 * per_brand.min()


def test_benchmark_replies_are_distinct_once_masked_but_each_brand_repeats_its_macros(
    bench_tables,
):
    messages = bench_tables.messages
    replies = messages[messages["role"] == "agent"]
    masked = replies["masked_text"].str.lower()
    assert masked.nunique() / len(masked) >= 0.90
    copies = masked.groupby(replies["brand"]).transform(lambda s: s.map(s.value_counts()) > 1)
    copied_share = copies.groupby(replies["brand"]).mean()
    sizable = replies["brand"].value_counts() >= 100
    assert (copied_share[sizable[sizable].index] > 0.02).all(), "every brand sends macros"
    assert copied_share[sizable[sizable].index].median() < 0.2
    # Replies name the conversation's own product (picked once, from its complaint), not any.
    products = sorted({p for bank in synth._PRODUCTS.values() for p in bank}, key=len)[::-1]
    pattern = f"the ({'|'.join(products)})\\b"
    named = messages["text"].str.extract(pattern, expand=False).dropna()
    conversation = messages.loc[named.index, "conversation_id"]
    mentions = named.groupby(conversation).agg(["nunique", "size"])
    several = mentions[mentions["size"] >= 2]
    assert len(several) > 300
    assert (several["nunique"] == 1).mean() > 0.95  # by chance: about 1 in 15
    assert not replies["text"].str.contains(r"[A-Za-z]{25,}").any(), "no junk strings"


def test_demo_data_with_messages_writes_the_benchmark_file(tmp_path, monkeypatch):
    from analysis import cli

    out = tmp_path / "twcs_500.csv"
    assert cli.main(["demo-data", "--messages", "500", "--out", str(out), "--seed", "2"]) == 0
    assert out.read_bytes() == synth.write_twcs(tmp_path / "again.csv", 500, seed=2).read_bytes()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo-data", "--messages", "300"]) == 0
    assert len(pd.read_csv(tmp_path / "twcs_synthetic_300.csv")) == 300
