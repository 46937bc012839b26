"""Shared text helpers: mask handles, URLs, e-mails, numbers and agent signatures; tokenise; stem.

Masking functions take and return a `pd.Series` of str (vectorised `str` methods, no row loops).
Tokenising works on one string and is meant as a scikit-learn `analyzer`; the stemmer is cached
per word, so a corpus costs one stem call per distinct word, not per occurrence.

Signatures are the agent's mark at the end of a reply, after which only URLs, part markers
("1/2", "(2/3)") and punctuation may follow:

    ^AB  ^ AB  /KL  *TJ  -AB  ~AB      initials, 2-4 capitals
    -Becky  - Becky  ~Sam  -Becky S.   a capitalised first name (not a common word), optional initial
    "Thanks,\\nBecky"  "Regards, Becky" a closing formula, then a name on the last line

Not signatures: "^^", "1/2", a URL ending in "/AB", "- see link", "- Please DM us", "and/or".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import clean, names, parallel

URL_TOKEN = "<url>"
EMAIL_TOKEN = "<email>"
HANDLE_TOKEN = "<handle>"
NUMBER_TOKEN = "<num>"
NAME_TOKEN = "<name>"

URL_PATTERN = (
    r"(?:https?://|www\.)\S+"  # scheme or www
    r"|\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/\S*"  # bare domain with a path: t.co/x, amzn.to/x
)
EMAIL_PATTERN = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
# Handles, for RE2 (no look-behind): the character before the handle is kept by the replacement.
_HANDLE_RE2 = r"(^|[^\w@])@\w+"
NUMBER_PATTERN = r"\d+(?:[.,:/-]\d+)*"
# The reply prefix Twitter adds: the handles a reply starts with.
REPLY_PREFIX_PATTERN = r"^\s*(?:@\w+\s*)+"
# "1/2", "(2/3)", "2/2:" in multi-part replies.
PART_MARKER_PATTERN = r"\(?\d{1,2}\s?/\s?\d{1,2}\)?:?"

# Capitalised abbreviations that look like initials but are not.
NOT_INITIALS = frozenset(
    [
        "AM",
        "ASAP",
        "BTW",
        "CEO",
        "DM",
        "DMS",
        "EDT",
        "EST",
        "ETA",
        "EU",
        "FAQ",
        "FYI",
        "GMT",
        "ID",
        "IOS",
        "OK",
        "OS",
        "PC",
        "PIN",
        "PM",
        "PS",
        "PST",
        "SMS",
        "TV",
        "UK",
        "UPS",
        "US",
        "USA",
        "USPS",
        "UTC",
    ]
)

_NAME = names.NAME
_TAIL = rf"(?P<tail>(?:\s*(?:{URL_PATTERN}|{PART_MARKER_PATTERN}|[.!?\u2026]+))*\s*)$"
# A sigil then initials or a name. The pattern starts with the sigil's character class so the
# regex engine jumps between candidate characters (about 2 microseconds a reply); "/", "*", "-"
# and "~" must follow whitespace, punctuation or the start of the text ("and/or", "e-mail" are
# not signatures), "^" may follow anything ("(2/2)^YP").
MARK_SIGNATURE_PATTERN = (
    r"(?P<sigil>[\^/*~\u2013\u2014-])(?<![^\s.!?,)\^][/*~\u2013\u2014-])[ ]?"
    rf"(?P<mark>[A-Z]{{2,4}}(?![a-z])|{_NAME}(?: [A-Z]\.?)?)" + _TAIL
)
# A closing formula, then a name: on its own line after any closing, or after "Regards,". The
# formula is kept when the signature is stripped ("Thanks," is part of what the reply says).
CLOSING_SIGNATURE_PATTERN = (
    r"(?:(?P<closing>(?i:thanks|thank you|many thanks|cheers|best|best wishes|kind regards"
    r"|warm regards|regards|sincerely)[ \t]*,?)[ \t]*\n\s*"
    rf"(?P<line_name>{_NAME}(?: {_NAME})?)"
    r"|(?P<regards_closing>(?i:kind regards|warm regards|regards|sincerely|best wishes),)[ \t]*"
    rf"(?P<regards_name>{_NAME}))" + _TAIL
)
# A caret straight before one capitalised word that `MARK_SIGNATURE_PATTERN` does not read as
# initials or a name: a single initial or a run-together name ("^T", "^NKush", "^CharlesOpacki").
# On Twitter a caret at the end of a reply is a sign-off whatever follows it. A pattern of its own,
# read only where the mark found none, rather than a third alternative inside the mark pattern:
# RE2's rewrite (strip_signature) can name groups \1-\9 only, and the mark's RE2 form uses seven.
CARET_SIGNATURE_PATTERN = r"\^(?P<caret_mark>[A-Z][A-Za-z]*)" + _TAIL
_CLOSING_HINT = r"(?i)\n|regards|sincerely|wishes"
_MARK_RE = re.compile(MARK_SIGNATURE_PATTERN)
_CARET_RE = re.compile(CARET_SIGNATURE_PATTERN)
_CLOSING_RE = re.compile(CLOSING_SIGNATURE_PATTERN)

# The two signature patterns for RE2 (pyarrow's kernels, over the whole column in C++), for the
# texts where RE2 and Python's `re` read them alike: texts without a non-ASCII letter or digit,
# where `\b` (ASCII in RE2, Unicode in `re`) and `\d` agree; `\s` and `\S` are written as Python's
# whitespace class. The other texts keep the Python patterns above. The look-behind on the sigil
# becomes the character before it, captured and put back on stripping; the look-ahead after
# initials becomes a tail that does not start with a lowercase letter (only a link's `http` or
# `www` can: a bare domain needs a `\b`, which an ASCII capital and a letter do not make).
_S = f"[{clean.SPACE_CHARACTERS}]"
_NOT_S = f"[^{clean.SPACE_CHARACTERS}]"
_BARE_DOMAIN_RE2 = rf"\b(?:[A-Za-z0-9-]+\.)+[A-Za-z]{{2,}}/{_NOT_S}*"
_URL_RE2 = rf"(?:https?://|www\.){_NOT_S}+|{_BARE_DOMAIN_RE2}"
_PART_RE2 = rf"\(?[0-9]{{1,2}}{_S}?/{_S}?[0-9]{{1,2}}\)?:?"
_TAIL_ITEM_RE2 = rf"(?:{_URL_RE2}|{_PART_RE2}|[.!?\x{{2026}}]+)"
_TAIL_RE2 = rf"(?:{_S}*{_TAIL_ITEM_RE2})*{_S}*$"
_TAIL_AFTER_INITIALS_RE2 = (
    rf"(?:(?:{_S}+{_TAIL_ITEM_RE2}|{_BARE_DOMAIN_RE2}|{_PART_RE2}|[.!?\x{{2026}}]+)"
    rf"(?:{_S}*{_TAIL_ITEM_RE2})*)?{_S}*$"
)
# Groups by number, for the rewrite: 2 is the character before a sigil, 5 and 7 the tails.
_MARK_RE2 = (
    rf"(?:(?P<caret>\^)|(?P<before>^|[{clean.SPACE_CHARACTERS}.!?,)\^])"
    r"(?P<sigil>[/*~\x{2013}\x{2014}-]))[ ]?"
    rf"(?:(?P<initials>[A-Z]{{2,4}})(?P<initials_tail>{_TAIL_AFTER_INITIALS_RE2})"
    rf"|(?P<name>{_NAME}(?: [A-Z]\.?)?)(?P<name_tail>{_TAIL_RE2}))"
)
_MARK_KEEP_RE2 = r"\2\5\7"
_CARET_RE2 = rf"\^(?P<caret_mark>[A-Z][A-Za-z]*)(?P<caret_tail>{_TAIL_RE2})"
_CARET_KEEP_RE2 = r"\2"
# Groups: 1 closing, 2 line_name, 3 regards_closing, 4 regards_name, 5 tail.
_CLOSING_RE2 = (
    r"(?:(?P<closing>(?i:thanks|thank you|many thanks|cheers|best|best wishes|kind regards"
    r"|warm regards|regards|sincerely)[ \t]*,?)[ \t]*\n"
    rf"{_S}*(?P<line_name>{_NAME}(?: {_NAME})?)"
    r"|(?P<regards_closing>(?i:kind regards|warm regards|regards|sincerely|best wishes),)[ \t]*"
    rf"(?P<regards_name>{_NAME}))(?P<tail>{_TAIL_RE2})"
)
_CLOSING_KEEP_RE2 = r"\1\3\5"
# pyarrow compiles a pattern at each call (20-50 ms for these, with their name classes), the time
# Python's `re` takes for a few thousand texts: fewer go to `re`.
RE2_MIN_ROWS = 5_000

TOKEN_PATTERN = r"<\w+>|[a-z]+(?:['\u2019][a-z]+)*"
_APOSTROPHE_RE = re.compile(r"['\u2019]")
# sklearn's list plus the pieces contractions leave behind ("we'd" -> "we", "don't" -> "don").
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    [
        "aren",
        "couldn",
        "didn",
        "doesn",
        "don",
        "hadn",
        "hasn",
        "haven",
        "isn",
        "ll",
        "re",
        "shouldn",
        "ve",
        "wasn",
        "weren",
        "won",
        "wouldn",
    ]
)


def _as_str(text: pd.Series) -> pd.Series:
    return text.fillna("").astype(str)


def to_arrow(values: pd.Series) -> pa.Array:
    """A column of texts as one pyarrow large_string array (missing values stay null)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        arrow = pa.array(values, type=pa.large_string())  # already Arrow: no Python objects
        # A column concatenated from frames holds several chunks; the kernels' callers read
        # one array (struct fields, list offsets).
        return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow
    return pa.array(values.astype(object).to_numpy(), type=pa.large_string(), from_pandas=True)


