"""The warning signs are long: posted while a question is open (setup's time question), a
short line quoting the question follows, so the user sees what is still asked (tester 8,
item 3). Through the real bot on the loopback Bot API."""

from __future__ import annotations

from bot import texts
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard


async def _time_question(harness: BotHarness, user: SimUser) -> int:
    await harness.send(user, "/start")
    question = harness.server.last_bot_message(user.id)
    assert "When should I remind you?" in (question.text or "")
    return question.message_id


async def test_full_list_during_setup_points_back_at_the_time_question(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    question = await _time_question(harness, user)
    red_flags = harness.services.content.safety.red_flags
    await harness.tap(user, "Full list of warning signs")
    listed, pointer = harness.server.bot_messages(user.id)[-2:]
    assert red_flags.emergency.signs[0] in (listed.text or "")
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == question
    assert texts.STILL_OPEN["time"] in (pointer.text or "")
    assert pointer.button_labels() == []
    # The question is still the open one and its buttons are still there.
    assert harness.server.message(user.id, question).button_labels()
    await harness.send(user, "07:30")
    assert "time zone" in harness.last_text(user).lower()


async def test_safety_during_setup_points_back_and_not_without_a_question(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    question = await _time_question(harness, user)
    await harness.send(user, "/safety")
    pointer = harness.server.last_bot_message(user.id)
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == question
    done = harness.new_user("Bo")
    await onboard(harness, done)
    await harness.send(done, "/safety")
    assert harness.server.last_bot_message(done.id).reply_to is None
    assert "Warning signs" in harness.last_text(done)


async def test_the_zone_question_is_pointed_at_too(harness: BotHarness) -> None:
    user = harness.new_user()
    await _time_question(harness, user)
    await harness.send(user, "07:30")
    zone = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Full list of warning signs")
    pointer = harness.server.last_bot_message(user.id)
    assert pointer.reply_to is not None and pointer.reply_to["message_id"] == zone
    assert texts.STILL_OPEN["zone"] in (pointer.text or "")
