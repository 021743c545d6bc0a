"""An old or double-tapped routine button answers what is true for its kind of button: a
question's buttons (consent, the 0-10 keypads, the high-pain choice) say the question is
answered; a step card's buttons say the step is behind you, or, on the card still shown,
that it is up to date. Nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from bot.db.models import PainEntry
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard


def last(harness: BotHarness, user: SimUser) -> SimMessage:
    return harness.server.last_bot_message(user.id)


def answers(harness: BotHarness) -> list[str | None]:
    return [c.params.get("text") for c in harness.server.calls_to("answerCallbackQuery")]


def button_data(message: SimMessage, label: str) -> str:
    return next(str(b["callback_data"]) for b in message.buttons() if label in str(b["text"]))


async def pain_rows(harness: BotHarness, user: SimUser) -> list[tuple[str, int]]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(PainEntry).where(PainEntry.user_id == user.id).order_by(PainEntry.id)
        )
        return [(row.context, row.level) for row in rows]


async def start_quick(harness: BotHarness, user: SimUser) -> SimMessage:
    """Onboard, /stretch, Quick start, consent given: returns the consent message."""
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    consent = last(harness, user)
    assert "Track your pain?" in (consent.text or "")
    return consent


async def test_a_keypad_copy_answered_by_typing_says_the_question_is_answered(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await start_quick(harness, user)
    await harness.tap(user, "Yes, keep track")
    keypad = last(harness, user)
    five = button_data(keypad, "5")
    await harness.send(user, "/stretch")  # the routine is in progress: continue it
    await harness.tap(user, "Continue")
    assert last(harness, user).message_id != keypad.message_id, "a second copy of the keypad"
    await harness.send(user, "4")  # typed instead of tapped
    assert "1 of 5" in (last(harness, user).caption or "")
    await harness.press(user, keypad.message_id, five)  # the old keypad's 5
    assert answers(harness)[-1] == texts.QUESTION_ANSWERED
    assert await pain_rows(harness, user) == [("before", 4)]
    assert "1 of 5" in (last(harness, user).caption or "")


async def test_double_taps_on_each_question_say_it_is_answered(harness: BotHarness) -> None:
    user = harness.new_user()
    await start_quick(harness, user)
    await harness.double_tap(user, "Yes, keep track")
    assert answers(harness)[-1] == texts.QUESTION_ANSWERED
    keypad = last(harness, user)
    await harness.double_tap(user, "3", keypad.message_id)
    assert answers(harness)[-1] == texts.QUESTION_ANSWERED
    assert await pain_rows(harness, user) == [("before", 3)]
    for _ in range(5):
        await harness.tap(user, "Done")
    after = last(harness, user)
    assert "How is your back" in (after.text or "")
    await harness.double_tap(user, "Skip", after.message_id)
    assert answers(harness)[-1] == texts.QUESTION_ANSWERED
    assert "Routine complete" in harness.last_text(user), "no second ending message"
    assert not any(texts.ROUTINE_ENDED in text for text in harness.bot_texts(user))
    assert texts.STEP_BEHIND not in answers(harness)


async def test_the_high_pain_choice_double_tapped_says_it_is_answered(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await start_quick(harness, user)
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "9")
    choice = last(harness, user)
    label = next(text for text in choice.button_labels() if "rest" in text.lower())
    await harness.double_tap(user, label, choice.message_id)
    assert answers(harness)[-1] == texts.QUESTION_ANSWERED
    assert not any(texts.ROUTINE_ENDED in text for text in harness.bot_texts(user))


async def test_a_step_card_double_tapped_in_place_says_it_is_up_to_date(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await start_quick(harness, user)
    await harness.tap(user, "No thanks")
    card = last(harness, user)
    await harness.double_tap(user, "Easier version", card.message_id)
    assert answers(harness)[-1] == texts.STEP_CARD_UP_TO_DATE
    assert "↩️ Standard version" in harness.server.message(user.id, card.message_id).button_labels()
    await harness.double_tap(user, "Done", card.message_id)
    assert answers(harness)[-1] == texts.STEP_BEHIND
    assert "2 of 5" in (last(harness, user).caption or "")
