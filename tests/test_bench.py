"""The benchmark's machinery (not its timings: those are for `make bench`, never for tests)."""

from __future__ import annotations

import pytest

from analysis import bench, synth


@pytest.fixture(scope="module")
def small_run():
    return bench.run(rows=3000, seed=2, isolated=False)


def test_run_reports_every_stage_beside_the_floor(small_run):
    stages = [s["stage"] for s in small_run["stages"]]
    assert stages[:4] == [
        "generate",
        "write csv",
        "floor: pyarrow read_csv + strptime",
        "load, clean, thread, check",
    ]
    assert "rubric labels" in stages and "personalisation (templates, specificity)" in stages
    assert small_run["messages"] == 3000 and small_run["rejected"] == 0
    assert 0 < small_run["agent_replies"] < 3000
    assert 0.5 < small_run["distinct_masked_reply_share"] <= 1
    expected_budget = bench.TARGET_SECONDS_AT_FULL_SCALE * 3000 / 2_800_000
    assert small_run["target_seconds"] == round(expected_budget, 1)
    # The analysis total leaves out the file's making and the floor itself.
    analysed = [s for s in small_run["stages"] if s["stage"] not in bench._NOT_ANALYSIS]
    assert small_run["analysis_seconds"] == round(sum(s["seconds"] for s in analysed), 1)
    assert small_run["report_seconds"] is None


def test_budget_and_issue_targets_turn_on_the_measured_values(small_run):
    slow = {**small_run, "analysis_seconds": small_run["target_seconds"] + 1}
    assert not bench.targets_met(slow)
    within = {**small_run, "floor_seconds": 2.0, "analysis_seconds": 19.0, "peak_memory_gb": 3.9}
    beyond = {**within, "analysis_seconds": 21.0, "peak_memory_gb": 4.1, "report_seconds": 200}
    assert [t["met"] for t in bench.issue_targets(within)] == [True, True, None]
    assert [t["met"] for t in bench.issue_targets(beyond)] == [False, False, False]


def test_several_sizes_print_as_one_table_with_the_targets(small_run):
    bigger = {**small_run, "rows": 6000, "report_seconds": 100.0}
    text = bench.format_results([small_run, bigger])
    header = text.splitlines()[0]
    assert "3,000 tweets" in header and "6,000 tweets" in header
    floor_line = next(line for line in text.splitlines() if "floor" in line)
    assert f"{small_run['floor_seconds']:.1f}" in floor_line
    assert "analysis within 10x the floor" in text and "report under 3 minutes" in text
    report_line = next(line for line in text.splitlines() if "report under" in line)
    assert "- (not run)" in report_line and "met (100 s)" in report_line


def test_a_stage_in_its_own_process_reports_its_own_peak(tmp_path):
    path = synth.write_twcs(tmp_path / "small.csv", 500, seed=1)
    stages = bench._call(True, bench.floor, path)["stages"]
    assert stages[0]["stage"].startswith("floor") and stages[0]["peak_memory_gb"] > 0
