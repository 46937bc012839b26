"""The one-page summary: a per-brand scorecard, each brand's strengths and weaknesses, examples.

The scorecard joins the per-brand tables of `latency.by_brand`, `personalisation.by_brand` and
`rubric.by_brand` (brands the data does not name, "unknown", are left out: they are no team).

A brand's *standing* on a measure says how it compares with the other brands: its value minus
the median of the others, divided by the spread (standard deviation) of the measure across all
brands, with the sign turned so that positive is always better (a shorter wait, a smaller
template share). Times are compared on a log scale (10 min against 20 min is as big a
difference as 5 h against 10 h). A brand's strength is the measure with its highest standing,
its weakness the one with its lowest; with one brand there is nothing to compare, and a measure
on which all brands are equal is nobody's strength.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from analysis import latency, tables
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
from analysis.rubric import BONUS, LESSONS
from analysis.scorecard import compared, rankable

UNKNOWN_BRAND = "unknown"
# A strength or weakness is at least this many standard deviations from the other brands' median.
MIN_STANDING = 0.5
LESSON_NUMBERS = {lesson: str(i) for i, lesson in enumerate(LESSONS, start=1)}


@dataclass(frozen=True)
class Measure:
    """One scorecard row: its column, how people read it, and which way is better."""

    column: str
    label: str
    group: str
    kind: str  # "share" | "seconds" | "score" | "count"
    higher_is_better: bool = True
    compared: bool = True  # a candidate strength or weakness


def measures(sla_hours: float = 24) -> list[Measure]:
    """The scorecard's measures in reading order (latency, personalisation, the five lessons)."""
    sla = [Measure(latency.sla_column(1), "answered within 1 h", "Latency", "share")]
    if sla_hours != 1:
        # Lesson 1 (react quickly) is the same share at the SLA: compared there, not twice.
        sla.append(
            Measure(
                latency.sla_column(sla_hours),
                f"answered within {sla_hours:g} h",
                "Latency",
                "share",
                compared=False,
            )
        )
    return [
        Measure("customer_messages", "customer messages", "Latency", "count", compared=False),
        Measure("response_rate", "response rate", "Latency", "share"),
        Measure(
            "median_first_response_seconds",
            "median first response",
            "Latency",
            "seconds",
            higher_is_better=False,
        ),
        Measure(
            "p90_first_response_seconds",
            "p90 first response",
            "Latency",
            "seconds",
            higher_is_better=False,
            compared=False,
        ),
        *sla,
        Measure(
            "km_median_resolution_seconds",
            "median resolution",
            "Resolution",
            "seconds",
            higher_is_better=False,
        ),
        Measure(
            "median_resolution_seconds",
            "median resolution of resolved tickets",
            "Resolution",
            "seconds",
            higher_is_better=False,
            compared=False,
        ),
        Measure("resolved_share", "tickets resolved", "Resolution", "share", compared=False),
        Measure("mean_satisfaction", "satisfaction (1-5)", "Resolution", "score"),
        Measure("agent_replies", "agent replies", "Personalisation", "count", compared=False),
        Measure(
            "template_share",
            "template replies",
            "Personalisation",
            "share",
            higher_is_better=False,
        ),
        Measure("addresses_by_name_share", "customer named", "Personalisation", "share"),
        Measure("signed_share", "signed by the agent", "Personalisation", "share"),
        Measure("mean_specificity", "specificity (0-1)", "Personalisation", "score"),
        Measure(
            "react_quickly_share",
            f"lesson 1 – react within {sla_hours:g} h",
            "Five lessons",
            "share",
        ),
        Measure("responds_in_same_medium_share", "lesson 2 – same medium", "Five lessons", "share"),
        Measure(
            "acknowledges_specifics_share",
            "lesson 3 – acknowledge specifics",
            "Five lessons",
            "share",
        ),
        Measure(
            "shows_appreciation_share", "lesson 4 – show appreciation", "Five lessons", "share"
        ),
        Measure(
            "shares_resolution_or_timetable_share",
            "lesson 5 – resolution or timetable",
            "Five lessons",
            "share",
        ),
        Measure("says_sorry_share", "bonus – say sorry", "Five lessons", "share"),
        Measure(
            "lessons_met_mean",
            "lessons met per reply (of 5)",
            "Five lessons",
            "score",
            compared=False,
        ),
    ]


