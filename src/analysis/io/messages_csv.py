"""Reader for any helpdesk message export (Zendesk, Freshdesk, Intercom, ...) given a column mapping.

The mapping says which input column holds each canonical field, for example
``{"message_id": "Comment ID", "parent_id": "In Reply To", "conversation_id": "Ticket ID",
"author_id": "Author", "role": "Author Type", "channel": "Via", "created_at": "Created",
"text": "Body"}``. Columns already named canonically need no mapping.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.common import (
    UNKNOWN_AUTHOR,
    InputError,
    LoadResult,
    canonical,
    find_columns,
    read_csv_as_strings,
    reject_where,
    rejected_frame,
    source_labels,
)
from analysis.io.times import dayfirst_option, parse_times, rejected_times

REQUIRED_FIELDS = ("message_id", "author_id", "role", "created_at", "text")
# author_id and created_at must be mapped, but a row may leave them empty: such a message is kept
# with its author unknown (UNKNOWN_AUTHOR) or its time unknown (latency left out, with a reason).
OPTIONAL_FIELDS = (
    "parent_id",
    "conversation_id",
    "author_name",
    "brand",
    "agent_id",
    "channel",
    "turn",  # the message's place in its conversation (1, 2, ...), where the export numbers them
    # Without a role: the conversation's customer; a message by anyone else is an agent's
    # (Zendesk's and Freshdesk's requester_id on the ticket).
    "requester_id",
    # false for an internal note (Zendesk's `public`): not sent to the customer, so not a reply.
    "public",
    # What a support lead compares by within one company (analysis.groups), and the customer's
    # rating; a ticket-level export repeats them on each comment, others give them once.
    "team",
    "priority",
    "ticket_type",
    "product",
    "satisfaction",
)
# Fields that may read the same column: a handle can be the author's id, name and agent at once.
# Any other pair on one column is a mistake (a message's id as its parent, a time as its text).
SHAREABLE_FIELDS = frozenset({"author_id", "author_name", "agent_id"})
# Role words used by common helpdesks, folded to the two canonical roles.
CUSTOMER_ROLES = {
    "customer",
    "end-user",
    "end_user",
    "enduser",
    "user",
    "requester",
    "contact",
    "lead",
    "visitor",
    "client",
    "inbound",
    "true",
}
AGENT_ROLES = {
    "agent",
    "admin",
    "staff",
    "operator",
    "teammate",
    "support",
    "assignee",
    "brand",
    "company",
    "outbound",
    "false",
}


def unreadable_ratings_note(file: str, column: str | None, values: pd.Series) -> list[str]:
    """The load note for ratings that are not numbers ("good", "five stars"): the message is
    real and kept, only its rating is left out of the satisfaction figures."""
    if not values.any():
        return []
    return [
        f"{file}: {int(values.sum())} satisfaction value(s) in column {column} are not numbers "
        "(the figures read ratings like 1-5): left out of the satisfaction figures, the messages "
        "are kept"
    ]


def satisfaction_ratings(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ratings as floats (null where empty) and where a value is given but is not a finite number."""
    given = values.astype("string").str.strip().replace("", pd.NA)
    ratings = pd.to_numeric(given, errors="coerce").astype(float)
    # 'nan' and 'inf' parse as numbers but are no one's rating.
    ratings = ratings.where(np.isfinite(ratings))
    return ratings, given.notna() & ratings.isna()


def read(
    path: Path,
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    channel: str = "web",
    dayfirst: bool | None = None,
) -> LoadResult:
    """Messages from a generic export; times are read by `analysis.io.times` (naive ones in
    `timezone`, dates like 05/06/2023 in the order `dayfirst` or the file's values say)."""
    raw, malformed = read_csv_as_strings(path)
    return from_frame(
        raw,
        malformed,
        path,
        mapping,
        timezone=timezone,
        channel=channel,
        format="messages-csv",
        dayfirst=dayfirst,
    )


