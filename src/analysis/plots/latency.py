"""Latency figures: first-response distribution, survival curves per brand, a weekday-by-hour
heatmap of median response time, and a brand leaderboard table. Data in, Figure (or table) out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from analysis import latency
from analysis.business_hours import WEEKDAY_NAMES
from analysis.plots import (
    DEFAULT_MAX_BRANDS,
    OTHER_BRANDS,
    OTHER_BRANDS_COLOUR,
    UNKNOWN_BRAND_COLOUR,
    brand_colours,
    brand_order,
    choose_brands,
    group_brands,
    legend_outside,
    literal,
    new_figure,
    no_data,
)

# Readable ticks for a log time axis.
_TIME_TICKS = (
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (600, "10 min"),
    (3600, "1 h"),
    (6 * 3600, "6 h"),
    (86_400, "1 day"),
    (7 * 86_400, "1 week"),
    (30 * 86_400, "30 days"),
)


def _log_time_axis(ax, low_seconds: float, high_seconds: float, label: str) -> None:
    """A log x axis from low to high seconds, ticked in human units."""
    low = max(low_seconds, 1.0)
    high = max(high_seconds, low * 10)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ticks = [(value, text) for value, text in _TIME_TICKS if low <= value <= high]
    ax.set_xticks([value for value, _ in ticks], [text for _, text in ticks])
    ax.minorticks_off()
    ax.set_xlabel(label)


def _sla_lines(ax, sla_hours, low: float, high: float) -> None:
    for hours in sla_hours:
        seconds = hours * 3600
        if low <= seconds <= high:
            ax.axvline(seconds, color="#555555", linestyle="--", linewidth=0.8)
            ax.annotate(
                f"{hours:g} h SLA",
                (seconds, 1),
                xycoords=("data", "axes fraction"),
                xytext=(3, -12),
                textcoords="offset points",
                fontsize=8,
                color="#555555",
            )


def _brand_labels(exchanges: pd.DataFrame, by: str = "brand") -> pd.Series:
    brands = exchanges[by]
    return brands.astype(object).where(brands.notna(), latency.UNKNOWN).astype(str)


def _chosen_labels(
    exchanges: pd.DataFrame, brands: Sequence[str] | None, max_brands: int, by: str = "brand"
) -> tuple[pd.Series, list[str]]:
    """Each exchange's series (its group, or "all others") and the series in drawing order."""
    labels = _brand_labels(exchanges, by)
    chosen = choose_brands(labels.value_counts(), brands, max_brands)
    grouped = group_brands(labels, chosen)
    return grouped, brand_order(chosen, grouped)


