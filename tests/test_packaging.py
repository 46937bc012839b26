"""A built wheel carries the demo data, labels, notebooks and LICENSE; its report runs with no checkout."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What `pip wheel` reads; src/analysis/data and src/analysis/notebooks are symlinks into the rest.
BUILT_FROM = ["pyproject.toml", "README.md", "LICENSE", "src", "data", "notebooks"]


def _shipped_files() -> list[str]:
    """The checkout's files the package must carry, named as they sit in the wheel."""
    files = sorted((ROOT / "data" / "sample").glob("*.csv"))
    files += [
        p for p in (ROOT / "data" / "labels").rglob("*") if p.suffix in {".csv", ".md", ".json"}
    ]
    files += [
        p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    ]
    return sorted(f"analysis/{p.relative_to(ROOT).as_posix()}" for p in files)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy so the shared checkout gets no build/ folder."""
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for name in BUILT_FROM:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            "dist",
            ".",
        ],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (found,) = (source / "dist").glob("support_quality-*.whl")
    return found


def test_wheel_carries_demo_data_labels_notebooks_and_license(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _shipped_files()
    assert "analysis/data/sample/social_complaints.csv" in expected
    assert "analysis/data/sample/tickets.csv" in expected
    assert "analysis/notebooks/01_data_quality.ipynb" in expected
    assert [name for name in expected if name not in names] == []
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_wheel_declares_an_spdx_license_and_its_version(wheel):
    metadata_name = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(metadata_name).decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()


@pytest.mark.notebooks
def test_installed_wheel_reports_on_its_demo_data_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # PYTHONPATH comes before the editable install's path, here and in the kernels papermill starts.
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, analysis, analysis.paths as p; print(json.dumps([analysis.__file__, "
            "str(p.SAMPLE_SOCIAL), str(p.LABELS_DIR), str(p.NOTEBOOKS_DIR), analysis.__version__]))",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr
    module, sample, labels, notebooks, version = json.loads(probe.stdout)
    for path in (module, sample, labels, notebooks):
        assert Path(path).is_relative_to(site), f"{path} is not read from the installed wheel"
    assert version == wheel.name.split("-")[1]

    out = tmp_path / "report"
    report = subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--out", str(out)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    assert (out / "index.html").is_file()
    facts = json.loads((out / "report.json").read_text())
    pages = {page["notebook"]: page for page in facts["pages"]}
    assert sorted(pages) == sorted(p.name for p in Path(notebooks).glob("*.ipynb"))
    assert {name: page["status"] for name, page in pages.items()} == dict.fromkeys(pages, "ok")
    assert all((out / page["html"]).stat().st_size > 0 for page in pages.values())
