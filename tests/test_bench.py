"""The benchmark's machinery (not its timings: those are for `make bench`, never for tests)."""

from __future__ import annotations

from analysis import bench, io


def test_scaled_data_repeats_the_generator_with_new_ids_and_intact_threads(tmp_path):
    frame = bench.scaled_social(5000, seed=1, base_complaints=300)
    assert len(frame) == 5000
    assert frame["tweet_id"].is_unique
    path = tmp_path / "scaled.csv"
    frame.to_csv(path, index=False)
    messages = io.load(path).messages
    known = set(messages["message_id"])
    parents = messages["parent_id"].dropna()
    # Only the rows cut off by head() can lose a parent; every other link stays inside the file.
    assert parents.isin(known).mean() > 0.99


def test_run_reports_every_stage_and_a_verdict():
    results = bench.run(rows=3000, seed=2, base_complaints=300)
    stages = [s["stage"] for s in results["stages"]]
    assert stages[:3] == ["generate", "write csv", "load, clean, thread, check"]
    assert "rubric labels" in stages and "personalisation (templates, specificity)" in stages
    assert results["messages"] <= 3000 and results["agent_replies"] > 0
    expected_budget = bench.TARGET_SECONDS_AT_FULL_SCALE * 3000 / 2_800_000
    assert results["target_seconds"] == round(expected_budget, 1)
    text = bench.format_results(results)
    assert "targets met" in text or "targets MISSED" in text
    slow = {**results, "analysis_seconds": results["target_seconds"] + 1}
    assert not bench.targets_met(slow)
