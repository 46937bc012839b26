"""Who answered: the agent behind each agent message, named by the data or by the sign-off.

One identity on every page: the export's agent id where it gives one, else `brand/signature`
("NimbusMobile/JK"); latency, personalisation and the rubric all read `messages.agent_id`.
"""

from __future__ import annotations

import pandas as pd

from analysis import prepare


def name_signed_agents(messages: pd.DataFrame) -> pd.DataFrame:
    """Agent messages the data names no agent for take the one who signed them ("^JK" ->
    "Brand/JK"), read from the text stage's `agent_signature` (run here if it has not run)."""
    messages = prepare.ensure_prepared(messages)
    unnamed = (messages["role"] == "agent") & messages["agent_id"].isna()
    if not unnamed.any():
        return messages
    signature = messages.loc[unnamed, "agent_signature"].astype("string")
    named = messages.loc[unnamed, "brand"].fillna("unknown").astype(str) + "/" + signature
    messages = messages.copy()
    messages.loc[unnamed, "agent_id"] = named.astype(object).where(signature.notna(), None)
    messages["agent_id"] = (
        messages["agent_id"].astype(object).where(messages["agent_id"].notna(), None)
    )
    return messages


def role_conflicts(
    messages: pd.DataFrame, role_column: str = "role"
) -> tuple[pd.DataFrame, list[dict]]:
    """Agent messages by an author who writes as a customer more often: rejected, not a brand.

    A brand is whoever writes agent messages, so one customer tweet marked `inbound=False` would
    make that customer a "brand" shown (handle and all) on every page. An author who is a customer
    in most of their rows is a customer; their agent rows are rejected with the conflict named.
    An agent who now and then writes as a customer (an internal ticket) keeps both roles.
    """
    from analysis.io.common import UNKNOWN_AUTHOR

    known = messages["author_id"].notna() & (messages["author_id"] != UNKNOWN_AUTHOR)
    roles = (
        messages.loc[known]
        .groupby(["author_id", "role"], observed=True)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=["customer", "agent"], fill_value=0)
    )
    customers = roles.index[(roles["agent"] > 0) & (roles["customer"] > roles["agent"])]
    conflicted = known & (messages["role"] == "agent") & messages["author_id"].isin(customers)
    if not conflicted.any():
        return messages, []
    customer_rows = messages["author_id"].map(roles["customer"])
    rejected = [
        {
            "row": int(row),
            "column": role_column,
            "value": str(value),
            "reason": (
                f"role conflict: marked as the brand's, but its author writes as a customer in "
                f"{int(count)} other row(s); not counted as a brand reply"
            ),
        }
        for row, value, count in zip(
            messages.loc[conflicted, "_row"],
            messages.loc[conflicted, "role"],
            customer_rows[conflicted],
            strict=True,
        )
    ]
    return messages.loc[~conflicted].reset_index(drop=True), rejected
