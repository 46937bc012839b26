"""Every analysis, computed once: load, measure, aggregate, write the run folder.

`run(data_path, settings, out_dir)` is the only place that computes. The CLI's `analyze`, the
report and a notebook opened on its own (through `store.open_run`) all call it, and every page
reads the run folder it writes (`store.Run`), so a figure in the HTML report, a number in
`latency_by_brand.csv` and the index page come from the same table.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import analysis
from analysis import (
    effects,
    groups,
    helpdesk,
    latency,
    outcomes,
    paths,
    personalisation,
    pipeline,
    rubric,
    rubric_shares,
    schema,
    store,
    summary,
    tone,
    trends,
)
from analysis import progress as progress_module
from analysis.io import InputError
from analysis.pipeline import Tables
from analysis.settings import Settings


@dataclass
class Analysis:
    """The scored tables and every scorecard of one run."""

    tables: Tables
    settings: Settings
    exchanges: pd.DataFrame  # with business hours and rubric labels
    replies: pd.DataFrame  # one row per agent message, with personalisation measures
    next_replies: pd.DataFrame  # one row per customer message, timed to the next agent message
    scorecards: dict[str, pd.DataFrame] = field(default_factory=dict)
    compare_by: str = "brand"  # what the pages compare (`groups.resolve` of the setting)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # for `analysis bench`

    @property
    def latency_by_brand(self) -> pd.DataFrame:
        """First-response measures per brand."""
        return self.scorecards["latency_by_brand"]

    @property
    def personalisation_by_brand(self) -> pd.DataFrame:
        """Personalisation measures per brand."""
        return self.scorecards["personalisation_by_brand"]

    @property
    def rubric_by_brand(self) -> pd.DataFrame:
        """Five-lessons shares per brand."""
        return self.scorecards["rubric_by_brand"]


def run_all(tables: Tables, settings: Settings | None = None, progress: bool = False) -> Analysis:
    """Latency, personalisation and rubric measures and every scorecard for loaded tables."""
    settings = settings or Settings()
    steps = progress_module.Steps("analysis", total=6, shown=progress)
    with steps.step("personalisation (templates, specificity)"):
        replies = personalisation.score_replies(
            tables.messages,
            tables.exchanges,
            min_template_size=settings.min_template_size,
            template_similarity=settings.template_similarity,
        )
    with steps.step("latency (business hours, next replies)"):
        exchanges = latency.add_business_first_response(tables.exchanges, settings.schedule())
        next_replies = latency.next_reply_times(tables.messages)
    with steps.step("rubric labels"):
        # The whole replies and their rule features are read once, for the rubric and tone.
        read = rubric.read_replies(exchanges, tables.messages)
        exchanges = rubric.label_exchanges(
            exchanges, sla_hours=settings.lesson_sla_hours, messages=tables.messages, read=read
        )
    with steps.step("outcomes and tone"):
        exchanges = outcomes.label_outcomes(exchanges, tables.messages)
        exchanges = tone.label_tone(exchanges, messages=tables.messages, read=read)
        # The whole replies and their features are read by nothing after tone: at 2.8M tweets
        # they are hundreds of MB the scorecards and regressions would otherwise sit on.
        del read
    with steps.step("scorecards"):
        exchanges, replies, next_replies, scorecards, compare_by = aggregate(
            tables, settings, exchanges, replies, next_replies
        )
    with steps.step("evidence for each lesson (regressions)"):
        # Does following a lesson go with a better outcome? One regression per outcome.
        scorecards["lesson_effects"] = effects.evidence_from_exchanges(exchanges)
    steps.close()
    return Analysis(
        tables=tables,
        settings=settings,
        exchanges=exchanges,
        replies=replies,
        next_replies=next_replies,
        scorecards=scorecards,
        compare_by=compare_by,
        stage_seconds=steps.seconds,
    )


def aggregate(
    tables: Tables,
    settings: Settings,
    exchanges: pd.DataFrame,
    replies: pd.DataFrame,
    next_replies: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame], str]:
    """Every scorecard of the labelled tables, which come back with their group columns (agent,
    team, ...); the compared grouping is the last value. The Dask engine calls it too."""
    sla_hours = settings.report_sla_hours
    zone = settings.business_timezone
    # Every table carries every grouping (agent, team, priority, ...), so a page compares by any.
    per_conversation = groups.conversations(tables.messages)
    exchanges = groups.add_group_columns(exchanges, per_conversation=per_conversation)
    replies = groups.add_group_columns(replies, per_conversation=per_conversation)
    next_replies = groups.add_group_columns(next_replies, per_conversation=per_conversation)
    compare_by = groups.resolve(settings.compare_by, exchanges)
    # The scorecards count and rate: none reads the complaint or reply texts, which every filter
    # of the table would otherwise copy (two thirds of its bytes). They get the table without.
    exchanges_to_score = exchanges.drop(columns=["text", "reply_text"], errors="ignore")
    scorecards = {
        "latency_by_brand": latency.by_brand(exchanges_to_score, sla_hours),
        "latency_by_channel": latency.by_group(exchanges_to_score, "channel", sla_hours),
        "latency_by_agent": latency.by_group(exchanges_to_score, "agent", sla_hours),
        "latency_by_weekday": latency.by_group(
            exchanges_to_score, "weekday", sla_hours, timezone=zone
        ),
        "latency_by_hour": latency.by_group(exchanges_to_score, "hour", sla_hours, timezone=zone),
        "next_reply_by_brand": latency.next_reply_by_group(
            next_replies, "brand", sla_hours, turns_only=True
        ),
        "personalisation_by_brand": personalisation.by_brand(replies),
        "personalisation_by_agent": personalisation.by_agent(replies),
        "top_templates": personalisation.top_templates(replies),
        "rubric_by_agent": rubric.by_agent(exchanges_to_score),
        "rubric_corrected_by_brand": rubric.corrected_by_brand(exchanges_to_score),
        "conversation_scores": rubric.conversation_scores(exchanges_to_score),
    }
    # Lesson shares as they truly are, not as the labeller reads them: corrected for its errors.
    scorecards["rubric_by_brand"] = rubric_shares.correct_scorecard(
        rubric.by_brand(exchanges_to_score), scorecards["rubric_corrected_by_brand"]
    )
    scorecards["weekly_by_brand"] = trends.weekly_by_brand(
        exchanges_to_score, sla_hours, timezone=zone
    )
    # Resolution and satisfaction, where the export records them, join the group scorecards.
    helpdesk_outcomes = {
        by: helpdesk.scorecard_outcomes(tables.tickets, exchanges_to_score, by)
        for by in dict.fromkeys(["brand", compare_by])
    }
    # Page 05's one row per brand: the three brand scorecards side by side.
    scorecards["brand_scorecard"] = summary.brand_scorecard(
        scorecards["latency_by_brand"],
        scorecards["personalisation_by_brand"],
        scorecards["rubric_by_brand"],
        outcomes=helpdesk_outcomes["brand"],
    )
    if compare_by != "brand":
        scorecards.update(
            comparedaggregate(
                exchanges_to_score,
                replies,
                next_replies,
                settings,
                compare_by,
                helpdesk_outcomes[compare_by],
            )
        )
    for by, table in helpdesk_outcomes.items():
        if table is not None:
            scorecards[f"helpdesk_by_{by}"] = table
    # What the customer does after the reply and the tone of the replies, per group.
    for by in dict.fromkeys(["brand", "agent", compare_by]):
        scorecards[f"outcomes_by_{by}"] = outcomes.by_group(exchanges_to_score, by)
        scorecards[f"tone_by_{by}"] = tone.by_group(exchanges_to_score, by)
    if tables.tickets is not None:
        resolution = latency.resolution_times(tables.tickets)
        scorecards["resolution_times"] = resolution
        scorecards["resolution_by_priority"] = latency.resolution_by_group(resolution, "priority")
    return exchanges, replies, next_replies, scorecards, compare_by


def comparedaggregate(
    exchanges: pd.DataFrame,
    replies: pd.DataFrame,
    next_replies: pd.DataFrame,
    settings: Settings,
    by: str,
    resolution: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The brand scorecards' counterparts for another grouping (`by`: agent, team, channel, ...),
    named as the brand ones with the grouping in place of the brand: latency_by_channel, ...,
    channel_scorecard; each keyed by a column named `by`. `resolution` is the grouping's
    `helpdesk.scorecard_outcomes`, joined to its scorecard."""
    sla_hours = settings.report_sla_hours
    corrected = rubric.corrected_by_group(exchanges, by)
    out = {
        f"latency_by_{by}": latency.by_group(exchanges, by, sla_hours),
        f"next_reply_by_{by}": latency.next_reply_by_group(
            next_replies, by, sla_hours, turns_only=True
        ),
        f"personalisation_by_{by}": personalisation.by_group(replies, by),
        f"rubric_corrected_by_{by}": corrected,
        f"rubric_by_{by}": rubric_shares.correct_scorecard(
            rubric.by_group(exchanges, by), corrected, by=by
        ),
        f"weekly_by_{by}": trends.weekly_by_group(
            exchanges, sla_hours, by=by, timezone=settings.business_timezone
        ),
    }
    out[f"{by}_scorecard"] = summary.brand_scorecard(
        out[f"latency_by_{by}"],
        out[f"personalisation_by_{by}"],
        out[f"rubric_by_{by}"],
        by=by,
        outcomes=resolution,
    )
    return out


