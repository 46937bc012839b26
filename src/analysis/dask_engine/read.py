"""A data file read on a Dask cluster, as pipeline.run reads it up to threading: in blocks that
each start at a record, parsed by the project's own readers, then cleaned and threaded as one file.

A CSV (twcs, messages-csv) is cut into byte ranges that start after a newline outside quotes
(RFC 4180: a position is inside quotes when an odd number of `"` precede it). Each range is
parsed on a worker by io.load on a small file of the header and its bytes, then its row numbers
are shifted by the records of the ranges before it, so rows, sources and rows_read are the
file's. What the readers decide over the whole file (twcs response lists, duplicates, role
conflicts) is decided here over the whole file too; files where cutting is not safe are read
whole, in one task.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from distributed import Client, get_client

from analysis import agents, clean, io, paths, pipeline, schema
from analysis.dask_engine import threading
from analysis.io import messages_json
from analysis.io.common import (
    LoadResult,
    file_encoding,
    find_columns,
    header_names,
    normalise_ids,
    rejected_frame,
)

BLOCK_BYTES = 64 * 2**20
# The formats whose files are cut into blocks; the others (JSON, ticket exports) are read whole.
BLOCKED_FORMATS = ("twcs",)
# How far past a block's nominal start its first record start is looked for, per read.
_SCAN_BYTES = 1 << 16
# The reasons read_csv_as_strings gives a record it could not parse: a block showing one may have
# been cut inside a field (a quote used as text upsets the parity), so the file is read whole.
_MALFORMED = re.compile(r"unclosed quote in column |expected \d+ columns, found \d+")
# A row's place in the file's order of response-list entries: row * _LIST_SLOTS + list position.
_LIST_SLOTS = 1 << 20
# Settings under which the engine's frames keep the pandas engine's dtypes: dask would turn
# object columns into pyarrow strings, and the p2p shuffle round-trips frames through arrow.
DASK_CONFIG = {"dataframe.convert-string": False, "dataframe.shuffle.method": "tasks"}


@dataclass
class DistributedLoad:
    """A file loaded and threaded on a Dask cluster: what pipeline.run has just after threading."""

    messages: dd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    format: str
    notes: list[str]
    tickets: pd.DataFrame | None
    file_brands: pd.DataFrame
    observed_until: pd.Timestamp


@dataclass
class _Block:
    """One block as its reader saw it, rows numbered from 1 within the block."""

    messages: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    notes: list[str]
    listings: pd.DataFrame | None = None  # twcs: (parent, child, order) of its response lists
    malformed: bool = False
    tickets: pd.DataFrame | None = field(default=None, repr=False)


def load_threaded(
    path: str | os.PathLike | None,
    data_format: str = "auto",
    mapping: dict[str, str] | None = None,
    timezone: str = "UTC",
    dayfirst: bool | None = None,
    blocksize: int = BLOCK_BYTES,
) -> DistributedLoad:
    """Load and thread a support data file on the current Dask cluster (inside `with Client()`),
    giving the messages, rejected rows and counts that pipeline.run has after threading."""
    client = get_client()
    source = paths.resolve_data_path(path)
    if not source.is_file():
        # io.load says what is wrong (no such file, a folder) in the pandas engine's words.
        io.load(source, format=data_format, mapping=mapping, timezone=timezone, dayfirst=dayfirst)
    data_format = _file_format(source, data_format, mapping)
    reader = {"data_format": data_format, "mapping": mapping, "timezone": timezone}
    reader["dayfirst"] = dayfirst
    with dask.config.set(DASK_CONFIG):
        blocks = None
        if data_format in BLOCKED_FORMATS and file_encoding(source) == "utf-8":
            ranges = _record_ranges(client, source, blocksize)
            if ranges is not None and len(ranges) > 1:
                blocks = _read_blocks(client, source, ranges, reader)
        if blocks is None:
            blocks = [client.submit(_read_whole, source, reader, pure=False)]
        return _load(client, source, data_format, blocks)


def _file_format(source: Path, data_format: str, mapping: dict[str, str] | None) -> str:
    """The format io.load reads the file as."""
    if data_format != "auto":
        return data_format
    if mapping and source.suffix.lower() not in messages_json.SUFFIXES:
        return "messages-csv"
    return io.detect_format(source)


def _record_ranges(client: Client, source: Path, blocksize: int) -> list[tuple[int, int]] | None:
    """Byte ranges of the file's records, after the header, each starting at a record; None when
    the file's quotes do not pair up (an unclosed quote: read whole, by the careful path)."""
    size = source.stat().st_size
    nominal = list(range(0, size, blocksize))
    quotes = client.gather(
        [client.submit(_quote_count, source, start, start + blocksize) for start in nominal]
    )
    if sum(quotes) % 2:
        return None
    parity = np.concatenate([[0], np.cumsum(quotes)[:-1]]) % 2
    starts = client.gather(
        [
            client.submit(_record_start, source, start, int(odd), start + blocksize)
            for start, odd in zip(nominal, parity, strict=True)
        ]
    )
    header_end = starts[0]
    if header_end is None:
        return None
    cuts = sorted({s for s in starts[1:] if s is not None and header_end < s < size})
    bounds = [header_end, *cuts, size]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _quote_count(source: Path, start: int, stop: int) -> int:
    """How many `"` bytes the file holds from start to stop."""
    with open(source, "rb") as handle:
        handle.seek(start)
        return handle.read(stop - start).count(b'"')


