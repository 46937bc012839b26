"""Figure functions: data in, matplotlib Figure out. One brand palette for every figure.

Topic modules (`plots.quality`, `plots.latency`, `plots.personalisation`, `plots.rubric`)
hold the figures; this module holds what they share.
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# Colour-blind-safe (Okabe-Ito), then tab20 for long brand lists.
_BASE_PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]
UNKNOWN_BRAND_COLOUR = "#999999"


def brand_colours(brands: Iterable[object]) -> dict[str, str]:
    """A stable colour per brand: the same brand gets the same colour in every figure."""
    names = sorted({str(b) for b in brands if b is not None and str(b) not in ("", "nan", "<NA>")})
    extra = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab20").colors]
    palette = _BASE_PALETTE + extra
    colours = {name: palette[i % len(palette)] for i, name in enumerate(names)}
    colours["unknown"] = UNKNOWN_BRAND_COLOUR
    return colours


def new_figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, plt.Axes]:
    """A figure and axes in the house style (no pyplot global state leaks into reports)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


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
