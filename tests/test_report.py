"""The shareable report: every notebook run and rendered, safe to share, failures named.

The session fixture builds the whole report on the demo data once (it executes every notebook,
so it also covers what tests/test_notebooks.py's execution test checks). The small notebooks
written here run through the same code in a few seconds each. The summary's library functions
(`analysis.summary`) are tested at the end on hand-written scorecards.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis import paths, report, settings, summary, tables
from analysis.io import TRACE_ENV, InputError

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
PAYLOAD = "<script>alert(1)</script> <b>bold</b>"
FILE_PAYLOAD = "<img src=x onerror=alert(2)>"  # no '/': it is a file name


def _text(html: str) -> str:
    """The text between tags (no scripts, styles or attributes), for looking for leaks."""
    html = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


# Anything a page would fetch: a script, stylesheet, frame or image from outside the file.
_EXTERNAL = re.compile(
    r"<(?:script|link|img|iframe|embed|object|source)\b[^>]*\b(?:src|href|data)\s*=\s*[\"']?"
    r"(?:https?:|//|file:)",
    re.I,
)


def _assert_offline_with_only_the_table_script(html: str, where: str) -> None:
    """Nothing fetched from the network; the one script is the embedded table script, on a page
    with an interactive table only (MathJax, require.js and mermaid stay removed)."""
    assert not _EXTERNAL.search(html), f"{where}: fetches {_EXTERNAL.search(html).group(0)}"
    scripts = re.findall(r"<script\b[^>]*>", html, re.I)
    if tables.has_interactive_table(html):
        assert scripts == ['<script type="module">'], f"{where}: {scripts}"
        assert tables.page_assets() in html, f"{where}: the table script is not the embedded one"
    else:
        assert scripts == [], f"{where}: a script without an interactive table: {scripts}"


def _notebook(path: Path, *cells, parameters: str = 'data_path = None\ndata_format = "auto"'):
    """Write a small notebook: a title, a parameters cell, then the given code or markdown cells."""
    nb = new_notebook(
        cells=[
            new_markdown_cell(f"# {path.stem} title"),
            new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            *[c if isinstance(c, nbformat.NotebookNode) else new_code_cell(c) for c in cells],
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)
    return path


# --- The report on the demo data -----------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> Path:
    """The whole report on the demo data, built once (every notebook executes), with every read
    of a data file traced (the kernels inherit the environment) to `loads.txt` beside it."""
    out = tmp_path_factory.mktemp("report")
    trace = out.parent / f"{out.name}-loads.txt"
    os.environ[TRACE_ENV] = str(trace)
    try:
        index = report.build_report(out, progress=False)
    finally:
        del os.environ[TRACE_ENV]
    assert index == out / "index.html"
    return out


def _loads(out: Path) -> list[str]:
    trace = out.parent / f"{out.name}-loads.txt"
    return trace.read_text().splitlines() if trace.exists() else []


@pytest.mark.notebooks
def test_the_report_reads_its_input_once(demo_report):
    loads = _loads(demo_report)
    assert [line.split()[1] for line in loads] == ["social_complaints.csv"]
    assert (demo_report / "run" / "params.json").is_file()


@pytest.mark.notebooks
def _pages(out: Path) -> dict[str, str]:
    return {nb.stem: (out / f"{nb.stem}.html").read_text(encoding="utf-8") for nb in NOTEBOOKS}


def test_one_figure_read_three_ways_agrees(demo_report):
    # The answered customer messages: on the index, on page 02 and in the run folder's exchanges;
    # and one brand's response rate: in the run folder's CSV and on page 05's scorecard.
    index = (demo_report / "index.html").read_text(encoding="utf-8")
    on_index = re.search(r'data-fact="Customer messages answered">([\d,]+)<', index).group(1)
    page = _text((demo_report / "02_response_latency.html").read_text(encoding="utf-8"))
    on_page = re.search(r"customer messages, ([\d,]+) answered", page).group(1)
    exchanges = pd.read_parquet(demo_report / "run" / "exchanges.parquet")
    in_run = exchanges.loc[exchanges["answered"], "message_id"].nunique()
    assert int(on_index.replace(",", "")) == int(on_page.replace(",", "")) == in_run > 0

    by_brand = pd.read_csv(demo_report / "run" / "latency_by_brand.csv").set_index("brand")
    rate = by_brand.loc["NimbusMobile", "response_rate"]
    summary_page = _text((demo_report / "05_summary.html").read_text(encoding="utf-8"))
    row = re.search(r"NimbusMobile\s+([\d,]+)\s+([\d.]+)%", summary_page)
    assert int(row.group(1).replace(",", "")) == by_brand.loc["NimbusMobile", "customer_messages"]
    assert float(row.group(2)) == pytest.approx(rate * 100, abs=0.5)


@pytest.mark.notebooks
def test_index_links_every_notebook_page_and_executed_notebook(demo_report):
    index = (demo_report / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        assert f"{nb.stem}.html" in links
        assert f"{nb.stem}.ipynb" in links
        assert (demo_report / f"{nb.stem}.html").is_file()
        assert (demo_report / nb.name).is_file()
    assert links.index("01_data_quality.html") < links.index(f"{NOTEBOOKS[-1].stem}.html")


@pytest.mark.notebooks
def test_index_names_the_data_file_its_hash_and_the_row_counts(demo_report, demo_tables):
    index = (demo_report / "index.html").read_text(encoding="utf-8")
    sha = hashlib.sha256(paths.SAMPLE_SOCIAL.read_bytes()).hexdigest()
    assert f'data-fact="SHA-256">{sha}<' in index
    assert 'data-fact="Data file">social_complaints.csv<' in index
    assert str(paths.SAMPLE_DIR) not in index  # a shared page names no folder of this machine
    summary_counts = demo_tables.summary
    for fact, key in (
        ("Rows read", "rows_read"),
        ("Messages", "messages"),
        ("Rejected rows", "rejected"),
        ("Conversations", "conversations"),
    ):
        assert f'data-fact="{fact}">{summary_counts[key]:,}<' in index
    import analysis

    assert analysis.__version__ in index
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", index)
    meta = json.loads((demo_report / "report.json").read_text())
    assert meta["data_sha256"] == sha
    assert meta["rows_read"] == summary_counts["rows_read"]
    assert [p["notebook"] for p in meta["pages"]] == [nb.name for nb in NOTEBOOKS]
    assert meta["settings"] == settings.defaults()


@pytest.mark.notebooks
def test_every_page_has_its_figures_and_no_errors(demo_report):
    for stem, html in _pages(demo_report).items():
        executed = nbformat.read(demo_report / f"{stem}.ipynb", as_version=4)
        outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], stem
        figures = sum("image/png" in o.get("data", {}) for o in outputs)
        assert figures >= 1, f"{stem}: expected at least one figure"
        images = re.findall(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{100,}', html)
        assert len(images) >= figures, stem
        assert "Traceback" not in html, stem
        assert "output_error" not in html, stem
        # Warnings written to stderr would show as a pink block to every reader of the page.
        assert not [o for o in outputs if o.get("name") == "stderr"], f"{stem}: stderr output"
        _assert_offline_with_only_the_table_script(html, stem)


@pytest.mark.notebooks
def test_code_is_hidden_by_default(demo_report):
    for stem, html in _pages(demo_report).items():
        assert 'class="highlight' not in html, f"{stem} shows code"
        assert "In&nbsp;[" not in html, f"{stem} shows prompts"


@pytest.mark.notebooks
def test_no_customer_handle_email_phone_or_order_number_in_the_shared_pages(
    demo_report, demo_tables
):
    messages = demo_tables.messages
    brands = set(messages["brand"].dropna())
    customers = set(messages.loc[messages["role"] == "customer", "author_id"]) - brands
    texts = " ".join(messages["text"].astype(str))
    order_numbers = set(re.findall(r"\border (\d{3}-\d{7})", texts))
    phones = set(re.findall(r"\b0800 \d{3} \d{3}\b", texts))
    greeted = set(re.findall(r"\bHi ([A-Z][a-z]+)\b", texts))
    assert customers and order_numbers and greeted, "the demo data should hold identities to mask"
    shown = {}
    for stem, html in _pages(demo_report).items():
        shown[stem] = _text(html)
    shown["ipynb"] = " ".join(
        json.dumps(nbformat.read(demo_report / nb.name, as_version=4)["cells"]) for nb in NOTEBOOKS
    )
    for where, text in shown.items():
        handles = set(re.findall(r"(?<![\w@])@(\w+)", text))
        assert not handles & customers, (
            f"{where}: customer handles {sorted(handles & customers)[:3]}"
        )
        assert not EMAIL.findall(text), where
        for number in order_numbers | phones:
            assert number not in text, f"{where}: {number}"
        for name in greeted:
            assert f"Hi {name}" not in text, f"{where}: Hi {name}"
    summary_page = shown.get("05_summary", "")
    assert "@[handle]" in summary_page, "example replies should show masked handles"
    assert any(f"@{brand}" in summary_page for brand in brands), "brand handles stay visible"


@pytest.mark.notebooks
def test_no_notebook_renders_data_as_raw_html_or_markdown():
    """Data shown through HTML()/Markdown() or a Styler is not escaped: notebooks use neither."""
    risky = re.compile(r"\b(HTML|Markdown|display_html|display_markdown)\(|\.style\b|escape=False")
    for nb in NOTEBOOKS:
        code = "\n".join(
            c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code"
        )
        assert not risky.search(code), f"{nb.name}: {risky.search(code).group(0)}"


# --- Small notebooks: escaping, redaction switches, parameters, failures -------------------------


@pytest.fixture(scope="module")
def adversarial_data(tmp_path_factory) -> Path:
    """The demo data with markup appended to every tweet, in a file whose name is markup too."""
    path = tmp_path_factory.mktemp("adversarial") / f"tweets {FILE_PAYLOAD}.csv"
    with open(paths.SAMPLE_SOCIAL, newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "text": f"{row['text']} {PAYLOAD}"})
    return path


@pytest.mark.notebooks
def test_markup_in_the_data_is_escaped_in_every_page(adversarial_data, tmp_path):
    notebooks = [paths.NOTEBOOKS_DIR / "01_data_quality.ipynb"]
    notebooks += [nb for nb in NOTEBOOKS if nb.stem == "05_summary"]
    index = report.build_report(
        tmp_path, data_path=adversarial_data, notebooks=notebooks, progress=False
    )
    pages = [index, *(tmp_path / f"{nb.stem}.html" for nb in notebooks)]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html, page.name
        assert "<b>bold</b>" not in html, page.name
        assert FILE_PAYLOAD not in html, page.name
    assert "tweets &lt;img src=x onerror=alert(2)&gt;.csv" in index.read_text(encoding="utf-8")
    if len(notebooks) == 2:  # the summary shows real replies: the payload is there, escaped
        html = (tmp_path / "05_summary.html").read_text(encoding="utf-8")
        assert escaped in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html


PII_LINE = (
    "@658536 Hi Dana, call 0800 123 456 or mail dana.k@example.com about order 978-3317324. "
    "^SJ @StreamlyCares"
)


@pytest.fixture
def pii_notebook(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    return _notebook(
        folder / "pii.ipynb",
        f"import pandas as pd\nprint({PII_LINE!r})\npd.DataFrame({{'reply': [{PII_LINE!r}]}})",
        "print(f'alpha={alpha}')",
        parameters='data_path = None\ndata_format = "auto"\nalpha = 1',
    )


@pytest.mark.notebooks
def test_shared_pages_mask_identities_and_internal_pages_keep_them(pii_notebook, tmp_path):
    shared = tmp_path / "shared"
    report.build_report(shared, notebooks=[pii_notebook], progress=False)
    html = (shared / "pii.html").read_text(encoding="utf-8")
    executed = nbformat.read(shared / "pii.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in executed.cells])
    for secret in ("@658536", "Dana", "0800 123 456", "dana.k@example.com", "978-3317324"):
        assert secret not in html
        assert secret not in outputs
    assert "alpha=1" in outputs
    assert "@[handle] Hi [name], call [phone] or mail [email] about order [order no.]." in html
    assert "@StreamlyCares" in html
    assert "^SJ" in html
    assert 'class="highlight' not in html

    internal = tmp_path / "internal"
    index = report.build_report(
        internal, notebooks=[pii_notebook], redact=False, with_code=True, progress=False
    )
    html = (internal / "pii.html").read_text(encoding="utf-8")
    assert "@658536 Hi Dana, call 0800 123 456 or mail dana.k@example.com" in html
    assert 'class="highlight' in html, "with_code shows the code"
    assert "internal use only" in index.read_text(encoding="utf-8")


@pytest.mark.notebooks
def test_parameters_go_only_to_the_notebooks_that_declare_them(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    first = _notebook(
        folder / "a.ipynb", "print(alpha, run_dir)", parameters="run_dir = None\nalpha = 1"
    )
    second = _notebook(
        folder / "b.ipynb",
        "import os\nprint(beta, 'alpha' in globals(), 'run_dir' in globals(), os.listdir('.'))",
        parameters="beta = 2",
    )
    monkeypatch.chdir(tmp_path)  # a relative out_dir and data path resolve from here
    shutil.copy(paths.SAMPLE_SOCIAL, tmp_path / "mine.csv")
    report.build_report(
        Path("out"),
        data_path=Path("mine.csv"),
        params={"alpha": 5, "beta": 7},
        notebooks=[first, second],
        progress=False,
    )
    out = tmp_path / "out"
    a = nbformat.read(out / "a.ipynb", as_version=4)
    b = nbformat.read(out / "b.ipynb", as_version=4)
    # The run folder of mine.csv, made once by the report, is what a page is given.
    assert a.cells[-1].outputs[0].text.strip() == f"5 {(out / 'run').resolve()}"
    assert json.loads((out / "run" / "params.json").read_text())["data_file"] == "mine.csv"
    page = (out / "a.html").read_text(encoding="utf-8")
    assert "5 run" in page and str(tmp_path) not in page  # no folder of this machine on a page
    # and each notebook runs in an empty scratch folder, not where the report was started
    assert b.cells[-1].outputs[0].text.strip() == "7 False False []"

    with pytest.raises(InputError, match="gamma"):
        report.build_report(tmp_path / "x", params={"gamma": 1}, notebooks=[first], progress=False)
    assert not (tmp_path / "x").exists(), "a typo is caught before anything runs"


def test_params_file_is_read_and_bad_ones_are_named(tmp_path):
    good = tmp_path / "params.yaml"
    good.write_text("sla_hours: 4\nholiday_country: GB\n")
    assert report.load_params(good) == {"sla_hours": 4, "holiday_country": "GB"}
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert report.load_params(empty) == {}
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="NAME: VALUE"):
        report.load_params(bad)
    with pytest.raises(InputError, match="missing.yaml"):
        report.load_params(tmp_path / "missing.yaml")


def test_the_report_never_overwrites_the_notebooks(pii_notebook):
    before = pii_notebook.read_bytes()
    with pytest.raises(InputError, match="notebooks' own folder"):
        report.build_report(pii_notebook.parent, notebooks=[pii_notebook], progress=False)
    assert pii_notebook.read_bytes() == before


def test_a_missing_data_file_is_input_error(tmp_path, pii_notebook):
    with pytest.raises(InputError, match="no such data file"):
        report.build_report(
            tmp_path / "out", data_path=tmp_path / "nope.csv", notebooks=[pii_notebook]
        )


@pytest.mark.notebooks
def test_a_failing_notebook_stops_the_run_naming_notebook_and_cell(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    ok = _notebook(folder / "01_ok.ipynb", "print('first page ran')")
    failing = _notebook(
        folder / "02_fails.ipynb",
        "print('before the failure')",
        new_markdown_cell("Some narrative."),
        'raise ValueError("boom on purpose")\nprint("never")',
        "print('after')",
    )
    never = _notebook(folder / "03_never.ipynb", "print('third')")
    out = tmp_path / "out"
    with pytest.raises(report.ReportError) as caught:
        report.build_report(out, notebooks=[ok, failing, never], progress=False)
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert "02_fails.ipynb" in message
    assert "cell 4" in message  # title 0, parameters 1, print 2, markdown 3, raise 4
    assert 'raise ValueError("boom on purpose")' in message
    assert "ValueError: boom on purpose" in message
    assert error.cell_index == 4 and error.ename == "ValueError"
    assert error.html_path == out / "02_fails.html"
    partial = (out / "02_fails.html").read_text(encoding="utf-8")
    assert "before the failure" in partial
    assert "boom on purpose" in partial
    assert (out / "01_ok.html").is_file()
    assert not (out / "03_never.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "FAILED" in index and "02_fails.html" in index


@pytest.mark.notebooks
def test_the_pages_kernels_keep_their_start_up_warnings_off_the_terminal(tmp_path, capfd):
    """A report's terminal shows its progress, not a kernel log line per page; a page's own
    output and errors stay in the page."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    page = _notebook(folder / "01_page.ipynb", "import sys\nprint('to the page', file=sys.stderr)")
    report.build_report(tmp_path / "out", notebooks=[page], progress=False)
    terminal = capfd.readouterr().err
    assert "[IPKernelApp]" not in terminal, terminal
    assert "to the page" in (tmp_path / "out" / "01_page.html").read_text(encoding="utf-8")


