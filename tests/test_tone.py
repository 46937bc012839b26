"""Tone labels of brand replies: the RUBRIC.md hard cases, aggregation, evaluation file, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import tone
from tests.conftest import CDP_MAPPING

# (complaint, reply, dismissive_or_hostile, canned_policy_reply), worked out from RUBRIC.md.
HARD_CASES = [
    (
        "I want a refund for my flight, I'm ill.",
        "We can't refund a non-refundable fare, but with a doctor's note you can move it once "
        "for free within 12 months.",
        False,
        False,
    ),
    (
        "Your delivery guy drives faster than my nan at bingo night 😂",
        "Ha! We'll tell him to ease off, your nan sounds like a legend 😄",
        False,
        False,
    ),
    (
        "My parcel is a week late.",
        "We're so sorry, that's really not good enough. The courier shows it arriving tomorrow.",
        False,
        False,
    ),
    ("My flight was delayed 5 hours!", "Read the FAQ.", True, False),
    ("Why was my account suspended?", "You must have breached our terms of service.", False, True),
    (
        "Can I return these boots?",
        "Our policy is 30 days; yours was bought 12 days ago, so I've started the refund.",
        False,
        False,
    ),
]
CASE_IDS = [
    "firm refusal",
    "customer banter",
    "apology",
    "read the faq",
    "bare terms",
    "policy+case",
]


# Written for these tests (not taken from any label file): dismissive replies in words the cues
# were not written from, and polite replies that share a word with a cue.
HOSTILE_PARAPHRASES = [
    "Clearly you didn't read the email we sent.",
    "As we've told you twice, the answer is no.",
    "Take it or leave it.",
    "Nope.",
    "That's your problem, not ours.",
    "We're not refunding it.",
    "It's a phone, not a miracle worker.",
]
POLITE_NEAR_MISSES = [
    "You should have received a confirmation email by now.",
    "We're sorry, there's nothing we can do because the fare is non-refundable, but you can "
    "change it for free.",
    "No problem, glad we could help!",
    "Obviously we want to sort this, could you DM us your order number?",
    "You chose the express option, so it should arrive tomorrow by 1pm.",
    "It's not hard to see why you're upset. We've refunded the delivery.",
    "Ha, two whole days of sunshine, we'll take it 😄",
    "No. The fee stays because the booking was changed after the deadline on the 3rd.",
]


def test_hostile_rule_reads_paraphrases_and_spares_near_misses() -> None:
    replies = pd.Series(HOSTILE_PARAPHRASES + POLITE_NEAR_MISSES)
    expected = [True] * len(HOSTILE_PARAPHRASES) + [False] * len(POLITE_NEAR_MISSES)
    assert tone.hostile_rule(replies).tolist() == expected


def test_training_reads_the_hand_training_files_in_groups_of_their_own() -> None:
    files = tone.training_files()
    assert files, "data/labels/outcomes/tone_training_a.csv is committed"
    training = tone.load_training_labels()
    for path in files:
        source = path.stem.removeprefix("tone_")
        rows = training[training["source"] == source]
        assert len(rows) == len(pd.read_csv(path)) and (rows["brand"] == "").all()
        assert rows["group"].str.startswith(f"{source}:").all()
        assert rows[list(tone.TONE_LABELS)].isin([0, 1]).all().all()


# Written for this test, in none of the label files: hostile replies in wordings no cue was
# written from, and polite replies in the same few words. Not a measure (tone_quality.csv is);
# floors at what was seen when the test was written: the rules flag none of the six, the chosen
# labeller (the model cut at .8, kept high for the real replies' sake) flags 2 (a third sits at
# .80) and no polite one, and the model ranks 5 of the 6 above every polite reply.
UNSEEN_HOSTILE = [
    "Sounds like a personal problem tbh.",
    "Honestly, who orders a fridge without measuring the kitchen?",
    "Yeah, we're not doing this again. Goodbye.",
    "Cry about it.",
    "Wow. You really can't follow simple directions, can you?",
    "Learn to read the label before complaining.",
]
UNSEEN_POLITE = [
    "Sorry about that, we've sent a new one and it arrives Friday.",
    "Ha, fair enough! Which store was it? We'll pass it on.",
    "We can't refund it as it was used, but you can swap it for store credit.",
    "Yes, that's right: it ships Monday.",
    "Thanks for letting us know. Could you DM us the order number?",
    "No, the offer ended on the 3rd, but the new one starts next week.",
]


def test_chosen_labeller_reads_hostility_the_rules_were_not_written_for() -> None:
    replies = UNSEEN_HOSTILE + UNSEEN_POLITE
    exchanges = pd.DataFrame(
        {"text": "", "reply_text": replies, "answered": True, "brand": "X", "reply_agent_id": None}
    )
    hostile = slice(0, len(UNSEEN_HOSTILE))
    polite = slice(len(UNSEEN_HOSTILE), None)
    ruled = tone.hostile_rule(pd.Series(replies)).to_numpy()
    chosen = tone.label_tone(exchanges)
    flagged = chosen["dismissive_or_hostile"].to_numpy(dtype=bool)
    assert not ruled[hostile].any()
    assert flagged[hostile].sum() >= 2 and not flagged[polite].any()
    proba = tone.label_tone(exchanges, labeller="model")["dismissive_or_hostile_proba"].to_numpy()
    assert (proba[hostile] > proba[polite].max()).sum() >= 5


def test_rules_or_model_flags_what_either_flags(hard_cases: pd.DataFrame) -> None:
    exchanges = _exchanges(hard_cases)
    either = tone.label_tone(exchanges, labeller="rules_or_model")
    rules = tone.label_tone(exchanges, labeller="rules")
    model = tone.label_tone(exchanges, labeller="model")
    for label in tone.TONE_LABELS:
        expected = rules[label].fillna(False) | model[label].fillna(False)
        assert either[label].fillna(False).tolist() == expected.tolist()


def test_training_reads_only_the_odd_half_of_the_heldout_set() -> None:
    heldout = tone.heldout_development_items()
    numbers = heldout["item_id"].str.extract(r"^ho-tone-(\d+)$")[0].astype(int)
    assert len(heldout) > 0 and (numbers % 2 == 1).all()
    training = tone.load_training_labels()
    used = training.loc[training["source"] == tone.HELDOUT_SOURCE, "item_id"]
    assert set(used) == set(heldout["item_id"])
    assert (
        training.loc[training["source"] == tone.HELDOUT_SOURCE, "group"]
        .str.startswith("heldout:")
        .all()
    )


@pytest.fixture(scope="module")
def hard_cases() -> pd.DataFrame:
    return pd.DataFrame(
        HARD_CASES, columns=["text", "reply_text", "dismissive_or_hostile", "canned_policy_reply"]
    )


@pytest.mark.parametrize("position", range(len(HARD_CASES)), ids=CASE_IDS)
def test_rules_read_the_hard_cases(hard_cases: pd.DataFrame, position: int) -> None:
    hostile = tone.hostile_rule(hard_cases["reply_text"], hard_cases["text"])
    canned = tone.canned_policy_rule(hard_cases["reply_text"], hard_cases["text"])
    assert hostile.iloc[position] == hard_cases["dismissive_or_hostile"].iloc[position]
    assert canned.iloc[position] == hard_cases["canned_policy_reply"].iloc[position]


def _exchanges(hard_cases: pd.DataFrame) -> pd.DataFrame:
    unanswered = pd.DataFrame({"text": ["Hello?"], "reply_text": [None], "answered": [False]})
    frame = pd.concat([hard_cases[["text", "reply_text"]].assign(answered=True), unanswered])
    brands = ["Air", "Air", "Shop", "Air", "Shop", "Shop", "Shop"]
    return frame.assign(brand=brands, reply_agent_id="a1").reset_index(drop=True)


def test_label_tone_chosen_labeller_reads_hard_cases_and_leaves_unanswered_na(
    hard_cases: pd.DataFrame,
) -> None:
    labelled = tone.label_tone(_exchanges(hard_cases))
    for label in tone.TONE_LABELS:
        assert str(labelled[label].dtype) == "boolean"
        assert labelled[label].iloc[:-1].tolist() == hard_cases[label].tolist()
        assert labelled[label].isna().tolist() == [False] * 6 + [True]
        assert np.isnan(labelled[f"{label}_proba"].iloc[-1])


def test_label_tone_scores_a_repeated_pair_the_same(hard_cases: pd.DataFrame) -> None:
    exchanges = _exchanges(hard_cases)
    doubled = pd.concat([exchanges, exchanges.iloc[[3]]], ignore_index=True)
    labelled = tone.label_tone(doubled, labeller="rules")
    assert bool(labelled["dismissive_or_hostile"].iloc[-1]) is True
    assert labelled["dismissive_or_hostile_proba"].iloc[-1] == 1.0


def test_label_tone_rejects_an_unknown_labeller(hard_cases: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown tone labeller"):
        tone.label_tone(_exchanges(hard_cases), labeller="vader")


def test_by_group_shares_equal_a_plain_pandas_computation(hard_cases: pd.DataFrame) -> None:
    labelled = tone.label_tone(_exchanges(hard_cases), labeller="rules")
    table = tone.by_group(labelled).set_index("brand")
    read = labelled[labelled["answered"]]
    for label in tone.TONE_LABELS:
        expected = read.groupby("brand")[label].apply(lambda values: values.astype(float).mean())
        pd.testing.assert_series_equal(
            table[f"{label}_share"], expected, check_names=False, check_index_type=False
        )
        assert (table[f"{label}_share_low"] <= table[f"{label}_share"]).all()
        assert (table[f"{label}_share"] <= table[f"{label}_share_high"]).all()
    assert table["reply_count"].to_dict() == {"Air": 3, "Shop": 3}


def test_worst_examples_are_the_surest_positives() -> None:
    labelled = pd.DataFrame(
        {
            "brand": ["A", "B", "C", "D"],
            "text": ["c1", "c2", "c3", "c4"],
            "reply_text": ["r1", "r2", "r3", "r4"],
            "dismissive_or_hostile": pd.array([True, True, False, True], dtype="boolean"),
            "dismissive_or_hostile_proba": [0.6, 0.9, 0.99, 0.7],
        }
    )
    worst = tone.worst_examples(labelled, "dismissive_or_hostile", n=2)
    assert worst["brand"].tolist() == ["B", "D"]
    assert worst["reply_text"].tolist() == ["r2", "r4"]
    assert worst.columns.tolist() == [
        "brand",
        "complaint",
        "reply_text",
        "dismissive_or_hostile_proba",
    ]


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The evaluation on the committed labels (cdp and hand items; twcs when the sample is set),
    with few bootstrap draws to stay fast."""
    out = tmp_path_factory.mktemp("tone") / "tone_quality.csv"
    tone.evaluate(out=out, draws=50)
    return pd.read_csv(out)


