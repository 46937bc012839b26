"""Reports at real brand counts: complete, no warnings, nothing leaked, usable in a browser.

The file (`../shared/data/twitter_cdp_conversations_real.csv`, named by SUPPORT_QUALITY_CDP_SAMPLE)
is a helpdesk-style export of real conversations between customers and 25 brands, without reply
links; its customers' texts hold real e-mail addresses and names.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths, report, settings
from tests.conftest import CDP_MAPPING
from tests.test_report import _chromium, assert_page_drawn, needs_chromium

# What a warning, a traceback or a machine path looks like when it reaches a page.
LEAKED_INTERNALS = re.compile(
    r"\b(?:User|Deprecation|Future|Runtime|Syntax|Pandas\w*)Warning\b|warnings\.warn"
    r"|Traceback \(most recent call last\)|site-packages|/usr/lib/python"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")


def _text(html: str) -> str:
    """What a reader sees: the page without scripts, styles and tags."""
    html = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture(scope="module")
def cdp_rows(cdp_sample) -> list[dict]:
    with open(cdp_sample, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def cdp_report(cdp_sample, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cdp_report")
    report.build_report(
        out,
        data_path=cdp_sample,
        settings=settings.from_values(data_format="messages-csv", data_mapping=CDP_MAPPING),
        progress=False,
    )
    return out


def _pages(out: Path) -> dict[str, str]:
    pages = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
    return {nb.stem: (out / f"{nb.stem}.html").read_text(encoding="utf-8") for nb in pages}


@pytest.mark.notebooks
def test_every_page_is_written_without_warnings_or_machine_paths(cdp_report):
    meta = json.loads((cdp_report / "report.json").read_text())
    assert [p["status"] for p in meta["pages"]] == ["ok"] * len(_pages(cdp_report))
    for stem, html in _pages(cdp_report).items():
        found = LEAKED_INTERNALS.search(html)
        assert found is None, f"{stem}: {found.group(0)!r} in the shared page"
        assert str(cdp_report) not in html, f"{stem}: the output folder's path is on the page"


@pytest.mark.notebooks
def test_the_counts_reconcile(cdp_report, cdp_rows):
    meta = json.loads((cdp_report / "report.json").read_text())
    assert meta["rows_read"] == len(cdp_rows)
    assert meta["rows_read"] == meta["messages"] + meta["rejected"]


@pytest.mark.notebooks
def test_every_brand_is_on_the_summary_page(cdp_report, cdp_rows):
    brands = {row["company"] for row in cdp_rows}
    assert len(brands) == 25
    page = _text(_pages(cdp_report)["05_summary"])
    missing = sorted(b for b in brands if b not in page)
    assert not missing, f"brands not on the summary page: {missing}"


@pytest.mark.notebooks
def test_no_e_mail_address_from_the_file_reaches_a_page(cdp_report, cdp_rows):
    addresses = {m for row in cdp_rows for m in EMAIL.findall(row["text"])}
    assert addresses, "the file holds e-mail addresses: the test would prove nothing otherwise"
    for stem, html in _pages(cdp_report).items():
        leaked = sorted(a for a in addresses if a in html)
        assert not leaked, f"{stem}: {leaked[:3]}"


@pytest.mark.browser
@pytest.mark.notebooks
@needs_chromium
def test_the_summary_page_works_in_a_browser(cdp_report, tmp_path):

    page = (cdp_report / "05_summary.html").as_uri()
    dom = _chromium(page, tmp_path / "profile", "--dump-dom", "--virtual-time-budget=8000").stdout
    assert 'data-sq-tables="ready"' in dom, "the table script did not run"
    assert 'class="dt-container' in dom and "dt-orderable-asc" in dom, "no sortable table"
    png = tmp_path / "summary.png"
    _chromium(
        page,
        tmp_path / "profile-shot",
        f"--screenshot={png}",
        "--window-size=1280,2400",
        "--virtual-time-budget=8000",
    )
    assert_page_drawn(png, (2400, 1280))


# --- The 30-brand demo export: the many-brand layout without real data ----------------------------


@pytest.fixture(scope="module")
def many_brands_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("many_brands")
    report.build_report(
        out, data_path=paths.SAMPLE_DIR / "social_complaints_30_brands.csv", progress=False
    )
    return out


@pytest.mark.notebooks
def test_the_30_brand_demo_report_is_complete_and_clean(many_brands_report):
    run_dir = many_brands_report / "run"
    brands = set(pd.read_csv(run_dir / "latency_by_brand.csv")["brand"]) - {"unknown"}
    assert len(brands) == 30
    pages = _pages(many_brands_report)
    summary_text = _text(pages["05_summary"])
    assert not sorted(b for b in brands if b not in summary_text)
    for stem, html in pages.items():
        found = LEAKED_INTERNALS.search(html)
        assert found is None, f"{stem}: {found.group(0)!r} in the shared page"
    # Small brands are in the tables but not ranked: the page says how many were left out.
    assert "with fewer than 20 customer messages" in summary_text
