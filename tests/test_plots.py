"""Figures at many brands: the largest drawn, the rest pooled or noted, legends beside the data,
no warnings, literal dollar signs, and time axes that follow the bulk of the data."""

from __future__ import annotations

import io
import warnings

import matplotlib
import matplotlib.cbook as cbook
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analysis import personalisation, quality, rubric, summary, trends
from analysis.plots import (
    OTHER_BRANDS,
    brand_colours,
    choose_brands,
    literal,
    text_colour,
)
from analysis.plots import latency as latency_plots
from analysis.plots import outcomes as outcome_plots
from analysis.plots import personalisation as personalisation_plots
from analysis.plots import quality as quality_plots
from analysis.plots import rubric as rubric_plots
from analysis.plots import trends as trend_plots

BRANDS = [f"Brand{i:03d}" for i in range(100)]
START = pd.Timestamp("2020-03-02 08:00", tz="UTC")


def _volume(i: int) -> int:
    """Brand i's customer messages: Brand000 has most, ties broken by name (Brand040 = Brand041)."""
    return 2 + (100 - i) // 10


@pytest.fixture(scope="module")
def many() -> dict[str, pd.DataFrame]:
    """Exchanges, replies and the scorecards of 100 brands (about 650 customer messages)."""
    rng = np.random.default_rng(7)
    brand = np.repeat(BRANDS, [_volume(i) for i in range(100)])
    n = len(brand)
    created = START + pd.to_timedelta(rng.integers(0, 21 * 24 * 60, n), unit="min")
    answered = rng.random(n) < 0.85
    seconds = np.where(answered, np.exp(rng.uniform(np.log(30), np.log(2 * 86_400), n)), np.nan)
    exchanges = pd.DataFrame(
        {
            "message_id": [f"m{i}" for i in range(n)],
            "conversation_id": [f"c{i}" for i in range(n)],
            "brand": brand,
            "channel": "twitter",
            "created_at": created,
            "reply_at": created + pd.to_timedelta(np.nan_to_num(seconds), unit="s"),
            "answered": answered,
            "first_response_seconds": seconds,
            "latency_excluded_reason": None,
            "observed_until": START + pd.Timedelta(days=30),
        }
    )
    for lesson in rubric.LESSONS:
        exchanges[lesson] = pd.array(np.where(answered, rng.random(n) < 0.6, False), "boolean")
    exchanges["says_sorry"] = pd.array(rng.random(n) < 0.3, "boolean")
    exchanges["lessons_met"] = sum(exchanges[x].astype(int) for x in rubric.LESSONS)
    replies = pd.DataFrame(
        {
            "message_id": [f"r{i}" for i in range(n)],
            "brand": pd.Series(brand, dtype="string"),
            "agent_id": pd.Series([f"{b}/a" for b in brand], dtype="string"),
            "signed": rng.random(n) < 0.5,
            "uses_handle": rng.random(n) < 0.5,
            "addresses_by_name": rng.random(n) < 0.3,
            "is_template": rng.random(n) < 0.4,
            "template_id": [f"{b}#{k % 3}" for k, b in enumerate(brand)],
            "template_distance": 0.1,
            "specificity": rng.random(n),
        }
    )
    messages = exchanges[["message_id", "conversation_id", "brand", "created_at"]].assign(
        role="customer"
    )
    templates = pd.DataFrame(
        {
            "brand": BRANDS[:30],
            "replies": np.arange(40, 10, -1),
            "template_text": [f"Please DM us about order {i}" for i in range(30)],
        }
    )
    latency_table = latency_plots.latency.by_brand(exchanges)
    person = personalisation.by_brand(replies)
    lessons = rubric.by_brand(exchanges)
    return {
        "exchanges": exchanges,
        "replies": replies,
        "messages": messages,
        "templates": templates,
        "personalisation": person,
        "rubric": lessons,
        "scorecard": summary.brand_scorecard(latency_table, person, lessons),
        "weekly": trends.weekly_by_brand(exchanges),
    }


