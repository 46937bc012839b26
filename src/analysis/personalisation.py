"""Personalisation: is a reply written for this customer, or canned?

Per agent reply (`score_replies`: `measure_replies`, then `cluster_templates` per brand):

- `uses_handle`: the customer's @handle appears in the reply body. The leading @handles Twitter
  puts on every reply do not count; they are reported apart as `handle_in_prefix`.
- `addresses_by_name`, `addressed_name`: the one definition the rubric uses too,
  `analysis.names.addressed_customer`: the customer's first name appears in the reply where the
  data gives a name (`author_name`); otherwise a greeting or vocative ("Hi Dana", "Thanks, Dana!",
  "..., Mark.", "Pankaj, I get ...") found by the text stage (`analysis.prepare`).
- `signed`, `agent_signature`: read from the text stage; see `analysis.text` for the styles.
- `agent_id`: the one agent identity of every page (`exchanges.reply_agent_id` too): the export's
  agent, else `brand/signature` (`analysis.agents`).
- `specificity` (0-1, null when the reply answers no customer message): the mean of
  `overlap_share` (share of the reply's content-word stems that also occur in the complaint) and
  `tfidf_similarity` (cosine of the two TF-IDF vectors, IDF over every reply and complaint). Both
  after masking handles, URLs, e-mails, numbers, names and signatures, without stop words and
  support boilerplate ("help", "sorry", "DM", ...).
- `template_id`, `template_size`, `template_distance`, `is_template`: near-duplicate replies
  clustered per brand (below); a template is a cluster of at least `min_template_size` replies.

Template clustering, built for the full twcs scale (about 1.3M agent replies), without any
all-pairs similarity matrix:

1. Normalise: the text stage's `masked_text` (handles, URLs, e-mails, numbers and the addressed
   name masked, no signature), lowercased, words only. Identical keys per brand are one node (most copies end here).
2. Per brand, each distinct key becomes a set of word bigrams (with start/end markers) hashed into
   2**20 buckets; 60 MinHash values per key are computed with numpy (one hash at a time: its
   value for each distinct bucket, then `np.minimum.reduceat` per key).
3. LSH banding (20 bands of 3 values): keys sharing a band bucket are linked to that bucket's most
   used key (a star, not all pairs), so at most 20 candidate edges per key. Candidate pairs are
   verified with the exact Jaccard similarity of their bigram sets (sparse row products) and kept
   at `template_similarity` (default 0.6) or more. A pair at Jaccard 0.6 becomes a candidate with
   probability 1 - (1 - 0.6**3)**20 = 0.99, at 0.5 0.93.
4. Connected components of the kept edges (scipy's union-find) propose templates; the most used
   key of each is its centre, and only keys within `template_similarity` of the centre join it
   (no single-linkage chains: every reply of a template is a near-copy of the same wording). Keys
   left out form their own components among themselves and try again, for up to 10 rounds.
   `template_distance` is 1 - Jaccard to the centre.

Each brand is clustered from its own keys and counts alone, so brands are independent tasks:
from `parallel.MIN_PARALLEL_ITEMS` distinct keys they are spread over the cores, largest first.

Why 0.6: one or two words changed in a 15-word reply keeps a bigram Jaccard of 0.6-0.8 (the same
macro, e.g. "Can you DM us your email address?" with "or username" added), while replies composed of
different sentences, or a short skeleton around a different description of the problem, fall
below it. Lower it to merge macros with more varied openers.

Cost: linear in the number of distinct keys; the candidate edges (at most 20 per key) bound the
verification work. Measured once on synthetic replies over 10 brands (60% filled-in copies of 400
wordings, 40% free text): 200,000 replies take about 5 s to normalise and 5 s to cluster, and
30 s for all of `score_replies` (with 200,000 complaints); 1.3 million replies take about 55 s to
normalise and 65 s to cluster (3.2 GB peak for the whole benchmark process). Since then
(issue 12), on the 350,000-tweet benchmark (158,000 replies over 30 brands) clustering takes
about 5 CPU seconds, of which one stays in the calling process when two cores share it.
"""

from __future__ import annotations

import re
import sys
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer

from analysis import names, parallel, prepare, schema, scorecard, text

REPLY_COLUMNS = schema.REPLY_COLUMNS
# What templates add to a reply; the other columns are the reply's own (`measure_replies`).
TEMPLATE_COLUMNS = ["template_id", "template_size", "template_distance", "is_template"]
MEASURE_COLUMNS = [c for c in REPLY_COLUMNS if c not in TEMPLATE_COLUMNS]

