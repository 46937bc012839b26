"""Figures for the five-lessons rubric: which brand meets which lesson, and how well it is read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.plots import (
    DEFAULT_MAX_BRANDS,
    brand_colours,
    choose_brands,
    figure_note,
    legend_outside,
    literal,
    more_brands_note,
    new_figure,
    no_data,
    text_colour,
)

# The lessons in rubric order, with short column titles (kept here so plots need no model import).
LESSON_TITLES = {
    "react_quickly": "1. React\nquickly",
    "responds_in_same_medium": "2. Same\nmedium",
    "acknowledges_specifics": "3. Acknowledge\nspecifics",
    "shows_appreciation": "4. Show\nappreciation",
    "shares_resolution_or_timetable": "5. Resolution\nor timetable",
    "says_sorry": "Bonus:\nsay sorry",
}
_LABELLER_COLOURS = {"rules": "#0072B2", "model": "#E69F00", "ngrams": "#999999"}


def lesson_heatmap(
    brand_table: pd.DataFrame,
    min_replies: int = 1,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
    by: str = "brand",
) -> Figure:
    """Brand-by-lesson (or group-by-lesson, `by`) heatmap of the share of replies meeting each
    lesson, annotated in percent.

    `brand_table` is `analysis.rubric.by_group(..., by)`; groups with fewer than `min_replies`
    replies are left out, and of the rest the largest by customer messages (or those named in
    `brands`) are drawn, with a note counting the groups only in the table.
    """
    noun = by.replace("_", " ")
    table = brand_table[brand_table["replies"] >= min_replies]
    # The table's group column stands in for `brand` below: one drawing for every grouping.
    table = table.assign(brand=table[by].astype(str))
    volume_column = "customer_messages" if "customer_messages" in table else "replies"
    chosen = choose_brands(table.groupby("brand")[volume_column].sum(), brands, max_brands)
    shown = table[table["brand"].isin(chosen)].sort_values("brand")
    lessons = [lesson for lesson in LESSON_TITLES if f"{lesson}_share" in shown.columns]
    shares = shown[[f"{lesson}_share" for lesson in lessons]].to_numpy(dtype=float)
    brand_names = shown["brand"].tolist()
    fig, ax = new_figure(1.6 * len(lessons) + 3.0, 0.5 * max(len(brand_names), 1) + 2.2)
    ax.set_xlabel("Lesson (share of replies meeting it; react quickly: of all complaints)")
    ax.set_ylabel(noun.capitalize())
    ax.set_title(f"Which lessons does each {noun}'s support follow?")
    if not brand_names or not lessons:
        return no_data(fig, ax, f"No {noun} has a scored reply")
    image = ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for row in range(shares.shape[0]):
        for column in range(shares.shape[1]):
            value = shares[row, column]
            label = "n/a" if np.isnan(value) else f"{value:.0%}"
            colour = "white" if not np.isnan(value) and value > 0.6 else "black"
            ax.text(column, row, label, ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(len(lessons)), [LESSON_TITLES[lesson] for lesson in lessons], fontsize=8)
    ax.set_yticks(range(len(brand_names)), [literal(b) for b in brand_names])
    colours = brand_colours(chosen)
    for tick, brand in zip(ax.get_yticklabels(), brand_names, strict=True):
        tick.set_color(text_colour(colours.get(brand, "black")))
    ax.spines[["left", "bottom"]].set_visible(False)
    fig.colorbar(image, ax=ax, label="Share meeting the lesson (0-1)", shrink=0.8)
    figure_note(fig, more_brands_note(len(brand_names), table["brand"].nunique(), noun=noun))
    return fig


def labeller_f1(quality: pd.DataFrame, *, chosen_only: bool = True) -> Figure:
    """F1 per text label: on real replies of brands the labeller never saw (leave one brand out,
    with its 95% interval), on the real development set, and cross-validated on every labelled reply.

    `quality` is `analysis.rubric_evaluation.labeller_quality()`: one row per label and labeller. By
    default only the labeller in use per label is drawn; with `chosen_only=False` every labeller is
    (the maintainers' view). A set the file was measured without is left out.
    """
    table = quality[quality["chosen"].astype(bool)] if chosen_only else quality
    labels = list(dict.fromkeys(table["label"]))
    present = set(table["labeller"])
    labellers = [name for name in _LABELLER_COLOURS if name in present]
    labellers += sorted(present - set(labellers))
    sets = [
        ("unseen brands (leave one brand out)", "lobo_f1", 1.0),
        ("real replies (dev set)", "dev_f1", 0.7),
        ("cross-validated, all labelled replies", "cv_f1", 0.4),
    ]
    sets = [s for s in sets if s[1] in table and table[s[1]].notna().any()]
    # One bar per labeller and set within each label's row; chosen_only has one labeller per label.
    slots = [(labeller, s) for labeller in ([None] if chosen_only else labellers) for s in sets]
    fig, ax = new_figure(10.0, 0.3 * len(slots) * len(labels) + 2.0)
    bar_height = 0.8 / len(slots)
    legend: dict[str, Patch] = {}
    for slot, (labeller, (set_name, column, alpha)) in enumerate(slots):
        rows = table if labeller is None else table[table["labeller"] == labeller]
        rows = rows.set_index("label").reindex(labels)
        f1 = rows[column].to_numpy(dtype=float)
        positions = np.arange(len(labels)) + slot * bar_height - 0.4 + bar_height / 2
        colours = [_LABELLER_COLOURS.get(str(name), "#999999") for name in rows["labeller"]]
        errors = None
        if f"{column}_low" in rows and f"{column}_high" in rows:
            low = rows[f"{column}_low"].to_numpy(dtype=float)
            high = rows[f"{column}_high"].to_numpy(dtype=float)
            errors = np.nan_to_num(np.vstack([f1 - low, high - f1]))
        ax.barh(
            positions,
            np.nan_to_num(f1),
            height=bar_height,
            color=colours,
            alpha=alpha,
            xerr=errors,
            error_kw={"ecolor": "#444444", "capsize": 2, "linewidth": 0.8},
        )
        ends = f1 if errors is None else f1 + errors[1]
        for y, value, end in zip(positions, f1, ends, strict=True):
            if not np.isnan(value):
                ax.text(end + 0.008, y, f"{value:.2f}", va="center", fontsize=7)
        for name in dict.fromkeys(rows["labeller"].dropna()):
            key = f"{name}, {set_name}"
            colour = _LABELLER_COLOURS.get(str(name), "#999999")
            legend.setdefault(key, Patch(facecolor=colour, alpha=alpha, label=key))
    names = [label.replace("_", " ") for label in labels]
    if chosen_only:
        in_use = table.set_index("label")["labeller"].reindex(labels)
        names = [f"{name}\n({labeller})" for name, labeller in zip(names, in_use, strict=True)]
    ax.set_yticks(range(len(labels)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("F1 against the hand labels (0-1, higher is better)")
    ax.set_ylabel("Text label" + (" (labeller in use)" if chosen_only else ""))
    ax.set_title(
        "How closely does the labeller in use match the hand labels?"
        if chosen_only
        else "Rules or model: F1 per label"
    )
    legend_outside(fig, ax, handles=list(legend.values()))
    return fig
