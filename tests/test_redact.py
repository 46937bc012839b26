"""Redaction: customer identities masked in text, markup left exactly as it was."""

from __future__ import annotations

import re
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.redact import (
    Identities,
    identities_from_tables,
    redact_html,
    redact_notebook,
    redact_text,
)

BRANDS = ["StreamlyCares", "SkyhopAir", "AmazonHelp"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # handles: customers masked, brands kept (any case)
        ("@658536 Please DM us. ^SJ", "@[handle] Please DM us. ^SJ"),
        ("@StreamlyCares why buffering?", "@StreamlyCares why buffering?"),
        ("@skyhopair @dana_k help", "@skyhopair @[handle] help"),
        # e-mails (before handles: the domain is not a handle)
        ("mail dana.k+x@example.co.uk now", "mail [email] now"),
        # phone numbers in the usual shapes
        ("call 0800 123 456", "call [phone]"),
        ("call +44 20 7946 0958.", "call [phone]."),
        ("call (800) 555-0199 or 1-800-555-0199", "call [phone] or [phone]"),
        ("text 07700900123", "text [phone]"),
        # order and booking numbers
        ("order 978-3317324 is late", "order [order no.] is late"),
        (
            "booking ref: ZADLQ7 and ticket #1234567",
            "booking ref: [order no.] and ticket #[order no.]",
        ),
        ("Order No. AB12345", "Order No. [order no.]"),
        ("see #123456", "see #[order no.]"),
        # names after a greeting or thanks, and closing a sentence
        ("Hi Dana, sorry!", "Hi [name], sorry!"),
        ("Thanks, Mark!", "Thanks, [name]!"),
        ("Dear Ms Shah, your refund", "Dear Ms [name], your refund"),
        ("Hey Tom Baker, hello", "Hey [name] [name], hello"),
        ("That is fixed now, Priya.", "That is fixed now, [name]."),
    ],
)
def test_identities_are_masked(text, expected):
    assert redact_text(text, brands=BRANDS) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2017-10-31 22:10:47 and 31/10/2017",
        "rows read 2,715 of 1,234,567,890",
        "median 1234567 s, p90 12.5 13.2 14.1, pi 3.14159265",
        "Hi there, Hi Team, Hi all, Thanks for waiting, Hello Everyone",
        "Hi Streamly, thanks SkyhopAir",
        "flight SH66 delayed 6 hours on Monday, May.",
        "the order was late; order status: shipped",
        "&#39;quoted&#39; &amp; &#x27;also&#x27; &#12345;",
        "v3.11.2 and 192.168.1.1",
        "1 min, 23 min (19 min–28 min), 1.4 days (16.6 h–1.7 days)",
        "^JK -Becky /KL",  # agent signatures are not customers
        "an @mention or the @handle Twitter adds",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact_text(text, brands=BRANDS) == text


def test_known_names_are_masked_anywhere_but_not_common_words():
    names = ["Grace", "Omar", "Will", "May", "Streamly", "kowalski"]
    text = "Grace wrote. omar wrote. Omar's reply. Will it work? May 3rd. Streamly app. KOWALSKI."
    # A capitalised name (found in the text) as written; a lowercase one (an export's) in any case.
    assert redact_text(text, brands=["StreamlyCares"], names=names) == (
        "[name] wrote. omar wrote. [name]'s reply. Will it work? May 3rd. Streamly app. [name]."
    )


def test_known_customer_handles_with_letters_are_masked_without_the_at():
    handles = ["dana_k", "658536", "StreamlyCares"]
    text = "author dana_k, id 658536, brand StreamlyCares, @dana_k"
    assert (
        redact_text(text, brands=["StreamlyCares"], handles=handles)
        == "author [handle], id 658536, brand StreamlyCares, @[handle]"
    )


def test_html_text_nodes_are_redacted_and_markup_is_not():
    html = (
        "<!DOCTYPE html><html><head><title>Hi Dana</title>"
        '<style>.x::after { content: "@658536 0800 123 456"; }</style>'
        '<script type="application/json">{"who": "@658536", "mail": "a@b.com"}</script></head>'
        '<body><div class="@658536" data-x="Hi Dana" title=\'a > b @658536\'>'
        "@658536 Hi Dana &amp; order 978-3317324</div>"
        '<img src="data:image/png;base64,iVBORw0KGgo0800123456+/=@658536">'
        "<!-- @658536 --><td>@StreamlyCares &lt;b&gt;x&lt;/b&gt;</td></body></html>"
    )
    out = redact_html(html, brands=BRANDS)
    assert out == (
        "<!DOCTYPE html><html><head><title>Hi [name]</title>"
        '<style>.x::after { content: "@658536 0800 123 456"; }</style>'
        '<script type="application/json">{"who": "@658536", "mail": "a@b.com"}</script></head>'
        # a tooltip is shown: redacted (and escaped again); data attributes are the page's own
        '<body><div class="@658536" data-x="Hi Dana" title=\'a &gt; b @[handle]\'>'
        "@[handle] Hi [name] &amp; order [order no.]</div>"
        '<img src="data:image/png;base64,iVBORw0KGgo0800123456+/=@658536">'
        "<!-- @658536 --><td>@StreamlyCares &lt;b&gt;x&lt;/b&gt;</td></body></html>"
    )