def _record_start(source: Path, start: int, odd: bool, stop: int) -> int | None:
    """Where the first record after `start` begins: after the first newline outside quotes, given
    whether the quotes before `start` leave it inside a field; None when none begins before stop."""
    with open(source, "rb") as handle:
        handle.seek(start)
        position = start
        while position < stop:
            chunk = handle.read(min(_SCAN_BYTES, stop - position))
            if not chunk:
                return None
            # Quote parity before each newline: the quotes before the chunk, then within it.
            data = np.frombuffer(chunk, np.uint8)
            inside = (np.cumsum(data == 34) + odd) % 2
            outside = np.flatnonzero((data == 10) & (inside == 0))
            if len(outside):
                return position + int(outside[0]) + 1
            odd = bool(inside[-1])
            position += len(chunk)
    return None


def _read_blocks(
    client: Client, source: Path, ranges: list[tuple[int, int]], reader: dict
) -> list | None:
    """Futures of the blocks, their rows numbered as the file's; None when a block shows a broken
    record (the file is then read whole, so each broken record is rejected as the readers do)."""
    parsed = [
        client.submit(_read_block, source, start, stop, reader, pure=False)
        for start, stop in ranges
    ]
    facts = client.gather([client.submit(_block_facts, block) for block in parsed])
    if any(malformed for _, malformed in facts):
        return None
    offsets = np.concatenate([[0], np.cumsum([rows for rows, _ in facts])[:-1]])
    return [
        client.submit(_renumbered, block, int(offset), source.name)
        for block, offset in zip(parsed, offsets, strict=True)
    ]


def _block_facts(block: _Block) -> tuple[int, bool]:
    return block.rows_read, block.malformed


def _read_block(source: Path, start: int, stop: int, reader: dict) -> _Block:
    """A block parsed by io.load from a temporary file of the header and the block's bytes, named
    as the file is (readers write the file's name into sources and brands)."""
    folder = tempfile.mkdtemp(prefix="analysis-block-")
    try:
        block_file = Path(folder) / source.name
        with open(source, "rb") as handle, open(block_file, "wb") as out:
            header = handle.read(_header_size(source))
            handle.seek(start)
            out.write(header + handle.read(stop - start))
        try:
            loaded = _load_file(block_file, reader)
        except io.InputError:
            # A block the reader refuses (only empty lines, say): the whole file is read instead,
            # and says what is wrong with it, if anything.
            return _Block(pd.DataFrame(), pd.DataFrame(), 0, [], malformed=True)
        block = _Block(loaded.messages, loaded.rejected, loaded.rows_read, loaded.notes)
        block.malformed = bool(loaded.rejected["reason"].str.match(_MALFORMED).any())
        if reader["data_format"] == "twcs" and not block.malformed:
            block.listings, linked = _response_listings(block_file, loaded)
            if linked is None:
                block.malformed = True
            else:
                block.messages["_unlinked"] = ~linked
        return block
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _header_size(source: Path) -> int:
    """The header's bytes, its line end included."""
    end = _record_start(source, 0, False, source.stat().st_size)
    return source.stat().st_size if end is None else end


