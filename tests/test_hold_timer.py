"""Hold timers: the countdown moves on and finishes; its edits answer a user who just acted,
so they never queue behind the reminder broadcast, and still keep to the token's overall
window.

The real `Application` on the loopback Bot API with a real database; a broadcast budget of
2 messages/s builds a backlog of reminders in the bot's own `PriorityRateLimiter`, and the
assertions are about the order in which requests reached the Bot API (counts, not times).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from telegram.ext import ExtBot

from bot.botapi.ratelimit import PriorityRateLimiter, broadcast, interactive
from bot.clock import ManualClock
from bot.db.models import ALL_WEEKDAYS_MASK, User
from bot.handlers.routines import TIMER_EDIT_EVERY_SECONDS, tick_timers
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings, onboard
from tests.test_ratelimit import ArrivalTimes, most_in_any_window
from tests.test_routines import begin_routine

REMINDERS = 16


@pytest.fixture
async def slow_broadcast(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    """A bot whose broadcast may use 2 messages/s: a backlog builds up at once."""
    settings = make_settings(server, database_url(tmp_path), broadcast_per_second=2)
    bot = BotHarness(server, settings, clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def test_a_countdown_edit_is_not_queued_behind_the_reminder_backlog(
    slow_broadcast: BotHarness,
) -> None:
    harness, server = slow_broadcast, slow_broadcast.server
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")
    await harness.tap(user, "Done")
    card = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Start 20 s")

    due = harness.clock.now() - timedelta(minutes=1)
    others = [server.add_user(first_name=f"R{i}") for i in range(REMINDERS)]
    async with harness.services.sessions() as session, session.begin():
        await session.execute(
            insert(User),
            [
                {
                    "id": other.id,
                    "chat_id": other.id,
                    "created_at": due - timedelta(days=30),
                    "reminder_time": due.time(),
                    "time_zone": "UTC",
                    "weekdays_mask": ALL_WEEKDAYS_MASK,
                    "subscribed": True,
                    "onboarded": True,
                    "paused_indefinitely": False,
                    "next_due_at": due,
                    "next_due_date": due.date(),
                    "weekly_summary": False,
                }
                for other in others
            ],
        )
    reminder_chats = {other.id for other in others}

    def reminders_sent() -> int:
        return sum(1 for c in server.calls_to("sendMessage") if c.chat_id in reminder_chats)

    dispatch = asyncio.ensure_future(harness.dispatch())
    try:
        # The first two reminders used the budget; the dispatcher's other sends in flight
        # wait in the limiter.
        await server.wait_for_call(
            "sendMessage", lambda c: reminders_sent() >= 2, timeout=20, completed=False
        )
        before = reminders_sent()
        harness.clock.advance(timedelta(seconds=6))
        assert await tick_timers(harness.app.bot, harness.services) == 1  # type: ignore[union-attr]
        # As a broadcast it waited behind the (up to 8) queued reminders; now it goes first.
        assert reminders_sent() - before <= 1, (before, reminders_sent())
        assert not dispatch.done(), "the backlog was gone before the edit: nothing was shown"
        assert "14 s left" in (server.message(user.id, card).caption or "")
        report = await asyncio.wait_for(dispatch, timeout=60)
    finally:
        if not dispatch.done():
            dispatch.cancel()
            await asyncio.gather(dispatch, return_exceptions=True)
    assert report.sent == REMINDERS and reminders_sent() == REMINDERS


async def test_paced_replies_go_ahead_of_the_broadcast_within_the_window(
    server: LoopbackBotAPI,
) -> None:
    """Paced interactive requests (the timer's edits) take the next free room in the window
    before queued broadcasts, and never put more than the limit into any window."""
    timed = ArrivalTimes()
    server.calls = timed
    bot: ExtBot[None] = ExtBot(
        server.token,
        base_url=server.api_base_url,
        rate_limiter=PriorityRateLimiter(overall_limit=3),
    )
    people = [server.add_user(first_name=f"P{i}") for i in range(9)]
    tappers = [server.add_user(first_name=f"T{i}") for i in range(3)]
    async with bot:
        with broadcast():
            sends = [asyncio.ensure_future(bot.send_message(u.id, "Reminder")) for u in people]
        await server.wait_for_call("sendMessage", lambda c: len(timed) >= 3, completed=False)
        with interactive(paced=True):
            edits = [asyncio.ensure_future(bot.send_message(u.id, "⏱ 40 s left")) for u in tappers]
        await asyncio.gather(*sends, *edits)
    order = [c.chat_id for c in server.calls_to("sendMessage")]
    tapper_ids = {u.id for u in tappers}
    positions = [i for i, chat in enumerate(order) if chat in tapper_ids]
    assert len(order) == 12 and len(positions) == 3
    # Right after the first window's three reminders (one more may have had its room
    # already), not after the six queued ones.
    assert max(positions) <= 6, order
    assert most_in_any_window(timed.arrivals("sendMessage")) <= 3


async def test_a_hold_counts_down_every_few_seconds_and_finishes(harness: BotHarness) -> None:
    """The tester's "45 s left, unchanged 3 s later": the job ticks every second
    (`TIMER_TICK_SECONDS`) and edits a countdown at most every 5 s
    (`TIMER_EDIT_EVERY_SECONDS`), so a card shows the same number for up to 5 s, then moves
    on, down to "Time's up!". Walked here second by second with the injected clock."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")  # cat-cow (repetitions) → child's pose (a 45-s hold)
    card = harness.server.last_bot_message(user.id).message_id
    label = next(b for b in harness.server.message(user.id, card).button_labels() if "Start" in b)
    hold = int(re.search(r"Start (\d+) s", label).group(1))  # type: ignore[union-attr]
    await harness.tap(user, "Start")

    def left() -> int | None:
        caption = harness.server.message(user.id, card).caption or ""
        if "Time's up!" in caption:
            return None
        found = re.search(r"(\d+) s left", caption)
        assert found, caption
        return int(found.group(1))

    shown = [left()]
    assert shown == [hold]
    unchanged = 0
    for _ in range(hold + 1):
        harness.clock.advance(timedelta(seconds=1))
        await tick_timers(harness.app.bot, harness.services)  # type: ignore[union-attr]
        now_left = left()
        unchanged = unchanged + 1 if now_left == shown[-1] else 0
        assert unchanged < TIMER_EDIT_EVERY_SECONDS, shown
        shown.append(now_left)
        if now_left is None:
            break
    assert shown[-1] is None, shown  # finished
    counted = [s for s in shown if s is not None]
    assert counted == sorted(counted, reverse=True) and len(set(counted)) >= hold // 5, shown
