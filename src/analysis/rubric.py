"""The five-lessons rubric (shared/RUBRIC.md): label every reply, score every complaint, aggregate.

Labels:

- metadata, per customer message: `react_quickly` (a reply within the SLA, default 24 h; an
  unanswered complaint is False, a failure, not missing; NA only when the answered complaint's
  latency is excluded, e.g. its time is unknown), `react_within_1h` (the same at 1 h) and
  `same_medium` (the reply's channel is the complaint's; NA when unanswered);
- text, per reply (`TEXT_LABELS`): read from the reply text with the complaint as context, by
  transparent rules (`analysis.rubric_rules`) or a learned model (`analysis.rubric_model`),
  whichever `CHOSEN_LABELLER` names for the label. NA when there is no reply to read.

`lessons_met` (0-5) counts `LESSONS`: react_quickly, responds_in_same_medium (same medium and not
moving the customer elsewhere), acknowledges_specifics, shows_appreciation and
shares_resolution_or_timetable; a lesson that is NA (e.g. react_quickly when the latency is
excluded) counts as not met, an unanswered complaint scores 0, and an answered complaint whose reply
text is not in the data (some ticket exports) has lessons_met NA: it cannot be read.
`says_sorry` is the bonus, reported beside it.

The evaluation that backs the choice of labeller lives in `analysis.rubric_evaluation`
(`analysis rubric --evaluate`, data/labels/evaluation/labeller_quality.csv).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import names, prepare, scorecard
from analysis import rubric_model as model_lib
from analysis import rubric_rules as rules

TEXT_LABELS = rules.LABEL_NAMES
# The five lessons that lessons_met counts (RUBRIC.md labels 1, 2a-and-not-2b, 3, 4, 5).
LESSONS = (
    "react_quickly",
    "responds_in_same_medium",
    "acknowledges_specifics",
    "shows_appreciation",
    "shares_resolution_or_timetable",
)
BONUS = "says_sorry"
# "either": rules OR model, a label the rules see counts even when the model misses it.
LABELLERS = ("rules", "model", "either")

# The labeller used per text label, chosen on real replies of brands the labeller never saw:
# the higher leave-one-brand-out F1 (data/labels/real/, trained on every other brand plus the
# hand-written replies); labellers within rubric_evaluation.F1_TIE_MARGIN are tied and settled
# by the development set, then by CV, then in favour of the rules (transparent, no training).
# `analysis rubric --evaluate` measures them (data/labels/evaluation/labeller_quality.csv, which
# holds the figures); the model wins where real replies say it their own way (a ticket, a help
# site, a troubleshooting question), the rules where cue words decide (sorry, thanks, names).
CHOSEN_LABELLER = {
    "moves_channel": "model",
    "acknowledges_specifics": "model",
    "shows_appreciation": "rules",
    "shares_resolution_or_timetable": "model",
    "says_sorry": "rules",
    "addresses_by_name": "rules",
}

# Stands in for "no brand" in group keys (groupby would drop null keys).
_NO_BRAND = "\x00no brand"
# Parts of a split reply ("1/2", "2/2") go out within seconds of each other.
MULTIPART_WINDOW_SECONDS = 300
CV_SEED = 20171031
# Rows the model scores at a time: bounds the memory of the n-gram matrices.
PREDICT_BATCH_ROWS = 100_000


# ---------------------------------------------------------------------------------------------
# Labelling
def label_texts(
    texts: pd.Series,
    contexts: pd.Series | None = None,
    labellers: dict[str, str] | None = None,
    model=None,
) -> pd.DataFrame:
    """Per text label `<label>_pred` (0/1) and `<label>_proba` (0-1), index aligned with texts.

    `contexts` are the complaints the replies answer (same length and order as texts, or the same
    index); `labellers` overrides CHOSEN_LABELLER per label ("rules", "model" or "either");
    `model` is a fitted `rubric_model` pipeline (default: the one trained on the label files). Texts and
    contexts go through the text stage here (`analysis.prepare`): they have no messages table."""
    _check_labellers(labellers)
    index = texts.index
    replies = pd.Series(texts.to_numpy(dtype=object), dtype=object).fillna("").astype(str)
    if contexts is not None:
        if not contexts.index.equals(index) and len(contexts) != len(texts):
            contexts = contexts.reindex(index)
        contexts = pd.Series(contexts.to_numpy(dtype=object), dtype=object).fillna("").astype(str)
    prepared = rules.prepare(replies)
    context_text = rules.prepare_contexts(contexts, prepared.index)
    labels = _label_prepared(prepared, context_text, labellers, model)
    return labels.set_axis(index)


def _check_labellers(labellers: dict[str, str] | None) -> None:
    unknown = {name for name in (labellers or {}).values() if name not in LABELLERS}
    if unknown:
        raise ValueError(f"analysis: unknown labeller(s) {sorted(unknown)} (expected {LABELLERS})")


def _label_prepared(
    prepared: pd.DataFrame,
    context_text: pd.Series,
    labellers: dict[str, str] | None = None,
    model=None,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`label_texts` for replies already through the text stage and their prepared complaints;
    `model` is a fitted `rubric_model` pipeline (default: `rubric_model.trained_model()`),
    `features` their `rubric_rules.features` when already computed."""
    labellers = {**CHOSEN_LABELLER, **(labellers or {})}
    if features is None:
        features = rules.features(prepared, context_text)
    rule_pred = rules.labels_from_features(features)
    proba = None
    if any(labellers[label] != "rules" for label in TEXT_LABELS) and len(prepared):
        model = model_lib.trained_model() if model is None else model
        proba = distinct_probabilities(model, model_lib.model_inputs(prepared, features))
    out = {}
    for label in TEXT_LABELS:
        ruled = rule_pred[label].to_numpy(dtype=int)
        if labellers[label] == "rules" or proba is None:
            predicted, probability = ruled, ruled.astype(float)
        else:
            probability = proba[label].to_numpy(dtype=float)
            predicted = (probability >= model_lib.THRESHOLD).astype(int)
            if labellers[label] == "either":  # rules OR model: a cue the rules see counts
                predicted = predicted | ruled
                probability = np.maximum(probability, ruled)
        out[f"{label}_pred"] = predicted
        out[f"{label}_proba"] = probability
    return pd.DataFrame(out, index=prepared.index)


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of `frame` (in order of first appearance) and
    the position of each distinct row's first appearance: `frame.iloc[positions].iloc[codes]`
    is `frame` again, row for row."""
    codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    return codes, first[np.argsort(codes[first])]


def distinct_probabilities(
    model, inputs: pd.DataFrame, batch_rows: int = PREDICT_BATCH_ROWS
) -> pd.DataFrame:
    """The model's probabilities per label, computed once per distinct input row (a template
    sent a thousand times with the same overlap is one row) in batches, index of `inputs`."""
    codes, positions = distinct_rows(inputs)
    distinct = inputs.iloc[positions]
    parts = [
        model_lib.probabilities(model, distinct.iloc[start : start + batch_rows])
        for start in range(0, len(distinct), batch_rows)
    ]
    table = pd.concat(parts) if parts else model_lib.probabilities(model, distinct)
    return table.iloc[codes].set_axis(inputs.index)


def _positions_in(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """The position of each value among `keys` compared as text (the first, when a key repeats),
    -1 where absent: hashed by pyarrow, without a Python string per key (a pandas index of the
    message ids would make one per message)."""
    found = pc.index_in(
        pa.array(values.astype(str)).cast(pa.large_string()),
        value_set=pa.array(keys.astype(str)).cast(pa.large_string()),
    )
    return found.fill_null(-1).to_numpy(zero_copy_only=False)


def _equal_key_pairs(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The (left, right) row positions whose keys are equal as text, in the order of an inner
    merge: by left row, then by right row. Each distinct right key is hashed once by pyarrow and
    looked up with `_positions_in`; a key repeated on the right (a complaint answered by two
    brands) pairs with each of its rows."""
    right_codes, right_keys = pd.factorize(right.astype(str))
    left_codes = _positions_in(left, pd.Series(right_keys.array))
    known = np.flatnonzero(right_codes >= 0)
    # The right rows grouped by key, each key's rows in their order, and where each key starts.
    by_key = known[np.argsort(right_codes[known], kind="stable")]
    counts = np.bincount(right_codes[known], minlength=len(right_keys))
    starts = np.cumsum(counts) - counts
    matched = np.flatnonzero(left_codes >= 0)
    repeats = counts[left_codes[matched]]
    within = np.arange(repeats.sum()) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    right_rows = by_key[np.repeat(starts[left_codes[matched]], repeats) + within]
    return np.repeat(matched, repeats), right_rows


