"""Pain rules: validation, red flags, weekly figures, routine changes, bad-day mode, summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pain import (
    PAIN_AREAS,
    PainContext,
    PainEntry,
    ProgressSummary,
    RoutineRun,
    RunOutcome,
    WeekComparison,
    average_routine_change,
    daily_averages,
    is_bad_day,
    local_day_start,
    needs_red_flag_guidance,
    rest_advice_since,
    rest_advised,
    rose_in_routine,
    routine_pairs,
    routines_done,
    summarize,
    validate_level,
    week_average,
    week_comparison,
    week_days_logged,
    week_start_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")

MONDAY = date(2024, 11, 4)


def at(day: date, hour: int = 9, minute: int = 0, zone: tzinfo = BERLIN) -> datetime:
    """Aware UTC instant for a local wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def checkin(day: date, level: int, hour: int = 9, zone: tzinfo = BERLIN) -> PainEntry:
    return PainEntry(at(day, hour, zone=zone), level)


def pair(day: date, run_id: int, before: int, after: int, hour: int = 18) -> list[PainEntry]:
    return [
        PainEntry(at(day, hour), before, PainContext.BEFORE, run_id),
        PainEntry(at(day, hour, 20), after, PainContext.AFTER, run_id),
    ]


def completed(day: date, hour: int = 18, zone: tzinfo = BERLIN) -> RoutineRun:
    return RoutineRun(at(day, hour, zone=zone), at(day, hour, 20, zone=zone), RunOutcome.COMPLETED)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), (10, 10), (7, 7), ("7", 7), (" 3 ", 3)])
def test_validate_level_accepts_whole_numbers_0_to_10(raw: object, expected: int) -> None:
    assert validate_level(raw) == expected


@pytest.mark.parametrize("raw", [-1, 11, 100, "11", "-1", "x", "", "7.0", 7.5, 7.0, True, None])
def test_validate_level_rejects_everything_else(raw: object) -> None:
    with pytest.raises(ValueError):
        validate_level(raw)


@given(st.integers())
def test_validate_level_accepts_exactly_the_range(x: int) -> None:
    if 0 <= x <= 10:
        assert validate_level(x) == x
        assert validate_level(str(x)) == x
    else:
        with pytest.raises(ValueError):
            validate_level(x)