def replace(text: pd.Series, pattern: str, replacement: str) -> pd.Series:
    """Regex replacement with pyarrow's RE2 kernel (a pattern without look-arounds; `\\1` for
    groups): about ten times faster than Python's `re` row by row on millions of texts."""
    values = _as_str(text)
    # Arrow-backed strings (pandas' default `str`) go to pyarrow and back without a copy.
    replaced = parallel.arrow_kernel(
        pc.replace_substring_regex, pa.array(values), pattern, replacement
    )
    return pd.Series(replaced, index=values.index, dtype=values.dtype)


def mask_urls(text: pd.Series, token: str = URL_TOKEN) -> pd.Series:
    """Replace links (with a scheme, www., or a bare domain with a path) by a token."""
    return replace(text, URL_PATTERN, token)


def mask_emails(text: pd.Series, token: str = EMAIL_TOKEN) -> pd.Series:
    """Replace e-mail addresses by a token."""
    return replace(text, EMAIL_PATTERN, token)


def mask_handles(text: pd.Series, token: str = HANDLE_TOKEN) -> pd.Series:
    """Replace @handles (not e-mail addresses) by a token."""
    return replace(text, _HANDLE_RE2, r"\1" + token)


def mask_numbers(text: pd.Series, token: str = NUMBER_TOKEN) -> pd.Series:
    """Replace numbers, including order numbers, versions and dates written with digits, by a token."""
    return replace(text, NUMBER_PATTERN, token)


