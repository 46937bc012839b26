"""How well the rubric's labellers read replies: for maintainers, run by `analysis rubric --evaluate`.

Three measurements back `analysis.rubric.CHOSEN_LABELLER`, for the rules, the model and their
combination "either" (rules OR model):

- **leave one brand out** (`leave_one_brand_out`): for each brand of the real annotated replies
  (data/labels/real/), train on every other real brand plus the hand-written replies and predict
  the held-out brand; out-of-fold predictions are pooled and scored per label with bootstrap 95%
  intervals that resample *brands* (a new brand is what the report meets, and replies of one brand
  are not independent), and predicted against true share. This is what the choice rests on.
- the **development set** (`evaluate_dev`): real twcs replies, scored by a model trained on every
  label file, never trained on.
- **k-fold cross-validation** over every labelled reply (`cross_validate`), kept for continuity:
  it mixes brands between folds and so reads optimistic.

`write_labeller_quality` stores them in data/labels/evaluation/labeller_quality.csv (with a JSON
sidecar saying what it was measured on); the report reads that file (`labeller_quality`,
`report_table`) instead of retraining. `evaluate_sheet` scores the labeller on a team's own filled
labelling sheet (`analysis rubric --evaluate FILE`).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.model_selection import KFold

from analysis import __version__, paths, rubric
from analysis import rubric_model as model_lib
from analysis import rubric_rules as rules

TEXT_LABELS = rubric.TEXT_LABELS
LABELLERS = rubric.LABELLERS
CV_FOLDS = 5
CV_SEED = rubric.CV_SEED
CV_THRESHOLD = model_lib.THRESHOLD
# F1 differences below this are ties (about one reply in a hundred positives).
F1_TIE_MARGIN = 0.01
BOOTSTRAP_DRAWS = 1000
# The model without the rule features, to show what the rules add.
NGRAM_BASELINE = "ngrams"

QUALITY_SUBDIR = "evaluation"
QUALITY_FILE = "labeller_quality.csv"
_SCORE_FIELDS = {
    "precision": "precision",
    "recall": "recall",
    "f1": "f1",
    "positives": "support_count",
    "predicted": "predicted_count",
    "true_positives": "true_positive_count",
    "rows": "reply_count",
}
_INTERVAL_FIELDS = ("precision", "recall", "f1")
_LOBO_FIELDS = [
    *[
        part
        for name in _INTERVAL_FIELDS
        for part in (f"lobo_{name}", f"lobo_{name}_low", f"lobo_{name}_high")
    ],
    "lobo_support_count",
    "lobo_predicted_count",
    "lobo_true_positive_count",
    "lobo_reply_count",
    "lobo_brand_count",
    "lobo_true_share",
    "lobo_predicted_share",
    "lobo_f1_without_complaint",
]
QUALITY_COLUMNS = [
    "label",
    "labeller",
    "chosen",
    "recommended",
    *_LOBO_FIELDS,
    *[f"dev_{name}" for name in _SCORE_FIELDS.values()],
    *[f"cv_{name}" for name in _SCORE_FIELDS.values()],
]
_COUNT_COLUMNS = [c for c in QUALITY_COLUMNS if c.endswith("_count")]


def quality_path() -> Path:
    """Where the labeller quality file lives by default (data/labels/evaluation/)."""
    return paths.LABELS_DIR / QUALITY_SUBDIR / QUALITY_FILE


# ---------------------------------------------------------------------------------------------
# Data
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


# ---------------------------------------------------------------------------------------------
# Predictions
def _predictions(
    rule_pred: pd.DataFrame, proba: pd.DataFrame, label: str, labeller: str
) -> np.ndarray:
    """0/1 per reply from the rules' decisions and the model's probabilities, for one labeller."""
    ruled = rule_pred[label].to_numpy(dtype=int)
    modelled = (proba[label].to_numpy(dtype=float) >= model_lib.THRESHOLD).astype(int)
    return {"rules": ruled, "model": modelled, "either": ruled | modelled}[labeller]


def _out_of_fold(
    training: pd.DataFrame,
    inputs: pd.DataFrame,
    splits: list[tuple[np.ndarray, np.ndarray]],
    use_rules: bool = True,
) -> pd.DataFrame:
    """The model's out-of-fold probabilities per label: fitted on each split's train rows."""
    template = model_lib.build_pipeline(use_rules=use_rules)
    targets = training[list(TEXT_LABELS)].to_numpy(dtype=int)
    proba = pd.DataFrame(np.nan, index=training.index, columns=list(TEXT_LABELS))
    for train_rows, test_rows in splits:
        fitted = clone(template).fit(inputs.iloc[train_rows], targets[train_rows])
        proba.iloc[test_rows] = model_lib.probabilities(fitted, inputs.iloc[test_rows]).to_numpy()
    return proba


def _rule_decisions(inputs: pd.DataFrame) -> pd.DataFrame:
    return rules.labels_from_features(inputs[list(rules.FEATURE_NAMES)])


def prediction_table(
    truth: pd.DataFrame, rule_pred: pd.DataFrame, proba: pd.DataFrame, groups: pd.Series
) -> pd.DataFrame:
    """Long table: one row per reply, label and labeller with `truth`, `predicted` and `group`."""
    parts = []
    for label in TEXT_LABELS:
        for labeller in LABELLERS:
            parts.append(
                pd.DataFrame(
                    {
                        "label": label,
                        "labeller": labeller,
                        "group": groups.to_numpy(),
                        "truth": truth[label].to_numpy(dtype=int),
                        "predicted": _predictions(rule_pred, proba, label, labeller),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def leave_one_brand_out(
    training: pd.DataFrame | None = None, use_complaint: bool = True
) -> pd.DataFrame | None:
    """Out-of-fold predictions of every real labelled reply: the model is trained on every other
    real brand plus the hand-written replies (`prediction_table` rows); None without real labels.

    `use_complaint=False` blanks every complaint, to measure what reading it adds."""
    training = model_lib.load_training_labels() if training is None else training
    training = training.reset_index(drop=True)
    real = training["source"].eq("real").to_numpy()
    if not real.any():
        return None
    complaints = training["complaint"] if use_complaint else pd.Series("", index=training.index)
    inputs = model_lib.inputs_for_texts(training["reply"], complaints)
    groups = training["group"].astype(str)
    splits = []
    for brand in pd.unique(groups[real]):
        held_out = (groups == brand).to_numpy() & real
        splits.append((np.flatnonzero(~held_out), np.flatnonzero(held_out)))
    proba = _out_of_fold(training, inputs, splits)
    rows = np.flatnonzero(real)
    return prediction_table(
        training.iloc[rows],
        _rule_decisions(inputs).iloc[rows],
        proba.iloc[rows],
        groups.iloc[rows],
    )


def cross_validate(
    training: pd.DataFrame | None = None,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    baseline: bool = False,
) -> pd.DataFrame:
    """Shuffled k-fold precision, recall and F1 per label and labeller over every labelled reply,
    pooled out of fold (the rules learn nothing: theirs is a plain score); `baseline` adds the
    n-gram-only model."""
    training = model_lib.load_training_labels() if training is None else training
    training = training.reset_index(drop=True)
    inputs = model_lib.inputs_for_texts(training["reply"], training["complaint"])
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(inputs))
    groups = pd.Series("all", index=training.index)
    table = prediction_table(
        training, _rule_decisions(inputs), _out_of_fold(training, inputs, splits), groups
    )
    scores = score_predictions(table, draws=0)
    if baseline:
        ngrams = _out_of_fold(training, inputs, splits, use_rules=False)
        only = prediction_table(training, _rule_decisions(inputs), ngrams, groups)
        only = only[only["labeller"] == "model"].assign(labeller=NGRAM_BASELINE)
        scores = pd.concat([scores, score_predictions(only, draws=0)], ignore_index=True)
    return scores


def evaluate_dev(
    dev: pd.DataFrame | None = None,
    training: pd.DataFrame | None = None,
    baseline: bool = False,
) -> pd.DataFrame | None:
    """Precision, recall and F1 per label and labeller (model trained on every label file) on the
    development set; None when it is not available. `baseline` adds the n-gram-only model."""
    dev = load_dev_set() if dev is None else dev
    if dev is None:
        return None
    return score_texts(dev, training, baseline=baseline, draws=0)


def score_texts(
    sheet: pd.DataFrame,
    training: pd.DataFrame | None = None,
    baseline: bool = False,
    draws: int = BOOTSTRAP_DRAWS,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Scores per label and labeller on labelled replies (`reply`, `complaint`, label columns) by
    a model trained on `training` (default: every label file); intervals resample replies."""
    inputs = model_lib.inputs_for_texts(sheet["reply"], sheet["complaint"])
    fitted = model_lib.trained_model() if training is None else model_lib.fit(training)
    proba = model_lib.probabilities(fitted, inputs)
    sheet = sheet.reset_index(drop=True)
    groups = pd.Series(np.arange(len(sheet)).astype(str))  # every reply its own resampling unit
    table = prediction_table(sheet, _rule_decisions(inputs), proba, groups)
    if weights is not None:
        table["weight"] = np.tile(weights.to_numpy(dtype=float), len(TEXT_LABELS) * len(LABELLERS))
    scores = score_predictions(table, draws=draws)
    if baseline:
        training = model_lib.load_training_labels() if training is None else training
        ngrams = model_lib.fit(training, use_rules=False)
        only = prediction_table(
            sheet, _rule_decisions(inputs), model_lib.probabilities(ngrams, inputs), groups
        )
        only = only[only["labeller"] == "model"].assign(labeller=NGRAM_BASELINE)
        scores = pd.concat([scores, score_predictions(only, draws=0)], ignore_index=True)
    return scores