# A long table of replies (30 rows: interactive) holding a customer handle, a name, an e-mail,
# a phone and an order number, and markup; answered counts whose numeric and text order differ.
TABLE_ANSWERED = [9, 10000, 850] + list(range(100, 127))


@pytest.fixture(scope="module")
def table_pages(tmp_path_factory) -> Path:
    """A report of two small pages: one with an interactive table of personal data, one with a
    small table only."""
    out = tmp_path_factory.mktemp("tables")
    folder = out / "notebooks"
    folder.mkdir()
    rows = len(TABLE_ANSWERED)
    interactive = _notebook(
        folder / "interactive.ipynb",
        "import pandas as pd\nfrom analysis import tables\n"
        f"frame = pd.DataFrame({{'brand': ['StreamlyCares'] * {rows}, "
        f"'answered': {TABLE_ANSWERED!r}, 'reply': [{PII_LINE + ' ' + PAYLOAD!r}] * {rows}}})\n"
        "tables.show(frame, title='Replies')",
    )
    static = _notebook(
        folder / "static.ipynb",
        "import pandas as pd\nfrom analysis import tables\n"
        "tables.show(pd.DataFrame({'brand': ['StreamlyCares'], 'answered': [3]}))",
    )
    report.build_report(out / "report", notebooks=[interactive, static], progress=False)
    return out / "report"


