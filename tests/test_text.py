"""Shared text helpers: signatures, masking, reply prefixes, tokens and stems."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import analyze, pipeline, prepare, text

SIGNED = [
    ("@123 Sorry about that. Could you check your email? ^NR", "NR"),
    ("@123 Sorry for the wait ^ JE", "JE"),
    ("@123 the lowest price we can offer. (2/2)^YP", "YP"),
    ("@123 get back to you on this. 1/2^SH", "SH"),
    ("@123 Sorry to know about the trouble. I'd like to help. ^AK (1/3)", "AK"),
    ("@123 have you mentioned that the second time you called?^MA", "MA"),
    ("@123 We'll see what we can suggest /KL", "KL"),
    ("@123 Can you DM us your email? We'll take a look /RB https://t.co/ldFdZRiNAt", "RB"),
    ("@123 Your bag is on the next flight *TJ", "TJ"),
    ("@123 We've passed this on -JK", "JK"),
    ("@123 Thanks for waiting -Becky", "Becky"),
    ("@123 Thanks for waiting - Becky.", "Becky"),
    ("@123 Your refund is on its way ~Sam", "Sam"),
    ("@123 Let us know if it brings any change. ^Shivangi", "Shivangi"),
    ("@123 I hope this helps! ^Kristy https://t.co/ldFdZRiNAt", "Kristy"),
    ("@123 more in the next tweet. (2/2)^Senan", "Senan"),
    ("@123 Let us know if it helps. Thanks. ^NKush", "NKush"),
    ("@123 Are the people reaching your website seeing an error? ^T", "T"),
    ("@123 See https://www.godaddy.com/help/x-19978 ^T", "T"),
    ("@123 Let me know if you have any questions. ^CharlesOpacki", "CharlesOpacki"),
    ("@123 Done! \u2013 Becky S.", "Becky S"),
    ("Your refund is processed.\n\nThanks,\nBecky", "Becky"),
    ("Your refund is processed. Kind regards, Dana", "Dana"),
]

UNSIGNED = [
    "@123 Happy to help ^^",
    "@123 More in the next tweet 1/2",
    "@123 Our help pages: https://help.example.com/AB",
    "@123 Our help pages: example.com/AB",
    "@123 The fix is in the article - see link",
    "@123 One more thing - Please DM us the order number",
    "@123 Use the app and/or the website",
    "@123 Send us a message /DM",
    "@123 Sorry for the trouble -Thanks",
    "@123 Sorry for the trouble ^Thanks",
    "@123 Version ^Pro",
    "@123 See the steps above ^Thanks",
    "@123 Thanks, Dana!",
    "@123 Please update to the latest e-Mail app",
    "@123 Email us at help@example.com",
    "",
]


@pytest.mark.parametrize(("reply", "signature"), SIGNED)
def test_signature_styles_are_found(reply: str, signature: str) -> None:
    assert text.extract_signature(pd.Series([reply])).iloc[0] == signature


@pytest.mark.parametrize("reply", UNSIGNED)
def test_non_signatures_are_not_found(reply: str) -> None:
    assert pd.isna(text.extract_signature(pd.Series([reply])).iloc[0])


def test_extract_signature_keeps_the_index_and_handles_missing_text() -> None:
    replies = pd.Series(["Thanks ^AB", None, "no signature"], index=[10, 20, 30])
    signature = text.extract_signature(replies)
    assert signature.index.tolist() == [10, 20, 30]
    assert signature.iloc[0] == "AB" and signature.iloc[1:].isna().all()


def test_strip_signature_removes_only_the_signature() -> None:
    replies = pd.Series(
        [
            "@1 We'll take a look /RB https://t.co/abc",
            "@1 Details in the form. ^VN (1/2)",
            "@1 Thanks for waiting - Becky.",
            "@1 Happy to help ^^",
            "Refund sent.\nThanks,\nBecky",
        ]
    )
    assert text.strip_signature(replies).tolist() == [
        "@1 We'll take a look  https://t.co/abc",
        "@1 Details in the form.  (1/2)",
        "@1 Thanks for waiting .",
        "@1 Happy to help ^^",
        "Refund sent.\nThanks,",  # the closing is what the reply says: kept
    ]


def test_mask_replaces_links_emails_handles_and_numbers() -> None:
    reply = pd.Series(
        [
            "@AmazonHelp order 402-0401947-0191527 on iOS 11.0.3, see https://t.co/x1 or help@ex.com ^AB"
        ]
    )
    assert text.mask(reply).iloc[0] == ("<handle> order <num> on iOS <num>, see <url> or <email> ")


def test_mask_options_leave_parts_alone() -> None:
    reply = pd.Series(["@1 call 0800 123 ^AB"])
    assert text.mask(reply, numbers=False, signatures=False).iloc[0] == "<handle> call 0800 123 ^AB"


def test_reply_prefix_is_the_leading_handles_only() -> None:
    replies = pd.Series(["@295541 @115888 Hi! Ask @AppleSupport", "Hi @123", ""])
    assert text.reply_prefix(replies).tolist() == ["@295541 @115888 ", "", ""]
    assert text.strip_reply_prefix(replies).tolist() == ["Hi! Ask @AppleSupport", "Hi @123", ""]


def test_tokenise_keeps_mask_tokens_and_contractions_whole() -> None:
    assert text.tokenise("We'd LOVE to help <url>!") == ["we'd", "love", "to", "help", "<url>"]


def test_content_stems_drop_stop_words_contractions_and_masks() -> None:
    stems = text.content_stems("We'd love to fix your iPhone's battery; it isn't charging <url> a")
    assert stems == ["love", "fix", "iphon", "batteri", "charg"]


def test_content_stems_share_a_stem_across_inflections() -> None:
    assert text.content_stems("charged") == text.content_stems("charging") == ["charg"]


@given(st.text(alphabet=st.sampled_from(list("abcdefghij ,.!?'")), max_size=60))
def test_any_plain_reply_signed_with_caret_initials_is_found(body: str) -> None:
    assert text.extract_signature(pd.Series([body + " ^AB"])).iloc[0] == "AB"
    assert pd.isna(text.extract_signature(pd.Series([body])).iloc[0])


# Pieces of replies where RE2 and Python's `re` could read a signature differently: look-arounds,
# Unicode letters, digits and spaces, links straight after initials, closings.
_SIGNATURE_PIECES = [
    "^AB",
    " ^ JE",
    "^NKush",
    " ^T",
    "^Jo",
    "/KL",
    "*TJ",
    "-JK",
    "-Becky",
    " - Becky.",
    "~Sam",
    "\u2013 Becky S.",
    "\n\nThanks,\nBecky",
    " Kind regards, Dana",
    "https://t.co/x",
    " (1/2)",
    "1/2",
    "...",
    "!",
    " ",
    "\u00a0",
    "\v",
    "\t",
    "\n",
    "\u00e9",
    "S\u00f8ren",
    "-S\u00f8ren",
    "^\u00c5B",
    "abc",
    "ABhttps://t.co/x",
    "-ABwww.x.com",
    "-AB-foo.com/x",
    "and/or",
    ".-AB",
    "x-AB",
    ")^AB",
    ",/AB",
    "^^",
    "US",
    "-Thanks",
    "Regards,",
    "Best,\n",
    "Dana",
    "O'Brien",
    "Jean-Luc",
    "\u0663",
    "\u2026",
    "e-Mail",
    "CHEERS,\nJo Ann",
    "sincerely,",
    "\u212a",
    "\u017f",
    "@x",
    "\r\n",
    "AB.",
]


def test_signatures_read_by_re2_in_bulk_are_those_python_reads_in_small_batches(
    monkeypatch,
) -> None:
    # Below `RE2_MIN_ROWS` texts every text goes to Python's `re`; in bulk, RE2 reads those it
    # reads alike. Both must find and strip the same signatures.
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 1000)
    pieces = np.random.default_rng(7).choice(len(_SIGNATURE_PIECES), size=(20_000, 5))
    replies = pd.Series(
        ["".join(_SIGNATURE_PIECES[i] for i in row[: row[0] % 6]) for row in pieces]
    )
    alike = text.reads_alike(replies)
    assert 0.5 < alike.mean() < 0.9  # both paths run
    in_bulk = text.parse_signatures(replies)
    batches = [replies.iloc[start : start + 500] for start in range(0, len(replies), 500)]
    in_batches = pd.concat([text.parse_signatures(batch) for batch in batches])
    pd.testing.assert_frame_equal(in_bulk, in_batches)
    assert in_bulk["kind"].eq("mark").sum() > 3000 and in_bulk["kind"].eq("closing").sum() > 1000
    stripped = pd.concat(
        [text.strip_signature(batch, in_batches["kind"].loc[batch.index]) for batch in batches]
    )
    pd.testing.assert_series_equal(text.strip_signature(replies, in_bulk["kind"]), stripped)


@given(st.text(max_size=80), st.text(max_size=40))
def test_masked_text_has_no_digits_links_or_handles(before: str, after: str) -> None:
    masked = text.mask(pd.Series([f"{before} @cust_42 https://t.co/Ab12 {after}"])).iloc[0]
    assert not any(c in "0123456789" for c in masked)
    assert "@cust" not in masked and "t.co" not in masked


# -- the text stage (analysis.prepare) ---------------------------------------------------------


def test_the_stage_prepares_each_form_of_a_reply_once() -> None:
    replies = pd.Series(
        [
            "@123 Hi Dana, sorry about order 4021. Please DM us https://t.co/x (1/2) ^AB",
            "Your refund is processed.\n\nThanks,\nBecky",
            "@123 Happy to help, Becky! -Becky",
        ]
    )
    prepared = prepare.prepare_texts(replies)
    assert list(prepared.columns) == list(prepare.PREPARED_COLUMNS)
    assert prepared["agent_signature"].tolist() == ["AB", "Becky", "Becky"]
    assert prepared.loc[0, "body"].strip() == (
        "Hi Dana, sorry about order 4021. Please DM us https://t.co/x (1/2)"
    )
    assert prepared.loc[0, "masked_text"] == (
        "Hi <name>, sorry about order <num>. Please DM us <url>"
    )
    assert prepared.loc[0, "sentences"] == "hi dana, sorry about order 4021.\nplease dm us <url>"
    assert prepared.loc[1, "sentences"] == "your refund is processed.\nthanks,"
    # "Dana" is the customer; "Becky" signed the reply, so it is not the reader's name.
    assert prepared["addressed_name"].tolist()[0] == "Dana"
    assert prepared["addressed_name"].iloc[1:].isna().all()


def test_customer_messages_are_masked_but_have_no_signature_or_addressed_name() -> None:
    messages = pd.DataFrame(
        {
            "message_id": ["c1", "a1"],
            "role": ["customer", "agent"],
            "brand": [None, "Shop"],
            "text": ["@Shop order 12 is late -JK", "@555 Thanks, Dana! ^JK"],
        }
    )
    prepared = prepare.prepare_messages(messages)
    assert prepared["message_id"].tolist() == ["c1", "a1"]  # the messages, with columns added
    assert pd.isna(prepared.loc[0, "agent_signature"]) and pd.isna(
        prepared.loc[0, "addressed_name"]
    )
    assert prepared.loc[0, "masked_text"] == "order <num> is late -JK"
    assert (
        prepared.loc[1, "agent_signature"] == "JK" and prepared.loc[1, "addressed_name"] == "Dana"
    )


def test_signatures_are_parsed_and_texts_masked_once_per_message_in_a_whole_run(
    monkeypatch,
) -> None:
    # The labellers (rubric, outcomes, tone) train on their label sheets once per process; that
    # is not the run's text stage, so they are trained before the count starts, whatever ran
    # before this test.
    from analysis import outcomes, rubric_model, tone

    rubric_model.trained_model()
    outcomes.trained_model()
    tone.trained_model()
    parsed, masked = [], []
    parse, mask_urls = text.parse_signatures, text.mask_urls

    def counting_parse(texts: pd.Series) -> pd.DataFrame:
        parsed.append(len(texts))
        return parse(texts)

    def counting_mask(texts: pd.Series, *args, **kwargs) -> pd.Series:
        masked.append(len(texts))
        return mask_urls(texts, *args, **kwargs)

    monkeypatch.setattr(text, "parse_signatures", counting_parse)
    monkeypatch.setattr(text, "mask_urls", counting_mask)
    tables = pipeline.run(None)
    analyze.run_all(tables)
    agent_messages = int((tables.messages["role"] == "agent").sum())
    assert parsed == [agent_messages]  # one parse, of every agent message, in the text stage
    assert masked == [len(tables.messages)]  # every message masked once, none again


def test_names_masked_in_pyarrow_are_those_python_masks(monkeypatch) -> None:
    # In bulk, the texts RE2 reads alike are split into words in pyarrow; the others, and every
    # text of a small batch, are masked by Python's `re`. Both mask the same words.
    words = [
        "Dana",
        "dana",
        "DANA",
        "Jean-Luc",
        "Luc",
        "O'Brien",
        "Brien",
        "S\u00f8ren",
        "Zo\u00eb",
    ]
    words += ["Dana's", "Don't", "Don", "_Dana", "Dana2", "Mary-Jane", "Jane", "\u24b6bc", "Abc"]
    words += ["Jose\u0301", "Jose", "\u0130stanbul", "Istanbul", "\x01", ",", "\n", "1", "Hi"]
    words += ["Zo\u00ebDana", "\u00e9Dana", "Dana\u00e9", "Luc\u0663"]
    rng = np.random.default_rng(3)
    texts = pd.Series([" ".join(rng.choice(words, size=rng.integers(0, 8))) for _ in range(6000)])
    addressed = ["Dana", "Luc", "Jean-Luc", "Brien", "S\u00f8ren", "Abc", "Jose", "Istanbul", None]
    addressed = pd.Series(rng.choice(addressed, size=len(texts)), dtype="string")
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 100)
    in_bulk = prepare._mask_names(texts, addressed)
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 10**9)
    by_python = prepare._mask_names(texts, addressed)
    pd.testing.assert_series_equal(in_bulk, by_python)
    assert (in_bulk != texts).mean() > 0.3 and in_bulk.str.contains("Jean-<name>").sum() == 0


def _stem_rows_one_by_one(documents, stop_words) -> list[tuple[int, str]]:
    """content_stem_rows by definition: content_stems of each document, in order."""
    return [(i, s) for i, d in enumerate(documents) for s in text.content_stems(d, stop_words)]


AWKWARD_DOCUMENTS = [
    "Sorry the delayed order never came, Dana!",
    "",
    "   ",
    "help thanks dm <num> <name>,<url>",
    "We'd love to fix your iPhone\u2019s battery; it isn't charging a",
    "Your router keeps failing <ΟΔΟΣ> naïve café ΣΑΣ. ΟΔΟΣ",
    "with the separator \x00 inside:\torder\nline\r\nbreaks\x0bvertical\x0cfeed",
    "non\u00a0breaking\u2003spaces and \u3000ideographic, İstanbul ǅemal",
    "o'brien's don't ''quoted'' rock'n'roll 'lead trail'",
    "<name> <<double>> <not a mask> <é> a<b>c",
]


def test_content_stem_rows_are_content_stems_of_each_document() -> None:
    documents = np.array(AWKWARD_DOCUMENTS * 3, dtype=object)
    stop = text.STOP_WORDS | {"order"}
    positions, stems = text.content_stem_rows(documents, stop)
    got = list(zip(positions.tolist(), stems.tolist(), strict=True))
    assert got == _stem_rows_one_by_one(documents, stop)
    assert ("order" not in stems) and ("charg" in stems) and ("<name>" not in stems)
    assert set(positions[positions < len(AWKWARD_DOCUMENTS)]) == {0, 3, 4, 5, 6, 7, 8, 9}


def test_content_stem_rows_of_no_documents_or_no_content_words() -> None:
    for documents in ([], ["", "the <url> a"]):
        positions, stems = text.content_stem_rows(np.array(documents, dtype=object))
        assert len(positions) == len(stems) == 0


@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["order", "Orders", "ΣΑΣ", "naïve", "don't", "it\u2019s", "<name>", "<url>", "a"]
                + [" ", "\t", "\n", "\u00a0", ",", ".", "'", "<", ">", "@x", "\u0130", "ß", "fix"]
            ),
            max_size=12,
        ).map("".join)
        | st.text(max_size=30),
        max_size=8,
    )
)
def test_content_stem_rows_match_content_stems_on_any_texts(documents) -> None:
    documents = np.array(documents, dtype=object)
    positions, stems = text.content_stem_rows(documents)
    got = list(zip(positions.tolist(), stems.tolist(), strict=True))
    assert got == _stem_rows_one_by_one(documents, text.STOP_WORDS)


def _mentions_one_by_one(texts: list) -> list[tuple[int, str]]:
    """text.mentions by definition: MENTION_PATTERN's handles of each text, in order."""
    pattern = re.compile(text.MENTION_PATTERN)
    return [(i, h) for i, t in enumerate(texts) if isinstance(t, str) for h in pattern.findall(t)]


