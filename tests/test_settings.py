"""The settings model: one declaration per parameter, shared by the CLI, the run and the pages."""

from __future__ import annotations

import nbformat
import pytest

from analysis import cli, paths, settings


def test_defaults_are_declared_once_and_match_the_cli():
    defaults = settings.defaults()
    assert defaults["sla_hours"] == [1.0, 24.0]
    assert defaults["holiday_country"] is None
    args = cli.build_parser().parse_args(["analyze", "x.csv", "--out", "o"])
    # Flags left out mean "the settings' default": the CLI has no default of its own.
    assert cli._settings(args) == settings.Settings()


def test_sla_hours_take_one_number_or_a_list():
    assert settings.from_values(sla_hours=24).sla_hours == (24.0,)
    assert settings.from_values(sla_hours=[24, 1]).sla_hours == (1.0, 24.0)
    assert settings.from_values(sla_hours=[4]).report_sla_hours == (1.0, 4.0)
    assert settings.from_values(sla_hours=[1, 8, 24]).lesson_sla_hours == 24.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"sla_hours": []}, "sla_hours: expected a number of hours or a list of them"),
        ({"sla_hours": [0, 24]}, "sla_hours: every threshold must be a number of hours more"),
        ({"sla_hours": [float("nan")]}, "sla_hours: every threshold must be a number of hours"),
        ({"sla_hours": ["inf"]}, "sla_hours: every threshold must be a number of hours"),
        ({"business_timezone": "Mars/Olympus"}, "business_timezone: expected an IANA time zone"),
        ({"input_timezone": "nowhere"}, "input_timezone: expected an IANA time zone"),
        ({"business_days": "Funday"}, "business_days: cannot read weekday 'Funday'"),
        ({"business_start": "9am"}, "business_start: cannot read time of day '9am'"),
        ({"holiday_country": "XX"}, "holiday_country: the holidays package has no such country"),
        ({"min_template_size": 1}, "min_template_size: Input should be greater than or equal to 2"),
        ({"data_format": "xlsx"}, "data_format: expected one of auto, twcs"),
        ({"sla_hour": 4}, "sla_hour: unknown parameter"),
    ],
)
def test_an_invalid_value_is_one_line_naming_the_parameter(values, message):
    with pytest.raises(settings.SettingsError) as caught:
        settings.from_values(values)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_none_means_the_default():
    assert settings.from_values(sla_hours=None, holiday_country=None) == settings.Settings()
    assert settings.from_values(holiday_country="").holiday_country is None


def test_a_bad_flag_is_exit_code_2_naming_the_parameter(capsys):
    code = cli.main(["analyze", str(paths.SAMPLE_SOCIAL), "--out", "x", "--sla-hours", "0"])
    assert code == 2
    assert capsys.readouterr().err.strip().startswith("analysis: sla_hours: every threshold")


def test_a_mapping_file_that_is_not_field_column_pairs_is_one_line(tmp_path, capsys):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("- text\n- Body\n")
    args = ["load", "tests/fixtures/helpdesk_messages.csv", "--out", str(tmp_path / "o")]
    assert cli.main([*args, "--mapping", str(mapping)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("analysis: ") and "expected FIELD: COLUMN pairs" in err
    assert "\n" not in err


@pytest.mark.parametrize(
    "notebook", sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem
)
def test_pages_leave_every_setting_to_the_settings_model(notebook):
    # A page's parameters cell names the settings it lets a reader change, each None: the
    # default lives in analysis.settings only, so a page and a CSV cannot disagree.
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, namespace)
    declared = {name: namespace[name] for name in settings.names() if name in namespace}
    assert declared, "a page declares the settings it depends on"
    assert all(value is None for value in declared.values()), declared
    assert namespace["run_dir"] is None