@pytest.mark.notebooks
def test_an_interactive_table_is_redacted_escaped_and_carries_the_only_script(table_pages):
    html = (table_pages / "interactive.html").read_text(encoding="utf-8")
    assert tables.has_interactive_table(html)
    for secret in ("@658536", "Dana", "0800 123 456", "dana.k@example.com", "978-3317324"):
        assert secret not in html, secret  # anywhere: text, attributes and scripts
    cells = re.findall(r'<td class="sq-text">([^<]*)</td>', html)
    masked = "@[handle] Hi [name], call [phone] or mail [email] about order [order no.]."
    assert sum(masked in cell for cell in cells) == len(TABLE_ANSWERED), "every row, masked"
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    _assert_offline_with_only_the_table_script(html, "interactive")

    small = (table_pages / "static.html").read_text(encoding="utf-8")
    assert not tables.has_interactive_table(small) and "<script" not in small
    assert '<td class="sq-num" data-order="3.0">3</td>' in small


# --- The page in a browser -----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
# A test that opens a rendered page in headless Chromium (it skips, saying why, without one).
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install -y chromium)",
)


@pytest.mark.browser
@pytest.mark.notebooks
@needs_chromium
@pytest.mark.parametrize("page", ["index", "05_summary"])
def test_pages_render_in_headless_chromium(demo_report, tmp_path, page):

    html = demo_report / f"{page}.html"
    if not html.exists():
        pytest.skip(f"{html.name} was not built")
    png = tmp_path / f"{page}.png"
    _chromium(html.as_uri(), tmp_path / "profile", f"--screenshot={png}", "--window-size=1280,2000")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_page_drawn(png, (2000, 1280))


