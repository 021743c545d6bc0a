"""The persistent-pain rule: no improvement over 3 weeks, and when the advice is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.pain import PainEntry, no_improvement, no_improvement_began

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 29)


def on(day: date, level: int, hour: int = 9) -> PainEntry:
    return PainEntry(
        at=datetime.combine(day, time(hour), tzinfo=BERLIN).astimezone(UTC), level=level
    )


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("earlier", "recent", "expected"),
    [
        (5, 5, True),  # the same three weeks on
        (5, 6, True),  # worse
        (5, 4.5, True),  # less than a point better: not a real improvement
        (5, 4, False),  # a point better
        (6, 2, False),  # much better
        (2, 2, False),  # mild pain: no reason to send anyone anywhere
        (3, 3, True),
    ],
)
def test_no_improvement_compares_the_first_and_last_week_of_three(
    earlier: int, recent: float, expected: bool
) -> None:
    entries = [on(days_ago(20), earlier), on(days_ago(14), earlier)]
    if recent == int(recent):
        entries += [on(days_ago(3), int(recent)), on(TODAY, int(recent))]
    else:  # two readings that average to a half
        entries += [on(days_ago(3), int(recent)), on(TODAY, int(recent) + 1)]
    assert no_improvement(entries, BERLIN, TODAY) is expected


def test_no_improvement_needs_both_weeks() -> None:
    assert not no_improvement([on(TODAY, 7), on(days_ago(3), 7)], BERLIN, TODAY)
    assert not no_improvement([on(days_ago(20), 7), on(days_ago(8), 7)], BERLIN, TODAY)
    # a reading 13 days ago is in neither week
    assert not no_improvement([on(days_ago(13), 7), on(TODAY, 7)], BERLIN, TODAY)


def test_no_improvement_needs_a_log_three_weeks_long() -> None:
    """The advice says "over the last three weeks": two weeks of daily 7s are not that
    (the playground's case: first reading Sun 13 Dec, the advice on Sun 27 Dec)."""
    two_weeks = [on(days_ago(n), 7) for n in range(14, -1, -1)]  # days 14..0
    assert not no_improvement(two_weeks, BERLIN, TODAY)
    assert not any(no_improvement_began(two_weeks[: i + 1], BERLIN) for i in range(len(two_weeks)))
    three_weeks = [on(days_ago(n), 7) for n in range(20, -1, -1)]
    assert no_improvement(three_weeks, BERLIN, TODAY)
    assert not no_improvement(three_weeks[1:], BERLIN, TODAY)  # from day 19: a day short


def test_the_advice_begins_once_then_waits_for_the_weekly_summary() -> None:
    log = [on(days_ago(21), 6), on(days_ago(10), 6), on(days_ago(1), 6)]
    assert not no_improvement_began(log[:1], BERLIN)  # too early to tell
    assert no_improvement_began(log, BERLIN)  # three weeks, no better: send it
    assert not no_improvement_began([*log, on(TODAY, 6)], BERLIN)  # still true: not again
    assert not no_improvement_began([*log, on(TODAY, 1, hour=8), on(TODAY, 1)], BERLIN)


def test_the_advice_begins_again_after_pain_had_improved() -> None:
    log = [on(days_ago(27), 7), on(days_ago(20), 7), on(days_ago(7), 2)]
    assert not no_improvement(log, BERLIN, days_ago(7))  # better then
    assert no_improvement_began([*log, on(TODAY, 7)], BERLIN)


def test_readings_logged_at_the_same_moment_keep_their_order() -> None:
    base = [on(days_ago(20), 6), on(days_ago(15), 6)]
    # 6 then 5 at the same instant: 5 is the latest; the rule held already with the 6
    assert not no_improvement_began([*base, on(TODAY, 6), on(TODAY, 5)], BERLIN)
    assert no_improvement_began([*base, on(TODAY, 6)], BERLIN)


def test_a_reading_on_the_day_the_rule_began_by_itself_says_nothing_more() -> None:
    """Daily 7s from day 20 on: the rule holds from this morning because the days moved on
    (the weekly summary said it); the reading at 9:00 must not say it a second time."""
    log = [on(days_ago(n), 7) for n in range(20, 0, -1)]
    assert not no_improvement(log, BERLIN, days_ago(1))
    assert no_improvement(log, BERLIN, TODAY)  # it began with the date
    assert not no_improvement_began([*log, on(TODAY, 7)], BERLIN)
