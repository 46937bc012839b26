"""Figure functions: data in, matplotlib Figure out. One brand palette for every figure.

Topic modules (`plots.quality`, `plots.latency`, `plots.personalisation`, `plots.rubric`)
hold the figures; this module holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.legend import Legend

# Colour-blind-safe (Okabe-Ito), then Paul Tol's muted colours that differ from them, so the ten
# or so brands a figure draws one by one are told apart; tab20 only past that.
_BASE_PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#882255",
    "#332288",
    "#999933",
    "#44AA99",
    "#AA4499",
    "#117733",
]
UNKNOWN_BRAND_COLOUR = "#999999"
# The brands a figure does not draw one by one, pooled into one series (or counted in a note).
OTHER_BRANDS = "all others"
OTHER_BRANDS_COLOUR = "#BBBBBB"
DEFAULT_MAX_BRANDS = 10


def brand_colours(brands: Iterable[object]) -> dict[str, str]:
    """A stable colour per brand: the same brand gets the same colour in every figure."""
    names = sorted({str(b) for b in brands if b is not None and str(b) not in ("", "nan", "<NA>")})
    extra = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab20").colors]
    palette = _BASE_PALETTE + extra
    colours = {name: palette[i % len(palette)] for i, name in enumerate(names)}
    colours["unknown"] = UNKNOWN_BRAND_COLOUR
    colours[OTHER_BRANDS] = OTHER_BRANDS_COLOUR
    return colours


# WCAG's contrast for normal-size text: a brand's colour as text must reach it against white.
TEXT_CONTRAST = 4.5


def text_colour(colour: str) -> str:
    """`colour` for text on white: as it is when it reads (WCAG contrast of `TEXT_CONTRAST`),
    else darkened towards black, in its own hue, until it does (yellow brands become olive)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    for darkness in np.linspace(0, 1, 41):
        # Checked as written (hex rounds each channel), so the colour drawn is the one that reads.
        shaded = str(matplotlib.colors.to_hex(rgb * (1 - darkness)))
        if _contrast_with_white(np.array(matplotlib.colors.to_rgb(shaded))) >= TEXT_CONTRAST:
            return shaded
    return "#000000"


def _contrast_with_white(rgb: np.ndarray) -> float:
    """WCAG 2's contrast ratio of an sRGB colour (0-1 channels) against white."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    return 1.05 / (luminance + 0.05)


def choose_brands(
    volume_by_brand: pd.Series | Mapping[str, float],
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
) -> list[str]:
    """The brands a figure draws one by one: those named in `brands` that have data, else the
    `max_brands` largest by volume (ties by name); the rest go into "all other brands".

    Every page that passes the same choice to its figures colours each brand the same way.
    """
    volume = pd.Series(volume_by_brand, dtype=float)
    volume.index = volume.index.astype(str)
    volume = volume.groupby(level=0).sum()
    if brands is not None:
        wanted = [str(b) for b in brands]
        return [b for b in dict.fromkeys(wanted) if b in volume.index]
    if max_brands < 1:
        raise ValueError("analysis: max_brands must be at least 1")
    ranked = pd.DataFrame({"brand": volume.index, "volume": volume.to_numpy()})
    ranked = ranked.sort_values(["volume", "brand"], ascending=[False, True], kind="stable")
    return ranked["brand"].head(max_brands).tolist()


def group_brands(labels: pd.Series, chosen: Sequence[str]) -> pd.Series:
    """Each row's brand if it is one of `chosen`, else "all other brands" (vectorised)."""
    labels = labels.astype(str)
    return labels.where(labels.isin(list(chosen)), OTHER_BRANDS)


def brand_order(chosen: Sequence[str], grouped: pd.Series) -> list[str]:
    """The series to draw: the chosen brands present, then "all other brands" if any row is in it."""
    present = set(grouped.unique())
    order = [b for b in chosen if b in present]
    return order + ([OTHER_BRANDS] if OTHER_BRANDS in present else [])


def more_brands_note(shown: int, total: int, noun: str = "brand") -> str:
    """'+N more brands in the table' for figures that draw only the largest groups' values."""
    hidden = total - shown
    if hidden <= 0:
        return ""
    return f"+{hidden} more {noun}{'s' if hidden != 1 else ''} in the table"


def figure_note(fig: Figure, text: str) -> None:
    """A small note under the figure, e.g. how many brands are only in the table beside it."""
    if text:
        fig.supxlabel(literal(text), fontsize=8, color="#555555", ha="right", x=0.98)


def literal(value: object) -> str:
    """Text from the data as a figure label: a $ is a dollar sign, never the start of mathtext."""
    return str(value).replace("$", r"\$")


def new_figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    """A figure and axes in the house style (no pyplot global state leaks into reports)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def legend_outside(
    fig: Figure,
    ax: plt.Axes,
    handles: Sequence[Artist] | None = None,
    title: str | None = None,
    **kw: Any,
) -> Legend | None:
    """A legend to the right of the axes, never over the data (constrained layout makes room)."""
    if handles is None:
        handles, _ = ax.get_legend_handles_labels()
    if not handles:
        return None
    return fig.legend(
        handles=list(handles),
        loc="outside right upper",
        frameon=False,
        fontsize=kw.pop("fontsize", 8),
        title=title,
        **kw,
    )


def no_data(fig: Figure, ax: plt.Axes, message: str) -> Figure:
    """Say on the figure itself that there is nothing to draw (empty data is not an error)."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def _show_figures_in_notebooks() -> None:
    """Let a returned Figure render as a PNG in Jupyter and in the HTML reports.

    Figures here are built without pyplot (so nothing leaks between them), and IPython only
    knows how to draw pyplot-managed figures until told about the Figure class itself.
    """
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
    except ImportError:  # plain Python: nothing to register
        return
    shell = get_ipython()
    if shell is None:
        return
    png = shell.display_formatter.formatters["image/png"]
    png.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight", dpi=110))


_show_figures_in_notebooks()


def date_axis(ax: plt.Axes, dates: Sequence[pd.Timestamp], max_ticks: int) -> None:
    """Date ticks on the x axis: matplotlib's automatic ones, or, for a span too short for them
    (a week or two of data), one tick per date drawn; the automatic locator warns on a page
    when it finds no interval for so few dates."""
    distinct = pd.DatetimeIndex(pd.to_datetime(list(dates))).unique().sort_values()
    if 0 < len(distinct) <= max_ticks:
        ax.set_xticks(mdates.date2num(distinct.tz_localize(None) if distinct.tz else distinct))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
        return
    locator = mdates.AutoDateLocator(minticks=2, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
