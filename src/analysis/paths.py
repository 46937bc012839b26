"""Where things live, resolved from the package so notebooks run from any working directory."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
LABELS_DIR = DATA_DIR / "labels"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

# The embedded demo data (written by `analysis demo-data`).
SAMPLE_SOCIAL = SAMPLE_DIR / "social_complaints.csv"
SAMPLE_TICKETS = SAMPLE_DIR / "tickets.csv"

# The real twcs sample lives outside the project (it may not be redistributed); CI points here.
REAL_SAMPLE_ENV = "SUPPORT_QUALITY_REAL_SAMPLE"
RUBRIC_DEV_LABELS_ENV = "SUPPORT_QUALITY_RUBRIC_DEV_LABELS"


def real_sample_path() -> Path | None:
    """The real twcs sample named by the environment, or None when unset."""
    value = os.environ.get(REAL_SAMPLE_ENV)
    return Path(value) if value else None


def rubric_dev_labels_path() -> Path | None:
    """The rubric development labels named by the environment, or None when unset."""
    value = os.environ.get(RUBRIC_DEV_LABELS_ENV)
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