def brand_scorecard(
    latency_brands: pd.DataFrame,
    personalisation_brands: pd.DataFrame,
    rubric_brands: pd.DataFrame,
    by: str = "brand",
    outcomes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per named group (`by`, brand by default, its first column): latency,
    personalisation and lesson measures with their intervals, and resolution and satisfaction
    (`helpdesk.scorecard_outcomes`) where the export records them."""
    parts = [
        latency_brands,
        personalisation_brands.rename(columns={"replies": "agent_replies"}),
        rubric_brands.drop(columns=["customer_messages", "replies"], errors="ignore"),
    ]
    if outcomes is not None:
        parts.append(outcomes)
    table = None
    for part in parts:
        part = part.assign(**{by: part[by].astype(str)})
        part = part[part[by] != UNKNOWN_BRAND]
        if table is None:
            table = part
            continue
        new = [by, *[c for c in part.columns if c not in table.columns]]
        table = table.merge(part[new], on=by, how="outer")
    return table.sort_values(by, ignore_index=True)


def group_of(scorecard: pd.DataFrame) -> str:
    """What a scorecard compares: its first column (brand, agent, channel, ...)."""
    return compared(scorecard)[0]


def _noun(scorecard: pd.DataFrame) -> str:
    return compared(scorecard)[1]


def standing(scorecard: pd.DataFrame, sla_hours: float = 24) -> pd.DataFrame:
    """Per brand (rows) and compared measure (columns): how much better than the other brands.

    (value - median of the other brands) / standard deviation across brands, positive = better;
    times on a log scale; NaN where the brand has no value, 0 where all brands are equal.
    """
    missing = {m.column for m in not_in_export(scorecard, sla_hours)}
    compared = [
        m
        for m in measures(sla_hours)
        if m.compared and m.column in scorecard and m.column not in missing
    ]
    key = group_of(scorecard)
    out = pd.DataFrame(index=pd.Index(scorecard[key], name=key))
    for measure in compared:
        values = scorecard[measure.column].astype(float).to_numpy()
        if measure.kind == "seconds":
            values = np.log10(np.clip(values, 1.0, None))
        sign = 1.0 if measure.higher_is_better else -1.0
        known = ~np.isnan(values)
        scores = np.full(len(values), np.nan)
        if known.sum() >= 2:
            spread = np.std(values[known])
            for i in np.flatnonzero(known):  # one pass per brand, not per message
                others = np.delete(values, i)
                others = others[~np.isnan(others)]
                gap = values[i] - np.median(others)
                scores[i] = 0.0 if spread == 0 else sign * gap / spread
        out[measure.column] = scores
    return out


def strengths_and_weaknesses(
    scorecard: pd.DataFrame, sla_hours: float = 24, min_standing: float = MIN_STANDING
) -> pd.DataFrame:
    """Per brand: the measure it is best at and the one it is worst at, relative to the others.

    Only a standing of at least min_standing (in standard deviations) counts: a brand level
    with the others on everything has neither (None).
    """
    table = standing(scorecard, sla_hours)
    by_column = {m.column: m for m in measures(sla_hours)}
    key = group_of(scorecard)
    values = scorecard.set_index(key)
    rows = []
    for brand, scores in table.iterrows():  # one row per brand
        scores = scores.dropna()
        row: dict[str, object] = {key: brand}
        for side, column, ok in (
            ("strength", scores.idxmax() if len(scores) else None, lambda s: s >= min_standing),
            ("weakness", scores.idxmin() if len(scores) else None, lambda s: s <= -min_standing),
        ):
            measure = by_column[column] if column is not None and ok(scores[column]) else None
            row[side] = measure.label if measure else None
            row[f"{side}_standing"] = round(float(scores[column]), 2) if measure else np.nan
            row[f"{side}_value"] = (
                format_value(values.at[brand, column], measure) if measure else ""
            )
            others = values.drop(index=brand)[column].median() if measure else np.nan
            row[f"{side}_others"] = format_value(others, measure) if measure else ""
            row[f"{side}_lower_is_better"] = bool(measure and not measure.higher_is_better)
        rows.append(row)
    columns = [key] + [
        f"{side}{suffix}"
        for side in ("strength", "weakness")
        for suffix in ("", "_value", "_others", "_standing")
    ]
    return pd.DataFrame(rows)[columns + ["strength_lower_is_better", "weakness_lower_is_better"]]


def findings(scorecard: pd.DataFrame, sla_hours: float = 24, min_messages: int = 1) -> list[str]:
    """One plain sentence per brand: what it does best and worst compared with the other brands;
    only brands with at least `min_messages` customer messages are compared."""
    ranked, note = rankable(scorecard, "customer_messages", min_messages)
    key, noun = group_of(scorecard), _noun(scorecard)
    if len(ranked) < 2:
        alone = (
            f"Only one {noun} in the data: there is no other {noun} to compare it with."
            if len(scorecard) < 2
            else f"Fewer than two {noun}s have {min_messages} customer messages or more: "
            "too few to compare."
        )
        return [alone, *note]
    sentences = []
    for row in strengths_and_weaknesses(ranked, sla_hours).to_dict("records"):
        parts = []
        for side, verb in (("strength", "is best at"), ("weakness", "is worst at")):
            if not isinstance(row[side], str):
                continue
            lower = ", lower is better" if row[f"{side}_lower_is_better"] else ""
            parts.append(
                f"{verb} {row[side]} ({row[f'{side}_value']} against "
                f"{row[f'{side}_others']} for the other {noun}s' median{lower})"
            )
        if not parts:
            parts = [f"is close to the other {noun}s on every measure"]
        elif not isinstance(row["strength"], str):
            parts.insert(0, "is ahead of the others on no measure")
        elif not isinstance(row["weakness"], str):
            parts.append("is behind the others on no measure")
        sentences.append(f"{row[key]} " + "; ".join(parts) + ".")
    return sentences + note


def not_in_export(scorecard: pd.DataFrame, sla_hours: float = 24) -> list[Measure]:
    """The measures this export cannot give: no group has a value (an export without creation
    times has no first response, one without reply text no lesson 3). Shown as "not in this
    export", never as 0% or a failure."""
    resolved = "resolved_share" in scorecard and scorecard["resolved_share"].notna().any()
    return [
        m
        for m in measures(sla_hours)
        if m.column in scorecard
        and scorecard[m.column].isna().all()
        and len(scorecard)
        # With resolution times the Kaplan-Meier median is there but not reached (fewer than
        # half resolved by the end of the data), which is a finding, not a gap in the export.
        and not (resolved and m.column == "km_median_resolution_seconds")
    ]


def not_in_export_note(scorecard: pd.DataFrame, sla_hours: float = 24) -> str:
    """'Not in this export: median first response, ...' for the measures no group has."""
    missing = not_in_export(scorecard, sla_hours)
    if not missing:
        return ""
    return (
        "Not in this export (no data for them, so not shown rather than shown as 0%): "
        + ", ".join(m.label for m in missing)
        + "."
    )


def format_value(value: float, measure: Measure | None) -> str:
    """A measure's value for people: '72%', '3.4 h', '0.31', '1,204'; 'n/a' when unknown."""
    if value is None or pd.isna(value):
        return "n/a"
    kind = measure.kind if measure else "score"
    if kind == "share":
        return f"{100 * value:.0f}%"
    if kind == "seconds":
        return latency.format_seconds(value)
    if kind == "count":
        return f"{int(value):,}"
    return f"{value:.2f}"


def scorecard_columns(scorecard: pd.DataFrame, sla_hours: float = 24) -> list[str]:
    """The scorecard's columns in reading order: brand, volume, then every measure it has."""
    missing = {m.column for m in not_in_export(scorecard, sla_hours)}
    shown = [m.column for m in measures(sla_hours) if m.column in scorecard]
    shown = [c for c in shown if c not in missing]
    return [group_of(scorecard), *[c for c in ("customer_messages",) if c not in shown], *shown]


def scorecard_table(
    scorecard: pd.DataFrame, sla_hours: float = 24, note: str | None = None
) -> tables.Table:
    """The scorecard for reading: one row per group (any number of them), the measures in reading
    order, shares and medians with their intervals; `note` under it (the raw lesson shares),
    after the measures not in this export."""
    reached = scorecard.get("km_median_resolution_seconds")
    unreached = (
        "Median resolution, Kaplan–Meier: – where fewer than half the tickets were resolved by "
        "the end of the data (open and pending tickets count as not yet resolved)."
        if reached is not None
        and reached.isna().any()
        and scorecard.get("resolved_share", pd.Series(dtype=float)).notna().any()
        else ""
    )
    notes = " ".join(n for n in (not_in_export_note(scorecard, sla_hours), unreached, note) if n)
    return tables.show(
        scorecard, columns=scorecard_columns(scorecard, sla_hours), note=notes or None
    )


def _figure_brands(
    scorecard: pd.DataFrame, brands: Sequence[str] | None, max_brands: int
) -> list[str]:
    """The scorecard's brands a figure draws: the largest by customer messages, or those named."""
    volume_column = "customer_messages" if "customer_messages" in scorecard else "agent_replies"
    names = scorecard[group_of(scorecard)].astype(str)
    if volume_column in scorecard:
        volume = scorecard.set_index(names)[volume_column].fillna(0)
    else:
        volume = pd.Series(1.0, index=names)
    return choose_brands(volume, brands, max_brands)


def scorecard_figure(
    scorecard: pd.DataFrame,
    sla_hours: float = 24,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
) -> Figure:
    """A heatmap of each brand's standing per measure (blue: better than the others), with values.

    Standing is against every brand in the scorecard; the rows are the largest brands by
    customer messages (or those named in `brands`), with a note counting the rest.
    """
    table = standing(scorecard, sla_hours)
    key, noun = group_of(scorecard), _noun(scorecard)
    chosen = _figure_brands(scorecard, brands, max_brands)
    table = table[table.index.astype(str).isin(chosen)]
    by_column = {m.column: m for m in measures(sla_hours)}
    columns = list(table.columns)
    fig, ax = new_figure(max(8.0, 0.75 * len(columns) + 3.0), 1.6 + 0.5 * max(len(table), 1))
    ax.set_xlabel("Measure (the value is printed in each cell)")
    ax.set_ylabel(noun.capitalize())
    ax.set_title(f"Where does each {noun} stand against the others? Blue: better, red: worse")
    if table.empty or not columns:
        return no_data(fig, ax, f"No {noun} to compare")
    scores = table.to_numpy(dtype=float)
    limit = max(2.0, float(np.nanmax(np.abs(scores)))) if np.isfinite(scores).any() else 2.0
    image = ax.imshow(
        np.ma.masked_invalid(scores),
        cmap="RdBu",
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit),
        aspect="auto",
    )
    values = scorecard.set_index(scorecard[key].astype(str))
    for row, brand in enumerate(table.index):
        for col, column in enumerate(columns):
            text = format_value(values.at[str(brand), column], by_column[column])
            strong = abs(scores[row, col]) > 0.6 * limit if np.isfinite(scores[row, col]) else False
            ax.text(col, row, text, ha="center", va="center", fontsize=8,
                    color="white" if strong else "black")  # fmt: skip
    ax.set_xticks(
        range(len(columns)), [by_column[c].label for c in columns], rotation=35, ha="right"
    )
    colours = brand_colours(chosen)
    names = [str(b) for b in table.index]
    ax.set_yticks(range(len(table)), [literal(b) for b in names])
    for label, brand in zip(ax.get_yticklabels(), names, strict=True):
        label.set_color(text_colour(colours.get(brand, "black")))
        label.set_fontweight("bold")
    ax.spines[["left", "bottom"]].set_visible(False)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label(f"standing (SDs from the other {noun}s)")
    figure_note(fig, more_brands_note(len(table), scorecard[key].nunique(), noun=noun))
    return fig


