"""Text normalisation and duplicate handling."""

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analysis import clean


def test_clean_text_decodes_entities_repairs_mojibake_and_folds_whitespace():
    raw = pd.Series(
        ["a &amp; b &gt; c", "canâ€™t login", "  two\n\nlines\t here ", None, "we’re “sorry”"]
    )
    assert clean.clean_text(raw).tolist() == [
        "a & b > c",
        "can't login",
        "two lines here",
        "",
        'we\'re "sorry"',
    ]


def test_repeated_ids_are_rejected_saying_whether_they_were_exact_copies():
    messages = pd.DataFrame(
        {
            "message_id": ["1", "2", "1", "2"],
            "author_id": ["a", "b", "a", "b"],
            "role": ["customer"] * 4,
            "created_at": pd.to_datetime(["2017-01-01"] * 4, utc=True),
            "text": ["x", "y", "x", "changed"],
            "parent_id": [None, None, None, None],
            "_row": [1, 2, 3, 4],
        }
    )
    kept, rejected = clean.split_duplicates(messages)
    assert kept["_row"].tolist() == [1, 2]
    reasons = {r["row"]: r["reason"] for r in rejected}
    assert reasons == {
        3: "exact duplicate of row 1",
        4: "message id already used by row 2 with different content",
    }


def test_only_well_formed_entities_are_decoded_and_the_rest_is_kept_byte_for_byte():
    raw = pd.Series(
        [
            "https://shop.example/?a=1&region=uk&copy=2&not=3&curren=4&reg=5",
            "a &amp; b &lt;3 &gt; &quot;q&quot; it&#39;s &#x27;t&#x27; &nbsp;x &eacute;",
            "AT&T &madeup; &amp without semicolon",
            "&amp;lt;3 is written &amp;amp;lt;3",
        ]
    )
    assert clean.normalise_text(raw).tolist() == [
        "https://shop.example/?a=1&region=uk&copy=2&not=3&curren=4&reg=5",
        "a & b <3 > \"q\" it's 't' \xa0x é",
        "AT&T &madeup; &amp without semicolon",
        "&lt;3 is written &amp;lt;3",  # decoded once
    ]


def test_control_characters_are_dropped_but_line_breaks_and_tabs_stay():
    text = pd.Series(["h\x00i\x1b[31m there\x7f", "line one\r\nline two\tend", "\x08", None])
    assert clean.normalise_text(text).tolist() == [
        "hi[31m there",
        "line one\r\nline two\tend",
        "",
        "",
    ]


# Whitespace that is not a control character (the vertical tab and form feed are dropped).
@given(
    st.lists(
        st.sampled_from(
            [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\x85", "\u2028", "a", "b c", "x"]
        ),
        max_size=12,
    )
)
def test_every_whitespace_run_folds_to_one_space_as_str_split_reads_it(pieces: list[str]) -> None:
    written = "".join(pieces)
    assert clean.clean_text(pd.Series([written])).iloc[0] == " ".join(written.split())