def _tags(html: str) -> list[str]:
    return re.findall(r"<[^>]*>", html)


@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "<td>",
                    "</td>",
                    '<img src="data:image/png;base64,AAAA@1234">',
                    "<style>@658536</style>",
                    "@658536",
                    "Hi Dana",
                    "0800 123 456",
                    "&amp;",
                    "a@b.co",
                    ", Mark!",
                    " ",
                ]
            ),
            st.text(alphabet="abcXYZ019 .,-@#", max_size=12),
        ),
        max_size=15,
    )
)
def test_markup_is_never_changed_and_redaction_is_idempotent(pieces):
    html = "".join(pieces)
    once = redact_html(html, brands=BRANDS, names=["Grace"])
    assert _tags(once) == _tags(html)
    assert redact_html(once, brands=BRANDS, names=["Grace"]) == once


def test_notebook_outputs_are_redacted_and_the_pages_own_words_are_not():
    code = new_code_cell("print('@658536 Hi Dana')")
    code.outputs = [
        new_output("stream", name="stdout", text="@658536 Hi Dana\n"),
        new_output(
            "execute_result",
            data={
                "text/plain": "0    @658536 call 0800 123 456",
                "text/html": "<td title='@658536'>@658536 a@b.com</td>",
                "image/png": "iVBORw0KGgo@658536",
            },
            execution_count=1,
        ),
        new_output("error", ename="KeyError", evalue="'@658536'", traceback=["KeyError @658536"]),
    ]
    # Markdown is the page's own prose ("Wilson intervals"), never data: left as written.
    nb = new_notebook(cells=[new_markdown_cell("Wilson intervals, Mark!"), code])
    out = redact_notebook(nb, brands=BRANDS, names=["Wilson", "Mark"])
    assert out.cells[0].source == "Wilson intervals, Mark!"
    assert out.cells[1].source == "print('@658536 Hi Dana')"
    outputs = out.cells[1].outputs
    assert outputs[0].text == "@[handle] Hi [name]\n"
    assert outputs[1].data["text/plain"] == "0    @[handle] call [phone]"
    assert outputs[1].data["text/html"] == "<td title='@[handle]'>@[handle] [email]</td>"
    assert outputs[1].data["image/png"] == "iVBORw0KGgo@658536"
    assert outputs[2].evalue == "'@[handle]'"
    assert outputs[2].traceback == ["KeyError @[handle]"]
    assert nb.cells[1].outputs[0].text == "@658536 Hi Dana\n", "the input is not changed"
    nbformat.validate(out)


def test_identities_come_from_the_data():
    messages = pd.DataFrame(
        {
            "author_id": ["dana_k", "StreamlyCares", "658536", "StreamlyCares"],
            "author_name": ["Dana Kowalski", None, None, None],
            "role": ["customer", "agent", "customer", "agent"],
            "brand": ["StreamlyCares", "StreamlyCares", None, "StreamlyCares"],
            "text": [
                "@StreamlyCares help",
                "@dana_k Hi Dana, we can help",
                "hello",
                "@658536 Thanks, Omar Said! ^SJ Hi there",
            ],
        }
    )
    tickets = pd.DataFrame({"customer_name": ["Lee Park", None]})
    identities = identities_from_tables(SimpleNamespace(messages=messages, tickets=tickets))
    assert identities == Identities(
        brands=frozenset({"StreamlyCares"}),
        handles=frozenset({"dana_k", "658536"}),
        names=frozenset({"dana", "kowalski", "lee", "park", "Omar", "Said"}),
    )
    text = "Kowalski and Park wrote; dana_k too"
    assert redact_text(text, **vars_of(identities)) == "[name] and [name] wrote; [handle] too"


def vars_of(identities: Identities) -> dict:
    return {"brands": identities.brands, "names": identities.names, "handles": identities.handles}


def _agent_messages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "author_id": ["SkyhopAir", "SkyhopAir", "SkyhopAir", "StreamlyCares", "555"],
            "author_name": [None] * 5,
            "role": ["agent", "agent", "agent", "agent", "customer"],
            "brand": ["SkyhopAir", "SkyhopAir", "SkyhopAir", "StreamlyCares", "SkyhopAir"],
            "agent_id": [
                "SkyhopAir/Becky",
                "SkyhopAir/Dana S",
                "SkyhopAir/Becky",
                "StreamlyCares/JK",
                None,
            ],
            "text": [
                "On it -Becky",
                "Done - Dana S.",
                "Sorted -Becky",
                "Fixed ^JK",
                "@SkyhopAir hi",
            ],
        }
    )


