"""Every notebook is committed clean, has a parameters cell, and executes on the demo data."""

from __future__ import annotations

import nbformat
import papermill
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


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_on_the_demo_data_with_figures_and_no_errors(notebook, tmp_path):
    # Run from an unrelated folder: paths must come from the package, not the working directory.
    output = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook), str(output), cwd=str(tmp_path), kernel_name="python3", progress_bar=False
    )
    executed = nbformat.read(output, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "expected at least one figure"