def reply_prefix(text: pd.Series) -> pd.Series:
    """The leading @handles of each reply (the prefix Twitter adds), "" when there are none."""
    return _as_str(text).str.extract(f"({REPLY_PREFIX_PATTERN})", expand=False).fillna("")


def strip_reply_prefix(text: pd.Series) -> pd.Series:
    """Each reply without its leading @handles."""
    return replace(text, REPLY_PREFIX_PATTERN, "")


def parse_signatures(text: pd.Series) -> pd.DataFrame:
    """Per reply: the signature ("AB", "Becky") and which pattern found it ("mark", "caret",
    "closing")."""
    text = _as_str(text)
    alike = re2_rows(text)
    found = _first_match(
        text,
        alike,
        _MARK_RE,
        _MARK_RE2,
        {"sigil": ("caret", "sigil"), "mark": ("initials", "name")},
    )
    initials = found["mark"].str.fullmatch(r"[A-Z]{2,4}").fillna(False).astype(bool)
    # A name after any sigil but "/" and "*" (which initials follow: "/KL", "*TJ"): "-Becky",
    # "~Sam", and "^Kristy", as AdobeCare, GoDaddyHelp and HPSupport sign.
    by_name = found["sigil"].isin(["^", "-", "~", "\u2013", "\u2014"]).fillna(False).astype(bool)
    first_word = _first_word(found["mark"])
    valid = (initials & ~found["mark"].isin(NOT_INITIALS).fillna(False).astype(bool)) | (
        by_name & ~initials & names.is_name(first_word)
    )
    signature = found["mark"].where(valid)
    kind = pd.Series(pd.NA, index=text.index, dtype="string").mask(valid, "mark")
    careted = (signature.isna() & text.str.contains("^", regex=False)).to_numpy(bool)
    if careted.any():
        caret = _first_match(
            text[careted], alike[careted], _CARET_RE, _CARET_RE2, {"caret_mark": ("caret_mark",)}
        )["caret_mark"]
        caret = caret.where(names.is_name(caret))
        signature.loc[careted] = caret
        kind.loc[caret[caret.notna()].index] = "caret"
    hinted = (signature.isna() & text.str.contains(_CLOSING_HINT, regex=True)).to_numpy(bool)
    if hinted.any():
        closing = _first_match(
            text[hinted],
            alike[hinted],
            _CLOSING_RE,
            _CLOSING_RE2,
            {"line_name": ("line_name",), "regards_name": ("regards_name",)},
        )
        name = closing["line_name"].fillna(closing["regards_name"])
        name = name.where(names.is_name(_first_word(name)))
        signature.loc[hinted] = name
        kind.loc[name[name.notna()].index] = "closing"
    return pd.DataFrame({"signature": signature.str.strip().str.rstrip("."), "kind": kind})