def _load_file(source: Path, reader: dict) -> LoadResult:
    return io.load(
        source,
        format=reader["data_format"],
        mapping=reader["mapping"],
        timezone=reader["timezone"],
        dayfirst=reader["dayfirst"],
    )


def _read_whole(source: Path, reader: dict) -> _Block:
    """The whole file read by io.load in one task: one partition."""
    loaded = _load_file(source, reader)
    block = _Block(loaded.messages, loaded.rejected, loaded.rows_read, loaded.notes)
    block.tickets = loaded.tickets
    return block


def _response_listings(
    block_file: Path, loaded: LoadResult
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """What twcs's response lists say across blocks: the (parent, child, order) entries of the
    block's messages, and which messages have their own in_response_to link (None when the
    block's records cannot be matched to its rows, which io.load then read a careful way).

    twcs.read fills a missing parent from the first response list in the file naming the
    message; a block's reader saw only its own lists, so the fill is redone over the whole file
    (`_fill_listed_parents`) from these entries."""
    names = header_names(block_file)
    found = find_columns(block_file, names, ["in_response_to_tweet_id", "response_tweet_id"])
    empty = pd.DataFrame(
        {"parent": pd.Series(dtype=object), "child": pd.Series(dtype=object), "order": 0}
    )
    messages = loaded.messages
    if not found:
        return empty.iloc[:0], np.zeros(len(messages), dtype=bool)
    try:
        table = pacsv.read_csv(
            block_file,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(found.values()),
                column_types={name: pa.string() for name in found.values()},
            ),
        )
    except (pa.ArrowInvalid, KeyError):  # a header pyarrow names otherwise (spaces around names)
        return empty.iloc[:0], None
    if len(table) != loaded.rows_read:
        return empty.iloc[:0], None
    rows = messages["_row"].to_numpy() - 1
    if "in_response_to_tweet_id" in found:
        link = table.column(found["in_response_to_tweet_id"]).to_pandas()
        linked = normalise_ids(link.iloc[rows])[0].notna().to_numpy()
    else:
        linked = np.zeros(len(messages), dtype=bool)
    if "response_tweet_id" not in found:
        return empty.iloc[:0], linked
    lists = pc.split_pattern(table.column(found["response_tweet_id"]).take(rows), ",")
    owner = pc.list_parent_indices(lists).to_numpy()
    flat = pd.Series(pc.list_flatten(lists), dtype="string")
    # The entry's place in the file's order: its row, then its place in the row's list.
    first_of_owner = np.searchsorted(owner, owner)
    listings = pd.DataFrame(
        {
            "parent": messages["message_id"].to_numpy(dtype=object)[owner],
            "child": normalise_ids(flat)[0].to_numpy(dtype=object),
            "order": messages["_row"].to_numpy()[owner] * _LIST_SLOTS
            + (np.arange(len(owner)) - first_of_owner),
        }
    ).dropna()
    return listings.loc[listings["child"] != listings["parent"]].reset_index(drop=True), linked


def _renumbered(block: _Block, offset: int, file_name: str) -> _Block:
    """The block with its rows numbered as the file's: shifted by the records before it."""
    if offset == 0:
        return block
    messages = block.messages.copy()
    messages["_row"] = messages["_row"] + offset
    messages["source"] = file_name + ":row " + messages["_row"].astype(str)
    rejected = block.rejected.copy()
    rejected["row"] = rejected["row"] + offset
    rejected["source"] = file_name + ":row " + rejected["row"].astype(str)
    listings = block.listings
    if listings is not None:
        listings = listings.assign(order=listings["order"] + offset * _LIST_SLOTS)
    return _Block(messages, rejected, block.rows_read, block.notes, listings, block.malformed)


