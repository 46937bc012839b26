"""The one chain of stages that the CLI and every notebook share: load, clean, thread, check."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import agents, clean, groups, io, paths, prepare, schema, threads
from analysis.io.common import rejected_frame
from analysis.progress import Steps
from analysis.schema import REJECTED_COLUMNS


@dataclass
class Tables:
    """Everything a run produces, as tables, plus the load summary."""

    messages: pd.DataFrame
    exchanges: pd.DataFrame
    rejected: pd.DataFrame
    summary: dict
    path: Path
    format: str
    tickets: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def run(
    path: str | os.PathLike | None = None,
    data_format: str = "auto",
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    progress: bool = False,
    dayfirst: bool | None = None,
) -> Tables:
    """Load a support data file (the demo data when path is None) into checked canonical tables."""
    source = paths.resolve_data_path(path)
    if source.exists() and not source.is_dir() and not source.is_file():
        # A pipe or a device (`/dev/stdin`): the readers look at a file more than once.
        raise io.InputError(
            f"{source}: not a regular file (a pipe or a device); save the data to a file "
            "and pass its path"
        )
    steps = Steps(source.name, total=4, shown=progress)
    threaded = load_threaded(source, data_format, mapping, timezone, dayfirst, steps)
    messages, tickets, rejected = threaded.messages, threaded.tickets, threaded.rejected
    read_format, rows_read, notes = threaded.format, threaded.rows_read, threaded.notes
    # The threaded frame goes as soon as the text stage replaces it, not at the end of the run.
    del threaded
    with steps.step("text stage and exchanges"):
        # A helpdesk names a ticket's team, priority, ... once: every message of it carries them.
        messages = groups.conversation_fields(messages)
        messages = agents.name_signed_agents(prepare.prepare_messages(messages))
        messages = schema.MESSAGES.validate(messages)
        exchanges = threads.build_exchanges(messages)
        if tickets is not None:
            tickets = schema.TICKETS.validate(tickets)
            exchanges = threads.exchanges_from_tickets(exchanges, tickets)
        exchanges = schema.EXCHANGES.validate(exchanges)
    tables = Tables(
        messages=messages,
        exchanges=exchanges,
        rejected=rejected,
        summary={},
        path=source,
        format=read_format,
        tickets=tickets,
        notes=notes,
    )
    with steps.step("checking"):
        tables.summary = summarise(tables, rows_read=rows_read)
    steps.close()
    return tables


@dataclass
class Threaded:
    """The messages threaded into conversations, before the text stage, with what was rejected."""

    messages: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    format: str
    notes: list[str]
    tickets: pd.DataFrame | None


def load_threaded(
    source: Path,
    data_format: str = "auto",
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    steps: Steps | None = None,
) -> Threaded:
    """Read, clean, reject role conflicts and thread: `run`'s first steps (the Dask engine's
    `dask_engine.read` gives the same, from blocks of the file)."""
    steps = steps or Steps(source.name, total=3, shown=False)
    with steps.step("reading"):
        loaded = io.load(
            source, format=data_format, mapping=mapping, timezone=timezone, dayfirst=dayfirst
        )
    with steps.step("cleaning and threading"):
        messages, duplicate_rows = clean.clean_messages(loaded.messages)
        role_column = "inbound" if loaded.format == "twcs" else "role"
        messages, conflicted_rows = agents.role_conflicts(messages, role_column=role_column)
        messages = threads.build_conversations(messages).drop(columns="_row")
    return Threaded(
        messages=messages,
        rejected=rejected_rows(source, loaded.rejected, duplicate_rows, conflicted_rows),
        rows_read=loaded.rows_read,
        format=loaded.format,
        notes=loaded.notes + role_conflict_notes(conflicted_rows),
        tickets=loaded.tickets,
    )


def rejected_rows(
    source: Path, read: pd.DataFrame, duplicate_rows: list[dict], conflicted_rows: list[dict]
) -> pd.DataFrame:
    """Every rejected row of a file, in its order: the reader's, duplicates, role conflicts."""
    return pd.concat(
        [read, rejected_frame(source, duplicate_rows), rejected_frame(source, conflicted_rows)],
        ignore_index=True,
    ).sort_values(["row", "reason"], kind="stable", ignore_index=True)[REJECTED_COLUMNS]


def role_conflict_notes(conflicted_rows: list[dict]) -> list[str]:
    """The load note for rows rejected as role conflicts (none when there are none)."""
    if not conflicted_rows:
        return []
    return [
        f"{len(conflicted_rows)} message(s) marked as a brand's by authors who write as "
        "customers elsewhere: rejected as role conflicts"
    ]


def summarise(tables: Tables, rows_read: int) -> dict:
    """The load summary: counts that reconcile (rows_read == messages + rejected) and the headline."""
    exchanges = tables.exchanges
    latency = exchanges["first_response_seconds"].dropna()
    summary = {
        "file": str(tables.path),
        "format": tables.format,
        "rows_read": int(rows_read),
        "messages": len(tables.messages),
        "rejected": len(tables.rejected),
        "conversations": int(tables.messages["conversation_id"].nunique()),
        # Exchanges are per customer message and brand: count messages, answered by any brand.
        "customer_messages": int(exchanges["message_id"].nunique()),
        "agent_messages": int((tables.messages["role"] == "agent").sum()),
        "answered": int(exchanges.loc[exchanges["answered"], "message_id"].nunique()),
        "unanswered": int(
            exchanges["message_id"].nunique()
            - exchanges.loc[exchanges["answered"], "message_id"].nunique()
        ),
        "median_first_response_seconds": float(latency.median()) if len(latency) else None,
        "brands": int(tables.messages["brand"].nunique()),
        "parent_missing": int(tables.messages["parent_missing"].sum()),
        "cycles_broken": int(tables.messages["cycle_broken"].sum()),
        "replies_before_parent": int(tables.messages["reply_before_parent"].sum()),
        "latency_excluded": int(exchanges["latency_excluded_reason"].notna().sum()),
        "first_message_at": _iso(tables.messages["created_at"].min()),
        "last_message_at": _iso(tables.messages["created_at"].max()),
        "notes": list(tables.notes),
    }
    if tables.tickets is not None:
        summary["tickets"] = len(tables.tickets)
    if summary["rows_read"] != summary["messages"] + summary["rejected"]:
        raise AssertionError(  # a bug in a reader, never a user error: fail loudly
            f"counts do not reconcile: {summary['rows_read']} rows read, "
            f"{summary['messages']} kept, {summary['rejected']} rejected"
        )
    return summary


def _iso(value: pd.Timestamp) -> str | None:
    return None if pd.isna(value) else value.isoformat()


def write_tables(tables: Tables, out_dir: Path) -> dict[str, Path]:
    """Write the loaded tables (parquet), rejected rows (CSV) and the load summary (JSON): what
    `analysis load` gives, for checking a file before analysing it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"messages": tables.messages, "exchanges": tables.exchanges, "tickets": tables.tickets}
    written = {}
    for name, frame in frames.items():
        if frame is not None:
            written[name] = out_dir / f"{name}.parquet"
            schema.validate(name, frame).to_parquet(written[name], index=False)
    written["rejected"] = out_dir / "rejected.csv"
    tables.rejected.to_csv(written["rejected"], index=False)
    written["load_summary"] = out_dir / "load_summary.json"
    written["load_summary"].write_text(json.dumps(tables.summary, indent=2) + "\n")
    return written