def test_pain_entry_validates_its_fields() -> None:
    now = datetime(2024, 11, 4, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        PainEntry(now, 11)
    with pytest.raises(ValueError):
        PainEntry(datetime(2024, 11, 4, 8), 5)  # naive
    with pytest.raises(ValueError):
        PainEntry(now, 5, area="knee")
    for area in PAIN_AREAS:
        assert PainEntry(now, 5, area=area).area == area
    entry = PainEntry(now, 5)
    assert (entry.context, entry.routine_run_id, entry.area) == (PainContext.CHECKIN, None, None)


def test_routine_run_rejects_naive_datetimes() -> None:
    aware = datetime(2024, 11, 4, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        RoutineRun(datetime(2024, 11, 4, 8), None, RunOutcome.ABANDONED)
    with pytest.raises(ValueError):
        RoutineRun(aware, datetime(2024, 11, 4, 9), RunOutcome.COMPLETED)


def test_enums_are_their_stored_strings() -> None:
    assert [c.value for c in PainContext] == ["checkin", "before", "after"]
    assert [o.value for o in RunOutcome] == ["completed", "stopped", "hurt", "abandoned"]
    assert PainContext("after") is PainContext.AFTER
    assert RunOutcome("hurt") == "hurt"


# --------------------------------------------------------------------------- red flags


@pytest.mark.parametrize(
    ("level", "before", "expected"),
    [
        (8, None, True),
        (10, None, True),
        (7, None, False),
        (0, None, False),
        (5, 2, True),  # rose by 3
        (4, 2, False),  # rose by 2
        (8, 9, True),  # fell, but still 8+
        (3, 9, False),
        (7, 4, True),
    ],
)
def test_red_flag_rule(level: int, before: int | None, expected: bool) -> None:
    assert needs_red_flag_guidance(level, before) is expected


def test_red_flag_rejects_invalid_levels() -> None:
    with pytest.raises(ValueError):
        needs_red_flag_guidance(11)
    with pytest.raises(ValueError):
        needs_red_flag_guidance(5, before=-1)


@given(st.integers(0, 10), st.one_of(st.none(), st.integers(0, 10)))
def test_red_flag_matches_its_definition(level: int, before: int | None) -> None:
    rose_by_3 = before is not None and level - before >= 3
    assert needs_red_flag_guidance(level, before) is (level >= 8 or rose_by_3)


# --------------------------------------------------------------------------- weekly figures


def test_week_start_of_is_monday() -> None:
    assert week_start_of(date(2024, 11, 10)) == MONDAY  # Sunday
    assert week_start_of(MONDAY) == MONDAY
    assert week_start_of(date(2024, 11, 11)) == date(2024, 11, 11)


def test_week_average_averages_per_day_first() -> None:
    entries = [checkin(MONDAY, 2, 8), checkin(MONDAY, 4, 20), checkin(MONDAY + timedelta(1), 8)]
    # Monday's mean is 3, Tuesday's is 8 -> 5.5 (a plain mean of readings would be 4.67).
    assert week_average(entries, BERLIN, MONDAY) == pytest.approx(5.5)


def test_week_days_logged_counts_the_days_the_average_is_over() -> None:
    """Tester 6's week: 4, 3, 3, 5 on one day and 9 on another average 6.4 over 2 days
    (their plain mean is 4.8); the summary names the 2 days."""
    tuesday = MONDAY + timedelta(1)
    entries = [
        *(checkin(MONDAY, level, 8 + n) for n, level in enumerate((4, 3, 3, 5))),
        checkin(tuesday, 9),
        checkin(MONDAY - timedelta(1), 1),  # the week before
        checkin(MONDAY + timedelta(7), 1),  # the week after
    ]
    assert week_average(entries, BERLIN, MONDAY) == pytest.approx(6.375)
    assert week_days_logged(entries, BERLIN, MONDAY) == 2
    assert week_days_logged([], BERLIN, MONDAY) == 0


def test_week_average_is_none_for_an_empty_week() -> None:
    assert week_average([], BERLIN, MONDAY) is None
    assert week_average([checkin(MONDAY - timedelta(1), 5)], BERLIN, MONDAY) is None


def test_week_average_requires_a_monday() -> None:
    with pytest.raises(ValueError):
        week_average([], BERLIN, MONDAY + timedelta(days=1))


def test_week_boundary_follows_local_time() -> None:
    # Sunday 23:30 in Pago Pago (-11) is Monday 10:30 UTC: it belongs to the week before.
    sunday_night = PainEntry(at(MONDAY - timedelta(1), 23, 30, PAGO_PAGO), 6)
    assert sunday_night.at.date() == MONDAY
    assert week_average([sunday_night], PAGO_PAGO, MONDAY) is None
    assert week_average([sunday_night], PAGO_PAGO, MONDAY - timedelta(7)) == 6
    # Monday 00:30 in Kiritimati (+14) is Sunday 10:30 UTC: it belongs to the new week.
    monday_early = PainEntry(at(MONDAY, 0, 30, KIRITIMATI), 4)
    assert monday_early.at.date() == MONDAY - timedelta(1)
    assert week_average([monday_early], KIRITIMATI, MONDAY) == 4


def test_this_week_vs_last_week() -> None:
    today = MONDAY + timedelta(days=9)  # Wednesday of the next week
    entries = [checkin(MONDAY, 6), checkin(MONDAY + timedelta(3), 6), checkin(today, 4)]
    weeks = week_comparison(entries, BERLIN, today)
    assert weeks == WeekComparison(this_week_avg=4, last_week_avg=6)
    assert weeks.change == -2
    assert WeekComparison(None, 3.0).change is None


def test_routine_pairs_and_average_change() -> None:
    entries = [
        *pair(MONDAY, 1, before=6, after=4),
        *pair(MONDAY + timedelta(1), 2, before=3, after=4),
        PainEntry(at(MONDAY, 7), 5, PainContext.BEFORE, 3),  # never finished
        PainEntry(at(MONDAY, 9), 1, PainContext.AFTER, 4),  # no before
        checkin(MONDAY, 9),
    ]
    assert [p.routine_run_id for p in routine_pairs(entries)] == [1, 2]
    assert [p.change for p in routine_pairs(entries)] == [-2, 1]
    assert average_routine_change(entries) == pytest.approx(-0.5)


def test_latest_reading_wins_when_a_side_was_logged_twice() -> None:
    entries = [
        *pair(MONDAY, 1, before=6, after=4),
        PainEntry(at(MONDAY, 19), 2, PainContext.AFTER, 1),  # corrected after
    ]
    assert average_routine_change(entries) == -4


def test_average_change_is_none_without_pairs() -> None:
    assert average_routine_change([]) is None
    assert average_routine_change([checkin(MONDAY, 5)]) is None


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), max_size=20))
def test_average_change_stays_within_the_scale(levels: list[tuple[int, int]]) -> None:
    entries = [e for i, (b, a) in enumerate(levels) for e in pair(MONDAY, i, b, a)]
    change = average_routine_change(entries)
    if levels:
        assert change is not None
        assert -10 <= change <= 10
        assert change == pytest.approx(sum(a - b for b, a in levels) / len(levels))
    else:
        assert change is None


