"""Evidence for each lesson: customer outcomes with and without it, raw and adjusted.

Two tables, one row per lesson and outcome (shared/RUBRIC.md, Outcomes):

- `outcome_rates`: the outcome's share among exchanges with the lesson and among those
  without it, each with a Wilson 95 % interval. Raw: a brand that apologises more and also has
  happier customers makes sorry look good here.
- `lesson_effects`: an adjusted odds ratio from one logistic regression per outcome with every
  lesson together, brand fixed effects, log1p of the first-response wait and the complaint's
  own sentiment, so each lesson's ratio holds the other lessons, the brand, the wait and the
  complaint's tone fixed. These are associations in observational data, not effects of a test.

Denominators ("silence is not evidence either way"): every outcome counts only answered
exchanges (the `answered` column where the frame has one). `customer_replied` is defined on all
of them; `customer_thanked` and `customer_still_unhappy` only where the customer followed up
(`customer_replied` true where the frame has that column, and the outcome itself not missing):
a customer who never came back is neither thanked nor unhappy. Rows missing a lesson, the wait,
the sentiment or the brand are left out of the regression (complete cases); `n` says how many
exchanges each estimate rests on.

Rules, each giving a NaN ratio with its `reason` rather than an exception:

- fewer than `MIN_EXCHANGES` exchanges, or fewer than `MIN_OUTCOME_COUNT` on the rarer side of
  the outcome: no model for that outcome;
- a lesson with fewer than `MIN_LESSON_COUNT` exchanges on its rarer side (constant included),
  or one whose two-by-two table with the outcome has an empty cell (separation: the ratio is
  0 or infinite): left out of the model, and the other lessons are estimated without it (their
  `method` says which lessons are not held fixed);
- a lesson that the brand and the other lessons determine (each brand always or never does
  it, or it duplicates another lesson): left out the same way, as collinear;
- brands where every exchange has the same outcome carry no information once the brand has its
  own intercept (its coefficient runs off to infinity), so they are left out, as fixest and
  Stata's `logit` do, and `method` says how many;
- a fit that does not converge, or that statsmodels flags as perfect separation or a singular
  Hessian: NaN for that outcome with the warning as the reason. No statsmodels warning leaves
  this module: they are recorded into `reason`, so a shared page carries none.

Standard errors: clustered by brand (CR1, statsmodels' small-sample correction, intervals from
a t distribution with brands − 1 degrees of freedom) when the model has at least
`MIN_CLUSTERS` brands. With fewer clusters cluster-robust errors are too small (Cameron and
Miller 2015, "A Practitioner's Guide to Cluster-Robust Inference"), so below it, and with a
single brand where clustering is impossible, the errors are heteroskedasticity-robust (HC1) and
`method` says so: they then ignore within-brand correlation beyond the brand's own intercept.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis import rubric, scorecard

# The five lessons that lessons_met counts, then the says_sorry bonus.
LESSONS = (*rubric.LESSONS, rubric.BONUS)
OUTCOMES = ("customer_thanked", "customer_still_unhappy", "customer_replied")
# Read from the customer's follow-up: defined only where there is one.
FOLLOW_UP_OUTCOMES = ("customer_thanked", "customer_still_unhappy")
FOLLOW_UP_COLUMN = "customer_replied"
ANSWERED_COLUMN = "answered"

MIN_EXCHANGES = 50
# About ten outcomes per estimated coefficient is the usual floor for a logistic regression;
# this is the floor for any model at all, the rest shows in the width of the interval.
MIN_OUTCOME_COUNT = 10
MIN_LESSON_COUNT = 5
MIN_CLUSTERS = 10
CONFIDENCE = 0.95

EFFECT_COLUMNS = ["lesson", "outcome", "odds_ratio", "low", "high", "n", "method", "reason"]
# The outcome's share among exchanges with the lesson and among those without, with intervals.
RATE_COLUMNS = [
    "lesson",
    "outcome",
    *(
        f"{side}_{measure}"
        for side in ("with", "without")
        for measure in ("count", "share", "share_low", "share_high")
    ),
]


def outcome_defined(frame: pd.DataFrame, outcome: str) -> pd.Series:
    """Where `outcome` is evidence: answered, the outcome known and, for an outcome read from
    the follow-up, the customer having followed up."""
    defined = frame[outcome].notna()
    if ANSWERED_COLUMN in frame:
        defined &= frame[ANSWERED_COLUMN].astype("Float64").astype(float).eq(1)
    if outcome in FOLLOW_UP_OUTCOMES and FOLLOW_UP_COLUMN in frame:
        defined &= frame[FOLLOW_UP_COLUMN].astype("Float64").astype(float).eq(1)
    return defined


def outcome_rates(
    frame: pd.DataFrame,
    lessons: Sequence[str] = LESSONS,
    outcomes: Sequence[str] = OUTCOMES,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per lesson and outcome: the outcome's share with and without the lesson, Wilson intervals."""
    lesson_values = frame[list(lessons)].astype("Float64").astype(float).to_numpy()
    has_lesson = (lesson_values == 1).astype(float)
    lacks_lesson = (lesson_values == 0).astype(float)
    tables = []
    for outcome in outcomes:
        defined = outcome_defined(frame, outcome).to_numpy(dtype=float)
        happened = frame[outcome].astype("Float64").astype(float).fillna(0).to_numpy() * defined
        table = pd.DataFrame({"lesson": list(lessons), "outcome": outcome})
        # Counts for every lesson at once: a lesson's column dotted with the defined rows.
        for side, indicator in (("with", has_lesson), ("without", lacks_lesson)):
            trials = indicator.T @ defined
            successes = indicator.T @ happened
            low, high = scorecard.wilson_interval(successes, trials, confidence)
            table[f"{side}_count"] = trials.astype(int)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"{side}_share"] = np.where(trials > 0, successes / trials, np.nan)
            table[f"{side}_share_low"] = low
            table[f"{side}_share_high"] = high
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[RATE_COLUMNS]