MENTION_CASES = [
    ("@Acme my order", ["Acme"]),
    ("mail dana@example.com or x@y", []),  # e-mail addresses and "a@b" mention no one
    ("@@acme twice", []),
    (".@acme, (@Bolt) and\n@cy", ["acme", "Bolt", "cy"]),  # punctuation and a newline before
    ("@Ünal merhaba, \u00e9@x", ["Ünal"]),  # a non-ASCII handle; a letter before "@"
    ("@a@b @c_d-e", ["a", "c_d"]),
    ("ends with @", []),
    ("", []),
    (None, []),
    ("x\x00@dana\x01@sam\x02", ["dana", "sam"]),  # the join and bracket characters
]


@pytest.mark.parametrize("bulk", [False, True])
def test_mentions_are_the_handles_of_each_text_in_order(monkeypatch, bulk) -> None:
    # In bulk, RE2 finds the mentions of the texts it reads alike; `re` the rest.
    monkeypatch.setattr(text, "RE2_MIN_ROWS", 1 if bulk else 10**9)
    texts = [t for t, _ in MENTION_CASES] * 3
    positions, handles = text.mentions(pd.Series(texts, dtype=object))
    got = list(zip(positions.tolist(), handles.tolist(), strict=True))
    assert got == _mentions_one_by_one(texts)
    assert [h for p, h in got if p < len(MENTION_CASES)] == [
        h for _, expected in MENTION_CASES for h in expected
    ]