# ---------------------------------------------------------------------------------------------
# Scores
def _f1_parts(tp: np.ndarray, predicted: np.ndarray, positives: np.ndarray) -> dict:
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(positives > 0, tp / positives, 0.0)
        f1 = np.where(predicted + positives > 0, 2 * tp / (predicted + positives), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1}


def score_predictions(
    table: pd.DataFrame, draws: int = BOOTSTRAP_DRAWS, seed: int = CV_SEED
) -> pd.DataFrame:
    """Per label and labeller: precision, recall, F1, counts, true and predicted share, and (with
    `draws`) bootstrap 95% intervals resampling the table's `group`s (brands, or replies when each
    is its own group). An optional `weight` column weighs replies (a stratified sample's inverse
    inclusion probability)."""
    table = table.assign(
        weight=table.get("weight", 1.0),
        tp=table["truth"] * table["predicted"],
    )
    table = table.assign(
        w_tp=table["tp"] * table["weight"],
        w_pred=table["predicted"] * table["weight"],
        w_pos=table["truth"] * table["weight"],
    )
    keys = ["label", "labeller"]
    per_group = table.groupby([*keys, "group"], sort=False)[["w_tp", "w_pred", "w_pos", "weight"]]
    per_group = per_group.sum()
    rng = np.random.default_rng(seed)
    rows = []
    group_order = pd.unique(table["group"])
    resample = None
    if draws:
        # One set of resampled groups for every label and labeller, so their intervals compare.
        resample = rng.multinomial(
            len(group_order), np.full(len(group_order), 1 / len(group_order)), size=draws
        )
    for (label, labeller), counts in table.groupby(keys, sort=False):
        weighted = per_group.loc[(label, labeller)].reindex(group_order, fill_value=0.0)
        total = weighted.sum()
        point = _f1_parts(
            np.array(total["w_tp"]), np.array(total["w_pred"]), np.array(total["w_pos"])
        )
        row = {
            "label": label,
            "labeller": labeller,
            **{name: float(value) for name, value in point.items()},
            "positives": int(counts["truth"].sum()),
            "predicted": int(counts["predicted"].sum()),
            "true_positives": int(counts["tp"].sum()),
            "rows": int(len(counts)),
            "groups": int(counts["group"].nunique()),
            "true_share": float(total["w_pos"] / total["weight"]),
            "predicted_share": float(total["w_pred"] / total["weight"]),
        }
        if resample is not None:
            drawn = resample @ weighted[["w_tp", "w_pred", "w_pos"]].to_numpy()
            parts = _f1_parts(drawn[:, 0], drawn[:, 1], drawn[:, 2])
            for name, values in parts.items():
                row[f"{name}_low"], row[f"{name}_high"] = np.percentile(values, [2.5, 97.5])
        rows.append(row)
    return pd.DataFrame(rows)


