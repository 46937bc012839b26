"""No personal datum from the input reaches a shared page: hostile inputs for the redactor.

Unit cases for each kind of personal datum (names in several scripts, phones in international
shapes and `tel:` links, written-out e-mail addresses, card numbers, contractions that are not
names), the property that redaction is idempotent, and one end-to-end run of `analysis report`
on a small export full of personal data, whose pages and executed notebooks must hold none of it
(nor a fragment of 8 characters or more).
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_notebook, new_output

from analysis import cli, redact, tables

BRANDS = ["SkyhopAir", "StreamlyCares"]


# --- Each kind of personal datum, masked exactly; ordinary text left alone ------------------------

MASKED = {
    "name": [
        ("Hi Søren, sorry!", "Hi [name], sorry!"),
        ("Thanks, José!", "Thanks, [name]!"),
        ("Dear Zoë, we are on it", "Dear [name], we are on it"),
        ("Hello Łukasz Wróbel, welcome", "Hello [name] [name], welcome"),
        ("Hi Ångström.", "Hi [name]."),
        ("Привет, Алексей", "Привет, [name]"),
        ("Hi Νίκος!", "Hi [name]!"),
        ("Hi O'Brien, sure", "Hi [name], sure"),
        ("Hi O’Brien, sure", "Hi [name], sure"),  # a typographic apostrophe
        ("Sorry Dana's order is late", "Sorry [name]'s order is late"),
    ],
    "phone": [
        ("call +44 20 7946 0958 today", "call [phone] today"),
        ("call +1 (555) 010-9999.", "call [phone]."),
        ("ring 0049 30 1234567", "ring [phone]"),
        ("ring +33 6 12 34 56 78!", "ring [phone]!"),
        ("or 020-7946-0958", "or [phone]"),
        ("or 555.010.9999 or 06.12.34.56.78", "or [phone] or [phone]"),
        ("dial tel:+442079460958 now", "dial tel:[phone] now"),
        ("dial tel:020-7946-0958", "dial tel:[phone]"),
        # Hypothesis found the second of two joined links left for a second pass.
        ("tel:+44 20 7946 0958tel:+44 20 7946 0959", "tel:[phone]tel:[phone]"),
    ],
    "email": [
        ("mail dana at gmail dot com please", "mail [email] please"),
        ("dana.k [at] gmail [dot] com", "[email]"),
        ("dana(at)gmail(dot)com", "[email]"),
        ("write dana @ gmail . com", "write [email]"),
        ("dana.k at example dot co dot uk", "[email]"),
        ("mail dana.k at gmail.com or dana at yahoo.co.uk", "mail [email] or [email]"),
    ],
    "card": [
        ("card 4111 1111 1111 1111 was charged", "card [card] was charged"),
        ("card 4111-1111-1111-1111", "card [card]"),
        ("card 4111111111111111", "card [card]"),
        ("amex 3782 822463 10005", "amex [card]"),
        # Failing Luhn: a number, masked as the order number it is after "order".
        ("order 4111111111111112", "order [order no.]"),
    ],
}
LEFT_ALONE = {
    "contraction or lowercase word": [
        "Don't worry, we'll fix it",
        "Okay Don't do that",
        "Sorry, Don't reinstall yet",
        "Hi Let's see",
        "Thanks, Can't wait",
        "Ок, спасибо",  # lowercase after a greeting: not a name
    ],
    "number": [
        "on 2017-10-31 at 22:10:47, and 31/10/2017",
        "it cost $1,299.99 or €49.50",
        "version 3.11.2, build 10.0.19045, build 10.0.19045.2965",
        "ip 192.168.100.200",
        "12,345 rows of 1,234,567; 10:30-11:45",
        "tweet 1245403438755852288 and 990000000000000001",  # message ids, not cards
    ],
    "prose with at and dot": [
        "meet at noon dot",
        "I'm at home. It was fine",
        "we meet @ home. It works",
        "I ordered at amazon.com today",
        "look at mail.google.com or at web.de, see you at free. It",
        "look at the dot com bubble",
        "it says dana&#64;x",  # redact_text reads text, not HTML
    ],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [pytest.param(t, e, id=f"{kind}: {t}") for kind, cases in MASKED.items() for t, e in cases],
)
def test_each_kind_of_personal_datum_is_masked_exactly(text, expected):
    assert redact.redact_text(text, brands=BRANDS) == expected


@pytest.mark.parametrize(
    "text",
    [pytest.param(t, id=f"{kind}: {t}") for kind, texts in LEFT_ALONE.items() for t in texts],
)
def test_ordinary_text_is_left_alone(text):
    assert redact.redact_text(text, brands=BRANDS) == text


def test_an_exports_names_are_masked_anywhere_in_any_case_and_script():
    names = ["алексей", "смирнов", "王伟", "محمد", "o'brien", "ølgaard"]  # an export's, lowercased
    text = "алексей wrote; СМИРНОВ too; 谢谢王伟的帮助; محمد here; O'Brien's bag; O’Brien; Ølgaard."
    assert redact.redact_text(text, brands=BRANDS, names=names) == (
        "[name] wrote; [name] too; 谢谢[name]的帮助; [name] here; [name]'s bag; [name]; [name]."
    )


def test_a_known_name_is_never_taken_out_of_a_contraction_or_a_longer_word():
    names = ["Don", "Ann"]
    text = "Don't worry, Don. Annual plan, Ann's plan, Anne said."
    assert redact.redact_text(text, names=names) == (
        "Don't worry, [name]. Annual plan, [name]'s plan, Anne said."
    )


def test_names_from_every_name_column_of_any_script_reach_the_identities():
    messages = pd.DataFrame(
        {
            "author_id": ["alexei_s", "SkyhopAir", "wang_wei"],
            "author_name": ["Алексей Смирнов", "Becky S", "王伟"],
            "role": ["customer", "agent", "customer"],
            "brand": ["SkyhopAir"] * 3,
            "text": ["hello", "@alexei_s Hi Søren, sorry", "hi"],
        }
    )
    tickets = pd.DataFrame({"customer_name": ["siobhan o'brien", None, "(unknown)", "Anonymous"]})
    identities = redact.identities_from_tables(SimpleNamespace(messages=messages, tickets=tickets))
    # The export's names lowercased (masked in any case), the greeted one as written.
    assert identities.names == frozenset(
        {"алексей", "смирнов", "becky", "王伟", "siobhan", "o'brien", "Søren"}
    )


def test_an_exports_name_that_its_texts_write_as_an_everyday_word_is_masked_only_capitalised():
    messages = pd.DataFrame(
        {
            "author_id": ["kevin_d", "SkyhopAir"],
            "author_name": ["Kevin Day", None],
            "role": ["customer", "agent"],
            "brand": ["SkyhopAir"] * 2,
            "text": ["a day late, then another day", "Hi Kevin, sorry for the day you had"],
        }
    )
    identities = redact.identities_from_tables(SimpleNamespace(messages=messages, tickets=None))
    assert identities.names == frozenset({"kevin", "Day"})
    text = "Kevin Day waited a day; KEVIN wrote"
    assert (
        redact.redact_text(text, names=identities.names)
        == "[name] [name] waited a day; [name] wrote"
    )


def test_a_text_a_display_cut_short_leaves_no_fragment():
    assert redact.redact_text("write to someone@gmail.c…") == "write to [email]…"
    assert redact.redact_text("write to someone@gma...") == "write to [email]..."
    assert redact.redact_text("call +44 20 79…") == "call [phone]…"
    assert redact.redact_text("on 2017-10-31…") == "on 2017-10-31…"
    known = {"names": ["kowalski"], "handles": ["dana_k_1987"]}
    assert (
        redact.redact_text("from Dana Kowal… and dana_k_1…", **known)
        == "from Dana [name]… and [handle]…"
    )
    assert redact.redact_text("the Kowloon office…", **known) == "the Kowloon office…"


def test_links_and_references_in_html_are_redacted():
    page = (
        '<p><a href="tel:+442079460958">call</a> <a href="mailto:dana@example.com">mail</a> '
        "dana&#64;example.com O&#x27;Brien&#x27;s</p>"
    )
    assert redact.redact_html(page, names=["O'Brien"]) == (
        '<p><a href="tel:[phone]">call</a> <a href="mailto:[email]">mail</a> [email] [name]\'s</p>'
    )


# --- Idempotence ----------------------------------------------------------------------------------

_PIECES = [
    "Hi Søren",
    "Привет, Алексей",
    "Don't",
    "O'Brien's",
    "dana at gmail dot com",
    "x [at] y [dot] com",
    "a @ b . com",
    "tel:+44 20 7946 0958",
    "+1 (555) 010-9999",
    "4111 1111 1111 1111",
    "order 978-3317324",
    "#5551234",
    "someone@gmail.c…",
    "@dana_k",
    "王伟",
    ", Mark!",
    " ",
    "…",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_PIECES), st.text(alphabet="aZ09 .,-@#()[]+:'…é", max_size=10)),
        max_size=12,
    )
)
def test_redaction_is_idempotent(pieces):
    text = "".join(pieces)
    names = ["Алексей", "王伟", "Grace"]
    once = redact.redact_text(text, brands=BRANDS, names=names, handles=["dana_k"])
    assert redact.redact_text(once, brands=BRANDS, names=names, handles=["dana_k"]) == once
    page = redact.redact_html(f"<td title='{html.escape(text)}'>{html.escape(text)}</td>")
    assert redact.redact_html(page) == page


# --- Shortened text ---------------------------------------------------------------------------------

_TAIL = "Write to dana.kowalski@gmail.com or call +44 20 7946 0958, Dana Kowalski"
_COMPLAINT = ("My suitcase never arrived and nobody answers. " * 13)[:520] + " " + _TAIL


def _fragments(secret: str, size: int = 8) -> set[str]:
    """The secret and every piece of it `size` characters long."""
    return {secret} | {secret[i : i + size] for i in range(len(secret) - size + 1)}


@pytest.mark.parametrize("max_chars", range(len(_COMPLAINT) - len(_TAIL), len(_COMPLAINT), 3))
def test_a_long_complaint_shown_shortened_and_redacted_leaks_no_fragment(max_chars):
    frame = pd.DataFrame({"text": [_COMPLAINT]})
    page = redact.redact_html(
        tables.show(frame, max_chars=max_chars).html, names=["Dana", "Kowalski"]
    )
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "My suitcase never arrived" in text
    for secret in ("dana.kowalski@gmail.com", "+44 20 7946 0958", "Kowalski"):
        leaked = {f for f in _fragments(secret) if f in text}
        assert not leaked, f"cut at {max_chars}: {sorted(leaked)}"


# --- End to end: `analysis report` on an export full of personal data ---------------------------------

_LONG_COMPLAINT = (
    "@ParcelPal This is the third time I write. "
    + "My flight was cancelled, my bag went missing and nobody called back. " * 8
    + "Reach me at nikos.papadopoulos@hellasnet.gr, +30 21 0123 4567, Νίκος Παπαδόπουλος"
)
# (conversation, customer handle, customer name, brand, complaint, agent reply)
_CONVERSATIONS = [
    (
        "dana_k_1987",
        "Dana Kowalski",
        "SkyhopAir",
        "@SkyhopAir bag lost, mail dana.kowalski@gmail.com or call +44 20 7946 0958",
        "@dana_k_1987 Hi Dana, so sorry! Please DM us your booking ref. ^BS",
    ),
    (
        "soren_olg",
        "Søren Ølgaard",
        "SkyhopAir",
        "@SkyhopAir Order 978-3317324 never arrived. Ring 0049 30 1234567, Søren",
        "@soren_olg Hi Søren, we're sorry. Don't worry, we will help. ^BS",
    ),
    (
        "alexei_smi",
        "Алексей Смирнов",
        "StreamlyCares",
        "@StreamlyCares Привет! Streaming fails. My email: alexei.smirnov [at] yandex [dot] ru",
        "@alexei_smi Привет, Алексей! Sorry about that, we'll check. ^JK",
    ),
    (
        "zoe_bronte",
        "Zoë Brontë",
        "StreamlyCares",
        "@StreamlyCares charged twice on card 4111 1111 1111 1111, reach me at +1 (555) 010-9999 "
        "or zoe.bronte(at)outlook(dot)com",
        "@zoe_bronte Dear Zoë, thanks for telling us. Please never share card details here. ^JK",
    ),
    (
        "lukasz_wro",
        "Łukasz Wróbel",
        "SkyhopAir",
        "@SkyhopAir flight cancelled! +33 6 12 34 56 78 or tel:+442079460958, "
        "mail lukasz.wrobel at wp dot pl",
        "@lukasz_wro Thanks, Łukasz! Our team will call you today. ^BS",
    ),
    (
        "jose_nunez",
        "José Núñez",
        "StreamlyCares",
        "@StreamlyCares app crashes, write to jose.nunez @ protonmail . com or 020-7946-0958",
        "@jose_nunez Hi José, please update the app and try again. ^JK",
    ),
    (
        "wang_wei88",
        "王伟",
        "SkyhopAir",
        "@SkyhopAir 我的行李丢了，王伟 booking #5551234",
        "@wang_wei88 王伟, sorry, we are checking booking #5551234 now. ^BS",
    ),
    (
        "mohammed_ali",
        "محمد العلي",
        "StreamlyCares",
        "@StreamlyCares محمد here, refund please, account 7788990011",
        "@mohammed_ali Sorry محمد, we will refund account 7788990011. ^JK",
    ),
    (
        "siobhan_ob",
        "Siobhan O'Brien",
        "SkyhopAir",
        "@SkyhopAir where is my refund? Siobhan O'Brien",
        "@siobhan_ob Hi Siobhan, Ms O'Brien's refund is on its way. Don't worry! ^BS",
    ),
    (
        "nikos_pap",
        "Νίκος Παπαδόπουλος",
        "ParcelPal",  # its own brand: its one complaint is the brand's best and worst example
        _LONG_COMPLAINT,
        "@nikos_pap Hi Νίκος, we are so sorry for all of this. ^BS",
    ),
]
# Each brand's agent, as a helpdesk names its staff: an address, a full name, a login.
_AGENTS = {
    "SkyhopAir": "becky.sorensen@skyhopmail.test",
    "StreamlyCares": "Jana Novák",
    "ParcelPal": "p.kowalczyk",
}
# Rejected: its time cannot be read (the columns slipped: it holds the handle and name, which no
# pattern knows, since the row is no message); the row carries an address and a handle too.
_REJECTED = {
    "author_id": "rita_quarantino77",
    "author_name": "Rita Quarantino",
    "created_at": "rita_quarantino77 Rita Quarantino",
    "text": "@SkyhopAir hello from @rita_quarantino77, rita.quarantino@rqmail.org",
}
_SECRETS = [
    *(handle for handle, *_ in _CONVERSATIONS),
    *(word for _, name, *_ in _CONVERSATIONS for word in name.split()),
    *_AGENTS.values(),
    "dana.kowalski@gmail.com",
    "alexei.smirnov [at] yandex [dot] ru",
    "zoe.bronte(at)outlook(dot)com",
    "lukasz.wrobel at wp dot pl",
    "jose.nunez @ protonmail . com",
    "nikos.papadopoulos@hellasnet.gr",
    "rita.quarantino@rqmail.org",
    "rita_quarantino77",
    "Quarantino",
    "+44 20 7946 0958",
    "0049 30 1234567",
    "+1 (555) 010-9999",
    "+33 6 12 34 56 78",
    "020-7946-0958",
    "+30 21 0123 4567",
    "tel:+442079460958",
    "4111 1111 1111 1111",
    "978-3317324",
    "5551234",
    "7788990011",
]
# Not personal: shown on the pages (so the texts above were there to leak).
_SHOWN = ["My flight was cancelled", "ParcelPal This is the third time I write."]


def _write_export(path: Path) -> None:
    """A messages-csv export: each conversation a complaint and a reply, then the rejected row."""
    fields = [
        "message_id",
        "parent_id",
        "conversation_id",
        "author_id",
        "author_name",
        "role",
        "brand",
        "agent_id",
        "created_at",
        "text",
    ]
    rows = []
    for number, (handle, name, brand, complaint, reply) in enumerate(_CONVERSATIONS, start=1):
        day = f"2024-03-{number:02d}"
        rows.append([f"{number}1", "", f"c{number}", handle, name, "customer", brand, "",
                     f"{day}T09:00:00Z", complaint])  # fmt: skip
        rows.append([f"{number}2", f"{number}1", f"c{number}", brand, "", "agent", brand,
                     _AGENTS[brand], f"{day}T09:{10 + number}:00Z", reply])  # fmt: skip
    rows.append(["991", "", "c99", _REJECTED["author_id"], _REJECTED["author_name"], "customer",
                 "SkyhopAir", "", _REJECTED["created_at"], _REJECTED["text"]])  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    """`analysis report` on the export, once for this module (every notebook, a real kernel)."""
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "personal_export.csv"
    _write_export(data)
    out = folder / "report"
    code = cli.main(["report", "--data", str(data), "--format", "messages-csv", "--out", str(out)])
    assert code == 0
    return out


def _shared_texts(out: Path) -> dict[str, str]:
    """What each shared file holds as a reader or a program would read it: each page whole (its
    character references read), each executed notebook's sources and outputs."""
    texts = {}
    for page in sorted(out.glob("*.html")):
        texts[page.name] = html.unescape(page.read_text(encoding="utf-8"))
    for path in sorted(out.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        parts = []
        for cell in nb.cells:
            parts.append(cell.source)
            for output in cell.get("outputs", []):
                parts += [str(output.get("text", "")), str(output.get("evalue", ""))]
                parts += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text")]
                parts += [str(line) for line in output.get("traceback", [])]
        texts[path.name] = html.unescape("\n".join(parts))
    return texts


@pytest.mark.notebooks
def test_the_report_holds_no_personal_datum_nor_a_fragment_of_one(hostile_report):
    texts = _shared_texts(hostile_report)
    assert {"01_data_quality.html", "05_summary.html", "01_data_quality.ipynb"} <= set(texts)
    everything = "\n".join(texts.values())
    for shown in _SHOWN:
        assert shown in everything, f"{shown!r} is on no page: the test would prove nothing"
    assert "[email]" in everything and "[name]" in everything
    for name, text in texts.items():
        leaked = {f for secret in _SECRETS for f in _fragments(secret) if f in text}
        assert not leaked, f"{name}: {sorted(leaked)[:10]}"


@pytest.mark.notebooks
def test_the_rejected_row_is_counted_and_named_on_page_01_but_its_value_stays_in_the_run(
    hostile_report,
):
    rejected = pd.read_csv(hostile_report / "run" / "rejected.csv", dtype=str)
    assert rejected["value"].tolist() == [_REJECTED["created_at"]], "the raw value is kept"
    page = _shared_texts(hostile_report)["01_data_quality.html"]
    assert f"{len(_CONVERSATIONS) * 2 + 1:,}" in page  # rows read = kept + rejected
    assert "created_at" in page


def test_a_redacted_notebook_keeps_no_tel_link_or_written_out_address():
    # Data reaches a page as a cell's output (here markdown a cell displays), never as a
    # markdown cell: those are the page's own words and are left as written.
    cell = new_code_cell("display(Markdown(contact))")
    cell.outputs = [
        new_output(
            "display_data",
            data={"text/markdown": "[call](tel:+442079460958) or dana [at] gmail [dot] com"},
        )
    ]
    out = redact.redact_notebook(new_notebook(cells=[cell]))
    assert out.cells[0].outputs[0].data["text/markdown"] == "[call](tel:[phone]) or [email]"
