"""The rubric's batched text readers give what the one-text-at-a-time readers they replace give:
the complaint overlap (once a CountVectorizer with NLTK's tokeniser per text) and the model's
TF-IDF n-grams (scikit-learn's TfidfVectorizer), on hand-picked awkward texts and on generated
ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from analysis import rubric_model, rubric_rules, text

# Texts where a joined reading could go wrong: a final sigma, characters that lowercase to two,
# the separator itself, mask tokens, apostrophes at either end, non-ASCII letters and digits,
# empty texts and the same text twice.
AWKWARD_TEXTS = [
    "ΟΔΟΣ ΣΑΣ",
    "Σ",
    "İstanbul order İ",
    "a\x00b refund",
    "\x00",
    "",
    "   ",
    "<url> <url> <num>",
    "<url",
    "'quoted' it's dogs' ''",
    "we\u2019ve refunded the order",
    "naïve café résumé order",
    "order ٣ ² ½ x²",
    "<é> <a\u0301b> <_x_>",
    "the refund for the order",
    "the refund for the order",
    "Your REFUND is ON its WAY. Delivery tomorrow!",
    "\u00df STRASSE stra\u00dfe",
    "emoji \U0001f600 order\U0001f600refund",
]
COMPLAINTS = [
    "my order never arrived",
    "",
    "ISTANBUL flight delayed",
    "refund refund refund",
    "\x00refund",
    "café order",
    "ΟΔΟΣ",
    "where is my delivery",
    "it's broken",
    "order",
    "dogs",
    "the refund for the order",
    "Your refund",
    "",
    "strasse",
    "emoji order",
    "<url>",
    "x",
    "ordering refunds",
]


def _overlap_one_text_at_a_time(replies: pd.Series, contexts: pd.Series) -> np.ndarray:
    """The complaint overlap as the rules computed it before: CountVectorizer with
    `text.tokenise` as its analyzer, each vocabulary word's stem looked up, a sparse product."""
    vectoriser = CountVectorizer(analyzer=text.tokenise, binary=True)
    try:
        matrix = vectoriser.fit_transform(pd.concat([replies, contexts], ignore_index=True))
    except ValueError:  # no word anywhere
        return np.zeros(len(replies), dtype=int)
    stop = text.STOP_WORDS | rubric_rules.GENERIC_WORDS
    words = vectoriser.get_feature_names_out()
    heads = [w.replace("\u2019", "'").split("'", 1)[0] for w in words]
    keep = np.array(
        [
            len(h) >= 2 and h.isalpha() and h not in stop and w not in stop
            for w, h in zip(words, heads, strict=True)
        ]
    )
    stems = np.array([text.stem(h) if k else "" for h, k in zip(heads, keep, strict=True)])
    keep &= ~np.isin(stems, list(rubric_rules.generic_stems()))
    if not keep.any():
        return np.zeros(len(replies), dtype=int)
    stem_ids, stem_index = np.unique(stems[keep], return_inverse=True)
    mapping = csr_matrix(
        (np.ones(keep.sum()), (np.flatnonzero(keep), stem_index)),
        shape=(len(words), len(stem_ids)),
    )
    stemmed = ((matrix @ mapping) > 0).tocsr()
    n = len(replies)
    return np.asarray(stemmed[:n].multiply(stemmed[n:]).sum(axis=1)).ravel().astype(int)


def test_overlap_counts_shared_stems_as_one_text_at_a_time():
    replies = pd.Series(AWKWARD_TEXTS, dtype=object)
    contexts = pd.Series(COMPLAINTS, dtype=object)
    counted = rubric_rules._overlap_count(replies, contexts)
    np.testing.assert_array_equal(counted, _overlap_one_text_at_a_time(replies, contexts))


def test_overlap_counts_each_shared_content_stem_once():
    # worked out by hand: "refunded"/"refund" and "order"/"orders" share stems, "delivery" is the
    # reply's alone, "the" and "is" are stop words and "please" a generic support word
    replies = pd.Series(["We've refunded your order, the delivery is tomorrow. Please"])
    contexts = pd.Series(["where is my REFUND?? the orders never came, please"])
    np.testing.assert_array_equal(rubric_rules._overlap_count(replies, contexts), [2])


def test_overlap_is_zero_without_a_content_word():
    replies = pd.Series(["thanks so much", "", "<url>"], dtype=object)
    contexts = pd.Series(["thanks", "help", "<url>"], dtype=object)
    np.testing.assert_array_equal(rubric_rules._overlap_count(replies, contexts), [0, 0, 0])


def _vectorisers(training: list[str], **options):
    kwargs = {
        "sublinear_tf": True,
        "ngram_range": (1, 2),
        "token_pattern": rubric_model.NGRAM_TOKEN_PATTERN,
        **options,
    }
    library = TfidfVectorizer(**kwargs).fit(training)
    batched = rubric_model.BatchedTfidfVectorizer(**kwargs).fit(training)
    return library, batched