def test_evaluation_file_has_the_promised_columns(quality: pd.DataFrame) -> None:
    assert quality.columns.tolist() == tone.QUALITY_COLUMNS
    keys = set(zip(quality["label"], quality["labeller"], quality["scope"], strict=True))
    expected = {
        (label, labeller, scope)
        for label in tone.TONE_LABELS
        for labeller in tone.LABELLERS
        for scope in tone._SCOPES
        if scope != "training" or tone.training_files()
    }
    assert keys == expected
    assert quality.groupby(["label", "scope"])["chosen"].sum().eq(1).all()
    # Real replies have no hostile positive: its precision and recall are not measured there.
    hostile_real = quality[
        (quality["label"] == "dismissive_or_hostile") & (quality["scope"] == "real")
    ]
    assert not hostile_real["measurable"].any() and hostile_real["f1"].isna().all()


# The bound the labeller was chosen under: at most 0.5% of the real replies the annotators did not
# flag. Out of fold (tone_quality.csv) the chosen rules-or-model flags 4 of about 1,321 hostile
# (0.30%) and 3 canned (0.23%); here the model has seen these replies, so it flags fewer.
REAL_FALSE_POSITIVE_RATE_BOUND = 0.005


def test_chosen_labeller_rarely_flags_real_replies_the_annotators_did_not() -> None:
    labels = tone.load_training_labels()
    real = labels[labels["source"].isin(["cdp", "twcs"])]
    exchanges = pd.DataFrame(
        {
            "text": real["complaint"].to_numpy(),
            "reply_text": real["reply"].to_numpy(),
            "answered": True,
            "brand": real["brand"].to_numpy(),
            "reply_agent_id": None,
        }
    )
    labelled = tone.label_tone(exchanges, labeller="chosen")
    for label in tone.TONE_LABELS:
        negative = real[label].to_numpy() == 0
        flagged = labelled[label].to_numpy(dtype=bool)
        assert (flagged & negative).sum() / negative.sum() <= REAL_FALSE_POSITIVE_RATE_BOUND


