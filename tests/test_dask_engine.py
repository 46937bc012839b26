"""The Dask engine writes the pandas engine's run folder: every table and scorecard equal, on a
local cluster of two worker processes, with blocks small enough for several partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

from analysis import analyze, cli, store, synth
from analysis.dask_engine import engine

# The four tables the workers write as folders of parquet parts.
PARTITIONED = ["messages", "exchanges", "replies", "next_replies"]
# Each table's key, for putting both engines' rows in one order.
KEYS = {
    "messages": ["message_id"],
    "exchanges": ["message_id", "brand"],
    "replies": ["message_id"],
    "next_replies": ["message_id"],
    "rejected": ["row", "reason"],
}


@pytest.fixture(scope="module")
def scheduler() -> str:
    """A local cluster of 2 single-threaded worker processes, shared by this module's tests."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local.scheduler_address


def _in_key_order(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows sorted by the table's key (a scorecard: by every column), index reset."""
    by = KEYS.get(name, list(frame.columns))
    return frame.sort_values(by, key=lambda c: c.astype(str), kind="stable", ignore_index=True)


def _assert_same_run(expected: store.Run, actual: store.Run) -> None:
    """Both runs have the same tables and scorecards, each equal to the other's."""
    assert actual.params["tables"] == expected.params["tables"]
    assert actual.params["scorecards"] == expected.params["scorecards"]
    assert actual.summary == expected.summary
    for name in [*expected.params["tables"], *expected.params["scorecards"]]:
        pd.testing.assert_frame_equal(
            _in_key_order(actual.table(name), name),
            _in_key_order(expected.table(name), name),
            obj=name,
        )


def _both_engines(data: Path | None, tmp_path: Path, scheduler: str, blocksize: int) -> tuple:
    """The pandas engine's run and the Dask engine's of the same data."""
    expected = analyze.run(data, out_dir=tmp_path / "pandas")
    actual = engine.run(data, None, tmp_path / "dask", scheduler=scheduler, blocksize=blocksize)
    return expected, actual


def _parts(run: store.Run, name: str) -> list[Path]:
    return sorted(store.table_path(run.folder, name).glob("*.parquet"))


def test_demo_data_gives_the_pandas_engines_run(tmp_path, scheduler):
    expected, actual = _both_engines(None, tmp_path, scheduler, blocksize=40_000)
    assert len(_parts(actual, "messages")) > 1, "the demo data should span several partitions"
    _assert_same_run(expected, actual)
    assert actual.params["engine"] == "dask"


def test_small_twcs_file_in_many_partitions_gives_the_pandas_engines_run(tmp_path, scheduler):
    small = Path(__file__).parent / "fixtures" / "twcs_small.csv"
    expected, actual = _both_engines(small, tmp_path, scheduler, blocksize=200)
    assert len(_parts(actual, "messages")) > 1
    _assert_same_run(expected, actual)


def test_generated_twcs_file_gives_the_pandas_engines_run(tmp_path, scheduler):
    data = synth.write_twcs(tmp_path / "twcs_20k.csv", 20_000, seed=11)
    expected, actual = _both_engines(data, tmp_path, scheduler, blocksize=400_000)
    assert len(_parts(actual, "exchanges")) > 2
    _assert_same_run(expected, actual)


def test_real_sample_gives_the_pandas_engines_run(tmp_path, scheduler, real_sample):
    expected, actual = _both_engines(real_sample, tmp_path, scheduler, blocksize=20_000)
    assert len(_parts(actual, "messages")) > 1
    _assert_same_run(expected, actual)


def test_cli_dask_engine_writes_a_run_folder_a_notebook_reads(tmp_path, scheduler):
    small = Path(__file__).parent / "fixtures" / "twcs_small.csv"
    out = tmp_path / "run"
    argv = ["analyze", str(small), "--out", str(out), "--engine", "dask", "--scheduler", scheduler]
    assert cli.main(argv) == 0
    params = json.loads(store.params_path(out).read_text())
    assert params["engine"] == "dask"
    run = store.open_run(run_dir=out)  # what a notebook's first cell calls
    assert store.table_path(out, "exchanges").is_dir()
    exchanges = pd.read_parquet(store.table_path(out, "exchanges"))
    pd.testing.assert_frame_equal(run.exchanges, exchanges)
    assert len(run.messages) == run.summary["messages"]
    assert set(run.exchanges["message_id"]) <= set(run.messages["message_id"])
    assert run.scorecard("latency_by_brand") is not None


def test_bench_times_the_dask_engines_steps_on_the_same_file(tmp_path):
    from analysis import bench

    pandas_run = bench.run(rows=3_000, seed=5, isolated=False)
    dask_run = bench.run(rows=3_000, seed=5, isolated=False, engine="dask")
    names = [stage["stage"] for stage in dask_run["stages"]]
    assert "dask: stages per partition" in names and "dask: templates per brand" in names
    assert not any(name.startswith("dask:") for name in (s["stage"] for s in pandas_run["stages"]))
    for count in ("messages", "rejected", "brands", "agent_replies", "distinct_masked_reply_share"):
        assert dask_run[count] == pandas_run[count], count