def lessons_figure(
    scorecard: pd.DataFrame,
    sla_hours: float = 24,
    *,
    brands: Sequence[str] | None = None,
    max_brands: int = DEFAULT_MAX_BRANDS,
) -> Figure:
    """Each lesson's share per brand with its 95% interval (dots and bars in the brand colours).

    The largest brands by customer messages (or those named in `brands`) are drawn, with a note
    counting the rest; the legend sits beside the axes.
    """
    missing = {m.column for m in not_in_export(scorecard, sla_hours)}
    lessons = [
        m
        for m in measures(sla_hours)
        if m.group == "Five lessons"
        and m.kind == "share"
        and m.column in scorecard
        and m.column not in missing
    ]
    key, noun = group_of(scorecard), _noun(scorecard)
    chosen = _figure_brands(scorecard, brands, max_brands) if len(scorecard) else []
    names = scorecard[key].astype(str)
    shown = scorecard[names.isin(chosen)].set_index(names[names.isin(chosen)]).reindex(chosen)
    colours = brand_colours(chosen)
    fig, ax = new_figure(9.5, 1.4 + 0.45 * len(lessons) + 0.06 * len(lessons) * len(chosen))
    ax.set_title(f"Which of the five lessons does each {noun} follow?")
    ax.set_xlabel("Share of complaints (%), with 95% interval")
    ax.set_ylabel("Lesson")
    if not chosen or not lessons:
        return no_data(fig, ax, f"No {noun} has any customer message to score")
    offsets = np.linspace(-0.3, 0.3, len(chosen)) if len(chosen) > 1 else np.zeros(1)
    for offset, brand in zip(offsets, chosen, strict=True):  # one series per brand drawn
        row = shown.loc[brand]
        y = np.arange(len(lessons)) + offset
        share = np.array([row[m.column] for m in lessons], dtype=float)
        low = np.array([row.get(f"{m.column}_low", np.nan) for m in lessons], dtype=float)
        high = np.array([row.get(f"{m.column}_high", np.nan) for m in lessons], dtype=float)
        # scorecard.wilson_interval keeps each interval around its share: no clipping needed.
        errors = np.nan_to_num(np.vstack([share - low, high - share]) * 100)
        ax.errorbar(
            share * 100,
            y,
            xerr=errors,
            fmt="o",
            color=colours[brand],
            capsize=2,
            label=literal(brand),
        )
    ax.set_yticks(range(len(lessons)), [m.label for m in lessons])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.grid(axis="x", alpha=0.3)
    legend_outside(fig, ax, title=noun.capitalize())
    figure_note(fig, more_brands_note(len(chosen), scorecard[key].nunique(), noun=noun))
    return fig