def test_label_tone_on_the_real_cdp_sample_is_na_exactly_when_unanswered(cdp_sample) -> None:
    from analysis import pipeline

    exchanges = pipeline.run(cdp_sample, "messages-csv", mapping=CDP_MAPPING).exchanges
    labelled = tone.label_tone(exchanges)
    unanswered = ~exchanges["answered"].fillna(False).astype(bool)
    assert unanswered.any() and (~unanswered).any()
    for label in tone.TONE_LABELS:
        assert labelled[label].isna().tolist() == unanswered.tolist()
        assert labelled[f"{label}_proba"].isna().tolist() == unanswered.tolist()


def test_scoring_in_chunks_gives_the_same_labels_as_all_at_once(demo_tables, monkeypatch):
    """Chunks bound a run's memory (the character n-grams of every reply at once took 4 GB at
    158,000 replies); they must not change a single label or probability."""
    from analysis import rubric

    labelled = rubric.label_exchanges(demo_tables.exchanges, messages=demo_tables.messages)
    whole = tone.label_tone(labelled, messages=demo_tables.messages)
    monkeypatch.setattr(tone, "SCORING_CHUNK", 37)
    chunked = tone.label_tone(labelled, messages=demo_tables.messages)
    columns = [c for c in whole if c.startswith(tone.TONE_LABELS)]
    pd.testing.assert_frame_equal(whole[columns], chunked[columns], check_exact=True)


