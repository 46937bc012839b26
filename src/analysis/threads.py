"""Conversations from reply links, and exchanges: each customer message, per brand, with that
brand's first reply.

Links are followed with vectorised pointer jumping (log-depth passes over numpy arrays), so the
full twcs.csv threads in seconds. What does not fit is kept and flagged, never dropped: a parent
missing from the file starts a conversation of its own, a cycle is cut at its earliest message,
and a reply earlier than its parent is left out of latency with a reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import text

NO_PARENT = -1


def _parent_positions(messages: pd.DataFrame) -> np.ndarray:
    """For each message, the row position of its parent, or NO_PARENT."""
    positions = pd.Index(messages["message_id"]).get_indexer(messages["parent_id"].astype(object))
    return positions.astype(np.int64)


def _jump_to_roots(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roots by pointer jumping; returns (root position, resolved) where unresolved rows are
    in, or lead into, a cycle."""
    positions = np.arange(len(parent))
    root = np.where(parent == NO_PARENT, positions, parent)
    for _ in range(int(np.ceil(np.log2(max(len(parent), 2)))) + 2):
        jumped = root[root]
        if np.array_equal(jumped, root):
            break
        root = jumped
    resolved = parent[root] == NO_PARENT
    return root, resolved


def _cut_cycles(parent: np.ndarray, unresolved: np.ndarray, messages: pd.DataFrame) -> np.ndarray:
    """Positions whose parent link is cut: the earliest message of each cycle.

    Only rows caught in cycles are walked here, which real data has few of.
    """
    cut: list[int] = []
    state = dict.fromkeys(np.flatnonzero(unresolved).tolist(), 0)  # 0 new, 1 on path, 2 done
    for start in list(state):
        if state[start]:
            continue
        path = []
        node = start
        while node != NO_PARENT and state.get(node, 2) == 0:
            state[node] = 1
            path.append(node)
            node = int(parent[node])
        if node != NO_PARENT and state.get(node) == 1:  # closed a new cycle
            members = path[path.index(node) :]
            cut.append(min(members, key=lambda m: _age_key(messages, m)))
        for visited in path:
            state[visited] = 2
    return np.array(cut, dtype=np.int64)


def _age_key(messages: pd.DataFrame, position: int) -> tuple:
    """Sort key for 'earliest message': by time (unknown times last), then by id."""
    created = messages["created_at"].iat[position]
    return (
        pd.isna(created),
        created if not pd.isna(created) else 0,
        str(messages["message_id"].iat[position]),
    )


def build_conversations(messages: pd.DataFrame) -> pd.DataFrame:
    """Messages with conversation_id, threading flags, and the brand filled for customer messages."""
    messages = messages.reset_index(drop=True).copy()
    parent = _parent_positions(messages)
    has_parent_id = messages["parent_id"].notna().to_numpy()
    parent_missing = has_parent_id & (parent == NO_PARENT)

    root, resolved = _jump_to_roots(parent)
    cycle_broken = np.zeros(len(messages), dtype=bool)
    if not resolved.all():
        cut = _cut_cycles(parent, ~resolved, messages)
        parent[cut] = NO_PARENT
        cycle_broken[cut] = True
        root, resolved = _jump_to_roots(parent)

    # A conversation whose start is outside the file is named after that missing start, so that
    # sibling replies to it stay together (twcs samples often cut threads this way).
    ids = messages["message_id"].to_numpy(dtype=object)
    root_names = np.where(parent_missing, messages["parent_id"].to_numpy(dtype=object), ids)
    messages["conversation_id"] = root_names[root]
    messages["parent_missing"] = parent_missing
    messages["cycle_broken"] = cycle_broken
    # As datetime64 (UTC), not an object array of Timestamps: NaT compares False either way.
    created = _utc_datetime64(messages["created_at"])
    parent_time = created[np.where(parent == NO_PARENT, 0, parent)]
    earlier = created < parent_time
    messages["reply_before_parent"] = (parent != NO_PARENT) & earlier
    if cycle_broken.any():
        # The cut link is recorded by the flag; the kept parent_id would point into the cycle.
        messages.loc[cycle_broken, "parent_id"] = None
    messages["brand"] = conversation_brand(messages)
    return messages