def compare_labellers(
    lobo: pd.DataFrame | None, dev: pd.DataFrame | None = None, cv: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per label: F1 of each labeller on each measurement, the one they recommend and the one in
    use. The recommendation is the best leave-one-brand-out F1; labellers within F1_TIE_MARGIN of
    it are tied and settled by dev F1, then CV F1, then in the order rules, model, either
    (transparent first)."""
    measures = [
        (name, s) for name, s in (("lobo", lobo), ("dev", dev), ("cv", cv)) if s is not None
    ]
    table = pd.DataFrame(index=pd.Index(TEXT_LABELS, name="label"))
    for name, scores in measures:
        wide = scores[scores["labeller"].isin(LABELLERS)].pivot(
            index="label", columns="labeller", values="f1"
        )
        table = table.join(wide.add_prefix(f"{name}_f1_"))
    recommended = []
    for label in TEXT_LABELS:
        candidates = list(LABELLERS)
        for name, _ in measures:
            f1 = {c: table.loc[label, f"{name}_f1_{c}"] for c in candidates}
            best = max(f1.values())
            candidates = [c for c in candidates if f1[c] >= best - F1_TIE_MARGIN]
        recommended.append(candidates[0])
    table["recommended"] = recommended
    table["chosen"] = [rubric.CHOSEN_LABELLER[label] for label in table.index]
    return table.reset_index()


def evaluate(
    training: pd.DataFrame | None = None,
    dev: pd.DataFrame | None = None,
    baseline: bool = False,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    with_complaint_effect: bool = False,
) -> dict[str, pd.DataFrame | None]:
    """The whole evaluation: `lobo` (scored leave_one_brand_out, None without real labels),
    `dev` (evaluate_dev, None without the development set), `cv` (cross_validate), `comparison`
    (compare_labellers) and, with `with_complaint_effect`, `lobo_without_complaint`."""
    training = model_lib.load_training_labels() if training is None else training
    dev = load_dev_set() if dev is None else dev
    predictions = leave_one_brand_out(training)
    lobo = score_predictions(predictions, seed=seed) if predictions is not None else None
    without = None
    if with_complaint_effect and predictions is not None:
        without = score_predictions(leave_one_brand_out(training, use_complaint=False), draws=0)
    cv = cross_validate(training, folds=folds, seed=seed, baseline=baseline)
    dev_scores = evaluate_dev(dev, training, baseline=baseline) if dev is not None else None
    return {
        "lobo": lobo,
        "lobo_without_complaint": without,
        "dev": dev_scores,
        "cv": cv,
        "comparison": compare_labellers(lobo, dev_scores, cv),
    }


# ---------------------------------------------------------------------------------------------
# The labeller quality file
def _prefixed(scores: pd.DataFrame | None, prefix: str, columns: list[str]) -> pd.DataFrame:
    keys = ["label", "labeller"]
    if scores is None:
        return pd.DataFrame(columns=keys + columns)
    names = {old: f"{prefix}_{new}" for old, new in _SCORE_FIELDS.items()}
    names.update({"groups": f"{prefix}_brand_count"})
    names.update(
        {f"{n}_{end}": f"{prefix}_{n}_{end}" for n in _INTERVAL_FIELDS for end in ("low", "high")}
    )
    names.update(
        {"true_share": f"{prefix}_true_share", "predicted_share": f"{prefix}_predicted_share"}
    )
    renamed = scores.rename(columns=names)
    return renamed[keys + [c for c in columns if c in renamed]]


def quality_table(
    lobo: pd.DataFrame | None,
    dev: pd.DataFrame | None = None,
    cv: pd.DataFrame | None = None,
    lobo_without_complaint: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per label and labeller (rules, model, either): leave-one-brand-out, dev and CV
    scores (empty where not measured), chosen and recommended."""
    keys = ["label", "labeller"]
    table = pd.DataFrame(
        [(label, labeller) for label in TEXT_LABELS for labeller in LABELLERS], columns=keys
    )
    for prefix, scores in (("lobo", lobo), ("dev", dev), ("cv", cv)):
        columns = [c for c in QUALITY_COLUMNS if c.startswith(f"{prefix}_")]
        table = table.merge(_prefixed(scores, prefix, columns), on=keys, how="left")
    if lobo_without_complaint is not None:
        without = lobo_without_complaint[keys + ["f1"]].rename(
            columns={"f1": "lobo_f1_without_complaint"}
        )
        table = table.merge(without, on=keys, how="left")
    recommended = compare_labellers(lobo, dev, cv).set_index("label")["recommended"]
    table["chosen"] = table["labeller"].eq(table["label"].map(rubric.CHOSEN_LABELLER))
    table["recommended"] = table["labeller"].eq(table["label"].map(recommended))
    table = table.reindex(columns=QUALITY_COLUMNS)
    for column in QUALITY_COLUMNS[4:]:
        table[column] = table[column].astype("Int64" if column in _COUNT_COLUMNS else float)
    return table.reset_index(drop=True)


def write_labeller_quality(
    out: str | Path | None = None,
    *,
    training: pd.DataFrame | None = None,
    dev: pd.DataFrame | None = None,
    folds: int = CV_FOLDS,
    seed: int = CV_SEED,
    dev_files: tuple[str | Path, str | Path] | None = None,
) -> dict[str, Path]:
    """Evaluate rules, model and either and write the quality CSV and its JSON sidecar; returns
    both paths. `dev` is the development set (`load_dev_set`), None to leave its columns empty;
    `dev_files` (sample, labels) are recorded in the sidecar by file name only."""
    out = quality_path() if out is None else Path(out)
    training = model_lib.load_training_labels() if training is None else training
    results = evaluate(training, dev, folds=folds, seed=seed, with_complaint_effect=True)
    table = quality_table(
        results["lobo"], results["dev"], results["cv"], results["lobo_without_complaint"]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.4f")
    files = training["label_file"].value_counts().sort_index()
    real = training[training["source"] == "real"]
    measured_with = {
        "measured_on": dt.datetime.now(dt.timezone.utc).date().isoformat(),
        "package_version": __version__,
        "labelled_replies": int(len(training)),
        "label_files": {str(k): int(v) for k, v in files.items()},
        "lobo": {
            "real_replies": int(len(real)),
            "brands": int(real["group"].nunique()),
            "trained_on": "every other real brand plus the hand-written replies",
            "intervals": f"95% percentile bootstrap, {BOOTSTRAP_DRAWS} draws resampling brands",
        },
        "cv_folds": folds,
        "cv_seed": seed,
        "threshold": model_lib.THRESHOLD,
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
    sidecar = out.with_suffix(".json")
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


def _interval(value: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    text = value.map("{:.2f}".format) + " (" + low.map("{:.2f}".format) + "-"
    return (text + high.map("{:.2f}".format) + ")").where(value.notna(), "")


def report_table(quality: pd.DataFrame | None = None) -> pd.DataFrame:
    """The labeller in use per text label: its F1 on brands it never saw (95% interval), predicted
    against true share there, and its F1 on the development set."""
    quality = labeller_quality() if quality is None else quality
    chosen = quality[quality["chosen"].astype(bool)]
    return pd.DataFrame(
        {
            "Label": chosen["label"].str.replace("_", " "),
            "Labeller in use": chosen["labeller"],
            "F1 on unseen brands (95% interval)": _interval(
                chosen["lobo_f1"], chosen["lobo_f1_low"], chosen["lobo_f1_high"]
            ),
            "True share": chosen["lobo_true_share"].astype(float).round(3),
            "Predicted share": chosen["lobo_predicted_share"].astype(float).round(3),
            "F1 on real replies (development set)": chosen["dev_f1"].astype(float).round(3),
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# A team's own check: a labelling sheet drawn from its replies, filled in by hand, scored
SHEET_COLUMNS = ["label_id", "brand", "complaint", "reply", *TEXT_LABELS, "sampling_weight"]


def labelling_sheet(labelled: pd.DataFrame, size: int, seed: int = CV_SEED) -> pd.DataFrame:
    """A stratified sample of `size` answered exchanges (`rubric.label_exchanges` rows) as a sheet
    to label by hand: complaint, reply and empty label columns, plus each row's sampling weight.

    Strata are brand x the rarest label the labeller predicts for the reply (or none), allocated
    in proportion to the square root of their size: small brands and rare labels get more rows
    than a plain random draw would give them; `sampling_weight` (stratum size / rows drawn from
    it) puts them back in proportion when the sheet is scored. The predictions themselves are not
    on the sheet, so they cannot steer whoever labels it."""
    replied = labelled[
        labelled["answered"].fillna(False).astype(bool) & labelled["reply_text"].notna()
    ].reset_index(drop=True)
    predicted = replied[list(TEXT_LABELS)].astype("boolean").fillna(False).astype(bool)
    rarest_first = predicted.mean().sort_values(kind="stable").index
    flags = predicted[rarest_first].to_numpy()
    key = np.where(flags.any(axis=1), np.asarray(rarest_first)[flags.argmax(axis=1)], "none")
    stratum = replied["brand"].astype(object).fillna("unknown").astype(str) + "|" + key
    sizes = stratum.value_counts().sort_index()
    allocation = _allocate(sizes, min(int(size), len(replied)))
    rng = np.random.default_rng(seed)
    order = pd.Series(rng.random(len(replied))).groupby(stratum.to_numpy()).rank(method="first")
    chosen = order.to_numpy() <= stratum.map(allocation).to_numpy()
    sheet = replied[chosen]
    weights = stratum[chosen].map(sizes / allocation.replace(0, np.nan))
    out = pd.DataFrame(
        {
            "label_id": sheet["reply_id"].astype(str).to_numpy(),
            "brand": sheet["brand"].to_numpy(),
            "complaint": sheet["text"].fillna("").to_numpy(),
            "reply": sheet["reply_text"].to_numpy(),
            **{label: "" for label in TEXT_LABELS},
            "sampling_weight": weights.round(4).to_numpy(),
        }
    )
    return out.sample(frac=1, random_state=seed).reset_index(drop=True)[SHEET_COLUMNS]


def _allocate(sizes: pd.Series, total: int) -> pd.Series:
    """Rows per stratum: proportional to the square root of its size, at least one each while
    the total allows, never more than it holds; summing to `total` (largest remainders)."""
    allocation = pd.Series(0, index=sizes.index)
    remaining = total
    open_strata = sizes.index
    # Each pass fills the strata that are smaller than their share; a few passes at most.
    while remaining > 0 and len(open_strata):
        room = sizes[open_strata] - allocation[open_strata]
        weight = np.sqrt(sizes[open_strata].astype(float))
        share = weight / weight.sum() * remaining
        given = np.minimum(np.floor(share).astype(int), room)
        if given.sum() == 0:  # fewer rows left than strata: the largest remainders get one
            given = pd.Series(0, index=open_strata)
            top = (share - np.floor(share)).sort_values(ascending=False, kind="stable").index
            given[top[:remaining]] = 1
            given = np.minimum(given, room)
        allocation[open_strata] += given
        remaining = total - int(allocation.sum())
        open_strata = open_strata[(sizes[open_strata] - allocation[open_strata]) > 0]
    return allocation


class SheetError(ValueError):
    """A labelling sheet that cannot be scored or trained on; the message names file, row, column."""


def read_labelling_sheet(path: Path) -> tuple[pd.DataFrame, int]:
    """The labelled rows of a filled labelling sheet (`LABELLED_COLUMNS`, plus `sampling_weight`)
    and how many rows were left unlabelled (every label column empty). Read as strings through
    `analysis.io.common.read_csv_as_strings`; a row with more or fewer fields than the header is
    an error naming its row, never a row with shifted columns."""
    from analysis.io.common import read_csv_as_strings

    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise SheetError(f"{path.name}: empty file (expected a labelling sheet with a header row)")
    frame, malformed = read_csv_as_strings(path)
    if malformed:
        first = malformed[0]
        raise SheetError(f"{path.name} row {first['row']}: {first['reason']}; fix the row")
    missing = [column for column in ["reply", *TEXT_LABELS] if column not in frame.columns]
    if missing:
        raise SheetError(f"{path.name}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise SheetError(f"{path.name}: no rows under the header")
    values = frame[list(TEXT_LABELS)].fillna("").apply(lambda column: column.str.strip())
    unlabelled = (values == "").all(axis=1)
    labelled = frame[~unlabelled].copy()
    values = values[~unlabelled]
    bad = ~values.isin(["0", "1"])
    if bad.to_numpy().any():
        row, column = np.argwhere(bad.to_numpy())[0]
        raise SheetError(
            f"{path.name} row {labelled['_row'].iloc[row]}, column {TEXT_LABELS[column]}: "
            f"{values.iloc[row, column]!r} is not 0 or 1 (fill every label of a row, or none)"
        )
    if labelled.empty:
        raise SheetError(f"{path.name}: no labelled row yet (fill the label columns with 0 or 1)")
    brand = labelled["brand"] if "brand" in labelled else pd.Series("", index=labelled.index)
    weight = labelled.get("sampling_weight")
    weight = pd.to_numeric(weight, errors="coerce").fillna(1.0) if weight is not None else 1.0
    sheet = pd.DataFrame(
        {
            "label_id": labelled.get("label_id", labelled["_row"]).astype(str),
            "source": "sheet",
            "group": "sheet:" + brand.fillna("").astype(str),
            "brand": brand,
            "industry": "",
            "channel": "",
            "complaint": labelled["complaint"].fillna("") if "complaint" in labelled else "",
            "reply": labelled["reply"].fillna(""),
            **{label: values[label].astype(int) for label in TEXT_LABELS},
            "label_file": path.name,
            "sampling_weight": weight,
        }
    )
    return sheet.reset_index(drop=True), int(unlabelled.sum())


def evaluate_sheet(
    sheet: pd.DataFrame, training: pd.DataFrame | None = None, draws: int = BOOTSTRAP_DRAWS
) -> pd.DataFrame:
    """Rules, model and either scored on a filled labelling sheet (`read_labelling_sheet`), each
    reply weighted by its sampling weight, with 95% intervals resampling replies."""
    scores = score_texts(sheet, training, draws=draws, weights=sheet["sampling_weight"])
    scores["chosen"] = scores["labeller"].eq(scores["label"].map(rubric.CHOSEN_LABELLER))
    return scores
