"""Reader for any helpdesk message export (Zendesk, Freshdesk, Intercom, ...) given a column mapping.

The mapping says which input column holds each canonical field, for example
``{"message_id": "Comment ID", "parent_id": "In Reply To", "conversation_id": "Ticket ID",
"author_id": "Author", "role": "Author Type", "channel": "Via", "created_at": "Created",
"text": "Body"}``. Columns already named canonically need no mapping.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.io.common import (
    InputError,
    LoadResult,
    canonical,
    read_csv_as_strings,
    reject_where,
    rejected_frame,
    source_labels,
)

REQUIRED_FIELDS = ("message_id", "author_id", "role", "created_at", "text")
OPTIONAL_FIELDS = (
    "parent_id",
    "conversation_id",
    "author_name",
    "brand",
    "agent_id",
    "channel",
)
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


def read(
    path: Path, mapping: dict[str, str] | None = None, timezone: str = "UTC", channel: str = "web"
) -> LoadResult:
    """Messages from a generic export; times without an offset are read in `timezone`."""
    raw, malformed = read_csv_as_strings(path)
    mapping = {**{f: f for f in REQUIRED_FIELDS + OPTIONAL_FIELDS if f in raw}, **(mapping or {})}
    unknown = set(mapping) - set(REQUIRED_FIELDS + OPTIONAL_FIELDS)
    if unknown:
        raise InputError(f"mapping names unknown field(s) {sorted(unknown)}")
    missing_fields = [f for f in REQUIRED_FIELDS if f not in mapping]
    if missing_fields:
        raise InputError(
            f"{path.name}: no column given for {missing_fields}; map them with "
            "--map FIELD=COLUMN (columns in the file: " + ", ".join(raw.columns[1:]) + ")"
        )
    absent = [column for column in mapping.values() if column not in raw]
    if absent:
        raise InputError(f"{path.name}: mapped column(s) {absent} are not in the file")

    def field(name: str) -> pd.Series:
        if name in mapping:
            return raw[mapping[name]].astype("string").str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    role = (
        field("role")
        .str.lower()
        .map(
            lambda r: (
                "customer" if r in CUSTOMER_ROLES else ("agent" if r in AGENT_ROLES else None)
            ),
            na_action="ignore",
        )
    )
    created_at = _parse_times(field("created_at"), timezone)
    message_id = field("message_id")
    checks = [
        (message_id.isna(), mapping["message_id"], "missing message id"),
        (message_id.duplicated(keep="first"), mapping["message_id"], "message id repeated"),
        (field("author_id").isna(), mapping["author_id"], "missing author"),
        (
            role.isna(),
            mapping["role"],
            "cannot tell customer from agent (expected one of "
            + ", ".join(sorted(CUSTOMER_ROLES | AGENT_ROLES))
            + ")",
        ),
        (created_at.isna(), mapping["created_at"], "cannot read the time (expected ISO 8601)"),
        (field("text").isna(), mapping["text"], "missing text"),
    ]
    rejected = list(malformed)
    unusable = pd.Series(False, index=raw.index)
    for mask, column, reason in checks:
        mask = mask.fillna(False).astype(bool) & ~unusable
        rejected += reject_where(raw, mask, column, reason)
        unusable |= mask

    keep = ~unusable
    messages = pd.DataFrame(
        {name: field(name)[keep].astype(object) for name in REQUIRED_FIELDS + OPTIONAL_FIELDS}
    )
    messages["role"] = role[keep]
    messages["created_at"] = created_at[keep]
    messages["channel"] = messages["channel"].fillna(channel).str.lower()
    # A helpdesk export is one company's: its brand is the file's name unless a column says.
    messages["brand"] = messages["brand"].fillna(path.stem)
    is_agent = messages["role"] == "agent"
    messages.loc[is_agent, "agent_id"] = messages.loc[is_agent, "agent_id"].fillna(
        messages.loc[is_agent, "author_id"]
    )
    messages["source"] = source_labels(path, raw.loc[keep, "_row"])
    messages["_row"] = raw.loc[keep, "_row"]
    messages = messages.astype(object).where(messages.notna(), None)
    messages["created_at"] = created_at[keep]
    messages = _link_within_conversations(messages)
    result = canonical(messages)
    return LoadResult(
        messages=result,
        rejected=rejected_frame(path, rejected),
        rows_read=len(raw) + len(malformed),
        format="messages-csv",
        path=path,
    )


def _link_within_conversations(messages: pd.DataFrame) -> pd.DataFrame:
    """Helpdesk exports often give a ticket id but no reply links: a message without a parent
    then answers the message before it in the same conversation."""
    has_conversation = messages["conversation_id"].notna()
    if not has_conversation.any():
        return messages
    ordered = messages.loc[has_conversation].sort_values(["conversation_id", "created_at"])
    previous = ordered.groupby("conversation_id", sort=False)["message_id"].shift(1)
    previous = previous.reindex(messages.index)
    target = has_conversation & messages["parent_id"].isna()
    messages.loc[target, "parent_id"] = previous[target]
    messages["parent_id"] = (
        messages["parent_id"].astype(object).where(messages["parent_id"].notna(), None)
    )
    return messages


def _parse_times(values: pd.Series, timezone: str) -> pd.Series:
    """UTC times from ISO-like strings; naive ones are taken to be in `timezone`."""
    has_offset = values.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        out[has_offset] = pd.to_datetime(
            values[has_offset], errors="coerce", utc=True, format="mixed"
        )
    naive = ~has_offset & values.notna()
    if naive.any():
        local = pd.to_datetime(values[naive], errors="coerce", format="mixed")
        out[naive] = local.dt.tz_localize(
            timezone, ambiguous="NaT", nonexistent="shift_forward"
        ).dt.tz_convert("UTC")
    return out
