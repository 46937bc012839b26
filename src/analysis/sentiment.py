"""VADER's compound score, the same number as `polarity_scores(text)["compound"]`, in less time.

vaderSentiment 3.3.2 (pinned in requirements.lock) scores one text at a time in pure Python, and
most of its time goes to work the compound score does not need or that gives the same answer
every time: a character-by-character copy of the text to swap emoji, the whole text lowercased
again for every lexicon word it checks, idiom strings built where no idiom can start, and the
positive, neutral and negative proportions beside the compound. `CompoundAnalyzer` keeps VADER's
lexicons, rules and floating-point steps in the same order and skips that work:

- emoji are swapped by one regular expression, only in a text that holds one (none is ASCII);
- the tokens are lowercased once per text;
- a text none of whose tokens VADER scores (a lexicon word that is not a booster) scores exactly
  0.0, decided by one set check: VADER's rules only adjust a scored word's valence;
- the idiom check runs only when one of the words it reads starts an idiom or a booster phrase.

The rules it keeps are vaderSentiment's own (C.J. Hutto's, MIT licence), read from its source and
called where they are not copied.
`tests/test_sentiment.py` checks it against the stock analyser on the real samples and on
generated texts, so a vaderSentiment release that changes a rule fails there first.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from vaderSentiment import vaderSentiment as vader

_PUNCTUATION = string.punctuation
_SO_OR_THIS = ("so", "this")
_OR_NOR = ("or", "nor")
# The first words of VADER's multi-word special cases and booster phrases ("the shit", "kind
# of"): an idiom string can equal one of them only if it starts with one of these (a token
# holds no space, so the words of "a b" are a and b).
_PHRASE_FIRST_WORDS = frozenset(
    phrase.split(" ")[0] for phrase in (*vader.SPECIAL_CASES, *vader.BOOSTER_DICT) if " " in phrase
)


def _code_point_ranges_pattern(characters: frozenset[str], gap: int = 64) -> re.Pattern[str]:
    """A character class matching every one of `characters`, as a few code-point ranges (close
    code points joined): `re` tests a list of 1,200 astral characters one by one, ranges fast."""
    ranges: list[list[int]] = []
    for code_point in sorted(map(ord, characters)):
        if ranges and code_point - ranges[-1][1] <= gap:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    return re.compile(
        "["
        + "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in ranges)
        + "]"
    )


@lru_cache(maxsize=100_000)
def _negated(word_lower: str) -> bool:
    """VADER's `negated` of one lowercased word (how it checks a preceding word), remembered."""
    return vader.negated([word_lower])


class CompoundAnalyzer(vader.SentimentIntensityAnalyzer):
    """VADER's analyser with `compound(text)`: exactly `polarity_scores(text)["compound"]`."""

    def __init__(self) -> None:
        super().__init__()
        # VADER swaps emoji one character at a time: multi-character keys (flags, skin tones,
        # joined sequences) never match there, so only the single characters matter.
        self.emoji_characters = frozenset(key for key in self.emojis if len(key) == 1)
        self.emoji_pattern = _code_point_ranges_pattern(self.emoji_characters)
        # The words VADER gives a valence of their own: in the lexicon and not a booster (a
        # booster gets 0 and scales the next scored word instead).
        self.scored_words = frozenset(self.lexicon.keys() - vader.BOOSTER_DICT.keys())

    def text_without_emoji(self, text: str) -> str:
        """The text with each emoji replaced by its description, stripped, as VADER does."""
        # `isascii` is a flag read and no emoji is ASCII: most texts skip the search.
        if not text.isascii() and not self.emoji_characters.isdisjoint(text):
            text = self.emoji_pattern.sub(self._emoji_description, text)
        return text.strip()

    def _emoji_description(self, match: re.Match[str]) -> str:
        # VADER puts a space before a description unless the text starts there or the
        # character before is a space (an emoji before is not: its description ends in a word).
        description = self.emojis.get(match.group())
        if description is None:  # in the pattern's ranges, not an emoji
            return match.group()
        start = match.start()
        if start == 0 or match.string[start - 1] == " ":
            return description
        return " " + description

    def compound(self, text: str) -> float:
        """VADER's compound score (-1 to 1) of `text`, rounded to 4 places as VADER rounds it."""
        text = self.text_without_emoji(text)
        tokens = text.split()
        # SentiText._strip_punc_if_word without a call per token: punctuation stripped unless
        # that leaves two characters or fewer (an emoticon such as ":)" stays whole).
        words = [word if len(word := token.strip(_PUNCTUATION)) > 2 else token for token in tokens]
        lowers = [word.lower() for word in words]
        scored = self.scored_words
        if scored.isdisjoint(lowers):
            return 0.0  # every valence is 0, so VADER's sum is 0.0 and so is its compound
        word_count = len(words)
        sentiments = [0] * word_count  # VADER's 0 (an int) for a word it does not score
        upper_count = sum(map(str.isupper, words))
        is_cap_diff = 0 < word_count - upper_count < word_count  # vader.allcap_differential
        for i in [i for i, lower in enumerate(lowers) if lower in scored]:
            # VADER gives "kind" 0 when "of" follows ("kind of" is a booster phrase)
            if not (lowers[i] == "kind" and i < word_count - 1 and lowers[i + 1] == "of"):
                sentiments[i] = self._scored_word_valence(words, lowers, i, is_cap_diff)
        if "but" in lowers:
            sentiments = self._but_check(words, sentiments)
        # score_valence's compound; the punctuation emphasis only moves a sum that is not 0
        sum_s = float(sum(sentiments))
        if sum_s > 0:
            sum_s += self._punctuation_emphasis(text)
        elif sum_s < 0:
            sum_s -= self._punctuation_emphasis(text)
        return round(vader.normalize(sum_s), 4)

    def _scored_word_valence(
        self, words: list[str], lowers: list[str], i: int, is_cap_diff: bool
    ) -> float:
        """VADER's `sentiment_valence` of the scored word at `i`, with its `_negation_check`,
        `_special_idioms_check` and `_least_check`, reading the text's lowercased words."""
        lexicon = self.lexicon
        lower = lowers[i]
        valence = lexicon[lower]
        if lower == "no" and i != len(words) - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in _OR_NOR)
        ):
            valence = lexicon[lower] * vader.N_SCALAR
        if words[i].isupper() and is_cap_diff:
            if valence > 0:
                valence += vader.C_INCR
            else:
                valence -= vader.C_INCR
        for start_i in range(0, 3):
            before = i - (start_i + 1)
            if i > start_i and lowers[before] not in lexicon:
                # scalar_inc_dec is 0.0 for a word that is not a booster
                s = 0.0
                if lowers[before] in vader.BOOSTER_DICT:
                    s = vader.scalar_inc_dec(words[before], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lowers, start_i, i)
                if start_i == 2 and not _PHRASE_FIRST_WORDS.isdisjoint(lowers[i - 3 : i + 1]):
                    valence = _special_idioms_check(valence, lowers, i)
        return _least_check(valence, lowers, i, lexicon)


