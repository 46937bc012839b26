"""Conversations from reply links on a Dask cluster: threads.build_conversations's result, found
with distributed joins instead of pointer jumping over one machine's numpy arrays.

Each message's parent is found by a join on message_id; roots by repeated self-joins of the
pointers (each doubles how far they reach: log-depth); the few rows still unresolved are in, or
lead into, a cycle and are threaded on the client by threads.build_conversations itself (its cut
rule). The messages are then shuffled so that each conversation is in one partition, where
threads.conversation_brand gives each message its brand, told the whole file's agent brands.
"""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd

from analysis import threads

# More pointer-jumping rounds than any file needs (2**64 messages deep): a guard, not a limit.
_MAX_ROUNDS = 64
# The columns threading adds, in build_conversations's order.
THREAD_COLUMNS = ["conversation_id", "parent_missing", "cycle_broken", "reply_before_parent"]


def file_agent_brands(messages: dd.DataFrame) -> pd.DataFrame:
    """threads.agent_brands of the whole file, in the file's order (first appearance by `_row`;
    by partition when the messages no longer have it)."""
    agent = messages.loc[messages["role"] == "agent"]
    if "_row" not in messages.columns:
        distinct = agent[["author_id", "brand"]].drop_duplicates(split_out=1).compute()
        return threads.agent_brands(distinct.assign(role="agent"))
    # As integers: a messages-csv reader keeps `_row` as objects, which a group-by cannot order.
    agent = agent.assign(_row=agent["_row"].astype("int64"))
    first = agent.groupby(["author_id", "brand"], dropna=False)["_row"].min().compute()
    first = first.reset_index().sort_values("_row", kind="stable")
    # agent_brands's own frame (its dtypes) for the same rows.
    return threads.agent_brands(first.drop(columns="_row").assign(role="agent"))


def build_conversations(messages: dd.DataFrame, file_brands: pd.DataFrame) -> dd.DataFrame:
    """Messages (with `_row`) threaded as threads.build_conversations threads the whole file,
    without `_row`, shuffled so that each conversation is in one partition."""
    links = _conversation_links(messages)
    threaded = messages.merge(links, on="message_id", how="inner", suffixes=("", "_cut"))
    threaded = threaded.shuffle(on="conversation_id")
    meta = threaded._meta.drop(columns=["parent_id_cut", "_row"])
    meta = meta[[*messages.columns.drop("_row"), *THREAD_COLUMNS]]
    return threaded.map_partitions(_conversation_part, file_brands, meta=meta)


def _conversation_part(part: pd.DataFrame, file_brands: pd.DataFrame) -> pd.DataFrame:
    """Whole conversations in file order, with the links a cycle cut and each message's brand."""
    part = part.sort_values("_row", kind="stable").reset_index(drop=True)
    cut = part["parent_id_cut"]
    part["parent_id"] = cut.astype(object).where(cut.notna(), None)
    # An object array, as build_conversations names conversations (pandas infers the same dtype).
    part["conversation_id"] = part["conversation_id"].to_numpy(dtype=object)
    part = part.drop(columns="parent_id_cut")
    part["brand"] = threads.conversation_brand(part, file_brands)
    columns = [c for c in part.columns if c not in THREAD_COLUMNS and c != "_row"]
    return part[columns + THREAD_COLUMNS]


def _conversation_links(messages: dd.DataFrame) -> dd.DataFrame:
    """Per message: conversation_id, the threading flags, and its parent_id (None where a cycle
    is cut), as threads.build_conversations gives them."""
    links = messages[["message_id", "parent_id", "created_at"]]
    known = messages[["message_id", "created_at"]].rename(
        columns={"message_id": "parent_id", "created_at": "parent_created_at"}
    )
    known = known.assign(parent_found=True)
    linked = links.merge(known, on="parent_id", how="left")
    found = linked["parent_found"].fillna(False).astype(bool)
    linked = linked.assign(
        parent_found=found,
        parent_missing=linked["parent_id"].notnull() & ~found,
        # NaT compares False either way, as in build_conversations.
        reply_before_parent=found & (linked["created_at"] < linked["parent_created_at"]),
    ).persist()

    starts = linked.loc[~linked["parent_found"]]
    names = starts[["message_id"]].assign(
        conversation_id=starts["parent_id"].where(starts["parent_missing"], starts["message_id"])
    )
    pointers = linked.loc[linked["parent_found"], ["message_id", "parent_id"]]
    pointers, stuck = _jump_to_starts(pointers.rename(columns={"parent_id": "start"}))
    resolved = pointers.merge(
        names.rename(columns={"message_id": "start"}), on="start", how="inner"
    )[["message_id", "conversation_id"]]
    conversation = dd.concat([names, resolved])
    flags = linked[["message_id", "parent_id", "parent_missing", "reply_before_parent"]]
    links = flags.merge(conversation, on="message_id", how="left")
    links = links.assign(cycle_broken=False)
    if len(stuck):
        links = links.map_partitions(
            _cycles_cut, _threaded_cycles(messages, stuck), meta=links._meta
        )
    return links[["message_id", "parent_id", *THREAD_COLUMNS]]


def _jump_to_starts(pointers: dd.DataFrame) -> tuple[dd.DataFrame, list]:
    """Each linked message's conversation start, by pointer jumping with self-joins: returns
    (message_id, start) of the messages that reach one, and the ids of those that never do."""
    pointers = pointers.persist()
    moving_before = None
    for _ in range(_MAX_ROUNDS):
        step = pointers.merge(
            pointers.rename(columns={"message_id": "start", "start": "next"}),
            on="start",
            how="left",
        )
        step = step.assign(moving=step["next"].notnull()).persist()
        moving = int(step["moving"].sum().compute())
        if moving == 0 or moving == moving_before:
            # Every chain reached its start; the rows that still move are in, or lead into, a
            # cycle (their count stops falling: a chain's rows reach its start one doubling at a
            # time, so the count falls every round while any chain is unfinished).
            stuck = step.loc[step["moving"], "message_id"].compute().tolist()
            return step.loc[~step["moving"], ["message_id", "start"]], stuck
        moving_before = moving
        pointers = step.assign(start=step["next"].where(step["moving"], step["start"]))
        pointers = pointers[["message_id", "start"]].persist()
    raise AssertionError("threading did not converge: a bug, never the data's")


def _threaded_cycles(messages: dd.DataFrame, stuck: list) -> pd.DataFrame:
    """The messages in or leading into cycles, threaded by threads.build_conversations (its cycle
    cut, the earliest message of each): they are few, and their parents are all among them."""
    rows = messages.loc[messages["message_id"].isin(stuck)].compute()
    rows = rows.sort_values("_row", kind="stable")
    threaded = threads.build_conversations(rows)
    return threaded.set_index("message_id")[["parent_id", *THREAD_COLUMNS]]


def _cycles_cut(links: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    """The links of the messages in cycles as their threading says."""
    links = links.copy()
    inside = links["message_id"].isin(cycles.index).to_numpy()
    if not inside.any():
        return links
    threaded = cycles.loc[links.loc[inside, "message_id"]]
    for column in ["parent_id", *THREAD_COLUMNS]:
        values = links[column].to_numpy(dtype=object).copy()
        values[inside] = threaded[column].to_numpy(dtype=object)
        links[column] = pd.Series(values, index=links.index).astype(links[column].dtype)
    links["parent_id"] = links["parent_id"].astype(object).where(links["parent_id"].notna(), None)
    return links
