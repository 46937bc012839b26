"""Build the outcome and tone labelling sheets from the two real exports.

Run from the project root:

    .venv/bin/python data/labels/outcomes/build_sheets.py

It threads both shared files with the suite's pipeline, finds each answered exchange's
follow-up (the same customer's next message in the conversation after the brand's first
direct reply) and writes `followups_sheet.csv` and `tone_sheet.csv` beside this script, with
the hand-written items of `hand_followups.csv` and `hand_replies.csv` appended. The label
columns are left empty for the annotators. cdp texts are committed with e-mail addresses
masked; twcs rows carry tweet ids only (its licence does not allow committing the text).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import paths, pipeline, redact

HERE = Path(__file__).resolve().parent
# The shared files as the tests name them (SUPPORT_QUALITY_CDP_SAMPLE, SUPPORT_QUALITY_REAL_SAMPLE),
# else where they sit beside the project.
SHARED = paths.PROJECT_ROOT.parent / "shared" / "data"
CDP_PATH = paths.cdp_sample_path() or SHARED / "twitter_cdp_conversations_real.csv"
TWCS_PATH = paths.real_sample_path() or SHARED / "twcs_conversations_real.csv"
CDP_MAPPING = {"author_id": "author", "brand": "company"}

FOLLOWUP_LABELS = ["customer_thanked", "customer_still_unhappy"]
TONE_LABELS = ["dismissive_or_hostile", "canned_policy_reply"]
ID_COLUMNS = ["complaint_id", "reply_id", "followup_id"]
FOLLOWUP_COLUMNS = ["item_id", "source", "brand", "complaint", "reply", "followup"]
FOLLOWUP_COLUMNS += FOLLOWUP_LABELS + ID_COLUMNS
TONE_COLUMNS = ["item_id", "source", "brand", "complaint", "reply"]
TONE_COLUMNS += TONE_LABELS + ID_COLUMNS[:2]


def mask_emails(text: pd.Series) -> pd.Series:
    """Replace e-mail addresses by `[email]`, as data/labels/real does (the redactor's patterns)."""
    masked = text.fillna("").astype(str)
    for pattern in (redact._EMAIL, redact._OBFUSCATED_EMAIL, redact._CUT_EMAIL):
        masked = masked.str.replace(pattern, redact.EMAIL_MASK, regex=True)
    return masked


def followups(tables: pipeline.Tables) -> pd.DataFrame:
    """Answered exchanges with the id of the customer's next message after the reply.

    The next message is the earliest one by the same author in the same conversation that is
    not the reply's parent chain (a cdp last reply carries a made-up time, which may fall before
    messages written ahead of it) and is either written after the reply or answers it.
    """
    messages = tables.messages
    parent = messages.set_index("message_id")["parent_id"]
    answered = tables.exchanges[tables.exchanges["answered"]]
    rows = []
    for exchange in answered.itertuples():  # about a thousand exchanges: a loop reads best
        ancestors = set()
        node = exchange.reply_id
        while isinstance(node, str) and node in parent.index and node not in ancestors:
            ancestors.add(node)
            node = parent.get(node)
        descendants = {exchange.reply_id}
        grew = True
        while grew:
            more = set(messages.loc[messages["parent_id"].isin(descendants), "message_id"])
            grew = not more <= descendants
            descendants |= more
        same = messages[
            (messages["conversation_id"] == exchange.conversation_id)
            & (messages["author_id"] == exchange.author_id)
            & (messages["role"] == "customer")
            & ~messages["message_id"].isin(ancestors)
        ]
        later = same[
            same["message_id"].isin(descendants - {exchange.reply_id})
            | (same["created_at"] > exchange.reply_at)
        ]
        if later.empty:
            continue
        nxt = later.sort_values("created_at", kind="stable").iloc[0]
        rows.append(
            {
                "complaint_id": exchange.message_id,
                "reply_id": exchange.reply_id,
                "followup_id": nxt["message_id"],
                "brand": exchange.brand,
                "complaint": exchange.text,
                "reply": exchange.reply_text,
                "followup": nxt["text"],
            }
        )
    return pd.DataFrame(rows)


def replies(tables: pipeline.Tables) -> pd.DataFrame:
    """Every brand reply with the message it answers (its parent: for a second reply in a row,
    the brand's own earlier message)."""
    messages = tables.messages
    text = messages.set_index("message_id")["text"]
    agent = messages[messages["role"] == "agent"]
    return pd.DataFrame(
        {
            "complaint_id": agent["parent_id"].to_numpy(),
            "reply_id": agent["message_id"].to_numpy(),
            "brand": agent["brand"].to_numpy(),
            "complaint": agent["parent_id"].map(text).to_numpy(),
            "reply": agent["text"].to_numpy(),
        }
    )


def sheet(real: dict[str, pd.DataFrame], hand: pd.DataFrame, columns: list[str], prefix: str):
    """One sheet: cdp rows with masked text, twcs rows with ids only, then the hand items."""
    parts = []
    for source, frame in real.items():
        frame = frame.copy()
        frame["source"] = source
        frame["item_id"] = f"{prefix}-{source}-" + frame["reply_id"].astype(str)
        text_columns = [c for c in ("complaint", "reply", "followup") if c in columns]
        for column in text_columns:
            frame[column] = mask_emails(frame[column]) if source == "cdp" else ""
        if source == "cdp":
            frame[[c for c in ID_COLUMNS if c in frame]] = ""
        parts.append(frame)
    hand = hand.copy()
    hand["source"] = "hand"
    parts.append(hand)
    out = pd.concat(parts, ignore_index=True).reindex(columns=columns)
    out[[c for c in columns if c in FOLLOWUP_LABELS + TONE_LABELS]] = ""
    assert out["item_id"].is_unique
    return out


def main() -> None:
    cdp = pipeline.run(CDP_PATH, "messages-csv", mapping=CDP_MAPPING)
    twcs = pipeline.run(TWCS_PATH, "twcs")
    hand_followups = pd.read_csv(HERE / "hand_followups.csv", dtype=str, keep_default_na=False)
    hand_replies = pd.read_csv(HERE / "hand_replies.csv", dtype=str, keep_default_na=False)
    followup_sheet = sheet(
        {"cdp": followups(cdp), "twcs": followups(twcs)}, hand_followups, FOLLOWUP_COLUMNS, "fu"
    )
    tone_sheet = sheet(
        {"cdp": replies(cdp), "twcs": replies(twcs)}, hand_replies, TONE_COLUMNS, "tone"
    )
    followup_sheet.to_csv(HERE / "followups_sheet.csv", index=False)
    tone_sheet.to_csv(HERE / "tone_sheet.csv", index=False)
    counts = followup_sheet["source"].value_counts().to_dict()
    print(f"followups_sheet.csv: {len(followup_sheet)} items {counts}")
    print(
        f"tone_sheet.csv: {len(tone_sheet)} items {tone_sheet['source'].value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
