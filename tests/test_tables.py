"""analysis.tables: complete tables with readable headers, units and numbers, safe to redact.

Small hand-written frames whose shown cells were worked out by hand. The report and browser
tests of the interactive table are in tests/test_report.py.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import redact, tables


def _cells(html: str) -> list[str]:
    return re.findall(r"<td(?:\s[^>]*)?>(.*?)</td>", html, re.S)


def _headers(html: str) -> list[str]:
    return re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", html, re.S)


def test_labels_come_from_the_one_dictionary_the_patterns_or_the_words():
    assert tables.label("response_rate") == "Response rate"
    assert tables.label("median_first_response_seconds", "min") == "Median first response (min)"
    assert tables.label("sla_1h_share") == "Answered within 1 h"
    assert tables.label("sla_0.5h_share") == "Answered within 0.5 h"
    assert tables.label("km_within_24h_share") == "Answered within 24 h, Kaplan–Meier"
    assert tables.label("p75_first_response_seconds") == "75th percentile first response"
    assert tables.label("weird_new_count") == "Weird new"
    # Not snake_case (a brand as a column of a pivot): shown as it is.
    assert tables.label("SkyhopAir") == "SkyhopAir"


def test_intervals_fold_into_their_value_and_their_columns_disappear():
    frame = pd.DataFrame(
        {
            "brand": ["A", "B"],
            "response_rate": [0.52, 0.913],
            "response_rate_low": [0.47, 0.879],
            "response_rate_high": [0.57, 0.936],
            "median_first_response_seconds": [90.0, 150.0],
            "median_first_response_low_seconds": [60.0, 120.0],
            "median_first_response_high_seconds": [120.0, 180.0],
        }
    )
    shown = tables.format_table(frame)
    assert list(shown.columns) == ["Brand", "Response rate", "Median first response (min)"]
    assert list(shown["Response rate"]) == ["52% (47–57%)", "91.3% (87.9–93.6%)"]
    # 90 s = 1.5 min, its interval 1.0 to 2.0 min
    assert list(shown["Median first response (min)"]) == ["1.5 (1.0–2.0)", "2.5 (2.0–3.0)"]
    html = tables.show(frame).html
    assert tables.INTERVAL_NOTE in html
    assert "_low" not in html and "_high" not in html


def test_interval_ends_take_the_values_precision_but_never_read_0_or_100_falsely():
    frame = pd.DataFrame(
        {
            "response_rate": [0.80, 0.0, 1.0],
            "response_rate_low": [0.58, 0.0, 0.995],
            "response_rate_high": [0.919, 0.011, 1.0],
            "median_first_response_seconds": [106 * 60.0, 100 * 60.0, 120 * 60.0],
            "median_first_response_low_seconds": [44.4 * 60, 50 * 60.0, 60 * 60.0],
            "median_first_response_high_seconds": [253 * 60.0, 200 * 60.0, 180 * 60.0],
        }
    )
    shown = tables.format_table(frame)
    assert list(shown["Response rate"]) == ["80% (58–92%)", "0% (0–1%)", "100% (99.5–100%)"]
    assert list(shown["Median first response (min)"])[0] == "106 (44–253)"


def test_an_interval_end_that_is_missing_shows_the_value_alone():
    frame = pd.DataFrame(
        {"template_share": [0.25, 0.5], "template_share_low": [0.2, None]}
        | {"template_share_high": [0.3, None]}
    )
    assert list(tables.format_table(frame)["Template replies"]) == ["25% (20–30%)", "50%"]


def test_durations_take_one_unit_per_column_by_its_median():
    frame = pd.DataFrame(
        {
            "median_first_response_seconds": [600.0, 1800.0, 3000.0],  # median 30 min
            "p90_first_response_seconds": [3600.0, 36000.0, 72000.0],  # median 10 h
            "mean_next_reply_seconds": [86400.0 * 3, 86400.0 * 4, None],  # median 3.5 days
        }
    )
    shown = tables.format_table(frame)
    assert list(shown.columns) == [
        "Median first response (min)",
        "90th percentile first response (h)",
        "Mean next reply (days)",
    ]
    assert list(shown["Median first response (min)"]) == ["10.0", "30.0", "50.0"]
    assert list(shown["90th percentile first response (h)"]) == ["1.0", "10.0", "20.0"]
    assert list(shown["Mean next reply (days)"]) == ["3.0", "4.0", tables.MISSING]


def test_minutes_columns_from_in_minutes_read_as_durations_too():
    frame = pd.DataFrame({"median_first_response_minutes": [30.0, 240.0, 300.0]})
    shown = tables.format_table(frame)
    assert list(shown.columns) == ["Median first response (h)"]
    assert list(shown.iloc[:, 0]) == ["0.50", "4.0", "5.0"]


def test_counts_get_thousands_separators_and_shares_never_read_0_or_100_falsely():
    frame = pd.DataFrame(
        {
            "customer_messages": [1234567, 12, 0],
            "signed_share": [0.9996, 0.0004, 1.0],
            "mean_specificity": [0.2816, 3.456, 1234.5],
            "first_reply_says_sorry": pd.array([True, False, None], dtype="boolean"),
        }
    )
    shown = tables.format_table(frame)
    assert list(shown["Customer messages"]) == ["1,234,567", "12", "0"]
    assert list(shown["Signed"]) == ["99.96%", "0.04%", "100%"]
    assert list(shown["Mean specificity (0–1)"]) == ["0.28", "3.5", "1,234"]
    assert list(shown["First reply says sorry"]) == ["yes", "no", tables.MISSING]


def test_every_row_is_shown_long_tables_are_interactive_small_ones_are_not():
    long = pd.DataFrame({"brand": [f"brand{i}" for i in range(200)], "answered": range(200)})
    with pd.option_context("display.max_rows", 10):
        table = tables.show(long)
    assert table.rows == 200
    assert len(re.findall(r"<tr>", table.html)) == 201  # header and every row
    assert "brand199" in table.html and "..." not in table.html
    assert table.interactive and tables.has_interactive_table(table.html)
    assert 'data-paging="true"' in table.html
    assert "brand199" in table.text  # the plain-text view is complete too

    small = tables.show(long.head(3))
    assert not small.interactive and not tables.has_interactive_table(small.html)

    wide = tables.show(pd.DataFrame({f"c{i}_count": [1, 2] for i in range(9)}))
    assert wide.interactive and 'data-paging="false"' in wide.html  # two rows: no pages


def test_numbers_sort_by_their_value_and_text_has_no_sort_key():
    frame = pd.DataFrame(
        {
            "brand": ["A", "B", "C"],
            "median_first_response_seconds": [9.0, 10000.0, None],
        }
    )
    html = tables.show(frame).html
    orders = re.findall(r'data-order="([^"]*)"', html)
    assert orders == ["9.0", "10000.0", "-1e308"]  # seconds, whatever unit is shown
    assert '<td class="sq-text">A</td>' in html
    assert _cells(html)[-1] == tables.MISSING


def test_columns_choose_and_order_what_is_shown_intervals_come_along():
    frame = pd.DataFrame(
        {
            "brand": ["A"],
            "answered": [5],
            "response_rate": [0.5],
            "response_rate_low": [0.4],
            "response_rate_high": [0.6],
        }
    )
    table = tables.show(frame, columns=["response_rate", "brand"])
    assert _headers(table.html) == ["Response rate", "Brand"]
    assert _cells(table.html) == ["50% (40–60%)", "A"]
    relabelled = tables.format_table(frame, columns=["brand"], labels={"brand": "Company"})
    assert list(relabelled.columns) == ["Company"]
    with pytest.raises(KeyError, match="no column 'nope'"):
        tables.show(frame, columns=["nope"])


def test_a_meaningful_index_becomes_columns_and_multiindex_headers_are_joined():
    frame = pd.DataFrame({"answered": [1, 2]}, index=pd.Index(["A", "B"], name="brand"))
    assert list(tables.format_table(frame).columns) == ["Brand", "Answered"]
    crosstab = pd.DataFrame(
        [[1, 2]], columns=pd.MultiIndex.from_tuples([("best", "1"), ("best", "2")])
    )
    assert list(tables.format_table(crosstab).columns) == ["best · 1", "best · 2"]
    pivot = pd.DataFrame([[1, 2]], columns=["x", "x"])  # one header twice stays two columns
    assert list(tables.format_table(pivot).columns) == ["X", "x (2)"]


def test_max_rows_shows_the_first_rows_and_says_so():
    frame = pd.DataFrame({"row": range(50)})
    table = tables.show(frame, max_rows=20)
    assert table.rows == 20
    assert "The first 20 of 50 rows." in table.html
    assert "No rows." in tables.show(frame.head(0)).html


def test_data_titles_and_headers_are_escaped_never_markup():
    payload = "<script>alert(1)</script><b>bold</b>"
    frame = pd.DataFrame({payload: [payload], "text": [f'"{payload}" & more']})
    table = tables.show(frame, title=payload, interactive=True)
    assert "<script>" not in table.html and "<b>" not in table.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in table.html
    assert "&quot;&lt;script&gt;" in table.html and "&amp; more" in table.html
    # A data value that spells the interactive marker is text, not a table.
    assert not tables.has_interactive_table(
        tables.show(pd.DataFrame({"t": ['<table data-sq-interactive="true">']})).html
    )


def test_the_page_script_is_embedded_and_fetches_nothing():
    assets = tables.page_assets()
    assert assets.count("<script") == 1 and assets.count("</script>") == 1
    assert assets.rstrip().endswith("</script>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", assets)
    assert "import(url)" in assets and "atob(" in assets
    assert "table[data-sq-interactive]" in assets


def test_redaction_masks_what_an_interactive_table_shows_and_keeps_its_script():
    line = "@658536 Hi Dana, mail dana.k@example.com ^SJ @StreamlyCares"
    frame = pd.DataFrame({"brand": ["StreamlyCares"] * 20, "reply": [line] * 20})
    page = tables.show(frame).html + tables.page_assets()
    masked = redact.redact_html(page, brands={"StreamlyCares"}, names={"Dana"}, handles={"658536"})
    for secret in ("658536", "Dana", "dana.k@example.com"):
        assert secret not in masked
    assert "@[handle] Hi [name], mail [email] ^SJ @StreamlyCares" in masked
    assert tables.page_assets() in masked  # the script untouched
    assert tables.has_interactive_table(masked)


def test_an_empty_table_with_number_columns_shows_its_headers_and_says_no_rows():
    empty = pd.DataFrame({"brand": pd.Series(dtype=str), "row": pd.Series(dtype="int64")})
    html = tables.show(empty)._repr_html_()
    assert "<th" in html and "No rows." in html


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("fits as it is", 13, "fits as it is"),
        ("cut between words here", 12, "cut between…"),  # the cut falls on a space
        ("write to dana@example.com now", 20, "write to…"),  # the address is dropped whole
        ("call +44 20 7946 0958", 14, "call +44 20…"),  # whole digit groups only
        ("oneverylongwordwithoutspaces", 10, "…"),
    ],
)
def test_shorten_cuts_between_words_never_inside_one(text, max_chars, expected):
    shortened = tables.shorten(pd.Series([text]), max_chars).iloc[0]
    assert shortened == expected
    assert len(shortened) <= max_chars


def test_max_chars_shortens_text_cells_between_words_so_redaction_sees_whole_tokens():
    complaint = "x" * 10 + " " + "still waiting " * 40 + "write to dana.k@example.com"
    frame = pd.DataFrame({"text": [complaint], "replies": [1234567]})
    table = tables.show(frame, max_chars=len(complaint) - 5)  # a plain cut: "dana.k@exampl…"
    text_cell, number_cell = _cells(table.html)
    assert text_cell.endswith(" write to…")
    assert "dana" not in text_cell
    assert number_cell == "1,234,567", "numbers are never shortened"
    # Redacting the page then finds nothing half-masked.
    assert redact.redact_html(table.html) == table.html


def test_a_table_with_no_rows_or_no_values_still_formats():
    # A file of complaints no brand answered: the scorecards have rows of NA or no rows at all.
    columns = {
        "brand": ["A"],
        "response_rate": [float("nan")],
        "response_rate_low": [float("nan")],
        "response_rate_high": [float("nan")],
        "answered_count": [float("nan")],
        "answered_count_low": [float("nan")],
        "answered_count_high": [float("nan")],
    }
    one_empty_row = pd.DataFrame(columns)
    no_rows = one_empty_row.iloc[0:0]
    assert tables.format_table(no_rows).empty
    shown = tables.format_table(one_empty_row)
    assert list(shown.columns) == ["Brand", "Response rate", "Answered"]
    assert shown.iloc[0].tolist()[1:] == [tables.MISSING, tables.MISSING]
    assert "Brand" in tables.show(no_rows).html


def test_a_lesson_share_as_read_is_labelled_beside_its_corrected_share():
    assert tables.label("acknowledges_specifics_raw_share") == "Acknowledges specifics (as read)"
    frame = pd.DataFrame({"says_sorry_share": [0.2], "says_sorry_raw_share": [0.25]})
    assert list(tables.format_table(frame).iloc[0]) == ["20%", "25%"]
