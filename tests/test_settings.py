"""/settings through the loopback Bot API: time, zone, weekdays, pause, resume, weekly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from bot.db.models import PausePeriod
from tests.harness.bot import BotHarness, SimUser, onboard


async def test_settings_shows_current_values(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    await harness.send(user, "/settings")
    text = harness.last_text(user)
    assert "07:30" in text and "Europe/Berlin" in text and "every day" in text
    assert "Next reminder: <b>" not in text  # sent as HTML, shown formatted
    assert "Next reminder: Tue 3 Mar, 07:30" in text


async def test_change_time_by_button_and_by_text(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.tap(user, "21:00")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(21, 0)
    await harness.tap(user, "Time")
    await harness.send(user, "99:99")
    assert "couldn't read that as a time" in harness.last_text(user)
    await harness.send(user, "6.45")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(6, 45)
    assert "06:45" in harness.last_text(user)


async def test_change_zone(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="Europe/Berlin")
    await harness.send(user, "/settings")
    await harness.tap(user, "Time zone")
    await harness.send(user, "Narnia")
    assert "don't know that place" in harness.last_text(user)
    await harness.send(user, "Sydney")
    await harness.tap(user, "Yes")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.time_zone == "Australia/Sydney"
    # 07:00 in Sydney (AEDT, UTC+11) on Tue 3 Mar is 20:00 UTC on Mon 2 Mar.
    assert stored.next_due_at == datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


async def test_cannot_switch_off_the_last_day(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Days")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"):
        await harness.tap(user, day)
    await harness.tap(user, "Sun")
    answer = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert "at least one day" in answer["text"]
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.weekdays_mask == 1 << 6


async def test_pause_for_three_days_then_resume(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, "3 days")  # Mon 09:00, after Monday's 07:00: Tue to Thu
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.paused_until == date(2026, 3, 6)
    assert stored.next_due_at == datetime(2026, 3, 6, 7, 0, tzinfo=UTC)
    assert "resume on Fri 6 Mar" in harness.last_text(user)
    sent = []
    for day in (3, 4, 5, 6):
        harness.clock.set(datetime(2026, 3, day, 7, 0, tzinfo=UTC))
        sent.append((await harness.dispatch()).sent)
    assert sent == [0, 0, 0, 1]


async def test_pause_until_resumed(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, "Until I resume")
    assert "Paused until you resume" in harness.last_text(user)
    for day in (3, 4, 5):
        harness.clock.set(datetime(2026, 3, day, 7, 0, tzinfo=UTC))
        assert (await harness.dispatch()).sent == 0
    harness.clock.set(datetime(2026, 3, 6, 6, 0, tzinfo=UTC))
    await harness.tap(user, "Resume")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.paused_indefinitely
    assert stored.next_due_at == datetime(2026, 3, 6, 7, 0, tzinfo=UTC)
    async with harness.services.sessions() as session:
        periods = list(await session.scalars(select(PausePeriod)))
    assert [(p.start_date, p.end_date) for p in periods] == [(date(2026, 3, 2), date(2026, 3, 5))]


async def test_weekly_summary_toggle(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Weekly summary: on")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.weekly_summary and stored.next_weekly_at is None
    await harness.tap(user, "Weekly summary: off")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.weekly_summary and stored.next_weekly_at is not None


async def test_settings_before_start(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/settings")
    assert "/start" in harness.last_text(user)


async def _pause(harness: BotHarness, user: SimUser, choice: str) -> str:
    """/settings → Pause → `choice`; returns the toast."""
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, choice)
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


async def test_pause_after_todays_reminder_skips_the_next_days_reminders(
    harness: BotHarness,
) -> None:
    """Tester 6: "Pause 1 day" at 07:30 after the 07:00 reminder paused nothing (resume and
    next reminder both tomorrow 07:00). A pause of N days tapped after today's reminder
    covers the next N days; its toast names them; the days are really skipped."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="America/New_York")
    harness.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # Tue 07:00 in New York
    assert (await harness.dispatch()).sent == 1
    harness.clock.set(datetime(2026, 3, 3, 12, 30, tzinfo=UTC))  # 07:30
    toast = await _pause(harness, user, "1 day")
    assert toast == "Paused for 1 day: Wed 4 Mar", toast
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.paused_until == date(2026, 3, 5)
    text = harness.last_text(user)
    assert "resume on Thu 5 Mar" in text and "Next reminder: Thu 5 Mar, 07:00" in text, text
    harness.clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # Wed 07:00: paused
    assert (await harness.dispatch()).sent == 0
    harness.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1


async def test_pause_before_todays_reminder_covers_today(harness: BotHarness) -> None:
    """Tapped before today's reminder time, today counts: 1 day skips today's."""
    user = harness.new_user()
    await onboard(harness, user, at="21:00", zone="Europe/Berlin")  # Mon 2 Mar
    harness.clock.set(datetime(2026, 3, 3, 6, 31, tzinfo=UTC))  # Tue 07:31 in Berlin
    toast = await _pause(harness, user, "3 days")
    assert toast == "Paused for 3 days: Tue 3 Mar – Thu 5 Mar", toast
    assert "Next reminder: Fri 6 Mar, 21:00" in harness.last_text(user)
    harness.clock.set(datetime(2026, 3, 3, 20, 0, tzinfo=UTC))  # Tue 21:00
    assert (await harness.dispatch()).sent == 0


async def test_three_day_pause_after_the_reminder_across_the_dst_change(
    harness: BotHarness,
) -> None:
    """Berlin, Sat 28 Mar 15:32 after Saturday's 08:00 reminder: 3 days are Sun 29 (clocks
    go forward) to Tue 31 Mar; reminders resume Wed 1 Apr at 08:00 CEST (06:00 UTC)."""
    user = harness.new_user()
    await onboard(harness, user, at="08:00", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 28, 7, 0, tzinfo=UTC))  # Sat 08:00 CET
    assert (await harness.dispatch()).sent == 1
    harness.clock.set(datetime(2026, 3, 28, 14, 32, tzinfo=UTC))
    toast = await _pause(harness, user, "3 days")
    assert toast == "Paused for 3 days: Sun 29 Mar – Tue 31 Mar", toast
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.paused_until == date(2026, 4, 1)
    assert stored.next_due_at == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    assert "Next reminder: Wed 1 Apr, 08:00" in harness.last_text(user)