def test_scoring_without_messages_in_chunks_gives_the_same_labels(demo_tables, monkeypatch):
    """The path without messages prepares, features and scores a chunk at a time too."""
    exchanges = demo_tables.exchanges
    whole = tone.label_tone(exchanges)
    monkeypatch.setattr(tone, "SCORING_CHUNK", 37)
    chunked = tone.label_tone(exchanges)
    columns = [c for c in whole if c.startswith(tone.TONE_LABELS)]
    assert whole[columns[0]].notna().sum() > 37 * 3
    pd.testing.assert_frame_equal(whole[columns], chunked[columns], check_exact=True)


def test_tone_reading_the_rubrics_replies_gives_the_same_labels(demo_tables, monkeypatch):
    """The whole replies and rubric rule features a run read once (`rubric.read_replies`) give
    tone the labels and probabilities it gets computing them itself, chunk by chunk."""
    from analysis import rubric

    read = rubric.read_replies(demo_tables.exchanges, demo_tables.messages)
    labelled = rubric.label_exchanges(demo_tables.exchanges, messages=demo_tables.messages)
    monkeypatch.setattr(tone, "SCORING_CHUNK", 101)  # the features of several chunks
    own = tone.label_tone(labelled, messages=demo_tables.messages)
    reused = tone.label_tone(labelled, messages=demo_tables.messages, read=read)
    columns = [c for c in own if c.startswith(tone.TONE_LABELS)]
    assert own[columns[0]].notna().sum() > 101 * 3
    pd.testing.assert_frame_equal(own, reused, check_exact=True)
    with pytest.raises(ValueError, match="read_replies"):
        tone.label_tone(labelled.drop(index=read.prepared.index[:1]), read=read)


