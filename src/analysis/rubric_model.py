"""The learned labeller for the five-lessons text labels, a scikit-learn estimator.

`build_pipeline()` is a `Pipeline` of a `ColumnTransformer` (TF-IDF word uni- and bigrams of the
prepared reply, the rule features with the complaint-reply overlap squashed by log1p) and one
logistic regression per label (`MultiOutputClassifier`), so `cross_validate`, `GridSearchCV` and
`LeaveOneGroupOut` work on it. Its input is `model_inputs(...)`: one row per reply, the reply text
the n-grams read and the rule features (`analysis.rubric_rules`, which read the complaint too).

It trains on every labelled reply (`load_training_labels`): the hand-written files in
`data/labels/*.csv` and the real annotated replies in `data/labels/real/*.csv`, each with its
`group` (the brand of a real reply; `hand:<industry>` for a hand-written one) for grouped
cross-validation. `trained_model()` trains once per process (again when a label file changes).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import csr_matrix
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from analysis import paths
from analysis import rubric_rules as rules
from analysis import text as textlib

LABEL_COLUMNS = rules.LABEL_NAMES
TRAINING_COLUMNS = ["label_id", "industry", "channel", "complaint", "reply", *LABEL_COLUMNS]
# The real annotated replies (data/labels/real/): a brand instead of an industry and channel.
REAL_COLUMNS = ["label_id", "brand", "complaint", "reply", *LABEL_COLUMNS]
REAL_LABELS_SUBDIR = "real"
LABELLED_COLUMNS = [
    "label_id",
    "source",
    "group",
    "brand",
    "industry",
    "channel",
    "complaint",
    "reply",
    *LABEL_COLUMNS,
    "label_file",
]
TEXT_COLUMN = "reply_text"
SEED = 20171031
# The words the n-grams are made of: a mask token ("<url>") or a word with its apostrophes.
NGRAM_TOKEN_PATTERN = r"<?\b\w[\w']*\b>?"
# Logistic regressions cut at 0.5: class_weight="balanced" already centres the rare labels.
THRESHOLD = 0.5


class LabelFileError(ValueError):
    """A label file that cannot be used for training."""


# The annotators' two passes before adjudication (for agreement figures), not labels to train on.
PASSES_SUFFIX = "_passes.csv"


def label_files() -> list[Path]:
    """Every label file training reads: data/labels/*.csv and data/labels/real/*.csv (not the
    annotation passes, `*_passes.csv`)."""
    hand = sorted(paths.LABELS_DIR.glob("*.csv"))
    real = sorted((paths.LABELS_DIR / REAL_LABELS_SUBDIR).glob("*.csv"))
    return hand + [file for file in real if not file.name.endswith(PASSES_SUFFIX)]


def read_label_file(file: Path) -> pd.DataFrame:
    """One label file in `LABELLED_COLUMNS`: hand-written (industry, channel) or real (brand)."""
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    real = "brand" in frame.columns
    expected = REAL_COLUMNS if real else TRAINING_COLUMNS
    missing = set(expected) - set(frame.columns)
    if missing:
        raise LabelFileError(
            f"analysis: {file.name}: missing column(s) {sorted(missing)} (expected {expected})"
        )
    frame = frame.assign(label_file=file.name, source="real" if real else "hand")
    if real:
        frame = frame.assign(industry="", channel="twitter", group=frame["brand"])
    else:
        frame = frame.assign(brand=None, group="hand:" + frame["industry"].astype(str))
    frame = frame[frame["reply"].str.strip() != ""]
    for column in LABEL_COLUMNS:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~values.isin([0, 1])
        if bad.any():
            first = frame.loc[bad, "label_id"].iloc[0]
            raise LabelFileError(
                f"analysis: {file.name}: label {first}, column {column}: "
                f"{frame.loc[bad, column].iloc[0]!r} is not 0 or 1"
            )
        frame[column] = values.astype(int)
    return frame[LABELLED_COLUMNS]


def load_training_labels(files: list[Path] | None = None) -> pd.DataFrame:
    """Every labelled reply (hand-written and real), one row each, labels as 0/1 ints."""
    files = label_files() if files is None else list(files)
    if not files:
        raise LabelFileError(
            f"analysis: no label files in {paths.LABELS_DIR} (expected *.csv with columns "
            f"{TRAINING_COLUMNS})"
        )
    labels = pd.concat([read_label_file(file) for file in files], ignore_index=True)
    labels["complaint"] = labels["complaint"].fillna("").astype(str)
    labels["reply"] = labels["reply"].astype(str)
    return labels.reset_index(drop=True)


def model_text(prepared: pd.DataFrame) -> pd.Series:
    """What the n-gram features see: the prepared reply's sentences (`analysis.prepare`), numbers
    masked, one line."""
    return textlib.mask_numbers(prepared["sentences"].str.replace("\n", " ", regex=False))


def model_inputs(prepared: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """The estimator's input: the reply text the n-grams read and the rule features, per reply."""
    inputs = features.copy()
    inputs.insert(0, TEXT_COLUMN, model_text(prepared).to_numpy())
    return inputs


def inputs_for_texts(replies: pd.Series, complaints: pd.Series | None = None) -> pd.DataFrame:
    """`model_inputs` of raw reply texts and the complaints they answer (empty when unknown)."""
    replies = pd.Series(replies.to_numpy(dtype=object)).fillna("").astype(str)
    if complaints is not None:
        complaints = pd.Series(complaints.to_numpy(dtype=object)).fillna("").astype(str)
    prepared = rules.prepare(replies)
    context = rules.prepare_contexts(complaints, prepared.index)
    return model_inputs(prepared, rules.features(prepared, context))


class BatchedTfidfVectorizer(TfidfVectorizer):
    """scikit-learn's TfidfVectorizer whose `transform` gives the very same matrix, with the word
    n-grams of all documents counted at once rather than in a Python loop per document."""

    # Hand-written because scikit-learn's transform runs its analyzer and a dict look-up per
    # n-gram in Python: three quarters of the model's labelling time on a million replies. Here
    # arrow splits every document at spaces, scikit-learn's own analyzer reads each distinct word
    # once, and the n-grams are ints until each distinct one is looked up.

    def transform(self, raw_documents):
        """The TF-IDF matrix of `raw_documents` (`TfidfVectorizer.transform`)."""
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        if not self._batchable() or isinstance(raw_documents, str):
            return super().transform(raw_documents)
        documents = np.asarray(
            raw_documents if isinstance(raw_documents, pd.Series) else list(raw_documents),
            dtype=object,
        )
        try:
            arrow = pa.array(documents, type=pa.large_string())
        except (UnicodeEncodeError, pa.ArrowException):  # not text, or a lone surrogate
            return super().transform(raw_documents)
        if arrow.null_count:  # scikit-learn's own error for a missing document
            return super().transform(raw_documents)
        document_of, word, distinct_words = textlib.split_words(arrow)
        counts = self._counts(document_of, word, distinct_words, len(documents))
        if counts is None:  # too many distinct tokens to number the n-grams in int64
            return super().transform(raw_documents)
        return self._tfidf.transform(counts, copy=False)

    def _batchable(self) -> bool:
        # Reading the words between spaces one by one is reading the document for this token
        # pattern: a token holds no space and reads a neighbour only through \b, which a space
        # (not a word character) answers as the start or end of a document does; str.lower
        # reads a space as the end of a text too (a final sigma is the one context it reads).
        return (
            self.analyzer == "word"
            and self.input == "content"
            and self.token_pattern == NGRAM_TOKEN_PATTERN
            and self.tokenizer is None
            and self.preprocessor is None
            and self.strip_accents is None
            and self.stop_words is None
        )

    def _counts(
        self, document_of: np.ndarray, word: np.ndarray, distinct_words: list[str], n_documents: int
    ) -> csr_matrix | None:
        """`CountVectorizer.transform`: counts of the vocabulary's n-grams per document, from
        the words of the documents (`text.split_words`)."""
        analyse = self.build_tokenizer()
        preprocess = self.build_preprocessor()
        token_id: dict[str, int] = {}
        tokens_of_word = [
            [token_id.setdefault(t, len(token_id)) for t in analyse(preprocess(w))]
            for w in distinct_words
        ]
        occurrence, token = textlib.spread(word, tokens_of_word)
        document = document_of[occurrence]
        low, high = self.ngram_range
        if len(token_id) ** high >= np.iinfo(np.int64).max:
            return None
        names = np.array(list(token_id), dtype=object)
        rows, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for n in range(low, high + 1):
            starts = len(token) - n + 1
            if starts <= 0:
                continue
            inside = document[:starts] == document[n - 1 :]  # an n-gram never spans documents
            key = token[:starts][inside]
            for offset in range(1, n):
                key = key * len(token_id) + token[offset : offset + starts][inside]
            codes, distinct = pd.factorize(key)
            # each distinct n-gram spelt and looked up once
            parts, rest = [], distinct
            for _ in range(n):
                rest, last = np.divmod(rest, len(token_id))
                parts.insert(0, names[last])
            spelt = parts[0]
            for part in parts[1:]:
                spelt = spelt + " " + part
            column = np.fromiter(
                (self.vocabulary_.get(gram, -1) for gram in spelt), dtype=np.int64, count=len(spelt)
            )[codes]
            known = column >= 0
            rows.append(document[:starts][inside][known])
            columns.append(column[known])
        rows, columns = np.concatenate(rows), np.concatenate(columns)
        counts = csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, columns)),
            shape=(n_documents, len(self.vocabulary_)),
        )
        counts.sum_duplicates()
        if self.binary:
            counts.data.fill(1)
        return counts


def _log1p(values):
    return np.log1p(np.asarray(values, dtype=float))


def build_pipeline(use_rules: bool = True, C: float = 4.0) -> Pipeline:
    """The unfitted estimator: word n-grams (and, with `use_rules`, the rule features) into one
    logistic regression per label; fit it on `model_inputs` and a 0/1 frame of `LABEL_COLUMNS`.

    No character n-grams: on real replies of unseen brands they moved F1 by at most .013 (within
    every interval) and cost four times the rest of the model's labelling time."""
    blocks = [
        (
            "words",
            BatchedTfidfVectorizer(
                sublinear_tf=True, ngram_range=(1, 2), token_pattern=NGRAM_TOKEN_PATTERN
            ),
            TEXT_COLUMN,
        ),
    ]
    if use_rules:
        squash = FunctionTransformer(_log1p, feature_names_out="one-to-one")
        blocks.append(("rules", squash, list(rules.FEATURE_NAMES)))
    classifier = LogisticRegression(
        C=C,
        class_weight="balanced",
        solver="liblinear",
        dual=True,  # far fewer replies than n-grams: the dual is solved ten times faster
        max_iter=1000,
        random_state=SEED,
    )
    return Pipeline(
        [
            ("features", ColumnTransformer(blocks, sparse_threshold=1.0)),
            ("classify", MultiOutputClassifier(classifier)),
        ]
    )


def probabilities(model: Pipeline, inputs: pd.DataFrame) -> pd.DataFrame:
    """Probability per label of each input row, one column per label, index of `inputs`."""
    if len(inputs) == 0:
        return pd.DataFrame({label: pd.Series(dtype=float) for label in LABEL_COLUMNS})
    per_label = model.predict_proba(inputs)
    return pd.DataFrame(
        {label: proba[:, 1] for label, proba in zip(LABEL_COLUMNS, per_label, strict=True)},
        index=inputs.index,
    )


def fit(labels: pd.DataFrame, use_rules: bool = True, inputs: pd.DataFrame | None = None):
    """The pipeline fitted on labelled replies (`load_training_labels` rows)."""
    if inputs is None:
        inputs = inputs_for_texts(labels["reply"], labels["complaint"])
    model = build_pipeline(use_rules=use_rules)
    return model.fit(inputs, labels[list(LABEL_COLUMNS)].to_numpy(dtype=int))


def _label_files_key(extra: tuple[Path, ...]) -> tuple[tuple[str, float, int], ...]:
    return tuple((str(f), f.stat().st_mtime, f.stat().st_size) for f in [*label_files(), *extra])


@lru_cache(maxsize=2)
def _trained(key: tuple[tuple[str, float, int], ...]) -> Pipeline:
    return fit(load_training_labels([Path(name) for name, _, _ in key]))


def trained_model(extra_files: tuple[Path, ...] = ()) -> Pipeline:
    """The pipeline trained on every label file (and `extra_files`), trained once per process."""
    return _trained(_label_files_key(tuple(extra_files)))