UNKNOWN_BRAND = "unknown"

# The contract's columns first, in its order, then the rest.
BRAND_COLUMNS = [
    "brand",
    "replies",
    "signed_replies",
    "distinct_agents",
    "addresses_by_name_share",
    "template_share",
    "mean_specificity",
    "uses_handle_share",
    "signed_share",
    "templates",
    "replies_with_complaint",
]

# Support boilerplate left out of specificity: these words say nothing about this complaint.
BOILERPLATE_WORDS = frozenset(
    [
        "apologies",
        "apologise",
        "apologize",
        "appreciate",
        "assist",
        "assistance",
        "dm",
        "dms",
        "glad",
        "happy",
        "hear",
        "hello",
        "help",
        "hey",
        "hi",
        "know",
        "let",
        "like",
        "love",
        "pleased",
        "reach",
        "reaching",
        "sorry",
        "support",
        "team",
        "thank",
        "thanks",
    ]
)
SPECIFICITY_STOP_WORDS = text.STOP_WORDS | BOILERPLATE_WORDS

# MinHash / LSH parameters (see the module docstring).
_HASH_FEATURES = 2**20
_BANDS = 20
_ROWS_PER_BAND = 3
_PRIME = np.int64(2_147_483_647)  # 2**31 - 1
_CHUNK_KEYS = 20_000  # keys per regex pass in `_shingles`
_MAX_ROUNDS = 10
_SPECIFICITY_CHUNK = 200_000  # (reply, complaint) pairs compared at a time in `_specificity`


def score_replies(
    messages: pd.DataFrame,
    exchanges: pd.DataFrame,
    *,
    min_template_size: int = 5,
    template_similarity: float = 0.6,
) -> pd.DataFrame:
    """Score every agent message: handle and name use, signature, specificity and template."""
    replies = measure_replies(messages, exchanges)
    if replies.empty:
        return _empty_replies()
    templates = cluster_templates(
        brand_key(replies["brand"]),
        template_key(replies["masked_text"]),
        similarity=template_similarity,
    )
    return with_templates(replies.join(templates), min_template_size)


def measure_replies(messages: pd.DataFrame, exchanges: pd.DataFrame) -> pd.DataFrame:
    """Every agent message with what it and its complaint alone tell: handle and name use,
    signature, specificity, first-response time (score_replies without the templates, which
    need the brand's other replies)."""
    messages = prepare.ensure_prepared(messages)
    replies = _agent_replies(messages)
    if replies.empty:
        return _empty_replies()[MEASURE_COLUMNS]
    replies["signed"] = replies["agent_signature"].notna().to_numpy()
    prefix = text.reply_prefix(replies["text"])
    replies["handle_in_prefix"] = _mentions(prefix, replies["customer_id"])
    replies["uses_handle"] = _mentions(replies["body"], replies["customer_id"])
    addressed = names.addressed_customer(
        replies["body"], replies["addressed_name"], replies["customer_name"]
    )
    replies["addresses_by_name"] = addressed.notna().to_numpy()
    replies["addressed_name"] = addressed
    replies = replies.join(
        _specificity(replies["masked_text"], replies["complaint_masked"], replies["complaint_id"])
    )
    first = exchanges.loc[exchanges["reply_id"].notna(), ["reply_id", "first_response_seconds"]]
    first = first.drop_duplicates("reply_id").set_index("reply_id")["first_response_seconds"]
    replies["first_response_seconds"] = replies["message_id"].map(first).astype(float)
    return replies[MEASURE_COLUMNS]


def brand_key(brand: pd.Series) -> pd.Series:
    """The brand whose replies a reply is clustered with: a missing brand is `UNKNOWN_BRAND`."""
    return brand.fillna(UNKNOWN_BRAND).astype(str)


def with_templates(replies: pd.DataFrame, min_template_size: int = 5) -> pd.DataFrame:
    """Replies holding `cluster_templates`' columns, with `is_template` (a template of at least
    `min_template_size` replies), in REPLY_COLUMNS order, then any other columns."""
    size = replies["template_size"].astype(int)
    replies = replies.assign(template_size=size, is_template=size >= min_template_size)
    ordered = [c for c in REPLY_COLUMNS if c in replies.columns]
    return replies[ordered + [c for c in replies.columns if c not in ordered]]