@given(st.lists(st.text(alphabet="@a_é .\n\x00\x01\x02Ü1", max_size=12) | st.none(), max_size=8))
def test_mentions_match_the_pattern_on_any_texts(texts) -> None:
    positions, handles = text.mentions(pd.Series(texts, dtype=object))
    got = list(zip(positions.tolist(), handles.tolist(), strict=True))
    assert got == _mentions_one_by_one(texts)


def test_content_stem_codes_number_stems_by_first_use_across_chunks() -> None:
    """Read a few documents at a time, the codes are those of one pass and of pd.factorize of
    the stems (first use in the whole corpus), and each chunk's positions are the corpus's."""
    documents = np.array(AWKWARD_DOCUMENTS * 2 + ["order orders ordering", "café"], dtype=object)
    positions, stems = text.content_stem_rows(documents)
    expected_codes, expected_vocabulary = pd.factorize(stems)
    for chunk_size in (1, 3, len(documents)):
        got_positions, codes, vocabulary = text.content_stem_codes(documents, chunk_size=chunk_size)
        np.testing.assert_array_equal(got_positions, positions)
        np.testing.assert_array_equal(codes, expected_codes)
        assert vocabulary == list(expected_vocabulary)
    assert list(zip(positions.tolist(), stems.tolist(), strict=True)) == _stem_rows_one_by_one(
        documents, text.STOP_WORDS
    )


def test_texts_concatenated_from_frames_are_prepared_as_one_column() -> None:
    """A column put together from several frames is several Arrow chunks: the text stage reads
    it as one array and prepares it as it prepares the same texts in one chunk."""
    first_names = [f"{a}{b}{c}" for a in "DKMRT" for b in "aeiou" for c in ("na", "rk", "sie")]
    replies = [
        f"Hi {name}, your order ships today. ^AB" if i % 2 else f"Thanks, {name}! On it. -Jo"
        for i, name in enumerate(first_names * 80)
    ]
    one_chunk = pd.Series(replies, dtype="str")
    chunked = pd.concat([one_chunk[:2500], one_chunk[2500:]], ignore_index=True)
    assert pa.array(chunked).num_chunks == 2
    assert text.to_arrow(chunked).equals(text.to_arrow(one_chunk))
    prepared = prepare.prepare_texts(chunked)
    pd.testing.assert_frame_equal(prepared, prepare.prepare_texts(one_chunk))
    assert prepared["addressed_name"].iloc[:2].tolist() == first_names[:2]
