"""The run folder: where one analysis is written once and read by every page.

    RUN/params.json           the data file (name, SHA-256), format, settings, version; written last
    RUN/load_summary.json     counts that reconcile: rows_read == messages + rejected
    RUN/<table>.parquet       messages, exchanges, replies, next_replies, rejected, tickets
    RUN/<scorecard>.parquet   latency_by_brand, rubric_by_brand, ... (and the same as .csv)

`Run(folder)` reads it lazily, a table at a time; a page asks `Run.table` for only the columns it
draws (parquet is read by column, so the texts stay on disk). `open_run` is what a notebook calls:
the folder the report made, or, for a notebook opened on its own, the cached run for the same file
content, settings and code (computed the first time by `analyze.run`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset

from analysis import settings as settings_lib
from analysis.io import InputError

PARAMS = "params.json"
LOAD_SUMMARY = "load_summary.json"
CACHE_ENV = "SUPPORT_QUALITY_CACHE"


class Run:
    """A run folder written by `analyze.run`, read a table at a time."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        if not is_complete(self.folder):
            raise InputError(
                f"{self.folder}: not a finished run folder (no {PARAMS}); "
                "make one with `analysis analyze DATA --out FOLDER`"
            )

    def __repr__(self) -> str:
        return f"Run({str(self.folder)!r})"

    @cached_property
    def params(self) -> dict[str, Any]:
        """What the run was computed from: data file, format, settings, package version."""
        return json.loads(params_path(self.folder).read_text())

    @cached_property
    def settings(self) -> settings_lib.Settings:
        """The settings the run was computed with."""
        return settings_lib.Settings(**self.params["settings"])

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The load summary (rows read, kept, rejected, answered, ...)."""
        return json.loads((self.folder / LOAD_SUMMARY).read_text())

    @property
    def data_file(self) -> str:
        """The data file's name (never its folder: pages are shared)."""
        return self.params["data_file"]

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """One table or scorecard of the run, by name: every column, or only `columns` (in the
        table's own order; the others are never read from disk)."""
        path = self._path(name)
        if columns is None:
            return pd.read_parquet(path)
        wanted = set(columns)
        stored = self.columns(name)
        missing = sorted(wanted.difference(stored))
        if missing:
            raise KeyError(
                f"{name} has no column {', '.join(missing)} (it has {', '.join(stored)})"
            )
        return pd.read_parquet(path, columns=[c for c in stored if c in wanted])

    def columns(self, name: str) -> list[str]:
        """The column names of one table or scorecard, from its parquet schema (no rows read)."""
        return _dataset(self._path(name)).schema.names

    def row_count(self, name: str) -> int:
        """The rows of one table or scorecard, from its parquet metadata (no rows read)."""
        return _dataset(self._path(name)).count_rows()

    def _path(self, name: str) -> Path:
        known = [*self.params["tables"], *self.params["scorecards"]]
        if name not in known:
            raise KeyError(f"{name!r} is not in this run (it has {', '.join(sorted(known))})")
        return table_path(self.folder, name)

    @cached_property
    def messages(self) -> pd.DataFrame:
        """One row per message, with its conversation and prepared text."""
        return self.table("messages")

    @cached_property
    def exchanges(self) -> pd.DataFrame:
        """One row per customer message with its first reply, every measure and label."""
        return self.table("exchanges")

    @cached_property
    def replies(self) -> pd.DataFrame:
        """One row per agent message, with the personalisation measures."""
        return self.table("replies")

    @cached_property
    def next_replies(self) -> pd.DataFrame:
        """One row per customer message, timed to the next agent message."""
        return self.table("next_replies")

    @cached_property
    def rejected(self) -> pd.DataFrame:
        """The input rows that could not be used, with file, row, column, value and reason."""
        return self.table("rejected")

    @cached_property
    def tickets(self) -> pd.DataFrame | None:
        """Ticket-level fields, or None when the data is not a ticket export."""
        return self.table("tickets") if "tickets" in self.params["tables"] else None

    @cached_property
    def rated_tickets(self) -> pd.DataFrame | None:
        """Tickets for the resolution and satisfaction figures: the ticket table, or a message
        export's rated conversations (`helpdesk.rated_tickets`); None when there is neither."""
        from analysis import helpdesk

        if self.tickets is not None:
            return self.tickets
        # A message export: its exchanges' ratings, and only the columns a conversation's ticket
        # is made of (helpdesk.conversations_as_tickets), so the texts stay on disk.
        stored = self.columns("exchanges")
        if "satisfaction" not in stored:
            return None
        if helpdesk.satisfied(self.table("exchanges", columns=["satisfaction"])) is None:
            return None
        wanted = {"conversation_id", "created_at", "reply_at", "satisfaction"}
        wanted |= {"agent" if c == "agent_id" else c for c in helpdesk.GROUP_COLUMNS}
        exchanges = self.table("exchanges", columns=wanted.intersection(stored))
        return helpdesk.rated_tickets(None, exchanges)

    def scorecard(self, name: str) -> pd.DataFrame | None:
        """A scorecard by name, or None when this run has none of that name (e.g. no tickets)."""
        return self.table(name) if name in self.params["scorecards"] else None

    @property
    def compare_by(self) -> str:
        """What this run's pages compare: brand, agent, team, channel, ... (the `compare_by`
        setting as resolved for this data by `groups.resolve`)."""
        return self.params.get("compare_by", "brand")

    @property
    def compared_noun(self) -> str:
        """The words for what the pages compare: "brand", "ticket type", ..."""
        from analysis import groups

        return groups.label(self.compare_by)

    @property
    def message_grouping(self) -> str:
        """The column page 01 counts messages by: the compared grouping when every message of a
        conversation carries it (brand, channel, team, ...), else brand (an agent is not known
        for a customer's message)."""
        by = self.compare_by
        return by if by != "agent" and by in self.columns("messages") else "brand"

    def compared(self, measure: str) -> pd.DataFrame | None:
        """A scorecard of the compared grouping: `compared("latency")` is latency_by_brand, or
        latency_by_channel when the run compares channels; "scorecard" is the summary's."""
        by = self.compare_by
        return self.scorecard(f"{by}_scorecard" if measure == "scorecard" else f"{measure}_by_{by}")

    @cached_property
    def figure_brands(self) -> list[str]:
        """The groups (brands, or what the run compares) every per-group figure of this run draws
        one by one: the `brands` setting, else the `figure_brands` largest by customer messages
        (the rest are pooled), so a group keeps its place and colour on every page."""
        from analysis.plots import choose_brands  # figures only: reading a run needs no matplotlib

        table = self.compared("latency")
        volume = table.set_index(table.columns[0])["customer_messages"]
        return choose_brands(volume, self.settings.brands, self.settings.figure_brands)