def lesson_effects(
    frame: pd.DataFrame,
    lessons: Sequence[str] = LESSONS,
    outcomes: Sequence[str] = OUTCOMES,
    group: str | None = "brand",
    wait_column: str | None = "first_response_seconds",
    sentiment_column: str | None = "complaint_sentiment",
) -> pd.DataFrame:
    """Per lesson and outcome: the odds ratio adjusted for the other lessons, brand, wait and
    complaint sentiment, with a 95 % interval, or NaN and the reason it cannot be estimated."""
    controls = [column for column in (group, wait_column, sentiment_column) if column]
    missing = [c for c in [*lessons, *outcomes, *controls] if c not in frame]
    if missing:
        raise ValueError(
            f"analysis: lesson_effects needs the columns {', '.join(missing)} "
            "(pass None for a control the data does not have)"
        )
    covariates = pd.DataFrame(index=frame.index)
    if wait_column:
        covariates["log1p_wait"] = np.log1p(frame[wait_column].astype("Float64").astype(float))
    if sentiment_column:
        covariates["complaint_sentiment"] = frame[sentiment_column].astype("Float64").astype(float)
    # Plain values: a categorical brand would keep dummies for brands not in the rows modelled.
    brands = frame[group].astype("object") if group else pd.Series("all", index=frame.index)
    lesson_values = frame[list(lessons)].astype("Float64").astype(float)
    tables = []
    for outcome in outcomes:
        complete = (
            outcome_defined(frame, outcome)
            & lesson_values.notna().all(axis=1)
            & covariates.notna().all(axis=1)
            & brands.notna()
        )
        tables.append(
            _outcome_effects(
                outcome=outcome,
                happened=frame.loc[complete, outcome].astype("Float64").astype(float),
                lesson_values=lesson_values[complete],
                covariates=covariates[complete],
                brands=brands[complete],
            )
        )
    return pd.concat(tables, ignore_index=True)[EFFECT_COLUMNS]


