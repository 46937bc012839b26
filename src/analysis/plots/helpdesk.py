"""Helpdesk figures: satisfaction against the wait, resolution curves per group, satisfaction per
group. Data in (tables of `analysis.helpdesk`), matplotlib Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import helpdesk, latency, plots
from analysis.plots.latency import _log_time_axis

OTHER_GROUPS = "all other groups"
RATING_SCALE = (1.0, 5.0)
_SINGLE_COLOUR = "#0072B2"
_MAX_BANDED = 4  # past four curves their bands hide each other: curves only
_TABLE_COLUMNS = {
    "wait_band",
    "band_low_seconds",
    "band_high_seconds",
    "rated",
    "mean_satisfaction",
    "mean_satisfaction_low",
    "mean_satisfaction_high",
    "std_satisfaction",
}


def _colour(group: str, colours: dict[str, str]) -> str:
    if group == OTHER_GROUPS:
        return plots.OTHER_BRANDS_COLOUR
    return colours.get(group, plots.UNKNOWN_BRAND_COLOUR)


def _error_bars(table: pd.DataFrame) -> np.ndarray:
    """Distances from each mean to its interval ends, inside the rating scale (0 where none)."""
    mean = table["mean_satisfaction"].to_numpy(float)
    low = np.clip(table["mean_satisfaction_low"].to_numpy(float), *RATING_SCALE)
    high = np.clip(table["mean_satisfaction_high"].to_numpy(float), *RATING_SCALE)
    return np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0).clip(min=0)


def satisfaction_vs_wait(
    table: pd.DataFrame,
    title: str | None = None,
    *,
    wait_label: str = "Wait",
    groups: Sequence[str] | None = None,
    max_groups: int = plots.DEFAULT_MAX_BRANDS,
    confidence: float = 0.95,
) -> Figure:
    """Mean satisfaction per wait band with interval error bars, from satisfaction_by_wait.

    A grouped table draws one line per group for the largest `max_groups` groups by ratings (or
    those named in `groups`) and pools the rest exactly into "all other groups". Intervals are
    cut at the 1-5 scale; a band with one rating shows its point without a bar.
    """
    by = next((column for column in table.columns if column not in _TABLE_COLUMNS), None)
    bands = list(table["wait_band"].cat.categories)
    fig, ax = plots.new_figure(9.5, 4.8)
    ax.set_title(
        title
        or f"Does satisfaction fall as waits grow?\nMean rating with {confidence:.0%} intervals"
    )
    ax.set_xlabel(f"{wait_label} (band)")
    ax.set_ylabel("Mean satisfaction (1-5 rating)")
    if not table["rated"].any():
        return plots.no_data(fig, ax, "No rated tickets with a measured wait")
    if by is None:
        series = [(None, table)]
        chosen: list[str] = []
    else:
        labels = table[by].astype(str)
        chosen = plots.choose_brands(table.groupby(labels)["rated"].sum(), groups, max_groups)
        pooled = helpdesk.pool_groups(
            table.assign(**{by: labels}), by, chosen, OTHER_GROUPS, confidence
        )
        order = [g for g in chosen if g in set(pooled[by])]
        order += [OTHER_GROUPS] if OTHER_GROUPS in set(pooled[by]) else []
        series = [(group, pooled[pooled[by] == group]) for group in order]
    colours = plots.brand_colours(chosen)
    width = 0.6
    for index, (group, rows) in enumerate(series):
        rows = rows.sort_values("wait_band")
        rated = rows["mean_satisfaction"].notna().to_numpy()
        dodge = (index - (len(series) - 1) / 2) * width / max(len(series), 1)
        x = rows["wait_band"].cat.codes.to_numpy(float) + dodge
        label = (
            None
            if group is None
            else plots.literal(f"{group} ({int(rows['rated'].sum()):,} rated)")
        )
        ax.errorbar(
            x[rated],
            rows["mean_satisfaction"].to_numpy(float)[rated],
            yerr=_error_bars(rows[rated]),
            color=_SINGLE_COLOUR if group is None else _colour(group, colours),
            marker="o",
            markersize=4,
            linewidth=1.4,
            linestyle="--" if group == OTHER_GROUPS else "-",
            capsize=3,
            label=label,
        )
    if by is None:
        counts = table.set_index("wait_band")["rated"]
        tick_labels = [f"{band}\n({int(counts.get(band, 0)):,} rated)" for band in bands]
    else:
        tick_labels = bands
    ax.set_xticks(range(len(bands)), tick_labels)
    ax.set_xlim(-0.6, len(bands) - 0.4)
    ax.set_ylim(RATING_SCALE[0] - 0.1, RATING_SCALE[1] + 0.1)
    if by is not None:
        plots.legend_outside(fig, ax, title=plots.literal(f"{by} (ratings)"))
    return fig


def _start_label(times: pd.DataFrame) -> str:
    starts = set(times["resolution_from"].dropna())
    if starts == {"first_response"}:
        return "Time since the first response (log scale)"
    if starts == {"created"}:
        return "Time since the ticket was created (log scale)"
    return "Time since the ticket was created, or first answered where no creation time (log scale)"


def resolution_curves(
    times: pd.DataFrame,
    by: str,
    groups: Sequence[str] | None = None,
    *,
    max_groups: int = plots.DEFAULT_MAX_BRANDS,
    confidence: float = 0.95,
) -> Figure:
    """Kaplan-Meier share of tickets still unresolved over time per group, from ticket_times.

    Open and pending tickets are censored at the end of the data, never dropped. The largest
    `max_groups` groups by tickets (or those named in `groups`) get a curve each; the rest are one
    curve, "all other groups", estimated from their pooled tickets. Pointwise bands are drawn
    when at most four curves are (more would cover each other).
    """
    fig, ax = plots.new_figure(9.5, 4.8)
    # Short lines: the legend beside the axes leaves little width for the title.
    ax.set_title(
        f"How long do tickets stay unresolved, by {plots.literal(by)}?\n"
        "(Kaplan-Meier; open and pending tickets\ncensored at the end of the data, not dropped)"
    )
    ax.set_ylabel("Share of tickets not yet resolved")
    label = _start_label(times)
    seconds = times["resolution_observed_seconds"].to_numpy(float)
    positive = seconds[seconds > 0]
    if positive.size == 0:
        ax.set_xlabel(label)
        return plots.no_data(fig, ax, "No measurable resolution times")
    labels = times[by].astype(object).where(times[by].notna(), latency.UNKNOWN).astype(str)
    chosen = plots.choose_brands(labels.value_counts(), groups, max_groups)
    series = plots.group_brands(labels, chosen).replace(plots.OTHER_BRANDS, OTHER_GROUPS)
    colours = plots.brand_colours(chosen)
    low, high = max(float(positive.min()) * 0.8, 1.0), float(positive.max()) * 1.2
    order = [g for g in chosen if (series == g).any()]
    order += [OTHER_GROUPS] if (series == OTHER_GROUPS).any() else []
    banded = len(order) <= _MAX_BANDED
    for group in order:
        in_group = (series == group).to_numpy()
        rows = times[in_group & ~np.isnan(seconds)]
        if rows.empty:
            continue
        # Tickets with no duration (no start, a defect) are named, not silently lost.
        of_total = f" of {int(in_group.sum()):,}" if len(rows) < in_group.sum() else ""
        curve = latency.kaplan_meier(
            rows["resolution_observed_seconds"], rows["resolution_event"], confidence
        )
        median, _, _ = latency.km_median(curve)
        median_text = "not reached" if np.isnan(median) else latency.format_seconds(median)
        colour = _colour(group, colours)
        # Each curve starts at the left edge (a log axis has no 0), at 1, and holds its last
        # level a little past the last ticket so a final drop stays visible.
        starts = np.maximum(curve["time_seconds"].to_numpy(float), low)
        edges = np.append(starts, min(starts[-1] * 1.1, high))
        still_open = int((~rows["resolution_event"]).sum())
        counts = f"({len(rows):,}{of_total} tickets, {still_open:,} not yet resolved)"
        ax.stairs(
            curve["survival"].to_numpy(float),
            edges,
            baseline=None,  # a line, not a filled step down to 0
            color=colour,
            linewidth=1.6,
            linestyle="--" if group == OTHER_GROUPS else "-",
            label=plots.literal(f"{group}: median {median_text} {counts}"),
        )
        if banded:
            band_low = curve["survival_low"].to_numpy(float)
            band_high = curve["survival_high"].fillna(curve["survival_low"]).to_numpy(float)
            ax.stairs(band_high, edges, baseline=band_low, fill=True, color=colour, alpha=0.12)
    ax.axhline(0.5, color="#999999", linewidth=0.8)
    _log_time_axis(ax, low, high, label)
    ax.set_ylim(0, 1.02)
    plots.legend_outside(fig, ax, title=plots.literal(f"{by}: Kaplan-Meier median"))
    return fig


def satisfaction_by_group(table: pd.DataFrame, by: str, *, confidence: float = 0.95) -> Figure:
    """Mean satisfaction per group from helpdesk.by_group, as bars with intervals, best first.

    The figure grows with the number of groups, so 100 agents stay readable; a group nobody
    rated is listed with "no ratings" rather than a bar of 0.
    """
    ordered = table.sort_values(
        ["mean_satisfaction", "rated"], ascending=[False, False], na_position="last"
    )
    n_groups = len(ordered)
    fig, ax = plots.new_figure(8.5, 1.6 + 0.24 * max(n_groups, 1))
    ax.set_title(
        f"Satisfaction by {plots.literal(by)}: mean rating with {confidence:.0%} intervals"
    )
    ax.set_xlabel("Mean satisfaction rating (1 = worst, 5 = best)")
    ax.set_ylabel(plots.literal(by))
    if not ordered["rated"].any():
        return plots.no_data(fig, ax, "No ticket has a satisfaction rating")
    y = np.arange(n_groups)
    mean = ordered["mean_satisfaction"].to_numpy(float)
    rated = ~np.isnan(mean)
    ax.barh(
        y[rated],
        mean[rated] - RATING_SCALE[0],
        left=RATING_SCALE[0],
        xerr=_error_bars(ordered[rated]),
        color=_SINGLE_COLOUR,
        alpha=0.8,
        error_kw={"ecolor": "#333333", "capsize": 2, "linewidth": 0.8},
        height=0.7,
    )
    for position in y[~rated]:
        ax.text(RATING_SCALE[0] + 0.05, position, "no ratings", va="center", fontsize=7)
    # A dot marks each mean, so a mean of exactly 1 (a bar of no length) still shows.
    ax.plot(mean[rated], y[rated], "o", color="#333333", markersize=2.5)
    weights = ordered["rated"].to_numpy(float)
    overall = np.nansum(mean * weights) / weights.sum()
    ax.axvline(overall, color="#555555", linestyle="--", linewidth=0.8)
    ax.set_title(
        f"Satisfaction by {plots.literal(by)}: mean rating with {confidence:.0%} intervals\n"
        f"(dashed: all rated tickets, {overall:.2f})"
    )
    names = [
        plots.literal(f"{group} ({count:,} rated)")
        for group, count in zip(ordered[by], ordered["rated"], strict=True)
    ]
    ax.set_yticks(y, names, fontsize=8 if n_groups <= 30 else 7)
    ax.set_ylim(n_groups - 0.5, -0.5)
    ax.set_xlim(*RATING_SCALE)
    return fig
