"""Every notebook is committed clean, has one parameters cell, and defines no functions."""

from __future__ import annotations

import nbformat
import pytest

from analysis.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_and_has_parameters(notebook):
    nb = nbformat.read(notebook, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") for c in code_cells), "strip outputs before committing"
    assert not any(c.get("execution_count") for c in code_cells)
    assert sum("parameters" in c.metadata.get("tags", []) for c in code_cells) == 1
    assert not any(line.startswith("def ") for c in code_cells for line in c.source.splitlines()), (
        "notebooks call the library; functions belong in src/analysis"
    )


# Execution on the demo data (figures present, no errors, run from an unrelated folder) is
# tested once, through the report that renders every notebook: tests/test_report.py.