def _assert_same_matrix(expected, got) -> None:
    assert type(got) is type(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)  # bit for bit, not approximately


def test_batched_tfidf_is_the_library_matrix_on_awkward_texts():
    library, batched = _vectorisers(AWKWARD_TEXTS + COMPLAINTS)
    documents = pd.Series(AWKWARD_TEXTS[::-1] + COMPLAINTS, dtype=object)
    expected = library.transform(documents)
    assert expected.nnz > 0
    _assert_same_matrix(expected, batched.transform(documents))


def test_batched_tfidf_is_the_library_matrix_for_trigrams_and_binary_counts():
    library, batched = _vectorisers(AWKWARD_TEXTS, ngram_range=(2, 3), binary=True)
    _assert_same_matrix(library.transform(COMPLAINTS), batched.transform(COMPLAINTS))


def test_batched_tfidf_reads_other_settings_as_the_library_does():
    # an analyzer the batched reading does not cover goes to scikit-learn's own transform
    library, batched = _vectorisers(AWKWARD_TEXTS, stop_words="english")
    _assert_same_matrix(library.transform(COMPLAINTS), batched.transform(COMPLAINTS))


def test_batched_tfidf_reads_a_text_arrow_cannot_hold_as_the_library_does():
    library, batched = _vectorisers(AWKWARD_TEXTS)
    documents = ["a lone \ud800 surrogate refund", *AWKWARD_TEXTS]
    _assert_same_matrix(library.transform(documents), batched.transform(documents))


def test_the_model_reads_its_words_with_the_batched_vectoriser():
    words = rubric_model.build_pipeline().named_steps["features"].transformers[0][1]
    assert isinstance(words, rubric_model.BatchedTfidfVectorizer)


_ALPHABET = st.sampled_from(
    list("abcxyz ABC'\u2019<>_.,!?\n\t0123")
    + ["Σ", "ς", "İ", "é", "\u0301", "\x00", "٣", "\U0001f600"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(_ALPHABET, max_size=40), min_size=1, max_size=12))
def test_batched_readers_match_the_one_text_readers_on_generated_texts(documents):
    training = [*documents, "abc xyz", "a b c"]
    library, batched = _vectorisers(training)
    _assert_same_matrix(library.transform(documents), batched.transform(documents))
    replies = pd.Series(documents, dtype=object)
    contexts = pd.Series(documents[::-1], dtype=object)
    np.testing.assert_array_equal(
        rubric_rules._overlap_count(replies, contexts),
        _overlap_one_text_at_a_time(replies, contexts),
    )


def test_split_words_codes_each_distinct_word_once():
    text_of, codes, distinct = text.split_words(np.array(["a b\ta", "", "  b\n"]))
    words = [(int(t), distinct[c]) for t, c in zip(text_of, codes, strict=True) if distinct[c]]
    assert words == [(0, "a"), (0, "b"), (0, "a"), (2, "b")]
    assert sorted(distinct) == ["", "a", "b"]  # (the empty pieces between two spaces)


def test_spread_lists_each_items_values_in_order():
    item, values = text.spread(np.array([1, 0, 1, 2]), [[7], [8, 9], []])
    np.testing.assert_array_equal(item, [0, 0, 1, 2, 2])
    np.testing.assert_array_equal(values, [8, 9, 7, 8, 9])


def test_rule_features_of_replies_read_together_are_those_read_alone():
    # the same sentences in different places: "thanks!" closing one reply and opening another,
    # a request before it or not, a signature line after it
    replies = pd.Series(
        [
            "Thanks! Let us know your order number.",
            "Please DM us your order number. Thanks!",
            "We've refunded the order. Thanks!",
            "Thanks!\n^kb",
            "Sorry about the delay. Thanks!",
            "Please DM us your order number. Thanks!",
        ]
    )
    complaints = pd.Series(["where is my order"] * len(replies))
    together = rubric_rules.rule_features(replies, complaints)
    alone = pd.concat(
        [
            rubric_rules.rule_features(replies.iloc[[i]], complaints.iloc[[i]])
            for i in range(len(replies))
        ]
    )
    pd.testing.assert_frame_equal(together, alone)
    assert together["appreciation_closing_cues"].tolist() == [0, 1, 1, 1, 1, 1]


def test_batched_tfidf_refuses_what_the_library_refuses():
    library, batched = _vectorisers(AWKWARD_TEXTS)
    for wrong in ("one string, not documents", ["a reply", np.nan]):
        with pytest.raises(ValueError) as expected:
            library.transform(wrong)
        with pytest.raises(ValueError) as got:
            batched.transform(wrong)
        assert str(got.value) == str(expected.value)