def test_routines_done_counts_completed_runs_since() -> None:
    runs = [
        completed(MONDAY),
        completed(MONDAY + timedelta(1)),
        RoutineRun(at(MONDAY, 8), at(MONDAY, 8, 5), RunOutcome.STOPPED),
        RoutineRun(at(MONDAY, 8), at(MONDAY, 8, 5), RunOutcome.HURT),
        RoutineRun(at(MONDAY, 8), None, RunOutcome.ABANDONED),
    ]
    assert routines_done(runs, at(MONDAY, 0)) == 2
    assert routines_done(runs, at(MONDAY, 18, 20)) == 2  # inclusive
    assert routines_done(runs, at(MONDAY, 18, 21)) == 1
    with pytest.raises(ValueError):
        routines_done(runs, datetime(2024, 11, 4))


def test_local_day_start_and_daily_averages() -> None:
    assert local_day_start(MONDAY, KIRITIMATI) == datetime(2024, 11, 3, 10, tzinfo=UTC)
    assert local_day_start(MONDAY, PAGO_PAGO) == datetime(2024, 11, 4, 11, tzinfo=UTC)
    entries = [checkin(MONDAY, 2), checkin(MONDAY, 5, 21), checkin(MONDAY + timedelta(1), 7)]
    assert daily_averages(entries, BERLIN) == {MONDAY: 3.5, MONDAY + timedelta(1): 7}


# --------------------------------------------------------------------------- bad-day mode

TODAY = date(2024, 11, 14)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_no_entries_is_not_a_bad_day() -> None:
    assert is_bad_day([], BERLIN, TODAY) is False


@pytest.mark.parametrize(("level", "expected"), [(6, False), (7, True), (10, True)])
def test_latest_reading_today_of_7_or_more_is_a_bad_day(level: int, expected: bool) -> None:
    assert is_bad_day([checkin(TODAY, level)], BERLIN, TODAY) is expected


def test_only_the_latest_reading_today_matters_for_the_threshold() -> None:
    eased = [checkin(TODAY, 8, 7), checkin(TODAY, 4, 12)]
    assert is_bad_day(eased, BERLIN, TODAY) is False
    worsened = [checkin(TODAY, 3, 7), checkin(TODAY, 7, 12)]
    assert is_bad_day(worsened, BERLIN, TODAY) is True


def test_readings_at_the_same_moment_count_the_higher_one() -> None:
    same_time = [checkin(TODAY, 3, 12), checkin(TODAY, 7, 12)]
    assert is_bad_day(same_time, BERLIN, TODAY) is True
    assert is_bad_day(same_time[::-1], BERLIN, TODAY) is True


def test_after_routine_reading_counts_as_latest_too() -> None:
    entries = [checkin(TODAY, 4, 7), PainEntry(at(TODAY, 19), 8, PainContext.AFTER, 1)]
    assert is_bad_day(entries, BERLIN, TODAY) is True


def test_high_reading_yesterday_alone_is_not_a_bad_day_today() -> None:
    assert is_bad_day([checkin(days_ago(1), 9)], BERLIN, TODAY) is False