def _figures(data: dict[str, pd.DataFrame], **kw) -> dict[str, object]:
    """Every per-brand figure of the package, drawn from the 100-brand tables."""
    return {
        "conversations_per_day": quality_plots.conversations_per_day(
            quality.conversations_per_day(data["messages"]), **kw
        ),
        "first_response_distribution": latency_plots.first_response_distribution(
            data["exchanges"], **kw
        ),
        "survival_curves": latency_plots.survival_curves(data["exchanges"], **kw),
        "template_share_by_brand": personalisation_plots.template_share_by_brand(
            data["personalisation"], **kw
        ),
        "specificity_by_brand": personalisation_plots.specificity_by_brand(data["replies"], **kw),
        "most_copied_templates": personalisation_plots.most_copied_templates(
            data["templates"], **kw
        ),
        "lesson_heatmap": rubric_plots.lesson_heatmap(data["rubric"], **kw),
        "scorecard_figure": summary.scorecard_figure(data["scorecard"], **kw),
        "lessons_figure": summary.lessons_figure(data["scorecard"], **kw),
        "weekly": trend_plots.weekly(data["weekly"], min_messages=1, **kw),
    }


def _series(name: str, fig) -> list[str]:
    """The brand series a figure draws, read back from what is on it."""
    ax = fig.axes[0]
    if name == "first_response_distribution":
        return [a.get_title().split(":")[0] for a in fig.axes if a.axison]
    if name in ("template_share_by_brand", "specificity_by_brand"):
        return [t.get_text().rsplit(" (", 1)[0] for t in ax.get_yticklabels()]
    if name in ("lesson_heatmap", "scorecard_figure"):
        return [t.get_text() for t in ax.get_yticklabels()]
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    return [t.split(":")[0].rsplit(" (", 1)[0] for t in texts]


def test_choose_brands_takes_the_largest_or_the_named_ones():
    volume = pd.Series({"b": 5, "a": 5, "c": 9, "d": 1})
    assert choose_brands(volume, max_brands=3) == ["c", "a", "b"]  # ties by name
    assert choose_brands(volume, max_brands=10) == ["c", "a", "b", "d"]
    assert choose_brands(volume, ["d", "zz", "a"]) == ["d", "a"]  # not in the data: left out
    assert choose_brands(pd.Series(dtype=float)) == []


@pytest.mark.parametrize("max_brands", [1, 10])
def test_figures_at_100_brands_draw_at_most_max_brands_plus_others(many, max_brands):
    figures = _figures(many, max_brands=max_brands)
    top = [f"Brand{i:03d}" for i in range(max_brands)]
    for name, fig in figures.items():
        drawn = [s for s in _series(name, fig) if s]
        assert 1 <= len(drawn) <= max_brands + 1, name
        assert set(drawn) <= {*top, OTHER_BRANDS} or name == "most_copied_templates", name
        ax = fig.axes[0]
        title = ax.get_title() or (fig._suptitle.get_text() if fig._suptitle else "")
        assert title, name
        assert ax.get_ylabel(), name
        assert any(a.get_xlabel() for a in fig.axes) or fig.get_supxlabel(), name
    # Distributions and survival curves pool the other 90 brands from their rows.
    assert OTHER_BRANDS in _series("survival_curves", figures["survival_curves"])
    assert OTHER_BRANDS in _series("specificity_by_brand", figures["specificity_by_brand"])
    pooled = [a for a in figures["first_response_distribution"].axes if a.axison][-1]
    assert pooled.get_title().startswith(OTHER_BRANDS)
    # Figures of per-brand values draw the top ones and say how many are only in the table.
    for name in ("template_share_by_brand", "lesson_heatmap", "scorecard_figure"):
        assert figures[name].get_supxlabel() == f"+{100 - max_brands} more brands in the table"


