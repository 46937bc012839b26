"""A stand-in for read.load_threaded while it is being written: the file read and threaded by
the pandas engine (pipeline.run), then spread over the cluster in partitions of whole
conversations. It reads no more than one machine holds; read.load_threaded reads in blocks."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dask.dataframe as dd
import pandas as pd

from analysis import pipeline, schema, threads


@dataclass
class DistributedLoad:
    """A file loaded and threaded: what pipeline.run has just after threading (read.py's type)."""

    messages: dd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    format: str
    notes: list[str]
    tickets: pd.DataFrame | None
    file_brands: pd.DataFrame
    observed_until: pd.Timestamp


def load_threaded(
    path: str | os.PathLike | None,
    data_format: str = "auto",
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    blocksize: int = 64 * 2**20,
) -> DistributedLoad:
    """The file loaded and threaded by pipeline.run, in partitions of about `blocksize` bytes of
    text, shuffled so that each conversation is in one partition."""
    tables = pipeline.run(path, data_format, mapping, timezone, dayfirst=dayfirst)
    messages = tables.messages.drop(columns=list(schema.PREPARED_COLUMNS))
    text_bytes = int(messages["text"].astype(str).str.len().sum()) + 1
    partitions = max(1, -(-text_bytes // blocksize))
    spread = dd.from_pandas(messages, npartitions=partitions, sort=False)
    return DistributedLoad(
        messages=spread.shuffle(on="conversation_id", npartitions=partitions),
        rejected=tables.rejected,
        rows_read=tables.summary["rows_read"],
        format=tables.format,
        notes=tables.notes,
        tickets=tables.tickets,
        file_brands=threads.agent_brands(tables.messages),
        observed_until=tables.messages["created_at"].max(),
    )