def _part_rows(first: pd.DataFrame, messages: pd.DataFrame, window_seconds: float) -> pd.DataFrame:
    """The parts of each first reply of `first` (message_id, reply_id, reply_author_id, reply_at:
    `_part_ids`' definition) as positions: `first_row` in `first`, `message_row` in `messages`,
    `_later` (not the first reply itself) and the part's `created_at`; in the merge's order,
    unsorted, indexed by the position in that merge."""
    agent = (messages["role"] == "agent") & messages["parent_id"].notna()
    agent_rows = np.flatnonzero(agent.to_numpy(dtype=bool))
    # Only the keys are joined; the columns compared are taken for the pairs after.
    agent_pair, first_row = _equal_key_pairs(
        messages["parent_id"].iloc[agent_rows], first["message_id"]
    )
    message_row = agent_rows[agent_pair]

    def taken(table: pd.DataFrame, column: str, rows: np.ndarray) -> pd.Series:
        return table[column].iloc[rows].reset_index(drop=True)

    created_at = taken(messages, "created_at", message_row)
    delay = (
        pd.to_datetime(created_at, utc=True)
        - pd.to_datetime(taken(first, "reply_at", first_row), utc=True)
    ).dt.total_seconds()
    same_author = taken(messages, "author_id", message_row).astype(str) == taken(
        first, "reply_author_id", first_row
    ).astype(str)
    # The first reply is its own first part, even when its time is unknown.
    is_first = taken(messages, "message_id", message_row).astype(str) == taken(
        first, "reply_id", first_row
    ).astype(str)
    kept = np.flatnonzero(
        (is_first | (same_author & delay.between(0, window_seconds))).to_numpy(dtype=bool)
    )
    return pd.DataFrame(
        {
            "first_row": first_row[kept],
            "message_row": message_row[kept],
            "_later": ~is_first.to_numpy(dtype=bool)[kept],
            "created_at": created_at.iloc[kept].array,
        },
        index=kept,
    )


