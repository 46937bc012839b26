"""The vectorised personalisation helpers give what Python's `re`, one text at a time, gives."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from analysis import parallel, personalisation


def _template_key_by_re(masked_text: pd.Series) -> pd.Series:
    """The template key as `re` builds it, text by text: the definition the RE2 version keeps."""

    def key(value: str) -> str:
        value = re.sub(r"['\u2019]", "", value)
        value = re.sub(r"[^\w<>\s]+", " ", value)
        return re.sub(r"\s+", " ", value).strip()

    return masked_text.str.lower().map(key)


def test_template_key_matches_re_on_awkward_texts() -> None:
    texts = pd.Series(
        [
            "Hi <name>, we're SO sorry about order <num>!!! DM us :)",
            "  leading and trailing   ",
            "",
            "tab\there\vvertical\x1cfile-sep\u00a0nbsp\u2028line-sep\u3000ideographic",
            "O\u2019Brien's café naïve Søren ΣΙΣ ends Σ",
            "digits ٣٤٥ ² ½ Ⅻ and marks e\u0301 \u0915\u094d\u0937",
            "emoji 🙂👍🏽 ** <url> <<double>> a_b snake_case",
            "new letters \U0001123f\U00011f04 and \U0001e030",
            "---",
        ],
        dtype="str",
    )
    pd.testing.assert_series_equal(personalisation.template_key(texts), _template_key_by_re(texts))


def test_template_key_matches_re_on_every_character() -> None:
    # Each text holds 64 consecutive code points between letters, so every character's reading
    # as a word character, a space or punctuation decides the key. UTF-8 holds no surrogates.
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    texts = pd.Series(
        ["a" + "a".join(map(chr, points[i : i + 64])) + "z" for i in range(0, len(points), 64)],
        dtype="str",
    )
    pd.testing.assert_series_equal(personalisation.template_key(texts), _template_key_by_re(texts))


def test_template_key_keeps_missing_texts_missing() -> None:
    texts = pd.Series(["Hello, World", None], dtype="str")
    got = personalisation.template_key(texts)
    assert got.iloc[0] == "hello world" and pd.isna(got.iloc[1])


def _mentions_by_re(part: pd.Series, customer_id: pd.Series) -> np.ndarray:
    """Whether each text mentions @customer_id, `re` text by text: the definition kept."""
    pattern = re.compile(r"(?<![\w@])@(\w+)")
    return np.array(
        [
            isinstance(t, str)
            and isinstance(c, str)
            and any(h.lower() == c.lower() for h in pattern.findall(t))
            for t, c in zip(part, customer_id, strict=True)
        ]
    )


def test_mentions_match_re_text_by_text() -> None:
    rows = [
        ("@Dana thanks", "dana"),  # at the start, another case
        ("thanks @dana", "Dana"),
        ("thanks @danaX", "dana"),  # a longer handle is another customer
        ("mail dana@dana.com", "dana"),  # an e-mail address is no mention
        ("@@dana twice", "dana"),
        ("@sam and @dana!", "dana"),  # the second handle
        ("@sam", "dana"),
        ("no handle here", "dana"),
        (None, "dana"),
        ("@dana", None),
        ("ends with @", "dana"),
        ("@Ünal merhaba", "ünal"),
        ("", "dana"),
        ("@dana", "dana"),  # right after the previous text: the join must not bind them
        ("x\x00@dana\x00", "dana"),  # a text holding the separator
        ("x@\x00dana", "dana"),
    ]
    part = pd.Series([t for t, _ in rows], dtype="str")
    customer_id = pd.Series([c for _, c in rows], dtype="string")
    got = personalisation._mentions(part, customer_id)
    np.testing.assert_array_equal(got, _mentions_by_re(part, customer_id))
    assert got.tolist()[:3] == [True, True, False]
    assert got.tolist()[-2:] == [True, False]
    empty = personalisation._mentions(pd.Series(["no handle"], dtype="str"), customer_id[:1])
    assert empty.tolist() == [False]


def test_shingles_match_hashingvectorizer_on_every_character() -> None:
    # str.split stands in for HashingVectorizer's `[^\s]+` tokens: every character must split,
    # or not, alike. Each key holds 64 consecutive code points, each between two words.
    points = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and c != 0]
    keys = np.array(
        ["w " + "x".join(map(chr, points[i : i + 64])) + " w" for i in range(0, len(points), 64)],
        dtype=object,
    )
    got = personalisation._shingles(keys)
    expected = personalisation._hashed_shingles(keys)
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)


def test_minhash_is_the_minimum_hash_of_each_rows_shingles() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((40, 500)) < 0.05
    dense[:, 7] = True  # every row has a shingle, as the start and end markers give every key
    shingles = csr_matrix(dense.astype(np.float32))
    got = personalisation._minhash(shingles, 12, seed=5)
    draw = np.random.default_rng(5)
    a = draw.integers(1, personalisation._PRIME, 12, dtype=np.int64)
    b = draw.integers(0, personalisation._PRIME, 12, dtype=np.int64)
    for row in range(dense.shape[0]):
        ids = np.flatnonzero(dense[row]).astype(np.int64)
        expected = [((a[h] * ids + b[h]) % personalisation._PRIME).min() for h in range(12)]
        np.testing.assert_array_equal(got[row], expected)


def _lsh_candidates_by_lexsort(signatures: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each key with the hub of each band bucket it shares (most used key, ties: first seen)."""
    pairs = set()
    rows = personalisation._ROWS_PER_BAND
    for band in range(personalisation._BANDS):
        buckets: dict[tuple, list[int]] = {}
        for key in range(len(signatures)):
            block = tuple(signatures[key, band * rows : (band + 1) * rows])
            buckets.setdefault(block, []).append(key)
        for keys in buckets.values():
            hub = min(keys, key=lambda k: (-counts[k], k))
            pairs.update((k, hub) for k in keys if k != hub)
    return np.array(sorted(pairs)).reshape(-1, 2)


def test_lsh_candidates_link_each_key_to_its_buckets_hub() -> None:
    rng = np.random.default_rng(11)
    n_values = personalisation._BANDS * personalisation._ROWS_PER_BAND
    # Few distinct values, so that buckets are shared and counts tie.
    signatures = rng.integers(0, 2, (60, n_values)).astype(np.uint32)
    counts = rng.integers(1, 4, 60)
    left, right = personalisation._lsh_candidates(signatures, counts)
    expected = _lsh_candidates_by_lexsort(signatures, counts)
    np.testing.assert_array_equal(np.stack([left, right], axis=1), expected)


def test_template_clusters_spread_over_processes_are_the_serial_ones(monkeypatch) -> None:
    rng = np.random.default_rng(2)
    words = np.array(["please", "dm", "us", "your", "order", "number", "sorry", "<name>", "hi"])
    # Three brands of different sizes; variants of a few wordings, so that clusters form.
    stems = [" ".join(rng.choice(words, 12)) for _ in range(6)]
    keys, brands = [], []
    for brand, n in (("A", 120), ("B", 60), ("C", 9)):
        for _ in range(n):
            base = stems[rng.integers(len(stems))].split()
            base[rng.integers(len(base))] = str(rng.choice(words))
            keys.append(" ".join(base))
            brands.append(brand)
    brand, key = pd.Series(brands), pd.Series(keys)
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    serial = personalisation.cluster_templates(brand, key)
    monkeypatch.setenv(parallel.JOBS_ENV, "2")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    spread = personalisation.cluster_templates(brand, key)
    pd.testing.assert_frame_equal(spread, serial)
    assert serial["template_size"].max() > 5  # there are templates to get wrong
