"""Streak rule: completed days count, paused and "It hurts" days are neutral, today never breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.pain import (
    RoutineRun,
    RunOutcome,
    best_streak,
    completed_days,
    current_streak,
    hurt_days,
    local_date,
)

BERLIN = ZoneInfo("Europe/Berlin")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
PAGO_PAGO = ZoneInfo("Pacific/Pago_Pago")  # UTC-11
NEW_YORK = ZoneInfo("America/New_York")

D = date(2024, 3, 4)  # a Monday


def run_at(
    day: date,
    zone: tzinfo,
    hour: int = 8,
    minute: int = 0,
    outcome: RunOutcome = RunOutcome.COMPLETED,
) -> RoutineRun:
    """A ten-minute run that finished at local ``day hour:minute`` in ``zone``."""
    finished = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
    return RoutineRun(finished - timedelta(minutes=10), finished, outcome)


def days(*offsets: int) -> set[date]:
    return {D + timedelta(days=o) for o in offsets}


# --------------------------------------------------------------------------- basics


def test_no_runs_means_no_streak() -> None:
    assert current_streak([], BERLIN, D, set()) == 0
    assert best_streak([], BERLIN, D, set()) == 0


def test_consecutive_completed_days_count() -> None:
    runs = [run_at(D + timedelta(days=i), BERLIN) for i in range(5)]
    today = D + timedelta(days=4)
    assert current_streak(runs, BERLIN, today, set()) == 5
    assert best_streak(runs, BERLIN, today, set()) == 5


def test_several_runs_on_one_day_count_once() -> None:
    runs = [run_at(D, BERLIN, 7), run_at(D, BERLIN, 12), run_at(D, BERLIN, 21)]
    assert current_streak(runs, BERLIN, D, set()) == 1


def test_missed_day_breaks_the_streak() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=2), BERLIN)]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 1
    assert best_streak(runs, BERLIN, D + timedelta(days=2), set()) == 1


@pytest.mark.parametrize("outcome", [RunOutcome.STOPPED, RunOutcome.ABANDONED])
def test_stopped_or_abandoned_day_breaks(outcome: RunOutcome) -> None:
    runs = [
        run_at(D, BERLIN),
        run_at(D + timedelta(days=1), BERLIN, outcome=outcome),
        run_at(D + timedelta(days=2), BERLIN),
    ]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 1


def test_unfinished_run_does_not_count() -> None:
    started = datetime(2024, 3, 4, 8, tzinfo=BERLIN).astimezone(UTC)
    runs = [RoutineRun(started, None, RunOutcome.ABANDONED)]
    assert current_streak(runs, BERLIN, D, set()) == 0


def test_completed_run_without_finish_time_falls_back_to_start() -> None:
    started = datetime(2024, 3, 4, 23, 50, tzinfo=BERLIN).astimezone(UTC)
    assert completed_days([RoutineRun(started, None, RunOutcome.COMPLETED)], BERLIN) == {D}


def test_runs_after_today_are_ignored() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN)]
    assert current_streak(runs, BERLIN, D, set()) == 1
    assert best_streak(runs, BERLIN, D, set()) == 1


def test_best_streak_remembers_an_older_longer_streak() -> None:
    runs = [run_at(D + timedelta(days=i), BERLIN) for i in (0, 1, 2, 3, 5, 6)]
    today = D + timedelta(days=6)
    assert current_streak(runs, BERLIN, today, set()) == 2
    assert best_streak(runs, BERLIN, today, set()) == 4


def test_accepts_one_shot_iterables() -> None:
    runs = [run_at(D + timedelta(days=i), BERLIN) for i in range(3)]
    today = D + timedelta(days=2)
    assert current_streak(iter(runs), BERLIN, today, set()) == 3
    assert best_streak((r for r in runs), BERLIN, today, set()) == 3


# --------------------------------------------------------------------------- today


def test_today_not_yet_done_keeps_yesterdays_streak_alive() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN)]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 2


def test_today_done_extends_the_streak() -> None:
    runs = [run_at(D + timedelta(days=i), BERLIN) for i in range(3)]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 3


def test_streak_ends_once_a_whole_day_is_missed() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN)]
    # D+2 passed with nothing, today is D+3: the streak is over (but it was the best).
    assert current_streak(runs, BERLIN, D + timedelta(days=3), set()) == 0
    assert best_streak(runs, BERLIN, D + timedelta(days=3), set()) == 2


def test_stopped_run_today_does_not_break_yet() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN, outcome=RunOutcome.STOPPED)]
    assert current_streak(runs, BERLIN, D + timedelta(days=1), set()) == 1


# --------------------------------------------------------------------------- neutral days


def test_paused_days_neither_count_nor_break() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=3), BERLIN)]
    paused = days(1, 2)
    today = D + timedelta(days=3)
    assert current_streak(runs, BERLIN, today, paused) == 2
    assert best_streak(runs, BERLIN, today, paused) == 2
    assert current_streak(runs, BERLIN, today, set()) == 1


def test_pause_running_up_to_today_keeps_streak_alive() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN)]
    assert current_streak(runs, BERLIN, D + timedelta(days=10), days(*range(2, 10))) == 2


def test_completed_run_on_a_paused_day_still_counts() -> None:
    runs = [run_at(D + timedelta(days=i), BERLIN) for i in range(3)]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), days(1)) == 3


def test_hurt_day_neither_counts_nor_breaks() -> None:
    runs = [
        run_at(D, BERLIN),
        run_at(D + timedelta(days=1), BERLIN, outcome=RunOutcome.HURT),
        run_at(D + timedelta(days=2), BERLIN),
    ]
    today = D + timedelta(days=2)
    assert hurt_days(runs, BERLIN) == days(1)
    assert current_streak(runs, BERLIN, today, set()) == 2
    assert best_streak(runs, BERLIN, today, set()) == 2


def test_hurt_day_counts_as_neutral_even_with_another_unfinished_attempt() -> None:
    runs = [
        run_at(D, BERLIN),
        run_at(D + timedelta(days=1), BERLIN, 8, outcome=RunOutcome.STOPPED),
        run_at(D + timedelta(days=1), BERLIN, 18, outcome=RunOutcome.HURT),
        run_at(D + timedelta(days=2), BERLIN),
    ]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 2


def test_hurt_yesterday_keeps_streak_alive_today() -> None:
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=1), BERLIN, outcome=RunOutcome.HURT)]
    assert current_streak(runs, BERLIN, D + timedelta(days=2), set()) == 1


def test_neutral_days_input_is_not_mutated() -> None:
    paused = days(1)
    runs = [run_at(D, BERLIN), run_at(D + timedelta(days=2), BERLIN, outcome=RunOutcome.HURT)]
    current_streak(runs, BERLIN, D + timedelta(days=3), paused)
    best_streak(runs, BERLIN, D + timedelta(days=3), paused)
    assert paused == days(1)


# --------------------------------------------------------------------------- time zones


def test_run_at_2330_local_counts_for_that_local_day_in_kiritimati() -> None:
    # 23:30 on 4 Mar in UTC+14 is 09:30 UTC on 4 Mar; 00:30 on 5 Mar is 10:30 UTC on 4 Mar.
    late = run_at(D, KIRITIMATI, 23, 30)
    early_next = run_at(D + timedelta(days=1), KIRITIMATI, 0, 30)
    assert late.ended_at.date() == early_next.ended_at.date() == D
    assert completed_days([late, early_next], KIRITIMATI) == {D, D + timedelta(days=1)}
    assert current_streak([late, early_next], KIRITIMATI, D + timedelta(days=1), set()) == 2


def test_run_at_2330_local_counts_for_that_local_day_in_pago_pago() -> None:
    # 23:30 on 4 Mar in UTC-11 is already 10:30 UTC on 5 Mar.
    late = run_at(D, PAGO_PAGO, 23, 30)
    assert late.ended_at.date() == D + timedelta(days=1)
    assert local_date(late.ended_at, PAGO_PAGO) == D
    runs = [run_at(D - timedelta(days=1), PAGO_PAGO, 9), late]
    assert current_streak(runs, PAGO_PAGO, D, set()) == 2
    # Seen from UTC the same two runs are two days apart and would not be a streak.
    assert current_streak(runs, UTC, D + timedelta(days=1), set()) == 1


def test_same_instants_give_different_streaks_in_different_zones() -> None:
    # Runs at 10:30 UTC on 4 and 5 Mar, then one at 09:00 UTC on 7 Mar.
    base = datetime(2024, 3, 4, 10, 30, tzinfo=UTC)
    instants = [base, base + timedelta(days=1), base + timedelta(days=2, hours=22, minutes=30)]
    runs = [RoutineRun(t - timedelta(minutes=5), t, RunOutcome.COMPLETED) for t in instants]
    # In UTC: 4, 5 and 7 Mar -> the gap on the 6th breaks it.
    assert best_streak(runs, UTC, date(2024, 3, 7), set()) == 2
    # In Kiritimati (+14) they are 00:30 on 5 and 6 Mar and 23:00 on 7 Mar -> unbroken.
    assert best_streak(runs, KIRITIMATI, date(2024, 3, 7), set()) == 3


def test_dst_change_does_not_break_streak() -> None:
    # Clocks go forward on 10 Mar 2024 in New York; 23:30 local still belongs to that day.
    runs = [run_at(date(2024, 3, d), NEW_YORK, 23, 30) for d in (9, 10, 11)]
    assert completed_days(runs, NEW_YORK) == {date(2024, 3, d) for d in (9, 10, 11)}
    assert current_streak(runs, NEW_YORK, date(2024, 3, 12), set()) == 3


# --------------------------------------------------------------------------- properties

ZONES = [BERLIN, KIRITIMATI, PAGO_PAGO, NEW_YORK, UTC, ZoneInfo("Asia/Kolkata")]
HORIZON = 40
TODAY = D + timedelta(days=HORIZON - 1)

run_specs = st.lists(
    st.tuples(
        st.integers(0, HORIZON + 2),  # a few days past "today" too
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from(list(RunOutcome)),
    ),
    max_size=40,
)
neutral_offsets = st.sets(st.integers(0, HORIZON + 2), max_size=15)


def build_runs(specs: list[tuple[int, int, int, RunOutcome]], zone: tzinfo) -> list[RoutineRun]:
    return [run_at(D + timedelta(days=o), zone, h, m, outcome) for o, h, m, outcome in specs]


def oracle_current(runs: list[RoutineRun], zone: tzinfo, today: date, paused: set[date]) -> int:
    """Walk back day by day from today: a literal reading of the rule."""
    counted = completed_days(runs, zone)
    neutral = paused | hurt_days(runs, zone)
    if not any(d <= today for d in counted):
        return 0
    earliest = min(counted)
    streak, day = 0, today
    while day >= earliest:
        if day in counted:
            streak += 1
        elif day != today and day not in neutral:
            break
        day -= timedelta(days=1)
    return streak


def oracle_best(runs: list[RoutineRun], zone: tzinfo, today: date, paused: set[date]) -> int:
    """Best = the longest walk-back starting from any counted day up to today."""
    counted = {d for d in completed_days(runs, zone) if d <= today}
    return max((oracle_current(runs, zone, d, paused) for d in counted), default=0)


@settings(max_examples=200, deadline=None)
@given(specs=run_specs, zone=st.sampled_from(ZONES), paused=neutral_offsets)
def test_streaks_match_a_day_by_day_walk(
    specs: list[tuple[int, int, int, RunOutcome]], zone: tzinfo, paused: set[int]
) -> None:
    runs = build_runs(specs, zone)
    paused_days = {D + timedelta(days=o) for o in paused}
    assert current_streak(runs, zone, TODAY, paused_days) == oracle_current(
        runs, zone, TODAY, paused_days
    )
    assert best_streak(runs, zone, TODAY, paused_days) == oracle_best(
        runs, zone, TODAY, paused_days
    )


@settings(max_examples=200, deadline=None)
@given(specs=run_specs, zone=st.sampled_from(ZONES), paused=neutral_offsets)
def test_streak_never_exceeds_days_with_a_completed_run(
    specs: list[tuple[int, int, int, RunOutcome]], zone: tzinfo, paused: set[int]
) -> None:
    runs = build_runs(specs, zone)
    paused_days = {D + timedelta(days=o) for o in paused}
    done_days = {d for d in completed_days(runs, zone) if d <= TODAY}
    current = current_streak(runs, zone, TODAY, paused_days)
    best = best_streak(runs, zone, TODAY, paused_days)
    assert 0 <= current <= best <= len(done_days)


@settings(max_examples=200, deadline=None)
@given(
    specs=run_specs,
    zone=st.sampled_from(ZONES),
    paused=neutral_offsets,
    extra=st.integers(0, HORIZON + 2),
)
def test_adding_a_neutral_day_never_lowers_a_streak(
    specs: list[tuple[int, int, int, RunOutcome]], zone: tzinfo, paused: set[int], extra: int
) -> None:
    runs = build_runs(specs, zone)
    before = {D + timedelta(days=o) for o in paused}
    after = before | {D + timedelta(days=extra)}
    assert current_streak(runs, zone, TODAY, after) >= current_streak(runs, zone, TODAY, before)
    assert best_streak(runs, zone, TODAY, after) >= best_streak(runs, zone, TODAY, before)


@settings(max_examples=100, deadline=None)
@given(
    specs=run_specs,
    zone=st.sampled_from(ZONES),
    paused=neutral_offsets,
    data=st.data(),
)
def test_run_order_does_not_matter(
    specs: list[tuple[int, int, int, RunOutcome]],
    zone: tzinfo,
    paused: set[int],
    data: st.DataObject,
) -> None:
    runs = build_runs(specs, zone)
    shuffled = data.draw(st.permutations(runs))
    paused_days = {D + timedelta(days=o) for o in paused}
    assert current_streak(shuffled, zone, TODAY, paused_days) == current_streak(
        runs, zone, TODAY, paused_days
    )
    assert best_streak(shuffled, zone, TODAY, paused_days) == best_streak(
        runs, zone, TODAY, paused_days
    )
