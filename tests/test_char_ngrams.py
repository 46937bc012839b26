"""The vectorised char_wb counter gives scikit-learn's own tf-idf matrix, value for value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from analysis import char_ngrams

TONE_SETTINGS = dict(
    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=40000
)


def _fitted(texts: list[str], **params) -> char_ngrams.CharWbTfidfVectorizer:
    return char_ngrams.CharWbTfidfVectorizer(**{**TONE_SETTINGS, **params}).fit(texts)


def assert_same_matrix(vectorizer: TfidfVectorizer, texts) -> None:
    """The fast transform equals scikit-learn's (`TfidfVectorizer.transform` on the same fit)."""
    fast = vectorizer.transform(texts)
    expected = TfidfVectorizer.transform(vectorizer, texts)
    assert fast.shape == expected.shape
    assert fast.indices.dtype == expected.indices.dtype
    np.testing.assert_array_equal(fast.indptr, expected.indptr)
    np.testing.assert_array_equal(fast.indices, expected.indices)
    np.testing.assert_array_equal(fast.data, expected.data)


def _demo_texts(demo_tables) -> list[str]:
    return demo_tables.messages["text"].dropna().astype(str).tolist()


def test_demo_messages_give_the_same_matrix(demo_tables) -> None:
    texts = _demo_texts(demo_tables)
    half = len(texts) // 2
    # Fitted on one half and read on the other: unseen n-grams and characters are dropped.
    assert_same_matrix(_fitted(texts[:half]), texts[half:])


def test_fixture_tweets_give_the_same_matrix(fixtures) -> None:
    from analysis import pipeline

    # Read by the project's reader: the fixture holds broken rows on purpose.
    messages = pipeline.run(fixtures / "twcs_small.csv").messages
    texts = messages["text"].dropna().astype(str).tolist()
    assert_same_matrix(_fitted(texts, min_df=1), texts)


def test_real_tweets_give_the_same_matrix(real_sample) -> None:
    texts = pd.read_csv(real_sample, dtype=str, keep_default_na=False)["text"].tolist()
    half = len(texts) // 2
    assert_same_matrix(_fitted(texts[:half]), texts)


def test_the_tone_models_fitted_vocabulary_gives_the_same_matrix(demo_tables) -> None:
    from analysis import tone

    chars = tone.trained_model()["features"].named_transformers_["chars"]
    assert isinstance(chars, char_ngrams.CharWbTfidfVectorizer)
    assert_same_matrix(chars, _demo_texts(demo_tables))


# Whitespace of every kind str.split() splits on, case pairs whose lower case changes length or
# depends on the letter's place (İ, ẞ, final Σ), a combining accent, emoji, one-letter words.
TRICKY = list("aAbB zZ.,!?'İẞΣσς\u0301é\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2028\u3000🙄😂👍🏽")
texts_strategy = st.lists(
    st.text(alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8")), max_size=30),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    training=texts_strategy,
    unseen=texts_strategy,
    ngram_range=st.sampled_from([(2, 5), (2, 2), (3, 3), (2, 3), (4, 6), (5, 7)]),
    max_features=st.sampled_from([None, 25]),
)
def test_generated_text_gives_the_same_matrix(training, unseen, ngram_range, max_features) -> None:
    # One word of every length up to eight keeps the vocabulary non-empty for any range.
    training = [*training, "a bb ccc dddd eeeee ffffff ggggggg hhhhhhhh"]
    vectorizer = _fitted(training, ngram_range=ngram_range, min_df=1, max_features=max_features)
    assert_same_matrix(vectorizer, training + unseen)


def test_a_one_character_range_or_huge_alphabet_takes_scikit_learns_path() -> None:
    texts = ["Hello there, how are you?", "I'm fine\tthanks  a lot"]
    unigrams = _fitted(texts, ngram_range=(1, 3), min_df=1)
    assert unigrams._counter() is None
    assert_same_matrix(unigrams, texts)
    # 8,000 characters: 8,001 ** 5 codes do not fit 64 bits.
    ideographs = [" ".join(chr(0x4E00 + i) for i in range(8000))]
    wide = _fitted(ideographs, min_df=1)
    assert wide._counter() is None
    assert_same_matrix(wide, ideographs + ["一 丁 x"])


def test_a_series_and_a_repeated_text_read_like_a_list() -> None:
    texts = ["Sorry about that!", "Sorry about that!", "DM us your order number."]
    vectorizer = _fitted(texts, min_df=1)
    assert_same_matrix(vectorizer, pd.Series(texts, index=[7, 3, 9]))
    np.testing.assert_array_equal(
        vectorizer.transform(texts)[[0]].toarray(), vectorizer.transform(texts)[[1]].toarray()
    )


def test_a_missing_text_fails_as_in_scikit_learn() -> None:
    vectorizer = _fitted(["some text here", "more text here"], min_df=1)
    with pytest.raises(ValueError, match="np.nan is an invalid document"):
        vectorizer.transform(["fine", np.nan])


def test_cloned_and_refitted_vectorizer_counts_its_new_vocabulary() -> None:
    first = _fitted(["alpha beta", "alpha gamma"], min_df=1)
    first.transform(["alpha"])  # builds and caches the counter of the first vocabulary
    again = clone(first).fit(["delta epsilon", "zeta eta"])
    assert clone(first).get_params() == first.get_params()
    assert_same_matrix(again, ["delta zeta alpha"])
    first.fit(["theta iota"])  # refitted in place: the cached counter must not be reused
    assert_same_matrix(first, ["theta alpha"])


def test_a_pickled_vectorizer_leaves_its_tables_behind_and_counts_the_same() -> None:
    import pickle

    texts = ["Sorry about that!", "DM us your order number.", "Thanks, sorted now"]
    vectorizer = _fitted(texts, min_df=1)
    vectorizer.transform(texts)  # builds the counter's tables
    copied = pickle.loads(pickle.dumps(vectorizer))
    assert not hasattr(copied, "_counter_cache")
    assert_same_matrix(copied, texts + ["order sorted"])


def test_empty_and_blank_texts_give_empty_rows_and_no_texts_fail_as_in_scikit_learn() -> None:
    vectorizer = _fitted(["Sorry about that!", "DM us"], min_df=1)
    assert_same_matrix(vectorizer, ["", "  \t", "", "Sorry"])
    with pytest.raises(ValueError, match="0 sample"):
        vectorizer.transform([])


def test_a_word_repeated_within_and_across_texts_counts_every_time() -> None:
    """Each distinct word is counted once and its n-grams spread to every text it is in, as often
    as it is there (and a final sigma lowers as in the whole text)."""
    texts = ["no no no", "no", "ΟΔΟΣ ΟΔΟΣ", "ΟΔΟΣ\u3000no", "yes no yes"]
    vectorizer = _fitted(texts, min_df=1)
    assert_same_matrix(vectorizer, texts)
    counts = vectorizer._counter().counts(texts)
    no = vectorizer.vocabulary_[" no "]
    assert counts[[0, 1, 3, 4], [no] * 4].tolist() == [3, 1, 1, 1]
