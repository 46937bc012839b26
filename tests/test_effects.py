"""analysis.effects: raw outcome rates and adjusted odds ratios, on data with planted effects."""

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import effects

BASELINE_LOG_ODDS = -0.5


def planted_exchanges(
    seed: int,
    exchanges: int = 4000,
    brands: int = 12,
    sorry_odds_ratio: float = 1.0,
    confounded: bool = False,
) -> pd.DataFrame:
    """Answered exchanges whose `customer_thanked` follows a logistic model with a known
    `says_sorry` odds ratio; the other lessons are independent coin flips with no effect.

    `confounded`: the first half of the brands apologise four times as often (80 % against 20 %)
    and their customers thank them more whatever the reply says, so sorry looks good in the raw
    rates while its true odds ratio is `sorry_odds_ratio`."""
    rng = np.random.default_rng(seed)
    brand_index = rng.integers(0, brands, exchanges)
    brand_log_odds = rng.normal(0, 0.5, brands)
    sorry_share = np.full(exchanges, 0.5)
    if confounded:
        generous = brand_index < brands // 2
        brand_log_odds = np.where(np.arange(brands) < brands // 2, 1.5, -1.0)
        sorry_share = np.where(generous, 0.8, 0.2)
    frame = pd.DataFrame(
        {
            "brand": [f"Brand{i:02d}" for i in brand_index],
            "answered": True,
            "first_response_seconds": rng.lognormal(np.log(3600), 1.5, exchanges),
            "complaint_sentiment": rng.uniform(-1, 1, exchanges),
        }
    )
    for lesson in effects.LESSONS:
        frame[lesson] = rng.random(exchanges) < 0.5
    frame["says_sorry"] = rng.random(exchanges) < sorry_share
    log_odds = (
        BASELINE_LOG_ODDS
        + brand_log_odds[brand_index]
        + np.log(sorry_odds_ratio) * frame["says_sorry"]
        - 0.1 * np.log1p(frame["first_response_seconds"] / 3600)
        + 0.8 * frame["complaint_sentiment"]
    )
    thanked = rng.random(exchanges) < 1 / (1 + np.exp(-log_odds))
    replied = rng.random(exchanges) < 0.7
    unhappy = ~thanked & (rng.random(exchanges) < 0.4)
    frame["customer_replied"] = replied
    # Read from the follow-up: undefined (NaN) where the customer never came back.
    frame["customer_thanked"] = pd.Series(thanked, dtype="boolean").where(replied)
    frame["customer_still_unhappy"] = pd.Series(unhappy, dtype="boolean").where(replied)
    return frame


def _row(table: pd.DataFrame, lesson: str, outcome: str = "customer_thanked") -> pd.Series:
    return table.set_index(["lesson", "outcome"]).loc[(lesson, outcome)]


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    """A shared page must carry no warnings: any that escapes the module fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_planted_sorry_odds_ratio_is_recovered():
    # About 14,000 exchanges with a follow-up: log(2) is some 20 standard errors from 0, so an
    # interval that excludes 1 is certain; covering 2 is a 95 % event, fixed by the seed.
    frame = planted_exchanges(seed=1, exchanges=20_000, sorry_odds_ratio=2.0)
    table = effects.lesson_effects(frame, outcomes=["customer_thanked"])
    sorry = _row(table, "says_sorry")
    assert sorry["low"] < 2.0 < sorry["high"]
    assert sorry["low"] > 1.0
    assert 1.7 < sorry["odds_ratio"] < 2.3
    assert sorry["reason"] == ""
    assert "clustered by brand (12 brands, t with 11 df)" in sorry["method"]
    assert sorry["n"] == frame["customer_replied"].sum()


def test_no_planted_effect_intervals_cover_one_in_most_seeds():
    # No lesson has an effect here, so each of the 6 lessons x 20 seeds = 120 intervals should
    # cover 1 with probability 0.95 (measured over 200 seeds: 0.945): about 114 of them. At
    # least 80 % (96) leaves room for chance (P(X < 96) is below 1e-6 at 0.94) and for
    # cluster-robust errors on 12 brands running slightly small; all 120 would pass a
    # too-wide interval, which the planted-effect test rules out.
    covering = 0
    for seed in range(20):
        frame = planted_exchanges(seed=100 + seed, exchanges=1500)
        table = effects.lesson_effects(frame, outcomes=["customer_thanked"])
        covering += int(((table["low"] < 1.0) & (table["high"] > 1.0)).sum())
    assert covering >= 96


def test_confounding_by_brand_shows_in_raw_rates_and_not_in_the_adjusted_ratio():
    frame = planted_exchanges(seed=7, exchanges=6000, confounded=True)
    rates = _row(effects.outcome_rates(frame), "says_sorry")
    # Planted: half the brands say sorry to 80 % and thank-rates near 73 %, the rest 20 % and 18 %.
    assert rates["with_share"] - rates["without_share"] > 0.15
    assert rates["with_share_low"] > rates["without_share_high"]
    sorry = _row(effects.lesson_effects(frame, outcomes=["customer_thanked"]), "says_sorry")
    assert sorry["low"] < 1.0 < sorry["high"]


def test_outcome_rates_count_follow_ups_only_for_read_outcomes():
    frame = pd.DataFrame(
        {
            "answered": [True, True, True, True, False],
            "says_sorry": [True, True, False, False, True],
            "customer_replied": [True, False, True, True, np.nan],
            "customer_thanked": [True, np.nan, False, True, np.nan],
        }
    )
    rates = effects.outcome_rates(frame, ["says_sorry"], ["customer_thanked", "customer_replied"])
    thanked = _row(rates, "says_sorry")
    assert (thanked["with_count"], thanked["with_share"]) == (1, 1.0)
    assert (thanked["without_count"], thanked["without_share"]) == (2, 0.5)
    assert (thanked["with_share_low"], thanked["with_share_high"])[1] == 1.0
    replied = _row(rates, "says_sorry", "customer_replied")
    # The unanswered exchange counts for neither side.
    assert (replied["with_count"], replied["with_share"]) == (2, 0.5)
    assert (replied["without_count"], replied["without_share"]) == (2, 1.0)
    assert list(rates.columns) == effects.RATE_COLUMNS


def test_too_few_exchanges_give_nan_with_the_reason():
    frame = planted_exchanges(seed=3, exchanges=40)
    table = effects.lesson_effects(frame)
    assert table["odds_ratio"].isna().all()
    assert table["reason"].str.startswith("too few exchanges").all()
    assert len(table) == len(effects.LESSONS) * len(effects.OUTCOMES)


def test_an_outcome_without_variation_gives_nan_with_the_reason():
    frame = planted_exchanges(seed=4, exchanges=2000)
    frame["customer_still_unhappy"] = pd.Series(False, index=frame.index, dtype="boolean").where(
        frame["customer_replied"]
    )
    table = effects.lesson_effects(frame)
    unhappy = table[table["outcome"] == "customer_still_unhappy"]
    assert unhappy["odds_ratio"].isna().all()
    assert unhappy["reason"].str.startswith("too little variation in the outcome").all()
    assert table.loc[table["outcome"] == "customer_thanked", "odds_ratio"].notna().all()


def test_a_constant_lesson_is_left_out_and_the_others_still_estimated():
    frame = planted_exchanges(seed=5, exchanges=2000)
    frame["responds_in_same_medium"] = True
    table = effects.lesson_effects(frame, outcomes=["customer_thanked"])
    medium = _row(table, "responds_in_same_medium")
    assert np.isnan(medium["odds_ratio"])
    assert medium["reason"].startswith("too little variation in the lesson")
    sorry = _row(table, "says_sorry")
    assert np.isfinite(sorry["odds_ratio"])
    assert "not holding responds_in_same_medium fixed" in sorry["method"]


def test_a_lesson_the_brand_determines_is_left_out_as_collinear():
    frame = planted_exchanges(seed=12, exchanges=2000)
    frame["responds_in_same_medium"] = frame["brand"] < "Brand06"
    table = effects.lesson_effects(frame, outcomes=["customer_thanked"])
    medium = _row(table, "responds_in_same_medium")
    assert np.isnan(medium["odds_ratio"])
    assert medium["reason"].startswith("collinear")
    assert table.loc[table["lesson"] != "responds_in_same_medium", "odds_ratio"].notna().all()


def test_a_separated_lesson_gives_nan_with_the_reason():
    frame = planted_exchanges(seed=6, exchanges=2000)
    # Every apology among those who came back was thanked.
    frame.loc[frame["says_sorry"] & frame["customer_replied"], "customer_thanked"] = True
    sorry = _row(effects.lesson_effects(frame, outcomes=["customer_thanked"]), "says_sorry")
    assert np.isnan(sorry["odds_ratio"])
    assert sorry["reason"].startswith("separation")


def test_a_control_that_separates_the_outcome_gives_nan_and_no_warning():
    frame = planted_exchanges(seed=11, exchanges=2000)
    # The complaint's tone alone tells who thanks: the fit runs off to infinity, and statsmodels'
    # convergence warning must end up in `reason` (the autouse fixture fails on any that escapes).
    separated = pd.Series(frame["complaint_sentiment"] > 0, dtype="boolean")
    frame["customer_thanked"] = separated.where(frame["customer_replied"])
    table = effects.lesson_effects(frame, outcomes=["customer_thanked"])
    assert table["odds_ratio"].isna().all()
    assert table["reason"].str.startswith("the regression").all()


def test_few_brands_use_hc1_and_one_brand_has_no_fixed_effects():
    frame = planted_exchanges(seed=8, exchanges=3000, brands=4)
    sorry = _row(effects.lesson_effects(frame, outcomes=["customer_thanked"]), "says_sorry")
    assert "HC1 robust SEs (4 brands: clustering needs 10)" in sorry["method"]
    frame["brand"] = "OnlyBrand"
    sorry = _row(effects.lesson_effects(frame, outcomes=["customer_thanked"]), "says_sorry")
    assert np.isfinite(sorry["odds_ratio"])
    assert "one brand (no brand effects)" in sorry["method"]
    assert "one brand: clustering impossible" in sorry["method"]


def test_output_has_exactly_the_promised_columns_for_every_lesson_and_outcome():
    frame = planted_exchanges(seed=9, exchanges=2000)
    table = effects.lesson_effects(frame)
    promised = ["lesson", "outcome", "odds_ratio", "low", "high", "n", "method", "reason"]
    assert list(table.columns) == promised
    expected = pd.MultiIndex.from_product([effects.LESSONS, effects.OUTCOMES])
    assert set(zip(table["lesson"], table["outcome"], strict=True)) == set(expected)
    assert table["odds_ratio"].notna().all()
    # customer_replied is defined on every answered exchange, the others on follow-ups only.
    n_by_outcome = table.groupby("outcome")["n"].first()
    assert n_by_outcome["customer_replied"] == len(frame)
    assert n_by_outcome["customer_thanked"] == frame["customer_replied"].sum()


def test_evidence_puts_the_raw_rates_beside_each_adjusted_ratio():
    frame = planted_exchanges(seed=10, exchanges=1000)
    evidence = effects.lesson_evidence(frame, outcomes=["customer_replied"])
    assert list(evidence.columns) == effects.EFFECT_COLUMNS + effects.RATE_COLUMNS[2:]
    rates = effects.outcome_rates(frame, outcomes=["customer_replied"])
    pd.testing.assert_frame_equal(evidence[effects.RATE_COLUMNS], rates)


def test_the_page_table_says_each_outcomes_method_once():
    evidence = effects.lesson_evidence(planted_exchanges(5, sorry_odds_ratio=2.0))
    assert "method" not in effects.display_table(evidence)
    note = effects.method_note(evidence)
    estimated = evidence[evidence["odds_ratio"].notna()]
    for outcome, rows in estimated.groupby("outcome"):
        sentence = f"{outcome.replace('_', ' ')}: {'; '.join(rows['method'].unique())}"
        assert note.count(sentence) == 1, outcome


def _full_design_collinear(lesson_values, covariates, brands) -> list[str]:
    """The collinearity test on the whole regression design: R's diagonal of its QR."""
    design = effects._design(lesson_values, covariates, brands).to_numpy(dtype=float)
    diagonal = np.abs(np.diag(np.linalg.qr(design, mode="r")))
    dependent = diagonal <= 1e-8 * np.maximum(np.linalg.norm(design, axis=0), 1.0)
    lessons = list(lesson_values.columns)
    return [
        lesson for lesson, flag in zip(lessons, dependent[-len(lessons) :], strict=True) if flag
    ]


@pytest.mark.parametrize("brands", [1, 4, 12])
@pytest.mark.parametrize("seed", range(4))
def test_collinear_lessons_within_brand_agree_with_the_full_design(seed, brands):
    frame = planted_exchanges(seed=seed, exchanges=600, brands=brands)
    # Planted dependencies: one lesson fixed by the brand, one a copy of another lesson, one
    # the complement of a lesson together with the constant.
    frame["responds_in_same_medium"] = frame["brand"] < "Brand02"
    frame["says_sorry"] = frame["shows_appreciation"] if seed % 2 else ~frame["shows_appreciation"]
    lessons = frame[list(effects.LESSONS)].astype(float)
    covariates = pd.DataFrame(
        {
            "log1p_wait": np.log1p(frame["first_response_seconds"]),
            "complaint_sentiment": frame["complaint_sentiment"],
        }
    )
    found = effects._collinear_lessons(lessons, covariates, frame["brand"])
    assert found == _full_design_collinear(lessons, covariates, frame["brand"])
    assert "says_sorry" in found
    assert "responds_in_same_medium" in found  # one brand: a constant
