"""Personalisation figures: canned-reply share, specificity and the most copied templates."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from analysis.plots import (
    DEFAULT_MAX_BRANDS,
    OTHER_BRANDS,
    UNKNOWN_BRAND_COLOUR,
    brand_colours,
    brand_order,
    choose_brands,
    figure_note,
    group_brands,
    legend_outside,
    literal,
    more_brands_note,
    new_figure,
    no_data,
)
from analysis.tables import shorten

UNKNOWN_BRAND = "unknown"
# boxplot(orientation=...) arrived in matplotlib 3.10, which deprecates vert=.
_MPL = tuple(int(p) for p in matplotlib.__version__.split(".")[:2])
_HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def _brands(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), UNKNOWN_BRAND).astype(str)


def template_share_by_brand(
    brand_table: pd.DataFrame,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    by: str = "brand",
) -> Figure:
    """Share of each brand's (or other group's, `by`) replies that copy a template, with 95%
    Wilson intervals.

    The groups with most replies (or those named in `brands`) are drawn; the note under the
    axis counts the groups left to the table.
    """
    noun = by.replace("_", " ")
    # The table's group column stands in for `brand` below: one drawing for every grouping.
    table = brand_table.assign(brand=_brands(brand_table[by]))
    chosen = choose_brands(table.groupby("brand")["replies"].sum(), brands, max_brands)
    shown = table[table["brand"].isin(chosen)]
    shown = shown.sort_values(["template_share", "brand"], ascending=True, ignore_index=True)
    fig, ax = new_figure(8.0, max(2.5, 0.45 * len(shown) + 1.7))
    ax.set_title(f"How much of each {noun}'s answering is a copied template?")
    ax.set_xlabel(f"Replies that copy a template (% of the {noun}'s replies, 95% interval)")
    ax.set_ylabel(f"{noun.capitalize()} (replies)")
    if shown.empty:
        return no_data(fig, ax, "No agent replies")
    colours = brand_colours(chosen)
    share = shown["template_share"].to_numpy(dtype=float)
    errors = None
    if {"template_share_low", "template_share_high"} <= set(shown.columns):
        low = shown["template_share_low"].to_numpy(dtype=float)
        high = shown["template_share_high"].to_numpy(dtype=float)
        # No clipping: scorecard.wilson_interval keeps every interval around its share.
        errors = np.nan_to_num(np.vstack([share - low, high - share]) * 100)
    positions = np.arange(len(shown))
    ax.barh(
        positions,
        share * 100,
        xerr=errors,
        color=[colours.get(b, UNKNOWN_BRAND_COLOUR) for b in shown["brand"]],
        error_kw={"ecolor": "#444444", "capsize": 3, "linewidth": 1},
    )
    labels = [
        literal(f"{b} ({int(n):,})") for b, n in zip(shown["brand"], shown["replies"], strict=True)
    ]
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter())
    figure_note(fig, more_brands_note(len(shown), table["brand"].nunique(), noun=noun))
    return fig


def specificity_by_brand(
    replies: pd.DataFrame,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    by: str = "brand",
) -> Figure:
    """Distribution of reply specificity per brand, or other group `by` (replies that answer a
    customer message).

    The groups with most scored replies (or those named in `brands`) get a box each; the rest
    share one box, "all others", pooled from their replies.
    """
    scored = replies[replies["specificity"].notna()]
    labels = _brands(scored[by])
    chosen = choose_brands(labels.value_counts(), brands, max_brands)
    grouped = group_brands(labels, chosen)
    medians = scored["specificity"].groupby(grouped).median()
    order = [b for b in medians.sort_values(kind="stable").index if b != OTHER_BRANDS]
    if OTHER_BRANDS in medians.index:
        order.insert(0, OTHER_BRANDS)  # pooled box at the bottom, apart from the brands
    fig, ax = new_figure(8.0, max(2.5, 0.45 * len(order) + 1.7))
    ax.set_title("Do replies talk about the customer's complaint?")
    ax.set_xlabel("Specificity (0 = nothing from the complaint, 1 = all about it)")
    ax.set_ylabel(f"{by.replace('_', ' ').capitalize()} (replies scored)")
    if not order:
        return no_data(fig, ax, "No replies to a customer message")
    colours = brand_colours(chosen)
    values = [scored["specificity"].to_numpy()[(grouped == b).to_numpy()] for b in order]
    boxes = ax.boxplot(
        values,
        **_HORIZONTAL,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": "#222222"},
        flierprops={"markersize": 2, "alpha": 0.4},
    )
    for patch, brand in zip(boxes["boxes"], order, strict=True):
        patch.set_facecolor(colours.get(brand, UNKNOWN_BRAND_COLOUR))
        patch.set_alpha(0.8)
    means = [v.mean() for v in values]
    ax.scatter(
        means,
        np.arange(1, len(order) + 1),
        marker="D",
        color="white",
        edgecolor="#222222",
        zorder=3,
        label="mean",
    )
    ax.set_yticks(
        np.arange(1, len(order) + 1),
        [literal(f"{b} ({len(v):,})") for b, v in zip(order, values, strict=True)],
    )
    ax.set_xlim(-0.02, 1.02)
    legend_outside(fig, ax)
    return fig


def most_copied_templates(
    templates: pd.DataFrame,
    n: int = 12,
    width: int = 70,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
) -> Figure:
    """The most used templates across brands as bars labelled with their (truncated) wording.

    Bars take the colour of their brand when it is one of the figure brands (the largest by
    template replies, or those named in `brands`), grey ("all other brands") otherwise.
    """
    table = templates.assign(brand=_brands(templates["brand"]))
    chosen = choose_brands(table.groupby("brand")["replies"].sum(), brands, max_brands)
    table = table.sort_values(["replies", "brand"], ascending=[False, True]).head(n)
    table = table.iloc[::-1].reset_index(drop=True)
    fig, ax = new_figure(10.0, max(2.5, 0.45 * len(table) + 1.5))
    ax.set_title("Which replies are copied most often?")
    ax.set_xlabel("Replies using the template (count)")
    ax.set_ylabel("Template wording (masked)")
    if table.empty:
        return no_data(fig, ax, "No reply is used twice")
    colours = brand_colours(chosen)
    series = group_brands(table["brand"], chosen)
    positions = np.arange(len(table))
    ax.barh(positions, table["replies"], color=[colours[b] for b in series])
    ax.set_yticks(
        positions, [literal(t) for t in shorten(_one_line(table["template_text"]), width)]
    )
    ax.tick_params(axis="y", labelsize=8)
    drawn = brand_order(sorted(chosen), series)  # only brands with a bar are in the legend
    legend_outside(
        fig,
        ax,
        handles=[Patch(color=colours[b], label=literal(b)) for b in drawn],
        title="Brand",
    )
    return fig


def _one_line(texts: pd.Series) -> pd.Series:
    """Texts with every run of whitespace (line breaks too) as one space: a tick label is a line."""
    return texts.fillna("").astype(str).str.split().str.join(" ")
