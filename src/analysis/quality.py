"""Data-quality tables: what was loaded, what was rejected and why, volume per brand and day."""

from __future__ import annotations

import pandas as pd


def rejected_reasons(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows counted by column and reason, most common first, with one example row."""
    if rejected.empty:
        return pd.DataFrame(columns=["column", "reason", "rows", "example_row"])
    return (
        rejected.assign(column=rejected["column"].fillna("(whole row)"))
        .groupby(["column", "reason"], dropna=False)
        .agg(rows=("row", "size"), example_row=("row", "min"))
        .sort_values("rows", ascending=False)
        .reset_index()
    )


def load_overview(summary: dict) -> pd.DataFrame:
    """The load summary as a two-column table a reader can scan."""
    labels = {
        "rows_read": "rows read",
        "messages": "messages kept",
        "rejected": "rows rejected",
        "conversations": "conversations",
        "customer_messages": "customer messages",
        "agent_messages": "agent messages",
        "answered": "customer messages answered",
        "unanswered": "customer messages never answered",
        "parent_missing": "replies to a message outside the file",
        "cycles_broken": "reply cycles cut",
        "replies_before_parent": "replies stamped before their parent",
        "latency_excluded": "exchanges left out of latency",
        "first_message_at": "first message",
        "last_message_at": "last message",
    }
    return pd.DataFrame(
        {"measure": list(labels.values()), "value": [summary.get(k) for k in labels]}
    )


def conversations_per_day(messages: pd.DataFrame) -> pd.DataFrame:
    """Conversations started per brand and UTC day (a conversation counts on its first message)."""
    starts = messages.sort_values("created_at").drop_duplicates("conversation_id")
    starts = starts.dropna(subset=["created_at"])
    return (
        starts.assign(
            brand=starts["brand"].fillna("unknown"), day=starts["created_at"].dt.floor("D")
        )
        .pivot_table(index="day", columns="brand", values="conversation_id", aggfunc="count")
        .fillna(0)
        .astype(int)
    )


def messages_per_brand(messages: pd.DataFrame) -> pd.DataFrame:
    """Messages, conversations and roles per brand."""
    frame = messages.assign(brand=messages["brand"].fillna("unknown"))
    return (
        frame.groupby("brand")
        .agg(
            conversations=("conversation_id", "nunique"),
            customer_messages=("role", lambda r: int((r == "customer").sum())),
            agent_messages=("role", lambda r: int((r == "agent").sum())),
        )
        .sort_values("conversations", ascending=False)
        .reset_index()
    )