def run(
    data_path: str | Path | None,
    settings: Settings | None = None,
    out_dir: Path | None = None,
    progress: bool = False,
) -> store.Run:
    """Load the data (the demo data when None), run every analysis, write and return the run folder.

    Without `out_dir` the run goes to the cache folder for this file's content and settings
    (`store.cached_run_dir`), and a complete cached run is read instead of computed again."""
    settings = settings or Settings()
    source = paths.resolve_data_path(data_path)
    if not source.is_file():
        raise InputError(f"{source}: no such data file")
    data_sha256 = store.file_sha256(source)
    if out_dir is not None:
        return _compute(source, settings, Path(out_dir), data_sha256, progress)
    cached = store.cached_run_dir(data_sha256, settings)
    if not store.is_complete(cached):
        # Written beside the cache folder, then moved in whole: a notebook opened at the same time
        # never reads half a run.
        cached.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=cached.name + ".", dir=cached.parent))
        try:
            _compute(source, settings, scratch, data_sha256, progress)
            if not store.is_complete(cached):
                shutil.rmtree(cached, ignore_errors=True)
                os.replace(scratch, cached)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return store.Run(cached)


def _compute(
    source: Path, settings: Settings, out_dir: Path, data_sha256: str, progress: bool
) -> store.Run:
    tables = pipeline.run(
        source,
        settings.data_format,
        mapping=settings.data_mapping,
        timezone=settings.input_timezone,
        dayfirst=settings.day_first,
        progress=progress,
    )
    result = run_all(tables, settings, progress=progress)
    return write_run(result, out_dir, data_sha256=data_sha256)


