"""Resting on a day the bot advised rest never breaks the streak (tester 8 #7): the
reminder said "rest today (⏭ Skip today)" after a 10/10, the person skipped, and the
Monday summary said "Streak: 0 days" while /progress had said it was kept. /progress, the
weekly summary and a routine's end all count the advised rest day as neutral
(`bot.domain.pain.rest_days`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.pain import PainEntry, rest_days
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry, add_run
from tests.test_program import QUICK, walk
from tests.test_safety import plain

BERLIN_0730 = timedelta(hours=6, minutes=30)  # 07:30 in Berlin, in UTC (winter)


def test_the_rest_day_rule() -> None:
    evening = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)  # Tue
    assert rest_days([], [PainEntry(evening, 10)], UTC) == {date(2026, 3, 3), date(2026, 3, 4)}
    assert rest_days([evening], [], UTC) == {date(2026, 3, 3), date(2026, 3, 4)}
    assert rest_days([], [PainEntry(evening, 7)], UTC) == set()
    midnight = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # over before Wednesday begins
    assert rest_days([], [PainEntry(midnight, 9)], UTC) == {date(2026, 3, 3)}


async def test_skipping_a_rest_today_reminder_keeps_the_streak_everywhere(
    harness: BotHarness,
) -> None:
    ana = harness.new_user("Ana")
    await onboard(harness, ana, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await harness.services.pain.give_consent(ana.id)
    for day in (2, 3):  # routines Monday and Tuesday
        done = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
        await add_run(harness, ana.id, done - timedelta(minutes=5), done)
    await add_entry(harness, ana.id, datetime(2026, 3, 3, 19, 0, tzinfo=UTC), 10)

    harness.clock.set(datetime(2026, 3, 4).replace(tzinfo=UTC) + BERLIN_0730)  # Wed
    assert (await harness.dispatch()).sent == 1
    assert "Your back hurt within the last day" in plain(harness.last_text(ana))
    await harness.tap(ana, "Skip today")

    for day in (5, 6, 7):  # Thursday to Saturday
        done = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
        await add_run(harness, ana.id, done - timedelta(minutes=5), done)
    harness.clock.set(datetime(2026, 3, 8, 10, 0, tzinfo=UTC))  # Sunday's routine
    await walk(harness, ana, QUICK.title)
    assert "Streak: 6 days" in plain(harness.last_text(ana)) or any(
        "Streak: 6 days" in plain(text) for text in harness.bot_texts(ana)[-3:]
    ), harness.bot_texts(ana)[-3:]
    assert await harness.services.pain.current_streak(ana.id) == 6
    await harness.send(ana, "/progress")
    assert "Streak: 6 days" in plain(harness.server.bot_messages(ana.id)[-1].caption or "")

    harness.clock.set(datetime(2026, 3, 9, tzinfo=UTC) + BERLIN_0730)  # Monday's summary
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = [m for m in harness.server.bot_messages(ana.id) if m.photo][-1:]
    assert "Streak: 6 days" in plain(summary.caption or ""), summary.caption