def test_agents_get_one_pseudonym_each_numbered_per_brand_in_id_order():
    identities = identities_from_tables(SimpleNamespace(messages=_agent_messages()))
    assert dict(identities.agents) == {
        "SkyhopAir/Becky": "SkyhopAir/agent 1",
        "SkyhopAir/Dana S": "SkyhopAir/agent 2",
        "StreamlyCares/JK": "StreamlyCares/agent 1",
    }


def test_two_agents_of_one_brand_stay_two_in_a_redacted_page():
    identities = identities_from_tables(SimpleNamespace(messages=_agent_messages()))
    # "Dana" is also a customer's name: masking it inside the id merged both agents before.
    html = (
        "<table><tr><td>SkyhopAir/Becky</td><td>12</td></tr>"
        "<tr><td>SkyhopAir/Dana S</td><td>7</td></tr>"
        "<tr><td>StreamlyCares/JK</td><td>3</td></tr></table><p>Hi Dana, SkyhopAir/Becky.</p>"
    )
    out = redact_html(
        html,
        brands=identities.brands,
        names=identities.names | {"Dana", "Becky"},
        handles=identities.handles,
        agents=identities.agents,
    )
    assert out == (
        "<table><tr><td>SkyhopAir/agent 1</td><td>12</td></tr>"
        "<tr><td>SkyhopAir/agent 2</td><td>7</td></tr>"
        "<tr><td>StreamlyCares/agent 1</td><td>3</td></tr></table>"
        "<p>Hi [name], SkyhopAir/agent 1.</p>"
    )
    cell = new_code_cell("print(top_agent)")
    cell.outputs = [new_output("stream", name="stdout", text="Top agent: SkyhopAir/Dana S\n")]
    redacted = redact_notebook(new_notebook(cells=[cell]), agents=identities.agents)
    # The same pseudonym on every page.
    assert redacted.cells[0].outputs[0].text == "Top agent: SkyhopAir/agent 2\n"


def test_a_brand_account_as_the_agent_id_keeps_the_brand_name():
    """An export that names no agent has the brand's account as its agent id: a brand, not a person."""
    agents = (("SkyhopAir", "SkyhopAir/agent 1"), ("Becky", "StreamlyCares/agent 1"))
    out = redact_html(
        "<td>SkyhopAir</td><td>Becky</td>", brands={"SkyhopAir", "StreamlyCares"}, agents=agents
    )
    assert out == "<td>SkyhopAir</td><td>StreamlyCares/agent 1</td>"


def test_phone_numbers_in_a_list_are_masked_in_one_pass():
    # Hypothesis found the first of two comma-separated numbers left for a second pass.
    once = redact_text("call 0800 123 456,0800 123 457 or 1,000,000 times")
    assert once == "call [phone],[phone] or 1,000,000 times"
    assert redact_text(once) == once


def test_adjacent_e_mail_addresses_are_masked_in_one_pass():
    once = redact_text("write a@b.co.c@d.co or e@f.co-g@h.co")
    assert once == "write [email].[email] or [email]-[email]"
    assert redact_text(once) == once


def test_a_mask_that_opens_another_patterns_context_is_followed_in_the_same_call():
    # The order number after a handle only matches once the handle is masked.
    assert redact_text("@658536#00000") == "@[handle]#[order no.]"
    assert redact_text("Dear Ms Shah") == "Dear Ms [name]"


def test_agent_ids_of_several_words_or_with_dots_get_their_pseudonym_whole():
    # A helpdesk's agent ids are its staff's logins, names or addresses, not Brand/signature.
    agents = (
        ("agent.kim", "Helpdesk/agent 1"),
        ("Becky Smith", "Helpdesk/agent 2"),
        ("kim@helpdesk.example", "Helpdesk/agent 3"),
    )
    text = "<td>agent.kim</td><td>Becky Smith wrote</td> by kim@helpdesk.example. agent.kimberly"
    once = redact_html(text, agents=agents)
    assert once == (
        "<td>Helpdesk/agent 1</td><td>Helpdesk/agent 2 wrote</td> by Helpdesk/agent 3. "
        "agent.kimberly"
    )
    assert redact_html(once, agents=agents) == once


def test_the_pages_own_terms_named_after_people_are_kept_and_the_people_masked():
    """A customer called Wilson is masked; the Wilson interval a table note explains is not."""
    text = "Hi Wilson, 95% Wilson intervals; Kaplan–Meier medians; Wilson wrote again"
    out = redact_text(text, names=["Wilson", "Kaplan", "Meier"])
    assert out == "Hi [name], 95% Wilson intervals; Kaplan–Meier medians; [name] wrote again"
