"""Every analysis on one set of tables: latency, personalisation and the five-lessons rubric.

The CLI's `analyze`, the summary notebook and the benchmark share this one chain, so a figure in
the HTML report and a number in `latency_by_brand.csv` come from the same code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analysis import latency, personalisation, rubric
from analysis.business_hours import BusinessHours
from analysis.pipeline import Tables, write_tables

DEFAULT_SLA_HOURS = (1.0, 24.0)


@dataclass
class Analysis:
    """The scored tables and the per-brand scorecards of one run."""

    tables: Tables
    exchanges: pd.DataFrame  # with business hours and rubric labels
    replies: pd.DataFrame  # one row per agent message, with personalisation measures
    latency_by_brand: pd.DataFrame
    personalisation_by_brand: pd.DataFrame
    rubric_by_brand: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


def run_all(
    tables: Tables,
    *,
    sla_hours: tuple[float, ...] = DEFAULT_SLA_HOURS,
    schedule: BusinessHours | None = None,
    min_template_size: int = 5,
    template_similarity: float = 0.6,
    progress: bool = False,
) -> Analysis:
    """Latency, personalisation and rubric scorecards for loaded tables."""
    bar = tqdm(total=4, desc="analysis", unit="stage", disable=not progress or None)
    bar.set_postfix_str("personalisation")
    replies = personalisation.score_replies(
        tables.messages,
        tables.exchanges,
        min_template_size=min_template_size,
        template_similarity=template_similarity,
    )
    bar.update()
    bar.set_postfix_str("latency")
    exchanges = latency.add_business_first_response(tables.exchanges, schedule)
    bar.update()
    bar.set_postfix_str("rubric")
    exchanges = rubric.label_exchanges(
        exchanges, sla_hours=max(sla_hours), messages=tables.messages
    )
    bar.update()
    bar.set_postfix_str("scorecards")
    extra = {
        "latency_by_channel": latency.by_group(exchanges, "channel", sla_hours),
        "latency_by_agent": latency.by_group(exchanges, "agent", sla_hours),
        "rubric_by_agent": rubric.by_agent(exchanges),
        "conversation_scores": rubric.conversation_scores(exchanges),
        "top_templates": personalisation.top_templates(replies),
    }
    if tables.tickets is not None:
        extra["resolution_times"] = latency.resolution_times(tables.tickets)
    analysis = Analysis(
        tables=tables,
        exchanges=exchanges,
        replies=replies,
        latency_by_brand=latency.by_brand(exchanges, sla_hours),
        personalisation_by_brand=personalisation.by_brand(replies),
        rubric_by_brand=rubric.by_brand(exchanges),
        extra=extra,
    )
    bar.update()
    bar.close()
    return analysis


def write_analysis(analysis: Analysis, out_dir: Path) -> dict[str, Path]:
    """Write the load outputs, the scored exchanges and replies, and every scorecard."""
    written = write_tables(analysis.tables, out_dir, exchanges=analysis.exchanges)
    written["replies"] = out_dir / "replies.parquet"
    analysis.replies.to_parquet(written["replies"], index=False)
    scorecards = {
        "latency_by_brand": analysis.latency_by_brand,
        "personalisation_by_brand": analysis.personalisation_by_brand,
        "rubric_by_brand": analysis.rubric_by_brand,
        **analysis.extra,
    }
    for name, table in scorecards.items():
        written[name] = out_dir / f"{name}.csv"
        table.to_csv(written[name], index=False)
    written["analysis_summary"] = out_dir / "analysis_summary.json"
    written["analysis_summary"].write_text(
        json.dumps({"load": analysis.tables.summary, "files": sorted(scorecards)}, indent=2) + "\n"
    )
    return written
