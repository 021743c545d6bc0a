"""The periodic jobs are wired: the scheduler itself sends reminders and ticks timers.

Other tests run the dispatcher and the timer tick directly; here the real JobQueue runs
them on a short interval while the clock is moved.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import budget_job, dispatch_job
from bot.clock import ManualClock
from bot.handlers.routines import timer_job
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


async def test_jobs_firing_while_the_application_stops_do_nothing(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    """A job can fire between PTB's Application.stop() marking it stopped and the scheduler
    stopping (CI once saw the broadcast-budget job do so on PostgreSQL). It must start no
    task PTB would not await, and log nothing: PTB warns, which the suite turns into an error.
    """
    harness = BotHarness(server, make_settings(server, database_url(tmp_path)), clock)
    await harness.start()
    app = harness.app
    assert app is not None
    await harness.stop()
    assert not app.running
    calls = len(server.calls)
    context = app.context_types.context(application=app)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await dispatch_job(context)
        await budget_job(context)
        await timer_job(context)
    assert [str(w.message) for w in caught] == []
    assert len(server.calls) == calls
