"""Figures for the five-lessons rubric: which brand meets which lesson, and how the labellers compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots import brand_colours, new_figure

# The lessons in rubric order, with short column titles (kept here so plots need no model import).
_LESSON_TITLES = {
    "react_quickly": "1. React\nquickly",
    "responds_in_same_medium": "2. Same\nmedium",
    "acknowledges_specifics": "3. Acknowledge\nspecifics",
    "shows_appreciation": "4. Show\nappreciation",
    "shares_resolution_or_timetable": "5. Resolution\nor timetable",
    "says_sorry": "Bonus:\nsay sorry",
}
_LABELLER_COLOURS = {"rules": "#0072B2", "model": "#E69F00", "ngrams": "#999999"}


def lesson_heatmap(brand_table: pd.DataFrame, min_replies: int = 1) -> Figure:
    """Brand-by-lesson heatmap of the share of replies meeting each lesson, annotated in percent.

    `brand_table` is `analysis.rubric.by_brand(...)`; brands with fewer than `min_replies`
    replies are left out.
    """
    table = brand_table[brand_table["replies"] >= min_replies].sort_values("brand")
    lessons = [lesson for lesson in _LESSON_TITLES if f"{lesson}_share" in table.columns]
    shares = table[[f"{lesson}_share" for lesson in lessons]].to_numpy(dtype=float)
    brands = table["brand"].astype(str).tolist()
    fig, ax = new_figure(1.6 * len(lessons) + 2.5, 0.55 * max(len(brands), 1) + 2.0)
    image = ax.imshow(np.ma.masked_invalid(shares), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for row in range(shares.shape[0]):
        for column in range(shares.shape[1]):
            value = shares[row, column]
            label = "n/a" if np.isnan(value) else f"{value:.0%}"
            colour = "white" if not np.isnan(value) and value > 0.6 else "black"
            ax.text(column, row, label, ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(len(lessons)), [_LESSON_TITLES[lesson] for lesson in lessons], fontsize=8)
    ax.set_yticks(range(len(brands)), brands)
    colours = brand_colours(brands)
    for tick in ax.get_yticklabels():
        tick.set_color(colours.get(tick.get_text(), "black"))
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.set_xlabel("Lesson (share of replies meeting it; react quickly: of all complaints)")
    ax.set_ylabel("Brand")
    ax.set_title("Which lessons does each brand's support follow?")
    fig.colorbar(image, ax=ax, label="Share meeting the lesson (0-1)", shrink=0.8)
    return fig


def labeller_f1(cv: pd.DataFrame, dev: pd.DataFrame | None = None) -> Figure:
    """Rules vs model F1 per text label: cross-validated on data/labels, and on the dev set if given.

    Both tables are `analysis.rubric.cross_validate()` / `evaluate_dev()` results (label, labeller,
    f1); an n-gram baseline, when evaluated, is drawn in grey.
    """
    sets = [("cross-validated", cv)] + ([("dev set", dev)] if dev is not None else [])
    labels = list(dict.fromkeys(cv["label"]))
    labellers = [name for name in _LABELLER_COLOURS if name in set(cv["labeller"])]
    fig, ax = new_figure(10.0, 0.35 * len(labellers) * len(sets) * len(labels) / 2 + 2.0)
    bar_height = 0.8 / (len(labellers) * len(sets))
    offset = 0
    for set_name, table in sets:
        for labeller in labellers:
            f1 = table[table["labeller"] == labeller].set_index("label")["f1"].reindex(labels)
            positions = np.arange(len(labels)) + offset * bar_height - 0.4 + bar_height / 2
            ax.barh(
                positions,
                f1.to_numpy(dtype=float),
                height=bar_height,
                color=_LABELLER_COLOURS[labeller],
                alpha=1.0 if set_name == "dev set" else 0.45,
                label=f"{labeller}, {set_name}",
            )
            for y, value in zip(positions, f1.to_numpy(dtype=float), strict=True):
                if not np.isnan(value):
                    ax.text(value + 0.005, y, f"{value:.2f}", va="center", fontsize=7)
            offset += 1
    ax.set_yticks(range(len(labels)), [label.replace("_", " ") for label in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("F1 (0-1, higher is better)")
    ax.set_ylabel("Text label")
    ax.set_title("Rules or model: F1 per label")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return fig
