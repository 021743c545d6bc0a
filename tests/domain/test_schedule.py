"""Reminder scheduling across time zones and DST changes."""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.domain.schedule import (
    ALL_WEEKDAYS,
    WEEKDAYS_MON_FRI,
    Due,
    local_date_of,
    local_instant,
    local_now,
    next_due,
    next_due_after_date,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")
APIA = ZoneInfo("Pacific/Apia")

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------
# Independent oracles: CPython's zoneinfo follows PEP 495, which for fold=0
# gives exactly our rules (gap -> pre-transition offset, overlap -> first).
# --------------------------------------------------------------------------


def oracle_instant(local_date: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(local_date, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def wall_exists(wall: datetime, zone: tzinfo) -> bool:
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return True
    return False


def has_own_reminder(local_date: date, at: time, zone: tzinfo) -> bool:
    """False only for dates a zone change swallowed (e.g. Apia 2011-12-30)."""
    return local_date_of(oracle_instant(local_date, at, zone), zone) == local_date


# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------

_GEO_ZONES = sorted(
    name
    for name in zoneinfo.available_timezones()
    if name.split("/")[0]
    in {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Pacific"}
)
zones: st.SearchStrategy[tzinfo] = st.one_of(
    st.sampled_from(_GEO_ZONES).map(ZoneInfo),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Pacific/Apia"]).map(ZoneInfo),
    st.integers(-12 * 4, 14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q))),
)
instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2060, 12, 30), timezones=st.just(UTC)
)
local_dates = st.dates(min_value=date(1970, 1, 2), max_value=date(2060, 12, 30))
wall_times = st.one_of(
    st.times(),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
)
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

#: Zones with DST quirks: 30-minute DST (Lord_Howe), midnight switches
#: (Havana, Santiago, Beirut), southern hemisphere, +12:45 (Chatham).
_DST_ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Havana",
    "America/Santiago",
    "Asia/Beirut",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Asia/Tehran",
    "Europe/London",
    "Pacific/Apia",
]


