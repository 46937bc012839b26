"""The shareable report: run every notebook with papermill, render each to HTML, link them.

`build_report(out_dir)` analyses the data once into `out_dir/run` (`analyze.run`: the run folder
every page reads), then runs the notebooks in `notebooks/` in name order, each given that
`run_dir` and the page parameters it declares, renders each executed notebook to a
self-contained HTML page (no scripts from the internet; code hidden unless asked for), and
writes `index.html` with what was run on what: the data file and its SHA-256, the row counts,
the settings, the package version and the time.

Sharing is safe by default: customer handles, names, e-mails, phone and order numbers are
masked in every page and in the executed notebooks kept beside them (`analysis.redact`);
`redact=False` keeps them for internal use. A failing notebook stops the run with a
`ReportError` naming the notebook and the cell, after its partial page has been written.
"""

from __future__ import annotations

import html
import json
import multiprocessing
import platform
import re
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import nbformat
import papermill
from jinja2 import DictLoader
from nbconvert import HTMLExporter

import analysis
from analysis import analyze, parallel, paths, store, tables
from analysis import redact as redaction
from analysis import settings as settings_lib
from analysis.io import InputError
from analysis.progress import Steps, on_terminal
from analysis.settings import Settings

# Parameters a notebook declares to open a run on its own; the report passes run_dir instead.
_DATA_PARAMETERS = ("data_path", *settings_lib.names())

KERNEL_NAME = "python3"
INDEX_NAME = "index.html"
METADATA_NAME = "report.json"
RUN_FOLDER = "run"

# The lab template without the scripts it fetches from a CDN (require.js, MathJax, mermaid):
# the pages need none of them and open offline, in a mail attachment, or behind a firewall. The
# one script a page may carry is the embedded table script (`tables.page_assets`), at the end of
# the body, and only on a page with an interactive table.
_TEMPLATE_FILE = "support_quality_report.html.j2"
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}{{ super() }}
<style>
/* Printed lines (findings, notes) are sentences: wrapped between words, in the page's own font.
   JupyterLab's output style breaks them anywhere, mid-word ("media" / "n"). */
.jp-OutputArea-output pre {
  word-break: normal; overflow-wrap: break-word; font-family: var(--jp-content-font-family);
  font-size: var(--jp-content-font-size1); line-height: 1.5; }
