"""Mask customer identities in shared reports: handles, names, e-mails, phone and order numbers.

Redaction works on text, never on markup: `redact_html` applies `redact_text` to the text between
tags (read with its character references, so "dana&#64;example.com" is an address too) and to
the attributes a browser shows or follows (`href`, `title`, `alt`, ...: a `tel:` or `mailto:`
link), and leaves the rest of each tag (so base64 images too), comments, `<script>` and
`<style>` exactly as they are. Brand handles (the brands in the data) stay visible.

The redactor sees what a page shows: a display that shortens a text must cut between words
(`analysis.tables.shorten`), never inside an address or number it could no longer recognise.

What is masked, in this order:

- e-mail addresses, also written out ("dana at example dot com", "dana [at] example [dot] com",
  "dana(at)example(dot)com", "dana @ example . com", "dana at gmail.com"), and an address a
  display cut short ("dana@exam…") -> `[email]`
- card numbers: 13 to 19 digits, bare or grouped by spaces or dashes, that pass the Luhn check
  (a bare run of 17 or more is a message id, as tweet ids are) -> `[card]`
- order, booking, account, reference and tracking numbers after such a word ("order
  978-3317324", "booking ref: AB12345") and `#12345` -> `[order no.]`
- phone numbers: 9 to 15 digits, optionally with a +country code or an (area code), in groups
  joined by one space, dot or dash used consistently (dates, times and decimals are left alone);
  a bare run of 9 to 15 digits is masked too (an order or account number at best), and so is
  what follows `tel:` -> `[phone]`
- @handles that are not a brand's -> `@[handle]`; known customer handles that contain a letter
  also without the @ (numeric ids, as in the anonymised twcs export, are not told apart from
  counts in tables and stay)
- agents: every agent id (`Brand/JK`, `Brand/Becky`, an export's agent, also of several words or
  with dots: "Becky Smith", "agent.kim") -> a pseudonym numbered per brand in the order of the
  ids (`Brand/agent 1`, `Brand/agent 2`), the same on every page, so two agents stay two
  (`Identities.agents`)
- names: a capitalised word of any script after a greeting or thanks ("Hi Dana", "Dear Ms Shah",
  "Thanks, Søren!"), a capitalised word closing a clause after a comma ("..., Mark!", "Привет,
  Алексей"), and anywhere, whole-word, the known names from the data: every word of
  `author_name` and ticket `customer_name`, in any case (any script; a name in a script written
  without spaces, such as Chinese, is masked wherever it stands; a word the data's texts mostly
  write in lowercase, as the "Day" of "Kevin Day", only capitalised), and the names agents
  greeted, as written -> `[name]`. A contraction is not a name ("Don't"), a possessive keeps its "'s" ("[name]'s").
  The name pattern, greeting words and the words that are never names are `analysis.names`',
  shared with the measures; greetings count anywhere here (not only opening a sentence: masking
  too much is the safe side), and months and weekdays are never names in a report's prose ("on
  Monday, May."). Brand names, everyday words and placeholders ("(unknown)") are never names.

Figures are images: their text cannot be redacted, so figures must not show customer identities.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import nbformat
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import names as names_lib
from analysis import text as text_lib

EMAIL_MASK = "[email]"
ORDER_MASK = "[order no.]"
PHONE_MASK = "[phone]"
HANDLE_MASK = "@[handle]"
NAME_MASK = "[name]"
CARD_MASK = "[card]"

_NAME = names_lib.NAME
# A name ends where no letter follows, nor an apostrophe joining one: "Don't" is no "Don"; the
# possessive "Dana's" is Dana's.
_NAME_END = r"(?![\w'’-]\w|\w)|(?=['’]s\b)"
# "Hi Dana", "Dear Ms Shah", "Thanks, Mark Lee": the shared greeting words, anywhere in a text.
_GREETING_NAME = re.compile(
    rf"(?<![\w-])(?P<lead>(?i:{names_lib.GREETINGS})[ \t]*,?[ \t]+(?:{names_lib.TITLE}[ \t]+)?)"
    rf"(?P<name>{_NAME})(?:{_NAME_END})(?:[ \t]+(?P<surname>{_NAME})(?:{_NAME_END}))?"
)
# "..., Mark!" "Understood, Dana." (the shared closing vocative)
_TRAILING_NAME = re.compile(names_lib.TRAILING_VOCATIVE, re.M)
# A word with its apostrophe and hyphen parts ("O'Brien's", "Jean-Luc", "don't").
_WORD = re.compile(r"(?<![\w@'’-])\w+(?:['’-]\w+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.I)
# Scripts written without spaces between words: a known name there is masked wherever it stands.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0002ffff]"
)
# Words of an export's names (author_name, customer_name): any script, "O'Brien", "Jean-Luc".
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# Only a word character before it stops a match: the leftmost match already takes a whole address,
# and "a@b.co.c@d.co" is two addresses, masked in one pass (so a second pass changes nothing).
# Local parts are at most 64 characters (RFC 5321): the bound keeps a long run of "1-1-1-..."
# from being rescanned from each of its dashes (quadratic time).
_EMAIL = re.compile(r"(?<!\w)[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# An address written out so that it is not a link. Bracketed words ("[at]", "(dot)") say so
# themselves; bare "at" and "dot" are prose too ("meet at noon"), so they count only before a
# domain ending in a common top-level domain ("dana at example dot com").
_AT_BRACKETED = r"\s*(?:\[at\]|\(at\)|\{at\}|<at>)\s*"
_DOT_BRACKETED = r"\s*(?:\[dot\]|\(dot\)|\{dot\}|<dot>)\s*"
_COMMON_TLD = (
    r"(?:com|net|org|edu|gov|info|biz|io|co|me|uk|us|ca|au|de|fr|es|it|nl|be|ch|at|se|no|dk"
    r"|fi|pl|ru|br|in|jp|cn|ie|nz|za|mx)"
)
_SPACED_TLD = r"(?:com|net|org|edu|gov|info|biz|io|uk|de|fr|ca|au)"
# Mail providers whose names are no everyday word ("at web.de" may be the website).
_MAIL_PROVIDER = (
    r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|msn|icloud|aol|protonmail|gmx|yandex|wp"
    r"|laposte|libero|qq|zoho|fastmail)"
)
# A domain is no article or pronoun: "look at the dot com bubble" is prose.
_NOT_ARTICLE = r"(?!(?:the|a|an|this|that|these|those|my|your|our|his|her|their|its|some|any)\s)"
_OBFUSCATED_EMAIL = re.compile(
    r"(?i)(?<![\w@.])[\w.+-]{0,63}\w(?:"
    rf"{_AT_BRACKETED}[\w-]+(?:(?:{_DOT_BRACKETED}|\.|\s+dot\s+)[\w-]+)*"
    rf"(?:{_DOT_BRACKETED}|\.|\s+dot\s+)[a-z]{{2,}}"
    rf"|\s+at\s+{_NOT_ARTICLE}[\w-]+(?:\s+dot\s+[\w-]+)*\s+dot\s+{_COMMON_TLD}"
    # "dana at gmail.com": a real dot after "at" only with a mail provider ("at amazon.com" is prose)
    rf"|\s+at\s+{_MAIL_PROVIDER}(?:\.|\s+dot\s+){_COMMON_TLD}(?:\.{_COMMON_TLD})?"
    # "dana @ example . com": a spaced "." is prose as often ("@ home. It was"): fewer endings
    rf"|(?:\s*@\s+|\s+@\s*){_NOT_ARTICLE}[\w-]+(?:\s*\.\s*[\w-]+)*\s*\.\s*{_SPACED_TLD}"
    r")(?![\w@])"
)
# An address a display cut short: "dana@exam…", "dana@example.c..." (no pattern above matches it).
_CUT_EMAIL = re.compile(r"(?<!\w)[\w.+-]{1,64}@[\w.-]{0,255}(?=…|\.\.\.)")
# 13 to 19 digits, bare or in groups of a space or dash; checked by Luhn (`_card`).
_CARD = re.compile(r"(?<![\w.+/:-])\d(?:[ -]?\d){12,18}(?![\w/]|[.:,-]\d)")
_BARE_ID_DIGITS = 17  # a bare run this long is a message id (tweet ids have 18 or 19 digits)
# "tel:+44 20 7946 0958", "tel:020-7946-0958": all that a dialler would read.
# Only a letter before it stops a match ("hotel:"): "0958tel:+44..." starts a second link.
_TEL_LINK = re.compile(r"(?i)(?<![^\W\d_])(?P<scheme>tel:|callto:|sms:)[+\d(][\d ().-]*\d")
# Where a display cut a text short.
_CUT_AFTER = re.compile(r"…|\.\.\.")
# Digits a display cut short ("+44 20 7946…"): too few left for the phone pattern.
_CUT_NUMBER = re.compile(r"(?<![\w.])\+?\d[\d ().-]{5,30}(?=…|\.\.\.)")
_ORDER_WORD = (
    r"(?:order|orders|ord|booking|reservation|confirmation|tracking|account|acct|invoice"
    r"|reference|ref|pnr|case|ticket|membership|policy|parcel|shipment|claim)"
)
_ORDER = re.compile(
    rf"(?i)(?P<lead>\b{_ORDER_WORD}\b[ \t]*(?:(?:number|num|no\.?|nr\.?|#|id|code)[ \t]*)?[:#]?[ \t]*)"
    r"(?P<number>(?=[\w-]*\d)[A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])\b"
)
_HASH_NUMBER = re.compile(r"(?<![&\w])#\d{5,}\b")
_PHONE = re.compile(
    r"(?<![\w.+/:-])(?P<phone>(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?(?:\d{9,15}|\d{1,8}(?:[ .-]\d{1,8}){0,5}))"
    # Not part of a longer number ("1,000,000", "12:30", "1.5"), though a comma before another
    # long number is a list ("0800 123 456,0800 123 457"); a phone already masked counts as the
    # digits it hid, so masking is idempotent: a second pass finds the same numbers as the first.
    r"(?![\w/]|[.:-]\d|,\d{1,3}(?!\d)|[.:,-]\[phone\])"
)
_MAX_PASSES = 4
_TITLE = re.compile(names_lib.TITLE)
# A date, not the start of a longer group of numbers ("06.12.34.56.78" is a French phone number).
_DATE_LIKE = re.compile(
    r"^(?:\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4})(?![./-]?\d)"
)
_HANDLE = re.compile(r"(?<![\w@\]])@(?P<handle>\w{1,50})")

# Words that follow a greeting but are no one's name (months too: a report's prose has dates).
_NOT_VOCATIVE = names_lib.NOT_NAMES | names_lib.MONTHS | frozenset({"let", "he", "she"})
# Words written after an @ in prose ("counts an @mention"), not anyone's handle.
_NOT_HANDLES = frozenset({"handle", "handles", "mention", "mentions", "username", "usernames"})
# What exports write where they have no name: "(unknown)", "Anonymous", "System".
_PLACEHOLDER_NAMES = frozenset(
    {"unknown", "anonymous", "anon", "none", "null", "nan", "deleted", "system", "bot", "robot"}
    | {"admin", "automated", "noreply", "visitor", "requester", "staff"}
)
# Known names from the data are masked anywhere, except these everyday words, the masks' words
# and placeholders.
_NOT_NAME_ANYWHERE = (
    frozenset(ENGLISH_STOP_WORDS)
    | _NOT_VOCATIVE
    | frozenset({"name", "email", "phone", "handle", "card", "order", "no"})
    | _PLACEHOLDER_NAMES
)


@dataclass(frozen=True)
class Identities:
    """What the redactor must know about the data: brands to keep, customer handles and names to
    mask. A name in lowercase (each word of an export's names) is masked in any case; a
    capitalised one (found after a greeting in the text, or an export's name that the texts
    mostly write in lowercase, as "Day") only as written."""

    brands: frozenset[str] = field(default_factory=frozenset)
    handles: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)
    agents: tuple[tuple[str, str], ...] = ()  # (agent id, pseudonym) pairs, see agent_pseudonyms


def identities_from_tables(tables: object) -> Identities:
    """Brands, customer handles and customer names from a pipeline run (`analysis.pipeline.Tables`)."""
    messages: pd.DataFrame = tables.messages  # type: ignore[attr-defined]
    brands = _strings(messages["brand"])
    customers = messages["role"] == "customer"
    handles = _strings(messages.loc[customers, "author_id"]) - brands
    # What an export calls a name is one, in any script and case; in the text, only a
    # capitalised word in a vocative position is.
    given_names = [messages[c] for c in _NAME_COLUMNS if c in messages]
    tickets = getattr(tables, "tickets", None)
    if tickets is not None:
        given_names += [tickets[c] for c in _NAME_COLUMNS if c in tickets]
    # Each distinct text once: templates repeat, and Python's re reads each (no RE2 look-arounds).
    agent_text = messages.loc[~customers, "text"].dropna().astype(str).drop_duplicates()
    greeted = agent_text.str.extract(_GREETING_NAME.pattern)[["name", "surname"]]
    found_names = [greeted["name"], greeted["surname"]]
    if "addressed_name" in messages:  # the text stage's vocative names (analysis.prepare)
        found_names.append(messages["addressed_name"])
    # An export's names in lowercase, which the redactor masks in any case (see Identities),
    # except a word the texts mostly write in lowercase: "Kevin Day" is no reason to mask "per day".
    given = {n.lower() for n in _name_words(given_names, _NAME_WORD)}
    everyday = _mostly_lowercase(messages["text"], given)
    given = {n.title() if n in everyday else n for n in given}
    names = {n for n in _name_words(found_names, _NAME) if n.lower() not in everyday | given}
    names |= given
    return Identities(
        brands=brands,
        handles=frozenset(handles),
        names=frozenset(names),
        agents=agent_pseudonyms(messages),
    )


# The columns where an export gives people's names (messages and tickets tables).
_NAME_COLUMNS = ("author_name", "customer_name")


def _name_words(columns: list[pd.Series], pattern: str | re.Pattern[str]) -> set[str]:
    """The distinct words that `pattern` finds in some name columns and that may be names."""
    names: set[str] = set()
    for values in columns:
        distinct = pd.Series(values.dropna().astype(str).unique(), dtype=object)
        words = distinct.str.findall(pattern).explode().dropna()
        names |= {w for w in words.unique() if _may_be_name(w)}
    return names


def _mostly_lowercase(texts: pd.Series, words: set[str]) -> set[str]:
    """Of some lowercase words, those the texts write in lowercase more often than not (everyday
    words of this data, as "day", "page"; names are capitalised), read on the first
    `_EVERYDAY_SAMPLE` texts with pyarrow."""
    if not words:
        return set()
    sample = texts.dropna().astype(str).head(_EVERYDAY_SAMPLE)
    tokens = pc.list_flatten(pc.split_pattern_regex(text_lib.to_arrow(sample), r"[^\pL\pM'’]+"))
    lowered = pc.utf8_lower(tokens)
    candidate = pc.is_in(lowered, value_set=pa.array(sorted(words), type=lowered.type))
    tokens, lowered = pc.filter(tokens, candidate), pc.filter(lowered, candidate)
    written = pd.DataFrame(
        {
            "word": lowered.to_numpy(zero_copy_only=False),
            "lowercase": pc.equal(tokens, lowered).to_numpy(zero_copy_only=False),
        }
    )
    share = written.groupby("word")["lowercase"].mean()
    return set(share.index[share > 0.5])


# Enough texts to tell an everyday word from a name, few enough to read in a second.
_EVERYDAY_SAMPLE = 200_000


def _may_be_name(word: str) -> bool:
    """Whether a word of a name is worth masking anywhere: two letters or more, not an everyday word."""
    return len(word) >= 2 and word.lower() not in _NOT_NAME_ANYWHERE


def agent_pseudonyms(messages: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """Each agent id of the agent messages and its pseudonym, `Brand/agent N`, numbered per brand
    in the order of the ids: stable for the same data, and two agents never share one."""
    if "agent_id" not in messages:
        return ()
    agents = messages.loc[
        (messages["role"] == "agent") & messages["agent_id"].notna(), ["brand", "agent_id"]
    ].astype({"agent_id": str})
    agents = agents.assign(brand=agents["brand"].fillna("unknown").astype(str))
    agents = agents.drop_duplicates("agent_id").sort_values(["brand", "agent_id"])
    number = agents.groupby("brand").cumcount() + 1
    pseudonym = agents["brand"] + "/agent " + number.astype(str)
    return tuple(zip(agents["agent_id"], pseudonym, strict=True))


def _strings(values: pd.Series) -> frozenset[str]:
    return frozenset(str(v) for v in values.dropna().unique() if str(v).strip())


def redact_text(
    text: str,
    brands: Iterable[str] = (),
    names: Iterable[str] = (),
    handles: Iterable[str] = (),
    agents: Iterable[tuple[str, str]] = (),
) -> str:
    """Mask customer e-mails, order and phone numbers, non-brand @handles and names in a text, and
    replace agent ids by their pseudonyms (`agents`: (id, pseudonym) pairs)."""
    return _redactor(frozenset(brands), frozenset(names), frozenset(handles), _pairs(agents))(text)


def _pairs(agents: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(dict(agents).items()))


def redact_html(
    html: str,
    brands: Iterable[str] = (),
    names: Iterable[str] = (),
    handles: Iterable[str] = (),
    agents: Iterable[tuple[str, str]] = (),
) -> str:
    """Apply `redact_text` to the text nodes of an HTML document; markup, scripts and styles are kept."""
    redact = _redactor(frozenset(brands), frozenset(names), frozenset(handles), _pairs(agents))

    def text_node(escaped: str) -> str:
        return _redact_escaped(escaped, redact, quote=False)

    def attribute(match: re.Match) -> str:
        masked = _redact_escaped(match.group("value"), redact, quote=True)
        return match.group("lead") + masked + match.group("quote")

    pieces = []
    position = 0
    for match in _MARKUP.finditer(html):
        pieces.append(text_node(html[position : match.start()]))
        tag = match.group(0)
        if match.group("raw") is None and not tag.startswith("<!"):
            tag = _SHOWN_ATTRIBUTE.sub(attribute, tag)
        pieces.append(tag)
        position = match.end()
    pieces.append(text_node(html[position:]))
    return "".join(pieces)


def _redact_escaped(escaped: str, redact, *, quote: bool) -> str:
    """Redact HTML text as a reader sees it (character references read); unchanged text keeps
    its own escaping, masked text is escaped again."""
    if not escaped or escaped.isspace():
        return escaped
    plain = html_lib.unescape(escaped)
    masked = redact(plain)
    return escaped if masked == plain else html_lib.escape(masked, quote=quote)


def redact_notebook(
    nb: nbformat.NotebookNode,
    brands: Iterable[str] = (),
    names: Iterable[str] = (),
    handles: Iterable[str] = (),
    agents: Iterable[tuple[str, str]] = (),
) -> nbformat.NotebookNode:
    """A copy of an executed notebook with its outputs redacted; its markdown and code, the page's
    own words, are left as written (a customer named Wilson must not mask "Wilson intervals")."""
    brands, names, handles = frozenset(brands), frozenset(names), frozenset(handles)
    agents = _pairs(agents)
    redact = _redactor(brands, names, handles, agents)
    out = nbformat.from_dict(nb)  # a deep copy
    for cell in out.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = redact(_joined(output["text"]))
            for mime, value in output.get("data", {}).items():
                if mime == "text/html":
                    output["data"][mime] = redact_html(
                        _joined(value), brands=brands, names=names, handles=handles, agents=agents
                    )
                elif mime.startswith("text/"):
                    output["data"][mime] = redact(_joined(value))
            if output.get("output_type") == "error":
                output["evalue"] = redact(output.get("evalue", ""))
                output["traceback"] = [redact(line) for line in output.get("traceback", [])]
    return out


def _joined(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


# Attributes a browser shows (a tooltip, a missing image's text) or follows (a link: "tel:",
# "mailto:"); the others (classes, data-order numbers, base64 images) are the page's own.
_SHOWN_ATTRIBUTE = re.compile(
    r"(?P<lead>\s(?:href|title|alt|aria-label|aria-description|placeholder|value|label)"
    r"\s*=\s*(?P<quote>[\"']))(?P<value>.*?)(?P=quote)",
    re.I | re.S,
)
# Markup that is never redacted: raw-text elements whole, comments, doctype, and tags (quoted
# attribute values may hold '>').
_MARKUP = re.compile(
    r"<(?P<raw>script|style)\b[^>]*>.*?</(?P=raw)\s*>"
    r"|<!--.*?-->"
    r"|<[!?/]?[A-Za-z][^>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^>\"']*)*>",
    re.S | re.I,
)


@lru_cache(maxsize=16)
def _redactor(
    brands: frozenset[str],
    names: frozenset[str],
    handles: frozenset[str],
    agents: tuple[tuple[str, str], ...] = (),
):
    """A text -> text function for one set of identities (compiled once, reused for every node)."""
    brand_handles = {b.lower().lstrip("@") for b in brands}
    brand_words = {w.lower() for b in brands for w in re.findall(r"[A-Za-z]+", b)}

    def is_brand_word(word: str) -> bool:
        lower = word.lower()
        return lower in brand_words or any(b.startswith(lower) for b in brand_handles)

    maskable = [
        _apostrophes(n)
        for n in names
        if n.lower() not in _NOT_NAME_ANYWHERE and not is_brand_word(n)
    ]
    # A name given in lowercase (an export's, see Identities) is masked in any case; one found
    # capitalised in the text only as written ("Correct, ..." was taken for a name: "correct" is
    # not one).
    any_case_names = {n for n in maskable if n == n.lower()}
    cased_names = {n for n in maskable if n != n.lower()}
    known_names = any_case_names | cased_names
    unspaced = sorted((n for n in known_names if _UNSPACED.search(n)), key=len, reverse=True)
    unspaced_name = re.compile("|".join(map(re.escape, unspaced))) if unspaced else None
    known_handles = {
        h.lstrip("@").lower()
        for h in handles
        if re.search(r"[A-Za-z]", h) and h.lstrip("@").lower() not in brand_handles
    }

    pseudonyms = dict(agents)
    agent_prefixes = sorted({a.split("/", 1)[0] for a in pseudonyms if "/" in a}, key=len)
    # Ids are brand/signature ("SkyhopAir/Becky S"): the few brands anchor one pattern, the
    # signature after the slash is looked up (thousands of agents, no alternation of them all).
    agent_id = (
        re.compile(
            rf"(?<![\w/])(?:{'|'.join(re.escape(p) for p in reversed(agent_prefixes))})"
            r"/[\w'-]+(?: [A-Z](?!\w))?"
        )
        if agent_prefixes
        else None
    )
    # A brand's own account as the agent id (an export that names no agent) is the public brand,
    # not a person: it stays, or every brand name on every page would read "Brand/agent 1".
    bare_agents = {
        a: p
        for a, p in pseudonyms.items()
        if "/" not in a and a.lower().lstrip("@") not in brand_handles
    }
    # An export's agent ids may be several words or hold dots and @ ("Becky Smith", "agent.kim",
    # "kim@brand.example"), which the word rule never sees whole: one pattern of those ids.
    joined_ids = sorted((a for a in bare_agents if not re.fullmatch(r"\w+", a)), key=len)
    joined_agent = (
        re.compile(
            rf"(?<![\w.@+-])(?:{'|'.join(re.escape(a) for a in reversed(joined_ids))})"
            r"(?![\w@+-]|\.\w)"
        )
        if joined_ids
        else None
    )

    def agent(match: re.Match) -> str:
        token = match.group(0)
        if token in pseudonyms:
            return pseudonyms[token]
        # "Brand/Becky S" may be followed by a word that is not part of the id.
        head = token.rsplit(" ", 1)[0]
        return pseudonyms[head] + token[len(head) :] if head in pseudonyms else token

    def vocative(word: str | None) -> bool:
        return bool(word) and word.lower() not in _NOT_VOCATIVE and not is_brand_word(word)

    def greeting(match: re.Match) -> str:
        name, surname = match.group("name"), match.group("surname")
        if not vocative(name) or _TITLE.fullmatch(name):  # "Dear Ms [name]": a title, not a name
            return match.group(0)
        masked = match.group("lead") + NAME_MASK
        if surname:
            keep = vocative(surname) and surname.lower() not in _NOT_NAME_ANYWHERE
            masked += " " + (NAME_MASK if keep else surname)
        return masked

    def trailing(match: re.Match) -> str:
        name = match.group("name")
        return match.group(0).replace(name, NAME_MASK) if vocative(name) else match.group(0)

    def handle(match: re.Match) -> str:
        name = match.group("handle").lower()
        return match.group(0) if name in brand_handles or name in _NOT_HANDLES else HANDLE_MASK

    def word(match: re.Match) -> str:
        token = match.group(0)
        if token in bare_agents:
            return bare_agents[token]
        possessive = _POSSESSIVE.search(token)
        owners = [(token, "")]
        if possessive:  # "Dana's": Dana, then the 's
            owners.append((token[: possessive.start()], possessive.group(0)))
        for owner, suffix in owners:
            owner = _apostrophes(owner)
            if owner in cased_names or owner.lower() in any_case_names:
                return NAME_MASK + suffix
            if owner.lower() in known_handles:
                return "[handle]" + suffix
        if _CUT_AFTER.match(match.string, match.end()) and len(token) >= 3:
            return cut_word(token)
        return token

    def cut_word(token: str) -> str:
        """A word a display cut short ("Kowal…"): masked when a known name or handle begins so."""
        lower = _apostrophes(token).lower()
        if any(n.lower().startswith(lower) for n in known_names):
            return NAME_MASK
        if any(h.startswith(lower) for h in known_handles):
            return "[handle]"
        return token

    def redact(text: str) -> str:
        # A mask can open the context another pattern needs ("@658536#00000": the order number
        # after a handle only shows once the handle is masked), so repeat to a fixed point: one
        # redaction leaves nothing a second would find.
        for _ in range(_MAX_PASSES):
            masked = redact_once(text)
            if masked == text:
                break
            text = masked
        return text

    def redact_once(text: str) -> str:
        if not text or text.isspace():
            return text
        if agent_id is not None:
            text = agent_id.sub(agent, text)
        if joined_agent is not None:
            text = joined_agent.sub(lambda m: bare_agents[m.group(0)], text)
        text = _EMAIL.sub(EMAIL_MASK, text)
        text = _OBFUSCATED_EMAIL.sub(EMAIL_MASK, text)
        text = _CUT_EMAIL.sub(EMAIL_MASK, text)
        text = _TEL_LINK.sub(lambda m: m.group("scheme") + PHONE_MASK, text)
        text = _CARD.sub(_card, text)
        text = _ORDER.sub(lambda m: m.group("lead") + ORDER_MASK, text)
        text = _HASH_NUMBER.sub("#" + ORDER_MASK, text)
        text = _PHONE.sub(_phone, text)
        text = _CUT_NUMBER.sub(_cut_number, text)
        text = _HANDLE.sub(handle, text)
        text = _GREETING_NAME.sub(greeting, text)
        text = _TRAILING_NAME.sub(trailing, text)
        if known_names or known_handles or bare_agents:
            text = _WORD.sub(word, text)
        if unspaced_name is not None:
            text = unspaced_name.sub(NAME_MASK, text)
        return text

    def redact_data(text: str) -> str:
        # The page's own terms are kept whole; only the text between them is redacted.
        if not text or _PAGE_TERMS.search(text) is None:
            return redact(text)
        pieces, position = [], 0
        for match in _PAGE_TERMS.finditer(text):
            pieces += [redact(text[position : match.start()]), match.group(0)]
            position = match.end()
        return "".join([*pieces, redact(text[position:])])

    return redact_data


# The page's own words that are people's names: a customer called Wilson is masked, the Wilson
# interval a table note explains is not (the "[name] intervals for shares").
_PAGE_TERMS = re.compile(
    r"\bWilson(?= (?:score )?intervals?\b)"
    r"|\bKaplan[-–]Meier\b|\bRogan[-–]Gladen\b|\bJeffreys(?= (?:Beta|prior)\b)"
    r"|\bJaccard\b|\bGreenwood\b|\bCohen's kappa\b"
)


def _phone(match: re.Match) -> str:
    """Mask a digit group that looks like a phone number, not a date, decimal or count."""
    candidate = match.group("phone")
    digits = sum(c.isdigit() for c in candidate)
    if not 9 <= digits <= 15 or _DATE_LIKE.match(candidate):
        return candidate
    body = re.sub(r"^\+\d{1,3}[ .-]?|^\(\d{1,5}\)[ .-]?", "", candidate)
    body = re.sub(r"^\(\d{1,5}\)[ .-]?", "", body)
    separators = set(re.findall(r"[ .-]", body))
    if len(separators) > 1:  # "12.5 13.2 14.1" is numbers, not a phone
        return candidate
    if separators == {"."} and _dotted_number(body.split(".")):
        return candidate
    return PHONE_MASK


def _dotted_number(groups: list[str]) -> bool:
    """Whether digit groups joined by dots are a decimal, a version or an IP address: two groups
    ("12.5"), a later group of one digit ("10.0.19045.2965"), or four of at most 255 ("192.168.1.10");
    phones written with dots have groups of two or more digits ("555.010.9999", "06.12.34.56.78")."""
    if len(groups) == 2 or any(len(g) < 2 for g in groups[1:]):
        return True
    return len(groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in groups)


def _apostrophes(word: str) -> str:
    """A word with its typographic apostrophes straight: "O’Brien" is "O'Brien"."""
    return word.replace("’", "'")


def _card(match: re.Match) -> str:
    """Mask 13 to 19 digits that pass the Luhn check, as card numbers do; a bare run of 17 or
    more is left (a message id), and so is what fails the check (a phone or order number)."""
    candidate = match.group(0)
    digits = [int(c) for c in candidate if c.isdigit()]
    if len(digits) >= _BARE_ID_DIGITS and len(digits) == len(candidate):
        return candidate
    # Luhn: from the right, double every second digit (less 9 when above 9); the sum ends in 0.
    total = sum(digits[-1::-2]) + sum(d * 2 - 9 if d > 4 else d * 2 for d in digits[-2::-2])
    return CARD_MASK if total % 10 == 0 else candidate


def _cut_number(match: re.Match) -> str:
    """Mask the digits of a phone number a display cut short (six or more), not a date."""
    candidate = match.group(0)
    digits = sum(c.isdigit() for c in candidate)
    return PHONE_MASK if digits >= 6 and not _DATE_LIKE.match(candidate) else candidate
