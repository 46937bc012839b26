"""io.times: the one rule for reading time columns, on small hand-written columns."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.io import InputError
from analysis.io.times import OUT_OF_RANGE, UNREADABLE, dayfirst_option, parse_times


def _column(*values: str | None) -> pd.DataFrame:
    return pd.DataFrame({"_row": range(1, len(values) + 1), "t": list(values)})


def _read(*values: str | None, **options) -> tuple[list, list, list[str]]:
    parsed = parse_times(_column(*values), ["t"], file="f.csv", **options)
    return list(parsed.times["t"]), list(parsed.problems["t"]), parsed.notes


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_a_date_above_12_first_makes_the_file_day_first_and_says_so():
    times, problems, notes = _read("13/05/2023 10:00", "05/06/2023 09:00", "05.06.2023")
    assert times == [utc("2023-05-13 10:00"), utc("2023-06-05 09:00"), utc("2023-06-05")]
    assert problems == [None, None, None]
    assert notes == [
        "f.csv: dates with the year last read day-first, as row 1 (t '13/05/2023 10:00') shows"
    ]


def test_a_date_above_12_second_makes_the_file_month_first():
    times, _, notes = _read("05/13/2023", "05/06/2023 9:05 PM")
    assert times == [utc("2023-05-13"), utc("2023-05-06 21:05")]
    assert "month-first, as row 1" in notes[0]


def test_dates_that_never_decide_are_an_error_saying_how_to_choose():
    with pytest.raises(InputError) as error:
        _read("2023-05-01 10:00", "05/06/2023 10:00")
    message = str(error.value)
    assert message.startswith("f.csv row 2, column t: cannot tell whether '05/06/2023 10:00'")
    assert "--day-first or --month-first" in message and "dayfirst: true" in message
    assert "\n" not in message


def test_dates_that_read_the_same_either_way_need_no_choice():
    times, problems, notes = _read("05/05/2023", "2023-05-06")
    assert times == [utc("2023-05-05"), utc("2023-05-06")] and problems == [None, None]
    assert notes == []


def test_dates_proving_both_orders_are_an_error_naming_a_row_of_each():
    with pytest.raises(InputError) as error:
        _read("01/02/2023", "13/05/2023", "2023-01-01", "05/14/2023")
    message = str(error.value)
    assert "row 2, column t: '13/05/2023'" in message
    assert "row 4, column t: '05/14/2023'" in message
    assert "--day-first or --month-first" in message


def test_a_chosen_order_wins_and_rejects_the_rows_that_contradict_it():
    times, problems, notes = _read("01/02/2023", "13/05/2023", "05/14/2023", dayfirst=False)
    assert times[0] == utc("2023-01-02") and times[2] == utc("2023-05-14")
    assert pd.isna(times[1])
    assert (
        problems[1]
        == "written day-first (13 cannot be a month), but dates are read month-first as chosen"
    )
    assert problems[0] is None and problems[2] is None
    assert notes == []
    times, problems, _ = _read("01/02/2023", "05/14/2023", dayfirst=True)
    assert times[0] == utc("2023-02-01") and problems[1].startswith("written month-first (14 ")


def test_the_order_is_decided_for_the_whole_file_across_its_time_columns():
    frame = pd.DataFrame(
        {"_row": [1, 2], "a": ["13/05/2023", None], "b": ["01/02/2023", "03/04/2023"]}
    )
    parsed = parse_times(frame, ["a", "b"], file="f.csv")
    assert list(parsed.times["b"]) == [utc("2023-02-01"), utc("2023-04-03")]


def test_unambiguous_forms_are_not_affected_by_the_order():
    values = ("2023-05-06 10:00", "6 May 2023", "May 6, 2023 10:00 AM", "2023/05/06", "1683367200")
    for dayfirst in (None, True, False):
        times, problems, _ = _read(*values, dayfirst=dayfirst)
        assert times == [
            utc("2023-05-06 10:00"),
            utc("2023-05-06"),
            utc("2023-05-06 10:00"),
            utc("2023-05-06"),
            utc("2023-05-06 10:00"),
        ]
        assert problems == [None] * 5


def test_two_digit_years_follow_strptime():
    times, _, _ = _read("13/05/23", "13/05/99")
    assert times == [utc("2023-05-13"), utc("1999-05-13")]


def test_naive_and_zoned_values_in_one_column_are_each_read_by_their_own_offset():
    times, problems, _ = _read(
        "2023-05-06 10:00",
        "2023-05-06T10:00:00Z",
        "2023-05-06 10:00:00+05:00",
        "2023-05-06 10:00:00 UTC",
        "2023-05-06T10:00:00-0700",
        timezone="Europe/Berlin",
    )
    assert problems == [None] * 5
    assert times == [
        utc("2023-05-06 08:00"),  # naive: Berlin summer time
        utc("2023-05-06 10:00"),
        utc("2023-05-06 05:00"),
        utc("2023-05-06 10:00"),
        utc("2023-05-06 17:00"),
    ]


def test_a_leap_second_is_the_last_second_of_its_minute_and_is_counted():
    times, problems, notes = _read(
        "2016-12-31 23:59:60", "2016-12-31T23:59:60Z", "2016-12-31 23:59:59"
    )
    assert times == [utc("2016-12-31 23:59:59")] * 3 and problems == [None] * 3
    assert notes == [
        "f.csv column t: 2 time(s) with a leap second (:60) read as the last second of that minute (:59)"
    ]


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap_and_a_repeated_one_is_the_first():
    times, problems, notes = _read(
        "2021-03-28 02:30", "2021-10-31 02:30", "2021-10-31 02:30", timezone="Europe/Berlin"
    )
    assert problems == [None] * 3
    # 02:30 does not exist: it is 03:30 summer time (01:30 UTC), as at +01:00.
    assert times[0] == utc("2021-03-28 01:30")
    # 02:30 happened twice: the first, in summer time (+02:00).
    assert times[1] == times[2] == utc("2021-10-31 00:30")
    assert any(
        "1 local time(s) in the hour skipped" in note and "Europe/Berlin" in note for note in notes
    )
    assert any("2 local time(s) in the hour repeated" in note for note in notes)


def test_years_outside_the_nanosecond_range_are_problems_not_overflows():
    times, problems, _ = _read(
        "2300-01-01 10:00", "1500-06-01T00:00:00Z", "99999999999999", "2262-04-11"
    )
    assert problems[:2] == [OUT_OF_RANGE, OUT_OF_RANGE]
    assert problems[2] == UNREADABLE  # 14 digits is not a Unix time
    assert problems[3] is None and times[3] == utc("2262-04-11")
    assert all(pd.isna(t) for t in times[:3])


def test_empty_values_are_no_problem_and_unreadable_ones_are():
    times, problems, _ = _read(None, "  ", "not a date", "2023-13-05")
    assert all(pd.isna(t) for t in times)
    assert problems == [None, None, UNREADABLE, UNREADABLE]


def test_epoch_seconds_and_milliseconds():
    times, _, _ = _read("1539897198", "1539897198000")
    assert times == [utc("2018-10-18 21:13:18")] * 2


@pytest.mark.parametrize(
    ("mapping", "given", "expected"),
    [
        ({"text": "Body", "dayfirst": True}, None, ({"text": "Body"}, True)),
        ({"text": "Body", "dayfirst": "false"}, None, ({"text": "Body"}, False)),
        ({"text": "Body", "day_first": "yes"}, None, ({"text": "Body"}, True)),
        ({"text": "Body", "dayfirst": True}, False, ({"text": "Body"}, False)),  # the flag wins
        ({"text": "Body"}, True, ({"text": "Body"}, True)),
        (None, None, (None, None)),
    ],
)
def test_the_mapping_can_state_the_order_and_a_flag_overrides_it(mapping, given, expected):
    assert dayfirst_option(mapping, given) == expected


def test_a_mapping_order_that_is_not_true_or_false_is_refused():
    with pytest.raises(
        InputError, match=r"mapping option dayfirst must be true or false, not 'maybe'"
    ):
        dayfirst_option({"dayfirst": "maybe"}, None)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=pd.Timestamp("1990-01-01"), max_value=pd.Timestamp("2030-12-31")),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_any_date_written_in_the_chosen_order_reads_back_as_itself(moments, dayfirst):
    order = "%d/%m/%Y %H:%M:%S" if dayfirst else "%m/%d/%Y %H:%M:%S"
    values = [moment.strftime(order) for moment in moments]
    times, problems, _ = _read(*values, dayfirst=dayfirst)
    assert problems == [None] * len(values)
    assert times == [utc(moment.replace(microsecond=0).isoformat()) for moment in moments]


def test_a_nanosecond_value_does_not_hide_an_out_of_range_year_beside_it():
    # One value with nanoseconds makes pandas read its batch in nanoseconds, where 2300 fails.
    values = ("2300-01-01", "2023-01-01T00:00:00.123456789Z", "6 May 2300 10:00 UTC", "2023-01-01")
    times, problems, _ = _read(*values)
    assert problems == [OUT_OF_RANGE, None, OUT_OF_RANGE, None]
    assert times[1] == utc("2023-01-01 00:00:00.123456789") and times[3] == utc("2023-01-01")


def test_a_comma_or_t_after_a_year_last_date_is_read():
    times, problems, _ = _read("13/05/2023, 10:00", "13/05/2023T10:00", "13/05/2023 10:00")
    assert problems == [None] * 3 and times == [utc("2023-05-13 10:00")] * 3


def test_an_unknown_time_zone_is_one_line():
    with pytest.raises(InputError, match=r"^unknown time zone 'Mars/Olympus'; expected an IANA"):
        _read("2023-05-06 10:00", timezone="Mars/Olympus")
