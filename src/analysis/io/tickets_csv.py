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
    read_csv_as_strings,
    reject_where,
    rejected_frame,
    source_labels,
)

SIGNATURE = {"Ticket ID", "Ticket Channel", "First Response Time"}
CREATED_COLUMNS = ("Ticket Created", "Created At", "Date Created", "Created", "Ticket Created At")
AGENT_COLUMNS = ("Assigned Agent", "Agent", "Assignee")
BRAND_COLUMNS = ("Brand", "Company")
TIME_EXAMPLE = "2023-06-01 12:15:36"
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


def _times(values: pd.Series | None, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Parsed UTC times and a mask of values present but unreadable."""
    if values is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]"), pd.Series(
            False, index=index
        )
    text = values.astype("string").str.strip().replace("", pd.NA)
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    return parsed, (text.notna() & parsed.isna()).astype(bool)


def read(path: Path) -> LoadResult:
    """Messages (one customer message per ticket) and the tickets table from a ticket export."""
    raw, malformed = read_csv_as_strings(path)
    missing = SIGNATURE - set(raw.columns)
    if missing:
        raise InputError(f"{path.name}: not a ticket export, missing column(s) {sorted(missing)}")

    created_column = next((c for c in CREATED_COLUMNS if c in raw), None)
    created_at, bad_created = _times(_first_present(raw, CREATED_COLUMNS), raw.index)
    first_response_at, bad_first = _times(_column(raw, "First Response Time"), raw.index)
    resolved_at, bad_resolved = _times(_column(raw, "Time to Resolution"), raw.index)
    ticket_id = raw["Ticket ID"].astype("string").str.strip().replace("", pd.NA)
    satisfaction = pd.to_numeric(_column(raw, "Customer Satisfaction Rating"), errors="coerce")
    bad_satisfaction = (
        _column(raw, "Customer Satisfaction Rating")
        .astype("string")
        .str.strip()
        .replace("", pd.NA)
        .notna()
        & satisfaction.isna()
    )

    rejected = list(malformed)
    checks = [
        (ticket_id.isna(), "Ticket ID", "missing ticket id"),
        (ticket_id.duplicated(keep="first"), "Ticket ID", "ticket id repeated (first kept)"),
        (bad_created, created_column, f"cannot read the time (expected like '{TIME_EXAMPLE}')"),
        (
            bad_first,
            "First Response Time",
            f"cannot read the time (expected like '{TIME_EXAMPLE}')",
        ),
        (
            bad_resolved,
            "Time to Resolution",
            f"cannot read the time (expected like '{TIME_EXAMPLE}')",
        ),
        (
            bad_satisfaction,
            "Customer Satisfaction Rating",
            "cannot read the satisfaction rating as a number",
        ),
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
            "_row": kept["_row"],
        }
    )
    notes = []
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
