"""The learned labeller for the five-lessons text labels: TF-IDF word and character n-grams of the
masked reply, stacked with the rule features (cue counts, complaint-reply overlap), one logistic
regression per label, trained on the hand-labelled replies in `data/labels/*.csv`.

Training takes a few seconds; `trained_model()` trains once per process and keeps the model in memory
(retrained when a label file changes). Prediction works in batches so it can run over every reply
of the full twcs.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, diags, hstack
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from analysis import paths
from analysis import rubric_rules as rules
from analysis import text as textlib

LABEL_COLUMNS = rules.LABEL_NAMES
TRAINING_COLUMNS = ["label_id", "industry", "channel", "complaint", "reply", *LABEL_COLUMNS]
PREDICT_BATCH_ROWS = 100_000
SEED = 20171031


class LabelFileError(ValueError):
    """A label file that cannot be used for training."""


def load_training_labels(files: list[Path] | None = None) -> pd.DataFrame:
    """The hand-labelled replies of data/labels/*.csv, one row each, labels as 0/1 ints."""
    files = sorted(paths.LABELS_DIR.glob("*.csv")) if files is None else list(files)
    if not files:
        raise LabelFileError(
            f"analysis: no label files in {paths.LABELS_DIR} (expected *.csv with columns "
            f"{TRAINING_COLUMNS})"
        )
    frames = []
    for file in files:
        frame = pd.read_csv(file, dtype={"label_id": str})
        missing = set(TRAINING_COLUMNS) - set(frame.columns)
        if missing:
            raise LabelFileError(
                f"analysis: {file.name}: missing column(s) {sorted(missing)} "
                f"(expected {TRAINING_COLUMNS})"
            )
        frame = frame[TRAINING_COLUMNS].assign(label_file=file.name)
        frames.append(frame)
    labels = pd.concat(frames, ignore_index=True)
    labels = labels[labels["reply"].notna() & (labels["reply"].astype(str).str.strip() != "")]
    for column in LABEL_COLUMNS:
        values = pd.to_numeric(labels[column], errors="coerce")
        bad = values.isna() | ~values.isin([0, 1])
        if bad.any():
            first = labels.loc[bad, "label_id"].iloc[0]
            raise LabelFileError(
                f"analysis: label {first}, column {column}: {labels.loc[bad, column].iloc[0]!r} "
                "is not 0 or 1"
            )
        labels[column] = values.astype(int)
    labels["complaint"] = labels["complaint"].fillna("").astype(str)
    labels["reply"] = labels["reply"].astype(str)
    return labels.reset_index(drop=True)


def model_text(prepared: pd.DataFrame) -> pd.Series:
    """What the n-gram features see: the prepared reply's sentences (`analysis.prepare`), numbers
    masked, one line."""
    return textlib.mask_numbers(prepared["sentences"].str.replace("\n", " ", regex=False))


def _rule_matrix(features: pd.DataFrame) -> csr_matrix:
    """Rule features as a sparse block: counts squashed with log1p, flags as they are."""
    values = np.log1p(features.to_numpy(dtype=float))
    return csr_matrix(values)


# The n-gram blocks: (CountVectorizer options, minimum document frequency, maximum features).
NGRAM_BLOCKS = {
    "word": ({"ngram_range": (1, 2), "token_pattern": r"<?\b\w[\w']*\b>?"}, 1, None),
    "char": ({"analyzer": "char_wb", "ngram_range": (2, 5)}, 2, 60_000),
}


@dataclass
class NgramCounts:
    """Raw n-gram counts of a corpus per block, analysed once (cross-validation reuses them)."""

    matrices: dict[str, csr_matrix]
    names: dict[str, np.ndarray]


def count_ngrams(texts: pd.Series) -> NgramCounts:
    """Word and character n-gram counts of every text, with every n-gram seen as a column."""
    matrices, names = {}, {}
    for block, (options, _, _) in NGRAM_BLOCKS.items():
        counter = CountVectorizer(**options)
        matrices[block] = counter.fit_transform(texts).tocsr()
        names[block] = counter.get_feature_names_out()
    return NgramCounts(matrices=matrices, names=names)


@dataclass
class TfidfBlock:
    """Sublinear TF-IDF with l2 rows over a fixed vocabulary (what TfidfVectorizer(sublinear_tf=True)
    computes, fitted from counts so that folds need no second pass over the text)."""

    counter: CountVectorizer
    idf: np.ndarray

    def weigh(self, counts: csr_matrix) -> csr_matrix:
        weighted = counts.astype(float).tocsr(copy=True)
        weighted.data = 1.0 + np.log(weighted.data)
        return normalize(weighted @ diags(self.idf))

    def transform(self, texts: pd.Series) -> csr_matrix:
        return self.weigh(self.counter.transform(texts))


def _fit_block(block: str, counts: csr_matrix, names: np.ndarray) -> tuple[TfidfBlock, np.ndarray]:
    """The columns a block keeps on these rows (min df, most frequent first) and their IDF."""
    options, min_df, max_features = NGRAM_BLOCKS[block]
    document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
    columns = np.flatnonzero(document_frequency >= min_df)
    if max_features is not None and len(columns) > max_features:
        frequency = np.asarray(counts[:, columns].sum(axis=0)).ravel()
        columns = np.sort(columns[np.argsort(-frequency, kind="stable")[:max_features]])
    rows = counts.shape[0]
    idf = np.log((1 + rows) / (1 + document_frequency[columns])) + 1.0
    vocabulary = {name: i for i, name in enumerate(names[columns])}
    return TfidfBlock(CountVectorizer(**options, vocabulary=vocabulary), idf), columns


@dataclass
class RubricModel:
    """Fitted TF-IDF blocks and one logistic regression per text label."""

    blocks: dict[str, TfidfBlock]
    classifiers: dict[str, LogisticRegression]
    thresholds: dict[str, float] = field(default_factory=dict)
    training_rows: int = 0
    use_rules: bool = True  # stack the rule features; False gives the n-gram-only baseline
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # of the counts it was fitted on

    def _stack(
        self, ngram_blocks: list[csr_matrix], rule_features: pd.DataFrame | None
    ) -> csr_matrix:
        if self.use_rules:
            ngram_blocks = [*ngram_blocks, _rule_matrix(rule_features)]
        return hstack(ngram_blocks).tocsr()

    def features(
        self,
        texts: pd.Series,
        contexts: pd.Series | None,
        rule_features: pd.DataFrame | None = None,
        prepared: pd.DataFrame | None = None,
    ) -> csr_matrix:
        """The stacked feature matrix of replies (prepared and rule features computed when not
        given)."""
        if prepared is None:
            prepared = rules.prepare(texts)
        ngram_text = model_text(prepared)
        if self.use_rules and rule_features is None:
            rule_features = rules.rule_features(texts, contexts, prepared=prepared)
        blocks = [self.blocks[block].transform(ngram_text) for block in NGRAM_BLOCKS]
        return self._stack(blocks, rule_features)

    def features_from_counts(
        self, counts: NgramCounts, rows: np.ndarray, rule_features: pd.DataFrame | None
    ) -> csr_matrix:
        """The same matrix for rows of a corpus whose n-grams were counted by `count_ngrams`."""
        blocks = [
            self.blocks[block].weigh(counts.matrices[block][rows][:, self.columns[block]])
            for block in NGRAM_BLOCKS
        ]
        return self._stack(blocks, rule_features)

    def probabilities(self, matrix: csr_matrix, index: pd.Index) -> pd.DataFrame:
        """Probability per label for the rows of a feature matrix."""
        return pd.DataFrame(
            {label: model.predict_proba(matrix)[:, 1] for label, model in self.classifiers.items()},
            index=index,
        )

    def predict_proba(
        self,
        texts: pd.Series,
        contexts: pd.Series | None = None,
        rule_features: pd.DataFrame | None = None,
        prepared: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Probability per text label (0-1), index aligned with texts, computed in batches;
        `prepared` (the text stage's columns of texts) is computed when not given."""
        if contexts is None:
            contexts = pd.Series("", index=texts.index)
        parts = []
        for start in range(0, len(texts), PREDICT_BATCH_ROWS):
            stop = start + PREDICT_BATCH_ROWS
            batch_rules = None if rule_features is None else rule_features.iloc[start:stop]
            batch_prepared = None if prepared is None else prepared.iloc[start:stop]
            matrix = self.features(
                texts.iloc[start:stop], contexts.iloc[start:stop], batch_rules, batch_prepared
            )
            parts.append(self.probabilities(matrix, texts.index[start:stop]))
        if not parts:
            return pd.DataFrame({label: pd.Series(dtype=float) for label in self.classifiers})
        return pd.concat(parts)


def fit_from_counts(
    counts: NgramCounts,
    rows: np.ndarray,
    targets: pd.DataFrame,
    labels: tuple[str, ...] = LABEL_COLUMNS,
    rule_features: pd.DataFrame | None = None,
    use_rules: bool = True,
) -> RubricModel:
    """Fit the TF-IDF blocks and one classifier per label on some rows of counted texts
    (targets and rule_features hold those rows, in that order)."""
    blocks, columns = {}, {}
    for block in NGRAM_BLOCKS:
        blocks[block], columns[block] = _fit_block(
            block, counts.matrices[block][rows], counts.names[block]
        )
    model = RubricModel(
        blocks=blocks,
        classifiers={},
        training_rows=len(rows),
        use_rules=use_rules,
        columns=columns,
    )
    matrix = model.features_from_counts(counts, rows, rule_features)
    for label in labels:
        y = targets[label].to_numpy(dtype=int)
        if y.min() == y.max():  # one class only: a constant model
            classifier = _ConstantClassifier(float(y[0]))
        else:
            classifier = LogisticRegression(
                C=4.0, class_weight="balanced", solver="liblinear", max_iter=1000, random_state=SEED
            )
            classifier.fit(matrix, y)
        model.classifiers[label] = classifier
        model.thresholds[label] = 0.5
    return model


def fit_model(
    texts: pd.Series,
    contexts: pd.Series,
    targets: pd.DataFrame,
    labels: tuple[str, ...] = LABEL_COLUMNS,
    rule_features: pd.DataFrame | None = None,
    use_rules: bool = True,
) -> RubricModel:
    """Fit the TF-IDF blocks and one classifier per label on hand-labelled replies."""
    prepared = rules.prepare(texts)
    if rule_features is None and use_rules:
        rule_features = rules.rule_features(texts, contexts, prepared=prepared)
    counts = count_ngrams(model_text(prepared))
    rows = np.arange(len(texts))
    return fit_from_counts(counts, rows, targets, labels, rule_features, use_rules)


class _ConstantClassifier:
    """Stands in for a classifier when the training labels hold one class only."""

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def predict_proba(self, matrix) -> np.ndarray:
        rows = matrix.shape[0]
        return np.column_stack(
            [np.full(rows, 1 - self.probability), np.full(rows, self.probability)]
        )


def _label_files_key() -> tuple[tuple[str, float, int], ...]:
    return tuple(
        (f.name, f.stat().st_mtime, f.stat().st_size)
        for f in sorted(paths.LABELS_DIR.glob("*.csv"))
    )


@lru_cache(maxsize=2)
def _trained(key: tuple[tuple[str, float, int], ...]) -> RubricModel:
    labels = load_training_labels()
    return fit_model(labels["reply"], labels["complaint"], labels)


def trained_model() -> RubricModel:
    """The model trained on data/labels/*.csv, trained at first use and kept in memory."""
    return _trained(_label_files_key())
