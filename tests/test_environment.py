"""pyproject.toml's dependencies agree with environment.yml (conda), requirements.lock and pre-commit."""

import re
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject_requirements() -> list[str]:
    """Every requirement: the dependencies and each extra (dev, lab)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    return project["dependencies"] + [r for extra in extras for r in extra]


def _conda() -> dict[str, str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = [d for d in environment["dependencies"] if isinstance(d, str)]
    pairs = map(_normalise, entries)
    return {name: spec for name, spec in pairs if name not in {"python", "pip"}}


def _locked() -> dict[str, str]:
    """requirements.lock as {canonical name: pinned version}."""
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def test_conda_and_pip_list_the_same_packages_and_ranges():
    assert _conda() == dict(_normalise(r) for r in _pyproject_requirements())


def test_conda_environment_installs_the_project_itself():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    assert ["-e ."] in pip_sections


def test_lock_pins_every_declared_dependency_within_its_range():
    locked = _locked()
    stale = []
    for requirement in map(Requirement, _pyproject_requirements()):
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{requirement} (locked: {version})")
    assert stale == [], "requirements.lock is out of step with pyproject.toml: run `make lock`"


def test_lock_names_no_machine_specific_index():
    text = (ROOT / "requirements.lock").read_text()
    assert not re.search(r"^--(extra-index-url|index-url|find-links|trusted-host)", text, re.M)


def test_pre_commit_hooks_use_the_locked_tool_versions():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    pins = dict(
        dep.split("==") for hook in hooks for dep in hook.get("additional_dependencies", [])
    )
    assert set(pins) == {"ruff", "nbstripout"}
    locked = _locked()
    assert pins == {name: locked.get(name) for name in pins}