</style>
{%- endblock html_head_css -%}
{%- block body_footer -%}
</main>
{{ resources.get("table_assets", "") }}
</body>
{%- endblock body_footer -%}
"""
_PAPERMILL_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
KERNEL_LOG_LEVEL = "--IPKernelApp.log_level=ERROR"


class ReportError(RuntimeError):
    """A notebook failed: names the notebook, the cell and the error, and where its partial page is."""

    def __init__(
        self,
        notebook: str,
        cell_index: int | None,
        cell_line: str,
        ename: str,
        evalue: str,
        html_path: Path | None,
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.cell_line = cell_line
        self.ename = ename
        self.evalue = evalue
        self.html_path = html_path
        where = f"at cell {cell_index} ({cell_line!r})" if cell_index is not None else "to run"
        error = f"{ename}: {evalue}" if evalue else ename
        partial = f"; partial output in {html_path}" if html_path else ""
        super().__init__(_one_line(f"{notebook} failed {where}: {error}{partial}"))

    def __reduce__(self):  # noqa: ANN204 - pickle's own protocol
        # A page runs in another process: its error comes back pickled, with its fields.
        fields = (self.notebook, self.cell_index, self.cell_line, self.ename, self.evalue)
        return (type(self), (*fields, self.html_path))


@dataclass
class NotebookPage:
    """One executed notebook in the report."""

    notebook: str
    title: str
    html: str
    ipynb: str
    parameters: dict
    seconds: float
    status: str = "ok"


@dataclass
class RunMetadata:
    """What the index page says about the run."""

    data_file: str
    data_sha256: str
    data_format: str
    rows_read: int
    messages: int
    rejected: int
    conversations: int
    customer_messages: int
    answered: int
    settings: dict
    parameters: dict
    package_version: str
    generated_at_utc: str
    redacted: bool
    code_shown: bool
    python: str = field(default_factory=platform.python_version)
    pages: list[NotebookPage] = field(default_factory=list)


def build_report(
    out_dir: Path,
    data_path: Path | None = None,
    settings: Settings | None = None,
    params: dict | None = None,
    with_code: bool = False,
    redact: bool = True,
    notebooks: list[Path] | None = None,
    progress: bool = True,
) -> Path:
    """Analyse the data once into out_dir/run, run every notebook on that run folder, render each
    to HTML in out_dir, and return index.html's path.

    `settings` are what the analysis is computed with; `params` are the pages' own display
    parameters (e.g. `templates_per_brand`), each passed to the notebooks that declare it."""
    out_dir = Path(out_dir).expanduser().resolve()
    notebooks = _notebooks(notebooks)
    params = dict(params or {})
    if out_dir in {nb.parent.resolve() for nb in notebooks}:
        raise InputError(
            f"{out_dir}: the report cannot go into the notebooks' own folder "
            "(the executed notebooks would overwrite them); choose another --out"
        )
    declared = {nb: set(notebook_parameters(nb)) for nb in notebooks}
    _check_params(params, declared)

    data = paths.resolve_data_path(data_path).expanduser().resolve()
    if not data.is_file():
        raise InputError(f"{data}: no such data file")
    run = analyze.run(data, settings, out_dir=out_dir / RUN_FOLDER, progress=progress)
    if run.summary["messages"] == 0:
        raise InputError(
            f"{data.name}: none of its {run.summary['rows_read']} rows could be used, so there "
            f"is nothing to report; each is in {run.folder / 'rejected.csv'} with its reason"
        )
    identities = redaction.identities_from_tables(_identity_tables(run)) if redact else None
    summary = run.summary
    metadata = RunMetadata(
        data_file=run.data_file,
        data_sha256=run.params["data_sha256"],
        data_format=run.params["data_format"],
        rows_read=summary["rows_read"],
        messages=summary["messages"],
        rejected=summary["rejected"],
        conversations=summary["conversations"],
        customer_messages=summary["customer_messages"],
        answered=summary["answered"],
        settings=run.params["settings"],
        parameters=params,
        package_version=analysis.__version__,
        generated_at_utc=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        redacted=redact,
        code_shown=with_code,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    # Every page reads the one run folder: the data is loaded and analysed once per report.
    values = {"run_dir": str(run.folder), **params}
    pages = [
        (notebook, {k: v for k, v in values.items() if k in declared[notebook]})
        for notebook in notebooks
    ]
    steps = Steps("report", total=len(notebooks), unit="notebook", shown=progress)
    jobs = min(parallel.job_count(), len(pages))
    if jobs <= 1:
        for notebook, injected in pages:
            with steps.step(notebook.stem):
                page, error = _run_notebook(
                    notebook, out_dir, injected, with_code, identities, progress
                )
            _add_page(out_dir, metadata, steps, page, error)
        steps.close()
        return write_index(out_dir, metadata)
    # The pages only read the run folder, so they run side by side, one a core: each page's
    # kernel and its rendering are a process of their own. They are reported in order, and the
    # first that fails ends the report as it does one page at a time: the pages not yet started
    # do not start, and those after it that ran are removed (the report ends at the failure).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        running = [
            pool.submit(_run_notebook, notebook, out_dir, injected, with_code, identities, False)
            for notebook, injected in pages
        ]
        for position, ((notebook, _), future) in enumerate(zip(pages, running, strict=True)):
            with steps.step(notebook.stem):
                page, error = future.result()
            if error is not None:
                for later in running[position + 1 :]:
                    later.cancel()
                pool.shutdown(wait=True)
                for later, _ in pages[position + 1 :]:
                    for output in (
                        out_dir / later.name,
                        (out_dir / later.name).with_suffix(".html"),
                    ):
                        output.unlink(missing_ok=True)
            _add_page(out_dir, metadata, steps, page, error)
    steps.close()
    return write_index(out_dir, metadata)


def _add_page(
    out_dir: Path,
    metadata: RunMetadata,
    steps: Steps,
    page: NotebookPage,
    error: ReportError | None,
) -> None:
    """List a run page in the index; when it failed, write the index so far and raise its error."""
    metadata.pages.append(page)
    if error is not None:
        steps.close()
        write_index(out_dir, metadata)
        raise error


# The messages columns `redact.identities_from_tables` learns who to mask from (the ones a table
# lacks are left out, as it leaves them out); the prepared text columns are never read.
_IDENTITY_COLUMNS = (
    "brand",
    "role",
    "author_id",
    "author_name",
    "customer_name",
    "agent_id",
    "text",
    "addressed_name",
)


def _identity_tables(run: store.Run) -> SimpleNamespace:
    """The run's messages (only the columns identities come from) and tickets, for the redactor."""
    columns = set(_IDENTITY_COLUMNS).intersection(run.columns("messages"))
    return SimpleNamespace(messages=run.table("messages", columns=columns), tickets=run.tickets)


