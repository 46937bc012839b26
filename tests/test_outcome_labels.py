"""The outcome and tone labelling sheets (data/labels/outcomes/) and their label passes.

The sheets hold the items, the pass files one 0/1 value per label per item. twcs rows carry tweet
ids only: that file's licence does not allow committing its text, which the last test checks
against the shared file when SUPPORT_QUALITY_REAL_SAMPLE names it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths

OUTCOMES = paths.PROJECT_ROOT / "data" / "labels" / "outcomes"
ID_COLUMNS = ["complaint_id", "reply_id", "followup_id"]
FOLLOWUP_LABELS = ["customer_thanked", "customer_still_unhappy"]
TONE_LABELS = ["dismissive_or_hostile", "canned_policy_reply"]
SHEETS = {
    "followups": (
        ["item_id", "source", "brand", "complaint", "reply", "followup"]
        + FOLLOWUP_LABELS
        + ID_COLUMNS,
        FOLLOWUP_LABELS,
    ),
    "tone": (
        ["item_id", "source", "brand", "complaint", "reply"] + TONE_LABELS + ID_COLUMNS[:2],
        TONE_LABELS,
    ),
}
# An e-mail address as the redactor's simplest pattern sees one (`[email]` is the mask).
EMAIL = re.compile(r"(?<!\w)[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(OUTCOMES / name, dtype=str, keep_default_na=False)


def _sheet(kind: str) -> pd.DataFrame:
    return _read(f"{kind}_sheet.csv")


@pytest.mark.parametrize("kind", SHEETS)
def test_sheet_has_the_promised_columns_and_unique_ids(kind):
    sheet = _sheet(kind)
    columns, labels = SHEETS[kind]
    assert list(sheet.columns) == columns
    assert sheet["item_id"].is_unique
    assert set(sheet["source"]) == {"cdp", "twcs", "hand"}
    assert (sheet[labels] == "").all().all(), "the sheet's label columns are for the annotators"


@pytest.mark.parametrize("kind", SHEETS)
def test_twcs_rows_carry_ids_and_no_text(kind):
    sheet = _sheet(kind)
    twcs = sheet[sheet["source"] == "twcs"]
    text = [c for c in ("complaint", "reply", "followup") if c in sheet]
    assert len(twcs) > 0
    assert (twcs[text] == "").all().all()
    assert (twcs["reply_id"] != "").all()
    others = sheet[sheet["source"] != "twcs"]
    assert (others["reply"] != "").all()


@pytest.mark.parametrize("kind", SHEETS)
def test_real_text_has_no_email_address(kind):
    """cdp texts hold customers' real addresses: masked (hand items may name a made-up
    brand address such as noreply@streamly.example)."""
    sheet = _sheet(kind)
    sheet = sheet[sheet["source"] == "cdp"]
    text = [c for c in ("complaint", "reply", "followup") if c in sheet]
    found = sheet[text].apply(lambda column: column.str.contains(EMAIL)).any(axis=1)
    assert not found.any(), sheet.loc[found, "item_id"].tolist()


def test_enough_followups_and_hand_written_items():
    followups, tone = _sheet("followups"), _sheet("tone")
    assert len(followups) >= 400
    assert (followups["followup"] != "").sum() + (followups["followup_id"] != "").sum() == len(
        followups
    )
    assert (followups["source"] == "hand").sum() >= 60
    assert (tone["source"] == "hand").sum() >= 80


def _check_pass(kind: str, number: int) -> None:
    name = f"{kind}_pass{number}.csv"
    if not (OUTCOMES / name).exists():
        pytest.skip(f"{name} is not there yet (the second annotator writes it)")
    labels = SHEETS[kind][1]
    labelled = _read(name)
    assert list(labelled.columns[: 1 + len(labels)]) == ["item_id", *labels]
    assert set(labelled.columns) <= {"item_id", *labels, "note"}
    assert labelled["item_id"].is_unique
    assert set(labelled["item_id"]) == set(_sheet(kind)["item_id"]), "every item, no other"
    values = labelled[labels]
    assert values.isin(["0", "1"]).all().all(), "every item labelled, with 0 or 1"


@pytest.mark.parametrize("kind", SHEETS)
@pytest.mark.parametrize("number", [1, 2])
def test_pass_labels_every_item_with_0_or_1(kind, number):
    _check_pass(kind, number)


def test_followup_pass1_never_both_thanked_and_unhappy():
    labelled = _read("followups_pass1.csv")
    both = (labelled["customer_thanked"] == "1") & (labelled["customer_still_unhappy"] == "1")
    assert not both.any(), "a thanks with a complaint in it is unhappy, not thanked (README)"


def _body(text: str) -> str:
    """A tweet without the @handles it opens with."""
    return re.sub(r"^(?:@\w+\s*)+", "", text).strip()


def test_no_twcs_text_in_any_file_of_the_folder(real_sample: Path):
    tweets = pd.read_csv(real_sample, dtype=str, keep_default_na=False)["text"].map(_body)
    # Short bodies ("Thanks!") could occur anywhere; 30 characters are the tweet's own words.
    tweets = [text for text in tweets if len(text) >= 30]
    assert tweets
    for path in sorted(OUTCOMES.iterdir()):
        if path.suffix not in {".csv", ".md", ".py"}:
            continue
        content = path.read_text(encoding="utf-8")
        leaked = [text for text in tweets if text in content]
        assert not leaked, f"{path.name} holds twcs text: {leaked[:2]}"
