"""Who answered: the agent behind each agent message, named by the data or by the sign-off."""

from __future__ import annotations

import pandas as pd

from analysis.text import extract_signature


def name_signed_agents(messages: pd.DataFrame) -> pd.DataFrame:
    """Agent messages the data names no agent for take the one who signed them ("^JK" ->
    "Brand/JK"), so latency and the rubric can be reported per agent on twcs-style data too."""
    unnamed = (messages["role"] == "agent") & messages["agent_id"].isna()
    if not unnamed.any():
        return messages
    signature = extract_signature(messages.loc[unnamed, "text"])
    named = messages.loc[unnamed, "brand"].fillna("unknown").astype(str) + "/" + signature
    messages = messages.copy()
    messages.loc[unnamed, "agent_id"] = named.astype(object).where(signature.notna(), None)
    messages["agent_id"] = (
        messages["agent_id"].astype(object).where(messages["agent_id"].notna(), None)
    )
    return messages
