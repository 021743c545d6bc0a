"""Typed text at a message that only takes taps names its buttons and changes nothing.

No question is open at these messages (a reminder, the "How was it?" rating, the settings
menus, the routine picker ...), so the text used to get the general "I'm not sure what to
do with that" (tester 6, #6). Now the reply quotes the message with the buttons and names
every one of them, or, when the typed words name one button ("snooze", "skip"), that one,
without pressing it. Real Application, loopback Bot API, real SQLite.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot import texts
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.snapshot import snapshot
from tests.test_routines import CONTENT, begin_routine, tap_level


async def reminder(harness: BotHarness, user: SimUser) -> None:
    harness.clock.advance(timedelta(days=1))
    report = await harness.dispatch()
    assert report.sent == 1
    assert "Snooze" in " ".join(harness.server.last_bot_message(user.id).button_labels())


async def settings(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/settings")


async def pause_menu(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")


async def days(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/settings")
    await harness.tap(user, "Days")


async def reminder_routine(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/settings")
    await harness.tap(user, texts.SETTINGS_REMINDER_ROUTINE_BUTTON)


async def picker(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/stretch")


async def feedback(harness: BotHarness, user: SimUser) -> None:
    routine = CONTENT.gentle_routine
    await begin_routine(harness, user, routine.title, before=4)
    for _ in routine.steps(CONTENT):
        harness.clock.advance(timedelta(seconds=40))
        await harness.tap(user, "Done")
    await tap_level(harness, user, 3)
    assert texts.FEEDBACK_QUESTION in harness.last_text(user)


Scene = Callable[[BotHarness, SimUser], Awaitable[None]]
SCENES: dict[str, Scene] = {
    "reminder": reminder,
    "settings": settings,
    "pause menu": pause_menu,
    "days": days,
    "reminder routine": reminder_routine,
    "routine picker": picker,
    "how was it": feedback,
}


def with_buttons(harness: BotHarness, user: SimUser) -> SimMessage:
    for message in reversed(harness.server.bot_messages(user.id)):
        if message.button_labels():
            return message
    raise AssertionError("no message with buttons")


@pytest.mark.parametrize("typed", ["it was fine", "2 days", "maybe later"])
@pytest.mark.parametrize("scene", list(SCENES))
async def test_typed_text_names_the_buttons_and_changes_nothing(
    harness: BotHarness, scene: str, typed: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await SCENES[scene](harness, user)
    target = with_buttons(harness, user)
    labels = target.button_labels()
    before = await snapshot(harness)
    await harness.send(user, typed)
    hint = harness.server.last_bot_message(user.id)
    assert hint is not None and hint.message_id > target.message_id
    text = hint.text or ""
    assert "I'm not sure what to do with that" not in text
    assert "takes a tap" in text
    for label in labels:
        assert label in text, f"{label!r} not named in {text!r}"
    assert hint.reply_to is not None and hint.reply_to["message_id"] == target.message_id
    assert await snapshot(harness) == before
    # The buttons are still there and still work.
    assert harness.server.message(user.id, target.message_id).button_labels() == labels


@pytest.mark.parametrize(
    ("scene", "typed", "named"),
    [
        ("reminder", "snooze", "Snooze 30 min"),
        ("reminder", "skip", "Skip today"),
        ("pause menu", "until I resume", "Until I resume"),
        ("how was it", "about right", "About right"),
    ],
)
async def test_a_typed_word_naming_a_button_points_at_it_without_pressing(
    harness: BotHarness, scene: str, typed: str, named: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await SCENES[scene](harness, user)
    target = with_buttons(harness, user)
    before = await snapshot(harness)
    await harness.send(user, typed)
    text = harness.last_text(user)
    assert "To do that, tap" in text and named in text
    assert await snapshot(harness) == before
    assert harness.server.message(user.id, target.message_id).button_labels()


async def test_an_answered_message_is_not_named(harness: BotHarness) -> None:
    """Once a message's buttons are gone, typed text no longer points at it."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.send(user, "/settings")
    await harness.tap(user, "Close")
    await harness.send(user, "it was fine")
    assert "takes a tap" not in harness.last_text(user)
