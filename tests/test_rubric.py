"""The five-lessons rubric: text labels on hand-written replies, lessons on a hand-built exchanges
table and Wilson shares per brand (the labellers' evaluation: tests/test_rubric_evaluation.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    agents,
    personalisation,
    prepare,
    rubric,
    rubric_model,
    rubric_rules,
    scorecard,
    text,
)

# (reply, complaint or None, label, expected): expected read off shared/RUBRIC.md by hand.
TEXT_CASES = [
    # the four made-up examples of RUBRIC.md, every label
    *[
        (
            "Thanks for flagging the double charge on your March invoice, Dana. I've refunded it; "
            "it shows within 3-5 days.",
            "@Brand you charged me twice on my March invoice!!",
            label,
            value,
        )
        for label, value in {
            "moves_channel": 0,
            "acknowledges_specifics": 1,
            "shows_appreciation": 1,
            "shares_resolution_or_timetable": 1,
            "says_sorry": 0,
            "addresses_by_name": 1,
        }.items()
    ],
    *[
        ("Please DM us so we can look into this.", "@Brand my order never came", label, value)
        for label, value in {
            "moves_channel": 1,
            "acknowledges_specifics": 0,
            "shows_appreciation": 0,
            "shares_resolution_or_timetable": 0,
            "says_sorry": 0,
            "addresses_by_name": 0,
        }.items()
    ],
    *[
        (
            "So sorry your parcel is late! The carrier now shows delivery tomorrow by 8pm.",
            "@Brand where is my parcel, it was due yesterday",
            label,
            value,
        )
        for label, value in {
            "moves_channel": 0,
            "acknowledges_specifics": 1,
            "shows_appreciation": 0,
            "shares_resolution_or_timetable": 1,
            "says_sorry": 1,
        }.items()
    ],
    *[
        ("We're sorry to hear that. Can you tell us more?", None, label, value)
        for label, value in {
            "moves_channel": 0,
            "acknowledges_specifics": 0,
            "shows_appreciation": 0,
            "shares_resolution_or_timetable": 0,
            "says_sorry": 1,
        }.items()
    ],
    # says_sorry: negation, excuses, regret
    ("No need to apologise, happy to help! Your refund went out today.", None, "says_sorry", 0),
    ("We're not sorry we changed the policy.", None, "says_sorry", 0),
    ("Sorry to hear that! And no need to apologise for asking.", None, "says_sorry", 1),
    ("Legal documents are easy to misinterpret.", None, "says_sorry", 0),
    ("We regret the inconvenience this has caused.", None, "says_sorry", 1),
    ("@123 My apologies for the mix-up with your booking. ^JK", None, "says_sorry", 1),
    # shows_appreciation: "thanks in advance" is a request formula, "thanks to" means "owing to"
    ("Please DM us your order number. Thanks in advance!", None, "shows_appreciation", 0),
    ("Thanks to the new update, downloads are faster now.", None, "shows_appreciation", 0),
    ("We appreciate your patience while we sort this out.", None, "shows_appreciation", 1),
    (
        "We'd appreciate it if you could send us your account email via DM.",
        None,
        "shows_appreciation",
        0,
    ),
    ("You're welcome! Thanks for being a customer.", None, "shows_appreciation", 1),
    # moves_channel: DM / phone / e-mail / form / store; hedged offers and privacy warnings are not
    ("We'll DM you the tracking link shortly.", None, "moves_channel", 1),
    ("Feel free to call us if this happens again.", None, "moves_channel", 0),
    ("Please call us on 0800 123 456 so we can fix this.", None, "moves_channel", 1),
    ("Here's a help article that explains it: https://t.co/abc", None, "moves_channel", 0),
    (
        "Please send us an email at help@example.com with your booking reference.",
        None,
        "moves_channel",
        1,
    ),
    ("Pop into your nearest store and they'll swap it for you.", None, "moves_channel", 1),
    ("Please use our account recovery form: https://t.co/x", None, "moves_channel", 1),
    ("Don't share your card details here, it's a public page.", None, "moves_channel", 0),
    ("Thanks for reaching out to us! Which version are you on?", None, "moves_channel", 0),
    # shares_resolution_or_timetable: a fix, an answer, a next step or a time frame; asking is not
    (
        "Here's a help article that explains it: https://t.co/abc",
        None,
        "shares_resolution_or_timetable",
        1,
    ),
    (
        "You'll receive a replacement card within 5 business days.",
        None,
        "shares_resolution_or_timetable",
        1,
    ),
    (
        "Restart the router, then hold the reset button for 10 seconds.",
        None,
        "shares_resolution_or_timetable",
        1,
    ),
    (
        "Could you try reinstalling the app? Let us know how it goes.",
        None,
        "shares_resolution_or_timetable",
        1,
    ),
    (
        "Our engineers are looking into it and we'll keep you posted.",
        None,
        "shares_resolution_or_timetable",
        0,
    ),
    ("We'll pass your feedback on to the team.", None, "shares_resolution_or_timetable", 0),
    (
        "Please call us on 0800 123 456 so we can fix this.",
        None,
        "shares_resolution_or_timetable",
        0,
    ),
    (
        "Which iPhone model and iOS version are you using?",
        None,
        "shares_resolution_or_timetable",
        0,
    ),
    # acknowledges_specifics: this customer's problem, not a line for any complaint
    (
        "Sorry for the wait on your replacement SIM. It shipped this morning.",
        "@Brand still no replacement sim after 10 days",
        "acknowledges_specifics",
        1,
    ),
    (
        "That's not the experience we want for you. Please DM us.",
        "@Brand my sim still hasn't arrived",
        "acknowledges_specifics",
        0,
    ),
    (
        "We'd like to help. Please don't share your order details here, our page is public.",
        "@Brand order 123-456 is missing",
        "acknowledges_specifics",
        0,
    ),
    # addresses_by_name
    ("Hey Jan, what's the latest status on the order?", None, "addresses_by_name", 1),
    ("Hi there! Can you DM us?", None, "addresses_by_name", 0),
    (
        "Hi April! You can add bags up to 24 hours before departure. -Becky",
        None,
        "addresses_by_name",
        1,
    ),
    (
        "Haha, a mystery fan! Sign out everywhere and change your password. /CJ",
        None,
        "addresses_by_name",
        0,
    ),
    (
        "I understand your frustration, Alan! Has a new date been given?",
        None,
        "addresses_by_name",
        1,
    ),
]


@pytest.fixture(scope="module")
def text_case_labels() -> pd.DataFrame:
    replies = pd.Series([case[0] for case in TEXT_CASES])
    complaints = pd.Series([case[1] or "" for case in TEXT_CASES])
    return rubric.label_texts(replies, complaints)


@pytest.mark.parametrize(
    ("position", "reply", "label", "expected"),
    [(i, case[0], case[2], case[3]) for i, case in enumerate(TEXT_CASES)],
    ids=[f"{case[2]}={case[3]}:{case[0][:40]}" for case in TEXT_CASES],
)
def test_text_labels_on_hand_written_replies(text_case_labels, position, reply, label, expected):
    assert text_case_labels.loc[position, f"{label}_pred"] == expected, reply


def test_label_texts_shape_columns_dtypes_and_index():
    texts = pd.Series(["Sorry about that! DM us.", None, ""], index=[10, 42, 7])
    labels = rubric.label_texts(texts)
    assert list(labels.index) == [10, 42, 7]
    expected = [f"{label}_{part}" for label in rubric.TEXT_LABELS for part in ("pred", "proba")]
    assert list(labels.columns) == expected
    for label in rubric.TEXT_LABELS:
        assert labels[f"{label}_pred"].dtype.kind == "i"
        assert labels[f"{label}_proba"].dtype.kind == "f"
        assert labels[f"{label}_proba"].between(0, 1).all()
    assert labels.loc[10, "says_sorry_pred"] == 1
    assert labels.loc[10, "moves_channel_pred"] == 1
    assert labels.loc[[42, 7]].filter(like="_pred").to_numpy().sum() == 0  # nothing to read


def test_label_texts_aligns_contexts_by_position_and_keeps_a_duplicate_index():
    texts = pd.Series(["Sorry about the late parcel!", "Sorry to hear that."], index=[5, 5])
    contexts = pd.Series(["my parcel is late", "my parcel is late"], index=[0, 1])
    labels = rubric.label_texts(texts, contexts)
    assert list(labels.index) == [5, 5]
    assert labels["acknowledges_specifics_pred"].tolist() == [1, 0]
    with pytest.raises(ValueError, match="unknown labeller"):
        rubric.label_texts(texts, labellers={"says_sorry": "magic"})


def test_label_texts_empty():
    labels = rubric.label_texts(pd.Series([], dtype=str))
    assert len(labels) == 0
    assert "says_sorry_pred" in labels


def test_model_labeller_trains_from_label_files_and_gives_probabilities():
    texts = pd.Series(
        ["We're so sorry about the delay with your order.", "Your order shipped today."]
    )
    labels = rubric.label_texts(texts, labellers={label: "model" for label in rubric.TEXT_LABELS})
    proba = labels.filter(like="_proba")
    assert ((proba >= 0) & (proba <= 1)).all().all()
    assert labels.loc[0, "says_sorry_pred"] == 1
    assert labels.loc[1, "says_sorry_pred"] == 0
    assert labels.loc[0, "says_sorry_proba"] > labels.loc[1, "says_sorry_proba"]
    assert rubric_model.trained_model() is rubric_model.trained_model()  # cached, trained once


def test_load_training_labels_says_which_row_is_bad(tmp_path):
    bad = tmp_path / "bad.csv"
    columns = rubric_model.TRAINING_COLUMNS
    row = ["X1", "retail", "twitter", "complaint", "reply", "1", "0", "0", "yes", "0", "0"]
    bad.write_text(",".join(columns) + "\n" + ",".join(row) + "\n")
    with pytest.raises(rubric_model.LabelFileError, match="X1.*shares_resolution_or_timetable"):
        rubric.load_training_labels([bad])
    missing = tmp_path / "missing.csv"
    missing.write_text("label_id,reply\nX2,hello\n")
    with pytest.raises(rubric_model.LabelFileError, match="missing column"):
        rubric.load_training_labels([missing])


def test_label_files_are_complete_and_binary():
    labels = rubric.load_training_labels()
    assert len(labels) >= 300
    assert labels["label_id"].is_unique
    for label in rubric.TEXT_LABELS:
        assert set(labels[label].unique()) == {0, 1}


# ---------------------------------------------------------------------------------------------
T0 = pd.Timestamp("2024-03-04 08:00", tz="UTC")


def _exchange(
    message_id,
    conversation_id,
    brand,
    text,
    *,
    reply_text=None,
    reply_hours=None,
    reply_channel="twitter",
    channel="twitter",
    excluded=False,
    text_missing=False,
):
    answered = reply_text is not None or text_missing
    created = T0 + pd.Timedelta(hours=int(message_id[1:]))
    reply_at = created + pd.Timedelta(hours=reply_hours) if answered else pd.NaT
    return {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "parent_id": None,
        "author_id": "cust",
        "author_name": None,
        "brand": brand,
        "channel": channel,
        "created_at": created,
        "text": text,
        "source": f"hand:{message_id}",
        "reply_id": f"r{message_id}" if answered else None,
        "reply_author_id": brand if answered else None,
        "reply_agent_id": f"{brand}/AB" if answered else None,
        "reply_at": reply_at,
        "reply_channel": reply_channel if answered else None,
        "reply_text": None if text_missing else reply_text,
        "reply_count": int(answered),
        "answered": answered,
        "first_response_seconds": (np.nan if not answered or excluded else reply_hours * 3600.0),
        "latency_excluded_reason": "complaint_time_unknown" if excluded else None,
        "observed_until": T0 + pd.Timedelta(days=30),
    }


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    rows = [
        # c1: the brand's first reply (to m0, after 30 h) meets nothing; its best (m30) meets all 5
        _exchange(
            "m0",
            "c1",
            "Acme",
            "@Acme my order never came",
            reply_text="Please DM us so we can look into this.",
            reply_hours=30,
        ),
        _exchange(
            "m30",
            "c1",
            "Acme",
            "@Acme and you charged me twice on my March invoice!!",
            reply_text="Thanks for flagging the double charge on your March invoice, Dana. I've "
            "refunded it; it shows within 3-5 days.",
            reply_hours=2,
        ),
        # c2: never answered
        _exchange("m5", "c2", "Acme", "@Acme hello?? anyone"),
        # c3: answered by e-mail within 30 minutes; and one whose latency is excluded
        _exchange(
            "m1",
            "c3",
            "Bolt",
            "@Bolt where is my parcel, it was due yesterday",
            reply_text="So sorry your parcel is late! The carrier now shows delivery tomorrow by 8pm.",
            reply_hours=0.5,
            reply_channel="email",
        ),
        _exchange(
            "m2",
            "c3",
            "Bolt",
            "@Bolt ok",
            reply_text="Hi Sam, thanks for your patience.",
            reply_hours=1,
            excluded=True,
        ),
        # c4: answered, but the export has no reply text (a ticket export): lessons unknown
        _exchange("m9", "c4", "Bolt", "@Bolt refund please", reply_hours=2, text_missing=True),
    ]
    return rubric.label_exchanges(pd.DataFrame(rows), sla_hours=24).set_index("message_id")


def test_metadata_labels(labelled):
    assert labelled["react_quickly"].tolist() == [False, True, False, True, pd.NA, True]
    assert labelled["react_within_1h"].tolist() == [False, False, False, True, pd.NA, False]
    assert labelled["same_medium"].tolist() == [True, True, pd.NA, False, True, True]


def test_text_labels_and_lessons_on_exchanges(labelled):
    assert pd.isna(labelled.loc["m5", "acknowledges_specifics"])  # unanswered: nothing to read
    assert labelled.loc["m0", "moves_channel"]
    assert not labelled.loc["m0", "responds_in_same_medium"]  # same channel, but moves to DM
    assert labelled.loc["m30", "responds_in_same_medium"]
    assert not labelled.loc["m1", "responds_in_same_medium"]  # answered by e-mail
    assert str(labelled["lessons_met"].dtype) == "Int64"
    assert labelled["lessons_met"].fillna(-1).to_dict() == {
        "m0": 0,
        "m30": 5,
        "m5": 0,
        "m1": 3,
        "m2": 2,
        "m9": -1,  # answered, but no reply text to read: unknown
    }
    assert labelled["says_sorry"].tolist() == [False, False, pd.NA, True, False, pd.NA]
    assert pd.isna(labelled.loc["m9", "responds_in_same_medium"])  # same medium, moves unknown
    assert labelled.loc["m2", "addresses_by_name"]


def test_by_brand_shares_with_wilson_intervals(labelled):
    table = rubric.by_brand(labelled.reset_index()).set_index("brand")
    assert table.loc["Acme", "customer_messages"] == 3
    assert table.loc["Acme", "replies"] == 2
    assert table.loc["Acme", "never_answered_share"] == pytest.approx(1 / 3)
    low, high = scorecard.wilson_interval(1, 3)
    assert table.loc["Acme", "never_answered_share_low"] == pytest.approx(float(low))
    assert table.loc["Acme", "never_answered_share_high"] == pytest.approx(float(high))
    # react quickly counts the unanswered complaint as a failure: 1 of 3
    assert table.loc["Acme", "react_quickly_share"] == pytest.approx(1 / 3)
    # text lessons are shares of replies: 1 of 2
    assert table.loc["Acme", "acknowledges_specifics_share"] == pytest.approx(1 / 2)
    low, high = scorecard.wilson_interval(1, 2)
    assert table.loc["Acme", "acknowledges_specifics_share_low"] == pytest.approx(float(low))
    assert table.loc["Acme", "lessons_met_mean"] == pytest.approx(2.5)
    # Bolt: the excluded latency is left out of react_quickly (1 of 1)
    assert table.loc["Bolt", "react_quickly_share"] == pytest.approx(1.0)
    assert table.loc["Bolt", "never_answered_share"] == 0
    assert table.loc["Bolt", "customer_messages"] == 3
    assert table.loc["Bolt", "replies"] == 3
    assert table.loc["Bolt", "responds_in_same_medium_share"] == pytest.approx(1 / 2)
    assert table.loc["Bolt", "lessons_met_mean"] == pytest.approx(2.5)
    for lesson in rubric.LESSONS:
        assert (table[f"{lesson}_share_low"] <= table[f"{lesson}_share"]).all()
        assert (table[f"{lesson}_share"] <= table[f"{lesson}_share_high"]).all()


def test_by_agent_and_conversation_scores(labelled):
    agents = rubric.by_agent(labelled.reset_index()).set_index("reply_agent_id")
    assert agents.loc["Acme/AB", "replies"] == 2
    assert agents.loc["Bolt/AB", "replies"] == 3
    conversations = rubric.conversation_scores(labelled.reset_index()).set_index("conversation_id")
    assert (
        conversations.loc["c1", "first_reply_id"] == "rm0"
    )  # m0's reply came first (day 2, 14:00)
    assert conversations.loc["c1", "first_reply_lessons_met"] == 0
    assert conversations.loc["c1", "best_reply_lessons_met"] == 5
    assert conversations.loc["c2", "replies"] == 0
    assert conversations.loc["c2", "best_reply_lessons_met"] == 0
    assert conversations.loc["c3", "first_reply_lessons_met"] == 3
    assert pd.isna(conversations.loc["c4", "best_reply_lessons_met"])


def test_examples_meet_and_miss(labelled):
    shown = rubric.examples(labelled.reset_index(), "shares_resolution_or_timetable", n=1)
    assert shown["outcome"].tolist() == ["meets", "misses"]
    assert shown.loc[0, "shares_resolution_or_timetable"]
    assert not shown.loc[1, "shares_resolution_or_timetable"]


def test_figures_have_titles_and_labelled_axes(labelled):
    from matplotlib.figure import Figure

    from analysis.plots import rubric as rubric_plots

    heatmap = rubric_plots.lesson_heatmap(rubric.by_brand(labelled.reset_index()))
    assert isinstance(heatmap, Figure)
    ax = heatmap.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    cells = [text.get_text() for text in heatmap.axes[0].texts]
    assert "33%" in cells  # Acme: 1 of 3 complaints answered within the SLA
    assert [t.get_text() for t in heatmap.axes[0].get_yticklabels()] == ["Acme", "Bolt"]


def test_split_replies_are_read_whole_when_messages_are_given():
    complaint = _exchange(
        "m1",
        "c9",
        "Acme",
        "@Acme parcel late again",
        reply_text="Sorry about the delay! (1/2)",
        reply_hours=1,
    )
    exchanges = pd.DataFrame([complaint])
    first_at = complaint["reply_at"]
    messages = pd.DataFrame(
        {
            "message_id": ["m1", "rm1", "rm1b", "rm1c"],
            "parent_id": [None, "m1", "m1", "m1"],
            "author_id": ["cust", "Acme", "Acme", "Acme"],
            "role": ["customer", "agent", "agent", "agent"],
            "created_at": [
                complaint["created_at"],
                first_at,
                first_at + pd.Timedelta(seconds=20),  # the second part
                first_at + pd.Timedelta(hours=2),  # a later, separate reply
            ],
            "text": [
                complaint["text"],
                complaint["reply_text"],
                "Please DM us your order number: https://t.co/x (2/2)",
                "Thanks for your patience!",
            ],
        }
    )
    alone = rubric.label_exchanges(exchanges).iloc[0]
    whole = rubric.label_exchanges(exchanges, messages=messages).iloc[0]
    assert not alone["moves_channel"] and alone["reply_parts"] == 1
    assert whole["moves_channel"] and whole["reply_parts"] == 2
    assert not whole["shows_appreciation"]  # the reply two hours later is not part of this one
    assert whole["says_sorry"]


def _thread(reply_texts, author_name=None, part_seconds=20):
    """One complaint (by a customer named `author_name`) and its reply in parts, as exchanges and
    messages that went through the text stage."""
    complaint = _exchange(
        "m1", "c9", "Acme", "@Acme parcel late again", reply_text=reply_texts[0], reply_hours=1
    )
    complaint["author_name"] = author_name
    first_at = complaint["reply_at"]
    ids = ["rm1", *[f"rm1p{i}" for i in range(1, len(reply_texts))]]
    messages = pd.DataFrame(
        {
            "message_id": ["m1", *ids],
            "conversation_id": ["c9"] * (len(ids) + 1),
            "channel": ["twitter"] * (len(ids) + 1),
            "parent_id": [None, *["m1"] * len(ids)],
            "author_id": ["cust", *["Acme"] * len(ids)],
            "author_name": [author_name, *[None] * len(ids)],
            "role": ["customer", *["agent"] * len(ids)],
            "brand": ["Acme"] * (len(ids) + 1),
            "agent_id": [None] * (len(ids) + 1),
            "created_at": [
                complaint["created_at"],
                *[first_at + pd.Timedelta(seconds=part_seconds * i) for i in range(len(ids))],
            ],
            "text": [complaint["text"], *reply_texts],
        }
    )
    return pd.DataFrame([complaint]), agents.name_signed_agents(prepare.prepare_messages(messages))


def test_split_replies_are_labelled_from_their_prepared_parts_without_parsing_again(monkeypatch):
    exchanges, messages = _thread(
        ["@cust Sorry about the delay! (1/2) ^AB", "@cust Hi Dana, please DM us. (2/2) ^AB"]
    )
    parsed = []
    monkeypatch.setattr(text, "parse_signatures", lambda texts: parsed.append(texts))
    whole = rubric.label_exchanges(exchanges, messages=messages).iloc[0]
    assert parsed == []  # the signatures were parsed once, in the text stage
    assert whole["reply_parts"] == 2
    assert whole["says_sorry"] and whole["moves_channel"]
    assert whole["addresses_by_name"]  # the name is in the second part


def test_addresses_by_name_is_the_same_definition_as_personalisation():
    # With the customer's name in the data, only their first name counts (anywhere in the reply).
    for reply, named in [
        ("@cust Thanks for waiting Dana, it ships today.", True),
        ("@cust Hi Mark, it ships today.", False),
        ("@cust It ships today, sorry for the wait.", False),
    ]:
        exchanges, messages = _thread([reply], author_name="Dana Scully")
        rubric_label = rubric.label_exchanges(exchanges, messages=messages).iloc[0]
        replies = personalisation.score_replies(messages, exchanges)
        assert rubric_label["addresses_by_name"] == named, reply
        assert replies["addresses_by_name"].tolist() == [named], reply


def test_chosen_labeller_covers_every_text_label():
    assert set(rubric.CHOSEN_LABELLER) == set(rubric.TEXT_LABELS)
    assert set(rubric.CHOSEN_LABELLER.values()) <= set(rubric.LABELLERS)
    assert rubric.LESSONS[0] == "react_quickly" and len(rubric.LESSONS) == 5


def test_the_model_is_a_scikit_learn_estimator_that_grouped_search_can_tune():
    from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate

    labels = rubric_model.load_training_labels().groupby("label_file").head(40)
    inputs = rubric_model.inputs_for_texts(labels["reply"], labels["complaint"])
    targets = labels[list(rubric.TEXT_LABELS)].to_numpy()
    assert list(inputs.columns) == [rubric_model.TEXT_COLUMN, *rubric_rules.FEATURE_NAMES]
    scores = cross_validate(
        rubric_model.build_pipeline(), inputs, targets, groups=labels["group"], cv=GroupKFold(3)
    )
    assert len(scores["test_score"]) == 3 and (scores["test_score"] > 0).all()
    search = GridSearchCV(
        rubric_model.build_pipeline(),
        {"classify__estimator__C": [0.5, 4.0]},
        cv=GroupKFold(2),
    ).fit(inputs, targets, groups=labels["group"])
    assert search.best_params_["classify__estimator__C"] in (0.5, 4.0)
    # the rule features are a block of their own: the n-gram-only baseline drops it
    baseline = rubric_model.build_pipeline(use_rules=False)[0].transformers
    assert [name for name, _, _ in baseline] == ["words"]


def test_training_reads_the_real_labels_with_their_brand_as_group():
    labels = rubric_model.load_training_labels()
    real = labels[labels["source"] == "real"]
    hand = labels[labels["source"] == "hand"]
    assert len(real) and len(hand)
    assert (real["group"] == real["brand"]).all() and real["brand"].nunique() > 1
    assert hand["group"].str.startswith("hand:").all() and hand["brand"].isna().all()
    # the annotators' two passes are not training labels
    assert not labels["label_file"].str.endswith(rubric_model.PASSES_SUFFIX).any()


def test_labelling_reads_each_distinct_input_once(monkeypatch):
    # a template sent 500 times and a one-off: the model scores two rows, not 501
    texts = pd.Series(
        ["Please DM us your order number."] * 500 + ["Sorry, the refund is on its way."]
    )
    scored = []
    real_probabilities = rubric_model.probabilities
    monkeypatch.setattr(
        rubric_model,
        "probabilities",
        lambda model, inputs: scored.append(len(inputs)) or real_probabilities(model, inputs),
    )
    labels = rubric.label_texts(texts, labellers=dict.fromkeys(rubric.TEXT_LABELS, "model"))
    assert sum(scored) == 2
    assert labels["moves_channel_pred"].iloc[:500].eq(labels["moves_channel_pred"].iloc[0]).all()
    assert labels.loc[500, "says_sorry_pred"] == 1


def test_replies_read_once_give_the_labels_of_reading_them_in_the_rubric(demo_tables):
    """`read_replies` is what `label_exchanges` reads with messages: given it, not one label,
    probability or part count changes, and its features are the rules' own of those replies."""
    exchanges, messages = demo_tables.exchanges, demo_tables.messages
    read = rubric.read_replies(exchanges, messages)
    replied = exchanges["answered"].fillna(False).astype(bool) & exchanges["reply_text"].notna()
    assert read.features.index.equals(exchanges.index[replied.to_numpy()])
    recomputed = rubric_rules.features(read.prepared, read.complaints)
    pd.testing.assert_frame_equal(read.features, recomputed, check_exact=True)
    reused = rubric.label_exchanges(exchanges, messages=messages, read=read)
    own = rubric.label_exchanges(exchanges, messages=messages)
    pd.testing.assert_frame_equal(reused, own, check_exact=True)


def test_replies_read_from_other_exchanges_are_refused(demo_tables):
    exchanges, messages = demo_tables.exchanges, demo_tables.messages
    replied = exchanges["answered"].fillna(False).astype(bool) & exchanges["reply_text"].notna()
    read = rubric.read_replies(exchanges.drop(index=exchanges.index[replied][:1]), messages)
    with pytest.raises(ValueError, match="read_replies"):
        rubric.label_exchanges(exchanges, messages=messages, read=read)