def _load(client: Client, source: Path, data_format: str, blocks: list) -> DistributedLoad:
    """The blocks cleaned, role-checked and threaded as one file."""
    summaries = client.gather([client.submit(_block_summary, block) for block in blocks])
    rows_read = sum(rows for rows, _, _ in summaries)
    notes = _summed_notes([block_notes for _, block_notes, _ in summaries])
    tickets = summaries[0][2]
    if tickets is not None:
        tickets = schema.TICKETS.validate(tickets)
    rejected_parts = client.gather([client.submit(_block_rejected, block) for block in blocks])

    messages = dd.from_delayed(
        [dask.delayed(_block_messages)(block) for block in blocks],
        meta=client.submit(_block_meta, blocks[0]).result(),
        verify_meta=False,
    )
    if "_unlinked" in messages.columns:
        listings = dd.from_delayed(
            [dask.delayed(_block_listings)(block) for block in blocks],
            meta=client.submit(_block_listing_meta, blocks[0]).result(),
            verify_meta=False,
        )
        messages = _fill_listed_parents(messages, listings)
    messages = messages.map_partitions(_cleaned_text, meta=messages._meta)
    messages, duplicate_rows = _split_duplicates(messages.persist())
    role_column = "inbound" if data_format == "twcs" else "role"
    messages, conflicted_rows = _role_conflicts(messages.persist(), role_column)
    messages = messages.persist()

    # Rebuilt from the blocks' records, so its dtypes are those of the reader's one frame (a
    # block whose rejected rows name no column would make that column object, not str).
    read_rejected = pd.concat(rejected_parts, ignore_index=True)
    read_rejected = read_rejected[["row", "column", "value", "reason"]].to_dict("records")
    rejected = pipeline.rejected_rows(
        source, rejected_frame(source, read_rejected), duplicate_rows, conflicted_rows
    )
    notes.extend(pipeline.role_conflict_notes(conflicted_rows))
    # Threading is told the brands the messages have before it (as build_conversations sees
    # them); what later stages are told is the threaded messages' (as pipeline.run's are).
    threaded = threading.build_conversations(messages, threading.file_agent_brands(messages))
    threaded = threaded.persist()
    return DistributedLoad(
        messages=threaded,
        rejected=rejected,
        rows_read=rows_read,
        format=data_format,
        notes=notes,
        tickets=tickets,
        file_brands=threading.file_agent_brands(threaded),
        observed_until=threaded["created_at"].max().compute(),
    )


def _block_summary(block: _Block) -> tuple[int, list[str], pd.DataFrame | None]:
    return block.rows_read, block.notes, block.tickets


def _block_rejected(block: _Block) -> pd.DataFrame:
    return block.rejected


def _block_messages(block: _Block) -> pd.DataFrame:
    return block.messages


def _block_meta(block: _Block) -> pd.DataFrame:
    return block.messages.iloc[:0]


def _block_listings(block: _Block) -> pd.DataFrame:
    return block.listings


def _block_listing_meta(block: _Block) -> pd.DataFrame:
    return block.listings.iloc[:0]


# A number in a load note: what a block's note counts, summed over the blocks.
_COUNT = re.compile(r"(?<![\w.:/-])\d+(?![\w.:/-])")


def _summed_notes(per_block: list[list[str]]) -> list[str]:
    """The file's notes from its blocks': a note saying the same but for its counts is said once,
    with the counts summed (`3 customer tweet(s) ...` and `2 ...` are `5 ...`)."""
    if len(per_block) == 1:
        return list(per_block[0])
    summed: dict[str, list[int]] = {}
    for notes in per_block:
        for note in notes:
            counts = [int(number) for number in _COUNT.findall(note)]
            template = _COUNT.sub("{}", note.replace("{", "{{").replace("}", "}}"))
            if template in summed:
                summed[template] = [a + b for a, b in zip(summed[template], counts, strict=True)]
            else:
                summed[template] = counts
    return [template.format(*counts) for template, counts in summed.items()]