def test_the_model_scores_each_distinct_input_once(hard_cases: pd.DataFrame) -> None:
    """A repeated reply (a template) is scored once and every copy gets its probability: the
    same, value for value, as scoring every row."""

    class Counting:
        def __init__(self, model):
            self.model, self.rows = model, []

        def predict_proba(self, inputs):
            self.rows.append(len(inputs))
            return self.model.predict_proba(inputs)

    model = tone.trained_model()
    inputs = tone._prepared_inputs(hard_cases["reply_text"], hard_cases["text"])
    repeated = pd.concat([inputs, inputs.iloc[::-1], inputs]).reset_index(drop=True)
    counting = Counting(model)
    proba = tone._probabilities(counting, repeated)
    assert counting.rows == [len(inputs)]
    every_row = np.column_stack([label[:, 1] for label in model.predict_proba(repeated)])
    np.testing.assert_array_equal(proba.to_numpy(), every_row)
    assert proba.index.equals(repeated.index)


def _with_scikit_learns_char_counting(model):
    """A copy of the fitted tone model whose character n-grams scikit-learn itself counts (the
    same fitted vocabulary and idf in a plain TfidfVectorizer)."""
    import copy

    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = copy.deepcopy(model)
    steps = reference["features"].transformers_
    for position, (name, step, columns) in enumerate(steps):
        if name == "chars":
            plain = TfidfVectorizer(**step.get_params())
            plain.__dict__.update(step.__dict__)
            steps[position] = (name, plain, columns)
    assert type(reference["features"].named_transformers_["chars"]) is TfidfVectorizer
    return reference


def _assert_fast_char_counting_changes_nothing(tables) -> None:
    from analysis import rubric

    labelled = rubric.label_exchanges(tables.exchanges, messages=tables.messages)
    model = tone.trained_model()
    fast = tone.label_tone(labelled, model=model, messages=tables.messages)
    slow = tone.label_tone(
        labelled, model=_with_scikit_learns_char_counting(model), messages=tables.messages
    )
    columns = [c for c in fast if c.startswith(tone.TONE_LABELS)]
    assert fast[columns[1]].notna().any()
    pd.testing.assert_frame_equal(fast[columns], slow[columns], check_exact=True)


def test_fast_char_counting_gives_the_same_tone_on_demo_data(demo_tables) -> None:
    _assert_fast_char_counting_changes_nothing(demo_tables)


def test_fast_char_counting_gives_the_same_tone_on_real_tweets(real_sample) -> None:
    from analysis import pipeline

    _assert_fast_char_counting_changes_nothing(pipeline.run(real_sample))


def test_scoring_in_processes_gives_the_same_labels_as_in_this_one(demo_tables, monkeypatch):
    from analysis import parallel, rubric

    labelled = rubric.label_exchanges(demo_tables.exchanges, messages=demo_tables.messages)
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    serial = tone.label_tone(labelled, messages=demo_tables.messages)
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    monkeypatch.setattr(tone, "PARALLEL_CHUNK", 150)
    spread = tone.label_tone(labelled, messages=demo_tables.messages)
    columns = [c for c in serial if c.startswith(tone.TONE_LABELS)]
    assert serial[columns[0]].notna().sum() > 300  # several chunks of 150 replies
    pd.testing.assert_frame_equal(serial[columns], spread[columns], check_exact=True)