def assert_page_drawn(png: Path, shape: tuple[int, int]) -> None:
    """A screenshot of the given size that is not blank: it has contrast and dark text or lines."""
    from matplotlib.image import imread

    pixels = imread(png)
    assert pixels.shape[:2] == shape
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.02, "the page is blank"
    assert (grey < 0.5).mean() > 0.002, "no dark text or figure on the page"


def _chromium(url: str, profile: Path, *flags: str) -> subprocess.CompletedProcess:
    """Headless Chromium on a local page, with nothing it could fetch or sync."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *flags,
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Run after the page's own table script: sort by "Answered", highest first, and note the top cell.
_SORT_CHECK = """<script type="module">
const check = () => {
  if (document.documentElement.dataset.sqTables !== "ready") { setTimeout(check, 20); return; }
  window.supportQualityTables[0].order([1, "desc"]).draw();
  const top = document.querySelector("table.dataTable tbody tr td:nth-child(2)");
  document.body.dataset.sortedTop = top.textContent;
};
check();
</script>"""


@pytest.mark.browser
@pytest.mark.notebooks
@needs_chromium
def test_the_interactive_table_initialises_and_sorts_in_headless_chromium(table_pages, tmp_path):

    page = table_pages / "interactive.html"
    dom = _chromium(
        page.as_uri(), tmp_path / "profile", "--dump-dom", "--virtual-time-budget=5000"
    ).stdout
    assert 'data-sq-tables="ready"' in dom, "the table script did not run"
    assert 'class="dt-container' in dom, "no DataTables wrapper"
    assert "dt-column-order" in dom and "dt-orderable-asc" in dom, "no sort control"
    assert 'class="dt-search' in dom and 'class="dt-paging' in dom
    assert f"Showing 1 to 25 of {len(TABLE_ANSWERED)} entries" in dom
    assert "@[handle] Hi [name]" in dom and "dana.k@example.com" not in dom

    # Sorting by a column of counts orders the numbers (10,000 first), not their text (9 first).
    sorting = tmp_path / "sorting.html"
    html = page.read_text(encoding="utf-8")
    sorting.write_text(html.replace("</body>", _SORT_CHECK + "</body>"), encoding="utf-8")
    sorted_dom = _chromium(
        sorting.as_uri(), tmp_path / "profile-sort", "--dump-dom", "--virtual-time-budget=5000"
    ).stdout
    assert 'data-sorted-top="10,000"' in sorted_dom

    png = tmp_path / "table.png"
    _chromium(
        page.as_uri(),
        tmp_path / "profile-shot",
        f"--screenshot={png}",
        "--window-size=1280,1200",
        "--virtual-time-budget=5000",
    )
    assert_page_drawn(png, (1200, 1280))


# --- analysis.summary on hand-written scorecards -------------------------------------------------


def _scorecard() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "brand": ["A", "B", "C"],
            "customer_messages": [50, 30, 10],
            "response_rate": [0.9, 0.5, 0.7],
            "median_first_response_seconds": [30.0, 6000.0, 600.0],
            "template_share": [0.2, 0.2, 0.2],
            "addresses_by_name_share": [0.1, 0.1, 0.4],
        }
    )


def test_standing_is_better_than_the_others_median_in_spread_units():
    table = summary.standing(_scorecard())
    # response_rate: spread = std([.9, .5, .7]) = 0.1633; A: (0.9 - median(.5, .7)=.6) / .1633
    assert table.at["A", "response_rate"] == pytest.approx(0.3 / np.std([0.9, 0.5, 0.7]))
    assert table.at["B", "response_rate"] == pytest.approx(-0.3 / np.std([0.9, 0.5, 0.7]))
    # times on a log scale, lower is better: A is 30 s against the others' 600 s and 6000 s
    logs = np.log10([30.0, 6000.0, 600.0])
    expected = -(logs[0] - np.median(logs[1:])) / np.std(logs)
    assert table.at["A", "median_first_response_seconds"] == pytest.approx(expected)
    assert expected > table.at["A", "response_rate"] > 0
    assert (table["template_share"] == 0).all(), "all equal: nobody's strength"
    assert "react_quickly_share" not in table, "measures missing from the scorecard are skipped"


def test_strengths_and_weaknesses_pick_the_extremes():
    table = summary.strengths_and_weaknesses(_scorecard()).set_index("brand")
    assert table.at["A", "strength"] == "median first response"
    assert table.at["A", "strength_value"] == "30 s"
    assert table.at["A", "strength_others"] == "55 min"  # median of 600 s and 6000 s = 3300 s
    assert table.at["B", "weakness"] in {"median first response", "response rate"}
    assert table.at["C", "strength"] == "customer named"
    assert table.at["C", "strength_value"] == "40%"
    assert table.at["A", "weakness"] == "customer named"  # 10% against the others' 25%
    assert table.at["A", "weakness_others"] == "25%"
    assert not isinstance(table.at["B", "strength"], str), "B is ahead on nothing"
    sentences = summary.findings(_scorecard())
    assert sentences[0].startswith("A is best at median first response (30 s against 55 min")
    assert "lower is better" in sentences[0]
    assert summary.findings(_scorecard().head(1)) == [
        "Only one brand in the data: there is no other brand to compare it with."
    ]


def test_findings_compare_only_brands_with_enough_messages():
    sentences = summary.findings(_scorecard(), min_messages=20)
    assert [s.split()[0] for s in sentences[:-1]] == ["A", "B"]
    assert sentences[-1] == (
        "1 brand with fewer than 20 customer messages is not ranked here "
        "(their figures are in the tables)."
    )
    assert summary.findings(_scorecard(), min_messages=40)[0] == (
        "Fewer than two brands have 40 customer messages or more: too few to compare."
    )


def test_brand_scorecard_joins_the_three_tables_without_unknown():
    latency_brands = pd.DataFrame(
        {"brand": ["A", "unknown"], "customer_messages": [10, 3], "response_rate": [0.8, 0.0]}
    )
    personalisation_brands = pd.DataFrame({"brand": ["A"], "replies": [12], "signed_share": [1.0]})
    rubric_brands = pd.DataFrame(
        {"brand": ["A"], "customer_messages": [10], "replies": [8], "says_sorry_share": [0.25]}
    )
    card = summary.brand_scorecard(latency_brands, personalisation_brands, rubric_brands)
    assert card.to_dict("records") == [
        {
            "brand": "A",
            "customer_messages": 10,
            "response_rate": 0.8,
            "agent_replies": 12,
            "signed_share": 1.0,
            "says_sorry_share": 0.25,
        }
    ]
    card = card.assign(signed_share_low=0.5, signed_share_high=1.0)
    columns = summary.scorecard_columns(card)
    assert columns[:3] == ["brand", "customer_messages", "response_rate"]
    shown = tables.format_table(card, columns=columns)
    assert shown.iloc[0].tolist() == ["A", "10", "80%", "12", "100% (50–100%)", "25%"]
    assert "100% (50–100%)" in summary.scorecard_table(card)._repr_html_()


def test_example_replies_are_each_brands_best_and_worst():
    labelled = pd.DataFrame(
        {
            "brand": ["A", "A", "A", "A", "B", "B"],
            "answered": [True, True, True, False, True, True],
            "text": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "reply_text": ["r1", "r2", "r3", None, "r5", "r6"],
            "lessons_met": [5, 1, 3, 0, 2, 4],
            "react_quickly": [True, True, True, False, True, True],
            "responds_in_same_medium": [True, False, True, pd.NA, False, True],
            "acknowledges_specifics": [True, False, True, pd.NA, True, True],
            "shows_appreciation": [True, False, False, pd.NA, False, True],
            "shares_resolution_or_timetable": [True, False, False, pd.NA, False, False],
            "says_sorry": [False, True, False, pd.NA, False, False],
        }
    )
    examples = summary.example_replies(labelled, per_brand=1)
    rows = examples[["brand", "example", "reply", "lessons_met", "lessons"]].to_dict("records")
    assert rows == [
        {
            "brand": "A",
            "example": "best",
            "reply": "r1",
            "lessons_met": 5,
            "lessons": "1, 2, 3, 4, 5",
        },
        {"brand": "A", "example": "worst", "reply": "r2", "lessons_met": 1, "lessons": "1 + sorry"},
        {"brand": "B", "example": "best", "reply": "r6", "lessons_met": 4, "lessons": "1, 2, 3, 4"},
        {"brand": "B", "example": "worst", "reply": "r5", "lessons_met": 2, "lessons": "1, 3"},
    ]


def test_summary_figures_are_figures_with_titles_and_labels():
    card = _scorecard().assign(
        react_quickly_share=[0.9, 0.4, 0.0],
        react_quickly_share_low=[0.8, 0.3, 0.0],  # wilson_interval is exact at 0 and n
        react_quickly_share_high=[0.95, 0.5, 0.1],
    )
    heatmap = summary.scorecard_figure(card)
    lessons = summary.lessons_figure(card)
    for fig in (heatmap, lessons):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in lessons.axes[0].get_yticklabels()] == [
        "lesson 1 – react within 24 h"
    ]


def test_summary_figures_say_so_when_no_brand_has_data():
    empty = _scorecard().iloc[0:0]
    fig = summary.lessons_figure(empty)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("No brand" in t for t in texts)
    assert fig.axes[0].get_title()


def test_a_helpdesk_export_reports_through_its_column_mapping(tmp_path):
    from tests.conftest import FIXTURES, HELPDESK_MAPPING

    notebooks = [paths.NOTEBOOKS_DIR / "01_data_quality.ipynb"]
    index = report.build_report(
        tmp_path,
        data_path=FIXTURES / "helpdesk_messages.csv",
        settings=settings.from_values(data_format="messages-csv", data_mapping=HELPDESK_MAPPING),
        notebooks=notebooks,
        progress=False,
    )
    page = (tmp_path / "01_data_quality.html").read_text(encoding="utf-8")
    assert "read as messages-csv" in page
    assert "cannot tell customer from agent" in page  # the 'robot' row, rejected with its reason
    assert "Traceback" not in page and index.exists()


@pytest.mark.notebooks
def test_the_whole_report_runs_on_real_tweets_and_masks_their_authors(real_sample, tmp_path):
    index = report.build_report(tmp_path, data_path=real_sample, progress=False)
    assert index.exists()
    with open(real_sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    customers = {r["author_id"] for r in rows if r["inbound"] == "True"}
    for nb in NOTEBOOKS:
        html = (tmp_path / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "output_error" not in html and "Traceback" not in html, nb.stem
        assert "AmazonHelp" in html or nb.stem == "01_data_quality" or "AppleSupport" in html
        leaked = {c for c in customers if f"@{c}" in _text(html)}
        assert not leaked, f"{nb.stem}: customer handles left unmasked: {sorted(leaked)[:5]}"


@pytest.mark.parametrize(
    ("data", "values"),
    [
        ("twcs_small.csv", {}),
        ("kaggle_tickets.csv", {}),
        ("helpdesk_messages.csv", {"data_format": "messages-csv", "data_mapping": "helpdesk"}),
    ],
)
def test_the_redactor_learns_the_same_identities_from_the_columns_the_report_reads(
    data, values, tmp_path
):
    from analysis import analyze
    from analysis import redact as redaction
    from tests.conftest import FIXTURES, HELPDESK_MAPPING

    if values.get("data_mapping") == "helpdesk":
        values = {**values, "data_mapping": HELPDESK_MAPPING}
    run = analyze.run(FIXTURES / data, settings.from_values(values), out_dir=tmp_path / "run")
    whole = redaction.identities_from_tables(run)
    assert whole.handles or whole.names, "the fixture names someone to mask"
    assert redaction.identities_from_tables(report._identity_tables(run)) == whole


# Run on a rendered page: how the browser wraps the first printed line, and whether each printed
# word keeps to one line (a word broken across lines has more than one client rectangle).
_WRAP_CHECK = """<script>
window.addEventListener("load", () => {
  const pre = document.querySelector(".jp-OutputArea-output pre");
  document.body.dataset.wordBreak = getComputedStyle(pre).wordBreak;
  const text = pre.firstChild;
  let broken = 0;
  for (const match of text.textContent.matchAll(/\\S+/g)) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    if (range.getClientRects().length > 1) broken += 1;
  }
  document.body.dataset.brokenWords = String(broken);
});
</script>"""


@pytest.mark.browser
@needs_chromium
def test_printed_findings_wrap_between_words_in_headless_chromium(tmp_path):
    """A finding the page prints is a sentence: in the shared page it wraps between words."""
    finding = (
        "AmazonHelp is best at bonus – say sorry (44% against 9% for the other brands' median); "
        "is worst at response rate (80% against 94% for the other brands' median). "
    ) * 6
    cell = new_code_cell("print(finding)")
    cell.outputs = [new_output("stream", name="stdout", text=finding + "\n")]
    nb = new_notebook(cells=[new_markdown_cell("# Summary"), cell])
    page = tmp_path / "page.html"
    html = report.render_html(nb, "Summary")
    page.write_text(html.replace("</body>", _WRAP_CHECK + "</body>"), encoding="utf-8")
    dom = _chromium(
        page.as_uri(), tmp_path / "profile", "--dump-dom", "--window-size=800,1000",
        "--virtual-time-budget=3000",
    ).stdout  # fmt: skip
    assert 'data-word-break="normal"' in dom
    assert 'data-broken-words="0"' in dom
