"""Figures for the data-quality notebook."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots import (
    DEFAULT_MAX_BRANDS,
    OTHER_BRANDS,
    OTHER_BRANDS_COLOUR,
    brand_colours,
    choose_brands,
    date_axis,
    legend_outside,
    literal,
    new_figure,
    no_data,
)


def conversations_per_day(
    per_day: pd.DataFrame,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
) -> Figure:
    """Stacked daily conversation starts for the largest brands (or other groups) and all others
    together.

    Input: `quality.conversations_per_day` (its days already follow the bulk of the data; its
    columns are named for what they group by).
    """
    noun = str(per_day.columns.name or "brand").replace("_", " ")
    fig, ax = new_figure(9, 4.5)
    ax.set_title(f"How many conversations start each day, and with which {noun}s?")
    ax.set_xlabel("Day (UTC)")
    ax.set_ylabel("Conversations started (count)")
    if per_day.empty or per_day.to_numpy().sum() == 0:
        return no_data(fig, ax, "No conversation has a time")
    per_day = per_day.rename(columns=str)
    chosen = choose_brands(per_day.sum(), brands, max_brands)
    others = [b for b in per_day.columns if b not in chosen]
    series = per_day[chosen].copy()
    if others:
        series[OTHER_BRANDS] = per_day[others].sum(axis=1)
    colours = brand_colours(chosen)
    bottom = np.zeros(len(series))
    for brand in series.columns:
        values = series[brand].to_numpy(dtype=float)
        ax.bar(
            series.index,
            values,
            bottom=bottom,
            width=0.9,
            label=literal(f"{brand} ({int(values.sum()):,})"),
            color=colours.get(brand, OTHER_BRANDS_COLOUR),
            linewidth=0,
        )
        bottom = bottom + values
    ax.set_xlim(
        series.index.min() - pd.Timedelta(days=1), series.index.max() + pd.Timedelta(days=1)
    )
    date_axis(ax, series.index, max_ticks=8)
    legend_outside(fig, ax, title=f"{noun.capitalize()} (conversations)")
    return fig


def rejected_reasons(reasons: pd.DataFrame) -> Figure:
    """Horizontal bars: rejected rows per column and reason (input: quality.rejected_reasons)."""
    fig, ax = new_figure(9, max(2.0, 0.5 * len(reasons) + 1.2))
    if reasons.empty:
        ax.text(0.5, 0.5, "No rows were rejected", ha="center", va="center")
        ax.set_axis_off()
    else:
        labels = (reasons["column"] + ": " + reasons["reason"].str.slice(0, 60)).map(literal)
        ax.barh(labels[::-1], reasons["rows"][::-1], color="#D55E00")
        ax.set_xlabel("Rows rejected (count)")
        ax.set_ylabel("Column: reason")
    ax.set_title("Why input rows were rejected")
    return fig