def _first_word(words: pd.Series) -> pd.Series:
    """The text before each value's first space (all of it without one), NA kept; in pyarrow
    (pandas splits a `string` column in Python)."""
    parts = pc.split_pattern(pa.array(words, pa.large_string()), " ", max_splits=1)
    return pd.Series(pd.array(pc.list_element(parts, 0), dtype="string"), index=words.index)


@lru_cache(maxsize=1)
def _non_ascii_word_class() -> str:
    """Python's non-ASCII word characters (`\\w`: letters and digits) as an RE2 class, built
    once per process; every character past the first four planes counts as one (unassigned or
    rare there), which only sends more texts to Python's `re`."""
    every = "".join(map(chr, range(0x80, 0x40000)))
    runs = [(0x80 + m.start(), 0x80 + m.end() - 1) for m in re.finditer(r"\w+", every)]
    return (
        "["
        + "".join(f"\\x{{{low:x}}}-\\x{{{high:x}}}" for low, high in runs)
        + "\\x{40000}-\\x{10ffff}]"
    )


def reads_alike(text: pd.Series) -> np.ndarray:
    """Which texts RE2 and Python's `re` read alike (`\\b`, `\\w`, `\\d`, case folding): those
    without a non-ASCII letter or digit, where RE2's ASCII classes are Python's Unicode ones."""
    if len(text) == 0:
        return np.zeros(0, dtype=bool)
    other = parallel.arrow_kernel(
        pc.match_substring_regex, pa.array(_as_str(text)), _non_ascii_word_class()
    )
    return ~other.to_numpy(zero_copy_only=False)