def example_replies(
    labelled: pd.DataFrame, per_brand: int = 2, seed: int = 0, by: str = "brand"
) -> pd.DataFrame:
    """Real replies per group (`by`, brand by default): the per_brand best and worst by
    lessons_met (ties drawn at random)."""
    answered = labelled[labelled["answered"].fillna(False).astype(bool)]
    answered = answered[answered["reply_text"].notna() & answered[by].notna()]
    shuffled = answered.sample(frac=1.0, random_state=seed)
    ordered = shuffled.sort_values([by, "lessons_met"], ascending=[True, False], kind="stable")
    best = ordered.groupby(by, observed=True).head(per_brand).assign(example="best")
    rest = ordered[~ordered.index.isin(best.index)]
    worst = (
        rest.iloc[::-1]
        .sort_values([by, "lessons_met"], kind="stable")
        .groupby(by, observed=True)
        .head(per_brand)
        .assign(example="worst")
    )
    chosen = pd.concat([best, worst]).sort_values(
        [by, "example", "lessons_met"], ascending=[True, True, False], kind="stable"
    )
    return pd.DataFrame(
        {
            by: chosen[by].astype(str),
            "example": chosen["example"],
            "lessons_met": chosen["lessons_met"].astype(int),
            "lessons": _lessons_list(chosen),
            "complaint": chosen["text"].astype(str),
            "reply": chosen["reply_text"].astype(str),
        }
    ).reset_index(drop=True)


