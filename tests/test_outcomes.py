"""Customer outcomes: follow-up detection, the rules on RUBRIC.md's hard cases, the quality file,
and label_outcomes on the real cdp export."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import outcomes, pipeline
from tests.conftest import CDP_MAPPING

T0 = pd.Timestamp("2020-03-01 10:00", tz="UTC")


def _at(minutes: float | None) -> pd.Timestamp:
    return pd.NaT if pd.isna(minutes) else T0 + pd.Timedelta(minutes=minutes)


def _messages() -> pd.DataFrame:
    """Four conversations by hand: c1 a follow-up (and another customer's message, and one of the
    customer's own before the reply); c2 no follow-up; c3 unanswered; c4 an answer to the reply
    whose time is missing."""
    rows = [
        # id, conversation, author, role, minutes, parent, text
        ("m1", "c1", "ann", "customer", 0, None, "My order never came, this is awful"),
        ("m1b", "c1", "ann", "customer", 5, "m1", "Hello?? anyone"),  # before the reply
        ("r1", "c1", "Shop", "agent", 10, "m1", "Sorry! It ships today."),
        ("o1", "c1", "bob", "customer", 12, "r1", "Same here, thanks"),  # another customer
        ("f1", "c1", "ann", "customer", 20, "r1", "Sorted now, cheers"),
        ("f1b", "c1", "ann", "customer", 30, None, "Actually one more thing"),
        ("m2", "c2", "cat", "customer", 0, None, "App crashes on start"),
        ("r2", "c2", "Shop", "agent", 15, "m2", "Please reinstall it."),
        ("m3", "c3", "dan", "customer", 0, None, "Where is my refund?"),
        ("m4", "c4", "eve", "customer", 0, None, "Card declined twice"),
        ("r4", "c4", "Shop", "agent", 10, "m4", "Try again now."),
        ("f4", "c4", "eve", "customer", None, "r4", "Still declined, third time asking"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["message_id", "conversation_id", "author_id", "role", "m", "parent_id", "text"],
    )
    frame["created_at"] = [_at(m) for m in frame.pop("m")]
    return frame


def _exchanges(messages: pd.DataFrame) -> pd.DataFrame:
    by_id = messages.set_index("message_id")
    rows = [("m1", "r1"), ("m1b", None), ("m2", "r2"), ("m3", None), ("m4", "r4")]
    out = pd.DataFrame(rows, columns=["message_id", "reply_id"])
    for column in ("conversation_id", "author_id", "created_at", "text"):
        out[column] = out["message_id"].map(by_id[column])
    out["brand"] = "Shop"
    out["answered"] = out["reply_id"].notna()
    out["reply_at"] = out["reply_id"].map(by_id["created_at"])
    return out


def test_follow_ups_on_hand_built_conversations():
    messages = _messages()
    found = outcomes.follow_ups(_exchanges(messages), messages).set_index("message_id")
    assert list(found.columns) == [c for c in outcomes.FOLLOW_UP_COLUMNS if c != "message_id"]
    # The same customer's first message after the reply: not bob's, not ann's own earlier one.
    assert found.loc["m1", "followup_id"] == "f1"
    assert found.loc["m1", "followup_text"] == "Sorted now, cheers"
    assert found.loc["m1", "followup_at"] == _at(20)
    assert found.loc["m1", "customer_replied"]
    # Answered, no follow-up: replied False.
    assert not found.loc["m2", "customer_replied"]  # raises on NA: known, and false
    assert pd.isna(found.loc["m2", "followup_id"])
    # Unanswered: NA.
    assert pd.isna(found.loc["m3", "customer_replied"])
    assert pd.isna(found.loc["m1b", "customer_replied"])
    # An answer to the reply counts though its time is missing.
    assert found.loc["m4", "followup_id"] == "f4"


def test_label_outcomes_na_without_a_follow_up():
    messages = _messages()
    labelled = outcomes.label_outcomes(_exchanges(messages), messages, labeller="rules")
    labelled = labelled.set_index("message_id")
    assert labelled.loc["m1", "customer_thanked"]
    assert not labelled.loc["m1", "customer_still_unhappy"]  # raises on NA: known, and false
    assert labelled.loc["m4", "customer_still_unhappy"]
    for message in ("m2", "m3", "m1b"):
        assert pd.isna(labelled.loc[message, "customer_thanked"])
        assert pd.isna(labelled.loc[message, "customer_still_unhappy"])
        assert pd.isna(labelled.loc[message, "followup_sentiment"])
    assert str(labelled["customer_thanked"].dtype) == "boolean"
    # The complaint's sentiment is known for every exchange with a text; the change is the difference.
    assert labelled["complaint_sentiment"].notna().all()
    change = labelled.loc["m1", "followup_sentiment"] - labelled.loc["m1", "complaint_sentiment"]
    assert labelled.loc["m1", "sentiment_change"] == pytest.approx(change)
    assert labelled.loc["m1", "sentiment_change"] > 0  # "awful" to "sorted now, cheers"


@pytest.mark.parametrize(
    ("followup", "thanked", "unhappy"),
    [
        ("Thanks but it's still broken", False, True),
        ("thanks for nothing", False, True),
        ("Thanks for nothing. I asked for vouchers, not a form.", False, True),
        ("sorted now, cheers", True, False),
        ("This is the third time asking", False, True),
        ("Thanks, that worked! 🙏", True, False),
        ("That's not an answer. Useless.", False, True),
        ("Still not fixed?!", False, True),
        ("Got it, cheers", True, False),
        ("Thanks again, all good now", True, False),
        ("PS4", False, False),
        # The wider range a blind held-out set showed: flat failures, sarcasm, leaving, languages.
        ("nope", False, True),
        ("k. still nothing", False, True),
        ("Great, another bot reply.", False, True),
        ("Brilliant system.", False, True),
        ("Fine, I will take my business elsewhere.", False, True),
        ("You have lost a customer", False, True),
        ("Day 5 now and nothing", False, True),
        ("That's not what I asked", False, True),
        ("Is anyone actually reading these?", False, True),
        ("I've asked three times now", False, True),
        ("Thanks, but now it has charged me twice", False, True),
        ("Sigue sin funcionar", False, True),
        ("Merci, c'est réglé", True, False),
        ("Danke, funktioniert wieder", True, False),
        ("Thank you!!", True, False),
        # Plain acknowledgements, details and questions stay neither.
        ("ok", False, False),
        ("will try", False, False),
        ("DM sent", False, False),
        ("My order number is 4411", False, False),
        ("Can I still use my card in the meantime?", False, False),
    ],
)
def test_rules_on_rubric_hard_cases(followup, thanked, unhappy):
    texts = pd.Series([followup])
    features = outcomes.rule_features(texts, complaint_sentiment=pd.Series([0.0]))
    labels = outcomes.rule_labels(features)
    assert bool(labels.loc[0, "customer_thanked"]) is thanked
    assert bool(labels.loc[0, "customer_still_unhappy"]) is unhappy


def test_quality_file_has_the_promised_columns_and_the_chosen_labeller():
    quality = outcomes.outcome_quality()
    assert list(quality.columns) == outcomes.QUALITY_COLUMNS
    assert set(quality["evaluation"]) == set(outcomes.EVALUATIONS)
    chosen = quality[quality["chosen"]].set_index(["evaluation", "outcome"])["labeller"]
    for outcome, labeller in outcomes.CHOSEN_LABELLER.items():
        assert chosen[("real", outcome)] == labeller
    # Hand-written items are no sample: the file gives no shares for them.
    assert quality.loc[quality["evaluation"] == "all", "true_share"].isna().all()
    real = quality[(quality["evaluation"] == "real") & quality["chosen"]].set_index("outcome")
    # Measured: thanked .91, still unhappy .68 (both the model); floors are that minus 0.1.
    assert real.loc["customer_thanked", "f1"] >= 0.81
    assert real.loc["customer_still_unhappy", "f1"] >= 0.58
    assert (real["f1_low"] <= real["f1"]).all() and (real["f1"] <= real["f1_high"]).all()


def test_model_trains_on_the_labels_and_reads_plain_thanks():
    model = outcomes.trained_model()
    inputs = outcomes.model_inputs(
        pd.Series(["Thanks so much, all sorted!", "Still broken, third time asking. Useless."]),
        pd.Series(["My router is down", "My router is down"]),
    )
    proba = outcomes.probabilities(model, inputs)
    assert proba.loc[0, "customer_thanked"] > 0.5 > proba.loc[1, "customer_thanked"]
    assert proba.loc[1, "customer_still_unhappy"] > 0.5 > proba.loc[0, "customer_still_unhappy"]


@pytest.fixture(scope="module")
def cdp_tables(cdp_sample):
    return pipeline.run(cdp_sample, "messages-csv", mapping=CDP_MAPPING)


def test_label_outcomes_on_the_real_cdp_export(cdp_tables):
    exchanges, messages = cdp_tables.exchanges, cdp_tables.messages
    labelled = outcomes.label_outcomes(exchanges, messages)
    answered = exchanges["answered"].to_numpy()
    has = labelled["followup_id"].notna().to_numpy()
    # The labelling sheet's count: 107 cdp follow-ups.
    assert has.sum() == 107
    assert labelled.loc[~answered, "customer_replied"].isna().all()
    assert (labelled.loc[answered, "customer_replied"].to_numpy(dtype=bool) == has[answered]).all()
    for label in outcomes.OUTCOME_LABELS:
        assert (labelled[label].isna().to_numpy() == ~has).all()
    assert (labelled["followup_sentiment"].isna().to_numpy() == ~has).all()


def test_vader_in_processes_scores_as_in_this_one(demo_tables, monkeypatch):
    from analysis import parallel

    texts = demo_tables.messages["text"].head(400)
    texts = pd.concat([texts, texts.head(50), pd.Series([None, ""])], ignore_index=True)
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    serial = outcomes.vader_compound(texts)
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(outcomes, "VADER_CHUNK", 90)  # several chunks per process
    pd.testing.assert_series_equal(outcomes.vader_compound(texts), serial, check_exact=True)
    assert serial.isna().tolist() == texts.isna().tolist()


def test_label_outcomes_sentiment_is_vaders_own_score_of_each_text(demo_tables):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    exchanges, messages = demo_tables.exchanges, demo_tables.messages
    labelled = outcomes.label_outcomes(exchanges, messages, labeller="rules")
    text_of = messages.drop_duplicates("message_id").set_index("message_id")["text"]
    followed = labelled[labelled["followup_id"].notna()].head(60)
    assert len(followed) == 60
    vader = SentimentIntensityAnalyzer()
    for row in followed.itertuples():
        followup = text_of[row.followup_id]
        assert row.followup_sentiment == vader.polarity_scores(followup)["compound"]
        assert row.complaint_sentiment == vader.polarity_scores(row.text)["compound"]
