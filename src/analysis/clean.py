"""Text normalisation and de-duplication of loaded messages (raw input is never edited in place)."""

from __future__ import annotations

import html
import re
from html.entities import html5

import ftfy
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import parallel

# Byte sequences that appear when UTF-8 was decoded as Latin-1/Windows-1252 ("Ã©", "â€™").
# Written without `\\u` escapes (the range is the same), so pandas runs it in pyarrow, not row by row.
_MOJIBAKE_HINT = r"[ÃÂâ][\x80-\xbf€™œ˜žŸ]|â€"

# A well-formed character reference, semicolon included: `&amp;`, `&#39;`, `&#x27;`, `&nbsp;`.
# html.unescape also decodes legacy names without one (`&reg`, `&copy`, `&not`), which turns
# the `&region=` of a URL into `®ion=`; text is kept as written unless it is an entity.
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"

# The entities tweets and most exports hold; `&amp;` last, so that `&amp;lt;` becomes `&lt;`
# (decoded once, as a browser shows it).
_COMMON_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))
_COMMON_ENTITY = r"&(?:lt|gt|quot|#39|amp);"

_STRAIGHT_QUOTES = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'))
# Python's `\s` (every character `str.isspace` accepts) as an RE2 class: RE2's own `\s` is ASCII
# only and misses the vertical tab, so pandas would run `\s+` row by row in Python instead.
_SPACE_CODES = [code for code in range(0x110000) if chr(code).isspace()]
SPACE_CHARACTERS = "".join(f"\\x{{{code:x}}}" for code in _SPACE_CODES)
# Runs of whitespace that are not already one space: folding them is folding every run, without
# RE2 replacing each single space of a text by itself (it pays per match: 1.4 s against 0.2 s at
# 0.35M tweets).
_OTHER_SPACES = "".join(f"\\x{{{code:x}}}" for code in _SPACE_CODES if code != 0x20)
_WHITESPACE_RUN = f"[{_OTHER_SPACES}][{SPACE_CHARACTERS}]*| [{SPACE_CHARACTERS}]+"
# Control characters no message means (NUL, backspace, escape, DEL...): a corrupted export holds
# them, and an HTML page may not (a NUL is a parse error). Tab, line feed and CR are text.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def normalise_text(text: pd.Series) -> pd.Series:
    """HTML entities decoded, mojibake repaired, control characters dropped, quotes straightened;
    line breaks kept."""
    out = text.fillna("").astype(str)
    has_control = out.str.contains(_CONTROL, regex=True)
    if has_control.any():
        out.loc[has_control] = out.loc[has_control].str.replace(_CONTROL, "", regex=True)
    # The slow repairs only run on the few rows that need them (2.8M rows stay fast).
    has_entity = out.str.contains("&", regex=False)
    if has_entity.any():
        out.loc[has_entity] = _decode_entities(out.loc[has_entity])
    looks_garbled = out.str.contains(_MOJIBAKE_HINT, regex=True)
    if looks_garbled.any():
        out.loc[looks_garbled] = out.loc[looks_garbled].map(ftfy.fix_text)
    # Straight quotes everywhere, so "can’t" and "can't" read the same to every later rule.
    straight = _arrow(out)
    for curly, plain in _STRAIGHT_QUOTES:
        straight = pc.replace_substring(straight, curly, plain)
    return pd.Series(straight, index=out.index, dtype=out.dtype)


def _arrow(text: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column of str as pyarrow strings, without a copy (an empty one as an empty array)."""
    return pa.array(text) if len(text) else pa.array([], pa.large_string())


def _decode_entities(text: pd.Series) -> pd.Series:
    """Well-formed entities decoded once: the common ones by plain replacement (fast), the rows
    holding any other one entity by entity."""
    others = text.str.replace(_COMMON_ENTITY, "", regex=True).str.contains(_ENTITY, regex=True)
    out = text.copy()
    common = text[~others]
    for entity, character in _COMMON_ENTITIES:
        common = common.str.replace(entity, character, regex=False)
    out[~others] = common
    out[others] = text[others].str.replace(_ENTITY, _decode_entity, regex=True)
    return out


def _decode_entity(match: re.Match) -> str:
    """The character an entity names; an unknown name stays as written (`&madeup;`)."""
    entity = match.group(0)
    if entity[1] != "#" and entity[1:] not in html5:
        return entity
    return html.unescape(entity)


def clean_text(text: pd.Series) -> pd.Series:
    """HTML entities decoded, mojibake repaired, quotes straightened, whitespace folded."""
    normalised = normalise_text(text)
    # Every run of whitespace is one space now, so stripping is dropping a space at either end.
    folded = parallel.arrow_kernel(
        pc.replace_substring_regex, _arrow(normalised), _WHITESPACE_RUN, " "
    )
    folded = pc.utf8_trim(folded, " ")
    return pd.Series(folded, index=normalised.index, dtype=normalised.dtype)


def split_duplicates(messages: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the first of each message id; the repeats become rejected records that say why."""
    repeated = messages["message_id"].duplicated(keep="first")
    if not repeated.any():
        return messages, []
    first_row = messages.drop_duplicates("message_id").set_index("message_id")
    compared = ["author_id", "role", "created_at", "text", "parent_id"]
    repeats = messages.loc[repeated]
    originals = first_row.loc[repeats["message_id"], compared].set_index(repeats.index)
    both_missing = repeats[compared].isna().to_numpy() & originals.isna().to_numpy()
    equal = repeats[compared].to_numpy() == originals.to_numpy()
    same = (equal | both_missing).all(axis=1)
    original_rows = first_row.loc[repeats["message_id"], "_row"].to_numpy()
    rejected = [
        {
            "row": int(row),
            "column": "message_id",
            "value": str(message_id),
            "reason": (
                f"exact duplicate of row {original}"
                if identical
                else f"message id already used by row {original} with different content"
            ),
        }
        for row, message_id, original, identical in zip(
            repeats["_row"], repeats["message_id"], original_rows, same, strict=True
        )
    ]
    return messages.loc[~repeated].reset_index(drop=True), rejected


def clean_messages(messages: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Cleaned text and no repeated message ids; returns the repeats as rejected records."""
    # A new frame sharing every other column (copy-on-write), not a deep copy of the table.
    return split_duplicates(messages.assign(text=clean_text(messages["text"])))
