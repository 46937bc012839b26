"""Weekly trend figures: one panel per measure, one line per large brand, interval bands."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from analysis import quality
from analysis.plots import (
    DEFAULT_MAX_BRANDS,
    UNKNOWN_BRAND_COLOUR,
    brand_colours,
    choose_brands,
    date_axis,
    figure_note,
    legend_outside,
    literal,
    more_brands_note,
    new_figure,
    no_data,
)
from analysis.plots.latency import _TIME_TICKS
from analysis.plots.rubric import LESSON_TITLES
from analysis.rubric import LESSONS

TITLE = "Is each brand getting better week by week?"


def _panels(weekly: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(column stem, panel title, kind) for each measure the table holds, in reading order."""
    panels = [("response_rate", "Response rate", "share")]
    panels.append(("median_first_response", "Median first response (log scale)", "seconds"))
    panels += [
        (f"{lesson}_share", LESSON_TITLES[lesson].replace("\n", " "), "share")
        for lesson in LESSONS
        if f"{lesson}_share" in weekly
    ]
    return panels


def _bounds(weekly: pd.DataFrame, stem: str, kind: str) -> tuple[str, str, str]:
    if kind == "seconds":
        return f"{stem}_seconds", f"{stem}_low_seconds", f"{stem}_high_seconds"
    return stem, f"{stem}_low", f"{stem}_high"


def weekly(
    weekly_table: pd.DataFrame,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    min_messages: int = 5,
    by: str = "brand",
) -> Figure:
    """Small multiples, one per measure of `trends.weekly_by_group`, with a line per brand (or
    other group `by`) and its 95% interval as a band; weeks follow the bulk of the data (stray
    old weeks left out).

    The groups drawn are the largest by customer messages (or those named in `brands`); a
    group-week with fewer than `min_messages` customer messages is not drawn (too few to read),
    and a line breaks over the weeks it skips rather than joining them.
    """
    # The table's group column stands in for `brand` below: one drawing for every grouping.
    table = weekly_table.assign(brand=weekly_table[by].astype(str))
    noun = by.replace("_", " ")
    figure_title = TITLE.replace("brand", noun)
    panels = _panels(table)
    if table.empty:
        fig, ax = new_figure(9, 3)
        ax.set_title(figure_title)
        ax.set_xlabel("Week starting (Monday)")
        ax.set_ylabel("Measure")
        return no_data(fig, ax, "No customer message has a time")
    chosen = choose_brands(table.groupby("brand")["customer_messages"].sum(), brands, max_brands)
    # The weeks that hold the bulk of the messages: one time per message, by its week.
    per_week = table.groupby("week_start")["customer_messages"].sum()
    span = quality.bulk_time_range(
        pd.Series(np.repeat(per_week.index, per_week.to_numpy().astype(np.int64))),
        min_gap=pd.Timedelta(days=7),  # adjoining weeks always belong together
    )
    shown = table[
        table["brand"].isin(chosen)
        & span.contains(table["week_start"])
        & (table["customer_messages"] >= min_messages)
    ]
    weeks = pd.DatetimeIndex(sorted(table.loc[span.contains(table["week_start"]), "week_start"]))
    weeks = pd.date_range(weeks.min(), weeks.max(), freq="W-MON") if len(weeks) else weeks
    colours = brand_colours(chosen)
    columns = 2 if len(panels) > 1 else 1
    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(10.5, 0.8 + 2.3 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, sharex=True, squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_axis_off()
            continue
        stem, title, kind = panels[index]
        value, low, high = _bounds(table, stem, kind)
        ax.spines[["top", "right"]].set_visible(False)
        for brand in chosen:
            rows_of = shown[shown["brand"] == brand].set_index("week_start")
            if rows_of.empty:
                continue
            # Every week of the range, NaN where the brand has none: the line breaks there.
            rows_of = rows_of.reindex(weeks)
            colour = colours.get(brand, UNKNOWN_BRAND_COLOUR)
            scale = 100.0 if kind == "share" else 1.0
            x = rows_of.index.tz_localize(None)
            ax.plot(x, rows_of[value] * scale, marker="o", markersize=3, color=colour,
                    linewidth=1.4, label=literal(brand))  # fmt: skip
            if low in rows_of and high in rows_of:
                ax.fill_between(x, rows_of[low] * scale, rows_of[high] * scale, color=colour,
                                alpha=0.12, linewidth=0)  # fmt: skip
        ax.set_title(title, fontsize=9.5)
        if kind == "share":
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(PercentFormatter())
            ax.set_ylabel("% of messages" if stem == "response_rate" else "% meeting it")
        else:
            _log_seconds_axis(ax, shown[[value, low, high]].to_numpy(dtype=float))
            ax.set_ylabel("Wait (log scale)")
        if index // columns == rows - 1 or index + columns >= len(panels):
            ax.set_xlabel("Week starting (Monday)")
            ax.tick_params(axis="x", labelbottom=True)
        date_axis(ax, weeks.tz_localize(None) if weeks.tz else weeks, max_ticks=6)
    fig.suptitle(figure_title + " (bands: 95% intervals)")
    legend_outside(fig, axes.flat[0], title=noun.capitalize())
    notes = [more_brands_note(len(chosen), table["brand"].nunique(), noun=noun)]
    if span.messages_outside:
        notes.append(f"{span.messages_outside:,} messages in stray weeks outside the range")
    figure_note(fig, "; ".join(n for n in notes if n))
    return fig


def _log_seconds_axis(ax, values: np.ndarray) -> None:
    """A log y axis over the finite positive values, ticked in human units (1 min, 1 h, 1 day)."""
    finite = values[np.isfinite(values) & (values >= 1)]
    low, high = (finite.min(), finite.max()) if finite.size else (60.0, 86_400.0)
    low, high = max(low / 1.5, 1.0), max(high * 1.5, low * 10)
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ticks = [(v, t) for v, t in _TIME_TICKS if low <= v <= high]
    ax.set_yticks([v for v, _ in ticks], [t for _, t in ticks])
    ax.minorticks_off()
