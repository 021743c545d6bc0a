"""Parsing the reminder time a user types."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.timeparse import format_time_of_day, parse_time_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("19:15", time(19, 15)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("7pm", time(19, 0)),
        ("7 pm", time(19, 0)),
        ("7PM", time(19, 0)),
        ("7 p.m.", time(19, 0)),
        ("7am", time(7, 0)),
        ("7 a.m.", time(7, 0)),
        ("7:30pm", time(19, 30)),
        ("7.30 PM", time(19, 30)),
        ("11:59 pm", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45 PM", time(12, 45)),
        ("07.30", time(7, 30)),
        ("0730", time(7, 30)),
        ("730", time(7, 30)),
        ("1915", time(19, 15)),
        ("730pm", time(19, 30)),
        ("7h30", time(7, 30)),
        ("7H30", time(7, 30)),
        ("19h", time(19, 0)),
        ("7", time(7, 0)),
        ("19", time(19, 0)),
        ("0", time(0, 0)),
        ("19:15:00", time(19, 15)),
        ("  7:30  ", time(7, 30)),
        ("\t19H\n", time(19, 0)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_accepts(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25:61",
        "24:00",
        "24",
        "7:60",
        "7:5",
        "13pm",
        "0pm",
        "0am",
        "00:30am",
        "",
        "   ",
        "seven",
        "-1",
        "-7:30",
        "7:30:15",
        "7::30",
        "7:30:",
        "12345",
        "7 30",
        "7pm pm",
        "h30",
        "730h",
        "2400",
        "1260",
        "٧:٣٠",  # Arabic-Indic digits: not half-supported
    ],
)
def test_rejects(text: str) -> None:
    assert parse_time_of_day(text) is None


def test_overlong_input_rejected_without_work() -> None:
    assert parse_time_of_day("7" * 10_000) is None
    assert parse_time_of_day("7:30" + " " * 40) == time(7, 30)


whole_minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@given(whole_minutes)
def test_round_trip_24_hour(value: time) -> None:
    assert parse_time_of_day(value.strftime("%H:%M")) == value
    assert parse_time_of_day(format_time_of_day(value)) == value
    assert parse_time_of_day(value.strftime("%H%M")) == value
    assert parse_time_of_day(value.strftime("%Hh%M")) == value


def twelve_hour(value: time, spacing: str, suffix: tuple[str, str]) -> str:
    """Built by hand: strftime's %p depends on the locale."""
    hour = value.hour % 12 or 12
    meridiem = suffix[0] if value.hour < 12 else suffix[1]
    return f"{hour}:{value.minute:02d}{spacing}{meridiem}"


@given(
    whole_minutes,
    st.sampled_from(["", " "]),
    st.sampled_from([("am", "pm"), ("AM", "PM"), ("a.m.", "p.m.")]),
)
def test_round_trip_12_hour(value: time, spacing: str, suffix: tuple[str, str]) -> None:
    assert parse_time_of_day(twelve_hour(value, spacing, suffix)) == value


@given(st.text(max_size=30))
def test_never_raises(text: str) -> None:
    result = parse_time_of_day(text)
    assert result is None or (result.second == 0 and result.microsecond == 0)


def test_format_time_of_day() -> None:
    assert format_time_of_day(time(7, 5)) == "07:05"
    assert format_time_of_day(time(23, 59, 59)) == "23:59"
