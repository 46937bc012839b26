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
