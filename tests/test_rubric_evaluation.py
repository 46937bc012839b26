"""Labeller evaluation: cross-validation, the dev-set scores, the choice rule, the labeller quality
file `analysis rubric --evaluate` writes and the report reads, and its figure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import cli, paths, rubric, rubric_model
from analysis import rubric_evaluation as evaluation

DEV_ENV_UNSET = (
    f"{paths.REAL_SAMPLE_ENV} and {paths.RUBRIC_DEV_LABELS_ENV} are unset: point them at "
    "twcs_conversations_real.csv and rubric_dev_labels.csv to check F1 on real replies"
)


def _dev_available() -> bool:
    return paths.real_sample_path() is not None and paths.rubric_dev_labels_path() is not None


def _scores(f1: dict[tuple[str, str], float], rows: int) -> pd.DataFrame:
    """A cross_validate/evaluate_dev-shaped table: F1 0.9 unless given, fixed counts."""
    records = []
    for label in rubric.TEXT_LABELS:
        for labeller in ("rules", "model"):
            value = f1.get((label, labeller), 0.9)
            records.append(
                {
                    "label": label,
                    "labeller": labeller,
                    "precision": value,
                    "recall": value,
                    "f1": value,
                    "positives": rows // 2,
                    "predicted": rows // 2,
                    "rows": rows,
                }
            )
    return pd.DataFrame(records)


@pytest.fixture(scope="module")
def small_training() -> pd.DataFrame:
    return rubric_model.load_training_labels().groupby("label_file").head(60)


# ---------------------------------------------------------------------------------------------
# Measuring
def test_cross_validate_table_on_a_small_labelled_set(small_training):
    table = evaluation.cross_validate(small_training, folds=3)
    assert len(table) == 2 * len(rubric.TEXT_LABELS)
    assert set(table["labeller"]) == {"rules", "model"}
    assert table[["precision", "recall", "f1"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (table["rows"] == len(small_training)).all()


def test_compare_labellers_prefers_dev_f1_then_cv_then_rules():
    # says_sorry: model better on dev by 0.05 -> model; moves_channel: dev tie, CV model -> model;
    # shows_appreciation: dev tie within the margin, CV tie -> rules
    cv = _scores({("moves_channel", "model"): 0.95}, rows=100)
    dev = _scores({("says_sorry", "model"): 0.95, ("shows_appreciation", "model"): 0.905}, rows=50)
    table = evaluation.compare_labellers(cv, dev).set_index("label")
    assert table.loc["says_sorry", "recommended"] == "model"
    assert table.loc["moves_channel", "recommended"] == "model"
    assert table.loc["shows_appreciation", "recommended"] == "rules"
    assert table.loc["addresses_by_name", "recommended"] == "rules"
    assert (table["chosen"] == pd.Series(rubric.CHOSEN_LABELLER)).all()
    without_dev = evaluation.compare_labellers(cv).set_index("label")
    assert without_dev.loc["says_sorry", "recommended"] == "rules"


# F1 on the real development set, a little below what was measured (data/labels/README.md), so
# that a regression fails.
DEV_F1_FLOORS = {
    "moves_channel": 0.94,  # measured 0.957
    "acknowledges_specifics": 0.85,  # measured 0.877
    "shows_appreciation": 0.95,  # measured 1.000 (9 positives: one miss is 0.94)
    "shares_resolution_or_timetable": 0.90,  # measured 0.938
    "says_sorry": 0.97,  # measured 1.000
    "addresses_by_name": 0.95,  # measured 1.000
}


@pytest.fixture(scope="module")
def dev_scores() -> pd.DataFrame:
    if not _dev_available():
        pytest.skip(DEV_ENV_UNSET)
    return evaluation.evaluate_dev()


@pytest.mark.parametrize("label", rubric.TEXT_LABELS)
def test_chosen_labeller_f1_on_dev_set(dev_scores, label):
    chosen = rubric.CHOSEN_LABELLER[label]
    row = dev_scores[(dev_scores["label"] == label) & (dev_scores["labeller"] == chosen)].iloc[0]
    assert row["f1"] >= DEV_F1_FLOORS[label], (label, chosen, row.to_dict())


# ---------------------------------------------------------------------------------------------
# The quality file
def test_quality_table_has_one_row_per_label_and_labeller():
    cv = _scores({("says_sorry", "model"): 0.95}, rows=100)
    dev = _scores({("says_sorry", "model"): 0.80}, rows=40)
    table = evaluation.quality_table(cv, dev)
    assert list(table.columns) == evaluation.QUALITY_COLUMNS
    assert len(table) == 2 * len(rubric.TEXT_LABELS)
    assert table["label"].iloc[::2].tolist() == list(rubric.TEXT_LABELS)  # rubric order
    sorry = table[table["label"] == "says_sorry"].set_index("labeller")
    assert sorry.loc["model", "cv_f1"] == 0.95 and sorry.loc["model", "dev_f1"] == 0.80
    # dev: rules 0.90 beat model 0.80 by more than the tie margin -> rules recommended
    assert sorry.loc["rules", "recommended"] and not sorry.loc["model", "recommended"]
    assert (
        sorry.loc["rules", "cv_reply_count"] == 100 and sorry.loc["rules", "dev_reply_count"] == 40
    )
    chosen = table[table["chosen"]].set_index("label")["labeller"].to_dict()
    assert chosen == rubric.CHOSEN_LABELLER

    without_dev = evaluation.quality_table(cv)
    assert without_dev["dev_f1"].isna().all() and without_dev["dev_support_count"].isna().all()
    # no dev set: CV alone, and the model's 0.95 beats the rules' 0.90 on says_sorry
    sorry = without_dev[without_dev["label"] == "says_sorry"].set_index("labeller")
    assert sorry.loc["model", "recommended"]


def _cli_evaluate(monkeypatch, training: pd.DataFrame, *extra: str) -> int:
    # A few labelled replies and two folds: the command's wiring, not the figures, is under test.
    monkeypatch.setattr(evaluation.model_lib, "load_training_labels", lambda: training)
    return cli.main(["rubric", "--evaluate", "--folds", "2", *extra])


def test_evaluate_writes_the_quality_file_without_the_dev_set(
    tmp_path, monkeypatch, capsys, small_training
):
    monkeypatch.delenv(paths.REAL_SAMPLE_ENV, raising=False)
    monkeypatch.delenv(paths.RUBRIC_DEV_LABELS_ENV, raising=False)
    out = tmp_path / "quality" / "labeller_quality.csv"
    assert _cli_evaluate(monkeypatch, small_training, "--out", str(out)) == 0
    assert "dev columns are left empty" in capsys.readouterr().err
    table = evaluation.labeller_quality(out)
    assert list(table.columns) == evaluation.QUALITY_COLUMNS
    assert list(zip(table["label"], table["labeller"], strict=True)) == [
        (label, labeller) for label in rubric.TEXT_LABELS for labeller in ("rules", "model")
    ]
    assert (table["cv_reply_count"] == len(small_training)).all()
    assert table["cv_f1"].between(0, 1).all()
    assert table["dev_f1"].isna().all()
    measured = evaluation.labeller_quality_metadata(out)
    assert measured["cv_folds"] == 2 and measured["cv_seed"] == rubric.CV_SEED
    assert measured["labelled_replies"] == len(small_training)
    assert measured["dev_set"] is None
    assert sum(measured["label_files"].values()) == len(small_training)
    assert {"measured_on", "package_version"} <= set(measured)


def test_evaluate_scores_the_dev_set_when_given(tmp_path, monkeypatch, small_training):
    if not _dev_available():
        pytest.skip(DEV_ENV_UNSET)
    sample, labels = paths.real_sample_path(), paths.rubric_dev_labels_path()
    monkeypatch.delenv(paths.REAL_SAMPLE_ENV)
    monkeypatch.delenv(paths.RUBRIC_DEV_LABELS_ENV)
    out = tmp_path / "q.csv"
    flags = ["--out", str(out), "--dev-sample", str(sample), "--dev-labels", str(labels)]
    assert _cli_evaluate(monkeypatch, small_training, *flags) == 0
    table = evaluation.labeller_quality(out)
    dev_rows = len(pd.read_csv(labels))
    assert (table["dev_reply_count"] == dev_rows).all()
    assert table["dev_f1"].between(0, 1).all()
    measured = json.loads(out.with_suffix(".json").read_text())
    # file names only: no machine paths in a committed file
    assert measured["dev_set"] == {
        "replies": dev_rows,
        "sample_file": sample.name,
        "labels_file": labels.name,
    }
    assert str(sample.parent) not in out.with_suffix(".json").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rubric"], "give INPUT (a CSV of replies to label) or --evaluate"),
        (["rubric", "replies.csv", "--evaluate"], "not both"),
        (["rubric", "replies.csv"], "--out OUT is required"),
        (["rubric", "--evaluate", "--dev-sample", "x.csv"], "needs both --dev-sample and"),
        (["rubric", "--evaluate", "--folds", "1"], "at least 2 folds"),
    ],
)
def test_rubric_command_says_what_is_missing(argv, message, monkeypatch, capsys):
    monkeypatch.delenv(paths.REAL_SAMPLE_ENV, raising=False)
    monkeypatch.delenv(paths.RUBRIC_DEV_LABELS_ENV, raising=False)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_reading_a_missing_quality_file_says_how_to_write_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="analysis rubric --evaluate"):
        evaluation.labeller_quality(tmp_path / "labeller_quality.csv")
    (tmp_path / "old.csv").write_text("label,labeller,f1\nsays_sorry,rules,1.0\n")
    with pytest.raises(ValueError, match="missing column"):
        evaluation.labeller_quality(tmp_path / "old.csv")


# ---------------------------------------------------------------------------------------------
# The committed file
@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return evaluation.labeller_quality()


def test_committed_quality_file_names_the_chosen_labeller(committed):
    assert list(committed.columns) == evaluation.QUALITY_COLUMNS
    assert len(committed) == 2 * len(rubric.TEXT_LABELS)
    chosen = committed[committed["chosen"]].set_index("label")["labeller"].to_dict()
    assert chosen == rubric.CHOSEN_LABELLER
    measured = evaluation.labeller_quality_metadata()
    assert measured["dev_set"] is not None, "regenerate with the development set available"
    assert committed["dev_f1"].notna().all()


def test_committed_quality_file_agrees_with_a_fresh_evaluation(committed):
    """If this fails after a change to the rules or the labels, regenerate the file:
    `analysis rubric --evaluate` with the development set's environment variables set."""
    measured = evaluation.labeller_quality_metadata()
    training = rubric_model.load_training_labels()
    assert measured["labelled_replies"] == len(training)
    fresh = evaluation.quality_table(
        evaluation.cross_validate(training, folds=measured["cv_folds"], seed=measured["cv_seed"]),
        evaluation.evaluate_dev(training=training) if _dev_available() else None,
    )
    keys = ["label", "labeller"]
    both = committed.merge(fresh, on=keys, suffixes=("_committed", "_fresh"))
    chosen = both[both["chosen_committed"]].set_index("label")
    gap = (chosen["cv_f1_committed"] - chosen["cv_f1_fresh"]).abs()
    assert (gap <= 0.005).all(), gap.to_dict()
    if _dev_available():
        dev_gap = (chosen["dev_f1_committed"] - chosen["dev_f1_fresh"]).abs()
        assert (dev_gap <= 0.005).all(), dev_gap.to_dict()


