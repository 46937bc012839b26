"""Reader for helpdesk ticket exports in the layout of the widely used Kaggle customer support
ticket dataset (Ticket ID, Customer Name, ..., First Response Time, Time to Resolution, ...).

That export has no ticket-creation time; when a created column is present (some exports add one)
it is used. Its known defects are flagged, not crashed on: a resolution before the first response,
missing times on open tickets, and '{product_purchased}' placeholders left in descriptions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.io.common import (
    InputError,
    LoadResult,
    canonical,
    find_columns,
    read_csv_as_strings,
    reject_where,
    rejected_frame,
    source_labels,
)
from analysis.io.messages_csv import satisfaction_ratings, unreadable_ratings_note
from analysis.io.times import parse_times, rejected_times

SIGNATURE = {"Ticket ID", "Ticket Channel", "First Response Time"}
CREATED_COLUMNS = ("Ticket Created", "Created At", "Date Created", "Created", "Ticket Created At")
AGENT_COLUMNS = ("Assigned Agent", "Agent", "Assignee")
BRAND_COLUMNS = ("Brand", "Company")
TEAM_COLUMNS = ("Team", "Group", "Assigned Group", "Assignee Group")
# Every column this reader reads, by the export's spelling; a header that differs only in case or
# surrounding spaces ("ticket id") names the same column.
COLUMNS = (
    *sorted(SIGNATURE),
    *CREATED_COLUMNS,
    *AGENT_COLUMNS,
    *BRAND_COLUMNS,
    *TEAM_COLUMNS,
    "Time to Resolution",
    "Customer Satisfaction Rating",
    "Customer Name",
    "Customer Email",
    "Product Purchased",
    "Ticket Subject",
    "Ticket Description",
    "Ticket Status",
    "Ticket Priority",
    "Ticket Type",
    "Resolution",
)
CHANNELS = {"social media": "social", "email": "email", "chat": "chat", "phone": "phone"}


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of the export, or an empty one when this export leaves it out."""
    if name in frame:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _first_present(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    for name in names:
        if name in frame:
            return frame[name]
    return None


def _text_or_none(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """A column's values stripped, empty or absent ones null: how the message rows carry them."""
    if values is None:
        return pd.Series(None, index=index, dtype=object)
    values = values.astype("string").str.strip().replace("", pd.NA)
    return values.astype(object).where(values.notna(), None)


def read(path: Path, timezone: str = "UTC", dayfirst: bool | None = None) -> LoadResult:
    """Messages (one customer message per ticket) and the tickets table from a ticket export;
    times are read by `analysis.io.times` (naive ones in `timezone`)."""
    raw, malformed = read_csv_as_strings(path)
    raw = raw.rename(columns={v: k for k, v in find_columns(path, raw.columns, COLUMNS).items()})
    missing = SIGNATURE - set(raw.columns)
    if missing:
        raise InputError(f"{path.name}: not a ticket export, missing column(s) {sorted(missing)}")

    created_column = next((c for c in CREATED_COLUMNS if c in raw), None)
    time_columns = [c for c in (created_column, "First Response Time", "Time to Resolution") if c]
    parsed = parse_times(
        raw,
        [c for c in time_columns if c in raw],
        file=path.name,
        timezone=timezone,
        dayfirst=dayfirst,
    )
    no_time = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    created_at, first_response_at, resolved_at = (
        parsed.times.get(c, no_time)
        for c in (created_column, "First Response Time", "Time to Resolution")
    )
    ticket_id = raw["Ticket ID"].astype("string").str.strip().replace("", pd.NA)
    satisfaction, bad_satisfaction = satisfaction_ratings(
        _column(raw, "Customer Satisfaction Rating")
    )

    rejected = list(malformed)
    checks = [
        (ticket_id.isna(), "Ticket ID", "missing ticket id"),
        (ticket_id.duplicated(keep="first"), "Ticket ID", "ticket id repeated (first kept)"),
        *rejected_times(parsed),
    ]
    unusable = pd.Series(False, index=raw.index)
    for mask, column, reason in checks:
        mask = mask.fillna(False).astype(bool) & ~unusable
        rejected += reject_where(raw, mask, column, reason)
        unusable |= mask

    keep = ~unusable
    kept = raw.loc[keep]
    product = _column(kept, "Product Purchased").fillna("")
    description = _column(kept, "Ticket Description").fillna("")
    # A known defect of the Kaggle export: the template placeholder was never filled in.
    description = pd.Series(
        [d.replace("{product_purchased}", p) for d, p in zip(description, product, strict=True)],
        index=kept.index,
        dtype=object,
    )
    subject = _column(kept, "Ticket Subject").fillna("")
    channel_raw = kept["Ticket Channel"].fillna("").str.strip().str.lower()
    channel = channel_raw.map(CHANNELS).fillna(channel_raw.replace("", "unknown"))
    agent = _first_present(kept, AGENT_COLUMNS)
    brand = _first_present(kept, BRAND_COLUMNS)
    team = _text_or_none(_first_present(kept, TEAM_COLUMNS), kept.index)
    customer = _column(kept, "Customer Email")
    customer = customer.fillna(_column(kept, "Customer Name"))
    customer = customer.fillna("ticket-" + ticket_id[keep])
    source = source_labels(path, kept["_row"])

    first_at, resolved = first_response_at[keep], resolved_at[keep]
    tickets = pd.DataFrame(
        {
            "ticket_id": ticket_id[keep].astype(object),
            "created_at": created_at[keep],
            "first_response_at": first_at,
            "resolved_at": resolved,
            "status": _column(kept, "Ticket Status"),
            "priority": _column(kept, "Ticket Priority"),
            "channel": channel,
            "agent_id": agent,
            "team": team,
            "satisfaction": satisfaction[keep].astype(float),
            "resolution_before_first_response": (resolved < first_at).fillna(False).astype(bool),
            "customer_name": _column(kept, "Customer Name"),
            "customer_email": _column(kept, "Customer Email"),
            "subject": subject,
            "description": description,
            "resolution": _column(kept, "Resolution"),
            "product": product,
            "ticket_type": _column(kept, "Ticket Type"),
            "brand": brand if brand is not None else path.stem,
            "source": source,
        }
    ).reset_index(drop=True)

    text = np.where(subject != "", subject + ": " + description, description)
    messages = pd.DataFrame(
        {
            "message_id": "ticket-" + ticket_id[keep],
            "parent_id": None,
            "author_id": customer,
            "author_name": _column(kept, "Customer Name"),
            "role": "customer",
            "brand": brand if brand is not None else path.stem,
            "agent_id": None,
            "channel": channel,
            "created_at": created_at[keep],
            "text": text,
            "source": source,
            # The ticket's fields on its message, where analysis.groups finds them for every
            # table (the tickets table keeps them as the export wrote them).
            "team": team,
            "priority": _text_or_none(_column(kept, "Ticket Priority"), kept.index),
            "ticket_type": _text_or_none(_column(kept, "Ticket Type"), kept.index),
            "product": _text_or_none(_column(kept, "Product Purchased"), kept.index),
            "satisfaction": satisfaction[keep].astype(float),
            "_row": kept["_row"],
        }
    )
    notes = list(parsed.notes)
    # An unreadable rating loses the rating, never the ticket.
    notes += unreadable_ratings_note(
        path.name, "Customer Satisfaction Rating", bad_satisfaction[keep]
    )
    if created_at[keep].isna().all():
        notes.append(
            f"{path.name} has no ticket-creation time: first-response times cannot be measured, "
            "only resolution after first response"
        )
    return LoadResult(
        messages=canonical(messages.astype({"message_id": object})),
        rejected=rejected_frame(path, rejected),
        rows_read=len(raw) + len(malformed),
        format="tickets-csv",
        path=path,
        tickets=tickets,
        notes=notes,
    )
