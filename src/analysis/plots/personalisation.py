"""Personalisation figures: canned-reply share, specificity and the most copied templates."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from analysis.plots import brand_colours, new_figure, no_data

UNKNOWN_BRAND = "unknown"
# boxplot(orientation=...) arrived in matplotlib 3.10, which deprecates vert=.
_MPL = tuple(int(p) for p in matplotlib.__version__.split(".")[:2])
_HORIZONTAL = {"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False}


def _brands(values: pd.Series) -> pd.Series:
    return values.fillna(UNKNOWN_BRAND).astype(str)


def template_share_by_brand(brand_table: pd.DataFrame) -> Figure:
    """Share of each brand's replies that copy a template, with 95% Wilson intervals."""
    table = brand_table.assign(brand=_brands(brand_table["brand"]))
    table = table.sort_values("template_share", ascending=True, ignore_index=True)
    fig, ax = new_figure(8.0, max(2.5, 0.5 * len(table) + 1.5))
    ax.set_title("How much of each brand's answering is a copied template?")
    ax.set_xlabel("Replies that copy a template (% of the brand's replies)")
    ax.set_ylabel("Brand")
    if table.empty:
        return no_data(fig, ax, "No agent replies")
    colours = brand_colours(table["brand"])
    share = table["template_share"].to_numpy(dtype=float)
    errors = None
    if {"template_share_low", "template_share_high"} <= set(table.columns):
        low = table["template_share_low"].to_numpy(dtype=float)
        high = table["template_share_high"].to_numpy(dtype=float)
        errors = np.vstack([share - low, high - share]) * 100
    positions = np.arange(len(table))
    ax.barh(
        positions,
        share * 100,
        xerr=errors,
        color=[colours[b] for b in table["brand"]],
        error_kw={"ecolor": "#444444", "capsize": 3, "linewidth": 1},
    )
    labels = [f"{b} (n={int(n):,})" for b, n in zip(table["brand"], table["replies"], strict=True)]
    ax.set_yticks(positions, labels)
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter())
    return fig


def specificity_by_brand(replies: pd.DataFrame) -> Figure:
    """Distribution of reply specificity per brand (replies that answer a customer message)."""
    scored = replies[replies["specificity"].notna()].assign(brand=lambda f: _brands(f["brand"]))
    order = scored.groupby("brand")["specificity"].median().sort_values().index.tolist()
    fig, ax = new_figure(8.0, max(2.5, 0.5 * len(order) + 1.5))
    ax.set_title("Do replies talk about the customer's complaint?")
    ax.set_xlabel("Specificity (0 = nothing from the complaint, 1 = all about it)")
    ax.set_ylabel("Brand")
    if not order:
        return no_data(fig, ax, "No replies to a customer message")
    colours = brand_colours(order)
    values = [scored.loc[scored["brand"] == b, "specificity"].to_numpy() for b in order]
    boxes = ax.boxplot(
        values,
        **_HORIZONTAL,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": "#222222"},
        flierprops={"markersize": 2, "alpha": 0.4},
    )
    for patch, brand in zip(boxes["boxes"], order, strict=True):
        patch.set_facecolor(colours[brand])
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
        [f"{b} (n={len(v):,})" for b, v in zip(order, values, strict=True)],
    )
    ax.set_xlim(-0.02, 1.02)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def most_copied_templates(templates: pd.DataFrame, n: int = 12, width: int = 70) -> Figure:
    """The most used templates across brands as bars labelled with their (truncated) wording."""
    table = templates.assign(brand=_brands(templates["brand"]))
    table = table.sort_values(["replies", "brand"], ascending=[False, True]).head(n)
    table = table.iloc[::-1].reset_index(drop=True)
    fig, ax = new_figure(10.0, max(2.5, 0.45 * len(table) + 1.5))
    ax.set_title("Which replies are copied most often?")
    ax.set_xlabel("Replies using the template (count)")
    ax.set_ylabel("Template wording (masked)")
    if table.empty:
        return no_data(fig, ax, "No reply is used twice")
    colours = brand_colours(templates["brand"].fillna(UNKNOWN_BRAND))
    positions = np.arange(len(table))
    ax.barh(positions, table["replies"], color=[colours[b] for b in table["brand"]])
    ax.set_yticks(positions, [_truncate(t, width) for t in table["template_text"].fillna("")])
    ax.tick_params(axis="y", labelsize=8)
    brands = sorted(table["brand"].unique())
    ax.legend(
        handles=[Patch(color=colours[b], label=b) for b in brands],
        loc="lower right",
        frameon=False,
        title="Brand",
    )
    return fig


def _truncate(value: str, width: int) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= width else value[: width - 1].rstrip() + "\u2026"
