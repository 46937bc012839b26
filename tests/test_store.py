"""The run folder: written once by `analyze.run`, read by every page, cached for a file's content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import analyze, io, settings, store
from analysis.io import InputError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(store.CACHE_ENV, str(folder))
    return folder


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return analyze.run("tests/fixtures/twcs_small.csv", out_dir=out)


def test_the_run_folder_holds_every_table_and_scorecard_once(small_run):
    params = json.loads((small_run.folder / "params.json").read_text())
    assert params["data_file"] == "twcs_small.csv"
    assert params["data_format"] == "twcs"
    assert params["settings"] == settings.defaults()
    assert params["tables"] == ["exchanges", "messages", "next_replies", "rejected", "replies"]
    for name in [*params["tables"], *params["scorecards"]]:
        assert (small_run.folder / f"{name}.parquet").is_file(), name
    for name in params["scorecards"]:
        assert (small_run.folder / f"{name}.csv").is_file(), name
    summary = small_run.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"] == 14


def test_a_run_reads_back_what_was_written(small_run):
    exchanges = small_run.exchanges.set_index("message_id")
    assert exchanges.loc["1", "first_response_seconds"] == 1800
    assert {"says_sorry", "lessons_met", "business_first_response_seconds"} <= set(exchanges)
    by_brand = small_run.scorecard("latency_by_brand")
    from_csv = pd.read_csv(small_run.folder / "latency_by_brand.csv")
    assert by_brand["answered"].tolist() == from_csv["answered"].tolist()
    assert small_run.scorecard("resolution_times") is None  # not a ticket export
    assert small_run.tickets is None
    assert len(small_run.rejected) == 2  # rows 7 and 13 (row 14's author is unknown: kept)
    with pytest.raises(KeyError, match="latency_by_planet"):
        small_run.table("latency_by_planet")


def test_a_folder_without_params_is_not_a_run(tmp_path):
    with pytest.raises(InputError, match="not a finished run folder"):
        store.Run(tmp_path)


def test_a_page_opened_alone_computes_once_then_reads_the_cache(cache, tmp_path, monkeypatch):
    data = tmp_path / "mine.csv"
    shutil.copy("tests/fixtures/twcs_small.csv", data)
    trace = tmp_path / "loads.txt"
    monkeypatch.setenv(io.TRACE_ENV, str(trace))
    first = store.open_run(data_path=data, sla_hours=[1, 4])
    second = store.open_run(data_path=data, sla_hours=[4, 1])
    assert first.folder == second.folder and first.folder.parent == cache
    assert len(trace.read_text().splitlines()) == 1, "the second page read the cached run"
    assert second.settings.sla_hours == (1.0, 4.0)
    # Other settings or other content: another run.
    other = store.open_run(data_path=data, sla_hours=[24])
    assert other.folder != first.folder
    data.write_text(data.read_text().replace("AcmeHelp", "AcmeCare"))
    changed = store.open_run(data_path=data, sla_hours=[1, 4])
    assert changed.folder != first.folder
    assert "AcmeCare" in set(changed.exchanges["brand"].dropna())
    assert not [p for p in cache.iterdir() if not store.is_complete(p)], "no half-written runs"


def test_run_dir_and_settings_together_are_an_error(small_run):
    assert store.open_run(small_run.folder).folder == small_run.folder
    with pytest.raises(InputError, match="sla_hours: given together with run_dir"):
        store.open_run(small_run.folder, sla_hours=4)


def test_figures_draw_the_largest_brands_or_the_named_ones(tmp_path):
    run = analyze.run(None, settings.from_values(figure_brands=2), out_dir=tmp_path / "top")
    volume = run.scorecard("latency_by_brand").set_index("brand")["customer_messages"]
    assert run.figure_brands == volume.sort_values(ascending=False).index[:2].tolist()
    named = analyze.run(
        None, settings.from_values(brands="SkyhopAir, Nobody"), out_dir=tmp_path / "b"
    )
    assert named.figure_brands == ["SkyhopAir"]  # a brand the data lacks is not drawn
    weekly = named.scorecard("weekly_by_brand")
    assert set(weekly["brand"]) == set(volume.index)


@pytest.mark.notebooks
def test_a_notebook_opened_alone_builds_its_run_then_reuses_it(cache, tmp_path, monkeypatch):
    import nbformat
    import papermill

    from analysis import paths

    trace = tmp_path / "loads.txt"
    monkeypatch.setenv(io.TRACE_ENV, str(trace))  # the kernel inherits the environment
    page = paths.NOTEBOOKS_DIR / "01_data_quality.ipynb"
    data = str(Path("tests/fixtures/twcs_small.csv").resolve())
    for attempt in ("first", "second"):
        out = tmp_path / f"{attempt}.ipynb"
        papermill.execute_notebook(
            str(page),
            str(out),
            parameters={"data_path": data},
            cwd=str(tmp_path),
            progress_bar=False,
            kernel_name="python3",
        )
        cells = nbformat.read(out, as_version=4).cells
        opening = next(c for c in cells if "store.open_run(" in c.source)
        printed = opening.outputs[0]["text"]
        assert printed.startswith("twcs_small.csv read as twcs")
    assert len(trace.read_text().splitlines()) == 1, "the second opening read the cached run"
    assert [p for p in cache.iterdir() if store.is_complete(p)]


def test_a_page_reads_only_the_columns_it_asks_for(small_run):
    whole = small_run.exchanges
    assert small_run.columns("exchanges") == list(whole.columns)
    assert small_run.row_count("exchanges") == len(whole)
    asked = small_run.table("exchanges", columns=["answered", "reply_text", "brand", "brand"])
    # The table's own column order, each once, the rows as they are in the whole table.
    in_order = [c for c in whole.columns if c in {"answered", "reply_text", "brand"}]
    assert len(in_order) == 3 and in_order != ["answered", "reply_text", "brand"]
    pd.testing.assert_frame_equal(asked, whole[in_order])
    with pytest.raises(KeyError, match="exchanges has no column planet"):
        small_run.table("exchanges", columns=["brand", "planet"])
    with pytest.raises(KeyError, match="latency_by_planet"):
        small_run.columns("latency_by_planet")


def test_a_rated_message_export_gives_the_tickets_of_its_whole_exchanges(tmp_path, fixtures):
    import yaml

    from analysis import helpdesk

    mapping = yaml.safe_load((fixtures / "zendesk_tickets.yaml").read_text())
    run = analyze.run(
        fixtures / "zendesk_tickets.csv",
        settings.from_values(data_format="messages-csv", data_mapping=mapping),
        out_dir=tmp_path / "run",
    )
    assert run.tickets is None
    expected = helpdesk.rated_tickets(None, run.exchanges)
    assert expected is not None and expected["satisfaction"].notna().any()
    pd.testing.assert_frame_equal(run.rated_tickets, expected)


def test_an_unrated_message_export_has_no_rated_tickets(small_run):
    assert small_run.rated_tickets is None