def _fill_listed_parents(messages: dd.DataFrame, listings: dd.DataFrame) -> dd.DataFrame:
    """Each message without an in_response_to link takes its parent from the first response list
    in the file naming it (twcs.read's rule, over the whole file instead of one block)."""
    # Keyed as the listings are: a str key against an object key is a mismatch to Dask.
    unlinked = messages.loc[messages["_unlinked"], ["message_id"]]
    unlinked = unlinked.astype({"message_id": listings["child"].dtype})
    named = listings.merge(unlinked, left_on="child", right_on="message_id", how="inner")
    named = named[["parent", "child", "order"]].compute()
    first = named.sort_values("order", kind="stable").drop_duplicates("child")
    parent_of = dict(zip(first["child"], first["parent"], strict=True))
    return messages.map_partitions(
        _listed_parents, parent_of, meta=messages._meta.drop(columns="_unlinked")
    )


def _listed_parents(messages: pd.DataFrame, parent_of: dict) -> pd.DataFrame:
    unlinked = messages["_unlinked"].to_numpy()
    parents = messages["parent_id"].to_numpy(dtype=object).copy()
    parents[unlinked] = [parent_of.get(i) for i in messages["message_id"].to_numpy()[unlinked]]
    return messages.drop(columns="_unlinked").assign(parent_id=parents)


def _cleaned_text(messages: pd.DataFrame) -> pd.DataFrame:
    """clean.clean_messages's text step, per partition (it is per message)."""
    return messages.assign(text=clean.clean_text(messages["text"]))


def _split_duplicates(messages: dd.DataFrame) -> tuple[dd.DataFrame, list[dict]]:
    """clean.split_duplicates over the whole file: the rows of repeated ids are few, so they are
    brought together and split by clean's own rule, and the repeats dropped everywhere."""
    counts = messages["message_id"].value_counts(split_out=messages.npartitions)
    repeated = counts[counts > 1].index.compute()
    if len(repeated) == 0:
        return messages, []
    rows = messages.loc[messages["message_id"].isin(list(repeated))].compute()
    kept, rejected = clean.split_duplicates(rows.sort_values("_row", kind="stable"))
    return _without_rows(messages, rows, kept), rejected


def _role_conflicts(messages: dd.DataFrame, role_column: str) -> tuple[dd.DataFrame, list[dict]]:
    """agents.role_conflicts over the whole file: authors are counted with a Dask group-by, and
    the rows of the few who write as customers more than as a brand are checked by its rule."""
    roles = messages[["author_id"]].assign(
        agent=messages["role"] == "agent", customer=messages["role"] == "customer"
    )
    roles = roles.loc[
        roles["author_id"].notnull() & (roles["author_id"] != io.common.UNKNOWN_AUTHOR)
    ]
    counts = roles.groupby("author_id").sum(split_out=messages.npartitions)
    suspect = (counts["agent"] > 0) & (counts["customer"] > counts["agent"])
    suspects = counts.loc[suspect].index.compute()
    if len(suspects) == 0:
        return messages, []
    rows = messages.loc[messages["author_id"].isin(list(suspects))].compute()
    kept, rejected = agents.role_conflicts(rows.sort_values("_row", kind="stable"), role_column)
    return _without_rows(messages, rows, kept), rejected


def _without_rows(messages: dd.DataFrame, rows: pd.DataFrame, kept: pd.DataFrame) -> dd.DataFrame:
    """The messages without those of `rows` that are not in `kept` (by file row)."""
    dropped = sorted(set(rows["_row"]) - set(kept["_row"]))
    return messages.loc[~messages["_row"].isin(dropped)]