def _lessons_list(labelled: pd.DataFrame) -> pd.Series:
    """'1, 3, 4 + sorry': the lessons a reply meets, by number, and the bonus."""
    flags = pd.DataFrame(
        {
            number: np.where(labelled[lesson].fillna(False).astype(bool), number, "")
            for lesson, number in LESSON_NUMBERS.items()
            if lesson in labelled
        },
        index=labelled.index,
    )
    text = flags.apply(lambda row: ", ".join(v for v in row if v), axis=1) if len(flags) else ""
    text = pd.Series(text, index=labelled.index, dtype=object).replace("", "none")
    if BONUS in labelled:
        sorry = labelled[BONUS].fillna(False).astype(bool)
        text = text.where(~sorry, text + " + sorry")
    return text


# --- Tone and the evidence for each lesson (page 06's findings, one line each on page 05) -------

TONE_LABELS = {
    "dismissive_or_hostile": "dismissive or hostile",
    "canned_policy_reply": "a canned policy reply",
}


def tone_lines(tone_table: pd.DataFrame | None, min_replies: int = 1) -> list[str]:
    """One sentence per group on the tone of its replies: the share read as dismissive or hostile
    and as a canned policy reply, with 95% intervals (groups with at least `min_replies`)."""
    if tone_table is None or tone_table.empty:
        return ["No reply text to read the tone of."]
    key = group_of(tone_table)
    ranked, note = rankable(tone_table, "reply_count", min_replies, unit="replies")
    lines = []
    for row in ranked.to_dict("records"):
        parts = []
        for label, words in TONE_LABELS.items():
            share = row.get(f"{label}_share")
            if share is None or pd.isna(share):
                continue
            low, high = row.get(f"{label}_share_low"), row.get(f"{label}_share_high")
            parts.append(f"{100 * share:.1f}% {words} ({100 * low:.1f}–{100 * high:.1f}%)")
        if parts:
            replies = int(row["reply_count"])
            lines.append(f"{row[key]}: of {replies:,} replies, " + ", ".join(parts) + ".")
    return (lines or ["No group has a reply whose tone could be read."]) + note


