"""Mask customer identities in shared reports: handles, names, e-mails, phone and order numbers.

Redaction works on text, never on markup: `redact_html` applies `redact_text` to the text between
tags only, and leaves tags (with their attributes, so base64 images too), comments, `<script>`
and `<style>` exactly as they are. Brand handles (the brands in the data) stay visible.

What is masked, in this order:

- e-mail addresses -> `[email]`
- order, booking, account, reference and tracking numbers after such a word ("order
  978-3317324", "booking ref: AB12345") and `#12345` -> `[order no.]`
- phone numbers: 9 to 15 digits, optionally with a +country code or an (area code), in groups
  joined by one space, dot or dash used consistently (dates, times and decimals are left alone);
  a bare run of 9 to 15 digits is masked too (an order or account number at best) -> `[phone]`
- @handles that are not a brand's -> `@[handle]`; known customer handles that contain a letter
  also without the @ (numeric ids, as in the anonymised twcs export, are not told apart from
  counts in tables and stay)
- agents: every agent id (`Brand/JK`, `Brand/Becky`, an export's agent) -> a pseudonym numbered
  per brand in the order of the ids (`Brand/agent 1`, `Brand/agent 2`), the same on every page,
  so two agents stay two (`Identities.agents`)
- names: a capitalised word after a greeting or thanks ("Hi Dana", "Dear Ms Shah", "Thanks,
  Mark!"), a capitalised word closing a clause after a comma ("..., Mark!"), and anywhere, the
  known names from the data (`author_name`, ticket `customer_name`, names agents greeted) ->
  `[name]`. The name pattern, greeting words and the words that are never names are
  `analysis.names`', shared with the measures; greetings count anywhere here (not only opening a
  sentence: masking too much is the safe side), and months and weekdays are never names in a
  report's prose ("on Monday, May."). Brand names are never taken for names.

Figures are images: their text cannot be redacted, so figures must not show customer identities.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import nbformat
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from analysis import names as names_lib

EMAIL_MASK = "[email]"
ORDER_MASK = "[order no.]"
PHONE_MASK = "[phone]"
HANDLE_MASK = "@[handle]"
NAME_MASK = "[name]"

_NAME = names_lib.NAME
# "Hi Dana", "Dear Ms Shah", "Thanks, Mark Lee": the shared greeting words, anywhere in a text.
_GREETING_NAME = re.compile(
    rf"(?<![\w-])(?P<lead>(?i:{names_lib.GREETINGS})[ \t]*,?[ \t]+(?:{names_lib.TITLE}[ \t]+)?)"
    rf"(?P<name>{_NAME})(?:[ \t]+(?P<surname>{_NAME}))?\b"
)
# "..., Mark!" "Understood, Dana." (the shared closing vocative)
_TRAILING_NAME = re.compile(names_lib.TRAILING_VOCATIVE, re.M)
_WORD = re.compile(r"(?<![\w@-])\w+(?:-\w+)*")

# Only a word character before it stops a match: the leftmost match already takes a whole address,
# and "a@b.co.c@d.co" is two addresses, masked in one pass (so a second pass changes nothing).
_EMAIL = re.compile(r"(?<!\w)[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
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
_DATE_LIKE = re.compile(r"^(?:\d{4}([./-])\d{1,2}\1\d{1,2}|\d{1,2}([./-])\d{1,2}\2\d{2,4})(?:\D|$)")
_HANDLE = re.compile(r"(?<![\w@\]])@(?P<handle>\w{1,50})")

# Words that follow a greeting but are no one's name (months too: a report's prose has dates).
_NOT_VOCATIVE = names_lib.NOT_NAMES | names_lib.MONTHS
# Words written after an @ in prose ("counts an @mention"), not anyone's handle.
_NOT_HANDLES = frozenset({"handle", "handles", "mention", "mentions", "username", "usernames"})
# Known names from the data are masked anywhere, except these everyday words.
_NOT_NAME_ANYWHERE = frozenset(ENGLISH_STOP_WORDS) | _NOT_VOCATIVE


@dataclass(frozen=True)
class Identities:
    """What the redactor must know about the data: brands to keep, customer handles and names to mask."""

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
    name_values = [messages["author_name"]]
    tickets = getattr(tables, "tickets", None)
    if tickets is not None and "customer_name" in tickets:
        name_values.append(tickets["customer_name"])
    agent_text = messages.loc[~customers, "text"].dropna().astype(str)
    greeted = agent_text.str.extract(_GREETING_NAME.pattern)[["name", "surname"]]
    name_values += [greeted["name"], greeted["surname"]]
    if "addressed_name" in messages:  # the text stage's vocative names (analysis.prepare)
        name_values.append(messages["addressed_name"])
    names = set()
    for values in name_values:
        words = values.dropna().astype(str).str.findall(_NAME).explode().dropna()
        names |= {w for w in words.unique() if w.lower() not in _NOT_NAME_ANYWHERE}
    return Identities(
        brands=brands,
        handles=frozenset(handles),
        names=frozenset(names),
        agents=agent_pseudonyms(messages),
    )


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
    pieces = []
    position = 0
    for match in _MARKUP.finditer(html):
        pieces.append(redact(html[position : match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(redact(html[position:]))
    return "".join(pieces)


def redact_notebook(
    nb: nbformat.NotebookNode,
    brands: Iterable[str] = (),
    names: Iterable[str] = (),
    handles: Iterable[str] = (),
    agents: Iterable[tuple[str, str]] = (),
) -> nbformat.NotebookNode:
    """A copy of an executed notebook with its outputs and markdown redacted (code is left as written)."""
    brands, names, handles = frozenset(brands), frozenset(names), frozenset(handles)
    agents = _pairs(agents)
    redact = _redactor(brands, names, handles, agents)
    out = nbformat.from_dict(nb)  # a deep copy
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = redact(cell.source)
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

    known_names = {n for n in names if n.lower() not in _NOT_NAME_ANYWHERE and not is_brand_word(n)}
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
        if token in known_names:
            return NAME_MASK
        if token.lower() in known_handles:
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
        text = _EMAIL.sub(EMAIL_MASK, text)
        text = _ORDER.sub(lambda m: m.group("lead") + ORDER_MASK, text)
        text = _HASH_NUMBER.sub("#" + ORDER_MASK, text)
        text = _PHONE.sub(_phone, text)
        text = _HANDLE.sub(handle, text)
        text = _GREETING_NAME.sub(greeting, text)
        text = _TRAILING_NAME.sub(trailing, text)
        if known_names or known_handles or bare_agents:
            text = _WORD.sub(word, text)
        return text

    return redact


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
    if separators == {"."} and body.count(".") == 1:  # a decimal
        return candidate
    return PHONE_MASK
