"""Shares of replies meeting a text lesson, corrected for the labeller's measured errors.

A labeller that misses a fifth of the real resolutions (sensitivity 0.8) and wrongly sees one in
twenty (specificity 0.95) turns a true share of 50% into a raw share of 42.5%. The Rogan-Gladen
estimator undoes that: true = (raw + sp - 1) / (se + sp - 1), clipped to [0, 1]. Its 95% interval
carries both uncertainties by a parametric bootstrap: each draw resamples the labelled replies the
sensitivity and specificity were measured on (a multinomial draw of the four confusion counts, the
same as resampling those replies) and the brand's own replies (its raw share redrawn from a
Jeffreys Beta posterior of its count, which unlike a binomial redraw still varies for a brand with
no hit at all).

The labeller's errors are read from the quality file (`rubric_evaluation.labeller_quality()`):
the chosen labeller's leave-one-brand-out counts (brands it never saw), else its development-set
counts. A label whose labeller is no better than chance (se + sp <= 1) cannot be corrected: its
corrected share is NA.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import rubric, scorecard

DRAWS = 2000
SEED = 20171031
LEVEL = 0.95
SHARE_COLUMNS = [
    "brand",
    "lesson",
    "replies",
    "raw_share",
    "corrected_share",
    "corrected_share_low",
    "corrected_share_high",
    "sensitivity",
    "specificity",
    "measured_on",
]


@dataclass(frozen=True)
class LabellerErrors:
    """The confusion counts a labeller was measured with on hand-labelled replies."""

    true_positives: int
    false_negatives: int
    false_positives: int
    true_negatives: int
    measured_on: str = "labelled replies"

    @property
    def sensitivity(self) -> float:
        """Share of the truly positive replies the labeller marks positive."""
        return self.true_positives / max(self.true_positives + self.false_negatives, 1)

    @property
    def specificity(self) -> float:
        """Share of the truly negative replies the labeller marks negative."""
        return self.true_negatives / max(self.true_negatives + self.false_positives, 1)


def rogan_gladen(raw_share, sensitivity, specificity):
    """The true share a raw share implies given the labeller's se and sp, clipped to [0, 1];
    NaN where se + sp <= 1 (a labeller no better than chance says nothing)."""
    raw, se, sp = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (raw_share, sensitivity, specificity))
    )
    informative = se + sp - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        corrected = np.where(informative > 0, (raw + sp - 1) / informative, np.nan)
    return np.clip(corrected, 0.0, 1.0)


def draw_errors(errors: LabellerErrors, draws: int, rng: np.random.Generator):
    """Bootstrap draws of (sensitivity, specificity): the labelled replies resampled."""
    counts = np.array(
        [
            errors.true_positives,
            errors.false_negatives,
            errors.false_positives,
            errors.true_negatives,
        ],
        dtype=float,
    )
    drawn = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=draws).astype(float)
    tp, fn, fp, tn = drawn.T
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(tp + fn > 0, tp / (tp + fn), errors.sensitivity)
        sp = np.where(tn + fp > 0, tn / (tn + fp), errors.specificity)
    return se, sp


def corrected_share(
    positives: np.ndarray,
    replies: np.ndarray,
    errors: LabellerErrors,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Per group (arrays of its positive and total reply counts): raw share, Rogan-Gladen corrected
    share and its 95% bootstrap interval (labelled set and the group's replies resampled)."""
    positives = np.asarray(positives, dtype=float)
    replies = np.asarray(replies, dtype=float)
    rng = np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(replies > 0, positives / replies, np.nan)
    se, sp = draw_errors(errors, draws, rng)
    # One column per group, one row per draw: the group's raw share redrawn from its replies.
    # A Jeffreys Beta(k + 1/2, n - k + 1/2) rather than Binomial(n, k/n) / n: the binomial of a
    # brand with no hit (or all hits) never varies, and would give it a zero-width interval.
    counts = np.where(replies > 0, positives, 0.0)
    drawn_raw = rng.beta(
        counts + 0.5, np.maximum(replies - counts, 0) + 0.5, size=(draws, len(raw))
    )
    drawn = rogan_gladen(drawn_raw, se[:, None], sp[:, None])
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.full(len(raw), np.nan), np.full(len(raw), np.nan)
    usable = (replies > 0) & ~np.isnan(drawn).any(axis=0)
    if usable.any():
        low[usable], high[usable] = np.percentile(drawn[:, usable], [tail, 100 - tail], axis=0)
    point = rogan_gladen(raw, errors.sensitivity, errors.specificity)
    # A share clipped at 0 or 1 (a brand with no hit, read by a labeller with false positives) can
    # fall outside the draws' percentiles: the interval is widened to hold its own estimate.
    low, high = np.fmin(low, point), np.fmax(high, point)
    return pd.DataFrame(
        {
            "replies": replies.astype(int),
            "raw_share": raw,
            "corrected_share": point,
            "corrected_share_low": low,
            "corrected_share_high": high,
        }
    )


