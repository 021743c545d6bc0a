"""The periodic jobs are wired: the scheduler itself sends reminders and ticks timers.

Other tests run the dispatcher and the timer tick directly; here the real JobQueue runs
them on a short interval while the clock is moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings, onboard


async def test_scheduler_sends_reminders_and_ticks_hold_timers(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(
        server, database_url(tmp_path), dispatch_interval_seconds=0.2, timer_tick_seconds=0.2
    )
    harness = BotHarness(server, settings, clock)
    await harness.start()
    try:
        user = harness.new_user()
        await onboard(harness, user, at="07:00", zone="UTC")
        since = len(server.calls)
        clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
        reminder = await server.wait_for_call(
            "sendMessage", lambda c: c.chat_id == user.id, since=since
        )
        assert "Time for your back stretches" in str(reminder.params["text"])

        await harness.tap(user, "Start routine")
        await harness.tap(user, "No thanks")
        await harness.tap(user, "Done")  # to child's pose, which has a hold
        await harness.tap(user, "Start 45 s")
        since = len(server.calls)
        clock.advance(timedelta(seconds=50))
        edit = await server.wait_for_call("editMessageCaption", since=since)
        assert "Time's up!" in str(edit.params["caption"])
    finally:
        await harness.stop()
