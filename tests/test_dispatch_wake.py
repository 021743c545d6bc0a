"""The dispatcher wakes at the next due instant instead of waiting for its 20-s poll."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import WAKE_JOB_NAME, schedule_wake
from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings, onboard


async def test_a_reminder_due_before_the_next_poll_is_sent_at_its_instant(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    settings = make_settings(
        server, database_url(tmp_path), dispatch_interval_seconds=600, dispatch_wake=True
    )
    harness = BotHarness(server, settings, clock)
    await harness.start()
    try:
        user = harness.new_user()
        await onboard(harness, user, at="07:30", zone="UTC")
        stored = await harness.services.preferences.get(user.id)
        assert stored is not None and stored.next_due_at is not None
        assert harness.app is not None and harness.app.job_queue is not None
        jobs = harness.app.job_queue

        clock.set(stored.next_due_at - timedelta(minutes=30))  # after the poll: no wake
        await schedule_wake(harness.app)
        assert jobs.get_jobs_by_name(WAKE_JOB_NAME) == ()

        clock.set(stored.next_due_at - timedelta(milliseconds=100))
        since = len(server.calls)
        await schedule_wake(harness.app)
        assert len(jobs.get_jobs_by_name(WAKE_JOB_NAME)) == 1
        # Nobody calls the dispatcher and the poll is 10 minutes away: the wake sends it.
        clock.set(stored.next_due_at)
        reminder = await server.wait_for_call(
            "sendMessage", lambda c: c.chat_id == user.id, since=since, timeout=30
        )
        assert "Snooze" in str(reminder.params.get("reply_markup"))
    finally:
        await harness.stop()