def labeller_errors(quality: pd.DataFrame | None = None) -> dict[str, LabellerErrors]:
    """Per text label, the chosen labeller's confusion counts from the quality file: leave one
    brand out where measured, else the development set."""
    from analysis import rubric_evaluation

    quality = rubric_evaluation.labeller_quality() if quality is None else quality
    chosen = quality[quality["chosen"].astype(bool)].set_index("label")
    errors = {}
    for label, row in chosen.iterrows():
        for prefix, name in (("lobo", "unseen brands"), ("dev", "development set")):
            fields = ("support", "predicted", "true_positive", "reply")
            counts = row[[f"{prefix}_{field}_count" for field in fields]]
            if counts.isna().any():
                continue
            positives, predicted, tp, rows = (int(v) for v in counts)
            errors[label] = LabellerErrors(
                true_positives=tp,
                false_negatives=positives - tp,
                false_positives=predicted - tp,
                true_negatives=rows - positives - predicted + tp,
                measured_on=name,
            )
            break
    return errors


def by_group(
    labelled: pd.DataFrame,
    quality: pd.DataFrame | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
    by: str = "brand",
) -> pd.DataFrame:
    """Per group (`by`, brand by default) and text lesson of a run's labelled exchanges
    (`rubric.label_exchanges`): replies read, raw share, corrected share with its 95% interval,
    and the labeller's se and sp. The group's column is named `by`."""
    errors = labeller_errors(quality)
    # Only the group and the lessons are read: the texts of the replies need not be copied.
    read_columns = [by, *(lesson for lesson in rubric.TEXT_LABELS if lesson in labelled)]
    replied = labelled.loc[labelled["answered"].fillna(False).astype(bool), read_columns]
    groups = replied[by].astype(object).fillna("unknown").astype(str)
    parts = []
    for lesson in rubric.TEXT_LABELS:
        if lesson not in errors or lesson not in replied:
            continue
        read = replied[lesson].notna()
        counts = (
            pd.DataFrame({by: groups[read], "hit": replied.loc[read, lesson].astype(bool)})
            .groupby(by, sort=True)["hit"]
            .agg(["sum", "size"])
        )
        shares = corrected_share(counts["sum"], counts["size"], errors[lesson], draws, seed)
        parts.append(
            shares.assign(
                **{by: counts.index.to_numpy()},
                lesson=lesson,
                sensitivity=errors[lesson].sensitivity,
                specificity=errors[lesson].specificity,
                measured_on=errors[lesson].measured_on,
            )
        )
    columns = [by, *SHARE_COLUMNS[1:]]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    return pd.concat(parts, ignore_index=True)[columns]


def by_brand(
    labelled: pd.DataFrame,
    quality: pd.DataFrame | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> pd.DataFrame:
    """Per brand and text lesson: raw and corrected shares (`by_group` by brand)."""
    return by_group(labelled, quality, draws, seed, by="brand")


def raw_share_note(corrected: pd.DataFrame) -> str:
    """A footnote for a table of corrected shares: each lesson's raw share over all groups (the
    labeller's plain reading) and the sensitivity and specificity it was corrected with."""
    by, group = scorecard.compared(corrected)
    if corrected.empty:
        return "No reply was read, so no share was corrected."
    rows = corrected.assign(hits=corrected["raw_share"] * corrected["replies"])
    pooled = rows.groupby("lesson", sort=False).agg(
        hits=("hits", "sum"),
        replies=("replies", "sum"),
        sensitivity=("sensitivity", "first"),
        specificity=("specificity", "first"),
        measured_on=("measured_on", "first"),
    )
    parts = [
        f"{lesson.replace('_', ' ')} {row.hits / row.replies:.0%} (sensitivity "
        f"{row.sensitivity:.2f}, specificity {row.specificity:.2f}, on {row.measured_on})"
        for lesson, row in pooled.iterrows()
    ]
    return (
        f"Raw shares, as the labeller read them over every {group}, before correction: "
        + "; ".join(parts)
        + f". Each {group}'s raw share is the raw_share column of rubric_corrected_by_{by}.csv."
    )


def correct_scorecard(
    scorecard: pd.DataFrame, corrected: pd.DataFrame, by: str = "brand"
) -> pd.DataFrame:
    """A per-group scorecard with each text lesson's share and interval replaced by the corrected
    ones of `corrected` (`by_group`); the labeller's plain reading is kept as `<lesson>_raw_share`.
    Composite lessons (same medium, which reads moves_channel) stay as read."""
    if corrected is None or corrected.empty:
        return scorecard
    scorecard = scorecard.copy()
    by_group = corrected.assign(**{by: corrected[by].astype(str)}).set_index(["lesson", by])
    for lesson in corrected["lesson"].unique():
        share = f"{lesson}_share"
        if share not in scorecard:
            continue
        rows = by_group.loc[lesson].reindex(scorecard[by].astype(str))
        scorecard[f"{lesson}_raw_share"] = scorecard[share]
        scorecard[share] = rows["corrected_share"].to_numpy()
        scorecard[f"{share}_low"] = rows["corrected_share_low"].to_numpy()
        scorecard[f"{share}_high"] = rows["corrected_share_high"].to_numpy()
    return scorecard
