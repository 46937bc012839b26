"""analyze.run on a Dask cluster: the same stages and the same run folder, for data larger than
one machine's memory.

The file is read and threaded on the workers into partitions of whole conversations; every
per-conversation stage runs on each partition (`stages.analyse_partition`), templates are
clustered per brand over the whole file (`stages.templates_by_brand`), the four large tables are
written by the workers, and the scorecards (analyze.aggregate) are computed on the client from
the labelled tables without their texts.
"""

from __future__ import annotations

import operator
import os
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
from distributed import Client, wait

from analysis import analyze, effects, groups, paths, pipeline, store
from analysis.dask_engine import cluster, read, run_folder, specificity, stages
from analysis.io import InputError
from analysis.progress import Steps
from analysis.settings import Settings

# What the client collects for the scorecards: everything but the texts (docs/dask.md).
_MESSAGE_COLUMNS = [
    "message_id",
    "conversation_id",
    "role",
    "brand",
    "created_at",
    "parent_missing",
    "cycle_broken",
    "reply_before_parent",
    *groups.CONVERSATION_FIELDS,
]
_EXCHANGE_TEXTS = ["text", "reply_text"]
_REPLY_TEXTS = ["text", "complaint_text"]


def run(
    data_path: str | os.PathLike | None,
    settings: Settings | None,
    out_dir: str | os.PathLike,
    scheduler: str | None = None,
    n_workers: int | None = None,
    memory_limit: str | None = None,
    blocksize: int = read.BLOCK_BYTES,
    progress: bool = False,
    step_seconds: dict[str, float] | None = None,
) -> store.Run:
    """Every analysis of a data file (the demo data when None) on the Dask cluster at
    `scheduler`, else on a local one, written to the run folder `out_dir`; each step's wall
    seconds go into `step_seconds` when given (for `analysis bench --engine dask`)."""
    settings = settings or Settings()
    source = paths.resolve_data_path(data_path)
    if not source.is_file():
        raise InputError(f"{source}: no such data file")
    out_dir = Path(out_dir)
    steps = Steps("analysis (dask)", total=6, shown=progress)
    with (
        cluster.connect(scheduler, n_workers, memory_limit) as client,
        dask.config.set(read.DASK_CONFIG),
    ):
        with steps.step("reading and threading"):
            load = read.load_threaded(
                source,
                settings.data_format,
                mapping=settings.data_mapping,
                timezone=settings.input_timezone,
                dayfirst=settings.day_first,
                blocksize=blocksize,
            )
        with steps.step("stages per partition"):
            tables = _partition_tables(client, load, settings)
        with steps.step("templates per brand"):
            keys = dd.from_delayed(
                [
                    dask.delayed(stages.template_keys)(replies, messages)
                    for replies, messages in zip(
                        tables["replies"].to_delayed(),
                        tables["messages"].to_delayed(),
                        strict=True,
                    )
                ],
                meta=stages.TEMPLATE_KEYS_META,
                verify_meta=False,
            )
            templates = stages.templates_by_brand(keys, settings.template_similarity)
            tables["replies"] = stages.with_brand_templates(
                tables["replies"], templates, settings.min_template_size
            ).persist()
            # persist returns at once: wait, so the step's time is the clustering's.
            wait(tables["replies"])
        with steps.step("writing tables"):
            run_folder.start(out_dir)
            for name in stages.PARTITION_TABLES:
                run_folder.write_partitioned(tables[name], out_dir, name)
        with steps.step("scorecards"):
            result = _scorecards(load, tables, settings, source)
        with steps.step("writing scorecards"):
            written = run_folder.finish(
                result, out_dir, list(stages.PARTITION_TABLES), store.file_sha256(source)
            )
    steps.close()
    if step_seconds is not None:
        step_seconds.update(steps.seconds)
    return written


