"""Outcome figures: the evidence for each lesson as a forest plot of adjusted odds ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from analysis import tables
from analysis.plots import figure_note, literal, no_data
from analysis.plots.rubric import LESSON_TITLES

OUTCOME_TITLES = {
    "customer_thanked": "Customer thanks or says it is solved",
    "customer_still_unhappy": "Customer is still unhappy",
    "customer_replied": "Customer writes again",
    "customer_satisfied": "Customer rates it 4 or 5 (of 5)",
}
_ODDS_TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10)
# A note longer than this would run past a panel's edges at the figure's width.
_NOTE_CHARS = 80


def _lesson_title(lesson: str) -> str:
    return LESSON_TITLES.get(lesson, lesson.replace("_", " ")).replace("\n", " ")


def no_estimate_note(reason: object) -> str:
    """A panel's short note for a lesson without an estimate: the reason's headline (before its
    first colon; the table under the figure gives the whole reason), cut between words to fit."""
    headline = str(reason).split(":", 1)[0].strip() if isinstance(reason, str) else ""
    note = f"no estimate: {headline} (see the table)" if headline else "no estimate"
    return str(tables.shorten(pd.Series([note]), _NOTE_CHARS).iloc[0])


def forest(effects: pd.DataFrame, confidence: float = 0.95) -> Figure:
    """Adjusted odds ratios with their intervals, one panel per outcome and one row per lesson, on
    a log axis with the no-difference line at 1; a lesson without an estimate says why not.

    Input: `effects.lesson_evidence` (or `lesson_effects`): lesson, outcome, odds_ratio, low,
    high, n, reason.
    """
    outcomes = [o for o in OUTCOME_TITLES if o in set(effects["outcome"])]
    outcomes += [o for o in dict.fromkeys(effects["outcome"]) if o not in outcomes]
    lessons = list(dict.fromkeys(effects["lesson"]))
    fig = Figure(
        figsize=(10.5, 1.2 + 0.42 * max(len(lessons), 1) * max(len(outcomes), 1) / 1.6),
        layout="constrained",
    )
    if not outcomes or not lessons:
        ax = fig.add_subplot()
        ax.set_title("Does following a lesson go with a better outcome?")
        ax.set_xlabel("Adjusted odds ratio (log scale)")
        ax.set_ylabel("Lesson")
        return no_data(fig, ax, "No exchange had an outcome to relate the lessons to")
    axes = fig.subplots(len(outcomes), 1, sharex=True, squeeze=False)[:, 0]
    estimated = effects[np.isfinite(effects["odds_ratio"].astype(float))]
    bounds = pd.concat([estimated["low"], estimated["high"], estimated["odds_ratio"]]).astype(float)
    bounds = bounds[np.isfinite(bounds) & (bounds > 0)]
    left = min(0.5, float(bounds.min()) / 1.3) if len(bounds) else 0.5
    right = max(2.0, float(bounds.max()) * 1.3) if len(bounds) else 2.0
    for ax, outcome in zip(axes, outcomes, strict=True):
        rows = effects[effects["outcome"] == outcome].set_index("lesson").reindex(lessons)
        y = np.arange(len(lessons))
        ratio = rows["odds_ratio"].to_numpy(float)
        low = rows["low"].to_numpy(float)
        high = rows["high"].to_numpy(float)
        known = np.isfinite(ratio)
        # An interval with an open end (no upper bound) is drawn to the axis edge.
        high_drawn = np.where(np.isfinite(high), high, right)
        low_drawn = np.where(np.isfinite(low), low, left)
        ax.errorbar(
            ratio[known],
            y[known],
            xerr=np.vstack([ratio[known] - low_drawn[known], high_drawn[known] - ratio[known]]),
            fmt="o",
            color="#0072B2",
            ecolor="#0072B2",
            capsize=3,
        )
        for row in np.flatnonzero(~known):
            ax.text(
                1.0, y[row], literal(no_estimate_note(rows["reason"].iloc[row])), fontsize=7.5,
                color="#555555", va="center", ha="center",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
            )  # fmt: skip
        counts = rows["n"].fillna(0).astype(int).to_numpy()
        ax.set_yticks(
            y,
            [
                f"{_lesson_title(lesson)} (n={n:,})"
                for lesson, n in zip(lessons, counts, strict=True)
            ],
        )
        # Every row inside the panel, the first lesson on top: a row without an estimate has no
        # point for the axis to make room for.
        ax.set_ylim(len(lessons) - 0.5, -0.5)
        ax.axvline(1.0, color="#999999", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlim(left, right)
        ax.xaxis.set_major_locator(FixedLocator([t for t in _ODDS_TICKS if left <= t <= right]))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
        ax.set_title(OUTCOME_TITLES.get(outcome, outcome.replace("_", " ")), fontsize=10)
        ax.set_ylabel("Lesson")
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="y", labelsize=8)
    axes[-1].set_xlabel(
        f"Adjusted odds ratio with {confidence:.0%} interval (log scale); right of 1: more likely "
        "with the lesson"
    )
    fig.suptitle("Does following a lesson go with a better outcome?")
    figure_note(
        fig,
        "Holding the other lessons, the brand, the wait and the complaint's sentiment fixed; "
        "associations in observational data, not effects of a test",
    )
    return fig