def by_group(replies: pd.DataFrame, by: str = "brand") -> pd.DataFrame:
    """Per group (`by`: brand, agent, team, channel, ...; null -> 'unknown'): reply counts,
    signature and name shares, template share and mean specificity."""
    columns = [by, *BRAND_COLUMNS[1:]]
    if replies.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype({by: object})
    frame = replies.assign(**{by: replies[by].astype(object).fillna(UNKNOWN_BRAND).astype(str)})
    flags = ["signed", "uses_handle", "addresses_by_name", "is_template"]
    table = scorecard.share_table(
        frame.assign(**{f: frame[f].astype(bool) for f in flags}), by, flags
    )
    table = table.rename(
        columns={
            "count": "replies",
            "is_template_share": "template_share",
            "is_template_share_low": "template_share_low",
            "is_template_share_high": "template_share_high",
        }
    )
    grouped = frame.groupby(by)
    extra = pd.DataFrame(
        {
            "signed_replies": grouped["signed"].sum().astype(int),
            "distinct_agents": grouped["agent_id"].nunique(),
            "templates": frame[frame["is_template"]].groupby(by)["template_id"].nunique(),
            "replies_with_complaint": grouped["specificity"].count(),
            "mean_specificity": grouped["specificity"].mean(),
            "median_template_distance": grouped["template_distance"].median(),
        }
    )
    table = table.merge(extra, left_on=by, right_index=True, how="left")
    table["templates"] = table["templates"].fillna(0).astype(int)
    rest = [c for c in table.columns if c not in columns]
    return table[columns + rest].sort_values(
        "replies", ascending=False, ignore_index=True, kind="stable"
    )


def by_brand(replies: pd.DataFrame) -> pd.DataFrame:
    """Per brand: reply counts, signature and name shares, template share and mean specificity."""
    return by_group(replies, "brand")


def by_agent(replies: pd.DataFrame) -> pd.DataFrame:
    """Per brand and agent (`agent_id`, as on every page): replies, first-response latency,
    templates, name use and specificity."""
    frame = replies.assign(brand=replies["brand"].fillna(UNKNOWN_BRAND).astype(str))
    grouped = frame[frame["agent_id"].notna()].groupby(["brand", "agent_id"])
    table = pd.DataFrame(
        {
            "replies": grouped.size(),
            "first_replies": grouped["first_response_seconds"].count(),
            "median_first_response_seconds": grouped["first_response_seconds"].median(),
            "template_share": grouped["is_template"].mean(),
            "addresses_by_name_share": grouped["addresses_by_name"].mean(),
            "mean_specificity": grouped["specificity"].mean(),
        }
    )
    return table.reset_index().sort_values(
        ["brand", "replies"], ascending=[True, False], ignore_index=True
    )


def top_templates(replies: pd.DataFrame, per_brand: int = 5) -> pd.DataFrame:
    """The most used reply templates per brand (clusters of two or more replies), with an example text."""
    frame = replies[replies["template_size"] >= 2].assign(
        brand=lambda f: f["brand"].fillna(UNKNOWN_BRAND).astype(str)
    )
    columns = [
        "brand",
        "rank",
        "template_id",
        "replies",
        "brand_share",
        "is_template",
        "distinct_agents",
        "mean_template_distance",
        "template_text",
    ]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    grouped = frame.groupby(["brand", "template_id"])
    table = pd.DataFrame(
        {
            "replies": grouped.size(),
            "is_template": grouped["is_template"].first(),
            "distinct_agents": grouped["agent_id"].nunique(),
            "mean_template_distance": grouped["template_distance"].mean(),
        }
    ).reset_index()
    # The most frequent masked wording of each template is its face.
    wording = frame.groupby(["template_id", "masked_text"]).size().rename("n").reset_index()
    wording = wording.sort_values(["n", "masked_text"], ascending=[False, True], kind="stable")
    wording = wording.drop_duplicates("template_id").set_index("template_id")["masked_text"]
    table["template_text"] = table["template_id"].map(wording)
    brand_replies = replies["brand"].fillna(UNKNOWN_BRAND).astype(str).value_counts()
    table["brand_share"] = table["replies"] / table["brand"].map(brand_replies)
    table = table.sort_values(["brand", "replies", "template_id"], ascending=[True, False, True])
    table["rank"] = table.groupby("brand").cumcount() + 1
    return table[table["rank"] <= per_brand][columns].reset_index(drop=True)


