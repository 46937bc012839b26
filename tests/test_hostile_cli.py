"""Hostile input at the command line: every bad input ends in one line and exit 2, never a
traceback; what cannot be used is rejected with its reason and the counts still reconcile."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from analysis import cli, paths, pipeline

HELPDESK_MAP = [
    "--map",
    "message_id=Comment ID",
    "--map",
    "conversation_id=Ticket",
    "--map",
    "author_id=Author",
    "--map",
    "role=Author Type",
    "--map",
    "created_at=Created",
    "--map",
    "text=Body",
]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("analysis: "), err
    assert "\n" not in err, err
    assert "Traceback" not in err
    return err


def test_a_field_mapped_to_two_columns_is_refused_not_the_last_taken(fixtures, tmp_path, capsys):
    args = ["load", str(fixtures / "helpdesk_messages.csv"), "--out", str(tmp_path), *HELPDESK_MAP]
    assert cli.main([*args, "--map", "text=Author"]) == 2
    err = _one_line(capsys)
    assert "--map text: given twice ('Body' and 'Author')" in err


def test_a_mapping_file_with_a_key_written_twice_is_refused(fixtures, tmp_path, capsys):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("text: Body\nauthor_id: Author\ntext: Author\n")
    args = ["load", str(fixtures / "helpdesk_messages.csv"), "--out", str(tmp_path / "o")]
    assert cli.main([*args, "--mapping", str(mapping)]) == 2
    err = _one_line(capsys)
    assert "mapping.yaml: cannot read the mapping" in err and "'text' is given twice" in err


def test_a_mapping_file_can_state_the_date_order(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("text: Body\ndayfirst: true\n")
    args = cli.build_parser().parse_args(
        ["analyze", "x.csv", "--out", "o", "--mapping", str(mapping)]
    )
    settings = cli._settings(args)
    assert settings.day_first is True
    assert settings.data_mapping == {"text": "Body"}


@pytest.mark.parametrize(("flag", "expected"), [("--day-first", True), ("--month-first", False)])
def test_the_date_order_flags_set_one_setting(flag, expected):
    args = cli.build_parser().parse_args(["analyze", "x.csv", "--out", "o", flag])
    assert cli._settings(args).day_first is expected
    assert (
        cli._settings(cli.build_parser().parse_args(["analyze", "x.csv", "--out", "o"])).day_first
        is None
    )


def test_both_date_orders_at_once_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.build_parser().parse_args(["analyze", "x.csv", "--day-first", "--month-first"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_pipe_is_refused_with_what_to_do_instead(tmp_path, capsys):
    fifo = tmp_path / "stdin"
    os.mkfifo(fifo)
    assert cli.main(["load", str(fifo), "--out", str(tmp_path / "o")]) == 2
    err = _one_line(capsys)
    assert "not a regular file (a pipe or a device)" in err and "save the data to a file" in err


def test_an_unexpected_error_is_one_line_with_the_traceback_in_a_log(
    fixtures, tmp_path, capsys, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("something no reader expected\nover two lines")

    monkeypatch.setenv(paths.LOG_DIR_ENV, str(tmp_path / "logs"))
    monkeypatch.setattr(pipeline, "run", broken)
    assert cli.main(["load", str(fixtures / "twcs_small.csv"), "--out", str(tmp_path)]) == 2
    err = _one_line(capsys)
    assert err.startswith("analysis: twcs_small.csv: unexpected error (RuntimeError: ")
    assert "something no reader expected over two lines" in err
    (log,) = (tmp_path / "logs").glob("analysis-*.log")
    assert str(log) in err
    logged = log.read_text()
    assert "Traceback (most recent call last)" in logged and "def broken" not in err
    assert "RuntimeError: something no reader expected" in logged


def test_the_real_entry_point_never_prints_a_traceback(tmp_path):
    # Through the installed console script path (python -m analysis), on a file that is not
    # CSV at all: one line, exit 2.
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02\xff\xfe garbage \x00\n\x00")
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "load", str(junk), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env={**os.environ, paths.LOG_DIR_ENV: str(tmp_path / "logs")},
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "junk.csv" in done.stderr


def _twcs(tmp_path, rows: list[tuple]) -> str:
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    lines = [header] + [
        ",".join(
            f'"{value}"' if isinstance(value, str) and "," in value else str(value) for value in row
        )
        for row in rows
    ]
    path = tmp_path / "twcs_conflict.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


TIME = "Tue Oct 31 22:{:02d}:00 +0000 2017"
# A complaint and the brand's answer: the start of each role-conflict file.
COMPLAINT_AND_ANSWER = [
    (1, "sam_k", True, TIME.format(1), "@AcmeHelp my order is late", 2, ""),
    (2, "AcmeHelp", False, TIME.format(5), "@sam_k Sorry, checking now", "", 1),
]


def test_a_customer_marked_once_as_a_brand_is_a_conflict_not_a_brand(tmp_path):
    time = TIME
    path = _twcs(
        tmp_path,
        [
            *COMPLAINT_AND_ANSWER,
            (3, "sam_k", True, time.format(9), "@AcmeHelp still nothing", 4, 2),
            # The same customer, marked inbound=False by a broken export.
            (4, "sam_k", False, time.format(12), "@AcmeHelp hello??", "", 3),
            (5, "sam_k", True, time.format(20), "@AcmeHelp anyone?", "", ""),
        ],
    )
    tables = pipeline.run(path, "twcs")
    assert sorted(tables.messages["brand"].dropna().unique()) == ["AcmeHelp"]
    assert "sam_k" not in set(tables.messages.loc[tables.messages["role"] == "agent", "author_id"])
    (conflict,) = tables.rejected.loc[
        tables.rejected["reason"].str.startswith("role conflict")
    ].itertuples()
    assert (conflict.row, conflict.column) == (4, "inbound")
    assert "writes as a customer in 3 other row(s)" in conflict.reason
    summary = tables.summary
    assert summary["rows_read"] == summary["messages"] + summary["rejected"] == 5
    assert any("role conflicts" in note for note in summary["notes"])


def test_a_brand_that_once_writes_as_a_customer_keeps_both_roles(tmp_path):
    time = TIME
    path = _twcs(
        tmp_path,
        [
            *COMPLAINT_AND_ANSWER,
            (3, "AcmeHelp", True, time.format(6), "@OtherBrand can you help sam?", "", ""),
            (4, "AcmeHelp", False, time.format(7), "@sam_k Found it, on its way", "", 1),
        ],
    )
    tables = pipeline.run(path, "twcs")
    assert tables.rejected.empty
    assert len(tables.messages) == 4


def test_load_summary_reconciles_on_the_cli_after_a_conflict(tmp_path):
    time = "Tue Oct 31 22:{:02d}:00 +0000 2017"
    path = _twcs(
        tmp_path,
        [
            (1, "ana", True, time.format(1), "@AcmeHelp refund?", "", ""),
            (2, "ana", True, time.format(2), "@AcmeHelp hello", "", ""),
            (3, "ana", False, time.format(3), "@AcmeHelp x", "", ""),
            (4, "AcmeHelp", False, time.format(4), "@ana On it", "", 1),
        ],
    )
    assert cli.main(["load", path, "--out", str(tmp_path / "o")]) == 0
    summary = json.loads((tmp_path / "o" / "load_summary.json").read_text())
    assert summary["rows_read"] == summary["messages"] + summary["rejected"] == 4
    rejected = pd.read_csv(tmp_path / "o" / "rejected.csv")
    assert rejected["row"].tolist() == [3]


def test_an_ambiguous_date_order_stops_until_the_user_chooses(tmp_path, capsys):
    data = tmp_path / "dayfirst.csv"
    data.write_text(
        "Comment ID,Ticket,Author,Author Type,Created,Body\n"
        "1,T1,ann,end-user,05/06/2023 10:00,my parcel is late\n"
        "2,T1,AcmeHelp,agent,05/06/2023 11:00,Sorry! It ships today\n"
    )
    args = ["load", str(data), *HELPDESK_MAP]
    assert cli.main([*args, "--out", str(tmp_path / "a")]) == 2
    err = _one_line(capsys)
    assert "column Created" in err and "--day-first or --month-first" in err
    for flag, month in (("--day-first", 6), ("--month-first", 5)):
        assert cli.main([*args, flag, "--out", str(tmp_path / flag)]) == 0
        created = pd.read_parquet(tmp_path / flag / "messages.parquet")["created_at"]
        assert set(created.dt.month) == {month}


def test_a_report_on_a_file_with_no_usable_row_says_so_in_one_line(tmp_path, capsys):
    data = tmp_path / "all_rejected.csv"
    data.write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,ann,True,not a time,@AcmeHelp hello,,\n"
        "2,AcmeHelp,False,not a time,@ann hi,,1\n"
    )
    out = tmp_path / "report"
    assert cli.main(["report", "--data", str(data), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("analysis: all_rejected.csv: none of its 2 rows could be used")
    assert len(pd.read_csv(out / "run" / "rejected.csv")) == 2
    assert not (out / "index.html").exists()


def test_a_utf16_export_is_read_and_the_summary_names_its_encoding(tmp_path):
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    time = "Tue Oct 31 22:10:47 +0000 2017"
    data = tmp_path / "excel_unicode.csv"
    data.write_text(
        f"{header}\n1,c1,True,{time},@AcmeHelp héllo 😀,,\n2,AcmeHelp,False,{time},@c1 hi,,1\n",
        encoding="utf-16",
    )
    tables = pipeline.run(data, "twcs")
    assert tables.messages.set_index("message_id").loc["1", "text"] == "@AcmeHelp héllo 😀"
    assert "excel_unicode.csv is not UTF-8: read as UTF-16" in tables.summary["notes"]


def test_a_utf16_json_export_is_read_too(tmp_path):
    data = tmp_path / "export.json"
    records = [
        {
            "id": 1,
            "conv": "c1",
            "author": "zoë",
            "role": "customer",
            "at": "2023-05-06T10:00:00Z",
            "text": "Où est ma commande ? 😀",
        },
        {
            "id": 2,
            "conv": "c1",
            "author": "Acme",
            "role": "agent",
            "at": "2023-05-06T10:30:00Z",
            "text": "Désolé, elle arrive demain",
        },
    ]
    data.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-16")
    mapping = {
        "message_id": "id",
        "conversation_id": "conv",
        "author_id": "author",
        "role": "role",
        "created_at": "at",
        "text": "text",
    }
    tables = pipeline.run(data, "messages-json", mapping=mapping)
    assert tables.messages.set_index("message_id").loc["1", "text"] == "Où est ma commande ? 😀"
    assert "export.json is not UTF-8: read as UTF-16" in tables.summary["notes"]


def test_the_rubric_command_labels_the_good_rows_and_lists_the_broken_ones(tmp_path, capsys):
    replies = tmp_path / "replies.csv"
    replies.write_text(
        "text,complaint\n"
        '"Thanks for reaching out, we have refunded you",my refund\n'
        '"Sorry about that",late,EXTRA,FIELDS\n'
        '"DM us please",help\n'
        '"this quote never closes,x\n'
        '"Sorry, your parcel ships today",where is my parcel\n'
    )
    out = tmp_path / "labelled.csv"
    args = ["rubric", str(replies), "--context-column", "complaint", "--out", str(out)]
    assert cli.main(args) == 0
    labelled = pd.read_csv(out)
    # No column shifted: every labelled text is one of the intact rows' own.
    assert labelled["text"].tolist() == [
        "Thanks for reaching out, we have refunded you",
        "DM us please",
        "Sorry, your parcel ships today",
    ]
    assert labelled["says_sorry_pred"].tolist() == [0, 0, 1]
    rejected = pd.read_csv(tmp_path / "labelled.rejected.csv")
    assert rejected["row"].tolist() == [2, 4]
    assert "expected 2 columns, found 4" in rejected.loc[0, "reason"]
    assert rejected.loc[1, "reason"].startswith("unclosed quote in column text")
    assert len(labelled) + len(rejected) == 5
    assert "2 row(s) not labelled" in capsys.readouterr().out
