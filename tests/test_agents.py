"""Agent identity: one `brand/signature` (or the export's agent id) on every page."""

from __future__ import annotations

import pandas as pd

from analysis import agents, analyze, pipeline, prepare


def _messages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "message_id": ["c1", "a1", "a2", "a3", "a4"],
            "role": ["customer", "agent", "agent", "agent", "agent"],
            "brand": [None, "NimbusMobile", "NimbusMobile", None, "NimbusMobile"],
            "agent_id": [None, None, "ana.k", None, None],
            "text": [
                "@NimbusMobile my bill doubled -JK",
                "@555 We've fixed the bill ^JK",
                "@555 Refund sent ^JK",  # the export names its agent: kept
                "@555 On it -Becky",
                "@555 More soon (1/2)",
            ],
        }
    )


def test_unnamed_agent_messages_take_brand_and_signature_from_the_text_stage():
    named = agents.name_signed_agents(prepare.prepare_messages(_messages()))
    assert named["agent_id"].tolist() == [None, "NimbusMobile/JK", "ana.k", "unknown/Becky", None]


def test_the_same_agent_id_on_the_latency_rubric_and_personalisation_pages():
    analysis = analyze.run_all(pipeline.run(None))
    replies = analysis.replies
    first = analysis.exchanges.dropna(subset=["reply_id"]).set_index("reply_id")["reply_agent_id"]
    scored = replies[replies["message_id"].isin(first.index)].set_index("message_id")["agent_id"]
    assert len(scored) > 0 and scored.notna().any()
    pd.testing.assert_series_equal(
        scored.astype("string"), first.reindex(scored.index).astype("string"), check_names=False
    )
    signed = replies.dropna(subset=["agent_signature"])
    assert (signed["agent_id"] == signed["brand"] + "/" + signed["agent_signature"]).all()
    by_agent = set(analysis.scorecards["personalisation_by_agent"]["agent_id"])
    assert by_agent and by_agent == set(replies["agent_id"].dropna())