def cluster_templates(
    brand: pd.Series, key: pd.Series, *, similarity: float = 0.6, seed: int = 0
) -> pd.DataFrame:
    """Near-duplicate clusters of normalised replies per brand: template_id, template_size, template_distance."""
    frame = pd.DataFrame({"brand": brand.astype(str), "key": key.astype(str)}, index=key.index)
    codes = frame.groupby(["brand", "key"], sort=False).ngroup().to_numpy()
    nodes = frame.drop_duplicates(["brand", "key"]).reset_index(drop=True)
    nodes["count"] = np.bincount(codes, minlength=len(nodes))
    nodes["component"] = -1
    nodes["distance"] = 0.0
    nodes["representative"] = -1
    # Brands are clustered apart, the largest first (one brand a task, so the cores stay busy),
    # in other processes only when there are keys enough to pay for sending them. A task is a
    # brand's keys and counts: its clusters depend on nothing else.
    brands = sorted(
        (np.asarray(index) for index in nodes.groupby("brand", sort=True).groups.values()),
        key=len,
        reverse=True,
    )
    keys, counts = nodes["key"].to_numpy(), nodes["count"].to_numpy()
    tasks = [
        (keys[positions].tolist(), counts[positions], similarity, seed) for positions in brands
    ]
    jobs = None if len(nodes) >= parallel.MIN_PARALLEL_ITEMS else 1
    clustered = parallel.map_chunks(_cluster_brands, tasks, jobs=jobs, min_items=1, chunk_size=1)
    results = [result for part in clustered for result in part]
    offset = 0
    # Template labels are numbered in brand order, as the brands were sorted by name.
    for rank in np.argsort([nodes["brand"].iat[positions[0]] for positions in brands]):
        positions = brands[rank]
        labels, representative, distance = results[rank]
        nodes.loc[positions, "component"] = labels + offset
        nodes.loc[positions, "representative"] = positions[representative]
        nodes.loc[positions, "distance"] = distance
        offset += labels.max() + 1
    size = nodes.groupby("component")["count"].transform("sum")
    rep_key = nodes["key"].to_numpy()[nodes["representative"].to_numpy()]
    components = (
        pd.DataFrame(
            {"brand": nodes["brand"], "component": nodes["component"], "size": size, "rep": rep_key}
        )
        .drop_duplicates("component")
        .sort_values(["brand", "size", "rep"], ascending=[True, False, True], kind="stable")
    )
    components["rank"] = components.groupby("brand").cumcount() + 1
    template_ids = components["brand"] + "#" + components["rank"].astype(str)
    template_of = pd.Series(template_ids.to_numpy(), index=components["component"].to_numpy())
    nodes["template_id"] = nodes["component"].map(template_of)
    return pd.DataFrame(
        {
            "template_id": nodes["template_id"].to_numpy()[codes],
            "template_size": size.to_numpy()[codes].astype(int),
            "template_distance": nodes["distance"].to_numpy()[codes],
        },
        index=key.index,
    )