def _utc_datetime64(times: pd.Series) -> np.ndarray:
    """Times as a numpy datetime64 array in UTC (tz-aware times without their zone)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.to_numpy()


def agent_brands(messages: pd.DataFrame) -> pd.DataFrame:
    """The distinct (author_id, brand) of the agent messages: all that threading needs to know of
    the whole file when it runs on part of it (a partition of the Dask engine)."""
    agents = messages.loc[messages["role"] == "agent", ["author_id", "brand"]]
    return agents.drop_duplicates(ignore_index=True)


def _writer_brand(messages: pd.DataFrame, file_brands: pd.DataFrame | None = None) -> pd.Series:
    """Each message's own brand; an agent message whose author is one of the file's brands is
    that brand's, whatever brand the export files it under (a brand account answering in another
    brand's conversation writes for itself). `file_brands` is `agent_brands` of the whole file,
    when `messages` is part of it."""
    is_agent = (messages["role"] == "agent").to_numpy()
    brand = messages["brand"].astype(object).where(messages["brand"].notna(), None)
    named = brand[is_agent] if file_brands is None else file_brands["brand"]
    spelled = {b.lower(): b for b in named.dropna().astype(str).unique()}
    if not spelled:
        return brand
    writer = messages["author_id"].astype("string").str.lower().map(spelled)
    return brand.mask(is_agent & writer.notna().to_numpy(), writer)


def conversation_brand(
    messages: pd.DataFrame, file_brands: pd.DataFrame | None = None
) -> pd.Series:
    """An agent message's own brand; a customer message takes the first brand to answer in its
    conversation, else a brand it @mentions (so unanswered complaints still count for a brand).

    This is the message's one brand in `messages`; `build_exchanges` counts a customer message
    for every brand it addresses or that answers it. `messages` holds whole conversations;
    `file_brands` is `agent_brands` of the whole file when they are part of it."""
    messages = messages.assign(brand=_writer_brand(messages, file_brands))
    is_agent = (messages["role"] == "agent") & messages["brand"].notna()
    agents = messages.loc[is_agent, ["conversation_id", "created_at", "brand"]]
    if file_brands is None:
        mentionable = agents["brand"]
    else:
        mentionable = _writer_brand(file_brands.assign(role="agent"), file_brands)
    first_brand = (
        agents.sort_values("created_at", na_position="last")
        .drop_duplicates("conversation_id")
        .set_index("conversation_id")["brand"]
    )
    brand = messages["brand"].where(messages["brand"].notna(), None).astype(object)
    by_conversation = messages["conversation_id"].map(first_brand)
    brand = brand.where(brand.notna(), by_conversation)

    still_unknown = brand.isna() & (messages["role"] == "customer")
    if still_unknown.any() and mentionable.notna().any():
        mentioned = _addressed_brands(messages.loc[still_unknown], mentionable)
        mentioned = mentioned.drop_duplicates("message_id").set_index("message_id")["brand"]
        if len(mentioned):
            conversation_of = messages.set_index("message_id")["conversation_id"]
            mentioned_by_conversation = (
                pd.DataFrame(
                    {
                        "conversation_id": conversation_of.reindex(mentioned.index).to_numpy(),
                        "brand": mentioned.to_numpy(),
                    }
                )
                .drop_duplicates("conversation_id")
                .set_index("conversation_id")["brand"]
            )
            fill = messages["conversation_id"].map(mentioned_by_conversation)
            brand = brand.where(brand.notna() | (messages["role"] != "customer"), fill)
    return brand.astype(object).where(brand.notna(), None)


def _addressed_brands(customer: pd.DataFrame, brands: pd.Series) -> pd.DataFrame:
    """(message_id, brand) for each brand handle of the file a customer message @mentions
    (case-insensitive, spelled as the brand is), in the order of the mentions."""
    spelled = {b.lower(): b for b in brands.dropna().astype(str).unique()}
    if not spelled or customer.empty:
        return pd.DataFrame(
            {"message_id": pd.Series(dtype=object), "brand": pd.Series(dtype=object)}
        )
    positions, mentioned = text.mentions(customer["text"])
    handles = pd.DataFrame(
        {"message_id": customer["message_id"].to_numpy()[positions], "handle": mentioned}
    )
    handles["brand"] = handles["handle"].astype("string").str.lower().map(spelled)
    found = handles.dropna(subset=["brand"]).drop_duplicates(["message_id", "brand"])
    return found[["message_id", "brand"]].reset_index(drop=True)


# Stands in for "no brand" in join keys (pandas would match nulls to nulls, silently).
_NO_BRAND = "\x00no brand"
_CUSTOMER_COLUMNS = [
    "message_id",
    "conversation_id",
    "parent_id",
    "author_id",
    "author_name",
    "brand",
    "channel",
    "created_at",
    "text",
    "source",
]
# What a reply gives its exchange (its text is taken by position).
_REPLY_COLUMNS = [
    "message_id",
    "parent_id",
    "brand",
    "author_id",
    "agent_id",
    "created_at",
    "channel",
]


def build_exchanges(
    messages: pd.DataFrame,
    *,
    brands: pd.Series | None = None,
    observed_until: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per customer message and brand, with that brand's first direct reply (or none).

    A customer message counts for every brand that answers it (a direct reply by that brand)
    and every brand of the file it @mentions; one that names and is answered by no brand keeps
    one row with its conversation's brand, so unanswered complaints still count. A reply counts
    for the brand that wrote it. (message_id, brand) is the table's key.

    When `messages` are whole conversations from part of a file (a Dask partition), `brands` are
    the whole file's agent brands and `observed_until` its last message time."""
    customer = messages.loc[messages["role"] == "customer", _CUSTOMER_COLUMNS].reset_index(
        drop=True
    )
    customer["_position"] = np.arange(len(customer))
    customer["_brand"] = customer["brand"].fillna(_NO_BRAND).astype(str)
    # Replies and exchanges are matched, merged and sorted on narrow frames; the texts and the
    # other customer columns are taken once, by position, when the rows are in their order.
    reply_rows = ((messages["role"] == "agent") & messages["parent_id"].notna()).to_numpy()
    replies = messages.loc[reply_rows, _REPLY_COLUMNS].assign(
        _reply_position=np.flatnonzero(reply_rows)
    )
    customer_ids = customer["message_id"].astype(object)
    # Compared as objects: pandas' arrow-string isin against mixed values loops in Python.
    replies = replies.loc[replies["parent_id"].astype(object).isin(customer_ids)].copy()
    # A reply without a brand of its own answers for the brand of the message it answers.
    brand_of_customer = customer.set_index("message_id")["_brand"]
    replies["_brand"] = (
        replies["brand"].astype(object).fillna(replies["parent_id"].map(brand_of_customer))
    ).astype(str)

    answering = replies[["parent_id", "_brand"]].rename(columns={"parent_id": "message_id"})
    if brands is None:
        brands = messages.loc[messages["role"] == "agent", "brand"]
    addressed = _addressed_brands(customer, brands).rename(columns={"brand": "_brand"})
    pairs = pd.concat([answering, addressed], ignore_index=True).drop_duplicates()
    paired = customer_ids.isin(pairs["message_id"].astype(object)).to_numpy()
    alone = customer.loc[~paired, ["message_id", "_brand"]]
    pairs = pd.concat([pairs, alone], ignore_index=True)
    exchanges = pairs.merge(customer[["message_id", "_position"]], on="message_id", how="left")
    exchanges["brand"] = exchanges["_brand"]

    ordered = replies.sort_values(["created_at", "message_id"], na_position="last", kind="stable")
    first = ordered.drop_duplicates(["parent_id", "_brand"])
    reply_fields = ["message_id", "author_id", "agent_id", "created_at", "channel"]
    first = first[["parent_id", "_brand", *reply_fields, "_reply_position"]].rename(
        columns={
            "parent_id": "message_id",
            "message_id": "reply_id",
            "author_id": "reply_author_id",
            "agent_id": "reply_agent_id",
            "created_at": "reply_at",
            "channel": "reply_channel",
        }
    )
    reply_count = replies.groupby(["parent_id", "_brand"]).size().rename("reply_count")
    exchanges = exchanges.merge(first, on=["message_id", "_brand"], how="left")
    exchanges = exchanges.merge(
        reply_count, left_on=["message_id", "_brand"], right_index=True, how="left"
    )
    exchanges["reply_at"] = pd.to_datetime(exchanges["reply_at"], utc=True)
    exchanges["reply_count"] = exchanges["reply_count"].fillna(0).astype("int64")
    exchanges["answered"] = exchanges["reply_id"].notna()
    # The customer's order; within a message, the brand that answered first comes first.
    exchanges = exchanges.sort_values(
        ["_position", "reply_at", "_brand"], na_position="last", kind="stable"
    )
    exchanges["brand"] = exchanges["brand"].where(exchanges["_brand"] != _NO_BRAND, None)
    exchanges = exchanges.reset_index(drop=True)
    for column in _CUSTOMER_COLUMNS:
        if column not in ("message_id", "brand"):
            exchanges[column] = customer[column].array.take(exchanges["_position"].to_numpy())
    replied = exchanges["_reply_position"].fillna(-1).to_numpy(dtype=np.int64)
    exchanges["reply_text"] = messages["text"].array.take(replied, allow_fill=True)
    exchanges = exchanges.drop(columns=["_brand", "_position", "_reply_position"])
    exchanges = exchanges[
        [
            *_CUSTOMER_COLUMNS,
            "reply_id",
            "reply_author_id",
            "reply_agent_id",
            "reply_at",
            "reply_channel",
            "reply_text",
            "reply_count",
            "answered",
        ]
    ]
    if observed_until is None:
        observed_until = messages["created_at"].max()
    return add_first_response_seconds(exchanges, observed_until=observed_until)