# ---------------------------------------------------------------------------------------------
# What the report shows
def test_report_table_shows_the_labeller_in_use():
    quality = evaluation.quality_table(
        _scores({("says_sorry", "rules"): 0.97}, rows=100),
        _scores({("says_sorry", "rules"): 1.0}, rows=40),
    )
    shown = evaluation.report_table(quality)
    assert list(shown.columns) == [
        "Label",
        "Labeller in use",
        "F1, cross-validated on labelled replies",
        "F1 on real replies (development set)",
    ]
    assert shown["Label"].tolist() == [label.replace("_", " ") for label in rubric.TEXT_LABELS]
    sorry = shown.set_index("Label").loc["says sorry"]
    assert sorry["Labeller in use"] == rubric.CHOSEN_LABELLER["says_sorry"]
    assert sorry["F1, cross-validated on labelled replies"] == 0.97
    assert sorry["F1 on real replies (development set)"] == 1.0


def test_labeller_figure_draws_the_chosen_labeller_cv_and_dev():
    from matplotlib.figure import Figure

    from analysis.plots import rubric as rubric_plots

    labels = len(rubric.TEXT_LABELS)
    quality = evaluation.quality_table(
        _scores({("says_sorry", "rules"): 0.97}, rows=100), _scores({}, rows=40)
    )
    figure = rubric_plots.labeller_f1(quality)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    drawn = [patch.get_width() for patch in ax.patches if patch.get_height() > 0]
    assert len(drawn) == 2 * labels  # CV and dev, one labeller per label
    assert "0.97" in [text.get_text() for text in ax.texts]
    ticks = [tick.get_text() for tick in ax.get_yticklabels()]
    assert ticks[0] == f"moves channel\n({rubric.CHOSEN_LABELLER['moves_channel']})"

    everyone = rubric_plots.labeller_f1(quality, chosen_only=False)
    assert len([p for p in everyone.axes[0].patches if p.get_height() > 0]) == 4 * labels

    cv_only = rubric_plots.labeller_f1(evaluation.quality_table(_scores({}, rows=100)))
    assert len([p for p in cv_only.axes[0].patches if p.get_height() > 0]) == labels
    assert not np.isnan([p.get_width() for p in cv_only.axes[0].patches]).any()


# ---------------------------------------------------------------------------------------------
# The maintainer notebook (not part of the report, so tests/test_report.py does not run it)
MAINTAINER_NOTEBOOK = paths.NOTEBOOKS_DIR / "dev" / "rubric_evaluation.ipynb"


def test_maintainer_notebook_is_clean_and_has_its_parameters():
    import nbformat

    nb = nbformat.read(MAINTAINER_NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "analysis rubric --evaluate" in nb.cells[0].source
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert not any(cell.get("outputs") or cell.get("execution_count") for cell in code)
    parameters = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert "dev_sample_path = None" in parameters[0].source
    assert "dev_labels_path = None" in parameters[0].source
    assert not any(line.startswith("def ") for cell in code for line in cell.source.splitlines())


def test_maintainer_notebook_runs(tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "rubric_evaluation.ipynb"
    papermill.execute_notebook(
        str(MAINTAINER_NOTEBOOK), str(out), cwd=str(tmp_path), progress_bar=False
    )
    executed = nbformat.read(out, as_version=4)
    outputs = [o for cell in executed.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # the two figures
