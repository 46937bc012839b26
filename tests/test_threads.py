"""Threading: conversations from reply links, and exchanges with the first agent reply."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import threads

T0 = pd.Timestamp("2017-10-30 10:00", tz="UTC")


def _messages(rows: list[tuple]) -> pd.DataFrame:
    """rows: (message_id, parent_id, role, author, minutes after T0, text)."""
    frame = pd.DataFrame(
        rows, columns=["message_id", "parent_id", "role", "author_id", "minutes", "text"]
    )
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("minutes"), unit="min")
    frame["brand"] = frame["author_id"].where(frame["role"] == "agent")
    frame["channel"] = "twitter"
    frame["agent_id"] = None
    frame["author_name"] = None
    frame["source"] = "test:row " + frame.index.astype(str)
    frame["parent_id"] = frame["parent_id"].astype(object).where(frame["parent_id"].notna(), None)
    return frame


def test_a_reply_chain_is_one_conversation_and_brand_reaches_the_customer():
    messages = threads.build_conversations(
        _messages(
            [
                ("1", None, "customer", "c1", 0, "@Acme broken"),
                ("2", "1", "agent", "Acme", 30, "sorry"),
                ("3", "2", "customer", "c1", 40, "still broken"),
            ]
        )
    )
    assert set(messages["conversation_id"]) == {"1"}
    assert messages["brand"].tolist() == ["Acme", "Acme", "Acme"]


def test_siblings_of_a_parent_outside_the_file_share_a_conversation():
    messages = threads.build_conversations(
        _messages([("5", "99", "customer", "c1", 0, "a"), ("6", "99", "customer", "c2", 1, "b")])
    )
    assert messages["parent_missing"].all()
    assert set(messages["conversation_id"]) == {"99"}


def test_a_cycle_is_cut_at_its_earliest_message_and_flagged():
    messages = threads.build_conversations(
        _messages(
            [
                ("a", "c", "customer", "c1", 5, "x"),
                ("b", "a", "agent", "Acme", 10, "y"),
                ("c", "b", "customer", "c1", 20, "z"),
            ]
        )
    ).set_index("message_id")
    assert messages.loc["a", "cycle_broken"] and messages["cycle_broken"].sum() == 1
    assert messages.loc["a", "parent_id"] is None
    assert set(messages["conversation_id"]) == {"a"}


def test_an_unanswered_complaint_takes_the_brand_it_mentions():
    messages = threads.build_conversations(
        _messages(
            [
                ("1", None, "customer", "c1", 0, "@acme hello"),
                ("2", "1", "agent", "Acme", 3, "hi"),
                ("3", None, "customer", "c2", 5, "nobody answers @Acme"),
                ("4", None, "customer", "c3", 6, "@someone_else hi"),
            ]
        )
    ).set_index("message_id")
    assert messages.loc["3", "brand"] == "Acme"
    assert messages.loc["4", "brand"] is None


def test_exchanges_take_the_first_direct_reply_and_count_the_others():
    messages = threads.build_conversations(
        _messages(
            [
                ("1", None, "customer", "c1", 0, "help"),
                ("3", "1", "agent", "Acme", 45, "second"),
                ("2", "1", "agent", "Acme", 30, "first"),
                ("4", None, "customer", "c2", 0, "never answered"),
                ("5", None, "customer", "c3", 60, "answered early?"),
                ("6", "5", "agent", "Acme", 50, "before the complaint"),
            ]
        )
    )
    exchanges = threads.build_exchanges(messages).set_index("message_id")
    assert exchanges.loc["1", "reply_id"] == "2"
    assert exchanges.loc["1", "reply_count"] == 2
    assert exchanges.loc["1", "first_response_seconds"] == 1800.0
    assert not exchanges.loc["4", "answered"]
    assert pd.isna(exchanges.loc["4", "first_response_seconds"])
    assert exchanges.loc["4", "observed_until"] == T0 + pd.Timedelta(minutes=60)
    # Kept and counted as answered, but left out of latency with its reason.
    assert exchanges.loc["5", "answered"]
    assert pd.isna(exchanges.loc["5", "first_response_seconds"])
    assert exchanges.loc["5", "latency_excluded_reason"] == "reply_before_complaint"


@st.composite
def reply_forests(draw):
    """Random messages whose parents may be anything: earlier, later, themselves, or absent."""
    size = draw(st.integers(min_value=1, max_value=40))
    ids = [str(i) for i in range(size)]
    parents = draw(
        st.lists(
            st.one_of(st.none(), st.sampled_from(ids), st.just("missing")),
            min_size=size,
            max_size=size,
        )
    )
    roles = draw(st.lists(st.sampled_from(["customer", "agent"]), min_size=size, max_size=size))
    minutes = draw(st.lists(st.integers(0, 500), min_size=size, max_size=size))
    rows = [
        (i, p, r, "Acme" if r == "agent" else f"c{i}", m, "t")
        for i, p, r, m in zip(ids, parents, roles, minutes, strict=True)
    ]
    return _messages(rows)


@settings(max_examples=150, deadline=None)
@given(reply_forests())
def test_threading_invariants(messages):
    threaded = threads.build_conversations(messages)
    # Every message in exactly one conversation, none lost or doubled.
    assert len(threaded) == len(messages)
    assert threaded["message_id"].is_unique and threaded["conversation_id"].notna().all()
    # No cycle survives: following parents from any message ends within len(messages) steps.
    parent_of = dict(zip(threaded["message_id"], threaded["parent_id"], strict=True))
    for start in threaded["message_id"]:
        node, steps = start, 0
        while parent_of.get(node) in parent_of and steps <= len(parent_of):
            node, steps = parent_of[node], steps + 1
        assert steps <= len(parent_of)
    # A message and its (kept) parent are in the same conversation.
    conversation_of = dict(zip(threaded["message_id"], threaded["conversation_id"], strict=True))
    for message_id, parent_id in parent_of.items():
        if parent_id in conversation_of:
            assert conversation_of[message_id] == conversation_of[parent_id]
    # Counts reconcile: one exchange per customer message; latencies never negative.
    exchanges = threads.build_exchanges(threaded)
    assert len(exchanges) == (threaded["role"] == "customer").sum()
    assert (exchanges["first_response_seconds"].dropna() >= 0).all()
    assert exchanges["answered"].sum() <= len(exchanges)
    assert (exchanges["reply_count"] >= exchanges["answered"].astype(int)).all()
