"""One open pain question at a time, and a high reading that can't be stored yet still gets
the warning signs (tester 8, items 1 and 2). Through the real bot on the loopback Bot API."""

from __future__ import annotations

import pytest

from bot import texts
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import entries_of
from tests.test_routines import pain_of

KEYPAD = [str(level) for level in range(11)]
HIGH = "That's a high reading"


def keypads(harness: BotHarness, user: SimUser) -> list[SimMessage]:
    """Bot messages still showing a 0-10 keypad."""
    return [m for m in harness.server.bot_messages(user.id) if m.button_labels()[:11] == KEYPAD]


def high_readings(harness: BotHarness, user: SimUser) -> int:
    return sum("high reading" in text for text in harness.bot_texts(user))


async def routine_keypad(harness: BotHarness, user: SimUser) -> SimMessage:
    """A consented user at the routine's "before" keypad."""
    await onboard(harness, user)
    await harness.services.pain.give_consent(user.id)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    [keypad] = keypads(harness, user)
    assert "right now" in (keypad.text or "")
    return keypad


@pytest.mark.parametrize("command", ["/pain 2", "/pain", "/pain 11", "/pain two"])
async def test_pain_at_a_routine_keypad_points_at_it_and_opens_nothing(
    harness: BotHarness, command: str
) -> None:
    user = harness.new_user()
    keypad = await routine_keypad(harness, user)
    await harness.send(user, command)
    pointer = harness.server.last_bot_message(user.id)
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == keypad.message_id
    assert "routine" in (pointer.text or "") and pointer.button_labels() == []
    if command == "/pain 2":
        assert "tap 2 on its keypad" in (pointer.text or "")
    if command == "/pain 11":
        assert "0-10" in (pointer.text or "")
    assert [m.message_id for m in keypads(harness, user)] == [keypad.message_id]
    assert await harness.services.preferences.question(user.id) is None
    assert await entries_of(harness, user.id) == []

    await harness.send(user, "2")  # a typed reading answers the one open keypad
    assert await pain_of(harness, user) == [("before", 2)]
    answered = harness.server.message(user.id, keypad.message_id)
    assert "2/10" in (answered.text or "") and answered.button_labels() == []
    assert keypads(harness, user) == []


async def test_pain_at_the_keypad_after_a_routine_and_at_its_consent(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    consent = harness.server.last_bot_message(user.id)
    assert "Track your pain?" in (consent.text or "")
    await harness.send(user, "/pain")  # the routine's consent question is open: no second one
    pointer = harness.server.last_bot_message(user.id)
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == consent.message_id
    assert "May I keep" not in (pointer.text or "")
    assert await harness.services.preferences.question(user.id) is None
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "Skip")
    steps = len(harness.services.content.routines["quick"].steps(harness.services.content))
    for _ in range(steps):
        await harness.tap(user, "Done")
    [after] = keypads(harness, user)
    await harness.send(user, "/pain 3")
    pointer = harness.server.last_bot_message(user.id)
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == after.message_id
    assert [m.message_id for m in keypads(harness, user)] == [after.message_id]
    await harness.send(user, "3")
    assert await pain_of(harness, user) == [("after", 3)]
    assert "Routine complete" in harness.last_text(user)


@pytest.mark.parametrize("typed", ["9", "9/10", "pain 9", "8", "10 out of 10", "my pain is 9"])
async def test_a_high_reading_at_the_consent_question_gets_the_warning_signs(
    harness: BotHarness, typed: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    question = harness.server.last_bot_message(user.id)
    await harness.send(user, typed)
    warning, hint = harness.server.bot_messages(user.id)[-2:]
    safety = harness.services.content.safety
    assert HIGH in (warning.text or "")
    assert safety.red_flags.emergency.signs[0] in (warning.text or "")
    assert "Resting today" in (warning.text or "")
    # ... not stored, and the consent question stays open, pointed at last.
    assert hint.reply_to is not None and hint.reply_to["message_id"] == question.message_id
    assert "haven't stored" in (hint.text or "")
    assert await entries_of(harness, user.id) == []
    assert not await harness.services.pain.has_consent(user.id)
    open_question = await harness.services.preferences.question(user.id)
    assert open_question is not None and open_question.kind.value == "pain_consent"
    assert harness.server.message(user.id, question.message_id).button_labels() == [
        texts.PAIN_CONSENT_YES_BUTTON,
        texts.PAIN_CONSENT_NO_BUTTON,
    ]


async def test_a_low_reading_at_the_consent_question_is_not_stored_and_gets_no_warning(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    await harness.send(user, "7")
    assert high_readings(harness, user) == 0
    assert "7/10" in harness.last_text(user)
    assert await entries_of(harness, user.id) == []
    await harness.send(user, "09:00")  # not a reading: the buttons are named
    assert harness.last_text(user).startswith("Tap ✅ Yes, keep my log or No thanks")


async def test_pain_nine_before_consent_warns_and_asks(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain 9")
    warning, question = harness.server.bot_messages(user.id)[-2:]
    assert HIGH in (warning.text or "")
    assert "May I keep a pain log" in (question.text or "")  # the question comes last
    assert await entries_of(harness, user.id) == []
    await harness.send(user, "/pain 5")
    assert high_readings(harness, user) == 1


async def test_a_high_reading_at_the_routine_consent_question(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    consent = harness.server.last_bot_message(user.id)
    await harness.send(user, "9")
    warning, hint = harness.server.bot_messages(user.id)[-2:]
    assert HIGH in (warning.text or "")
    assert hint.reply_to is not None and hint.reply_to["message_id"] == consent.message_id
    assert await pain_of(harness, user) == []
    assert harness.server.message(user.id, consent.message_id).button_labels() != []


async def test_a_named_high_reading_with_nothing_open_warns_a_bare_number_does_not(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "9")
    assert high_readings(harness, user) == 0
    await harness.send(user, "pain 9")
    assert high_readings(harness, user) == 1
    assert "/pain" in harness.last_text(user)  # then where to log it
    await harness.send(user, "/start")
    await harness.send(user, "9")  # at the time question a bare 9 is a time
    assert high_readings(harness, user) == 1


async def test_pain_nine_typed_at_the_keypad_is_logged(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.services.pain.give_consent(user.id)
    await harness.send(user, "/pain")
    await harness.send(user, "pain 9/10")
    [entry] = await entries_of(harness, user.id)
    assert entry.level == 9
    assert high_readings(harness, user) == 1


@pytest.mark.parametrize(
    ("typed", "level", "named"),
    [
        ("9", 9, None),
        ("9/10", 9, 9),
        ("pain 9", 9, 9),
        ("Pain: 8/10", 8, 8),
        ("my pain is 10", 10, 10),
        ("back pain 8", 8, 8),
        ("pain level 3", 3, 3),
        ("pain 11", None, None),
        ("9 pain", None, None),
        ("painful 9", None, None),
        ("7:30", None, None),
    ],
)
def test_readings_typed(typed: str, level: int | None, named: int | None) -> None:
    from bot.domain.questions import parse_level, says_pain_level

    assert parse_level(typed) == level
    assert says_pain_level(typed) == named