def notebook_parameters(notebook: Path) -> dict[str, dict]:
    """The parameters a notebook declares in its `parameters` cell, by name (papermill's view)."""
    return papermill.inspect_notebook(str(notebook))


def load_params(path: Path) -> dict:
    """Parameters from a YAML file of NAME: VALUE pairs (an empty file is no parameters)."""
    import yaml

    try:
        loaded = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read the parameters ({_one_line(str(error))})") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise InputError(f"{path}: expected NAME: VALUE pairs, like 'sla_hours: 4'")
    return loaded


def render_html(nb: nbformat.NotebookNode, title: str, with_code: bool = False) -> str:
    """An executed notebook as a self-contained HTML page; code and prompts hidden unless with_code."""
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_FILE: _TEMPLATE})],
        template_file=_TEMPLATE_FILE,
        exclude_input=not with_code,
        exclude_input_prompt=not with_code,
        exclude_output_prompt=not with_code,
    )
    assets = tables.page_assets() if _has_interactive_table(nb) else ""
    resources = {"metadata": {"name": title}, "table_assets": assets}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def _has_interactive_table(nb: nbformat.NotebookNode) -> bool:
    """Whether any HTML output of the notebook is an interactive table made by `tables.show`."""
    return any(
        tables.has_interactive_table("".join(output.get("data", {}).get("text/html", "")))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of a notebook, or the fallback."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+)$", cell.source, re.M)
            if match:
                return match.group(1).strip()
    return fallback


def _notebooks(notebooks: list[Path] | None) -> list[Path]:
    if notebooks is None:
        found = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"), key=lambda p: p.name)
    else:
        found = [Path(n).expanduser().resolve() for n in notebooks]
    if not found:
        raise InputError(f"no notebooks to run in {paths.NOTEBOOKS_DIR}")
    missing = [str(n) for n in found if not n.is_file()]
    if missing:
        raise InputError(f"no such notebook: {', '.join(missing)}")
    names = [n.name for n in found]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"two notebooks with one name would overwrite each other: {duplicated}")
    return found


def split_params(params: dict) -> tuple[dict, dict]:
    """A parameters file's values split into analysis settings and the pages' own parameters."""
    names = set(settings_lib.names())
    return (
        {k: v for k, v in params.items() if k in names},
        {k: v for k, v in params.items() if k not in names},
    )