def re2_rows(text: pd.Series) -> np.ndarray:
    """The texts to give RE2: those it reads alike, when they are enough to pay for compiling."""
    if len(text) < RE2_MIN_ROWS:
        return np.zeros(len(text), dtype=bool)
    return reads_alike(text)


def _first_match(
    text: pd.Series,
    alike: np.ndarray,
    pattern: re.Pattern,
    re2_pattern: str,
    groups: dict[str, tuple[str, ...]],
) -> pd.DataFrame:
    """Groups of each text's first match of `pattern`, NA where none: found by its RE2 form
    where RE2 reads the text alike (`alike`), by `re` elsewhere; each group is the first of its
    RE2 groups that took part (these groups are never empty when they do)."""
    if alike.sum() < RE2_MIN_ROWS:
        return text.str.extract(pattern).astype("string")[list(groups)]
    found = pd.DataFrame(
        {group: pd.Series(pd.NA, index=text.index, dtype="string") for group in groups}
    )
    if alike.any():
        extracted = parallel.arrow_kernel(pc.extract_regex, to_arrow(text[alike]), re2_pattern)
        for group, fields in groups.items():
            values = [
                pc.if_else(pc.equal(extracted.field(f), ""), None, extracted.field(f))
                for f in fields
            ]
            found.loc[alike, group] = pd.array(pc.coalesce(*values), dtype="string")
    if not alike.all():
        slow = text[~alike].str.extract(pattern).astype("string")
        for group in groups:
            found.loc[~alike, group] = slow[group]
    return found


def extract_signature(text: pd.Series) -> pd.Series:
    """The agent signature at the end of each reply ("AB", "Becky"), or NA when unsigned."""
    return parse_signatures(text)["signature"].rename("agent_signature")


def strip_signature(text: pd.Series, kind: pd.Series | None = None) -> pd.Series:
    """Each reply without its agent signature (links, part markers and a closing such as
    "Thanks," after or before it are kept); `kind` is `parse_signatures(text)["kind"]` when
    already known."""
    text = _as_str(text)
    if kind is None:
        kind = parse_signatures(text)["kind"]
    out = text.copy()
    alike = None
    for name, pattern, keep, re2_pattern, re2_keep in (
        ("mark", _MARK_RE, r"\g<tail>", _MARK_RE2, _MARK_KEEP_RE2),
        ("caret", _CARET_RE, r"\g<tail>", _CARET_RE2, _CARET_KEEP_RE2),
        (
            "closing",
            _CLOSING_RE,
            r"\g<closing>\g<regards_closing>\g<tail>",
            _CLOSING_RE2,
            _CLOSING_KEEP_RE2,
        ),
    ):
        rows = (kind == name).fillna(False).to_numpy(dtype=bool)
        if not rows.any():
            continue
        alike = re2_rows(text) if alike is None else alike
        fast = rows & alike & ((rows & alike).sum() >= RE2_MIN_ROWS)
        slow = rows & ~fast
        if fast.any():
            out[fast] = replace(text[fast], re2_pattern, re2_keep)
        if slow.any():
            out[slow] = text[slow].str.replace(pattern, keep, regex=True)
    return out


def mask(
    text: pd.Series,
    *,
    signatures: bool = True,
    urls: bool = True,
    emails: bool = True,
    handles: bool = True,
    numbers: bool = True,
) -> pd.Series:
    """Mask what identifies a reply rather than its content: signature, links, e-mails, handles, numbers."""
    text = _as_str(text)
    if signatures:
        text = strip_signature(text)
    if urls:
        text = mask_urls(text)
    if emails:
        text = mask_emails(text)
    if handles:
        text = mask_handles(text)
    if numbers:
        text = mask_numbers(text)
    return text