def _cluster_brands(
    tasks: list[tuple[list[str], np.ndarray, float, int]],
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """`_cluster_keys` of each brand's keys, counts, similarity and seed (module-level:
    `parallel.map_chunks` sends it)."""
    clustered = []
    for keys, counts, similarity, seed in tasks:
        shingles = _shingles(np.asarray(keys, dtype=object))
        signatures = _minhash(shingles, _BANDS * _ROWS_PER_BAND, seed)
        clustered.append(_cluster_keys(shingles, signatures, counts, similarity))
    return clustered


def _cluster_keys(
    shingles: csr_matrix, signatures: np.ndarray, counts: np.ndarray, similarity: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Template (as a label), representative (position) and distance to it, for one brand's keys
    (their `_shingles` rows and `_minhash` signatures)."""
    n = shingles.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int), np.zeros(1, dtype=int), np.zeros(1)
    left, right = _lsh_candidates(signatures, counts)
    keep = _jaccard(shingles, left, right) >= similarity
    left, right = left[keep], right[keep]
    representative = np.arange(n)
    active = np.ones(n, dtype=bool)
    for _ in range(_MAX_ROUNDS):
        live = active[left] & active[right]
        left, right = left[live], right[live]
        if len(left) == 0:
            break
        graph = csr_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        # Each component's most used key (ties: the first seen) is its candidate centre; every
        # member within `similarity` of the centre joins it, the rest try again next round.
        rank = np.lexsort((np.arange(n), -counts, labels))
        first = np.r_[True, labels[rank][1:] != labels[rank][:-1]]
        centre_of_label = np.empty(labels.max() + 1, dtype=int)
        centre_of_label[labels[rank][first]] = rank[first]
        centre = centre_of_label[labels]
        candidates = np.flatnonzero(active)
        close = _jaccard(shingles, candidates, centre[candidates]) >= similarity
        joined = candidates[close]
        representative[joined] = centre[joined]
        active[joined] = False
    distance = 1.0 - _jaccard(shingles, np.arange(n), representative)
    return representative, representative, distance


def _shingles(keys: np.ndarray) -> csr_matrix:
    """Binary key x hashed-word-bigram matrix; start/end markers give every key a bigram.

    The matrix scikit-learn's HashingVectorizer (word bigrams of `[^\\s]+` tokens, 2**20
    buckets, binary) makes, with one regex pass per chunk of keys and one hash per distinct
    bigram instead of a Python call per key."""
    hasher = FeatureHasher(_HASH_FEATURES, input_type="string", alternate_sign=False)
    cells = []
    for start in range(0, len(keys), _CHUNK_KEYS):
        chunk = [str(key) for key in keys[start : start + _CHUNK_KEYS]]
        joined = " xxend \x00 xxstart ".join(chunk)
        if joined.count(_SEPARATOR) != len(chunk) - 1:  # a key holds the separator itself
            return _hashed_shingles(keys)
        # str.split splits on the characters `[^\s]+` does (both use str.isspace), much faster.
        codes, distinct = pd.factorize(
            np.array(("xxstart " + joined + " xxend").split(), dtype=object)
        )
        listed = distinct.tolist()
        separator = codes == (listed.index(_SEPARATOR) if _SEPARATOR in listed else -1)
        pair = ~separator[:-1] & ~separator[1:]
        # A bigram is a pair of token codes; only the distinct pairs are spelt out and hashed.
        width = np.int64(len(listed))
        codes, pairs = pd.factorize(codes[:-1][pair].astype(np.int64) * width + codes[1:][pair])
        words = np.asarray(distinct, dtype=object)
        bigrams = words[pairs // width] + " " + words[pairs % width]
        bucket = hasher.transform([[bigram] for bigram in bigrams]).tocsr().indices
        row = np.cumsum(separator)[:-1][pair] + start
        cells.append(row * _HASH_FEATURES + bucket.astype(np.int64)[codes])
    cells, _ = _sorted_unique(np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64))
    indptr = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells // _HASH_FEATURES, minlength=len(keys)), out=indptr[1:])
    index_type = np.int32 if len(cells) <= np.iinfo(np.int32).max else np.int64
    return csr_matrix(
        (
            np.ones(len(cells), dtype=np.float32),
            (cells % _HASH_FEATURES).astype(np.int32),
            indptr.astype(index_type),
        ),
        shape=(len(keys), _HASH_FEATURES),
    )


def _sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_counts=True) for integers, by one sort (numpy's hashing unique
    took four times as long on millions of cells)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[len(ordered) > 0, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def _hashed_shingles(keys: np.ndarray) -> csr_matrix:
    """`_shingles` one key at a time, for keys that hold a NUL."""
    vectoriser = HashingVectorizer(
        analyzer="word",
        token_pattern=r"[^\s]+",
        ngram_range=(2, 2),
        n_features=_HASH_FEATURES,
        alternate_sign=False,
        norm=None,
        binary=True,
        lowercase=False,
        dtype=np.float32,
    )
    padded = pd.Series(keys, dtype=object).radd("xxstart ").add(" xxend")
    matrix = vectoriser.transform(padded).tocsr()
    matrix.sort_indices()
    return matrix


def _minhash(shingles: csr_matrix, n_hashes: int, seed: int) -> np.ndarray:
    """MinHash signatures (keys x n_hashes, uint32) of each row's set of shingle ids."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _PRIME, n_hashes, dtype=np.int64)
    b = rng.integers(0, _PRIME, n_hashes, dtype=np.int64)
    # The distinct shingle ids and each cell's position among them (np.unique's, without a sort).
    present = np.zeros(shingles.shape[1], dtype=bool)
    present[shingles.indices] = True
    distinct = np.flatnonzero(present).astype(np.int64)
    inverse = (np.cumsum(present) - 1)[shingles.indices]
    # Every row has a shingle (the start and end markers), so no reduceat segment is empty.
    starts = shingles.indptr[:-1]
    out = np.empty((n_hashes, shingles.shape[0]), dtype=np.uint32)
    for h in range(n_hashes):
        # One hash at a time: its values for the distinct shingles, then their minimum per row
        # over contiguous memory (a third of the time of all hashes at once per chunk of rows).
        values = ((a[h] * distinct + b[h]) % _PRIME).astype(np.uint32)
        out[h] = np.minimum.reduceat(values[inverse], starts)
    return out.T


def _lsh_candidates(signatures: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs: each key and the most used key of every band bucket it falls in."""
    n = len(signatures)
    multipliers = np.array(
        [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64
    )
    # Keys by use, most used first (ties: the first seen); a stable sort by bucket keeps that
    # order within each bucket, so a bucket's first key is its hub (one sort per band, not three).
    priority = np.lexsort((np.arange(n), -counts))
    ranked = signatures[priority]
    pairs = []
    for band in range(_BANDS):
        block = ranked[:, band * _ROWS_PER_BAND : (band + 1) * _ROWS_PER_BAND].astype(np.uint64)
        bucket = (block * multipliers[:_ROWS_PER_BAND]).sum(axis=1, dtype=np.uint64)
        by_bucket = np.argsort(bucket, kind="stable")
        order = priority[by_bucket]
        sorted_bucket = bucket[by_bucket]
        starts = np.r_[True, sorted_bucket[1:] != sorted_bucket[:-1]]
        hub = order[np.flatnonzero(starts)[np.cumsum(starts) - 1]]
        member = ~starts
        pairs.append(order[member].astype(np.int64) * n + hub[member])
    # Distinct pairs, ordered by key then hub.
    pairs, _ = _sorted_unique(np.concatenate(pairs))
    return pairs // n, pairs % n


def _jaccard(shingles: csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of row pairs."""
    if len(left) == 0:
        return np.zeros(0)
    # A key is its own centre most of the time: its similarity with itself is 1.
    similarity = np.ones(len(left))
    other = np.flatnonzero(left != right)
    if len(other) == 0:
        return similarity
    left, right = left[other], right[other]
    sizes = np.diff(shingles.indptr)
    common = np.asarray(shingles[left].multiply(shingles[right]).sum(axis=1)).ravel()
    union = sizes[left] + sizes[right] - common
    similarity[other] = np.where(union > 0, common / np.maximum(union, 1), 1.0)
    return similarity


def _agent_replies(messages: pd.DataFrame) -> pd.DataFrame:
    """Agent messages with the complaint they answer and the customer they answer."""
    # Ids are looked up once (each message's parent, one hash of the message ids); every other
    # look-up follows those positions.
    ids = pd.Index(messages["message_id"].astype(str))
    is_customer = (messages["role"] == "customer").fillna(False).to_numpy(dtype=bool)
    parent_of = ids.get_indexer(messages["parent_id"].astype("string"))

    # Only the columns a reply reads are taken from the agents' rows (not the sentences, ...).
    is_agent = (messages["role"] == "agent").fillna(False).to_numpy(dtype=bool)
    agents = messages.loc[
        is_agent, [c for c in messages.columns if c in _AGENT_COLUMNS]
    ].reset_index(drop=True)
    replies = pd.DataFrame(
        {
            "message_id": agents["message_id"].astype(str),
            "brand": _column(agents, "brand").astype("string"),
            "conversation_id": agents["conversation_id"].astype(str),
            "created_at": agents["created_at"],
            "channel": _column(agents, "channel").astype("string"),
            "agent_id": _column(agents, "agent_id").astype("string"),
            "text": agents["text"].fillna("").astype(str),
            "body": agents["body"].astype(str),
            "agent_signature": agents["agent_signature"].astype("string"),
            "addressed_name": agents["addressed_name"].astype("string"),
            "masked_text": agents["masked_text"].astype(str),
        }
    )
    parent_id = agents["parent_id"].astype("string")
    parent = parent_of[is_agent]
    parent_is_customer = np.where(parent >= 0, is_customer[parent], False)
    replies["complaint_id"] = parent_id.where(parent_is_customer)
    replies["complaint_text"] = _take(messages["text"], parent).where(parent_is_customer)
    replies["complaint_masked"] = _take(messages["masked_text"], parent).where(parent_is_customer)

    # The customer answered: the nearest customer ancestor, else the conversation's first customer.
    found = np.full(len(replies), -1, dtype=np.int64)
    current = parent.astype(np.int64)
    for _ in range(20):
        open_rows = np.flatnonzero((found < 0) & (current >= 0))
        if len(open_rows) == 0:
            break
        hit = is_customer[current[open_rows]]
        found[open_rows[hit]] = current[open_rows[hit]]
        moved = open_rows[~hit]
        current[moved] = parent_of[current[moved]]
    customers = messages.loc[is_customer, ["conversation_id", "created_at"]].assign(
        position=np.flatnonzero(is_customer)
    )
    first_customer = (
        customers.sort_values("created_at", kind="stable", na_position="last")
        .drop_duplicates("conversation_id")
        .set_index("conversation_id")["position"]
    )
    fallback = replies["conversation_id"].map(first_customer).fillna(-1).to_numpy(dtype=np.int64)
    position = np.where(found >= 0, found, fallback)
    replies["customer_id"] = _take(messages["author_id"], position)
    replies["customer_name"] = (
        _take(_column(messages, "author_name"), position).str.strip().replace("", pd.NA)
    )
    return replies


# The message columns a reply reads: those it keeps under its own name, and the text stage's.
_AGENT_COLUMNS = frozenset(
    [*REPLY_COLUMNS, "parent_id", "body", "agent_signature", "addressed_name", "masked_text"]
)


def _take(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """values.astype("string") at each position (NA at -1), as a map by id would give them."""
    taken = values.astype("string").array.take(positions, allow_fill=True)
    return pd.Series(taken, dtype="string")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _mentions(part: pd.Series, customer_id: pd.Series) -> np.ndarray:
    """Whether each text mentions @customer_id (case-insensitive)."""
    positions, handles = text.mentions(part)
    hit = names.same_name(pd.Series(handles, dtype=object), customer_id.iloc[positions])
    result = np.zeros(len(part), dtype=bool)
    result[positions[hit]] = True
    return result


_SEPARATOR = "\x00"


def template_key(masked_text: pd.Series) -> pd.Series:
    """The normalised form replies are grouped on: lowercase words and mask tokens only."""
    # The runs of word characters and "<>" of the lowercased text without apostrophes, one space
    # apart; in RE2 over the whole column, with `re`'s own \w (`_python_word_class`).
    lowered = pa.array(masked_text.str.lower())
    for apostrophe in ("'", "\u2019"):
        lowered = pc.replace_substring(lowered, apostrophe, "")
    spaced = parallel.arrow_kernel(
        pc.replace_substring_regex, lowered, f"[^{_python_word_class()}<>]+", " "
    )
    return pd.Series(pc.utf8_trim(spaced, " "), index=masked_text.index, dtype=masked_text.dtype)


@cache
def _python_word_class() -> str:
    """The characters Python's `re` reads as \\w in a str, as the inside of an RE2 character
    class: RE2's own \\w is ASCII only and its \\p{L}\\p{N} follow another Unicode version,
    so the class is read off `re` itself, once per process (a quarter of a second)."""
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))
    return "".join(
        f"\\x{{{run.start():x}}}-\\x{{{run.end() - 1:x}}}"
        for run in re.finditer(r"\w+", every_character)
    )


def _specificity(reply: pd.Series, complaint: pd.Series, complaint_id: pd.Series) -> pd.DataFrame:
    """Content-word overlap and TF-IDF cosine between each reply and its complaint."""
    out = pd.DataFrame(
        {"overlap_share": np.nan, "tfidf_similarity": np.nan, "specificity": np.nan},
        index=reply.index,
    )
    answered = complaint.notna().to_numpy()
    # The corpus: every reply once and every answered customer message once (not once per reply).
    first_answer = answered & ~complaint_id.duplicated().to_numpy()
    complaints = complaint[first_answer].astype(str)
    documents = pd.concat([reply, complaints], ignore_index=True)
    codes, uniques = pd.factorize(documents)
    counts = _stem_counts(text.to_arrow(pd.Series(uniques)), SPECIFICITY_STOP_WORDS)
    occurrences = np.bincount(codes, minlength=len(uniques)).astype(np.float64)
    present = counts.copy()
    present.data[:] = 1.0
    document_frequency = present.T @ occurrences
    n_documents = occurrences.sum()
    idf = np.log((1 + n_documents) / (1 + document_frequency)) + 1
    weights = counts.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    weights = csr_matrix(weights.multiply(1 / np.where(norms > 0, norms, 1)[:, None]))

    reply_rows = codes[: len(reply)][answered]
    complaint_code = pd.Series(codes[len(reply) :], index=complaint_id[first_answer].to_numpy())
    complaint_rows = complaint_id[answered].map(complaint_code).to_numpy(dtype=np.int64)
    cosine, shared, reply_size = (np.zeros(len(reply_rows)) for _ in range(3))
    # A pair's sums are its rows' own, so pairs are taken a chunk at a time: the rows gathered
    # for one chunk, not for every reply at once.
    for start in range(0, len(reply_rows), _SPECIFICITY_CHUNK):
        pair = slice(start, start + _SPECIFICITY_CHUNK)
        mine, theirs = reply_rows[pair], complaint_rows[pair]
        cosine[pair] = _row_sums(weights[mine].multiply(weights[theirs]))
        shared[pair] = _row_sums(present[mine].multiply(present[theirs]))
        reply_size[pair] = _row_sums(present[mine])
    overlap = np.where(reply_size > 0, shared / np.maximum(reply_size, 1), 0.0)
    cosine = np.clip(cosine, 0.0, 1.0)
    out.loc[answered, "overlap_share"] = overlap
    out.loc[answered, "tfidf_similarity"] = cosine
    out.loc[answered, "specificity"] = (overlap + cosine) / 2
    return out


def _row_sums(matrix) -> np.ndarray:
    """Each row's sum of a sparse matrix, as a flat array."""
    return np.asarray(matrix.sum(axis=1)).ravel()


def _stem_counts(documents: np.ndarray | pa.Array, stop_words: frozenset[str]) -> csr_matrix:
    """Document x stem counts of `text.content_stems` of each document, as scikit-learn's
    CountVectorizer with that analyzer builds them (columns in alphabetical order of the stems,
    each row's entries in the order the corpus first used its stems), without a Python call per
    document; one column of zeros when no document has a content word."""
    rows, first_seen, vocabulary = text.content_stem_codes(documents, stop_words)
    if len(first_seen) == 0:
        return csr_matrix((len(documents), 1))
    width = len(vocabulary)
    cells, cell_counts = _sorted_unique(rows * width + first_seen)
    alphabetical = np.empty(width, dtype=np.int64)
    alphabetical[np.argsort(np.asarray(vocabulary, dtype=object), kind="stable")] = np.arange(width)
    indptr = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cells // width, minlength=len(documents)), out=indptr[1:])
    index_type = np.int32 if len(cells) <= np.iinfo(np.int32).max else np.int64
    return csr_matrix(
        (
            cell_counts.astype(np.float64),
            alphabetical[cells % width].astype(index_type),
            indptr.astype(index_type),
        ),
        shape=(len(documents), width),
    )


def _empty_replies() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in REPLY_COLUMNS})
    for flag in ("handle_in_prefix", "uses_handle", "addresses_by_name", "signed", "is_template"):
        frame[flag] = frame[flag].astype(bool)
    for number in (
        "overlap_share",
        "tfidf_similarity",
        "specificity",
        "template_distance",
        "first_response_seconds",
    ):
        frame[number] = frame[number].astype(float)
    frame["template_size"] = frame["template_size"].astype(int)
    return frame


