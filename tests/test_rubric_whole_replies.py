"""rubric.whole_replies on hand-written threads: split replies joined, replies and complaints the
messages lack prepared from the exchange, null parents, two brands answering one complaint."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import prepare, rubric
from analysis import rubric_rules as rules

T0 = pd.Timestamp("2017-10-31 22:00", tz="UTC")


def _message(message_id, parent_id, author_id, seconds, text, role="agent"):
    return {
        "message_id": message_id,
        "parent_id": parent_id,
        "author_id": author_id,
        "role": role,
        "brand": None if role == "customer" else author_id,
        "created_at": T0 + pd.Timedelta(seconds=seconds),
        "text": text,
    }


def _exchange(message_id, brand, text, reply_id, reply_seconds, reply_text, author_name=None):
    return {
        "message_id": message_id,
        "brand": brand,
        "author_name": author_name,
        "text": text,
        "answered": reply_id is not None,
        "reply_id": reply_id,
        "reply_author_id": brand if reply_id is not None else None,
        "reply_at": T0 + pd.Timedelta(seconds=reply_seconds) if reply_id is not None else pd.NaT,
        "reply_text": reply_text,
    }


@pytest.fixture(scope="module")
def read():
    """Four complaints: one answered in two parts (a third message is too late, a fourth by
    someone else, a fifth has no parent), one answered by two brands, one whose reply the
    messages lack, one unanswered; and one exchange whose complaint the messages lack."""
    messages = prepare.prepare_messages(
        pd.DataFrame(
            [
                _message("m1", None, "cust", 0, "@Acme my parcel is late", role="customer"),
                _message("a1", "m1", "Acme", 60, "@cust Sorry about the delay, Dana (1/2)"),
                _message("a1b", "m1", "Acme", 80, "@cust Please DM us your order (2/2)"),
                _message("a1c", "m1", "Acme", 60 + 3600, "@cust Thanks for waiting!"),
                _message("x1", "m1", "Bolt", 70, "@cust Try us instead"),
                _message("a1d", None, "Acme", 90, "@cust Ça marche 🙂 (3/2)"),
                _message("m2", None, "cust2", 0, "@Acme @Bolt both of you, help", role="customer"),
                _message("a2", "m2", "Acme", 30, "@cust2 Acme here: we are on it"),
                _message("b2", "m2", "Bolt", 40, "@cust2 Bolt here: thanks for telling us"),
                _message("m3", None, "cust3", 0, "@Acme where is my refund", role="customer"),
                _message("m4", None, "cust4", 0, "@Acme hello?", role="customer"),
            ]
        )
    )
    exchanges = pd.DataFrame(
        [
            _exchange("m1", "Acme", "@Acme my parcel is late", "a1", 60, "(1/2)", "Dana Scully"),
            _exchange("m2", "Acme", "@Acme @Bolt both of you, help", "a2", 30, "Acme here"),
            _exchange("m2", "Bolt", "@Acme @Bolt both of you, help", "b2", 40, "Bolt here"),
            _exchange("m3", "Acme", "@Acme where is my refund", "t3", 50, "Sorry, refunded today"),
            _exchange("m4", "Acme", "@Acme hello?", None, 0, None),
            _exchange("m5", "Acme", "@Acme my order never came", "t5", 20, "Sorry, DM us"),
        ],
        index=pd.Index([f"e{i}" for i in range(6)]),
    )
    replied = rubric.replied_rows(exchanges)
    whole, complaints, part_counts = rubric.whole_replies(exchanges, replied, messages)
    return exchanges, messages, whole, complaints, part_counts


def _prepared(messages, message_id, column):
    return messages.set_index("message_id").loc[message_id, column]


def test_the_replied_rows_in_their_order(read):
    exchanges, _, whole, complaints, part_counts = read
    replied = ["e0", "e1", "e2", "e3", "e5"]
    assert whole.index.tolist() == complaints.index.tolist() == replied
    assert part_counts.index.tolist() == replied
    assert list(whole.columns) == ["body", "sentences", "addressed_name"]


def test_a_split_reply_is_read_from_its_parts_in_time_order(read):
    _, messages, whole, _, part_counts = read
    # Not the reply an hour later, not Bolt's, not the one without a parent.
    assert part_counts["e0"] == 2
    bodies = [_prepared(messages, part, "body") for part in ["a1", "a1b"]]
    sentences = [_prepared(messages, part, "sentences") for part in ["a1", "a1b"]]
    assert whole.loc["e0", "body"] == " ".join(bodies)
    assert whole.loc["e0", "sentences"] == "\n".join(sentences)
    assert "Thanks" not in whole.loc["e0", "body"] and "Ça" not in whole.loc["e0", "body"]
    assert whole.loc["e0", "addressed_name"] == "Dana Scully"  # her first name is in part one


def test_two_brands_answering_one_complaint_each_read_their_own_reply(read):
    _, messages, whole, complaints, part_counts = read
    assert part_counts[["e1", "e2"]].tolist() == [1, 1]
    assert whole.loc["e1", "body"] == _prepared(messages, "a2", "body")
    assert whole.loc["e2", "body"] == _prepared(messages, "b2", "body")
    assert complaints["e1"] == complaints["e2"] == _prepared(messages, "m2", "masked_text")


def test_a_reply_the_messages_lack_is_prepared_from_the_exchange(read):
    exchanges, _, whole, _, part_counts = read
    alone = prepare.prepare_texts(exchanges.loc[["e3"], "reply_text"])
    assert part_counts["e3"] == 1
    assert whole.loc["e3", "body"] == alone.loc["e3", "body"]
    assert whole.loc["e3", "sentences"] == alone.loc["e3", "sentences"]


def test_a_complaint_the_messages_lack_is_prepared_from_the_exchange(read):
    exchanges, messages, _, complaints, _ = read
    expected = rules.prepare_contexts(exchanges.loc[["e5"], "text"], pd.Index(["e5"]))
    assert complaints["e5"] == expected["e5"]
    assert complaints["e3"] == _prepared(messages, "m3", "masked_text")


def test_dtypes_are_the_prepared_columns(read):
    _, messages, whole, complaints, part_counts = read
    assert whole["body"].dtype == messages["body"].dtype
    assert whole["sentences"].dtype == messages["sentences"].dtype
    assert whole["addressed_name"].dtype == "string"
    assert complaints.dtype == messages["masked_text"].dtype
    assert part_counts.dtype == "int64"


def test_no_replied_rows_give_empty_results():
    messages = prepare.prepare_messages(
        pd.DataFrame([_message("m1", None, "cust", 0, "@Acme hi", role="customer")])
    )
    exchanges = pd.DataFrame([_exchange("m1", "Acme", "@Acme hi", None, 0, None)])
    whole, complaints, part_counts = rubric.whole_replies(
        exchanges, rubric.replied_rows(exchanges), messages
    )
    assert len(whole) == len(complaints) == len(part_counts) == 0


def test_key_pairs_are_an_inner_merge_in_its_order():
    # Keys repeated on both sides, a key on one side only, a missing key on the right.
    left = pd.Series(["b", "a", "z", "b", "c"])
    right = pd.Series(["a", "b", None, "b", "c", "a"])
    merged = pd.DataFrame({"key": left, "left": range(5)}).merge(
        pd.DataFrame({"key": right, "right": range(6)}), on="key", how="inner"
    )
    left_rows, right_rows = rubric._equal_key_pairs(left, right)
    assert left_rows.tolist() == merged["left"].tolist() == [0, 0, 1, 1, 3, 3, 4]
    assert right_rows.tolist() == merged["right"].tolist()