def from_frame(
    raw: pd.DataFrame,
    malformed: list[dict],
    path: Path,
    mapping: dict[str, str] | None,
    *,
    timezone: str = "UTC",
    channel: str = "web",
    format: str = "messages-csv",  # noqa: A002 - the format's name, as users type it
    origin: str = "column",
    dayfirst: bool | None = None,
) -> LoadResult:
    """Canonical messages from input rows as strings (`_row` the record number), each field read
    from the input column (or, for JSON, the path) that `mapping` names; `origin` is what the
    messages call such a column ("column", "field")."""
    canonical_fields = REQUIRED_FIELDS + OPTIONAL_FIELDS
    mapping, dayfirst = dayfirst_option(mapping, dayfirst)
    mapping, notes = _resolved_mapping(raw, path, mapping or {}, origin)

    def field(name: str) -> pd.Series:
        if name in mapping:
            return raw[mapping[name]].astype("string").str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    role_text = field("role")
    if "role" not in mapping:
        requester = field("requester_id")
        role_text = (field("author_id") == requester).map({True: "customer", False: "agent"})
        role_text = role_text.where(requester.notna()).astype("string")
    role = role_text.str.lower().map(
        lambda r: "customer" if r in CUSTOMER_ROLES else ("agent" if r in AGENT_ROLES else None),
        na_action="ignore",
    )
    time_column = mapping["created_at"]
    times = parse_times(raw, [time_column], file=path.name, timezone=timezone, dayfirst=dayfirst)
    created_at = times.times[time_column]
    notes += times.notes
    message_id = field("message_id")
    author = field("author_id")
    satisfaction, unreadable_satisfaction = satisfaction_ratings(field("satisfaction"))
    checks = [
        (message_id.isna(), mapping["message_id"], "missing message id"),
        (message_id.duplicated(keep="first"), mapping["message_id"], "message id repeated"),
        (
            field("public").str.lower().isin(["false", "0", "no"]).fillna(False),
            mapping.get("public"),
            "an internal note (public is false): not a message to the customer",
        ),
        (
            role.isna(),
            mapping.get("role", mapping.get("requester_id")),
            "cannot tell customer from agent (expected one of "
            + ", ".join(sorted(CUSTOMER_ROLES | AGENT_ROLES))
            + ")",
        ),
        # An empty time is kept (the message is real, its latency unknown); a time that is
        # there but unusable is a format to fix, and is said so.
        *rejected_times(times),
        (field("text").isna(), mapping["text"], "missing text"),
    ]
    # A rating that is no number (Zendesk's "good" / "bad") is no reason to lose the message.
    notes += unreadable_ratings_note(
        path.name, mapping.get("satisfaction"), unreadable_satisfaction
    )
    rejected = list(malformed)
    unusable = pd.Series(False, index=raw.index)
    for mask, column, reason in checks:
        mask = mask.fillna(False).astype(bool) & ~unusable
        rejected += reject_where(raw, mask, column, reason)
        unusable |= mask

    keep = ~unusable
    messages = pd.DataFrame({name: field(name)[keep].astype(object) for name in canonical_fields})
    messages["role"] = role[keep]
    messages["channel"] = messages["channel"].fillna(channel).str.lower()
    # A helpdesk export is one company's: its brand is the file's name unless a column says.
    messages["brand"] = messages["brand"].fillna(path.stem)
    known_author = author[keep].notna()
    is_agent = messages["role"] == "agent"
    fill_agent = is_agent & known_author
    messages.loc[fill_agent, "agent_id"] = messages.loc[fill_agent, "agent_id"].fillna(
        messages.loc[fill_agent, "author_id"]
    )
    # A message without an author is still a message: kept, its author unknown.
    messages["author_id"] = messages["author_id"].where(known_author, UNKNOWN_AUTHOR)
    messages["source"] = source_labels(path, raw.loc[keep, "_row"])
    messages["_row"] = raw.loc[keep, "_row"]
    messages = messages.astype(object).where(messages.notna(), None)
    messages["created_at"] = created_at[keep]
    messages["satisfaction"] = satisfaction[keep]
    messages = _link_within_conversations(messages)
    if (~known_author).any():
        notes.append(
            f"{int((~known_author).sum())} message(s) without an author kept as author "
            f"{UNKNOWN_AUTHOR!r}"
        )
    untimed = int(messages["created_at"].isna().sum())
    if untimed:
        notes.append(f"{untimed} message(s) without a time kept: their latency is unknown")
    return LoadResult(
        messages=canonical(messages),
        rejected=rejected_frame(path, rejected),
        rows_read=len(raw) + len(malformed),
        format=format,
        path=path,
        notes=notes,
    )