def findings(
    brand_table: pd.DataFrame,
    templates: pd.DataFrame,
    *,
    min_template_size: int = 5,
    min_replies: int = 1,
) -> list[str]:
    """Plain-language headlines from by_brand and top_templates tables, for a notebook's summary;
    only brands with at least `min_replies` agent replies are ranked."""
    key, noun = scorecard.compared(brand_table)
    everyone = brand_table[brand_table["replies"] > 0]
    if everyone.empty:
        return ["No agent replies to measure."]
    replies = int(everyone["replies"].sum())
    table, note = scorecard.rankable(brand_table, "replies", min_replies, unit="agent replies")
    if table.empty:
        return [f"No {noun} has {min_replies} agent replies or more: too few to rank.", *note]
    several = len(table) > 1

    def extremes(column: str, fmt: str) -> str:
        ranked = table.dropna(subset=[column]).sort_values(column, kind="stable")
        if ranked.empty:
            return "not measurable"
        high, low = ranked.iloc[-1], ranked.iloc[0]
        if not several:
            return format(high[column], fmt)
        return (
            f"from {format(low[column], fmt)} ({low[key]}) "
            f"to {format(high[column], fmt)} ({high[key]})"
        )

    template_replies = float((everyone["template_share"] * everyone["replies"]).sum())
    lines = [
        f"{template_replies / replies:.0%} of {replies:,} agent replies copy a template used at "
        f"least {min_template_size} times; by {noun} {extremes('template_share', '.0%')}.",
        f"Replies address the customer by name {extremes('addresses_by_name_share', '.0%')}.",
        f"Signed by an agent: {extremes('signed_share', '.0%')}; "
        f"{int(everyone['distinct_agents'].sum()):,} distinct agents in all.",
        f"Mean specificity (0 = nothing from the complaint, 1 = all about it) "
        f"{extremes('mean_specificity', '.2f')}.",
    ]
    if not templates.empty:
        top = templates.sort_values("replies", ascending=False, kind="stable").iloc[0]
        lines.append(
            f'Most copied reply: "{top["template_text"]}" ({top["brand"]}, {int(top["replies"]):,} '
            f"replies, {top['brand_share']:.0%} of the brand's)."
        )
    return lines + note
