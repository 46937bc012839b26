"""Progress: a bar on a terminal, one line per finished step in a log, nothing in a notebook."""

from __future__ import annotations

import logging

from analysis import cli, progress


def test_a_log_gets_one_line_per_finished_stage_and_no_carriage_returns(fixtures, tmp_path, capsys):
    data = fixtures / "twcs_small.csv"
    assert cli.main(["analyze", str(data), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    done = [line for line in err.splitlines() if " done in " in line]
    stages = [line.split(": ", 1)[1].split(" done in ")[0] for line in done]
    assert stages[:4] == [
        "reading",
        "cleaning and threading",
        "text stage and exchanges",
        "checking",
    ]
    assert stages[4:] == [
        "personalisation (templates, specificity)",
        "latency (business hours, next replies)",
        "rubric labels",
        "outcomes and tone",
        "scorecards",
        "evidence for each lesson (regressions)",
    ]
    assert done[-1].endswith("(6/6)") and done[3].endswith("(4/4)")


def test_a_terminal_gets_a_bar_and_no_log_lines(monkeypatch, capsys, caplog):
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    with caplog.at_level(logging.INFO, logger="analysis"):
        steps = progress.Steps("analysis", total=2)
        for name in ("first", "second"):
            with steps.step(name):
                pass
        steps.close()
    assert not caplog.records
    assert "2/2" in capsys.readouterr().err
    assert set(steps.seconds) == {"first", "second"}


def test_nothing_is_shown_when_progress_is_off(monkeypatch, capsys, caplog):
    for terminal in (True, False):
        monkeypatch.setattr(progress, "on_terminal", lambda terminal=terminal: terminal)
        with caplog.at_level(logging.INFO, logger="analysis"):
            steps = progress.Steps("analysis", total=1, shown=False)
            with steps.step("only"):
                pass
            steps.close()
    assert not caplog.records
    assert capsys.readouterr().err == ""
