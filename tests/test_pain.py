"""/pain through the loopback Bot API: consent, keypad, area, red flags, bad-day reminders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import callbacks, texts
from bot.domain.pain import PainContext
from bot.services.pain import ConsentRequired, UnknownRoutineRun
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_run, entries_of

KEYPAD = [str(level) for level in range(11)]
AREAS = ["Lower back", "Upper back", "Neck", "Hips", "Skip"]
REMINDER_BUTTONS = ["▶️ Start routine", "😴 Snooze 30 min", "⏭ Skip today"]


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text", ""))


async def consented(harness: BotHarness, user: SimUser, **onboarding: str) -> None:
    """Onboard, then agree to the pain log through /pain (leaves the keypad showing)."""
    await onboard(harness, user, **onboarding)
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")


async def test_consent_is_asked_until_given_and_no_stores_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    question = harness.server.last_bot_message(user.id)
    assert "May I keep a pain log" in (question.text or "") and "/privacy" in (question.text or "")
    assert question.button_labels() == ["✅ Yes, keep my log", "No thanks"]

    await harness.tap(user, "No thanks")
    assert "haven't stored anything" in harness.last_text(user)
    assert await entries_of(harness, user.id) == []
    assert not await harness.services.pain.has_consent(user.id)
    with pytest.raises(ConsentRequired):
        await harness.services.pain.record(user.id, 3, PainContext.CHECKIN)
    assert await entries_of(harness, user.id) == []

    await harness.send(user, "/pain")  # asked again, kindly
    assert "May I keep a pain log" in harness.last_text(user)
    again = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Yes, keep my log")
    keypad = harness.server.last_bot_message(user.id)
    assert keypad.message_id == again  # the question itself became the keypad
    assert keypad.button_labels() == KEYPAD
    await harness.tap(user, "4")
    [entry] = await entries_of(harness, user.id)
    assert (entry.level, entry.context, entry.area) == (4, "checkin", None)
    message = harness.server.last_bot_message(user.id)
    assert "Logged 4/10" in (message.text or "") and message.button_labels() == AREAS

    await harness.tap(user, "Lower back")
    [entry] = await entries_of(harness, user.id)
    assert entry.area == "lower_back"
    assert harness.last_text(user) == "✅ Logged 4/10 (lower back)."
    assert harness.server.last_bot_message(user.id).button_labels() == []

    await harness.send(user, "/pain")  # consent is never asked again
    assert harness.server.last_bot_message(user.id).button_labels() == KEYPAD
    assert "May I keep" not in harness.last_text(user)


async def test_skip_area(harness: BotHarness) -> None:
    user = harness.new_user()
    await consented(harness, user)
    keypad = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "0", message_id=keypad)
    await harness.tap(user, "Skip")
    [entry] = await entries_of(harness, user.id)
    assert (entry.level, entry.area) == (0, None)
    assert harness.server.message(user.id, keypad).text == "✅ Logged 0/10."


async def test_eight_or_more_gets_red_flag_guidance(harness: BotHarness) -> None:
    user = harness.new_user()
    await consented(harness, user)
    red_flags = harness.services.content.safety.red_flags
    await harness.tap(user, "7")
    assert not any(red_flags.emergency.title in text for text in harness.bot_texts(user))
    await harness.send(user, "/pain")
    await harness.tap(user, "8")
    warning = harness.last_text(user)
    assert "high reading" in warning
    for line in (*red_flags.emergency.signs, *red_flags.urgent.signs, red_flags.one_leg):
        assert line in warning  # the reviewed wording from content/, unchanged
    # The area question stays on the keypad's message, above the guidance.
    assert harness.message_with_button(user, "Lower back")
    assert [e.level for e in await entries_of(harness, user.id)] == [7, 8]


async def test_a_keypad_stores_one_reading_however_often_it_is_tapped(harness: BotHarness) -> None:
    user = harness.new_user()
    await consented(harness, user)
    first = harness.server.last_bot_message(user.id).message_id
    three = harness.server.message(user.id, first).find_button("3")
    assert three is not None
    await harness.send(user, "/pain")
    second = harness.server.last_bot_message(user.id).message_id
    assert harness.server.message(user.id, first).button_labels() == []  # replaced: gone
    await harness.tap(user, "2", message_id=second)
    # An older keypad, shown before that reading (on a second device still showing it).
    await harness.forge(user, first, str(three["callback_data"]))
    assert last_answer(harness) == texts.PAIN_KEYPAD_USED
    await harness.forge(user, second, callbacks.pain_level(2, 0))  # a double tap, racing the edit
    assert last_answer(harness) == texts.PAIN_KEYPAD_USED
    assert [e.level for e in await entries_of(harness, user.id)] == [2]


async def test_forged_pain_buttons_are_rejected(harness: BotHarness) -> None:
    user, other = harness.new_user("Ana"), harness.new_user("Bo")
    await consented(harness, user)
    await consented(harness, other)
    await harness.tap(other, "6")
    [theirs] = await entries_of(harness, other.id)
    message = harness.server.last_bot_message(user.id).message_id

    for data in ("pn:11:0", "pn:-1:0", "pn:5", "pn:5:x", "pa:1:elbow", "pa:x:neck", "pc:maybe"):
        await harness.forge(user, message, data)
        assert last_answer(harness) == texts.INVALID_BUTTON, data
    await harness.forge(user, message, callbacks.pain_area(theirs.id, "neck"))  # not their entry
    assert last_answer(harness) == texts.INVALID_BUTTON
    assert await entries_of(harness, user.id) == []
    [theirs_after] = await entries_of(harness, other.id)
    assert theirs_after.area is None

    # Without consent a well-formed keypad tap stores nothing either.
    stranger = harness.new_user("Cy")
    await onboard(harness, stranger)
    await harness.send(stranger, "/help")
    await harness.forge(stranger, harness.server.last_bot_message(stranger.id).message_id, "pn:5:0")
    assert last_answer(harness) == texts.PAIN_NEEDS_CONSENT
    assert await entries_of(harness, stranger.id) == []


async def test_pain_works_before_setup(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/pain")  # setup is for reminders: logging pain needs none
    assert "May I keep a pain log for you?" in harness.last_text(user)


async def test_record_validates_its_input(harness: BotHarness) -> None:
    user, other = harness.new_user("Ana"), harness.new_user("Bo")
    await consented(harness, user)
    await onboard(harness, other)
    pain = harness.services.pain
    for bad_level in (-1, 11):
        with pytest.raises(ValueError):
            await pain.record(user.id, bad_level, PainContext.CHECKIN)
    with pytest.raises(ValueError):
        await pain.record(user.id, 3, PainContext.CHECKIN, area="elbow")
    their_run = await add_run(
        harness, other.id, harness.clock.now(), harness.clock.now(), status="completed"
    )
    with pytest.raises(UnknownRoutineRun):
        await pain.record(user.id, 3, PainContext.BEFORE, routine_run_id=their_run)
    assert await entries_of(harness, user.id) == []
    own_run = await add_run(harness, user.id, harness.clock.now(), None, status="active")
    entry_id = await pain.record(user.id, 5, PainContext.BEFORE, routine_run_id=own_run)
    assert await pain.set_area(user.id, entry_id, "hips")
    assert not await pain.set_area(other.id, entry_id, "neck")
    [entry] = await entries_of(harness, user.id)
    assert (entry.level, entry.context, entry.routine_run_id, entry.area) == (
        5,
        "before",
        own_run,
        "hips",
    )


async def test_bad_day_puts_the_gentle_routine_first_on_the_reminder(harness: BotHarness) -> None:
    sore, fine = harness.new_user("Sore"), harness.new_user("Fine")
    await consented(harness, sore, at="07:30", zone="Europe/Berlin")
    await consented(harness, fine, at="07:30", zone="Europe/Berlin")
    # Tue 3 Mar, 07:00 in Berlin: one logs a 7 (bad day), the other a 2.
    harness.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))
    await harness.send(sore, "/pain")
    await harness.tap(sore, "7")
    await harness.send(fine, "/pain")
    await harness.tap(fine, "2")
    assert await harness.services.pain.is_bad_day(sore.id)
    assert not await harness.services.pain.is_bad_day(fine.id)

    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # 07:30 in Berlin
    assert sorted((await harness.dispatch()).sent_user_ids) == sorted([sore.id, fine.id])
    reminder = harness.server.last_bot_message(sore.id)
    assert "rough time" in (reminder.text or "") and "Time for your back stretches" in (
        reminder.text or ""
    )
    assert reminder.button_rows()[0] == ["🌱 Start gentle routine"]
    assert reminder.button_labels()[1:] == REMINDER_BUTTONS
    gentle = harness.services.content.gentle_routine.id
    assert reminder.callback_data()[0] == callbacks.routine_start(gentle)
    usual = harness.server.last_bot_message(fine.id)
    assert usual.button_labels() == REMINDER_BUTTONS and "rough time" not in (usual.text or "")

    # Wednesday: nothing logged yet today and no rising trend, so the usual reminder again.
    harness.clock.set(datetime(2026, 3, 4, 6, 30, tzinfo=UTC))
    assert sore.id in (await harness.dispatch()).sent_user_ids
    assert harness.server.last_bot_message(sore.id).button_labels() == REMINDER_BUTTONS


def test_area_buttons_match_the_areas_the_domain_accepts() -> None:
    from bot.domain.pain import PAIN_AREAS

    assert set(callbacks.PAIN_AREA_CHOICES) == PAIN_AREAS
    assert set(texts.PAIN_AREA_LABELS) == PAIN_AREAS
