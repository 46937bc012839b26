"""What a scorecard can compare by: brands, or within one company its agents, teams, channels,
priorities, ticket types and products; the one definition of each grouping column.

The conversation fields (team, priority, ...) are read from the export onto messages; a
helpdesk gives them once per ticket, on its first comment or its last, so each conversation's
first known value stands for the whole conversation.
"""

from __future__ import annotations

import pandas as pd

from analysis.io.common import InputError

GROUPINGS = ("brand", "agent", "team", "channel", "priority", "ticket_type", "product")
CONVERSATION_FIELDS = ("team", "priority", "ticket_type", "product", "satisfaction")
# Groupings "auto" tries, in this order, when the data is one brand's.
_AUTO_WITHIN_BRAND = ("agent", "team", "channel")
# Values that name no group: the ticket reader calls a missing channel "unknown".
_UNKNOWN_VALUES = ("", "unknown")
_LABELS = {
    "brand": "brand",
    "agent": "agent",
    "team": "team",
    "channel": "channel",
    "priority": "priority",
    "ticket_type": "ticket type",
    "product": "product",
}
# The column naming the agent of each table's row: an exchange's is its reply's agent.
# (a next-reply row's agent is the one who sent that next message)
_AGENT_COLUMNS = ("reply_agent_id", "agent_id", "next_agent_id")


def conversation_fields(messages: pd.DataFrame) -> pd.DataFrame:
    """Each conversation field on every message of its conversation: the conversation's first
    non-null value by time (file order on ties), null where none of its messages has one."""
    messages = messages.copy(deep=False)  # copy-on-write: the caller's frame is not changed
    for name in CONVERSATION_FIELDS:
        if name not in messages:
            messages[name] = None
    # Only fields the export gives need filling (a twcs file gives none: nothing to sort).
    given = [name for name in CONVERSATION_FIELDS if messages[name].notna().any()]
    if given:
        # A stable sort keeps the frame's (file) order among messages at the same time;
        # messages without a time come last, as their place in time is unknown.
        by_time = messages[["conversation_id", "created_at", *given]].reset_index(drop=True)
        by_time = by_time.sort_values("created_at", kind="stable", na_position="last")
        firsts = by_time.groupby("conversation_id", sort=False)[given].transform("first")
        # A message outside any conversation keeps its own values.
        firsts = firsts.where(firsts.notna(), by_time[given]).sort_index()
        for name in given:
            messages[name] = firsts[name].to_numpy()
    messages["satisfaction"] = pd.to_numeric(messages["satisfaction"]).astype(float)
    text_fields = [name for name in CONVERSATION_FIELDS if name != "satisfaction"]
    messages[text_fields] = (
        messages[text_fields].astype(object).where(messages[text_fields].notna(), None)
    )
    return messages


def conversations(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per conversation with its conversation fields (`conversation_fields`)."""
    # Only the columns the fields are read from: the message text need not be copied.
    wanted = ["conversation_id", "created_at", *CONVERSATION_FIELDS]
    return (
        conversation_fields(messages[[name for name in wanted if name in messages]])
        .drop_duplicates("conversation_id")
        .loc[:, ["conversation_id", *CONVERSATION_FIELDS]]
    )


def add_group_columns(
    frame: pd.DataFrame,
    messages: pd.DataFrame | None = None,
    per_conversation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """An exchanges, replies or next-replies table with its grouping columns: `agent` (an
    exchange's reply agent, a reply's own agent, a next reply's agent) and the conversation
    fields of its conversation, from `messages` or, computed once for several tables,
    `per_conversation` (`conversations(messages)`)."""
    agent_column = next((c for c in _AGENT_COLUMNS if c in frame), None)
    if agent_column is None:
        raise ValueError(
            f"add_group_columns: expected an exchanges or replies table (with one of "
            f"{', '.join(_AGENT_COLUMNS)}), got columns {', '.join(map(str, frame.columns))}"
        )
    if per_conversation is None:
        per_conversation = conversations(messages)
    # Added again, not kept: a table given twice gets the same columns, not suffixed copies.
    grouped = frame.drop(columns=[c for c in ("agent", *CONVERSATION_FIELDS) if c in frame])
    agent = grouped[agent_column].astype(object)
    grouped = grouped.assign(agent=agent.where(agent.notna(), None))
    joined = grouped.merge(per_conversation, on="conversation_id", how="left", validate="m:1")
    joined.index = frame.index
    return joined


def available(frame: pd.DataFrame) -> list[str]:
    """The groupings, in GROUPINGS order, that the frame has at least one known value of."""
    return [name for name in GROUPINGS if name in frame and _known(frame[name]).any()]


def resolve(requested: str, frame: pd.DataFrame) -> str:
    """The grouping to compare by: the one requested, or for "auto" brands when there are
    several, else the first of agent, team and channel with two or more known values."""
    wanted = requested.strip().casefold().replace(" ", "_")
    if wanted == "auto":
        if _known_count(frame, "brand") >= 2:
            return "brand"
        return next((g for g in _AUTO_WITHIN_BRAND if _known_count(frame, g) >= 2), "brand")
    has = available(frame)
    if wanted in has:
        return wanted
    listing = ", ".join(has) or "none"
    if wanted not in GROUPINGS:
        raise InputError(
            f"compare_by: {requested!r} is not a grouping (expected auto or one of "
            f"{', '.join(GROUPINGS)}; this export has: {listing})"
        )
    raise InputError(f"compare_by: {requested!r} is not in this export (it has: {listing})")


def label(grouping: str) -> str:
    """The words a page uses for a grouping ("ticket type" for ticket_type)."""
    return _LABELS[grouping]


def _known(values: pd.Series) -> pd.Series:
    """Whether each value names a group (not null, not empty, not "unknown")."""
    words = values.astype("string").str.strip().str.casefold()
    return (values.notna() & ~words.isin(_UNKNOWN_VALUES)).astype(bool)


def _known_count(frame: pd.DataFrame, grouping: str) -> int:
    """How many distinct known values a grouping has in the frame."""
    if grouping not in frame:
        return 0
    values = frame[grouping]
    return int(values[_known(values)].nunique())
