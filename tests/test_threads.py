"""Threading: conversations from reply links, and exchanges with the first agent reply."""

from __future__ import annotations

import numpy as np
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


def _answered_by_brand(exchanges: pd.DataFrame) -> dict[str, int]:
    answered = exchanges[exchanges["answered"]]
    return answered.groupby("brand").size().astype(int).to_dict()


def _independent_answered_by_brand(messages: pd.DataFrame) -> dict[str, int]:
    """Customer messages with at least one direct reply by each brand, counted from the links."""
    role = dict(zip(messages["message_id"], messages["role"], strict=True))
    answered: dict[str, set] = {}
    for brand, parent, message_role in zip(
        messages["brand"], messages["parent_id"], messages["role"], strict=True
    ):
        if message_role == "agent" and role.get(parent) == "customer":
            answered.setdefault(brand, set()).add(parent)
    return {brand: len(parents) for brand, parents in answered.items()}


def _two_brand_conversation() -> pd.DataFrame:
    """A customer asks two brands; each answers some of the messages (worked out by hand)."""
    return threads.build_conversations(
        _messages(
            [
                ("1", None, "customer", "c1", 0, "@ShopHelp @PhoneCare my new phone is dead"),
                ("2", "1", "agent", "ShopHelp", 5, "@c1 sorry! ask @PhoneCare"),
                ("3", "2", "customer", "c1", 10, "@ShopHelp they do not answer"),
                ("4", "3", "agent", "ShopHelp", 12, "@c1 we will chase them"),
                ("5", "3", "agent", "ShopHelp", 13, "@c1 (and DM us your order)"),
                ("6", "4", "customer", "c1", 20, "@phonecare please help"),
                ("7", "6", "agent", "PhoneCare", 80, "@c1 we are here, DM us"),
                ("8", "7", "customer", "c1", 90, "thanks"),
            ]
        )
    )


def test_each_reply_counts_for_the_brand_that_wrote_it():
    messages = _two_brand_conversation()
    exchanges = threads.build_exchanges(messages)
    rows = exchanges.set_index(["message_id", "brand"])
    # 1 names both: ShopHelp answered it, PhoneCare did not.
    assert rows.loc[("1", "ShopHelp"), "reply_id"] == "2"
    assert not rows.loc[("1", "PhoneCare"), "answered"]
    assert rows.loc[("3", "ShopHelp"), "reply_count"] == 2
    assert rows.loc[("6", "PhoneCare"), "first_response_seconds"] == 3600.0
    assert ("6", "ShopHelp") not in rows.index  # 6 neither names nor is answered by ShopHelp
    # 8 names and is answered by no brand: one row, for the conversation's brand.
    assert rows.loc["8"].index.tolist() == ["ShopHelp"]
    assert not rows.loc[("8", "ShopHelp"), "answered"]
    assert exchanges[["message_id", "brand"]].values.tolist() == [
        ["1", "ShopHelp"],  # answered first, so listed first
        ["1", "PhoneCare"],
        ["3", "ShopHelp"],
        ["6", "PhoneCare"],
        ["8", "ShopHelp"],
    ]
    assert _answered_by_brand(exchanges) == {"ShopHelp": 2, "PhoneCare": 1}
    assert _answered_by_brand(exchanges) == _independent_answered_by_brand(messages)


def test_a_brand_account_answering_under_another_brand_counts_for_itself():
    # An export files every message of a conversation under its company; the reply's author is
    # another brand of the file, which wrote it.
    frame = _messages(
        [
            ("1", None, "customer", "c1", 0, "@Apple my phone from the shop is broken"),
            ("2", "1", "agent", "ShopHelp", 5, "@c1 please ask Apple"),
            ("3", None, "customer", "c2", 0, "@ShopHelp where is my parcel"),
            ("4", "3", "agent", "ShopHelp", 5, "@c2 on its way"),
            ("5", "2", "customer", "c1", 9, "ok @Apple?"),
            ("6", "5", "agent", "Apple", 30, "@c1 we can help"),
        ]
    )
    frame.loc[frame["message_id"].isin(["1", "2", "5", "6"]), "brand"] = "Apple"
    messages = threads.build_conversations(frame)
    assert messages.set_index("message_id").loc["2", "brand"] == "ShopHelp"
    exchanges = threads.build_exchanges(messages)
    assert _answered_by_brand(exchanges) == {"ShopHelp": 2, "Apple": 1}
    rows = exchanges.set_index(["message_id", "brand"])
    assert not rows.loc[("1", "Apple"), "answered"]  # named, not answered by Apple


