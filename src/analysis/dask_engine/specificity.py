"""Reply specificity with the whole file's IDF: score_replies weighs a reply's and its
complaint's stems by their inverse document frequency over every reply and complaint it is
given, which on a partition is the partition's. Here each partition counts its documents and
the documents holding each stem (`document_frequencies`), the counts are summed over the file,
and each partition's `tfidf_similarity` and `specificity` are recomputed with them
(`with_file_idf`), as score_replies computes them for the whole file.

score_replies takes no document frequencies; when it does, this module goes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from analysis import personalisation, text

# The row of the summed counts that holds the number of documents.
_DOCUMENTS = "\x00documents"


def _documents(replies: pd.DataFrame, messages: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """score_replies' corpus (each reply, each answered complaint once) and which replies are
    answered."""
    masked_of = messages.set_index(messages["message_id"].astype(str))["masked_text"]
    complaint_id = replies["complaint_id"].astype("string")
    answered = complaint_id.notna().to_numpy()
    first_answer = answered & ~complaint_id.duplicated().to_numpy()
    complaints = complaint_id[first_answer].astype(str).map(masked_of).astype(str)
    reply = replies["masked_text"].astype(str)
    return pd.concat([reply, complaints], ignore_index=True), answered


def document_frequencies(replies: pd.DataFrame, messages: pd.DataFrame) -> pd.Series:
    """Per stem, how many of the partition's documents hold it; `_DOCUMENTS` counts them all."""
    documents, _ = _documents(replies, messages)
    codes, uniques = pd.factorize(documents)
    occurrences = np.bincount(codes, minlength=len(uniques))
    rows, stems = text.content_stem_rows(
        np.asarray(uniques, dtype=object), personalisation.SPECIFICITY_STOP_WORDS
    )
    present = pd.DataFrame({"row": rows, "stem": stems}).drop_duplicates()
    counts = pd.Series(occurrences[present["row"].to_numpy()], index=present["stem"].to_numpy())
    counts = counts.groupby(level=0).sum()
    return pd.concat([counts, pd.Series({_DOCUMENTS: len(documents)})])


def summed(frequencies: list[pd.Series]) -> pd.Series:
    """The whole file's document frequencies from its partitions'."""
    return pd.concat(frequencies).groupby(level=0).sum()


def with_file_idf(
    replies: pd.DataFrame, messages: pd.DataFrame, frequencies: pd.Series
) -> pd.DataFrame:
    """Replies with tfidf_similarity and specificity from the whole file's IDF."""
    if replies.empty:
        return replies
    documents, answered = _documents(replies, messages)
    codes, uniques = pd.factorize(documents)
    rows, stems = text.content_stem_rows(
        np.asarray(uniques, dtype=object), personalisation.SPECIFICITY_STOP_WORDS
    )
    stem_code, vocabulary = pd.factorize(stems)
    n_documents = frequencies[_DOCUMENTS]
    in_documents = frequencies.reindex(vocabulary).to_numpy(dtype=np.float64)
    idf = np.log((1 + n_documents) / (1 + in_documents)) + 1
    counts = csr_matrix(
        (np.ones(len(rows)), (rows, stem_code)), shape=(len(uniques), max(len(vocabulary), 1))
    )
    counts.sum_duplicates()
    weights = counts.multiply(np.pad(idf, (0, counts.shape[1] - len(idf)))).tocsr()
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
    weights = csr_matrix(weights.multiply(1 / np.where(norms > 0, norms, 1)[:, None]))

    n_replies = len(replies)
    complaint_id = replies["complaint_id"].astype("string")
    first_answer = answered & ~complaint_id.duplicated().to_numpy()
    complaint_code = pd.Series(codes[n_replies:], index=complaint_id[first_answer].to_numpy())
    reply_rows = codes[:n_replies][answered]
    complaint_rows = complaint_id[answered].map(complaint_code).to_numpy(dtype=np.int64)
    cosine = np.asarray(weights[reply_rows].multiply(weights[complaint_rows]).sum(axis=1)).ravel()
    out = replies.copy()
    out.loc[answered, "tfidf_similarity"] = np.clip(cosine, 0.0, 1.0)
    out["specificity"] = (out["overlap_share"] + out["tfidf_similarity"]) / 2
    return out