def _evidence_strength(effects: pd.DataFrame) -> pd.Series:
    """How many standard errors an estimate is from no difference (log odds ratio / its se)."""
    ratio, low, high = (effects[c].astype(float) for c in ("odds_ratio", "low", "high"))
    se = (np.log(high) - np.log(low)) / (2 * 1.96)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(ratio) / se).where(np.isfinite(se) & (se > 0))


def evidence_sentence(effects: pd.DataFrame | None) -> str:
    """The strongest and the weakest evidence among the adjusted odds ratios, in one sentence."""
    if effects is None or effects.empty:
        return "No exchange had a follow-up to relate the lessons to."
    strength = _evidence_strength(effects)
    known = effects[strength.notna()].assign(strength=strength[strength.notna()])
    if known.empty:
        reasons = effects["reason"].dropna().astype(str)
        why = reasons.iloc[0] if len(reasons) else "too few exchanges"
        return f"No lesson's effect on an outcome could be estimated here ({why})."

    def describe(row: pd.Series) -> str:
        return (
            f"{row['lesson'].replace('_', ' ')} and {row['outcome'].replace('_', ' ')} "
            f"(odds ratio {row['odds_ratio']:.2f}, 95% {row['low']:.2f}–{row['high']:.2f}, "
            f"{int(row['n']):,} exchanges)"
        )

    strongest = known.loc[known["strength"].abs().idxmax()]
    weakest = known.loc[known["strength"].abs().idxmin()]
    clear = (strongest["low"] > 1) or (strongest["high"] < 1)
    first = (
        f"Strongest evidence: {describe(strongest)}"
        if clear
        else f"No lesson goes clearly with an outcome; the nearest is {describe(strongest)}"
    )
    return f"{first}; weakest: {describe(weakest)}, where the data cannot tell either way."
