"""The pandas engine's stages on a Dask cluster: each partition holds whole conversations, so
every per-conversation stage runs on it as it is; what a stage reads of the whole file (its agent
brands, its last time, a brand's templates) is computed over the whole file once and given to it.

`analyse_partition` is pipeline.run after threading and analyze.run_all's labelling stages, on
one partition; `templates_by_brand` is the group-by-brand step that clusters each brand's replies
across all its conversations. docs/dask.md lists what each stage needs of the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask.dataframe as dd
import numpy as np
import pandas as pd

from analysis import (
    agents,
    groups,
    latency,
    outcomes,
    personalisation,
    prepare,
    rubric,
    schema,
    threads,
    tone,
)
from analysis.settings import Settings

# The tables each partition gives, in analyze.write_run's names.
PARTITION_TABLES = ("messages", "exchanges", "replies", "next_replies")
# The template columns the group-by-brand step gives each reply (cluster_templates').
TEMPLATE_COLUMNS = ["template_id", "template_size", "template_distance"]
# A message's place in the file: its input row, read off `source` ("file:row N").
FILE_ROW = "_file_row"
# The frame template_keys gives, for Dask to know before any partition is computed.
TEMPLATE_KEYS_META = pd.DataFrame(
    {
        "message_id": pd.Series(dtype=str),
        "brand_key": pd.Series(dtype=object),
        "key": pd.Series(dtype=object),
        FILE_ROW: pd.Series(dtype="float64"),
    }
)


@dataclass(frozen=True)
class WholeFile:
    """What a partition's stages read of the whole file rather than of its own conversations."""

    brands: pd.Series  # every agent message's brand, in file order (build_exchanges' `brands`)
    observed_until: pd.Timestamp  # the last message time (exchanges' and next replies' censoring)
    tickets: pd.DataFrame | None  # a ticket export's tickets (their first-response times)


def file_brands_as_written(file_brands: pd.DataFrame) -> pd.Series:
    """The brands agent messages have after threading, in file order, from threads.agent_brands
    of the whole file: each (author, brand) pair's own brand, as conversation_brand gives it."""
    agents_only = file_brands.assign(
        role="agent",
        message_id=np.arange(len(file_brands)).astype(str),
        conversation_id=np.arange(len(file_brands)).astype(str),
        created_at=pd.NaT,
        text="",
    )
    return threads.conversation_brand(agents_only, file_brands)


def file_row(source: pd.Series) -> pd.Series:
    """Each message's input row (`source` is "file:row N"), for putting rows back in file order."""
    row = source.astype("string").str.extract(r"(\d+)$", expand=False)
    return pd.to_numeric(row, errors="coerce")


def analyse_partition(
    threaded: pd.DataFrame, whole: WholeFile, settings: Settings
) -> dict[str, pd.DataFrame]:
    """The messages, exchanges, replies and next replies of whole conversations, as the pandas
    engine makes them (replies without their templates: `templates_by_brand` finds them)."""
    # pipeline.run after threading, on the partition's messages in file order.
    order = np.argsort(file_row(threaded["source"]).to_numpy(dtype=float), kind="stable")
    messages = groups.conversation_fields(threaded.iloc[order].reset_index(drop=True))
    messages = agents.name_signed_agents(prepare.prepare_messages(messages))
    messages = schema.MESSAGES.validate(messages)
    exchanges = threads.build_exchanges(
        messages, brands=whole.brands, observed_until=whole.observed_until
    )
    if whole.tickets is not None:
        exchanges = threads.exchanges_from_tickets(exchanges, whole.tickets)
    exchanges = schema.EXCHANGES.validate(exchanges)
    # analyze.run_all's labelling stages, in its order.
    replies = personalisation.measure_replies(messages, exchanges)
    exchanges = latency.add_business_first_response(exchanges, settings.schedule())
    next_replies = latency.next_reply_times(messages, observed_until=whole.observed_until)
    read = rubric.read_replies(exchanges, messages)
    exchanges = rubric.label_exchanges(
        exchanges, sla_hours=settings.lesson_sla_hours, messages=messages, read=read
    )
    exchanges = outcomes.label_outcomes(exchanges, messages)
    exchanges = tone.label_tone(exchanges, messages=messages, read=read)
    # analyze.aggregate's grouping columns: conversation fields, whole in a partition.
    per_conversation = groups.conversations(messages)
    labelled = {"exchanges": exchanges, "replies": replies, "next_replies": next_replies}
    labelled = {
        name: groups.add_group_columns(table, per_conversation=per_conversation)
        for name, table in labelled.items()
    }
    return {"messages": messages, **labelled}


def template_keys(replies: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """Per reply: its brand key and template key (as score_replies clusters them), and its file
    row."""
    if replies.empty:
        return TEMPLATE_KEYS_META
    row_of = pd.Series(file_row(messages["source"]).to_numpy(), index=messages["message_id"])
    return pd.DataFrame(
        {
            "message_id": replies["message_id"].astype(str),
            "brand_key": personalisation.brand_key(replies["brand"]),
            "key": personalisation.template_key(replies["masked_text"]),
            FILE_ROW: replies["message_id"].map(row_of).to_numpy(dtype=float),
        }
    )


def templates_by_brand(keys: dd.DataFrame, similarity: float) -> dd.DataFrame:
    """Each reply's template (template_id, template_size, template_distance), clustered per brand
    over all its replies in the file: the keys are shuffled so each brand is in one partition."""
    meta = pd.DataFrame(
        {
            "message_id": pd.Series(dtype=str),
            "template_id": pd.Series(dtype=object),
            "template_size": pd.Series(dtype="int64"),
            "template_distance": pd.Series(dtype="float64"),
        }
    )
    by_brand = keys.shuffle(on="brand_key")
    return by_brand.map_partitions(_brand_templates, similarity, meta=meta)


def _brand_templates(keys: pd.DataFrame, similarity: float) -> pd.DataFrame:
    """cluster_templates of whole brands' replies in file order (its order breaks ties)."""
    keys = keys.sort_values(FILE_ROW, kind="stable", na_position="last").reset_index(drop=True)
    if keys.empty:
        clustered = pd.DataFrame({c: [] for c in TEMPLATE_COLUMNS}).astype(
            {"template_size": "int64", "template_distance": "float64"}
        )
    else:
        clustered = personalisation.cluster_templates(
            keys["brand_key"], keys["key"], similarity=similarity
        )
    return pd.concat([keys[["message_id"]], clustered], axis=1)


def with_brand_templates(
    replies: dd.DataFrame, templates: dd.DataFrame, min_template_size: int
) -> dd.DataFrame:
    """Replies with their brand's template columns (a join on message_id) and is_template, in
    score_replies' column order."""
    # Keyed as the replies are: a str key against an object key is a mismatch to Dask.
    templates = templates.astype({"message_id": replies["message_id"].dtype})
    joined = replies.merge(templates, on="message_id", how="left")
    meta = personalisation.with_templates(joined._meta, min_template_size)
    return joined.map_partitions(personalisation.with_templates, min_template_size, meta=meta)