def tokenise(text: str) -> list[str]:
    """Lowercase word tokens of one text; mask tokens such as "<url>" stay whole."""
    return _tokenizer().tokenize(text.lower())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lowercase word, cached."""
    return _stemmer().stem(word)


# NLTK is imported when a text is first tokenised or stemmed, not with this module: importing
# it costs a second or two, and the report's pages import the library only for its tables.
@cache
def _tokenizer():
    from nltk.tokenize import RegexpTokenizer

    return RegexpTokenizer(TOKEN_PATTERN)


@cache
def _stemmer():
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english")


@lru_cache(maxsize=400_000)
def _content_stem(token: str, stop_words: frozenset[str]) -> str | None:
    if token.startswith("<"):
        return None
    head = _APOSTROPHE_RE.split(token, maxsplit=1)[0]
    if len(head) < 2 or head in stop_words or token in stop_words:
        return None
    return stem(head)


def content_stems(text: str, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """Stems of the content words of one text: no stop words, mask tokens or one-letter words."""
    stems = (_content_stem(token, stop_words) for token in tokenise(text))
    return [s for s in stems if s is not None]


def split_words(texts: np.ndarray | pa.Array) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The pieces of each text between ASCII whitespace, in order: each piece's text position
    and code, and the distinct pieces the codes index (raises UnicodeEncodeError for a text
    UTF-8 cannot hold)."""
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, type=pa.large_string())
    pieces = pc.ascii_split_whitespace(texts)
    text_of = pc.list_parent_indices(pieces).to_numpy(zero_copy_only=False).astype(np.int64)
    encoded = pc.dictionary_encode(pc.list_flatten(pieces))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return text_of, codes, encoded.dictionary.to_pylist()


