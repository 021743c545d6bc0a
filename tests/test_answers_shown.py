"""A question answered by typing shows the answer in place of its buttons, as a tapped one
does, so old buttons can't be tapped again and the chat reads as a record (tester 8, item
4). Through the real bot on the loopback Bot API."""

from __future__ import annotations

from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import entries_of


def shown(harness: BotHarness, user: SimUser, message_id: int) -> tuple[str, list[str]]:
    message = harness.server.message(user.id, message_id)
    return message.text or "", message.button_labels()


async def test_typed_setup_answers_show_in_their_questions(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    time_question = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "7:30")
    text, buttons = shown(harness, user, time_question)
    assert text.startswith("⏰ When should I remind you?") and text.endswith("✓ 07:30")
    assert buttons == []
    await harness.send(user, "Europe/Berlin")
    confirm = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "yes")
    text, buttons = shown(harness, user, confirm)
    assert "Is that right?" in text and text.endswith("✓ Europe/Berlin") and buttons == []
    assert "All set" in harness.last_text(user)


async def test_a_time_typed_in_settings_shows_in_the_question(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    question = harness.message_with_button(user, "07:00")
    await harness.send(user, "8:15pm")
    text, buttons = shown(harness, user, question)
    assert text.endswith("✓ 20:15") and buttons == []


async def test_consent_and_typed_pain_answers_show_in_their_questions(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    consent = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Yes, keep my log")
    text, buttons = shown(harness, user, consent)
    assert text.startswith("📝 Pain log: ✓ Yes, keep my log")
    assert "Yes, keep my log" not in buttons and buttons[:2] == ["0", "1"]
    await harness.send(user, "5")
    text, buttons = shown(harness, user, consent)
    assert text.endswith("✓ 5/10") and buttons == []
    area = harness.message_with_button(user, "Neck")
    await harness.send(user, "neck")
    text, buttons = shown(harness, user, area)
    assert text.endswith("✓ Neck") and buttons == []
    assert harness.last_text(user) == "✅ Logged 5/10 (neck)."
    [entry] = await entries_of(harness, user.id)
    assert (entry.level, entry.area) == (5, "neck")

    await harness.send(user, "/pain")
    await harness.send(user, "3")
    area = harness.message_with_button(user, "Skip")
    await harness.send(user, "skip")
    text, buttons = shown(harness, user, area)
    assert text.endswith("✓ Skip") and buttons == []
