"""The real twcs sample (355 tweets, 175 threads): counts worked out independently of the loader."""

from __future__ import annotations

import csv

from analysis import pipeline


def test_real_sample_loads_whole_and_threads_into_its_175_conversations(real_sample):
    with open(real_sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    tables = pipeline.run(real_sample)
    summary = tables.summary
    assert summary["rows_read"] == len(rows) == 355
    assert summary["rejected"] == 0 and summary["messages"] == 355
    assert summary["conversations"] == 175
    agents = {r["author_id"] for r in rows if r["inbound"] == "False"}
    assert set(tables.messages["brand"].dropna()) == agents
    assert summary["agent_messages"] == sum(r["inbound"] == "False" for r in rows) == 185
    # Answered: customer tweets that some brand tweet names as its in_response_to parent.
    customer_ids = {r["tweet_id"] for r in rows if r["inbound"] == "True"}
    answered = {
        r["in_response_to_tweet_id"].removesuffix(".0")
        for r in rows
        if r["inbound"] == "False" and r["in_response_to_tweet_id"]
    } & customer_ids
    assert summary["answered"] == len(answered)
    assert tables.messages["message_id"].str.fullmatch(r"\d+").all()
    assert (tables.exchanges["first_response_seconds"].dropna() >= 0).all()