@functools.cache
def transition_days(zone_name: str, year: int) -> tuple[date, ...]:
    """Local dates in ``year`` on which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        start = datetime.combine(day, time()).replace(tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time()).replace(tzinfo=zone)
        if start.utcoffset() != end.utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


@st.composite
def near_transition(draw: st.DrawFn) -> tuple[tzinfo, date]:
    """A DST zone and a local date on (or right next to) one of its changes."""
    for _ in range(5):
        name = draw(st.sampled_from(_DST_ZONES))
        days = transition_days(name, draw(st.integers(1990, 2050)))
        if days:
            day = draw(st.sampled_from(days)) + timedelta(days=draw(st.integers(-1, 1)))
            return ZoneInfo(name), day
    return BERLIN, date(2026, 3, 29)


zone_and_date = st.one_of(st.tuples(zones, local_dates), near_transition())
small_hours = st.builds(time, st.integers(0, 4), st.integers(0, 59))


@st.composite
def _after_near_transition(draw: st.DrawFn) -> tuple[tzinfo, datetime]:
    zone, day = draw(near_transition())
    midnight = datetime.combine(day, time()).replace(tzinfo=zone).astimezone(UTC)
    return zone, midnight + timedelta(minutes=draw(st.integers(-48 * 60, 24 * 60)))


zone_and_after = st.one_of(st.tuples(zones, instants), _after_near_transition())
times_incl_small_hours = st.one_of(wall_times, small_hours)


# --------------------------------------------------------------------------
# local_instant
# --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(zone_date=zone_and_date, at=st.one_of(wall_times, small_hours))
def test_local_instant_matches_pep495_oracle(zone_date: tuple[tzinfo, date], at: time) -> None:
    zone, local_date = zone_date
    assert local_instant(local_date, at, zone) == oracle_instant(local_date, at, zone)


@PROPERTY_SETTINGS
@given(zone_date=zone_and_date, at=st.one_of(wall_times, small_hours))
def test_local_instant_wall_time(zone_date: tuple[tzinfo, date], at: time) -> None:
    zone, local_date = zone_date
    instant = local_instant(local_date, at, zone)
    assert instant.tzinfo is UTC
    wall = datetime.combine(local_date, at)
    seen = instant.astimezone(zone).replace(tzinfo=None)
    if wall_exists(wall, zone):
        event("wall time exists")
        assert seen == wall
        # First occurrence: the fold=1 reading is never earlier.
        assert instant <= wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    else:
        event("wall time in a gap")
        gap = seen - wall
        assert gap > timedelta(0)
        # Shifted by exactly the size of the jump: offset after minus before.
        after_offset = instant.astimezone(zone).utcoffset()
        before_offset = (instant - gap).astimezone(zone).utcoffset()
        assert after_offset is not None and before_offset is not None
        assert gap == after_offset - before_offset


def test_local_instant_berlin_spring_forward_moves_forward_by_gap() -> None:
    instant = local_instant(date(2026, 3, 29), time(2, 30), BERLIN)
    assert instant == utc(2026, 3, 29, 1, 30)
    local = instant.astimezone(BERLIN)
    assert (local.hour, local.minute) == (3, 30)
    assert local.utcoffset() == timedelta(hours=2)


def test_local_instant_berlin_fall_back_uses_first_occurrence() -> None:
    instant = local_instant(date(2026, 10, 25), time(2, 30), BERLIN)
    assert instant == utc(2026, 10, 25, 0, 30)
    local = instant.astimezone(BERLIN)
    assert (local.hour, local.minute) == (2, 30)
    assert local.utcoffset() == timedelta(hours=2)


def test_local_instant_new_york_spring_forward() -> None:
    instant = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert instant == utc(2026, 3, 8, 7, 30)
    local = instant.astimezone(NEW_YORK)
    assert (local.hour, local.minute) == (3, 30)
    assert local.utcoffset() == timedelta(hours=-4)


def test_local_instant_new_york_fall_back_uses_first_occurrence() -> None:
    instant = local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST
    assert instant.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_local_instant_rejects_aware_time() -> None:
    with pytest.raises(ValueError):
        local_instant(date(2026, 1, 1), time(7, tzinfo=UTC), BERLIN)


# --------------------------------------------------------------------------
# next_due properties
# --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(at=times_incl_small_hours, zone_after=zone_and_after, weekdays=weekday_sets)
def test_next_due_properties(
    at: time, zone_after: tuple[tzinfo, datetime], weekdays: frozenset[int]
) -> None:
    zone, after = zone_after
    due = next_due(at, zone, weekdays, after)
    assert due is not None
    assert due.at.tzinfo is UTC
    # Strictly after, on an allowed weekday, labelled with its own local date.
    assert due.at > after
    assert due.local_date.weekday() in weekdays
    assert local_date_of(due.at, zone) == due.local_date
    # Wall time is `at`, or later the same day if `at` fell into a gap.
    wall = datetime.combine(due.local_date, at)
    seen = due.at.astimezone(zone).replace(tzinfo=None)
    if wall_exists(wall, zone):
        assert seen == wall
    else:
        event("due in a gap")
        assert seen > wall
        assert seen.date() == due.local_date
    # No allowed date with a reminder of its own was skipped.
    day = local_date_of(after, zone)
    while day < due.local_date:
        if day.weekday() in weekdays and has_own_reminder(day, at, zone):
            assert oracle_instant(day, at, zone) <= after, day
        day += timedelta(days=1)


@PROPERTY_SETTINGS
@given(at=times_incl_small_hours, zone_after=zone_and_after, weekdays=weekday_sets)
def test_consecutive_dues_are_on_consecutive_allowed_dates(
    at: time, zone_after: tuple[tzinfo, datetime], weekdays: frozenset[int]
) -> None:
    zone, after = zone_after
    first = next_due(at, zone, weekdays, after)
    assert first is not None
    second = next_due(at, zone, weekdays, first.at)
    assert second is not None
    assert second == next_due_after_date(at, zone, weekdays, first.local_date)
    assert second.at > first.at

    expected = first.local_date + timedelta(days=1)
    while not (expected.weekday() in weekdays and has_own_reminder(expected, at, zone)):
        expected += timedelta(days=1)
    assert second.local_date == expected


@PROPERTY_SETTINGS
@given(at=wall_times, zone=zones, weekdays=weekday_sets, day=local_dates)
def test_next_due_after_date_is_on_a_later_date(
    at: time, zone: tzinfo, weekdays: frozenset[int], day: date
) -> None:
    due = next_due_after_date(at, zone, weekdays, day)
    assert due is not None
    assert due.local_date > day
    assert due.local_date - day <= timedelta(days=8)
    assert due.local_date.weekday() in weekdays
    assert local_date_of(due.at, zone) == due.local_date


# --------------------------------------------------------------------------
# next_due examples
# --------------------------------------------------------------------------


def daily_series(zone: tzinfo, at: time, start: datetime, count: int) -> list[Due]:
    dues: list[Due] = []
    after = start
    for _ in range(count):
        due = next_due(at, zone, ALL_WEEKDAYS, after)
        assert due is not None
        dues.append(due)
        after = due.at
    return dues


@pytest.mark.parametrize(
    ("zone", "start", "expected_utc"),
    [
        # Berlin spring forward 2026-03-29: 07:00 CET = 06:00Z, then 07:00 CEST = 05:00Z.
        (
            BERLIN,
            utc(2026, 3, 27, 12),
            [utc(2026, 3, 28, 6), utc(2026, 3, 29, 5), utc(2026, 3, 30, 5)],
        ),
        # Berlin fall back 2026-10-25.
        (
            BERLIN,
            utc(2026, 10, 23, 12),
            [utc(2026, 10, 24, 5), utc(2026, 10, 25, 6), utc(2026, 10, 26, 6)],
        ),
        # New York spring forward 2026-03-08: 07:00 EST = 12:00Z, 07:00 EDT = 11:00Z.
        (
            NEW_YORK,
            utc(2026, 3, 6, 18),
            [utc(2026, 3, 7, 12), utc(2026, 3, 8, 11), utc(2026, 3, 9, 11)],
        ),
        # New York fall back 2026-11-01.
        (
            NEW_YORK,
            utc(2026, 10, 30, 18),
            [utc(2026, 10, 31, 11), utc(2026, 11, 1, 12), utc(2026, 11, 2, 12)],
        ),
    ],
)
def test_daily_seven_am_keeps_local_time_across_dst(
    zone: tzinfo, start: datetime, expected_utc: list[datetime]
) -> None:
    dues = daily_series(zone, time(7, 0), start, len(expected_utc))
    assert [d.at for d in dues] == expected_utc
    for due in dues:
        local = due.at.astimezone(zone)
        assert (local.hour, local.minute) == (7, 0)
        assert local.date() == due.local_date


def test_next_due_on_spring_forward_day_in_gap() -> None:
    due = next_due(time(2, 30), BERLIN, ALL_WEEKDAYS, utc(2026, 3, 28, 12))
    assert due == Due(at=utc(2026, 3, 29, 1, 30), local_date=date(2026, 3, 29))
    nxt = next_due(time(2, 30), BERLIN, ALL_WEEKDAYS, due.at)
    assert nxt == Due(at=utc(2026, 3, 30, 0, 30), local_date=date(2026, 3, 30))


def test_next_due_on_fall_back_day_fires_once() -> None:
    due = next_due(time(2, 30), BERLIN, ALL_WEEKDAYS, utc(2026, 10, 24, 12))
    assert due == Due(at=utc(2026, 10, 25, 0, 30), local_date=date(2026, 10, 25))
    # The second 02:30 (01:30Z) is the same local date: no second reminder.
    nxt = next_due(time(2, 30), BERLIN, ALL_WEEKDAYS, due.at)
    assert nxt == Due(at=utc(2026, 10, 26, 1, 30), local_date=date(2026, 10, 26))


def test_kiritimati_local_date_is_ahead_of_utc_date() -> None:
    # UTC+14: 07:00 on June 10 local is still June 9 in UTC.
    due = next_due(time(7, 0), KIRITIMATI, ALL_WEEKDAYS, utc(2026, 6, 9, 12))
    assert due == Due(at=utc(2026, 6, 9, 17), local_date=date(2026, 6, 10))
    assert due.at.date() == date(2026, 6, 9)


def test_pago_pago_local_date_is_behind_utc_date() -> None:
    # UTC-11: 20:00 on June 10 local is already June 11 in UTC.
    due = next_due(time(20, 0), PAGO_PAGO, ALL_WEEKDAYS, utc(2026, 6, 10, 12))
    assert due == Due(at=utc(2026, 6, 11, 7), local_date=date(2026, 6, 10))
    assert due.at.date() == date(2026, 6, 11)


def test_local_date_differs_from_utc_date_at_both_edges() -> None:
    instant = utc(2026, 6, 9, 12)
    assert local_date_of(instant, KIRITIMATI) == date(2026, 6, 10)
    assert local_date_of(instant, PAGO_PAGO) == date(2026, 6, 9)
    assert local_date_of(utc(2026, 6, 9, 11, 30), PAGO_PAGO) == date(2026, 6, 9)
    assert local_date_of(utc(2026, 6, 9, 10, 59), PAGO_PAGO) == date(2026, 6, 8)
    assert local_now(instant, KIRITIMATI).utcoffset() == timedelta(hours=14)
    assert local_now(instant, KIRITIMATI) == instant


def test_later_today_is_found() -> None:
    # 08:00 Berlin (06:00Z) on Wed 2026-06-10; reminder at 09:00 today.
    due = next_due(time(9, 0), BERLIN, ALL_WEEKDAYS, utc(2026, 6, 10, 6))
    assert due == Due(at=utc(2026, 6, 10, 7), local_date=date(2026, 6, 10))


def test_after_equal_to_todays_instant_gives_tomorrow() -> None:
    today = local_instant(date(2026, 6, 10), time(9, 0), BERLIN)
    due = next_due(time(9, 0), BERLIN, ALL_WEEKDAYS, today)
    assert due == Due(at=today + timedelta(days=1), local_date=date(2026, 6, 11))
    # One microsecond earlier still gives today.
    earlier = next_due(time(9, 0), BERLIN, ALL_WEEKDAYS, today - timedelta(microseconds=1))
    assert earlier is not None and earlier.at == today


def test_weekdays_filter_skips_weekend() -> None:
    friday_evening = utc(2026, 6, 12, 18)  # Fri 20:00 Berlin
    assert date(2026, 6, 12).weekday() == FRI
    due = next_due(time(9, 0), BERLIN, WEEKDAYS_MON_FRI, friday_evening)
    assert due is not None
    assert due.local_date == date(2026, 6, 15)
    assert due.local_date.weekday() == MON


def test_weekdays_filter_single_day() -> None:
    due = next_due(time(18, 0), NEW_YORK, frozenset({SUN}), utc(2026, 6, 10, 12))
    assert due == Due(at=utc(2026, 6, 14, 22), local_date=date(2026, 6, 14))
    after = next_due_after_date(time(18, 0), NEW_YORK, frozenset({SUN}), date(2026, 6, 14))
    assert after == Due(at=utc(2026, 6, 21, 22), local_date=date(2026, 6, 21))


def test_weekday_uses_local_date_not_utc_date() -> None:
    # 2026-06-09 17:00Z is Wed June 10 in Kiritimati but Tuesday in UTC.
    due = next_due(time(7, 0), KIRITIMATI, frozenset({WED}), utc(2026, 6, 9, 12))
    assert due == Due(at=utc(2026, 6, 9, 17), local_date=date(2026, 6, 10))


def test_empty_weekdays_means_no_reminders() -> None:
    assert next_due(time(7, 0), BERLIN, frozenset(), utc(2026, 6, 10)) is None
    assert next_due_after_date(time(7, 0), BERLIN, frozenset(), date(2026, 6, 10)) is None


@pytest.mark.parametrize("bad", [frozenset({7}), frozenset({-1}), frozenset({0, 9})])
def test_invalid_weekdays_rejected(bad: frozenset[int]) -> None:
    with pytest.raises(ValueError):
        next_due(time(7, 0), BERLIN, bad, utc(2026, 6, 10))


def test_naive_after_rejected() -> None:
    with pytest.raises(ValueError):
        next_due(time(7, 0), BERLIN, ALL_WEEKDAYS, datetime(2026, 6, 10))


def test_swallowed_date_gets_no_duplicate_reminder() -> None:
    # Samoa skipped 2011-12-30 entirely (UTC-10 -> UTC+14 at midnight).
    after = utc(2011, 12, 29, 19)  # 09:00 on Dec 29 local, reminder was at 07:00
    due = next_due(time(7, 0), APIA, ALL_WEEKDAYS, after)
    assert due == Due(at=utc(2011, 12, 30, 17), local_date=date(2011, 12, 31))
    assert next_due_after_date(time(7, 0), APIA, ALL_WEEKDAYS, date(2011, 12, 29)) == due


def test_fixed_offset_zone() -> None:
    zone = timezone(timedelta(hours=5, minutes=30))
    due = next_due(time(7, 0), zone, ALL_WEEKDAYS, utc(2026, 6, 10, 12))
    assert due == Due(at=utc(2026, 6, 11, 1, 30), local_date=date(2026, 6, 11))