def _check_params(params: dict, declared: dict[Path, set[str]]) -> None:
    """A parameter neither the settings nor any notebook declares is a typo: say so first."""
    known = set().union(*declared.values()) - {"run_dir", *_DATA_PARAMETERS}
    unknown = sorted(set(params) - known)
    if unknown:
        raise InputError(
            f"parameter {', '.join(unknown)} is neither an analysis setting nor a page "
            f"parameter (settings: {', '.join(settings_lib.names())}; page parameters: "
            f"{', '.join(sorted(known)) or 'none'})"
        )


def _run_notebook(
    notebook: Path,
    out_dir: Path,
    injected: dict,
    with_code: bool,
    identities: redaction.Identities | None,
    progress: bool,
) -> tuple[NotebookPage, ReportError | None]:
    """Execute one notebook into out_dir and render its page, also when it fails (with the error)."""
    ipynb_path = out_dir / notebook.name
    html_path = ipynb_path.with_suffix(".html")
    for stale in (ipynb_path, html_path):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        # An empty scratch folder as the working directory: the same wherever the report is run
        # from, and a notebook that reads a path relative to its folder fails here, not on
        # someone else's machine (paths come from analysis.paths).
        with tempfile.TemporaryDirectory(prefix="support-quality-report-") as scratch:
            papermill.execute_notebook(
                str(notebook),
                str(ipynb_path),
                parameters=injected,
                kernel_name=KERNEL_NAME,
                cwd=scratch,
                # The kernel's own log shows errors only: ipykernel warns on every start that a
                # local kernel talks over TCP unencrypted, a line per page on the user's terminal
                # that says nothing about the report (a cell's error is in the page either way).
                extra_arguments=[KERNEL_LOG_LEVEL],
                # papermill's bar, per cell, only where it is redrawn in place: a terminal.
                progress_bar=bool(progress) and on_terminal(),
            )
    except Exception as caught:  # papermill's error, a dead kernel, a missing kernel ...
        error = caught
    seconds = time.perf_counter() - started

    page = NotebookPage(
        notebook=notebook.name,
        title=notebook.stem,
        html=html_path.name,
        ipynb=ipynb_path.name,
        parameters=injected,
        seconds=round(seconds, 1),
    )
    executed = nbformat.read(ipynb_path, as_version=4) if ipynb_path.exists() else None
    if executed is not None:
        page.title = notebook_title(executed, notebook.stem)
        # The injected run_dir names a folder of this machine: the page says "run" instead.
        if identities is not None:
            # The outputs (what the data says) are redacted, the page's own words are not; the
            # HTML is rendered from the redacted notebook, so the two never differ.
            executed = redaction.redact_notebook(
                executed,
                brands=identities.brands,
                names=identities.names,
                handles=identities.handles,
                agents=identities.agents,
            )
            nbformat.write(executed, ipynb_path)
        html_text = render_html(executed, page.title, with_code).replace(
            str(out_dir / RUN_FOLDER), RUN_FOLDER
        )
        html_path.write_text(html_text, encoding="utf-8")
    if error is None:
        return page, None
    page.status = "failed"
    return page, _report_error(notebook, executed, error, html_path if html_path.exists() else None)


def _report_error(
    notebook: Path,
    executed: nbformat.NotebookNode | None,
    error: BaseException,
    html_path: Path | None,
) -> ReportError:
    """A ReportError that points at the failing cell of the notebook as written (0-based index)."""
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    cell_index, cell_line = None, ""
    if executed is not None:
        own_cells = [
            c for c in executed.cells if not _PAPERMILL_TAGS & set(c.metadata.get("tags", []))
        ]
        for index, cell in enumerate(own_cells):
            failed = cell.metadata.get("papermill", {}).get("exception") or any(
                o.get("output_type") == "error" for o in cell.get("outputs", [])
            )
            if cell.cell_type == "code" and failed:
                cell_index = index
                cell_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                break
    return ReportError(notebook.name, cell_index, cell_line, ename, evalue, html_path)