def _link_within_conversations(messages: pd.DataFrame) -> pd.DataFrame:
    """Helpdesk exports often give a ticket id but no reply links: a message without a parent
    then answers the message before it in the same conversation.

    The order is the export's `turn` where it has one (a reply's time can be wrong: a real
    export stamps some replies before the complaint), else time; a message without a time keeps
    its place in the file after the message before it; ties go by file order."""
    has_conversation = messages["conversation_id"].notna()
    if not has_conversation.any():
        return messages
    ordered = messages.loc[has_conversation].assign(
        _turn=pd.to_numeric(messages["turn"], errors="coerce"), _time=messages["created_at"]
    )
    ordered = ordered.sort_values(["conversation_id", "_row"], kind="stable")
    ordered["_time"] = ordered.groupby("conversation_id", sort=False)["_time"].ffill()
    ordered = ordered.sort_values(
        ["conversation_id", "_turn", "_time", "_row"], kind="stable", na_position="first"
    )
    previous = ordered.groupby("conversation_id", sort=False)["message_id"].shift(1)
    previous = previous.reindex(messages.index)
    target = has_conversation & messages["parent_id"].isna()
    messages.loc[target, "parent_id"] = previous[target]
    messages["parent_id"] = (
        messages["parent_id"].astype(object).where(messages["parent_id"].notna(), None)
    )
    return messages


def _resolved_mapping(
    raw: pd.DataFrame, path: Path, mapping: dict[str, str], origin: str
) -> tuple[dict[str, str], list[str]]:
    """Each field's input column: as mapped, or the one column that matches it but for case and
    surrounding spaces (said in a note); canonically named columns need no mapping."""
    canonical_fields = REQUIRED_FIELDS + OPTIONAL_FIELDS
    unknown = set(mapping) - set(canonical_fields)
    if unknown:
        raise InputError(
            f"mapping names unknown field(s) {sorted(unknown)} "
            f"(expected some of {', '.join(canonical_fields)})"
        )
    available = [c for c in raw.columns if c != "_row"]
    listing = f"{origin}s in the file: " + ", ".join(available)
    resolved, notes = {}, []
    for name, column in mapping.items():
        if column in raw:
            resolved[name] = column
            continue
        found = find_columns(path, available, [column]).get(column)
        if found is None:
            raise InputError(
                f"{path.name}: field {name} is mapped to {origin} {column!r}, which is not in "
                f"the file ({listing})"
            )
        resolved[name] = found
        notes.append(
            f"{path.name}: field {name} read from {origin} {found!r} (mapped as {column!r})"
        )
    # Columns named like a field (in any case) need no mapping, unless mapped to another field.
    unmapped = [name for name in canonical_fields if name not in resolved]
    mapped_columns = set(resolved.values())
    for name, column in find_columns(path, available, unmapped).items():
        if column not in mapped_columns:
            resolved[name] = column
    sharing: dict[str, list[str]] = {}
    for name, column in resolved.items():
        sharing.setdefault(column, []).append(name)
    for column, names in sharing.items():
        if len(names) > 1 and not set(names) <= SHAREABLE_FIELDS:
            raise InputError(
                f"{path.name}: fields {' and '.join(names)} are all mapped to {origin} {column!r}; "
                f"only {', '.join(sorted(SHAREABLE_FIELDS))} may share one"
            )
    missing_fields = [
        f
        for f in REQUIRED_FIELDS
        if f not in resolved and not (f == "role" and "requester_id" in resolved)
    ]
    if missing_fields:
        raise InputError(
            f"{path.name}: no {origin} given for {missing_fields}; map them with "
            f"--map FIELD={origin.upper()} ({listing})"
        )
    return resolved, notes