def write_run(result: Analysis, out_dir: Path, data_sha256: str | None = None) -> store.Run:
    """Write every table once (parquet), each scorecard (parquet and CSV), params.json and the load
    summary; params.json is written last, so a folder without it is an unfinished run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    store.params_path(out_dir).unlink(missing_ok=True)
    tables = result.tables
    frames = {
        "messages": tables.messages,
        "exchanges": result.exchanges,
        "replies": result.replies,
        "next_replies": result.next_replies,
        "rejected": tables.rejected,
        "tickets": tables.tickets,
    }
    for name, frame in frames.items():
        if frame is not None:
            schema.validate(name, frame).to_parquet(store.table_path(out_dir, name), index=False)
    # The rejected rows also as CSV: the file a user opens to fix the source.
    tables.rejected.to_csv(out_dir / "rejected.csv", index=False)
    for name, frame in result.scorecards.items():
        frame.to_parquet(store.table_path(out_dir, name), index=False)
        frame.to_csv(out_dir / f"{name}.csv", index=False)
    (out_dir / store.LOAD_SUMMARY).write_text(json.dumps(tables.summary, indent=2) + "\n")
    params = {
        "data_file": tables.path.name,
        "data_path": str(tables.path),
        "data_sha256": data_sha256 or store.file_sha256(tables.path),
        "data_format": tables.format,
        "settings": result.settings.as_json(),
        "package_version": analysis.__version__,
        "created_at_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "tables": sorted(name for name, frame in frames.items() if frame is not None),
        "scorecards": sorted(result.scorecards),
        "compare_by": result.compare_by,
    }
    store.params_path(out_dir).write_text(json.dumps(params, indent=2) + "\n")
    return store.Run(out_dir)
