"""Exact, vectorised counting of scikit-learn's `char_wb` n-grams against a fitted vocabulary.

scikit-learn's `TfidfVectorizer(analyzer="char_wb")` builds every n-gram of every text as a Python
string and looks each one up in a dict (`_char_wb_ngrams`, `_count_vocab`): at a run's 158,000
replies that is about 100 CPU seconds, nearly all of the tone stage. No library counts them
faster, so this module is hand-written: a text's n-grams are its words' (no n-gram spans a
space), so each distinct word of a call is counted once, and the sparse product of the texts'
word counts and the words' n-gram counts is the texts' count matrix. The distinct words are laid
end to end as one array of code points, every n-gram position gets an integer code (its
characters' ranks in the vocabulary's alphabet, read as a number in base alphabet size + 1, so
the code is exact, never a hash that could collide), the codes are looked up in the vocabulary's
codes, and the hits become the same sparse count matrix scikit-learn builds.
`CharWbTfidfVectorizer` is the `TfidfVectorizer` that transforms this way: it fits like
scikit-learn's (same vocabulary, same idf) and applies its own fitted tf-idf step to the counts,
so its matrix is the one scikit-learn's `transform` returns, value for value.

scikit-learn's semantics, reproduced (sklearn/feature_extraction/text.py): the text is lowered
with `str.lower`; its words are `str.split()`'s (runs of `str.isspace` characters separate
them; the `\\s\\s+` squeeze before it changes no word); each word is padded as " " + word + " "
and yields every n-gram for n from min_n to the padded length (at most max_n); a padded word
shorter than min_n yields itself once.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

# The code points a text can hold (utf-32 never yields more).
CODE_POINTS = 0x110000
# Texts counted per pass: bounds the n-gram positions of a pass's distinct words (about 100
# bytes a character) and its count matrix.
CHUNK_TEXTS = 20_000
# The largest n-gram code space looked up in a direct table (8 bytes an entry) over a hash table.
DIRECT_TABLE_SIZE = 1 << 21


@lru_cache(maxsize=1)
def _whitespace_table() -> np.ndarray:
    """True at every code point `str.isspace` calls whitespace (what `str.split()` splits on)."""
    table = np.zeros(CODE_POINTS, dtype=bool)
    # Once per process over every code point (about 0.1 s): the one definition that is exactly
    # Python's, where a hand-kept list of Unicode spaces could drift from it.
    table[[code for code in range(CODE_POINTS) if chr(code).isspace()]] = True
    return table


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: a lone surrogate (from a badly decoded file) is one code point, as in str.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class CharWbCounter:
    """Counts of a fitted `char_wb` vocabulary's n-grams in texts, as scikit-learn counts them."""

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int], lowercase: bool):
        self.min_n, self.max_n = ngram_range
        self.lowercase = lowercase
        self.feature_count = len(vocabulary)
        terms = list(vocabulary)
        alphabet = np.unique(_code_points("".join(terms)))
        # Rank 0 marks a character no term holds: an n-gram with one is in no term.
        self.rank_of = np.zeros(CODE_POINTS, dtype=np.uint64)
        self.rank_of[alphabet] = np.arange(1, len(alphabet) + 1, dtype=np.uint64)
        self.base = len(alphabet) + 1
        if not self.supported(self.min_n, self.max_n, self.base):
            raise ValueError(
                f"analysis: char_wb n-grams {ngram_range} over {len(alphabet)} characters do not"
                " fit a 64-bit code; use scikit-learn's own transform"
            )
        lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        codes = self._codes_of_terms(_code_points("".join(terms)), lengths)
        # A hash table of the codes (pandas' own): a third of the time of a sorted search here.
        self.term_index = pd.Index(codes)
        if not self.term_index.is_unique:  # cannot happen: the code is exact
            raise ValueError("analysis: two char_wb vocabulary terms share a code")
        self.term_columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(codes))
        # Short n-grams have few possible codes: a direct table of them is faster still.
        self.tables = {}
        for n in range(self.min_n, self.max_n + 1):
            if self.base**n <= DIRECT_TABLE_SIZE:
                table = np.full(self.base**n, -1, dtype=np.int64)
                of_length = lengths == n
                table[codes[of_length].astype(np.int64)] = self.term_columns[of_length]
                self.tables[n] = table

    @staticmethod
    def supported(min_n: int, max_n: int, base: int) -> bool:
        """Whether n-grams of these lengths over an alphabet of `base - 1` characters get exact
        64-bit codes (and min_n >= 2, where padded words share their spaces)."""
        return 2 <= min_n <= max_n and base**max_n < 2**64

    def _codes_of_terms(self, points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        ranks = self.rank_of[points]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        codes = np.zeros(len(lengths), dtype=np.uint64)
        for position in range(int(lengths.max(initial=0))):
            has = lengths > position
            codes[has] = codes[has] * np.uint64(self.base) + ranks[starts[has] + position]
        return codes

    def counts(self, texts: list[str]) -> sp.csr_array:
        """The (texts x vocabulary) count matrix, float64 with sorted indices, as `_count_vocab`."""
        lowered = list(map(str.lower, texts)) if self.lowercase else list(texts)
        # No n-gram spans two words, so each distinct word is counted once (replies share most
        # of their words: the distinct words of 20,000 demo replies hold 0.4% of their
        # characters) and a text's counts are its words' summed: small integers, exact in
        # float64 whatever the order of the sum.
        words_of_texts = [text.split() for text in lowered]
        word_counts = np.fromiter(map(len, words_of_texts), dtype=np.int64, count=len(lowered))
        words = np.array(list(chain.from_iterable(words_of_texts)), dtype=object)
        word_codes, distinct_words = pd.factorize(words, sort=False)
        # The texts' words in order are a csr matrix as they stand (a word twice in a text is
        # two entries, which the product adds).
        occurrences = sp.csr_array(
            (np.ones(len(word_codes)), word_codes, np.concatenate([[0], np.cumsum(word_counts)])),
            shape=(len(lowered), len(distinct_words)),
        )
        counts = sp.csr_array(occurrences @ self._counts_of_lowered(list(distinct_words)))
        counts.sort_indices()
        # scikit-learn's index type: int32 while the entries fit it (the product may widen it).
        index_type = np.int32 if counts.nnz <= np.iinfo(np.int32).max else np.int64
        return sp.csr_array(
            (counts.data, counts.indices.astype(index_type), counts.indptr.astype(index_type)),
            shape=counts.shape,
        )

    def _counts_of_lowered(self, lowered: list[str]) -> sp.csr_array:
        """`counts` of texts already lowered, read position by position."""
        lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
        # One space before the texts and after each: each text's words are padded by it.
        points = _code_points(" " + " ".join([*lowered, ""]))
        # int32 rows: half the memory traffic of int64 over every character.
        rows_of_texts = np.arange(len(lowered), dtype=np.int32)
        row = np.concatenate([np.zeros(1, np.int32), np.repeat(rows_of_texts, lengths + 1)])
        space = _whitespace_table()[points]
        # A run of whitespace is one space, shared by the words either side of it (no n-gram
        # of two or more characters holds a word's padding and the next word's).
        single = ~(space & np.concatenate([[False], space[:-1]]))
        points, space, row = points[single], space[single], row[single]
        ranks = self.rank_of[points]
        ranks[space] = self.rank_of[ord(" ")]
        # int32 sums: numpy's cumsum of a bool array into int64 is ten times slower.
        spaces_before = np.concatenate([[0], np.cumsum(space, dtype=np.int32)])
        unknown_before = np.concatenate([[0], np.cumsum(ranks == 0, dtype=np.int32)])
        # An n-gram's row is that of its first character that is not padding.
        gram_row = np.where(space[:-1], row[1:], row[:-1])
        rows, columns = [], []
        codes = ranks.copy()
        for n in range(2, self.max_n + 1):
            codes = codes[:-1] * np.uint64(self.base) + ranks[n - 1 :]
            if n < min(self.min_n, 3):
                continue  # a padded word has at least three characters
            count = len(codes)  # n-grams starting at 0 .. count - 1
            # Inside one padded word: no space strictly between its first and last character.
            keep = spaces_before[n - 1 : n - 1 + count] == spaces_before[1 : 1 + count]
            keep &= unknown_before[n : n + count] == unknown_before[:count]
            if n < self.min_n:
                # Below min_n only a whole padded word counts (the short-word rule).
                keep &= space[:count] & space[n - 1 : n - 1 + count]
            starts = np.flatnonzero(keep)
            found = self._columns_of(codes[starts], n)
            hit = found >= 0
            rows.append(gram_row[starts[hit]])
            columns.append(found[hit])
        return self._matrix(np.concatenate(rows), np.concatenate(columns), len(lowered))

    def _matrix(self, rows: np.ndarray, columns: np.ndarray, row_count: int) -> sp.csr_array:
        """The csr count matrix of (row, column) hits, duplicates summed, indices sorted."""
        # One sort of row * width + column orders the hits as csr stores them and puts repeats
        # side by side (numpy's sort is several times faster here than scipy's coo to csr).
        keys = rows.astype(np.int64) * self.feature_count + columns
        keys.sort()
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        first = np.flatnonzero(first)
        counts = np.diff(first, append=len(keys)).astype(np.float64)
        unique = keys[first]
        per_row = np.bincount(unique // self.feature_count, minlength=row_count)
        index_type = np.int32 if len(unique) <= np.iinfo(np.int32).max else np.int64
        indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(index_type)
        indices = (unique % self.feature_count).astype(index_type)
        return sp.csr_array((counts, indices, indptr), shape=(row_count, self.feature_count))

    def _columns_of(self, codes: np.ndarray, n: int) -> np.ndarray:
        """The vocabulary column of each code of an n-gram, -1 for codes no term has."""
        if n in self.tables:
            return self.tables[n][codes.view(np.int64)]  # codes < DIRECT_TABLE_SIZE: no copy
        at = self.term_index.get_indexer(codes)
        return np.where(at >= 0, self.term_columns[at], -1)


class CharWbTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's `TfidfVectorizer`, whose `transform` counts `char_wb` n-grams with
    `CharWbCounter` (the same matrix, without a Python step per n-gram); fitting is unchanged."""

    def _counter(self) -> CharWbCounter | None:
        """The counter of the fitted vocabulary, or None where scikit-learn's own path must run."""
        plain = (
            self.analyzer == "char_wb"
            and self.input == "content"
            and self.preprocessor is None
            and self.strip_accents is None
        )
        if not plain or not hasattr(self, "vocabulary_"):
            return None
        key = (id(self.vocabulary_), tuple(self.ngram_range), self.lowercase)
        cached = getattr(self, "_counter_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        min_n, max_n = self.ngram_range
        alphabet = len(set("".join(self.vocabulary_)))
        counter = None
        if CharWbCounter.supported(min_n, max_n, alphabet + 1):
            counter = CharWbCounter(self.vocabulary_, self.ngram_range, self.lowercase)
        self._counter_cache = (key, counter)
        return counter

    def __getstate__(self) -> dict:
        """The estimator's state without the counter, which is rebuilt in milliseconds from the
        vocabulary: a model sent to another process does not carry its 20 MB of tables."""
        state = super().__getstate__()
        state.pop("_counter_cache", None)
        return state

    def transform(self, raw_documents: Iterable[str]) -> sp.csr_array:
        """The tf-idf matrix of the documents, equal to `TfidfVectorizer.transform`'s."""
        if isinstance(raw_documents, str):
            return super().transform(raw_documents)  # scikit-learn's error for a lone string
        counter = self._counter()
        texts = list(raw_documents)
        # Bytes, NaN or None take scikit-learn's path, which decodes them or says what is wrong.
        if counter is None or not all(type(text) is str for text in texts):
            return super().transform(texts)
        # Each distinct text is counted once (a template sent a thousand times is one row).
        codes, distinct = pd.factorize(np.array(texts, dtype=object), sort=False)
        distinct = list(distinct)
        parts = [
            counter.counts(distinct[start : start + CHUNK_TEXTS])
            for start in range(0, len(distinct), CHUNK_TEXTS)
        ]
        counts = sp.vstack(parts, format="csr") if parts else counter.counts([])
        counts = counts.astype(self.dtype, copy=False)
        if self.binary:
            counts.data.fill(1)
        # The fitted tf-idf step itself (sublinear tf, idf, l2 norm), not a copy of its arithmetic.
        matrix = self._tfidf.transform(counts, copy=False)
        return matrix if len(distinct) == len(texts) else matrix[codes]
