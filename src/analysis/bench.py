"""The benchmark behind `analysis bench`: every stage timed, with peak memory, at twcs scale.

Speed and memory targets are checked here, never in tests (a loaded 2-core machine would make a
timed test flaky). Targets are for the full twcs.csv (2.8M tweets) on 2 cores and scale linearly
with --rows.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import synth

FULL_SCALE_ROWS = 2_800_000
# Whole-run budget at full scale (2 cores, 24 GB): generous enough for a loaded CI machine,
# tight enough to catch an accidental per-row Python loop (which costs hours, not minutes).
TARGET_SECONDS_AT_FULL_SCALE = 20 * 60
TARGET_PEAK_MEMORY_GB = 12.0


def _peak_memory_gb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def scaled_social(rows: int, seed: int = 3, base_complaints: int = 6000) -> pd.DataFrame:
    """A twcs-format table of about `rows` tweets: a generated base, repeated with new ids,
    new customers and jittered times (so the distributions stay those of the generator)."""
    base = synth.generate_social(complaints=base_complaints, seed=seed, with_defects=False)
    copies = max(1, int(np.ceil(rows / len(base))))
    rng = np.random.default_rng(seed)
    id_step = int(pd.to_numeric(base["tweet_id"]).max()) + 1
    created = pd.to_datetime(base["created_at"], format=synth.TWCS_TIME_FORMAT, utc=True)
    parts = []
    for copy in range(copies):
        offset = copy * id_step
        shift = pd.to_timedelta(rng.integers(-3 * 3600, 3 * 3600), unit="s")
        part = base.copy()
        part["tweet_id"] = (pd.to_numeric(part["tweet_id"]) + offset).astype(str)
        parent = pd.to_numeric(part["in_response_to_tweet_id"].str.removesuffix(".0"))
        part["in_response_to_tweet_id"] = (parent + offset).map(
            lambda p: "" if pd.isna(p) else f"{int(p)}.0"
        )
        part["response_tweet_id"] = ""  # parents are given; the list is optional in twcs
        customers = part["inbound"] == "True"
        part.loc[customers, "author_id"] = (
            pd.to_numeric(part.loc[customers, "author_id"]) + copy * 1_000_000
        ).astype(str)
        part["created_at"] = (created + shift).dt.strftime(synth.TWCS_TIME_FORMAT)
        parts.append(part)
    return pd.concat(parts, ignore_index=True).head(rows)


def run(rows: int = FULL_SCALE_ROWS, seed: int = 3, base_complaints: int = 6000) -> dict:
    """Generate `rows` tweets, run every stage, and return timings and peak memory."""
    from analysis import analyze, pipeline

    stages: list[dict] = []

    def record(name: str, seconds: float) -> None:
        stages.append(
            {"stage": name, "seconds": seconds, "peak_memory_gb": round(_peak_memory_gb(), 2)}
        )
        print(f"  {name}: {seconds} s", flush=True)

    def timed(name: str, work: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = work()
        record(name, round(time.perf_counter() - started, 2))
        return result

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench_twcs.csv"
        frame = timed("generate", lambda: scaled_social(rows, seed, base_complaints))
        timed("write csv", partial(frame.to_csv, path, index=False))
        del frame  # the benchmark measures the pipeline's memory, not the generator's
        tables = timed("load, clean, thread, check", lambda: pipeline.run(path))
        # The one chain every command and page uses, timed stage by stage from the inside (its
        # stages' peak memory is read when the chain ends: the peak so far, not per stage).
        result = analyze.run_all(tables)
        for name, seconds in result.stage_seconds.items():
            record(name, seconds)
        timed("write run folder", partial(analyze.write_run, result, Path(folder) / "run"))
    replies = result.replies
    measured = [s for s in stages if s["stage"] not in ("generate", "write csv")]
    total = sum(s["seconds"] for s in measured)
    budget = TARGET_SECONDS_AT_FULL_SCALE * rows / FULL_SCALE_ROWS
    return {
        "rows": rows,
        "messages": tables.summary["messages"],
        "agent_replies": int(len(replies)),
        "stages": stages,
        "analysis_seconds": round(total, 1),
        "target_seconds": round(budget, 1),
        "peak_memory_gb": round(_peak_memory_gb(), 2),
        "target_peak_memory_gb": TARGET_PEAK_MEMORY_GB,
    }


def targets_met(results: dict) -> bool:
    """Whether the run stayed within its time and memory budget."""
    return (
        results["analysis_seconds"] <= results["target_seconds"]
        and results["peak_memory_gb"] <= results["target_peak_memory_gb"]
    )


def format_results(results: dict) -> str:
    """The results as a small text table with the verdict."""
    lines = [f"{results['rows']:,} tweets ({results['agent_replies']:,} agent replies)"]
    for stage in results["stages"]:
        lines.append(
            f"  {stage['stage']:<42} {stage['seconds']:>9.1f} s   peak {stage['peak_memory_gb']:.2f} GB"
        )
    verdict = "met" if targets_met(results) else "MISSED"
    lines.append(
        f"analysis {results['analysis_seconds']:.0f} s (target {results['target_seconds']:.0f} s), "
        f"peak memory {results['peak_memory_gb']:.1f} GB (target "
        f"{results['target_peak_memory_gb']:.0f} GB): targets {verdict}"
    )
    return "\n".join(lines)