def open_run(
    run_dir: str | os.PathLike | None = None,
    data_path: str | os.PathLike | None = None,
    **values: Any,
) -> Run:
    """The run a page reads: `run_dir` when given, else the (cached) run of `data_path` with the
    settings in `values` (None meaning the default), computed when no cached run exists yet."""
    given = {k: v for k, v in values.items() if v is not None}
    if run_dir is not None:
        if given or data_path is not None:
            named = ", ".join(sorted([*given, *(["data_path"] if data_path is not None else [])]))
            raise InputError(
                f"{named}: given together with run_dir; a run folder's data and settings are "
                f"fixed when it is made (see its {PARAMS}), so give one or the other"
            )
        return Run(run_dir)
    from analysis import analyze  # analyze writes run folders; this module only reads them

    return analyze.run(data_path, settings_lib.from_values(given))


def _dataset(path: Path) -> pyarrow.dataset.Dataset:
    """A table's parquet file, or the folder of parts the Dask engine writes, as one dataset."""
    return pyarrow.dataset.dataset(path, format="parquet")


def is_complete(folder: Path) -> bool:
    """Whether a folder holds a finished run (params.json is written last)."""
    return params_path(folder).is_file()


def params_path(folder: Path) -> Path:
    """Where a run's params.json is."""
    return Path(folder) / PARAMS


def table_path(folder: Path, name: str) -> Path:
    """Where a run keeps one table or scorecard."""
    return Path(folder) / f"{name}.parquet"


def cache_root() -> Path:
    """Where cached runs live: $SUPPORT_QUALITY_CACHE, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "support-quality" / "runs"


def cached_run_dir(data_sha256: str, settings: settings_lib.Settings) -> Path:
    """The cache folder for one file content, settings and version of this package's code."""
    key = json.dumps(
        {"data": data_sha256, "settings": settings.as_json(), "code": code_fingerprint()},
        sort_keys=True,
    )
    return cache_root() / hashlib.sha256(key.encode()).hexdigest()[:24]


def code_fingerprint() -> str:
    """A hash of this package's source and label files: a cached run is stale once they change."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    from analysis import paths  # the training labels change what the rubric labeller says

    for path in sorted(Path(paths.LABELS_DIR).glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