def test_today_is_the_local_day() -> None:
    # 23:30 local in Pago Pago is tomorrow in UTC, but it is still "today" for the user.
    late = PainEntry(at(TODAY, 23, 30, PAGO_PAGO), 8)
    assert late.at.date() == TODAY + timedelta(days=1)
    assert is_bad_day([late], PAGO_PAGO, TODAY) is True
    assert is_bad_day([late], UTC, TODAY) is False


def test_three_day_average_rising_by_2_is_a_bad_day() -> None:
    previous = [checkin(days_ago(n), 3) for n in (3, 4, 5)]
    recent = [checkin(days_ago(2), 5), checkin(days_ago(1), 5), checkin(TODAY, 5)]
    assert is_bad_day(previous + recent, BERLIN, TODAY) is True  # rose by exactly 2


def test_three_day_average_rising_by_less_than_2_is_not() -> None:
    previous = [checkin(days_ago(n), 3) for n in (3, 4, 5)]
    recent = [checkin(days_ago(2), 5), checkin(days_ago(1), 5), checkin(TODAY, 4)]
    assert is_bad_day(previous + recent, BERLIN, TODAY) is False  # rose by 1.67


def test_trend_uses_days_with_entries_and_daily_means() -> None:
    # Previous window: only one day logged, mean 2. Recent: two readings yesterday (mean 4.5).
    entries = [checkin(days_ago(4), 2), checkin(days_ago(1), 3, 8), checkin(days_ago(1), 6, 20)]
    assert is_bad_day(entries, BERLIN, TODAY) is True
    # Per day the recent window is mean(3, 4.5) = 3.75, a rise of 1.75; averaging the
    # readings themselves would give mean(3, 3, 6) = 4, a rise of 2.
    entries.append(checkin(days_ago(2), 3))
    assert is_bad_day(entries, BERLIN, TODAY) is False


def test_trend_needs_both_windows() -> None:
    assert is_bad_day([checkin(days_ago(1), 6)], BERLIN, TODAY) is False
    assert is_bad_day([checkin(days_ago(4), 1)], BERLIN, TODAY) is False
    # Readings older than six days are outside both windows.
    assert is_bad_day([checkin(days_ago(6), 0), checkin(days_ago(1), 6)], BERLIN, TODAY) is False


def test_future_entries_do_not_trigger_bad_day() -> None:
    entries = [checkin(TODAY + timedelta(days=1), 9), checkin(days_ago(4), 1)]
    assert is_bad_day(entries, BERLIN, TODAY) is False


entry_specs = st.lists(
    st.tuples(st.integers(0, 8), st.integers(0, 23), st.integers(0, 10)), max_size=25
)


@settings(max_examples=150, deadline=None)
@given(specs=entry_specs, level=st.integers(7, 10))
def test_a_latest_reading_of_7_plus_today_always_means_bad_day(
    specs: list[tuple[int, int, int]], level: int
) -> None:
    entries = [checkin(days_ago(n), lvl, hour) for n, hour, lvl in specs]
    latest = PainEntry(at(TODAY, 23, 59), level)
    assert is_bad_day([*entries, latest], BERLIN, TODAY) is True


@settings(max_examples=150, deadline=None)
@given(specs=entry_specs)
def test_bad_day_ignores_entry_order(specs: list[tuple[int, int, int]]) -> None:
    entries = [checkin(days_ago(n), lvl, hour) for n, hour, lvl in specs]
    assert is_bad_day(entries, BERLIN, TODAY) is is_bad_day(entries[::-1], BERLIN, TODAY)


# --------------------------------------------------------------------------- summary


