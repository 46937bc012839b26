"""Figures for the data-quality notebook."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from analysis.plots import brand_colours, new_figure


def conversations_per_day(per_day: pd.DataFrame) -> Figure:
    """Stacked daily conversation starts per brand (input: quality.conversations_per_day)."""
    fig, ax = new_figure(9, 4.5)
    colours = brand_colours(per_day.columns)
    bottom = None
    for brand in per_day.columns:
        ax.bar(
            per_day.index,
            per_day[brand],
            bottom=bottom,
            width=0.9,
            label=brand,
            color=colours.get(brand),
        )
        bottom = per_day[brand] if bottom is None else bottom + per_day[brand]
    ax.set_title("Conversations started per day, by brand")
    ax.set_xlabel("day (UTC)")
    ax.set_ylabel("conversations started")
    ax.legend(title="brand", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.autofmt_xdate()
    return fig


def rejected_reasons(reasons: pd.DataFrame) -> Figure:
    """Horizontal bars: rejected rows per column and reason (input: quality.rejected_reasons)."""
    fig, ax = new_figure(9, max(2.0, 0.5 * len(reasons) + 1.2))
    if reasons.empty:
        ax.text(0.5, 0.5, "No rows were rejected", ha="center", va="center")
        ax.set_axis_off()
    else:
        labels = reasons["column"] + ": " + reasons["reason"].str.slice(0, 60)
        ax.barh(labels[::-1], reasons["rows"][::-1], color="#D55E00")
        ax.set_xlabel("rows rejected")
    ax.set_title("Why input rows were rejected")
    return fig