def _one_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return re.sub(r"\s+", " ", text).strip()


# --- The index page ------------------------------------------------------------------------------


def write_index(out_dir: Path, metadata: RunMetadata) -> Path:
    """Write index.html (and report.json, the same facts for machines); return index.html's path."""
    index = Path(out_dir) / INDEX_NAME
    index.write_text(index_html(metadata), encoding="utf-8")
    (Path(out_dir) / METADATA_NAME).write_text(
        json.dumps(asdict(metadata), indent=2, default=str) + "\n", encoding="utf-8"
    )
    return index


def index_html(metadata: RunMetadata) -> str:
    """The index page: the run's facts, then one link per notebook page (every value escaped)."""
    e = html.escape
    facts = [
        ("Data file", metadata.data_file),
        ("SHA-256", metadata.data_sha256),
        ("Format", metadata.data_format),
        ("Rows read", f"{metadata.rows_read:,}"),
        ("Messages", f"{metadata.messages:,}"),
        ("Rejected rows", f"{metadata.rejected:,}"),
        ("Conversations", f"{metadata.conversations:,}"),
        ("Customer messages", f"{metadata.customer_messages:,}"),
        ("Customer messages answered", f"{metadata.answered:,}"),
        ("support-quality version", metadata.package_version),
        ("Generated", metadata.generated_at_utc),
        (
            "Customer details",
            "masked (handles, names, e-mails, phone and order numbers)"
            if metadata.redacted
            else "NOT masked: for internal use only, do not share",
        ),
        ("Code", "shown" if metadata.code_shown else "hidden"),
        (
            "Run folder",
            f"{RUN_FOLDER}/ beside this page: the tables and CSVs behind every page, not masked "
            "(keep it internal; share the HTML pages)",
        ),
    ]
    fact_rows = "\n".join(
        f'<tr><th scope="row">{e(k)}</th><td data-fact="{e(k)}">{e(str(v))}</td></tr>'
        for k, v in facts
    )
    parameters = {**metadata.settings, **metadata.parameters}
    parameter_rows = "\n".join(
        f'<tr><th scope="row"><code>{e(k)}</code></th><td><code>{e(json.dumps(v, default=str))}</code></td></tr>'
        for k, v in parameters.items()
    )
    page_rows = "\n".join(
        f'<li class="{e(p.status)}"><a href="{e(quote(p.html))}">{e(p.title)}</a>'
        f' <span class="meta">{e(p.notebook)} · {p.seconds:.0f} s'
        f"{' · FAILED' if p.status != 'ok' else ''}"
        f' · <a href="{e(quote(p.ipynb))}">executed notebook</a></span></li>'
        for p in metadata.pages
    )
    warning = (
        ""
        if metadata.redacted
        else '<p class="warning">Customer details are not masked in these pages: internal use only.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Support quality report</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }}
h1 {{ margin-bottom: 0.2rem; }}
.lead {{ color: #555; margin-top: 0; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
th, td {{ text-align: left; padding: 0.3rem 0.8rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
th {{ font-weight: 600; white-space: nowrap; }}
td {{ word-break: break-all; }}
ol {{ padding-left: 1.5rem; }}
li {{ margin: 0.5rem 0; font-size: 1.1rem; }}
li.failed a:first-child {{ color: #b00020; }}
.meta {{ color: #666; font-size: 0.9rem; }}
.warning {{ background: #fff3cd; border: 1px solid #e0c060; padding: 0.5rem 1rem; }}
</style>
</head>
<body>
<h1>Support quality report</h1>
<p class="lead">How fast, how personal, and how well support teams answer their customers.</p>
{warning}
<h2>Pages</h2>
<ol class="pages">
{page_rows}
</ol>
<h2>This run</h2>
<table class="facts">
{fact_rows}
</table>
<h2>Parameters</h2>
<table class="parameters">
{parameter_rows}
</table>
</body>
</html>
"""