def _grid(count: int) -> tuple[int, int]:
    """Rows and columns of a small-multiples grid for `count` panels (at most three across)."""
    columns = 1 if count == 1 else 2 if count <= 4 else 3
    return -(-count // columns), columns


def first_response_distribution(
    exchanges: pd.DataFrame,
    *,
    sla_hours: tuple[float, ...] | list[float] = latency.DEFAULT_SLA_HOURS,
    column: str = "first_response_seconds",
    bins: int = 40,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    by: str = "brand",
) -> Figure:
    """Distribution of first-response times, one panel per brand (or other group `by`), on a log
    axis (answered only).

    The largest brands by customer messages (or the ones named in `brands`) get a panel each and
    the rest share one, "all other brands", pooled from their messages; every panel shows all
    brands pooled in grey behind it. Bars are shares of the series' answered, measurable messages
    so brands of different size compare. Times under a second (in business time: replies sent
    entirely outside business hours) cannot sit on a log axis: the panel title counts them.
    `column` may be business_first_response_seconds.
    """
    seconds = pd.to_numeric(exchanges[column], errors="coerce")
    measured = seconds.notna()
    positive = seconds[measured & (seconds >= 1)]
    kind = "business" if column.startswith("business") else "calendar"
    title = "How long do customers wait for a first reply?"
    xlabel = f"Time to first response ({kind} time, log scale)"
    if positive.empty:
        fig, ax = new_figure(9, 3.0)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Share of answered messages per bin")
        return no_data(fig, ax, "No measurable first responses")
    grouped, order = _chosen_labels(exchanges, brands, max_brands, by)
    colours = brand_colours([b for b in order if b != OTHER_BRANDS])
    low, high = float(positive.min()), max(float(positive.max()) * 1.05, float(positive.min()) * 10)
    edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
    pooled, _ = np.histogram(positive, bins=edges)
    pooled_share = pooled / int(measured.sum())
    rows, columns = _grid(len(order))
    fig = Figure(figsize=(9.5, 1.1 + 1.9 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    messages = grouped.value_counts()
    for index, ax in enumerate(axes.flat):
        if index >= len(order):
            ax.set_axis_off()
            continue
        brand = order[index]
        values = seconds[measured & (grouped == brand)]
        ax.spines[["top", "right"]].set_visible(False)
        ax.stairs(pooled_share, edges, fill=True, color="#DDDDDD", label="all pooled")
        counts, _ = np.histogram(values[values >= 1], bins=edges)
        ax.stairs(
            counts / max(len(values), 1),
            edges,
            color=colours.get(brand, OTHER_BRANDS_COLOUR if brand == OTHER_BRANDS else "#444444"),
            linewidth=1.6,
        )
        under = int((values < 1).sum())
        note = f", {under / len(values):.0%} under 1 s" if under else ""
        median = latency.format_seconds(values.median()) if len(values) else "n/a"
        ax.set_title(
            literal(
                f"{brand}: median {median}\n"
                f"{len(values):,} of {int(messages.get(brand, 0)):,} answered{note}"
            ),
            fontsize=8.5,
        )
        _log_time_axis(ax, low, high, "")
        _sla_lines(ax, sla_hours, low, high)
        if index % columns == 0:
            ax.set_ylabel("Share per bin")
        ax.tick_params(labelsize=8)
        ax.tick_params(axis="x", labelbottom=True)
    fig.suptitle(title + f" (grey: all {by.replace('_', ' ')}s pooled)")
    # One label under the grid: a label per bottom panel ran into its neighbour's.
    fig.supxlabel(xlabel, fontsize=10)
    return fig


def survival_curves(
    exchanges: pd.DataFrame,
    *,
    sla_hours: tuple[float, ...] | list[float] = latency.DEFAULT_SLA_HOURS,
    confidence: float = 0.95,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    by: str = "brand",
) -> Figure:
    """Kaplan-Meier share of messages still waiting for a first reply, per brand (or other group
    `by`), with bands.

    The largest brands by customer messages (or those named in `brands`) get a curve each; the
    rest are one curve, "all other brands", estimated from their pooled messages. Unanswered
    messages are censored at the end of the data, so a brand that never answers its hardest
    complaints cannot look faster than it is.
    """
    fig, ax = new_figure(9.5, 4.8)
    ax.set_title(
        f"How long do customers wait for a first reply? (Kaplan-Meier, {confidence:.0%} bands)"
    )
    ax.set_xlabel("Time since the customer's message (log scale)")
    ax.set_ylabel("Share still waiting for a first reply")
    grouped, order = _chosen_labels(exchanges, brands, max_brands, by)
    curves = latency.survival_by_brand(exchanges.assign(brand=grouped), confidence=confidence)
    colours = brand_colours([b for b in order if b != OTHER_BRANDS])
    positive = curves.loc[curves["time_seconds"] > 0, "time_seconds"]
    if positive.empty:
        return no_data(fig, ax, "No measurable waits")
    low, high = max(float(positive.min()) * 0.8, 1.0), float(positive.max()) * 1.2
    for brand in order:
        curve = curves[curves["brand"] == brand]
        if curve.empty:
            continue
        other = brand == OTHER_BRANDS
        colour = OTHER_BRANDS_COLOUR if other else colours.get(brand, UNKNOWN_BRAND_COLOUR)
        # Extend the curve to the axis' left edge so each starts at 1.
        times = np.maximum(curve["time_seconds"].to_numpy(float), low)
        median, median_low, median_high = latency.km_median(curve)
        interval = (
            f"{latency.format_seconds(median_low)}-{latency.format_seconds(median_high)}"
            if not np.isnan(median_high)
            else f"from {latency.format_seconds(median_low)}"
        )
        ax.step(
            times,
            curve["survival"],
            where="post",
            color=colour,
            linewidth=1.6,
            linestyle="--" if other else "-",
            label=literal(f"{brand}: median {latency.format_seconds(median)} ({interval})"),
        )
        ax.fill_between(
            times,
            curve["survival_low"],
            curve["survival_high"].fillna(curve["survival_low"]),
            step="post",
            color=colour,
            alpha=0.12,
            linewidth=0,
        )
    ax.axhline(0.5, color="#999999", linewidth=0.8)
    _log_time_axis(ax, low, high, "Time since the customer's message (log scale)")
    _sla_lines(ax, sla_hours, low, high)
    ax.set_ylim(0, 1.02)
    legend_outside(fig, ax, title="Brand: KM median (95% interval)")
    return fig


def response_heatmap(
    exchanges: pd.DataFrame,
    *,
    timezone: str = "UTC",
    brand: str | None = None,
    min_count: int = 5,
) -> Figure:
    """Median first-response time by weekday and hour of the customer's message (local time).

    Cells with fewer than `min_count` measured replies are left blank rather than shown noisy.
    """
    frame = exchanges if brand is None else exchanges[exchanges["brand"] == brand]
    table = latency.by_group(frame, ["weekday", "hour"], timezone=timezone)
    table = table[
        (table["weekday"] != latency.UNKNOWN)
        & (table["hour"] != latency.UNKNOWN)
        & (table["first_response_measured_count"] >= min_count)
    ]
    grid = np.full((7, 24), np.nan)
    rows = table["weekday"].astype(str).map(WEEKDAY_NAMES.index).to_numpy(int)
    columns = table["hour"].astype(int).to_numpy()
    grid[rows, columns] = table["median_first_response_seconds"].to_numpy(float) / 60

    fig, ax = new_figure(10, 4.2)
    finite = grid[np.isfinite(grid)]
    if finite.size:
        norm = LogNorm(vmin=max(finite.min(), 0.1), vmax=max(finite.max(), 1.0))
        image = ax.imshow(
            np.ma.masked_invalid(np.maximum(grid, 0.1)), cmap="viridis", norm=norm, aspect="auto"
        )
        bar = fig.colorbar(image, ax=ax)
        bar.set_label("Median first response (minutes, log scale)")
    else:
        ax.text(
            11.5,
            3,
            f"Too few replies to show: no cell has {min_count} or more",
            ha="center",
            va="center",
        )
    ax.set_xlim(-0.5, 23.5)
    ax.set_ylim(6.5, -0.5)
    ax.set_facecolor("#eeeeee")
    ax.set_yticks(range(7), list(WEEKDAY_NAMES))
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    ax.set_xlabel(f"Hour the customer wrote ({timezone})")
    ax.set_ylabel("Weekday the customer wrote")
    who = literal(brand) if brand is not None else "all brands"
    ax.set_title(
        f"When do complaints wait longest? Median first response, {who}\n"
        f"(blank: fewer than {min_count} measured replies)"
    )
    ax.spines[["left", "bottom"]].set_visible(False)
    return fig