def add_first_response_seconds(
    exchanges: pd.DataFrame, observed_until: pd.Timestamp | None
) -> pd.DataFrame:
    """Calendar seconds to the first reply; a reply before its complaint, or an answered complaint
    whose reply or own time is unknown, is left out of latency with a reason (still answered)."""
    exchanges = exchanges.copy()
    seconds = (exchanges["reply_at"] - exchanges["created_at"]).dt.total_seconds()
    reason = pd.Series(None, index=exchanges.index, dtype=object)
    answered = exchanges["answered"].fillna(False).astype(bool)
    reason[answered & exchanges["reply_at"].isna()] = "reply_time_unknown"
    reason[exchanges["created_at"].isna()] = "complaint_time_unknown"
    reason[seconds < 0] = "reply_before_complaint"
    exchanges["first_response_seconds"] = seconds.where(seconds >= 0)
    exchanges["latency_excluded_reason"] = reason
    exchanges["observed_until"] = observed_until
    exchanges["observed_until"] = pd.to_datetime(exchanges["observed_until"], utc=True)
    for column in ("reply_id", "reply_author_id", "reply_agent_id", "reply_channel", "reply_text"):
        exchanges[column] = exchanges[column].astype(object).where(exchanges[column].notna(), None)
    return exchanges


def exchanges_from_tickets(exchanges: pd.DataFrame, tickets: pd.DataFrame) -> pd.DataFrame:
    """Ticket exports record the first response as a time, not a message: fill the reply from it."""
    by_message = tickets.assign(message_id="ticket-" + tickets["ticket_id"].astype(str)).set_index(
        "message_id"
    )
    matched = by_message.reindex(exchanges["message_id"])
    exchanges = exchanges.copy()
    exchanges["reply_at"] = pd.to_datetime(matched["first_response_at"].to_numpy(), utc=True)
    answered = exchanges["reply_at"].notna()
    exchanges["answered"] = answered.to_numpy()
    exchanges["reply_id"] = np.where(answered, exchanges["message_id"] + "/first-response", None)
    exchanges["reply_agent_id"] = matched["agent_id"].to_numpy()
    exchanges["reply_author_id"] = exchanges["reply_agent_id"]
    exchanges["reply_channel"] = np.where(answered, exchanges["channel"], None)
    exchanges["reply_text"] = None
    exchanges["reply_count"] = answered.astype("int64").to_numpy()
    observed = pd.concat(
        [tickets["created_at"], tickets["first_response_at"], tickets["resolved_at"]]
    ).max()
    return add_first_response_seconds(exchanges, observed_until=observed)
