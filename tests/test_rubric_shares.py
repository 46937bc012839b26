"""Corrected lesson shares: Rogan-Gladen on worked examples, coverage of its interval on synthetic
brands whose labeller has a known error rate, and the per-brand table of a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import rubric, rubric_evaluation, rubric_shares


def test_rogan_gladen_worked_examples():
    # se 0.8, sp 0.95: a true 50% is read as 0.5*0.8 + 0.5*0.05 = 42.5%
    assert rubric_shares.rogan_gladen(0.425, 0.8, 0.95) == pytest.approx(0.5)
    assert rubric_shares.rogan_gladen(0.3, 1.0, 1.0) == pytest.approx(0.3)  # a perfect labeller
    assert rubric_shares.rogan_gladen(0.01, 0.8, 0.95) == 0.0  # below the false-positive floor
    assert rubric_shares.rogan_gladen(0.99, 0.8, 0.95) == 1.0
    assert np.isnan(rubric_shares.rogan_gladen(0.4, 0.5, 0.5))  # no better than chance


def _labelled_set(rng, size, prevalence, se, sp) -> rubric_shares.LabellerErrors:
    truth = rng.random(size) < prevalence
    predicted = np.where(truth, rng.random(size) < se, rng.random(size) >= sp)
    return rubric_shares.LabellerErrors(
        true_positives=int((truth & predicted).sum()),
        false_negatives=int((truth & ~predicted).sum()),
        false_positives=int((~truth & predicted).sum()),
        true_negatives=int((~truth & ~predicted).sum()),
    )


def _brand(rng, true_share, replies, se, sp) -> int:
    truth = rng.random(replies) < true_share
    return int(np.where(truth, rng.random(replies) < se, rng.random(replies) >= sp).sum())


def test_corrected_share_recovers_the_true_share_and_its_interval_covers_it():
    # A labeller that misses a fifth of the positives and wrongly marks 6% of the negatives,
    # measured on 800 labelled replies; 200 brands of 300 replies with true shares 10-90%.
    rng = np.random.default_rng(11)
    se, sp, simulations = 0.8, 0.94, 200
    covered, raw_error, corrected_error = 0, [], []
    for seed in range(simulations):
        true_share = rng.uniform(0.1, 0.9)
        errors = _labelled_set(rng, 800, 0.4, se, sp)
        positives = _brand(rng, true_share, 300, se, sp)
        shares = rubric_shares.corrected_share([positives], [300], errors, draws=500, seed=seed)
        row = shares.iloc[0]
        covered += row["corrected_share_low"] <= true_share <= row["corrected_share_high"]
        raw_error.append(abs(row["raw_share"] - true_share))
        corrected_error.append(abs(row["corrected_share"] - true_share))
    assert covered / simulations >= 0.85
    assert np.mean(corrected_error) < np.mean(raw_error)


def test_interval_widens_with_fewer_replies_and_fewer_labelled_replies():
    errors_many = rubric_shares.LabellerErrors(400, 100, 60, 940)
    errors_few = rubric_shares.LabellerErrors(40, 10, 6, 94)
    wide = rubric_shares.corrected_share([40, 4], [100, 10], errors_many)
    widths = (wide["corrected_share_high"] - wide["corrected_share_low"]).to_numpy()
    assert widths[1] > widths[0]  # 10 replies are less sure than 100
    few = rubric_shares.corrected_share([40], [100], errors_few)
    assert (few["corrected_share_high"] - few["corrected_share_low"]).iloc[0] > widths[0]


def _quality(se: float, sp: float, rows: int = 1000, positives: int = 400) -> pd.DataFrame:
    """A quality table whose chosen labeller has the given leave-one-brand-out se and sp."""
    tp = round(se * positives)
    fp = round((1 - sp) * (rows - positives))
    records = []
    for label in rubric.TEXT_LABELS:
        records.append(
            {
                "label": label,
                "labeller": rubric.CHOSEN_LABELLER[label],
                "lobo_support_count": positives,
                "lobo_predicted_count": tp + fp,
                "lobo_true_positive_count": tp,
                "lobo_reply_count": rows,
            }
        )
    return (
        rubric_evaluation.quality_table(None)
        .drop(
            columns=[
                "lobo_support_count",
                "lobo_predicted_count",
                "lobo_true_positive_count",
                "lobo_reply_count",
            ]
        )
        .merge(pd.DataFrame(records), on=["label", "labeller"], how="left")
    )


def test_by_brand_corrects_every_text_lesson_per_brand():
    # Brand A: 100 replies, 50 read as sorry; brand B: 20 replies, none; one unanswered complaint.
    brands = ["A"] * 100 + ["B"] * 20 + ["A"]
    answered = [True] * 120 + [False]
    sorry = [True] * 50 + [False] * 70 + [None]
    labelled = pd.DataFrame({"brand": brands, "answered": answered})
    for label in rubric.TEXT_LABELS:
        labelled[label] = pd.array(sorry, dtype="boolean")
    table = rubric_shares.by_brand(labelled, _quality(se=0.8, sp=0.9), draws=400)
    assert list(table.columns) == rubric_shares.SHARE_COLUMNS
    assert set(table["lesson"]) == set(rubric.TEXT_LABELS)
    sorry_rows = table[table["lesson"] == "says_sorry"].set_index("brand")
    assert sorry_rows.loc["A", "replies"] == 100 and sorry_rows.loc["B", "replies"] == 20
    assert sorry_rows.loc["A", "raw_share"] == 0.5
    # (0.5 + 0.9 - 1) / (0.8 + 0.9 - 1) = 0.571...
    assert sorry_rows.loc["A", "corrected_share"] == pytest.approx(0.4 / 0.7)
    assert sorry_rows.loc["B", "corrected_share"] == 0.0
    assert (sorry_rows["corrected_share_low"] <= sorry_rows["corrected_share"]).all()
    assert (sorry_rows["corrected_share"] <= sorry_rows["corrected_share_high"]).all()
    assert (sorry_rows["measured_on"] == "unseen brands").all()


def test_committed_quality_file_gives_errors_for_every_text_lesson():
    errors = rubric_shares.labeller_errors()
    assert set(errors) == set(rubric.TEXT_LABELS)
    for label_errors in errors.values():
        assert 0 < label_errors.sensitivity <= 1 and 0 < label_errors.specificity <= 1


def test_a_brand_with_no_hit_still_gets_an_interval_above_zero():
    errors = rubric_shares.LabellerErrors(90, 10, 5, 95)
    row = rubric_shares.corrected_share([0], [20], errors).iloc[0]
    assert row["raw_share"] == 0 and row["corrected_share"] == 0
    assert row["corrected_share_low"] == 0 and row["corrected_share_high"] > 0.05


@pytest.mark.parametrize(
    ("positives", "replies", "errors"),
    [
        # A perfect-specificity labeller and one reply without a hit: the point is 0, but
        # every draw of the brand's share is above 0 (the case that broke page 05's figure).
        (0, 1, (153, 1, 0, 985)),
        (1, 1, (153, 1, 0, 985)),
        # Many false positives: few hits correct to 0, all hits to 1.
        (0, 20, (80, 20, 40, 60)),
        (20, 20, (80, 20, 40, 60)),
    ],
)
def test_every_interval_holds_its_own_estimate_even_when_clipped(positives, replies, errors):
    errors = rubric_shares.LabellerErrors(*errors)
    row = rubric_shares.corrected_share([positives], [replies], errors).iloc[0]
    assert row["corrected_share_low"] <= row["corrected_share"] <= row["corrected_share_high"]
