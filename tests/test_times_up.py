"""The end of a hold is a short new message quoting the card (it notifies; a caption edit
makes no sound), sent once per hold: not again on the next tick, after a restart, or from a
tick that read the hold before another one ended it (tester 8, item 5)."""

from __future__ import annotations

from datetime import timedelta

from bot.handlers.routines import _tick_one, tick_timers
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.test_routines import begin_routine


def times_up(harness: BotHarness, user: SimUser) -> list[str]:
    """New messages (not captions) saying a hold is over."""
    return [
        m.text or ""
        for m in harness.server.bot_messages(user.id)
        if m.text and "Time's up!" in m.text
    ]


async def tick(harness: BotHarness) -> int:
    return await tick_timers(harness.app.bot, harness.services)  # type: ignore[union-attr]


async def holding(harness: BotHarness, user: SimUser) -> int:
    """At the knee-to-chest card (20 s each leg) with its right-leg hold started."""
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")
    await harness.tap(user, "Done")
    card = harness.server.last_bot_message(user.id).message_id
    await harness.double_tap(user, "Start 20 s")  # a double tap starts one hold
    return card


async def test_a_hold_ends_with_one_new_message_quoting_the_card(harness: BotHarness) -> None:
    user = harness.new_user()
    card = await holding(harness, user)
    harness.clock.advance(timedelta(seconds=6))
    await tick(harness)
    assert times_up(harness, user) == []  # the countdown itself stays in the caption
    harness.clock.advance(timedelta(seconds=15))
    await tick(harness)
    caption = harness.server.message(user.id, card).caption or ""
    assert "Time's up!" in caption
    [said] = times_up(harness, user)
    note = harness.server.last_bot_message(user.id)
    assert note.reply_to is not None and note.reply_to["message_id"] == card
    assert "Next: left leg" in said and note.button_labels() == []
    harness.clock.advance(timedelta(seconds=30))
    await tick(harness)
    await harness.restart()
    await tick(harness)
    assert len(times_up(harness, user)) == 1

    await harness.tap(user, "Start 20 s · left leg")
    harness.clock.advance(timedelta(seconds=21))
    await tick(harness)
    assert len(times_up(harness, user)) == 2
    assert "Tap ✅ Done" in times_up(harness, user)[-1]


async def test_a_tick_from_an_older_read_sends_no_second_message(harness: BotHarness) -> None:
    user = harness.new_user()
    await holding(harness, user)
    harness.clock.advance(timedelta(seconds=21))
    [view] = await harness.services.routines.running_timers()
    bot, svc, now = harness.app.bot, harness.services, harness.clock.now()  # type: ignore[union-attr]
    await _tick_one(bot, svc, view, now)
    await _tick_one(bot, svc, view, now)  # read before the first ended the hold
    assert len(times_up(harness, user)) == 1


async def test_a_hold_left_by_done_sends_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await holding(harness, user)
    await harness.tap(user, "Done")  # moved on before the time was up
    harness.clock.advance(timedelta(seconds=21))
    await tick(harness)
    assert times_up(harness, user) == []