@pytest.mark.parametrize("max_brands", [8, 10])
def test_titles_and_axis_labels_never_run_into_each_other(many, max_brands):
    """No axis label or title of a figure overlaps another, at any grid of panels (8 brands and
    the others make a last row of two panels under three across)."""
    for name, fig in _figures(many, max_brands=max_brands).items():
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        texts = [fig._suptitle, fig._supxlabel]
        for ax in fig.axes:
            if ax.axison:
                texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        boxes = [
            (t.get_text(), t.get_window_extent(renderer))
            for t in texts
            if t is not None and t.get_visible() and t.get_text()
        ]
        for i, (text_a, box_a) in enumerate(boxes):
            for text_b, box_b in boxes[i + 1 :]:
                assert not box_a.overlaps(box_b), (name, text_a, text_b)


def test_legends_never_cover_the_axes(many):
    for name, fig in _figures(many).items():
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
        for legend in legends:
            box = legend.get_window_extent(renderer)
            for ax in fig.axes:
                if ax.axison and ax.get_label() != "<colorbar>":
                    assert not box.overlaps(ax.get_window_extent(renderer)), name


def test_named_brands_are_drawn_and_keep_their_colours_across_figures(many):
    named = ["Brand050", "Brand007"]
    figures = _figures(many, brands=named)
    colours = brand_colours(named)
    survival = figures["survival_curves"]
    lines = {h.get_label().split(":")[0]: h.get_color() for h in survival.legends[0].legend_handles}
    assert lines == {"Brand050": colours["Brand050"], "Brand007": colours["Brand007"],
                     OTHER_BRANDS: colours[OTHER_BRANDS]}  # fmt: skip
    bars = figures["template_share_by_brand"].axes[0]
    assert sorted(t.get_text().split(" (")[0] for t in bars.get_yticklabels()) == sorted(named)
    for text, patch in zip(bars.get_yticklabels(), bars.patches, strict=True):
        brand = text.get_text().split(" (")[0]
        assert patch.get_facecolor()[:3] == pytest.approx(_rgb(colours[brand]))


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def test_no_figure_warns_when_drawn(many):
    small = {k: v[v["brand"].isin(BRANDS[:1])] if "brand" in v else v for k, v in many.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for data in (many, small):
            for fig in _figures(data).values():
                fig.savefig(io.BytesIO(), format="png")


def test_a_dollar_sign_in_a_brand_or_template_is_text_not_mathtext():
    label = "$5 and $10"
    assert not cbook.is_math_text(literal(label))
    templates = pd.DataFrame({"brand": [label], "replies": [3], "template_text": [label]})
    fig = personalisation_plots.most_copied_templates(templates)
    fig.savefig(io.BytesIO(), format="png")
    texts = [fig.axes[0].get_yticklabels()[0], fig.legends[0].get_texts()[0]]
    for text in texts:
        assert not cbook.is_math_text(text.get_text())
        assert text.get_text().replace(r"\$", "$") == label
        # Rendered as plain text, a label is as wide as its characters, not a formula.
        assert text._preprocess_math(text.get_text()) == (label, False)


def test_time_axis_follows_1000_recent_messages_not_5_years_old():
    recent = pd.date_range("2020-03-01", periods=1000, freq="50min", tz="UTC")
    old = pd.DatetimeIndex(["2011-05-01", "2012-01-01", "2013-07-07", "2015-01-01", "2016-06-06"])
    times = recent.append(old.tz_localize("UTC"))
    messages = pd.DataFrame(
        {
            "conversation_id": [f"c{i // 4}" for i in range(len(times))],
            "brand": "A",
            "created_at": times,
        }
    )
    span = quality.time_range(messages)
    assert span.start == recent[0] and span.end == recent[-1]
    assert (span.messages_inside, span.messages_before, span.messages_outside) == (1000, 5, 5)
    assert "5 earlier" in span.note()
    per_day = quality.conversations_per_day(messages, span)
    assert per_day.index.min() == recent[0].floor("D")
    assert per_day.index.max() == recent[-1].floor("D")
    assert len(per_day) == 35  # 1000 x 50 min = 34.7 days, every day a row
    assert per_day.to_numpy().sum() == 250
    ax = quality_plots.conversations_per_day(per_day).axes[0]
    low, high = ax.get_xlim()
    assert pd.Timestamp(low, unit="D") > pd.Timestamp("2020-02-25")  # days since 1970
    assert pd.Timestamp(high, unit="D") < pd.Timestamp("2020-04-10")


def test_bulk_time_range_keeps_every_message_of_small_or_even_data():
    even = pd.Series(pd.date_range("2020-01-01", periods=50, freq="D", tz="UTC"))
    span = quality.bulk_time_range(even)
    assert (span.start, span.end, span.messages_outside) == (even.iloc[0], even.iloc[-1], 0)
    assert quality.bulk_time_range(pd.Series([pd.NaT, pd.NaT])).messages_without_time == 2


def test_forest_notes_a_missing_estimate_by_its_headline_within_the_panel():
    """A lesson without an estimate says why in its panel, whole words that stay inside the
    panel, however long the reason (the table under the figure gives all of it)."""
    reasons = {
        "lesson_1_react_quickly": "too little variation in the lesson: 73 exchanges with it, 3 "
        "without (needs 5 of each)",
        "lesson_2_same_medium": "separation: the outcome is the same for every exchange with "
        "the lesson (or for every one without it)",
        "lesson_3_acknowledge_specifics": "the regression did not converge in 100 iterations "
        "(often a control that separates the outcome almost perfectly)",
    }
    effects = pd.DataFrame(
        {
            "lesson": [*reasons, "lesson_4_show_appreciation"],
            "outcome": "customer_thanked",
            "odds_ratio": [np.nan, np.nan, np.nan, 1.4],
            "low": [np.nan, np.nan, np.nan, 0.7],
            "high": [np.nan, np.nan, np.nan, 2.9],
            "n": 76,
            "reason": [*reasons.values(), ""],
        }
    )
    fig = outcome_plots.forest(effects)
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    notes = [t for t in ax.texts if t.get_text().startswith("no estimate")]
    assert [t.get_text() for t in notes[:2]] == [
        "no estimate: too little variation in the lesson (see the table)",
        "no estimate: separation (see the table)",
    ]
    long_note = notes[2].get_text()
    assert long_note.endswith("…") and len(long_note) <= 80
    assert "regression did not converge in 100 iterations" in long_note
    panel = ax.get_window_extent(renderer)
    for note in notes:
        box = note.get_window_extent(renderer)
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1, note.get_text()
        assert panel.y0 <= box.y0 and box.y1 <= panel.y1, note.get_text()


def test_brand_names_written_in_their_colour_stay_readable_on_white(many):
    """Every palette colour as text reaches WCAG's 4.5:1 contrast on white (the yellow brand is
    darkened, a dark one kept), and the heatmaps' brand labels use those text colours."""
    palette = list(brand_colours([f"B{i:02d}" for i in range(40)]).values())
    for colour in palette:
        shaded = text_colour(colour)
        assert _contrast(_rgb(shaded)) >= 4.5, (colour, shaded)
    assert text_colour("#0072B2") == "#0072b2"  # readable already: unchanged
    assert text_colour("#F0E442") != "#f0e442"
    for name in ("lesson_heatmap", "scorecard_figure"):
        labels = _figures(many)[name].axes[0].get_yticklabels()
        assert labels and all(
            _contrast(matplotlib.colors.to_rgb(t.get_color())) >= 4.5 for t in labels
        ), name


def _contrast(rgb: tuple[float, float, float]) -> float:
    """WCAG 2's contrast ratio against white, computed here independently of the library."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return 1.05 / (luminance + 0.05)
