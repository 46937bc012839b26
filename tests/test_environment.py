"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies and ranges."""

import re

import tomllib
import yaml

from analysis.paths import PROJECT_ROOT


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_normalise(r) for r in requirements)


def _conda() -> dict[str, str]:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    entries = [d for d in environment["dependencies"] if isinstance(d, str)]
    return dict(_normalise(d) for d in entries if not d.startswith(("python", "pip")))


def test_conda_and_pip_list_the_same_packages_and_ranges():
    assert _conda() == _pyproject()


def test_conda_environment_installs_the_project_itself():
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert ["-e ."] in pip_sections
