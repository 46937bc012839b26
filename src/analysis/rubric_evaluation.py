"""How well the rubric's labellers read replies: for maintainers, run by `analysis rubric --evaluate`.

Two measurements back `analysis.rubric.CHOSEN_LABELLER`: stratified k-fold cross-validation on
the hand-labelled replies (data/labels/*.csv, fixed seed) and the real development set
(`analysis.paths.real_sample_path()` with `rubric_dev_labels_path()`), which is never trained on.
`write_labeller_quality` stores both in the labeller quality file
(data/labels/evaluation/labeller_quality.csv, with a JSON sidecar saying what it was measured on);
the report reads that file (`labeller_quality`, `report_table`) instead of retraining.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from analysis import __version__, paths, rubric
from analysis import rubric_model as model_lib
from analysis import rubric_rules as rules

TEXT_LABELS = rubric.TEXT_LABELS
CV_FOLDS = 5
CV_SEED = rubric.CV_SEED
# Out-of-fold model probabilities are cut at 0.5: the per-label thresholds of the trained model
# are fitted on all labelled replies, so using them on held-out folds would leak.
CV_THRESHOLD = 0.5
# Dev-set F1 differences below this (about one reply in 185) are ties, settled by CV F1, then rules.
F1_TIE_MARGIN = 0.01
# The model without the rule features, to show what the rules add.
NGRAM_BASELINE = "ngrams"

# A subfolder: every data/labels/*.csv is read as training labels.
QUALITY_SUBDIR = "evaluation"
QUALITY_FILE = "labeller_quality.csv"
_SCORE_FIELDS = {
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "positives": "support_count",
    "predicted": "predicted_count",
    "rows": "reply_count",
}
QUALITY_COLUMNS = [
    "label",
    "labeller",
    "chosen",
    "recommended",
    *[f"cv_{name}" for name in _SCORE_FIELDS.values()],
    *[f"dev_{name}" for name in _SCORE_FIELDS.values()],
]
_COUNT_COLUMNS = [c for c in QUALITY_COLUMNS if c.endswith("_count")]


def quality_path() -> Path:
    """Where the labeller quality file lives by default (data/labels/evaluation/)."""
    return paths.LABELS_DIR / QUALITY_SUBDIR / QUALITY_FILE


# ---------------------------------------------------------------------------------------------
# Measuring
def load_dev_set(
    sample_path: str | Path | None = None, labels_path: str | Path | None = None
) -> pd.DataFrame | None:
    """The real development set: labelled brand replies with the complaint they answer, or None
    when its paths are neither given nor set in the environment."""
    sample_path = sample_path or paths.real_sample_path()
    labels_path = labels_path or paths.rubric_dev_labels_path()
    if sample_path is None or labels_path is None:
        return None
    tweets = pd.read_csv(sample_path, dtype=str, keep_default_na=False, na_values=[""])
    labels = pd.read_csv(labels_path, dtype={"tweet_id": str})
    missing = (set(TEXT_LABELS) | {"tweet_id"}) - set(labels.columns)
    if missing:
        raise ValueError(f"analysis: {Path(labels_path).name}: missing column(s) {sorted(missing)}")
    text_by_id = tweets.set_index("tweet_id")["text"]
    dev = labels.merge(
        tweets[["tweet_id", "text", "in_response_to_tweet_id"]], on="tweet_id", how="left"
    )
    unknown = dev["text"].isna()
    if unknown.any():
        raise ValueError(
            f"analysis: {Path(labels_path).name}: tweet_id {dev.loc[unknown, 'tweet_id'].iloc[0]} "
            f"is not in {Path(sample_path).name}"
        )
    dev["reply"] = dev["text"]
    dev["complaint"] = dev["in_response_to_tweet_id"].map(text_by_id).fillna("")
    for label in TEXT_LABELS:
        dev[label] = dev[label].astype(int)
    return dev[["tweet_id", "reply", "complaint", *TEXT_LABELS]]


def _scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "positives": int(truth.sum()),
        "predicted": int(predicted.sum()),
        "rows": int(len(truth)),
    }


def cross_validate(
    training: pd.DataFrame | None = None,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    baseline: bool = False,
) -> pd.DataFrame:
    """Stratified k-fold precision, recall and F1 per label for rules and model, pooled over the
    out-of-fold predictions (the rules learn nothing, so theirs is a plain score on every row);
    `baseline` adds the n-gram-only model."""
    training = (
        model_lib.load_training_labels() if training is None else training.reset_index(drop=True)
    )
    texts, contexts = training["reply"], training["complaint"]
    prepared = rules.prepare(texts)
    features = rules.rule_features(texts, contexts, prepared=prepared)
    rule_pred = rules.labels_from_features(features)
    counts = model_lib.count_ngrams(model_lib.model_text(prepared))
    variants = (("model", True), (NGRAM_BASELINE, False)) if baseline else (("model", True),)
    rows = []
    for label in TEXT_LABELS:
        y = training[label].to_numpy(dtype=int)
        rows.append(
            {"label": label, "labeller": "rules", **_scores(y, rule_pred[label].to_numpy())}
        )
        for name, use_rules in variants:
            out_of_fold = np.zeros(len(training))
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
            for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
                fitted = model_lib.fit_from_counts(
                    counts,
                    train_idx,
                    training.iloc[train_idx],
                    (label,),
                    rule_features=features.iloc[train_idx],
                    use_rules=use_rules,
                )
                matrix = fitted.features_from_counts(counts, test_idx, features.iloc[test_idx])
                proba = fitted.probabilities(matrix, training.index[test_idx])[label]
                out_of_fold[test_idx] = proba.to_numpy()
            predicted = (out_of_fold >= CV_THRESHOLD).astype(int)
            rows.append({"label": label, "labeller": name, **_scores(y, predicted)})
    return pd.DataFrame(rows)


def evaluate_dev(
    dev: pd.DataFrame | None = None,
    training: pd.DataFrame | None = None,
    baseline: bool = False,
) -> pd.DataFrame | None:
    """Precision, recall and F1 per label for rules and model (trained on all of data/labels) on the
    development set; None when the development set is not available. `baseline` adds the
    n-gram-only model."""
    dev = load_dev_set() if dev is None else dev
    if dev is None:
        return None
    features = rules.rule_features(dev["reply"], dev["complaint"])
    rule_pred = rules.labels_from_features(features)
    if training is None:
        fitted = model_lib.trained_model()
    else:
        fitted = model_lib.fit_model(training["reply"], training["complaint"], training)
    proba = fitted.predict_proba(dev["reply"], dev["complaint"], features)
    ngram_proba = None
    if baseline:
        training = model_lib.load_training_labels() if training is None else training
        ngrams = model_lib.fit_model(
            training["reply"], training["complaint"], training, use_rules=False
        )
        ngram_proba = ngrams.predict_proba(dev["reply"], dev["complaint"])
    rows = []
    for label in TEXT_LABELS:
        y = dev[label].to_numpy(dtype=int)
        model_pred = (proba[label] >= fitted.thresholds[label]).astype(int).to_numpy()
        rows.append(
            {"label": label, "labeller": "rules", **_scores(y, rule_pred[label].to_numpy())}
        )
        rows.append({"label": label, "labeller": "model", **_scores(y, model_pred)})
        if ngram_proba is not None:
            predicted = (ngram_proba[label] >= CV_THRESHOLD).astype(int).to_numpy()
            rows.append({"label": label, "labeller": NGRAM_BASELINE, **_scores(y, predicted)})
    return pd.DataFrame(rows)


def compare_labellers(cv: pd.DataFrame, dev: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per label: CV and dev F1 of rules and model, the labeller they recommend and the one in use."""
    table = cv.pivot(index="label", columns="labeller", values="f1").add_prefix("cv_f1_")
    if dev is not None:
        table = table.join(
            dev.pivot(index="label", columns="labeller", values="f1").add_prefix("dev_f1_")
        )
    table = table.reindex(list(TEXT_LABELS))

    def recommend(row: pd.Series) -> str:
        if dev is not None and abs(row["dev_f1_rules"] - row["dev_f1_model"]) >= F1_TIE_MARGIN:
            return "rules" if row["dev_f1_rules"] > row["dev_f1_model"] else "model"
        return "rules" if row["cv_f1_rules"] >= row["cv_f1_model"] else "model"

    # Six labels: a row-wise apply is clearer than a vectorised tie-break here.
    table["recommended"] = table.apply(recommend, axis=1)
    table["chosen"] = [rubric.CHOSEN_LABELLER[label] for label in table.index]
    return table.reset_index()


