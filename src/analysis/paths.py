"""Where things live: demo data, labels and report notebooks, read from the installed package."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def _shipped(name: str) -> Path:
    """A folder installed inside the package: a copy in a wheel, a symlink to the top level in a checkout."""
    package = resources.files("analysis")
    if not isinstance(package, Path):
        raise ImportError(
            f"analysis is installed as {package!r}: install it unzipped (pip install)"
        )
    folder = package / name
    if folder.is_dir():
        # Resolved, so a checkout names the top-level data/ and notebooks/ users edit and open.
        return folder.resolve()
    # A checkout where git wrote the symlink as a plain file (Windows without core.symlinks).
    return (package.parents[1] / name).resolve()


DATA_DIR = _shipped("data")
NOTEBOOKS_DIR = _shipped("notebooks")
SAMPLE_DIR = DATA_DIR / "sample"
LABELS_DIR = DATA_DIR / "labels"

# The folder holding data/ and notebooks/: the checkout in a checkout, the package in a wheel.
# Relative data paths and the paths shown in reports are taken from here, so both work the same.
PROJECT_ROOT = DATA_DIR.parent

# The embedded demo data (written by `analysis demo-data`).
SAMPLE_SOCIAL = SAMPLE_DIR / "social_complaints.csv"
SAMPLE_TICKETS = SAMPLE_DIR / "tickets.csv"

# The real twcs sample lives outside the project (it may not be redistributed); CI points here.
REAL_SAMPLE_ENV = "SUPPORT_QUALITY_REAL_SAMPLE"
RUBRIC_DEV_LABELS_ENV = "SUPPORT_QUALITY_RUBRIC_DEV_LABELS"
# The 25-brand real helpdesk-style export (IBM Twitter customer care, Apache-2.0), for tests.
CDP_SAMPLE_ENV = "SUPPORT_QUALITY_CDP_SAMPLE"


def real_sample_path() -> Path | None:
    """The real twcs sample named by the environment, or None when unset."""
    value = os.environ.get(REAL_SAMPLE_ENV)
    return Path(value) if value else None


def rubric_dev_labels_path() -> Path | None:
    """The rubric development labels named by the environment, or None when unset."""
    value = os.environ.get(RUBRIC_DEV_LABELS_ENV)
    return Path(value) if value else None


def cdp_sample_path() -> Path | None:
    """The real 25-brand conversation export named by the environment, or None when unset."""
    value = os.environ.get(CDP_SAMPLE_ENV)
    return Path(value) if value else None


def resolve_data_path(path: str | os.PathLike | None, default: Path = SAMPLE_SOCIAL) -> Path:
    """A data path as given, or the demo data when none is given; relative paths from the project."""
    if path is None or str(path) == "":
        return default
    candidate = Path(path).expanduser()
    if not candidate.is_absolute() and not candidate.exists():
        from_root = PROJECT_ROOT / candidate
        if from_root.exists():
            return from_root
    return candidate


LOG_DIR_ENV = "SUPPORT_QUALITY_LOG_DIR"


def log_dir() -> Path:
    """Where the CLI writes the traceback of an unexpected error: $SUPPORT_QUALITY_LOG_DIR, else
    the user's cache folder (support-quality/logs)."""
    configured = os.environ.get(LOG_DIR_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "support-quality" / "logs"
