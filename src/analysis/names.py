"""People's names in support text: the one name pattern, the one list of capitalised words that
are not names, the greeting words, and the one detector of a reply that addresses its reader by
name (`vocative_names`, `addressed_customer`).

Signatures (`analysis.text`), the rubric, personalisation and redaction all read these, so "is
this a name?" has one answer everywhere. The patterns are written for RE2 (pyarrow's regex
kernels: no look-arounds, no back-references) and work unchanged with Python's `re`. Names are
Unicode: any uppercase letter, then letters of any script ("Søren", "Łukasz", "Алексей",
"Νίκος"); both engines read the letter classes as literal characters (`UPPER`, `LOWER`), since
RE2's word class and word boundary are ASCII only and Python's `re` has no Unicode classes.

A reply addresses its reader by name when a capitalised word that is not a common word stands in
a vocative position, tried in this order (the first pattern with a name wins):

    "Hi Dana", "Thanks, Dana", "Dear Ms Shah"   a greeting or thanks opening a sentence
    "... frustration, Lee!", "..., Rob."       a name closing a clause after a comma
    "Pankaj, I get your concern"                a name opening a sentence, then a comma
    "sorry for that Marc, have you ..."         a name after a short word, then a comma

Months are names after a greeting and as a closing vocative ("Hi April", "..., June!"), never
where a date is as likely ("May, I ..."). A "name" that one brand uses in more than
`COMMON_NAME_SHARE` of its replies (and at least `COMMON_NAME_MIN_COUNT` times) is a product or
the brand itself, never a customer's.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from analysis import parallel


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Names are written in the first three planes (every living script, CJK to extension B): scanning
# them takes a tenth of the time of all of Unicode, at every import.
_LAST_NAME_CHARACTER = 0x2FFFF


def _character_class(is_member) -> str:
    """The characters `is_member` accepts, as the inside of a regex class: ranges of literal
    characters (ASCII ones escaped), which RE2 and Python's `re` read alike."""
    members = [c for c in range(_LAST_NAME_CHARACTER + 1) if is_member(chr(c))]
    ranges: list[list[int]] = []
    for code in members:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])

    def literal(code: int) -> str:
        return re.escape(chr(code)) if code < 128 else chr(code)

    return "".join(
        literal(low) if low == high else f"{literal(low)}-{literal(high)}" for low, high in ranges
    )


# Surrogates cannot be written to a pattern; a name is made of letters (and combining marks).
_LETTER_CATEGORIES = frozenset({"Ll", "Lm", "Lo", "Mn", "Mc"})
UPPER = _character_class(lambda c: c.isupper() and unicodedata.category(c) != "Cs")
# What follows a name's capital: lowercase letters, and letters of scripts without case.
LOWER = _character_class(lambda c: unicodedata.category(c) in _LETTER_CATEGORIES)
# Where a name ends: anything but a letter, a digit or an apostrophe joining a letter ("Don't" is
# not "Don"), for RE2, whose `\b` is ASCII only; it takes one character, so it ends patterns
# that extract, never ones that replace.
NAME_END = rf"(?:[^{UPPER}{LOWER}0-9_'’]|['’](?:[^{UPPER}{LOWER}]|$)|$)"

# A capitalised given name or surname: "Dana", "O'Brien" (or "O’Brien"), "Jean-Luc", "Søren",
# "Алексей" (not
# "Dana's": the possessive is left out, so "Dana's order" yields "Dana").
NAME = rf"[{UPPER}](?:[{LOWER}]+|['’][{UPPER}][{LOWER}]+)(?:-[{UPPER}][{LOWER}]+)?"
TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?"
MONTHS = _words(
    "january february march april may june july august september october november december"
)
WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")

# Capitalised words (lowercase here) that start sentences, greet, sign off, or name products,
# places and companies: never a person's name. Months are apart (see MONTHS).
NOT_NAMES = WEEKDAYS | _words(
    """
    again all alright also anyone anytime apologies appreciated awesome awful bad both
    brilliant certainly check cheers click customer customers dear definitely done everybody
    everyone excellent fantastic feedback fine folks follow friend friends gang gotcha great guest
    guys happy hello help here hey hi hmm hope however indeed just kind kindly lol love nope noted
    oh ok okay people perfect please regards right sadly see sincerely so sorry sure team thank
    thanks there today tomorrow totally understood unfortunately update user welcome well wow
    yeah yes yesterday yikes you
    morning afternoon evening night
    pal buddy mate sir madam maam ma'am
    apple amazon spotify twitter prime dm email
    iphone ipad ipod mac macbook imac itunes icloud ios macos watchos siri airpods homepod
    app apps store music tv watch pro air plus max mini kindle echo alexa fire roku netflix
    hulu android windows google chrome safari pixel samsung galaxy settings general about
    support care cares sales billing video photos messages mail maps
    facetime imessage bluetooth wifi premium family student unidays free
    no meanwhile still now then first next finally additionally note ps
    we us our your they i it this that these those what which who when where why how
    glad cool nice good fab wonderful absolutely best
    english french spanish german india indian uk usa canada australia venezuela pune
    delivery order orders account service agent courier carrier logistics
    amazonhelp applesupport spotifycares ups usps fedex dhl
    ha haha hahaha ugh aw aww awww ooh oops whoa yay hooray phew eek argh hm ah aha
    uh um er gosh golly blimey heh hehe not np nah yep yup woohoo woo hurray bummer
    dang darn shoot welp alas boo brr power home menu back
    """
)