def test_answered_per_brand_on_the_real_multi_brand_export_equals_an_independent_count(
    cdp_sample,
):
    from analysis import pipeline
    from tests.conftest import CDP_MAPPING

    tables = pipeline.run(cdp_sample, "messages-csv", mapping=CDP_MAPPING)
    assert tables.messages["brand"].nunique() == 25
    # Independently, from the file: each message answers the one before it (by turn) in its
    # conversation; a reply is its author's (the brand account that wrote it).
    raw = pd.read_csv(cdp_sample, dtype=str, keep_default_na=False)
    raw = raw[~raw["message_id"].duplicated()].assign(turn=lambda f: f["turn"].astype(int))
    raw = raw.sort_values(["conversation_id", "turn"], kind="stable")
    raw["parent"] = raw.groupby("conversation_id")["message_id"].shift(1)
    role_of = raw.set_index("message_id")["role"]
    replies = raw[(raw["role"] == "agent") & (raw["parent"].map(role_of) == "customer")]
    expected = replies.groupby("author")["parent"].nunique().astype(int).to_dict()
    assert _answered_by_brand(tables.exchanges) == expected
    # A conversation AppleSupport and AmazonHelp both answer is counted for each.
    assert expected["AmazonHelp"] == _answered_by_brand(tables.exchanges)["AmazonHelp"]
    summary = tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"]
    assert summary["customer_messages"] == (tables.messages["role"] == "customer").sum()


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
    # Counts reconcile: every customer message in at least one exchange, one per brand;
    # answered per brand is the independent count; latencies never negative.
    exchanges = threads.build_exchanges(threaded)
    customers = threaded.loc[threaded["role"] == "customer", "message_id"]
    assert set(exchanges["message_id"]) == set(customers)
    assert not exchanges.duplicated(["message_id", "brand"]).any()
    assert _answered_by_brand(exchanges) == _independent_answered_by_brand(threaded)
    assert (exchanges["first_response_seconds"].dropna() >= 0).all()
    assert (exchanges["reply_count"] >= exchanges["answered"].astype(int)).all()


def test_part_of_a_file_threads_as_the_whole_when_told_the_files_brands():
    """The Dask engine threads whole conversations a partition at a time: told the whole file's
    agent brands and last time, each part gives the whole's brands and exchanges."""
    messages = _messages(
        [
            (1, None, "customer", "ann", 0, "@Acme @Bolt my order is late"),
            (2, 1, "agent", "Acme", 30, "@ann sorry, checking"),
            (3, None, "customer", "bob", 5, "@bolt where is my refund"),
            (4, None, "customer", "cy", 9, "nobody answers @Acme"),
            (5, 4, "agent", "Bolt", 600, "@cy we can help"),
        ]
    )
    whole = threads.build_conversations(messages)
    file_brands = threads.agent_brands(whole)
    conversations = whole["conversation_id"].astype(str)
    first_part = conversations.isin(["1"])  # Acme's conversation; Bolt answers in the others
    parts = [whole.loc[first_part], whole.loc[~first_part]]
    brands = pd.concat([threads.conversation_brand(part, file_brands) for part in parts])
    pd.testing.assert_series_equal(
        brands.sort_index(), threads.conversation_brand(whole).sort_index(), check_names=False
    )
    # Told nothing, the first part would not know Bolt: message 1 would miss its Bolt exchange.
    key = ["message_id", "brand"]
    alone = threads.build_exchanges(parts[0])
    assert set(alone["brand"]) == {"Acme"}
    told = pd.concat(
        [
            threads.build_exchanges(
                part,
                brands=whole.loc[whole["role"] == "agent", "brand"],
                observed_until=whole["created_at"].max(),
            )
            for part in parts
        ]
    )
    expected = threads.build_exchanges(whole)
    pd.testing.assert_frame_equal(
        told.sort_values(key, ignore_index=True), expected.sort_values(key, ignore_index=True)
    )


def test_mentions_found_by_re2_in_bulk_are_those_python_finds(monkeypatch) -> None:
    # In bulk, RE2 finds the @mentions of the texts it reads alike; in small batches, and in
    # texts with non-ASCII letters or the bracket characters, Python's `re` does.
    from analysis import text

    pieces = ["@AmazonHelp", "@amazonhelp", "@Apple", "@apple_x", "x@Apple", "@@Apple", " ", ","]
    pieces += ["\u00e9@Apple", "@Appl\u00e9", "@AppleSupport", "@", "\x01", "_@ups", ".@ups", "hi"]
    rng = np.random.default_rng(2)
    texts = ["".join(rng.choice(pieces, size=rng.integers(0, 6))) for _ in range(3000)]
    customer = pd.DataFrame(
        {"message_id": [f"m{i}" for i in range(len(texts) + 2)], "text": texts + ["", None]}
    )
    brands = pd.Series(["AmazonHelp", "Apple", "AppleSupport", "UPS", None])
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 100)
    in_bulk = threads._addressed_brands(customer, brands)
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 10**9)
    by_python = threads._addressed_brands(customer, brands)
    pd.testing.assert_frame_equal(in_bulk, by_python)
    assert len(in_bulk) > 1000 and set(in_bulk["brand"]) == {
        "AmazonHelp",
        "Apple",
        "AppleSupport",
        "UPS",
    }