def _negation_check(valence: float, lowers: list[str], start_i: int, i: int) -> float:
    """VADER's `_negation_check` on the text's lowercased words."""
    if start_i == 0:
        if _negated(lowers[i - 1]):
            valence = valence * vader.N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in _SO_OR_THIS:
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif _negated(lowers[i - 2]):
            valence = valence * vader.N_SCALAR
    elif start_i == 2:
        # VADER's precedence, kept: (never, then so/this) or so/this just before.
        if (lowers[i - 3] == "never" and lowers[i - 2] in _SO_OR_THIS) or (
            lowers[i - 1] in _SO_OR_THIS
        ):
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
            pass
        elif _negated(lowers[i - 3]):
            valence = valence * vader.N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowers: list[str], i: int) -> float:
    """VADER's `_special_idioms_check` on the text's lowercased words (called with i >= 3)."""
    onezero = f"{lowers[i - 1]} {lowers[i]}"
    twoonezero = f"{lowers[i - 2]} {lowers[i - 1]} {lowers[i]}"
    twoone = f"{lowers[i - 2]} {lowers[i - 1]}"
    threetwoone = f"{lowers[i - 3]} {lowers[i - 2]} {lowers[i - 1]}"
    threetwo = f"{lowers[i - 3]} {lowers[i - 2]}"
    for sequence in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if sequence in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[sequence]
            break
    if len(lowers) - 1 > i:
        zeroone = f"{lowers[i]} {lowers[i + 1]}"
        if zeroone in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[zeroone]
    if len(lowers) - 1 > i + 1:
        zeroonetwo = f"{lowers[i]} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in vader.SPECIAL_CASES:
            valence = vader.SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in vader.BOOSTER_DICT:
            valence = valence + vader.BOOSTER_DICT[n_gram]
    return valence


def _least_check(valence: float, lowers: list[str], i: int, lexicon: dict[str, float]) -> float:
    """VADER's `_least_check` on the text's lowercased words."""
    if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
        if lowers[i - 2] != "at" and lowers[i - 2] != "very":
            valence = valence * vader.N_SCALAR
    elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
        valence = valence * vader.N_SCALAR
    return valence


@lru_cache(maxsize=1)
def analyzer() -> CompoundAnalyzer:
    """The process's one analyser (VADER reads its lexicon files when one is made)."""
    return CompoundAnalyzer()


def compound_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score of each text, exactly as `polarity_scores(text)["compound"]`."""
    compound = analyzer().compound
    # VADER scores one string at a time (no batch API, pure Python): the only per-text loop.
    return np.fromiter((compound(text) for text in texts), dtype=float, count=len(texts))
