"""The command line: files written, counts that reconcile, one-line errors with exit code 2."""

from __future__ import annotations

import json

import pandas as pd

from analysis import cli, paths, synth


def test_load_writes_tables_and_a_summary_that_reconciles(fixtures, tmp_path, capsys):
    assert cli.main(["load", str(fixtures / "twcs_small.csv"), "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "load_summary.json").read_text())
    assert summary["rows_read"] == summary["messages"] + summary["rejected"] == 14
    assert summary["rejected"] == 2
    # Row 14, a customer tweet without an author, is kept with its author unknown.
    assert summary["conversations"] == 6
    assert summary["customer_messages"] == 7
    assert summary["answered"] == 4
    # Answered, with latency: 1 -> 2 (30 min), 4 -> 5 (2 h), long id -> 11 (1 h); median 1 h.
    assert summary["median_first_response_seconds"] == 3600.0
    exchanges = pd.read_parquet(tmp_path / "exchanges.parquet")
    assert {"first_response_seconds", "answered", "observed_until"} <= set(exchanges.columns)
    rejected = pd.read_csv(tmp_path / "rejected.csv")
    assert rejected["row"].tolist() == [7, 13]
    assert set(pd.read_parquet(tmp_path / "messages.parquet")["message_id"]) >= {"1", "11"}
    err = capsys.readouterr().err
    assert "twcs_small.csv row 7, column created_at" in err


def test_load_of_a_missing_file_exits_2_with_one_line(tmp_path, capsys):
    assert cli.main(["load", str(tmp_path / "nope.csv"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("analysis: ") and "nope.csv" in err[0]


def test_load_with_a_column_mapping(fixtures, tmp_path):
    args = ["load", str(fixtures / "helpdesk_messages.csv"), "--out", str(tmp_path)]
    for field, column in {
        "message_id": "Comment ID",
        "conversation_id": "Ticket",
        "author_id": "Author",
        "role": "Author Type",
        "created_at": "Created",
        "text": "Body",
    }.items():
        args += ["--map", f"{field}={column}"]
    assert cli.main(args) == 0
    summary = json.loads((tmp_path / "load_summary.json").read_text())
    assert summary["format"] == "messages-csv" and summary["rejected"] == 1


def test_bad_mapping_argument_is_a_one_line_error(fixtures, tmp_path, capsys):
    args = ["load", str(fixtures / "helpdesk_messages.csv"), "--out", str(tmp_path)]
    assert cli.main([*args, "--map", "oops"]) == 2
    assert "FIELD=COLUMN" in capsys.readouterr().err


def test_demo_data_is_deterministic_and_matches_the_committed_sample(tmp_path):
    assert cli.main(["demo-data", "--out", str(tmp_path)]) == 0
    for name in ("social_complaints.csv", "social_complaints_30_brands.csv", "tickets.csv"):
        written = (tmp_path / name).read_bytes()
        assert written == (paths.SAMPLE_DIR / name).read_bytes(), (
            f"data/sample/{name} is stale: run `analysis demo-data`"
        )
    again = synth.generate_social(seed=7)
    assert again.equals(synth.generate_social(seed=7))


def test_an_output_folder_that_cannot_be_written_is_a_one_line_error(fixtures, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    args = ["load", str(fixtures / "twcs_small.csv"), "--out", str(blocker / "out")]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("analysis: ") and "file" in err[-1]


def test_an_os_error_without_a_file_name_is_still_one_clean_line(monkeypatch, capsys):
    def fail(args):
        raise OSError("Failed to open local file 'x/messages.parquet'")

    monkeypatch.setattr(cli, "cmd_load", fail)  # build_parser binds the handler when main runs
    assert cli.main(["load", "x.csv", "--out", "x"]) == 2
    assert capsys.readouterr().err.strip() == (
        "analysis: Failed to open local file 'x/messages.parquet'"
    )
