"""The canonical tables, declared once and checked at the edges (after loading, before writing).

`messages`: one row per message, whatever the input format.
`exchanges`: one row per customer message and brand, with that brand's first direct reply or none.
`tickets`: ticket-level fields from helpdesk exports.
`rejected`: input rows that could not be used, with the reason.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

ROLES = ("customer", "agent")

# Why an exchange is left out of latency figures (still counted, never dropped).
LATENCY_EXCLUSIONS = (
    "reply_before_complaint",  # the reply's timestamp is earlier than the message it answers
    "complaint_time_unknown",  # the export has no time for the customer message
    "reply_time_unknown",  # answered, but the export has no time for the reply
)

UTC = "UTC"


def _utc_time(nullable: bool = False) -> pa.Column:
    return pa.Column(pd.DatetimeTZDtype(unit="ns", tz=UTC), nullable=nullable, coerce=True)


def _text(nullable: bool = True, required: bool = True) -> pa.Column:
    return pa.Column(str, nullable=nullable, required=required, coerce=True)


def _flag() -> pa.Column:
    """A label that may be unknown (NA), present once `analyze` has added it."""
    return pa.Column("boolean", nullable=True, required=False, coerce=True)


def _score() -> pa.Column:
    return pa.Column(float, pa.Check.in_range(-1, 1), nullable=True, required=False, coerce=True)


MESSAGES = pa.DataFrameSchema(
    {
        "message_id": pa.Column(str, unique=True, nullable=False, coerce=True),
        "conversation_id": _text(nullable=False),
        "parent_id": _text(),  # the message this one answers; null for a conversation start
        "author_id": _text(nullable=False),
        "author_name": _text(),  # a person's name where the export gives one (tickets, helpdesks)
        "role": pa.Column(str, pa.Check.isin(ROLES), nullable=False, coerce=True),
        "brand": _text(),  # the company answering; null when no agent ever took part
        "agent_id": _text(),  # the named agent where the data gives one
        "channel": _text(nullable=False),
        "created_at": _utc_time(nullable=True),
        "text": pa.Column(str, nullable=False, coerce=True),
        "source": _text(nullable=False),  # "file:line" of the input row, for tracing
        # Threading flags: kept, and said, never silently fixed.
        "parent_missing": pa.Column(bool, coerce=True),  # the parent is not in the file
        "cycle_broken": pa.Column(bool, coerce=True),  # the parent link was cut to break a cycle
        "reply_before_parent": pa.Column(bool, coerce=True),  # earlier than the message it answers
        # The prepared text (analysis.prepare): computed once, read by every measure.
        "body": _text(nullable=False),  # without reply prefix and signature
        "agent_signature": _text(),  # "JK", "Becky": agent messages only
        "addressed_name": _text(),  # the name an agent reply addresses its reader by
        "masked_text": _text(nullable=False),  # handles, links, e-mails, numbers, names masked
        "sentences": _text(nullable=False),  # lowercased, one sentence per line, for the rules
        # Helpdesk fields a support lead compares by (analysis.groups), where the export has them.
        "team": pa.Column(str, nullable=True, coerce=True, required=False),
        "priority": pa.Column(str, nullable=True, coerce=True, required=False),
        "ticket_type": pa.Column(str, nullable=True, coerce=True, required=False),
        "product": pa.Column(str, nullable=True, coerce=True, required=False),
        "satisfaction": pa.Column(float, nullable=True, coerce=True, required=False),  # rating
    },
    strict=False,
    name="messages",
)
PREPARED_COLUMNS = ("body", "agent_signature", "addressed_name", "masked_text", "sentences")

# The columns every loader returns before threading (threading adds conversation_id and flags).
LOADED_COLUMNS = [
    "message_id",
    "parent_id",
    "author_id",
    "author_name",
    "role",
    "brand",
    "agent_id",
    "channel",
    "created_at",
    "text",
    "source",
    # The helpdesk fields (null where the export has none): canonical() keeps only these columns.
    "team",
    "priority",
    "ticket_type",
    "product",
    "satisfaction",
]

# One row per customer message and brand: a message counts for every brand that answers it or
# that it @mentions (threads.build_exchanges), so message_id alone is not a key.
EXCHANGES = pa.DataFrameSchema(
    {
        # The customer message (the same fields as in messages).
        "message_id": pa.Column(str, nullable=False, coerce=True),
        "conversation_id": _text(nullable=False),
        "parent_id": _text(),
        "author_id": _text(nullable=False),
        "author_name": _text(),
        "brand": _text(),  # the brand this row counts the message for
        "channel": _text(nullable=False),
        "created_at": _utc_time(nullable=True),
        "text": _text(nullable=False),
        "source": _text(nullable=False),
        # Its first direct reply by that brand, all null when unanswered.
        "reply_id": _text(),
        "reply_author_id": _text(),
        "reply_agent_id": _text(),
        "reply_at": _utc_time(nullable=True),
        "reply_channel": _text(),
        "reply_text": _text(),
        "reply_count": pa.Column(int, pa.Check.ge(0), coerce=True),  # direct replies by the brand
        "answered": pa.Column(bool, coerce=True),
        "first_response_seconds": pa.Column(float, pa.Check.ge(0), nullable=True, coerce=True),
        "latency_excluded_reason": pa.Column(
            str, pa.Check.isin(LATENCY_EXCLUSIONS), nullable=True, coerce=True
        ),
        "observed_until": _utc_time(
            nullable=True
        ),  # end of the data: where unanswered are censored
        # What the customer did after the reply (analysis.outcomes), added by analyze: NA where
        # unanswered; thanked and still unhappy NA, too, where the customer never wrote again.
        "customer_replied": _flag(),
        "customer_thanked": _flag(),
        "customer_still_unhappy": _flag(),
        "followup_id": _text(required=False),
        "complaint_sentiment": _score(),  # VADER compound, -1 to 1
        "followup_sentiment": _score(),
        "sentiment_change": pa.Column(
            float, pa.Check.in_range(-2, 2), nullable=True, required=False, coerce=True
        ),
        # The tone of the reply (analysis.tone): NA where there is no reply to read.
        "dismissive_or_hostile": _flag(),
        "canned_policy_reply": _flag(),
    },
    unique=["message_id", "brand"],
    strict=False,
    name="exchanges",
)

TICKETS = pa.DataFrameSchema(
    {
        "ticket_id": pa.Column(str, unique=True, coerce=True),
        "created_at": _utc_time(nullable=True),
        "first_response_at": _utc_time(nullable=True),
        "resolved_at": _utc_time(nullable=True),
        "status": _text(),
        "priority": _text(),
        "channel": _text(),
        "agent_id": _text(),
        "satisfaction": pa.Column(float, nullable=True, coerce=True),
        "resolution_before_first_response": pa.Column(bool, coerce=True),
        "source": _text(nullable=False),
    },
    strict=False,
    name="tickets",
)

# Rejected input rows: `row` is the 1-based CSV record number, `source` "file:row N".
REJECTED_COLUMNS = ["source", "file", "row", "column", "value", "reason"]
REJECTED = pa.DataFrameSchema(
    {
        "source": _text(nullable=False),
        "file": _text(nullable=False),
        "row": pa.Column(int, coerce=True),
        "column": _text(),
        "value": _text(),
        "reason": _text(nullable=False),
    },
    strict=True,
    ordered=True,
    name="rejected",
)

# Every customer message timed to the next agent message of its conversation (latency.next_reply_times).
NEXT_REPLIES = pa.DataFrameSchema(
    {
        "message_id": _text(nullable=False),
        "conversation_id": _text(nullable=False),
        "next_agent_message_id": _text(),
        "next_reply_seconds": pa.Column(float, nullable=True, coerce=True),
        "replied": pa.Column(bool, coerce=True),
        "turn_first": pa.Column(bool, coerce=True),
        "duration_seconds": pa.Column(float, nullable=True, coerce=True),
    },
    strict=False,
    name="next_replies",
)

# One row per agent message, with the personalisation measures (personalisation.score_replies).
REPLY_COLUMNS = [
    "message_id",
    "brand",
    "conversation_id",
    "created_at",
    "channel",
    "agent_id",
    "text",
    "complaint_id",
    "complaint_text",
    "customer_id",
    "customer_name",
    "handle_in_prefix",
    "uses_handle",
    "addresses_by_name",
    "addressed_name",
    "signed",
    "agent_signature",
    "masked_text",
    "overlap_share",
    "tfidf_similarity",
    "specificity",
    "template_id",
    "template_size",
    "template_distance",
    "is_template",
    "first_response_seconds",
]
_SHARE = pa.Check.in_range(0, 1)
REPLIES = pa.DataFrameSchema(
    {
        "message_id": pa.Column(str, unique=True, coerce=True),
        "handle_in_prefix": pa.Column(bool, coerce=True),
        "uses_handle": pa.Column(bool, coerce=True),
        "addresses_by_name": pa.Column(bool, coerce=True),
        "signed": pa.Column(bool, coerce=True),
        "overlap_share": pa.Column(float, _SHARE, nullable=True, coerce=True),
        "tfidf_similarity": pa.Column(float, _SHARE, nullable=True, coerce=True),
        "specificity": pa.Column(float, _SHARE, nullable=True, coerce=True),
        "template_size": pa.Column(int, pa.Check.ge(1), coerce=True),
        "is_template": pa.Column(bool, coerce=True),
        "first_response_seconds": pa.Column(float, nullable=True, coerce=True),
    },
    strict=False,
    name="replies",
)

# The tables of a run folder (analysis.store), each checked when it is written.
RUN_TABLES = {
    "messages": MESSAGES,
    "exchanges": EXCHANGES,
    "replies": REPLIES,
    "next_replies": NEXT_REPLIES,
    "rejected": REJECTED,
    "tickets": TICKETS,
}


def validate(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A run table checked against its declared schema (tables without one pass as they are)."""
    schema = RUN_TABLES.get(name)
    return frame if schema is None else schema.validate(frame)