def lesson_evidence(frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """`lesson_effects` beside the raw `outcome_rates` of the same lesson and outcome."""
    rate_options = {k: v for k, v in options.items() if k in ("lessons", "outcomes")}
    # Both halves read the lessons, outcomes and denominators as floats (NA as NaN): converted
    # once here, so the conversions each half makes again are of float columns (cheap).
    read = [
        *options.get("lessons", LESSONS),
        *options.get("outcomes", OUTCOMES),
        ANSWERED_COLUMN,
        FOLLOW_UP_COLUMN,
    ]
    frame = frame.assign(
        **{c: frame[c].astype("Float64").astype(float) for c in dict.fromkeys(read) if c in frame}
    )
    return lesson_effects(frame, **options).merge(
        outcome_rates(frame, **rate_options), on=["lesson", "outcome"], how="left"
    )


def _outcome_effects(
    outcome: str,
    happened: pd.Series,
    lesson_values: pd.DataFrame,
    covariates: pd.DataFrame,
    brands: pd.Series,
) -> pd.DataFrame:
    """One outcome's regression: a row per lesson, NaN with a reason where it cannot be had."""
    lessons = list(lesson_values.columns)
    table = pd.DataFrame(
        {"lesson": lessons, "outcome": outcome, "odds_ratio": np.nan, "low": np.nan}
    )
    table["high"] = np.nan
    table["method"] = ""
    table["reason"] = ""

    shortfall = _too_few(happened)
    if shortfall:
        table["n"] = len(happened)
        table["reason"] = shortfall
        return table

    # A brand whose exchanges all share one outcome has an infinite intercept of its own and
    # tells nothing about the lessons: leave it out (fixest and Stata do the same).
    brand_outcome_variety = happened.groupby(brands, observed=True).transform("nunique")
    informative = brand_outcome_variety.gt(1)
    uninformative_brands = brands[~informative].nunique()
    happened, brands = happened[informative], brands[informative]
    lesson_values, covariates = lesson_values[informative], covariates[informative]
    table["n"] = len(happened)
    shortfall = _too_few(happened)
    if shortfall:
        table["reason"] = f"{shortfall} in brands where the outcome varies"
        return table

    exclusions = _lesson_exclusions(lesson_values, happened)
    kept = [lesson for lesson in lessons if lesson not in exclusions]
    brand_count = brands.nunique()
    for lesson in _collinear_lessons(lesson_values[kept], covariates, brands) if kept else []:
        exclusions[lesson] = (
            "collinear: the lesson is fixed by the brand or the other lessons "
            "(e.g. each brand always or never does it), so its own effect cannot be told apart"
        )
    table["reason"] = [exclusions.get(lesson, "") for lesson in lessons]
    kept = [lesson for lesson in kept if lesson not in exclusions]
    if not kept:
        return table
    design = _design(lesson_values[kept], covariates, brands)
    method = _method(brand_count, covariates.columns, uninformative_brands, list(exclusions))
    fit_options: dict[str, Any] = {"cov_type": "HC1"}
    if brand_count >= MIN_CLUSTERS:
        fit_options = {
            "cov_type": "cluster",
            "cov_kwds": {"groups": pd.factorize(brands)[0]},
            "use_t": True,
        }

    result, problem = _fit_logit(happened, design, fit_options)
    is_kept = table["lesson"].isin(kept)
    if problem:
        table.loc[is_kept, "reason"] = problem
        return table
    log_interval = result.conf_int(alpha=1 - CONFIDENCE).loc[kept]
    table.loc[is_kept, "odds_ratio"] = np.exp(result.params[kept].to_numpy())
    table.loc[is_kept, "low"] = np.exp(log_interval[0].to_numpy())
    table.loc[is_kept, "high"] = np.exp(log_interval[1].to_numpy())
    table.loc[is_kept, "method"] = method
    return table


def _design(
    lesson_values: pd.DataFrame, covariates: pd.DataFrame, brands: pd.Series
) -> pd.DataFrame:
    """The regression's columns: a constant, the covariates, brand dummies, then the lessons."""
    with_constant = covariates.copy()
    with_constant.insert(0, "const", 1.0)  # as statsmodels' add_constant puts it
    parts = [with_constant]
    if brands.nunique() > 1:
        parts.append(pd.get_dummies(brands, prefix="brand", drop_first=True, dtype=float))
    return pd.concat([*parts, lesson_values], axis=1)


def _too_few(happened: pd.Series) -> str:
    """Why there is too little for a model of this outcome, or "" when there is enough."""
    rarer = int(min(happened.sum(), len(happened) - happened.sum()))
    if len(happened) < MIN_EXCHANGES:
        return f"too few exchanges: {len(happened)} (needs {MIN_EXCHANGES})"
    if rarer < MIN_OUTCOME_COUNT:
        return (
            f"too little variation in the outcome: {rarer} exchanges on its rarer side "
            f"(needs {MIN_OUTCOME_COUNT})"
        )
    return ""


def _lesson_exclusions(lesson_values: pd.DataFrame, happened: pd.Series) -> dict[str, str]:
    """The lessons the model cannot estimate, each with why: too rare, too common, separated."""
    has_lesson = lesson_values.to_numpy() == 1
    outcome = happened.to_numpy()[:, None] == 1
    with_count = has_lesson.sum(axis=0)
    without_count = len(happened) - with_count
    # The lesson-by-outcome table's four cells, for every lesson at once.
    cells = np.stack(
        [
            (has_lesson & outcome).sum(axis=0),
            (has_lesson & ~outcome).sum(axis=0),
            (~has_lesson & outcome).sum(axis=0),
            (~has_lesson & ~outcome).sum(axis=0),
        ]
    )
    exclusions = {}
    for index, lesson in enumerate(lesson_values.columns):
        if min(with_count[index], without_count[index]) < MIN_LESSON_COUNT:
            exclusions[lesson] = (
                f"too little variation in the lesson: {with_count[index]} exchanges with it, "
                f"{without_count[index]} without (needs {MIN_LESSON_COUNT} of each)"
            )
        elif cells[:, index].min() == 0:
            exclusions[lesson] = (
                "separation: the outcome is the same for every exchange with the lesson "
                "or for every one without it, so the odds ratio is 0 or infinite"
            )
    return exclusions


def _collinear_lessons(
    lesson_values: pd.DataFrame, covariates: pd.DataFrame, brands: pd.Series
) -> list[str]:
    """The lessons that the brand, the covariates and the lessons before them already determine
    (in `_design`'s column order: constant, covariates, brand dummies, lessons)."""
    # In a QR decomposition without pivoting, R's diagonal is each column's distance from the
    # span of the columns before it: next to nothing for a column they determine. The constant
    # and the brand dummies span exactly the brand indicators, and a distance from a span that
    # holds them is the same after each brand's mean is taken out of every column: so the QR is
    # of the covariates and lessons within brand, a few columns rather than one per brand.
    codes = pd.factorize(brands)[0]
    columns = pd.concat([covariates, lesson_values], axis=1).to_numpy(dtype=float)
    brand_sizes = np.bincount(codes)
    brand_means = np.column_stack(
        [np.bincount(codes, weights=column) / brand_sizes for column in columns.T]
    )
    within_brand = columns - brand_means[codes]
    diagonal = np.abs(np.diag(np.linalg.qr(within_brand, mode="r")))
    column_norms = np.linalg.norm(lesson_values.to_numpy(dtype=float), axis=0)
    dependent = diagonal[-lesson_values.shape[1] :] <= 1e-8 * np.maximum(column_norms, 1.0)
    return [lesson for lesson, flag in zip(lesson_values.columns, dependent, strict=True) if flag]


def _method(
    brand_count: int,
    covariate_names: Sequence[str],
    uninformative_brands: int,
    left_out: list[str],
) -> str:
    """How an estimate was made, in words a reader of the table can follow."""
    held = ["the other lessons"]
    held.append("brand fixed effects" if brand_count > 1 else "one brand (no brand effects)")
    labels = {"log1p_wait": "log wait", "complaint_sentiment": "complaint sentiment"}
    held += [labels[name] for name in covariate_names]
    parts = [f"logit holding {', '.join(held)} fixed"]
    if brand_count >= MIN_CLUSTERS:
        parts.append(f"SEs clustered by brand ({brand_count} brands, t with {brand_count - 1} df)")
    elif brand_count > 1:
        parts.append(f"HC1 robust SEs ({brand_count} brands: clustering needs {MIN_CLUSTERS})")
    else:
        parts.append("HC1 robust SEs (one brand: clustering impossible)")
    if uninformative_brands:
        parts.append(f"{uninformative_brands} brand(s) with a single outcome left out")
    if left_out:
        parts.append(f"not holding {', '.join(left_out)} fixed (not estimable)")
    return "; ".join(parts)


def _fit_logit(
    happened: pd.Series, design: pd.DataFrame, fit_options: dict[str, Any]
) -> tuple[Any, str]:
    """The fitted Logit and "", or None and the problem that stopped it, warnings included."""
    # statsmodels is imported here, at the first fit, not with the module: importing it costs a
    # second or two, and the report's pages import this module only for its tables.
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ModelWarning, PerfectSeparationError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # One BLAS thread: small Hessians are many times slower with threads that a busy
            # machine's other work keeps waiting.
            with threadpool_limits(limits=1):
                result = sm.Logit(happened, design).fit(disp=0, maxiter=100, **fit_options)
        except (PerfectSeparationError, np.linalg.LinAlgError, ValueError) as error:
            return None, f"the regression failed: {error}"
    if not result.mle_retvals.get("converged", False):
        return None, (
            "the regression did not converge in 100 iterations (often a control that "
            "predicts the outcome almost perfectly)"
        )
    # A model warning or a numerical one (overflow) means the numbers are not to be trusted:
    # separation, a singular Hessian. Deprecation notices say nothing about them.
    messages = sorted(
        {
            str(warning.message).splitlines()[0]
            for warning in caught
            if issubclass(warning.category, (ModelWarning, RuntimeWarning))
        }
    )
    if messages:
        return None, f"the regression is unreliable: {'; '.join(messages)}"
    standard_errors = result.bse.to_numpy()
    if not np.all(np.isfinite(standard_errors)):
        return None, "the regression is unreliable: a standard error is not finite"
    return result, ""


def display_table(evidence: pd.DataFrame | None) -> pd.DataFrame:
    """`lesson_evidence` for reading on a page: lessons and outcomes in words, the raw shares with
    and without the lesson beside the adjusted odds ratio (its interval folded in by
    `tables.show`), then why there is no estimate where there is none; how each outcome's
    estimates were made is one sentence per outcome, `method_note`, not a cell per row."""
    columns = [
        "lesson",
        "outcome",
        "with_count",
        "with_share",
        "with_share_low",
        "with_share_high",
        "without_count",
        "without_share",
        "without_share_low",
        "without_share_high",
        "odds_ratio",
        "odds_ratio_low",
        "odds_ratio_high",
        "n",
        "reason",
    ]
    if evidence is None or evidence.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    table = evidence.rename(columns={"low": "odds_ratio_low", "high": "odds_ratio_high"})
    table = table.assign(
        lesson=table["lesson"].str.replace("_", " "),
        outcome=table["outcome"].str.replace("_", " "),
    )
    return table[[c for c in columns if c in table]]


SATISFIED_OUTCOME = "customer_satisfied"


def evidence_from_exchanges(exchanges: pd.DataFrame) -> pd.DataFrame:
    """`lesson_evidence` for a run's labelled exchanges, with the rating as an outcome too where
    the export has one (`customer_satisfied`: rated 4 or 5, RUBRIC.md's outcome for tickets)."""
    from analysis import helpdesk  # it defines what a satisfied rating is

    outcomes = list(OUTCOMES)
    frame = exchanges
    satisfied = helpdesk.satisfied(exchanges)
    if satisfied is not None:
        frame = exchanges.assign(**{SATISFIED_OUTCOME: satisfied})
        outcomes.append(SATISFIED_OUTCOME)
    present = [o for o in outcomes if o in frame]
    return lesson_evidence(frame, outcomes=tuple(present))


def method_note(evidence: pd.DataFrame | None) -> str:
    """How each outcome's odds ratios were estimated, one sentence per outcome (the `method`
    column of `lesson_evidence`, the same for every lesson of an outcome but the ones left out)."""
    if evidence is None or evidence.empty:
        return ""
    rows = evidence[evidence["odds_ratio"].notna()]
    parts = [
        f"{outcome.replace('_', ' ')}: {'; '.join(dict.fromkeys(group['method'].astype(str)))}"
        for outcome, group in rows.groupby("outcome", sort=False)
    ]
    return "How each outcome was estimated. " + ". ".join(parts) + "." if parts else ""