# Words that greet or thank the reader; a name may follow ("Hi Dana", "Many thanks, Dana").
GREETINGS = (
    "hi|hey|hello|hiya|heya|howdy|dear|morning|good morning|good afternoon|good evening|evening"
    "|afternoon|thanks|thank you|thanks so much|thank you so much|many thanks|thx|cheers|sorry"
    "|apologies|welcome|congrats|congratulations|ok|okay|oh no|aw|aww|yikes|hmm|no worries"
    "|hang in there|hang tight|of course|absolutely"
)
_NAME_GROUP = rf"(?P<name>{NAME})"
GREETING_VOCATIVE = (
    rf"(?:^(?:\d+[:.)]\s*)?|[.!?]\s+)(?i:{GREETINGS}),?\s+(?:{TITLE}\s+)?{_NAME_GROUP}{NAME_END}"
)
TRAILING_VOCATIVE = rf",\s+{_NAME_GROUP}\s*(?:[!.?,:;)]|$)"
LEADING_VOCATIVE = rf"(?:^|[.!?]\s+){_NAME_GROUP},\s"
AFTER_WORD_VOCATIVE = rf"\b(?:that|this|you|it|there|again|back|today|too|now)\s+{_NAME_GROUP},\s"
# In the order they are tried, with whether a month counts as a name there.
VOCATIVE_PATTERNS = (
    (GREETING_VOCATIVE, True),
    (TRAILING_VOCATIVE, True),
    (LEADING_VOCATIVE, False),
    (AFTER_WORD_VOCATIVE, False),
)

COMMON_NAME_SHARE = 0.05
COMMON_NAME_MIN_COUNT = 50


def is_name(words: pd.Series, months: bool = False) -> np.ndarray:
    """Whether each capitalised word may be a person's name (months only when `months`)."""
    lower = words.astype("string").str.lower()
    not_names = NOT_NAMES if months else NOT_NAMES | MONTHS
    return (lower.notna() & ~lower.isin(not_names)).to_numpy(dtype=bool)


def vocative_names(
    cased: pd.Series, group: pd.Series | None = None, own: pd.Series | None = None
) -> pd.Series:
    """The name each text addresses its reader by ("Hi Dana", "..., Dana!"), or NA.

    `cased` is prepared text (no reply prefix, signature or links); `group` (e.g. the brand) is
    what a too-common "name" is counted within, all texts when None; `own` is each text's
    signature: an agent's own name is not the reader's ("Happy to help, Becky! -Becky")."""
    from analysis import text  # (here: text imports this module)

    values = text.to_arrow(cased)
    found = pd.Series(pd.NA, index=cased.index, dtype="string")
    for pattern, months in VOCATIVE_PATTERNS:
        open_rows = found.isna().to_numpy()
        if not open_rows.any():
            break
        # pyarrow extracts the first match per text: a later match of the same shape is not tried.
        extracted = parallel.arrow_kernel(pc.extract_regex, values, pattern)
        matched = extracted.is_valid().to_numpy(zero_copy_only=False)
        name = pd.Series(
            extracted.field("name").to_numpy(zero_copy_only=False), index=cased.index, dtype=object
        ).where(matched)
        take = open_rows & matched & is_name(name, months=months)
        if own is not None:
            take &= ~same_name(name, own)
        found[take] = name[take]
    named = found.notna().to_numpy()
    if not named.any():
        return found
    scope = (
        pd.Series("all", index=cased.index)
        if group is None
        else group.astype("string").fillna("unknown")
    )
    candidates = pd.DataFrame({"scope": scope[named], "name": found[named]})
    uses = candidates.groupby(["scope", "name"])["name"].transform("size")
    share = uses / candidates["scope"].map(scope.value_counts())
    common = (uses >= COMMON_NAME_MIN_COUNT) & (share > COMMON_NAME_SHARE)
    found[common[common].index] = pd.NA
    return found


def same_name(left: pd.Series, right: pd.Series) -> np.ndarray:
    """Case-insensitive equality of two aligned columns; missing values never match."""
    left = pd.Series(left.to_numpy(), dtype="string").str.lower()
    right = pd.Series(right.to_numpy(), dtype="string").str.lower()
    return left.eq(right).fillna(False).to_numpy(dtype=bool)


def addressed_customer(
    body: pd.Series, vocative: pd.Series, customer_name: pd.Series | None = None
) -> pd.Series:
    """The name each reply addresses its customer by, or NA: where the data names the customer,
    their name when the reply uses their first name; elsewhere the vocative name."""
    if customer_name is None:
        return vocative.astype("string")
    customer_name = customer_name.astype("string").str.strip().replace("", pd.NA)
    first = customer_name.str.split().str[0].str.strip(".,").str.lower()
    known = first.notna() & (first.str.len() >= 2)
    words = body.where(known).astype("string").str.extractall(rf"\b({NAME})\b")
    uses_name = pd.Series(False, index=body.index)
    if not words.empty:
        rows = words.index.get_level_values(0)
        same = words[0].str.lower().to_numpy() == first.reindex(rows).to_numpy()
        uses_name[np.unique(rows[same.astype(bool)])] = True
    out = vocative.astype("string").where(~known, customer_name.where(uses_name))
    return out