def spread(codes: np.ndarray, per_code: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """For items given by their codes, the ints listed for each code, in order: the item of
    each value and the values."""
    lengths = np.fromiter((len(values) for values in per_code), dtype=np.int64, count=len(per_code))
    flat = np.fromiter((v for values in per_code for v in values), dtype=np.int64)
    counts = lengths[codes]
    item = np.repeat(np.arange(len(codes)), counts)
    within = np.arange(len(item)) - np.repeat(np.cumsum(counts) - counts, counts)
    return item, flat[np.repeat((np.cumsum(lengths) - lengths)[codes], counts) + within]


def content_stem_rows(
    documents: np.ndarray | pa.Array, stop_words: frozenset[str] = STOP_WORDS
) -> tuple[np.ndarray, np.ndarray]:
    """(document position, stem) of every content stem, in document and word order: exactly
    `content_stems(document, stop_words)` of each document, with one `content_stems` call per
    distinct word rather than per document (templates and common words repeat)."""
    document_of, stem_code, vocabulary = content_stem_codes(documents, stop_words)
    stems = np.empty(len(vocabulary), dtype=object)
    stems[:] = vocabulary
    return document_of, stems[stem_code]


# Documents split into words at a time in `content_stem_codes`: a chunk's words, positions and
# codes are a few arrays of its own size, whatever the size of the corpus.
STEM_CHUNK_DOCUMENTS = 200_000


def content_stem_codes(
    documents: np.ndarray | pa.Array,
    stop_words: frozenset[str] = STOP_WORDS,
    chunk_size: int = STEM_CHUNK_DOCUMENTS,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`content_stem_rows` as codes: each content stem's document position and its code in the
    vocabulary, the stems numbered in the order the corpus first uses them (as `pd.factorize` of
    the stems would number them). Read `chunk_size` documents at a time, each distinct word
    stemmed once for the whole corpus."""
    # A token never spans whitespace, and str.lower reads a space as it reads the end of a text
    # (the final sigma looks no further), so the stems of the pieces between spaces, in order,
    # are the text's own.
    stem_id: dict[str, int] = {}
    stems_of_word: dict[str, list[int]] = {}

    def stem_codes(word: str) -> list[int]:
        codes = [stem_id.setdefault(s, len(stem_id)) for s in content_stems(word, stop_words)]
        stems_of_word[word] = codes
        return codes

    document_parts, code_parts = [], []
    for start in range(0, len(documents), max(chunk_size, 1)):
        chunk = documents[start : start + chunk_size]
        document_of, piece, distinct_pieces = split_words(chunk)
        # Chunks are read in order and each chunk's words in the order it first uses them, so
        # new stems are numbered in the order of their first use in the whole corpus.
        stems_of_piece = [
            stems_of_word[word] if word in stems_of_word else stem_codes(word)
            for word in distinct_pieces
        ]
        occurrence, stem_code = spread(piece, stems_of_piece)
        document_parts.append(document_of[occurrence] + start)
        code_parts.append(stem_code)
    if not document_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    return np.concatenate(document_parts), np.concatenate(code_parts), list(stem_id)


# An @mention: "@" and a handle's word characters, not after a word character or another "@"
# (an e-mail address "a@b.com", "x@y", "@@x" mention no one; ".@brand" and "(@brand" do).
MENTION_PATTERN = r"(?<![\w@])@(\w+)"
# For RE2, which has no look-behind: the character before the "@" is matched instead (a mention
# ends in a word character, so the next one never needs it); each handle is bracketed by two
# control characters a cleaned text does not hold, and read back by splitting at them.
_MENTION_RE2 = r"(?:^|[^\w@])@(\w+)"
_HANDLE_START, _HANDLE_END = "\x01", "\x02"


def mentions(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The @handles each text mentions (`MENTION_PATTERN`), in order: the text's position and
    the handle, one pair per mention; missing texts mention no one. Only texts holding an "@"
    are searched: by RE2 those it reads as Python's `re` does (`re2_rows`), by `re` the rest."""
    holding = np.flatnonzero(texts.str.contains("@", regex=False).fillna(False).to_numpy(bool))
    texts = _as_str(texts.iloc[holding])
    values = to_arrow(texts)
    fast = re2_rows(texts)
    if fast.any():
        holds = pc.or_(
            pc.match_substring(values, _HANDLE_START), pc.match_substring(values, _HANDLE_END)
        )
        fast &= ~holds.to_numpy(zero_copy_only=False)
    positions, handles = [], []
    if fast.any():
        fast_positions = np.flatnonzero(fast)
        marked = parallel.arrow_kernel(
            pc.replace_substring_regex,
            values.take(pa.array(fast_positions)),
            _MENTION_RE2,
            f"{_HANDLE_START}\\1{_HANDLE_END}",
        )
        pieces = pc.split_pattern(marked, _HANDLE_START)
        # A text's first piece is what comes before its first mention; each other piece starts
        # with a handle and its end bracket.
        flat = pc.list_flatten(pieces)
        first = np.zeros(len(flat), dtype=bool)
        first[pieces.offsets.to_numpy()[:-1]] = True
        parent = pc.list_parent_indices(pieces).to_numpy()
        handle = pc.list_element(pc.split_pattern(flat, _HANDLE_END, max_splits=1), 0)
        positions.append(fast_positions[parent[~first]])
        handles.append(handle.filter(pa.array(~first)).to_numpy(zero_copy_only=False))
    if not fast.all():
        found = texts[~fast].str.findall(MENTION_PATTERN)
        slow = (
            pd.DataFrame({"position": np.flatnonzero(~fast), "handle": found.to_numpy()})
            .explode("handle")
            .dropna()
        )
        positions.append(slow["position"].to_numpy(dtype=np.int64))
        handles.append(slow["handle"].to_numpy(dtype=object))
    position = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
    handle = np.concatenate(handles) if handles else np.zeros(0, dtype=object)
    order = np.argsort(position, kind="stable")  # texts in order, mentions in order within each
    return holding[position[order]].astype(np.int64), handle[order]