def test_summarize_collects_every_figure() -> None:
    today = date(2024, 11, 14)  # Thursday; this week starts Mon 11 Nov
    entries = [
        checkin(date(2024, 11, 4), 6),  # last week
        checkin(date(2024, 11, 8), 8),  # last week
        checkin(date(2024, 11, 12), 4),  # this week
        *pair(date(2024, 11, 13), 1, before=5, after=3),  # this week, day mean 4
        *pair(date(2024, 10, 10), 2, before=2, after=9),  # older than 30 days
        checkin(date(2024, 10, 16), 5),  # first of the 30 days
        checkin(date(2024, 10, 15), 5),  # just outside
        checkin(date(2024, 11, 15), 9),  # tomorrow: ignored
    ]
    runs = [
        completed(date(2024, 10, 10)),
        completed(date(2024, 11, 11)),
        completed(date(2024, 11, 13)),
        RoutineRun(at(date(2024, 11, 12), 8), at(date(2024, 11, 12), 8, 5), RunOutcome.HURT),
        completed(date(2024, 11, 15)),  # tomorrow: ignored
    ]
    summary = summarize(entries, runs, BERLIN, today, neutral_days=set())
    assert summary == ProgressSummary(
        this_week_avg=4.0,
        last_week_avg=7.0,
        avg_change=-2.0,
        routines_done_30d=2,
        current_streak=2,
        best_streak=2,
        entries_30d=6,
        this_week_days=2,  # Tue 12 and Wed 13 Nov
    )
    assert summary.week_change == -3.0


def test_summarize_empty() -> None:
    summary = summarize([], [], BERLIN, TODAY, set())
    assert summary == ProgressSummary(None, None, None, 0, 0, 0, 0)
    assert summary.week_change is None


def test_summarize_passes_pauses_to_streaks() -> None:
    runs = [completed(days_ago(3)), completed(days_ago(1))]
    assert summarize([], runs, BERLIN, TODAY, set()).current_streak == 1
    paused = summarize([], runs, BERLIN, TODAY, {days_ago(2)})
    assert (paused.current_streak, paused.best_streak) == (2, 2)


# --- advised-rest rule ---------------------------------------------------------------------


def test_rest_advice_stands_for_a_day_and_to_the_end_of_its_local_day() -> None:
    evening = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # Mon 21:00 in Berlin: "It hurts"
    next_morning = datetime(2026, 3, 3, 6, 30, tzinfo=UTC)
    assert rest_advised([evening], [], next_morning, BERLIN)
    assert rest_advised([evening], [], evening + timedelta(hours=23, minutes=59), BERLIN)
    assert not rest_advised([evening], [], evening + timedelta(days=1), BERLIN)  # a day on
    assert not rest_advised([next_morning], [], evening, BERLIN)  # not yet happened
    # A reading of 8 advises rest alike; a 7 does not (that is the bad-day rule's).
    assert rest_advised([], [PainEntry(evening, 8)], next_morning, BERLIN)
    assert not rest_advised([], [PainEntry(evening, 7)], next_morning, BERLIN)


def test_rest_advice_since_keeps_the_whole_local_day_on_a_25_hour_day() -> None:
    # Sun 25 Oct 2026 in Berlin has 25 hours: at 23:30 the day began 24.5 hours ago.
    late = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)
    day_start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert rest_advice_since(late, BERLIN) == day_start
    noon = datetime(2026, 10, 25, 11, 0, tzinfo=UTC)
    assert rest_advice_since(noon, BERLIN) == noon - timedelta(days=1)


def test_a_rise_of_three_within_one_routine_advises_rest() -> None:
    """`rest_advised` counts a routine's after-reading 3+ above its own before-reading (and
    not a rise across two routines, nor one whose before-reading is not in the entries)."""
    zone = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    at = now - timedelta(hours=1)

    def reading(level: int, context: PainContext, run: int) -> PainEntry:
        return PainEntry(at=at, level=level, context=context, routine_run_id=run)

    rose = [reading(1, PainContext.BEFORE, 1), reading(4, PainContext.AFTER, 1)]
    assert rose_in_routine(rose) == [rose[1]]
    assert rest_advised([], rose, now, zone)
    two = [reading(1, PainContext.BEFORE, 1), reading(3, PainContext.AFTER, 1)]
    assert not rest_advised([], two, now, zone)
    across = [reading(1, PainContext.BEFORE, 1), reading(5, PainContext.AFTER, 2)]
    assert not rest_advised([], across, now, zone)
    assert not rest_advised([], [rose[1]], now, zone)  # its before-reading not seen
    assert not rest_advised([], rose, now + timedelta(days=2), zone)  # over after 24 h