def evaluate(
    training: pd.DataFrame | None = None,
    dev: pd.DataFrame | None = None,
    baseline: bool = False,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
) -> dict[str, pd.DataFrame | None]:
    """The whole evaluation: `cv` (cross_validate), `dev` (evaluate_dev, None without the
    development set) and `comparison` (compare_labellers)."""
    training = model_lib.load_training_labels() if training is None else training
    dev = load_dev_set() if dev is None else dev
    cv = cross_validate(training, folds=folds, seed=seed, baseline=baseline)
    dev_scores = evaluate_dev(dev, training, baseline=baseline) if dev is not None else None
    return {"cv": cv, "dev": dev_scores, "comparison": compare_labellers(cv, dev_scores)}


# ---------------------------------------------------------------------------------------------
# The labeller quality file
def quality_table(cv: pd.DataFrame, dev: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per label and labeller: CV and dev scores (dev empty without it), chosen, recommended.

    `cv` and `dev` are `cross_validate` / `evaluate_dev` results; every labeller in `cv` gets a row
    (rules, model and, when evaluated, the n-gram baseline, which is never chosen)."""
    keys = ["label", "labeller"]
    table = cv[keys + list(_SCORE_FIELDS)].rename(
        columns={old: f"cv_{new}" for old, new in _SCORE_FIELDS.items()}
    )
    dev_columns = {old: f"dev_{new}" for old, new in _SCORE_FIELDS.items()}
    if dev is not None:
        table = table.merge(
            dev[keys + list(_SCORE_FIELDS)].rename(columns=dev_columns), on=keys, how="left"
        )
    else:
        table = table.assign(**{column: np.nan for column in dev_columns.values()})
    recommended = compare_labellers(cv, dev).set_index("label")["recommended"]
    table["chosen"] = table["labeller"].eq(table["label"].map(rubric.CHOSEN_LABELLER))
    table["recommended"] = table["labeller"].eq(table["label"].map(recommended))
    order = {label: i for i, label in enumerate(TEXT_LABELS)}
    table = table.sort_values("label", key=lambda s: s.map(order), kind="stable")
    table[_COUNT_COLUMNS] = table[_COUNT_COLUMNS].astype("Int64")
    return table[QUALITY_COLUMNS].reset_index(drop=True)


def write_labeller_quality(
    out: str | Path | None = None,
    *,
    training: pd.DataFrame | None = None,
    dev: pd.DataFrame | None = None,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    dev_files: tuple[str | Path, str | Path] | None = None,
) -> dict[str, Path]:
    """Evaluate rules and model and write the quality CSV and its JSON sidecar; returns both paths.

    `dev` is the development set (`load_dev_set`), None to leave the dev columns empty; `dev_files`
    (sample, labels) are recorded in the sidecar by file name only."""
    out = quality_path() if out is None else Path(out)
    training = model_lib.load_training_labels() if training is None else training
    cv = cross_validate(training, folds=folds, seed=seed)
    dev_scores = evaluate_dev(dev, training) if dev is not None else None
    table = quality_table(cv, dev_scores)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Four decimals: enough to tell one reply in 1,256, and diffs stay readable.
    table.to_csv(out, index=False, float_format="%.4f")
    sidecar = out.with_suffix(".json")
    files = training["label_file"].value_counts().sort_index() if "label_file" in training else None
    measured_with = {
        "measured_on": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "package_version": __version__,
        "labelled_replies": int(len(training)),
        "label_files": {str(k): int(v) for k, v in files.items()} if files is not None else None,
        "cv_folds": folds,
        "cv_seed": seed,
        "cv_threshold": CV_THRESHOLD,
        "f1_tie_margin": F1_TIE_MARGIN,
        "dev_set": None
        if dev is None
        else {
            "replies": int(len(dev)),
            # File names only: the development set lives outside the repository.
            "sample_file": Path(dev_files[0]).name if dev_files else None,
            "labels_file": Path(dev_files[1]).name if dev_files else None,
        },
        "chosen_labeller": dict(rubric.CHOSEN_LABELLER),
        "versions": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "scikit-learn": sklearn.__version__,
        },
    }
    sidecar.write_text(json.dumps(measured_with, indent=2) + "\n")
    return {"quality": out, "sidecar": sidecar}


def labeller_quality(path: str | Path | None = None) -> pd.DataFrame:
    """The labeller quality file `analysis rubric --evaluate` wrote (one row per label and labeller)."""
    path = quality_path() if path is None else Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"analysis: no labeller quality file at {path}: write it with `analysis rubric --evaluate`"
        )
    table = pd.read_csv(path)
    missing = [column for column in QUALITY_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(
            f"analysis: {path.name}: missing column(s) {missing}; rewrite it with "
            "`analysis rubric --evaluate`"
        )
    table[_COUNT_COLUMNS] = table[_COUNT_COLUMNS].astype("Int64")
    table[["chosen", "recommended"]] = table[["chosen", "recommended"]].astype(bool)
    return table[QUALITY_COLUMNS]


def labeller_quality_metadata(path: str | Path | None = None) -> dict:
    """What the quality file was measured with (its JSON sidecar): replies, folds, seed, date."""
    path = (quality_path() if path is None else Path(path)).with_suffix(".json")
    if not path.exists():
        raise FileNotFoundError(
            f"analysis: no {path.name} beside the labeller quality file at {path.parent}: "
            "write both with `analysis rubric --evaluate`"
        )
    return json.loads(path.read_text())


def report_table(quality: pd.DataFrame | None = None) -> pd.DataFrame:
    """The labeller in use per text label with its F1, cross-validated and on real replies (dev)."""
    quality = labeller_quality() if quality is None else quality
    chosen = quality[quality["chosen"].astype(bool)]
    return pd.DataFrame(
        {
            "Label": chosen["label"].str.replace("_", " "),
            "Labeller in use": chosen["labeller"],
            "F1, cross-validated on labelled replies": chosen["cv_f1"].astype(float).round(3),
            "F1 on real replies (development set)": chosen["dev_f1"].astype(float).round(3),
        }
    ).reset_index(drop=True)