def _partition_tables(
    client: Client, load: read.DistributedLoad, settings: Settings
) -> dict[str, dd.DataFrame]:
    """The four tables of stages.analyse_partition over every non-empty partition, persisted."""
    whole = stages.WholeFile(
        brands=stages.file_brands_as_written(load.file_brands),
        observed_until=load.observed_until,
        tickets=load.tickets,
    )
    lengths = load.messages.map_partitions(len).compute()
    pieces = [piece for piece, n in zip(load.messages.to_delayed(), lengths, strict=True) if n]
    shared = dask.delayed(whole, pure=True)
    parts = client.persist(
        [dask.delayed(stages.analyse_partition)(piece, shared, settings) for piece in pieces]
    )
    empty = client.compute(dask.delayed(_empty_tables)(parts[0])).result()
    pieces = {
        name: [dask.delayed(operator.getitem)(part, name) for part in parts]
        for name in stages.PARTITION_TABLES
    }
    # Specificity weighs stems by the whole file's IDF, summed from each partition's counts.
    counted = [
        dask.delayed(specificity.document_frequencies)(replies, messages)
        for replies, messages in zip(pieces["replies"], pieces["messages"], strict=True)
    ]
    frequencies = client.scatter(specificity.summed(dask.compute(*counted)), broadcast=True)
    pieces["replies"] = client.persist(
        [
            dask.delayed(specificity.with_file_idf)(replies, messages, frequencies)
            for replies, messages in zip(pieces["replies"], pieces["messages"], strict=True)
        ]
    )
    return {
        name: dd.from_delayed(pieces[name], meta=empty[name], verify_meta=False)
        for name in stages.PARTITION_TABLES
    }


def _empty_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: table.iloc[:0] for name, table in tables.items()}


def _scorecards(
    load: read.DistributedLoad, tables: dict[str, dd.DataFrame], settings: Settings, source: Path
) -> analyze.Analysis:
    """Every scorecard (analyze.aggregate, effects.evidence_from_exchanges) and the load summary,
    from the labelled tables collected without their texts, in file order."""
    messages, exchanges, replies, next_replies = dask.compute(
        tables["messages"][[*_MESSAGE_COLUMNS, "source"]],
        tables["exchanges"].drop(columns=_EXCHANGE_TEXTS),
        tables["replies"]
        .drop(columns=_REPLY_TEXTS)
        .map_partitions(
            _template_wording_only, meta=tables["replies"]._meta.drop(columns=_REPLY_TEXTS)
        ),
        tables["next_replies"],
    )
    row_of = pd.Series(stages.file_row(messages.pop("source")).to_numpy(), messages["message_id"])
    messages = _sorted_by_row(messages, row_of, "message_id")
    exchanges = _sorted_by_row(exchanges, row_of, "message_id")
    replies = _sorted_by_row(replies, row_of, "message_id")
    next_replies = _sorted_by_row(next_replies, row_of, "message_id")
    collected = pipeline.Tables(
        messages=messages,
        exchanges=exchanges,
        rejected=load.rejected,
        summary={},
        path=source,
        format=load.format,
        tickets=load.tickets,
        notes=load.notes,
    )
    collected.summary = pipeline.summarise(collected, rows_read=load.rows_read)
    exchanges, _, _, scorecards, compare_by = analyze.aggregate(
        collected, settings, exchanges, replies, next_replies
    )
    scorecards["lesson_effects"] = effects.evidence_from_exchanges(exchanges)
    # The partitioned tables are on the workers' disk already: write_run writes the rest.
    collected.messages = None
    return analyze.Analysis(
        tables=collected,
        settings=settings,
        exchanges=None,
        replies=None,
        next_replies=None,
        scorecards=scorecards,
        compare_by=compare_by,
    )


def _sorted_by_row(table: pd.DataFrame, row_of: pd.Series, key: str) -> pd.DataFrame:
    """A collected table in file order of its messages (the pandas engine's order), stably."""
    rows = table[key].astype(str).map(row_of).to_numpy(dtype=float)
    return table.iloc[pd.Series(rows).sort_values(kind="stable").index].reset_index(drop=True)


def _template_wording_only(replies: pd.DataFrame) -> pd.DataFrame:
    """Replies keeping their masked text only where top_templates reads it (templates' wording)."""
    shown = replies["template_size"] >= 2
    return replies.assign(masked_text=replies["masked_text"].where(shown, None))
