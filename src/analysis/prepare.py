"""The text stage: every prepared form of a message's text, computed once, read by every measure.

`prepare_messages` runs once after threading and adds `PREPARED_COLUMNS` to the messages table;
`prepare_texts` is the same stage for texts without a table (the rubric's training labels, a CSV
column labelled by `analysis rubric`), where every text is read as an agent reply.

- `body`: the text without the reply prefix (the @handles Twitter puts first) and the agent
  signature; a closing such as "Thanks," stays.
- `agent_signature`: the agent's sign-off ("AB", "Becky"; see `analysis.text`), agent messages
  only; NA when unsigned. Signatures are parsed here and nowhere else.
- `addressed_name`: the name an agent message addresses its reader by ("Hi Dana"; see
  `analysis.names`), NA when none.
- `masked_text`: the body without a sign-off block or part markers ("1/2"), links, e-mails,
  handles, numbers and the addressed name masked (`<url>`, `<email>`, `<handle>`, `<num>`,
  `<name>`), whitespace folded: what specificity and templates compare.
- `sentences`: the same text lowercased, numbers kept, one sentence per line: what the rubric's
  rules and model read.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import clean, names, parallel, schema, text

PREPARED_COLUMNS = schema.PREPARED_COLUMNS

# A closing formula on its own line, then the agent's name and company: keep the closing only.
SIGN_OFF_BLOCK = r"(\n[ \t]*(?i:kind regards|warm regards|best regards|regards|best wishes|best|thanks|thank you|many thanks|with care|take care|sincerely|yours sincerely|cheers|all the best|warmly),?)[ \t]*\n[\s\S]*$"
# A last line like "- Leo, BingeBox Chat Support".
SIGN_OFF_LINE = r"\n[ \t]*[-~" + "\u2013\u2014" + r"][ \t]?[A-Z][^\n]*$"  # RE2: no \u escapes
_CAPITALISED_WORD = rf"\b({names.NAME})\b"
# Runs of blanks (`[ \t]+`) and of RE2 whitespace (`\s+`) that are not already one space: the
# same replacement by " ", without replacing each of a text's single spaces by itself (RE2 pays
# per match: about 2.5 s a pattern at 0.35M tweets, against 0.3 s).
_BLANK_RUN = r"\t[ \t]*| [ \t]+"
_SPACE_RUN = r"[\t\n\f\r][\t\n\f\r ]*| [\t\n\f\r ]+"


def prepare_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """Messages with the prepared text columns added (`PREPARED_COLUMNS`), each computed once."""
    prepared = prepare_texts(
        messages["text"],
        replies=messages["role"] == "agent",
        group=messages.get("brand"),
        normalise=False,  # clean.clean_messages has normalised the text already
    )
    return messages.drop(columns=list(PREPARED_COLUMNS), errors="ignore").join(prepared)


def ensure_prepared(messages: pd.DataFrame) -> pd.DataFrame:
    """Messages as they are when the text stage has run on them, else with it run (once)."""
    if set(PREPARED_COLUMNS) <= set(messages.columns):
        return messages
    return prepare_messages(messages)


def prepare_texts(
    texts: pd.Series,
    *,
    replies: bool | pd.Series = True,
    group: pd.Series | None = None,
    normalise: bool = True,
) -> pd.DataFrame:
    """The prepared columns of each text, index aligned with texts.

    `replies` says which texts are agent replies (only those have signatures and addressed
    names); `group` (the brand) is where a too-common "name" is counted; `normalise` decodes
    entities and straightens quotes first (`clean.normalise_text`), for texts that did not come
    through the pipeline."""
    raw = texts.fillna("").astype(str)
    if normalise:
        raw = clean.normalise_text(raw)
    is_reply = (
        np.full(len(raw), bool(replies))
        if isinstance(replies, bool)
        else pd.Series(replies, index=raw.index).fillna(False).to_numpy(dtype=bool)
    )
    stripped = text.strip_reply_prefix(raw)
    signature = pd.Series(pd.NA, index=raw.index, dtype="string")
    kind = pd.Series(pd.NA, index=raw.index, dtype="string")
    if is_reply.any():
        parsed = text.parse_signatures(stripped[is_reply])
        signature[is_reply] = parsed["signature"]
        kind[is_reply] = parsed["kind"]
    body = text.strip_signature(stripped, kind)

    cased = text.replace(text.replace(body, SIGN_OFF_BLOCK, r"\1"), SIGN_OFF_LINE, "")
    cased = text.mask_handles(text.mask_emails(text.mask_urls(cased)))
    arrow = text.to_arrow(cased)
    arrow = parallel.arrow_kernel(pc.replace_substring_regex, arrow, text.PART_MARKER_PATTERN, " ")
    arrow = pc.utf8_trim_whitespace(
        parallel.arrow_kernel(pc.replace_substring_regex, arrow, _BLANK_RUN, " ")
    )
    cased = pd.Series(arrow, index=raw.index, dtype=raw.dtype)

    addressed = pd.Series(pd.NA, index=raw.index, dtype="string")
    if is_reply.any():
        groups = None if group is None else group[is_reply]
        addressed[is_reply] = names.vocative_names(cased[is_reply], groups, signature[is_reply])

    sentences = pc.utf8_lower(arrow)
    sentences = parallel.arrow_kernel(
        pc.replace_substring_regex, sentences, r"([.!?;]+)\s+", "\\1\n"
    )
    sentences = parallel.arrow_kernel(pc.replace_substring_regex, sentences, r"\s*\n\s*", "\n")
    masked = text.mask_numbers(_mask_names(cased, addressed))
    masked = text.replace(masked, _SPACE_RUN, " ").str.strip()
    return pd.DataFrame(
        {
            "body": body.astype(str),
            "agent_signature": signature,
            "addressed_name": addressed,
            "masked_text": masked.astype(str),
            "sentences": pd.Series(sentences, index=raw.index, dtype=raw.dtype),
        },
        index=raw.index,
    ).astype({"sentences": str})


def _mask_names(cased: pd.Series, addressed_name: pd.Series) -> pd.Series:
    """Replace the names replies address their readers by with the name token."""
    has = addressed_name.notna().to_numpy()
    if not has.any():
        return cased
    known = frozenset(addressed_name[has].str.lower())

    def replace(match: re.Match) -> str:
        return text.NAME_TOKEN if match.group(1).lower() in known else match.group(0)

    out = cased.copy()
    fast = np.zeros(len(cased), dtype=bool)
    fast[has] = text.re2_rows(cased[has]) & _markers_absent(cased[has])
    slow = has & ~fast
    if fast.any():
        out[fast] = _mask_known_words(cased[fast], known)
    if slow.any():
        out[slow] = cased[slow].str.replace(_CAPITALISED_WORD, replace, regex=True)
    return out


# Bracket each capitalised word while its texts are split into words in pyarrow; control
# characters that a cleaned text does not hold (the texts holding them keep Python's `re`).
_WORD_START, _WORD_END = "\x01", "\x02"
_NOTHING = pa.scalar("", pa.large_string())
_NAME_TOKEN = pa.scalar(text.NAME_TOKEN, pa.large_string())


def _markers_absent(cased: pd.Series) -> np.ndarray:
    values = pa.array(cased, pa.large_string())
    holds = pc.or_(pc.match_substring(values, _WORD_START), pc.match_substring(values, _WORD_END))
    return ~holds.to_numpy(zero_copy_only=False)


def _mask_known_words(cased: pd.Series, known: frozenset[str]) -> pd.Series:
    """`_mask_names` in pyarrow for texts RE2 reads as Python's `re` does: every capitalised word
    bracketed by RE2 (the words `re` would match), the texts split at the brackets, the words
    whose lowercase is known replaced, the pieces joined again. Python sees only the distinct
    words (lowercased as `str.lower` does)."""
    marked = parallel.arrow_kernel(
        pc.replace_substring_regex,
        text.to_arrow(cased),
        _CAPITALISED_WORD,
        f"{_WORD_START}\\1{_WORD_END}",
    )
    pieces = pc.split_pattern(marked, _WORD_START)
    # A text's first piece is what comes before its first word; each other piece is a word,
    # its end bracket, and the text up to the next word.
    parts = pc.split_pattern(pc.list_flatten(pieces), _WORD_END, max_splits=1)
    word = pc.list_element(parts, 0)
    rest = pc.binary_join(pc.list_slice(parts, 1), _NOTHING)
    is_word = pc.equal(pc.list_value_length(parts), 2)
    distinct = pc.unique(pc.filter(word, is_word)).to_pylist()
    names_known = pa.array([w for w in distinct if w.lower() in known], pa.large_string())
    masked = pc.if_else(pc.and_(is_word, pc.is_in(word, names_known)), _NAME_TOKEN, word)
    joined = pc.binary_join_element_wise(masked, rest, _NOTHING)
    rebuilt = type(pieces).from_arrays(pieces.offsets, joined)
    joined = pc.binary_join(rebuilt, _NOTHING)
    return pd.Series(joined, index=cased.index, dtype=cased.dtype)