def _answered_first_replies(exchanges: pd.DataFrame) -> np.ndarray:
    """The rows of `exchanges` whose first reply has parts to find: answered, the reply id known."""
    answered = exchanges["answered"].fillna(False).astype(bool) & exchanges["reply_id"].notna()
    return np.flatnonzero(answered.to_numpy(dtype=bool))


_FIRST_REPLY_COLUMNS = ["message_id", "reply_id", "reply_author_id", "reply_at"]


def _part_ids(
    exchanges: pd.DataFrame, messages: pd.DataFrame, window_seconds: float
) -> pd.DataFrame:
    """The parts of each answered exchange's first reply (reply_id, part_id), in time order: the
    first reply itself and the direct replies to the same customer message from the same author
    sent within `window_seconds` after it. Keyed by reply_id: a customer message answered by two
    brands has two first replies, one per exchange row."""
    first = exchanges[_FIRST_REPLY_COLUMNS].iloc[_answered_first_replies(exchanges)]
    parts = _part_rows(first, messages, window_seconds)
    parts = parts.assign(
        reply_id=first["reply_id"].iloc[parts["first_row"].to_numpy()].array,
        part_id=messages["message_id"].iloc[parts["message_row"].to_numpy()].array,
    )
    parts = parts.sort_values(["reply_id", "_later", "created_at", "part_id"], na_position="last")
    return parts[["reply_id", "part_id"]]


