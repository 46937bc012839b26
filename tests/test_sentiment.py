"""`sentiment.CompoundAnalyzer` gives VADER's own compound score, exactly, on every text."""

from __future__ import annotations

import re
from importlib.metadata import version

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

from analysis import paths, sentiment
from analysis.sentiment import vader

STOCK = vader.SentimentIntensityAnalyzer()
FAST = sentiment.analyzer()


def _stock_compound(text: str) -> float:
    return STOCK.polarity_scores(text)["compound"]


def test_the_installed_vader_is_the_pinned_one_the_rules_were_copied_from():
    # CompoundAnalyzer repeats VADER 3.3.2's rules: a new release needs them read again.
    lock = (paths.PROJECT_ROOT / "requirements.lock").read_text()
    pinned = re.search(r"^vadersentiment==(\S+)", lock, flags=re.MULTILINE | re.IGNORECASE)
    assert pinned is not None
    assert version("vaderSentiment") == pinned.group(1) == "3.3.2"


# Each of VADER's rules, and the shortcuts taken around them.
RULE_EXAMPLES = [
    "",
    "   ",
    "@AppleSupport my order 1234 arrived on Tuesday",  # no lexicon word: 0.0 without scoring
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "no good no no bad, no or nor happy",
    "kind of kind of great, sort of bad",
    "GREAT",
    "ALL CAPS ALL ANGRY TERRIBLE",
    "this is TERRIBLE service",
    "why??",
    "why is this so bad???? !!!!! ?",
    "but but but good bad but",
    "good good but good good",
    "😁😁",
    "a😁b 😁 c😁",
    "ok😀 😀😀 wow😍",  # a description joined to the word before would lose "grinning"
    "©2017 ®",
    "🇺🇸 👍🏽 ❤️",
    "İstanbul ΑΣ café straße naïve great ΣΑΣ. ΣΑΣ",
    "wtf\u00a0is\u3000this\u2028horrible\x1cthing",
    "to die for, kiss of death, yeah right, bus stop",
]


@pytest.mark.parametrize("text", RULE_EXAMPLES)
def test_compound_is_vaders_on_each_rule(text):
    assert FAST.compound(text) == _stock_compound(text)


def test_a_text_without_a_scored_word_is_zero_and_one_with_is_not():
    assert FAST.compound("my parcel arrived on the fourth floor") == 0.0
    assert FAST.compound("my parcel arrived broken") < 0


LEXICON_SAMPLE = sorted(STOCK.lexicon)[::60]
WORDS = [
    *LEXICON_SAMPLE,
    *BOOSTER_DICT,
    *NEGATE,
    *(word for phrase in SPECIAL_CASES for word in phrase.split()),
    *("but", "kind", "of", "least", "at", "very", "no", "or", "nor", "never", "so", "this"),
    *("without", "doubt", "good", "bad", "help", "please", "thanks", "sorry", "worst"),
    *(":)", ":(", ":D", "<3", ":-)", ";)", "!!!", "??", "?", "!", "...", ",", "'", '"', "-"),
    *("😁", "😀", "😍", "💘", "😡", "©", "👍🏽", "🇺🇸", "❤️", "\u200d"),
    *("café", "İx", "ΑΣ", "straße", "naïve", "İ", "ǅ", "ﬁne"),
]
CASES = [str, str.upper, str.title, str.lower]
AROUND = ["", "", "", "!", "?", ".", ",", "(", ")", "'", "#", "@", ":", "..."]
SEPARATORS = [" ", " ", " ", "  ", "", "\n", "\t", "\u00a0", "\u3000", "\x1c", " - "]

token = st.builds(
    lambda word, case, before, after, separator: before + case(word) + after + separator,
    st.sampled_from(WORDS),
    st.sampled_from(CASES),
    st.sampled_from(AROUND),
    st.sampled_from(AROUND),
    st.sampled_from(SEPARATORS),
)


@settings(max_examples=600)
@given(st.lists(token, max_size=25).map("".join))
def test_compound_is_vaders_on_texts_made_of_its_words(text):
    assert FAST.compound(text) == _stock_compound(text)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_compound_is_vaders_on_any_text(text):
    assert FAST.compound(text) == _stock_compound(text)


def test_compound_scores_is_one_score_per_text_in_order():
    texts = ["great", "", "awful!!", "great"]
    assert sentiment.compound_scores(texts).tolist() == [_stock_compound(t) for t in texts]
    assert sentiment.compound_scores([]).shape == (0,)


def _assert_vaders_on_every_text(texts: pd.Series) -> None:
    texts = texts.dropna().astype(str).unique().tolist()
    assert len(texts) > 300
    fast = sentiment.compound_scores(texts)
    stock = [_stock_compound(text) for text in texts]
    differing = [(text, f, s) for text, f, s in zip(texts, fast, stock, strict=True) if f != s]
    assert differing == []


def test_compound_is_vaders_on_every_real_twcs_text(real_sample):
    _assert_vaders_on_every_text(pd.read_csv(real_sample, dtype=str)["text"])


def test_compound_is_vaders_on_every_real_cdp_text(cdp_sample):
    _assert_vaders_on_every_text(pd.read_csv(cdp_sample, dtype=str)["text"])
