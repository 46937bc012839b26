"""Reader for the Kaggle "Customer Support on Twitter" file (twcs.csv) and files in its format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.io.common import (
    UNKNOWN_AUTHOR,
    InputError,
    LoadResult,
    canonical,
    find_columns,
    normalise_ids,
    read_csv_as_strings,
    reject_where,
    rejected_frame,
    source_labels,
)

COLUMNS = [
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
]
REQUIRED = {"tweet_id", "author_id", "inbound", "created_at", "text"}
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
TIME_EXAMPLE = "Tue Oct 31 22:10:47 +0000 2017"
_EARLIEST = pd.Timestamp.min.tz_localize("UTC")
_LATEST = pd.Timestamp.max.tz_localize("UTC")
# Times written exactly as twcs.csv writes them ("Tue Oct 31 22:10:47 +0000 2017"), with each
# field in its range: read from their digits in pyarrow and numpy. Any other time (another
# case, one-digit days, a wider offset, 31 February) goes to pandas' strptime, which reads
# every time (0.3 s against 4 s at 350k tweets).
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_TWCS_TIME = (
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<month>" + "|".join(_MONTHS) + r") "
    r"(?P<day>0[1-9]|[12][0-9]|3[01]) (?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):"
    r"(?P<second>[0-5][0-9]) (?P<sign>[+-])(?P<offset_hours>[01][0-9]|2[0-3])"
    r"(?P<offset_minutes>[0-5][0-9]) (?P<year>[0-9]{4})$"
)
_TRUE = {"true", "1", "t", "yes"}
_FALSE = {"false", "0", "f", "no"}


def read(path: Path) -> LoadResult:
    """Messages from a twcs.csv file: inbound authors are customers, the others are the brands."""
    # Arrow-backed columns: each column is converted once, from Arrow, to what it becomes.
    raw, malformed = read_csv_as_strings(path, python_strings=False)
    # `Tweet_ID` or ` author_id` is the twcs column it names (the file's spelling is not ours).
    found = find_columns(path, raw.columns.drop("_row"), COLUMNS)
    raw = raw.rename(columns={name: column for column, name in found.items()})
    missing = REQUIRED - set(raw.columns)
    if missing:
        raise InputError(
            f"{path.name}: not in twcs format, missing column(s) {sorted(missing)} "
            f"(expected {COLUMNS})"
        )
    for optional in ("response_tweet_id", "in_response_to_tweet_id"):
        if optional not in raw:
            raw[optional] = None

    rejected = list(malformed)
    message_id, bad_id = normalise_ids(raw["tweet_id"])
    parent_id, bad_parent = normalise_ids(raw["in_response_to_tweet_id"])
    inbound_text = raw["inbound"].astype("string").str.strip().str.lower()
    created_at = _created_at(raw["created_at"])
    author = raw["author_id"].astype("string").str.strip()
    no_author = (author.isna() | (author == "")).fillna(True).astype(bool)
    is_customer = inbound_text.isin(_TRUE).fillna(False).astype(bool)

    checks = [
        (message_id.isna() & ~bad_id, "tweet_id", "missing tweet id"),
        (bad_id, "tweet_id", "cannot read the tweet id as a whole number (ids must not be floats)"),
        # A brand's tweet names its brand by its author: without one it cannot be placed. A
        # customer's tweet without an author is still a complaint: kept, its author unknown.
        (no_author & ~is_customer, "author_id", "missing author (a brand's author is its brand)"),
        (
            ~inbound_text.isin(_TRUE | _FALSE).fillna(False),
            "inbound",
            "cannot read inbound as True or False",
        ),
        (
            created_at.isna(),
            "created_at",
            f"cannot read the time (expected like '{TIME_EXAMPLE}')",
        ),
        # Later stages hold times in nanoseconds, whose range ends there (year 2300 is a typo).
        (
            (created_at < _EARLIEST) | (created_at > _LATEST),
            "created_at",
            "year outside the supported range 1678-2262",
        ),
        (
            bad_parent,
            "in_response_to_tweet_id",
            "cannot read the parent tweet id as a whole number",
        ),
        (raw["text"].isna(), "text", "missing text"),
    ]
    unusable = pd.Series(False, index=raw.index)
    for mask, column, reason in checks:
        mask = mask.fillna(False).astype(bool) & ~unusable  # one reason per row: the first
        rejected += reject_where(raw, mask, column, reason)
        unusable |= mask

    kept = raw.loc[~unusable]
    messages = pd.DataFrame(
        {
            "message_id": message_id[~unusable],
            "parent_id": parent_id[~unusable],
            "author_id": author.mask(no_author, UNKNOWN_AUTHOR)[~unusable].astype(object),
            "role": inbound_text[~unusable].isin(_TRUE).map({True: "customer", False: "agent"}),
            "channel": "twitter",
            "created_at": created_at[~unusable],
            "text": kept["text"],
            "source": source_labels(path, kept["_row"]),
            "_row": kept["_row"],
        }
    )
    # The brand of an agent message is its author; customers get theirs from the conversation.
    messages["brand"] = messages["author_id"].where(messages["role"] == "agent")
    messages = _parents_from_response_lists(messages, kept["response_tweet_id"])
    unknown_authors = int((no_author & ~unusable).sum())
    notes = (
        [f"{unknown_authors} customer tweet(s) without an author kept as {UNKNOWN_AUTHOR!r}"]
        if unknown_authors
        else []
    )
    return LoadResult(
        messages=canonical(messages),
        rejected=rejected_frame(path, rejected),
        rows_read=len(raw) + len(malformed),
        format="twcs",
        path=path,
        notes=notes,
    )


def _created_at(written: pd.Series) -> pd.Series:
    """Each created_at as a UTC time, NaT where unreadable: what
    `pd.to_datetime(written, format=TIME_FORMAT, errors="coerce", utc=True)` gives."""
    values = pa.array(written, pa.large_string())
    if isinstance(values, pa.ChunkedArray):  # Arrow-backed strings (of no rows: no chunk)
        values = values.combine_chunks()
    fields = pc.extract_regex(values, _TWCS_TIME)
    shaped = fields.is_valid()
    number = {
        name: pc.cast(pc.if_else(shaped, fields.field(name), "0"), pa.int64()).to_numpy()
        for name in ("day", "hour", "minute", "second", "offset_hours", "offset_minutes", "year")
    }
    month = pc.fill_null(pc.index_in(fields.field("month"), pa.array(_MONTHS)), 0).to_numpy()
    matched = shaped.to_numpy(zero_copy_only=False) & (number["year"] >= 1)
    months = (np.where(matched, number["year"], 1970) - 1970).astype("datetime64[Y]").astype(
        "datetime64[M]"
    ) + np.where(matched, month, 0)
    days = months.astype("datetime64[D]") + np.where(matched, number["day"] - 1, 0)
    readable = matched & (days.astype("datetime64[M]") == months)  # no 31 February
    if not readable.any():
        return pd.to_datetime(written, format=TIME_FORMAT, errors="coerce", utc=True)
    sign = np.where(pc.equal(fields.field("sign"), "-").to_numpy(zero_copy_only=False), -1, 1)
    seconds = (
        number["hour"] * 3600
        + number["minute"] * 60
        + number["second"]
        - sign * (number["offset_hours"] * 3600 + number["offset_minutes"] * 60)
    )
    times = days.astype("datetime64[us]") + np.where(readable, seconds, 0) * np.timedelta64(1, "s")
    created = pd.Series(
        np.where(readable, times, np.datetime64("NaT")), index=written.index, name=written.name
    )
    created = created.astype("datetime64[us]").dt.tz_localize("UTC")
    if not readable.all():
        other = written[~readable]
        created[~readable] = pd.to_datetime(other, format=TIME_FORMAT, errors="coerce", utc=True)
    return created


def _parents_from_response_lists(messages: pd.DataFrame, responses: pd.Series) -> pd.DataFrame:
    """Fill a missing in_response_to link from the parent's response_tweet_id list, when it names one."""
    listed = pd.DataFrame(
        {"parent": messages["message_id"], "child": responses.astype("string")}
    ).dropna()
    # Split and flattened in pyarrow, in the lists' order (a Python list per row costs seconds).
    lists = pc.split_pattern(pa.array(listed["child"].astype(object), pa.large_string()), ",")
    listed = pd.DataFrame(
        {
            "parent": listed["parent"].to_numpy(dtype=object)[
                pc.list_parent_indices(lists).to_numpy()
            ],
            "child": pd.Series(pc.list_flatten(lists), dtype="string"),
        }
    )
    listed["child"], _ = normalise_ids(listed["child"])
    listed = listed.dropna()
    listed = listed.loc[listed["child"] != listed["parent"]].drop_duplicates("child")
    parent_of = listed.set_index("child")["parent"]
    fill = messages["parent_id"].isna()
    messages.loc[fill, "parent_id"] = messages.loc[fill, "message_id"].map(parent_of)
    messages["parent_id"] = (
        messages["parent_id"].astype(object).where(messages["parent_id"].notna(), None)
    )
    return messages