def reply_parts(
    exchanges: pd.DataFrame,
    messages: pd.DataFrame,
    window_seconds: float = MULTIPART_WINDOW_SECONDS,
) -> pd.DataFrame:
    """Per answered exchange (customer message and brand), its first reply joined with the other
    parts of a split reply: direct replies from the same author sent within `window_seconds` of
    the first ("1/2", "2/2").

    Columns: message_id (the customer message), brand, reply_id (the first reply), reply_parts
    (count), reply_text_all (joined in time order)."""
    parts = _part_ids(exchanges, messages, window_seconds)
    text_of = messages.set_index(messages["message_id"].astype(str))["text"].astype(str)
    parts = parts.assign(text=parts["part_id"].astype(str).map(text_of))
    grouped = parts.groupby("reply_id", sort=False)["text"]
    joined = pd.DataFrame(
        {"reply_parts": grouped.size(), "reply_text_all": grouped.agg(" ".join)}
    ).reset_index()
    keys = exchanges.loc[exchanges["reply_id"].notna(), ["message_id", "brand", "reply_id"]]
    return keys.merge(joined, on="reply_id", how="inner")[
        ["message_id", "brand", "reply_id", "reply_parts", "reply_text_all"]
    ].reset_index(drop=True)


def whole_replies(
    labelled: pd.DataFrame, replied: pd.Series, messages: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Per replied exchange: the prepared columns of its whole reply (a split reply's parts joined
    from their prepared columns, nothing prepared again), the prepared complaint, the part count."""
    prepared = prepare.ensure_prepared(messages)
    columns = ["body", "sentences", "addressed_name"]
    # The replied rows as `labelled.loc[replied]` picks them, as positions: each column is read
    # for them when needed instead of copying every column of every replied row.
    selected = pd.Series(np.arange(len(labelled)), index=labelled.index).loc[replied].to_numpy()
    index = labelled.index[selected]

    def read(column: str) -> pd.Series:
        return labelled[column].iloc[selected]

    # A reply is its text id: rows sharing one read the same parts. codes[-1] stands for no id.
    codes, reply_ids = pd.factorize(read("reply_id").astype(str))
    with_parts = _answered_first_replies(labelled[["answered", "reply_id"]].iloc[selected])
    first = labelled[_FIRST_REPLY_COLUMNS].iloc[selected[with_parts]]
    parts = _part_rows(first, prepared, MULTIPART_WINDOW_SECONDS)
    part_code = codes[with_parts][parts["first_row"].to_numpy()]
    part_message = parts["message_row"].to_numpy()
    # One more count, 0, for the rows without a reply id (code -1).
    part_counts = np.append(np.bincount(part_code, minlength=len(reply_ids)), 0)
    several = part_counts[part_code] > 1
    # A reply in one part (nearly all) reads its message's columns: one take, in the rows' order.
    message_of = np.full(len(reply_ids) + 1, -1)
    message_of[part_code[~several]] = part_message[~several]
    row_message = message_of[codes]
    # Split replies are a few percent of replies: joining their parts per group is cheap.
    split = parts[several]
    split = split.assign(
        reply_id=first["reply_id"].iloc[split["first_row"].to_numpy()].array,
        part_id=prepared["message_id"].iloc[split["message_row"].to_numpy()].array,
    ).sort_values(["reply_id", "_later", "created_at", "part_id"], na_position="last")
    split = split.assign(
        reply_id=split["reply_id"].astype(str),
        **{c: prepared[c].iloc[split["message_row"].to_numpy()].array for c in columns},
    )
    grouped = split.groupby("reply_id", sort=False)
    joined = pd.DataFrame(
        {
            "body": grouped["body"].agg(" ".join),
            "sentences": grouped["sentences"].agg("\n".join),
            "addressed_name": grouped["addressed_name"].first(),
        }
    )
    # The dtypes of single-part and joined columns together, as concatenating them would give.
    dtypes = pd.concat([prepared[columns].iloc[:0], joined.iloc[:0]]).dtypes
    split_rows = np.flatnonzero(part_counts[codes] > 1)
    joined_rows = joined.index.get_indexer(reply_ids.take(codes[split_rows]))
    whole = {}
    for column in columns:
        values = pd.Series(prepared[column].array.take(row_message, allow_fill=True), index=index)
        if len(split_rows):
            values.iloc[split_rows] = joined[column].to_numpy()[joined_rows]
        whole[column] = values.astype(dtypes[column])
    whole = pd.DataFrame(whole, index=index)
    count = np.where(part_counts[codes] > 0, part_counts[codes], 1)
    # A reply the messages table does not hold (e.g. a ticket export's) is prepared here.
    missing = whole["sentences"].isna().to_numpy()
    if missing.any():
        alone = prepare.prepare_texts(read("reply_text").iloc[np.flatnonzero(missing)])
        whole.iloc[np.flatnonzero(missing)] = alone[columns].to_numpy()
    whole["addressed_name"] = names.addressed_customer(
        whole["body"],
        whole["addressed_name"].astype("string"),
        read("author_name") if "author_name" in labelled else None,
    )
    found = _positions_in(read("message_id"), prepared["message_id"])
    complaint = pd.Series(
        prepared["masked_text"].array.take(found, allow_fill=True), index=index, name="masked_text"
    )
    unknown = complaint.isna().to_numpy()
    if unknown.any():
        complaint[unknown] = rules.prepare_contexts(read("text").iloc[unknown], index[unknown])
    return whole, complaint, pd.Series(count.astype(int), index=index)


def replied_rows(exchanges: pd.DataFrame) -> pd.Series:
    """The exchanges with a reply text to read (answered, the reply's text known): the rows the
    rubric and the tone labels read."""
    return exchanges["answered"].fillna(False).astype(bool) & exchanges["reply_text"].notna()


@dataclass(frozen=True)
class RepliesRead:
    """The whole reply of each replied exchange of a run as the text labellers read it, computed
    once (`read_replies`) for the rubric and the tone labels; every member has the index of the
    replied exchanges."""

    prepared: pd.DataFrame  # the whole reply's prepared columns (`whole_replies`)
    complaints: pd.Series  # the complaint's prepared (masked) text
    part_counts: pd.Series  # messages the reply was read from
    features: pd.DataFrame  # `rubric_rules.features` of the reply and its complaint

    def check_for(self, exchanges: pd.DataFrame) -> None:
        """Raise unless these are the replies of `exchanges` (the same replied rows and index)."""
        if not self.prepared.index.equals(exchanges.index[replied_rows(exchanges).to_numpy()]):
            raise ValueError(
                "analysis: the replies read (rubric.read_replies) are not those of these "
                "exchanges: read them from the same exchanges table"
            )


def read_replies(exchanges: pd.DataFrame, messages: pd.DataFrame) -> RepliesRead:
    """The whole replies of the replied exchanges (`whole_replies`, from the prepared columns of
    `messages`), their prepared complaints and their rubric rule features: what `label_exchanges`
    and `tone.label_tone` both read, so a run computes it once and gives it to both."""
    prepared, complaints, part_counts = whole_replies(exchanges, replied_rows(exchanges), messages)
    features = rules.features(prepared, complaints)
    return RepliesRead(prepared, complaints, part_counts, features)


def label_exchanges(
    exchanges: pd.DataFrame,
    sla_hours: float = 24,
    messages: pd.DataFrame | None = None,
    read: RepliesRead | None = None,
) -> pd.DataFrame:
    """Exchanges plus the rubric labels, lessons_met (0-5) and the says_sorry bonus.

    With `messages`, a reply split over several messages ("1/2", "2/2") is read whole (see
    `reply_parts`), from the prepared columns of `messages` (`analysis.prepare`); `reply_parts`
    says how many messages were read. `read` is `read_replies(exchanges, messages)` when already
    computed (a run gives the same to the tone labels). Without either, replies and complaints
    are prepared here."""
    labelled = exchanges.copy()
    answered = labelled["answered"].fillna(False).astype(bool)
    seconds = pd.to_numeric(labelled["first_response_seconds"], errors="coerce")
    written = pd.to_datetime(labelled["created_at"], utc=True).notna()
    labelled["react_quickly"] = _within(seconds, answered, sla_hours * 3600, written)
    labelled["react_within_1h"] = _within(seconds, answered, 3600, written)
    same = (
        labelled["reply_channel"]
        .astype("string")
        .str.lower()
        .eq(labelled["channel"].astype("string").str.lower())
    )
    labelled["same_medium"] = same.astype("boolean").where(answered, pd.NA)

    replied = replied_rows(labelled)
    labelled["reply_parts"] = replied.astype(int)
    if read is None and messages is not None:
        # The replies and complaints were prepared once, in the messages table.
        read = read_replies(labelled, messages)
    if read is not None:
        read.check_for(labelled)
        labelled.loc[replied, "reply_parts"] = read.part_counts
        text_labels = _label_prepared(read.prepared, read.complaints, features=read.features)
    else:
        text_labels = label_texts(
            labelled.loc[replied, "reply_text"], labelled.loc[replied, "text"]
        )
    for label in TEXT_LABELS:
        column = pd.Series(pd.NA, index=labelled.index, dtype="boolean")
        column.loc[replied] = text_labels[f"{label}_pred"].astype(bool)
        labelled[label] = column
        proba = pd.Series(np.nan, index=labelled.index, dtype=float)
        proba.loc[replied] = text_labels[f"{label}_proba"]
        labelled[f"{label}_proba"] = proba
    moved = labelled["moves_channel"]
    labelled["responds_in_same_medium"] = (labelled["same_medium"] & ~moved).where(answered, pd.NA)
    met = sum(labelled[lesson].fillna(False).astype(int) for lesson in LESSONS)
    # Unanswered: 0 (every lesson missed). Answered without a reply text (some ticket exports):
    # the text lessons cannot be read, so the count is unknown rather than low.
    lessons_met = pd.Series(met, index=labelled.index, dtype="Int64")
    lessons_met[~answered] = 0
    lessons_met[answered & ~replied] = pd.NA
    labelled["lessons_met"] = lessons_met
    return labelled


def _within(
    seconds: pd.Series, answered: pd.Series, limit_seconds: float, written: pd.Series
) -> pd.Series:
    """True within the limit, False when late or unanswered, NA when the latency is unknown.

    An unanswered message without a time (`written` false) is NA too: a ticket export without
    creation times cannot say whether an open ticket is late, so it is not a failure."""
    result = pd.Series(pd.NA, index=seconds.index, dtype="boolean")
    known = answered & seconds.notna()
    result[known] = seconds[known] <= limit_seconds
    result[~answered & written] = False
    return result


# ---------------------------------------------------------------------------------------------
# Aggregation
def _flag_shares(frame: pd.DataFrame, by: list[str], flags: list[str]) -> pd.DataFrame:
    data = frame[by].copy()
    for flag in flags:
        data[flag] = frame[flag].astype("Float64").astype(float)
    return scorecard.share_table(data, by, flags).drop(columns="count")


def by_group(labelled: pd.DataFrame, by: str = "brand") -> pd.DataFrame:
    """Per group (`by`: brand, agent, channel, ...; null -> 'unknown'): customer messages,
    replies, never-answered share and each lesson's share (Wilson)."""
    frame = labelled.assign(**{by: labelled[by].astype(object).fillna("unknown").astype(str)})
    frame["never_answered"] = ~frame["answered"].fillna(False).astype(bool)
    grouped = frame.groupby(by, observed=True)
    counts = pd.DataFrame(
        {
            "customer_messages": grouped.size(),
            "replies": grouped["answered"].sum().astype(int),
        }
    ).reset_index()
    shares = _flag_shares(frame, [by], ["never_answered", *LESSONS, BONUS])
    means = (
        frame[frame["answered"].fillna(False).astype(bool)]
        .groupby(by, observed=True)["lessons_met"]
        .mean()
        .rename("lessons_met_mean")
        .reset_index()
    )
    out = counts.merge(shares, on=by, how="left").merge(means, on=by, how="left")
    return out.sort_values(by).reset_index(drop=True)


def by_brand(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per brand: customer messages, replies, never-answered share and each lesson's share (Wilson)."""
    return by_group(labelled, "brand")


def by_agent(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per brand and reply agent (answered complaints with an agent id): replies and lesson shares."""
    frame = labelled[
        labelled["answered"].fillna(False).astype(bool) & labelled["reply_agent_id"].notna()
    ]
    frame = frame.assign(
        brand=frame["brand"].fillna("unknown").astype(str),
        reply_agent_id=frame["reply_agent_id"].astype(str),
    )
    keys = ["brand", "reply_agent_id"]
    grouped = frame.groupby(keys, observed=True)
    counts = grouped.size().rename("replies").reset_index()
    shares = _flag_shares(frame, keys, [*LESSONS, BONUS])
    means = grouped["lessons_met"].mean().rename("lessons_met_mean").reset_index()
    out = counts.merge(shares, on=keys, how="left").merge(means, on=keys, how="left")
    return out.sort_values(keys).reset_index(drop=True)


def conversation_scores(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per conversation and brand: that brand's first reply's lessons_met and its best reply's
    (0 when none); a conversation two brands answer is scored once for each."""
    keys = ["conversation_id", "_brand"]
    frame = labelled.assign(
        _answered=labelled["answered"].fillna(False).astype(bool),
        _order=pd.to_datetime(labelled["reply_at"], utc=True),
        _brand=labelled["brand"].astype(object).fillna(_NO_BRAND).astype(str),
    )
    base = frame.groupby(keys, observed=True, sort=True).agg(
        customer_messages=("message_id", "size"),
        replies=("_answered", "sum"),
    )
    answered = frame[frame["_answered"]].sort_values([*keys, "_order", "reply_id"])
    first = answered.drop_duplicates(keys).set_index(keys)
    best = answered.groupby(keys, observed=True)["lessons_met"].max()
    unanswered = base["replies"] == 0
    base["first_reply_id"] = first["reply_id"].reindex(base.index)
    base["first_reply_lessons_met"] = first["lessons_met"].reindex(base.index).astype("Int64")
    base.loc[unanswered, "first_reply_lessons_met"] = 0
    base["first_reply_says_sorry"] = first[BONUS].reindex(base.index).astype("boolean")
    base["best_reply_lessons_met"] = best.reindex(base.index).astype("Int64")
    base.loc[unanswered, "best_reply_lessons_met"] = 0
    base["replies"] = base["replies"].astype(int)
    out = base.reset_index()
    out.insert(1, "brand", out.pop("_brand").where(lambda b: b != _NO_BRAND, None))
    return out


def examples(labelled: pd.DataFrame, label: str, n: int = 3, seed: int = CV_SEED) -> pd.DataFrame:
    """Up to n answered complaints whose reply meets the lesson or label, and n that miss it."""
    columns = ["brand", "text", "reply_text", label]
    answered = labelled[labelled["answered"].fillna(False).astype(bool) & labelled[label].notna()]
    parts = []
    for value, name in ((True, "meets"), (False, "misses")):
        chosen = answered[answered[label].astype(bool) == value]
        chosen = chosen.sample(min(n, len(chosen)), random_state=seed) if len(chosen) else chosen
        parts.append(chosen[columns].assign(outcome=name))
    out = pd.concat(parts, ignore_index=True)
    return out.rename(columns={"text": "complaint", "reply_text": "reply"})[
        ["outcome", "brand", "complaint", "reply", label]
    ]


# ---------------------------------------------------------------------------------------------
# Training labels
def load_training_labels(files: list[Path] | None = None) -> pd.DataFrame:
    """The hand-labelled replies (data/labels/*.csv) the model trains on."""
    return model_lib.load_training_labels(files)


def corrected_by_group(labelled: pd.DataFrame, by: str = "brand") -> pd.DataFrame:
    """Per group and text lesson: raw share and the share corrected for the labeller's measured
    errors, with its 95% interval (`analysis.rubric_shares.by_group`)."""
    # Imported here: rubric_shares reads this module's label names and chosen labellers.
    from analysis import rubric_shares

    return rubric_shares.by_group(labelled, by=by)


def corrected_by_brand(labelled: pd.DataFrame) -> pd.DataFrame:
    """Per brand and text lesson: raw and corrected shares (`corrected_by_group` by brand)."""
    return corrected_by_group(labelled, "brand")
