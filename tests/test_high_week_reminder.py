"""The reminder after a high week (bot.domain.pain.high_week_stands): Monday's weekly
summary says "Your pain was high that week ... please see a doctor or physiotherapist", so
the reminder sent a second later offers rest or the gentle routine rather than a cheerful
"Ready?" (tester 8 #2), until a reading below 8 comes in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot import texts
from bot.domain.pain import PainEntry, high_week_days, high_week_stands
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry, add_run
from tests.test_safety import SAFETY, plain

CHEERFUL = "Time for your back stretches"
MONDAY = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)  # Mon 9 Mar, 07:30 in Berlin


def test_the_high_week_rule() -> None:
    monday = date(2026, 3, 9)
    high = [
        PainEntry(datetime(2026, 3, 7, 9, tzinfo=UTC), 9),
        PainEntry(datetime(2026, 3, 8, 1, tzinfo=UTC), 10),
    ]
    assert high_week_stands(high, UTC, monday)
    assert high_week_stands(high, UTC, monday + timedelta(days=1))  # nothing lower since
    lower = PainEntry(datetime(2026, 3, 9, 5, tzinfo=UTC), 3)
    assert not high_week_stands([*high, lower], UTC, monday)
    ordinary = [PainEntry(datetime(2026, 3, 7, 9, tzinfo=UTC), 5), high[1]]
    assert not high_week_stands(ordinary, UTC, monday)  # (5 + 10) / 2 = 7.5: not a high week
    assert not high_week_stands(high, UTC, monday + timedelta(days=7))  # a week on
    # The days it held: resting on them keeps a streak (as the advised rest days do).
    days = high_week_days([*high, lower], UTC, date(2026, 3, 1), date(2026, 3, 20))
    assert days == set()
    days = high_week_days(high, UTC, date(2026, 3, 1), date(2026, 3, 20))
    assert days == {monday + timedelta(days=n) for n in range(7)}


async def test_the_reminder_after_a_high_week_summary_offers_rest_or_gentle(
    harness: BotHarness,
) -> None:
    """Tester 8 #2: 9 on Saturday, 10 on Sunday (29 hours before Monday's reminder, so the
    within-the-last-day rest rule no longer held). The summary's clinician line was
    followed by "🧘 Time for your back stretches... Ready?" with no gentle option."""
    dev, lighter, calm = harness.new_user("Dev"), harness.new_user(), harness.new_user()
    for user in (dev, lighter, calm):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
        await harness.services.pain.give_consent(user.id)
    for user in (dev, lighter):
        await add_entry(harness, user.id, datetime(2026, 3, 7, 9, 0, tzinfo=UTC), 9)
        await add_entry(harness, user.id, MONDAY - timedelta(hours=29), 10)
    await add_entry(harness, lighter.id, MONDAY - timedelta(hours=1), 3)  # Mon 06:30
    await add_entry(harness, calm.id, datetime(2026, 3, 7, 9, 0, tzinfo=UTC), 4)
    harness.clock.set(MONDAY)
    report = await harness.dispatch()
    assert report.summaries_sent == 3 and report.sent == 3

    [summary] = [m for m in harness.server.bot_messages(dev.id) if m.photo]
    assert SAFETY.high_week in plain(summary.caption or "")
    reminder = harness.server.last_bot_message(dev.id)
    text = plain(reminder.text or "")
    assert CHEERFUL not in text, text
    assert text.startswith(f"🩺 {SAFETY.high_week}\nIf your back still feels it, rest"), text
    labels = reminder.button_labels()
    assert labels[0] == texts.START_GENTLE_BUTTON, labels
    assert any("Skip today" in label for label in labels), labels

    for user in (lighter, calm):  # 3 this morning; an ordinary week
        reminder = harness.server.last_bot_message(user.id)
        assert CHEERFUL in (reminder.text or ""), reminder.text
        assert SAFETY.high_week not in (reminder.text or "")


async def test_resting_on_the_monday_after_a_high_week_keeps_the_streak(
    harness: BotHarness,
) -> None:
    """The reminder after a high week says rest (Skip today) or gentle: skipping it is
    advised rest, so the streak goes on (as after a rest day, tester 8 #7)."""
    dev = harness.new_user("Dev")
    await onboard(harness, dev, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await harness.services.pain.give_consent(dev.id)
    await add_entry(harness, dev.id, datetime(2026, 3, 5, 9, 0, tzinfo=UTC), 9)  # Thu
    await add_entry(harness, dev.id, datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 8)  # Fri
    for day in (7, 8):  # routines Saturday and Sunday
        done = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
        await add_run(harness, dev.id, done - timedelta(minutes=5), done)
    harness.clock.set(MONDAY)
    report = await harness.dispatch()
    assert report.sent == 1, [(m.text, m.caption) for m in harness.server.bot_messages(dev.id)]
    text = harness.server.last_bot_message(dev.id).text or ""
    assert text.startswith(f"🩺 {SAFETY.high_week}"), text
    await harness.tap(dev, "Skip today")
    done = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # and one on Tuesday
    await add_run(harness, dev.id, done - timedelta(minutes=5), done)
    harness.clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert await harness.services.pain.current_streak(dev.id) == 3
    await harness.send(dev, "/progress")
    assert "Streak: 3 days" in plain(harness.server.bot_messages(dev.id)[-1].caption or "")
