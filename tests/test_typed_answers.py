"""Issue #8: answered questions' buttons go stale, typed answers are read like the buttons
(also after a restart), every question has a way out. Through the loopback Bot API."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot import texts
from bot.db.models import User
from bot.lifecycle import ALLOWED_UPDATES
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import entries_of

INVALID = texts.INVALID_BUTTON


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


def data_of(harness: BotHarness, user: SimUser, message_id: int, label: str) -> str:
    """The callback data a button had, kept to press it again after it was removed (a
    second device, or a tap racing the edit)."""
    message = harness.server.message(user.id, message_id)
    for button in message.buttons():
        if label in str(button["text"]):
            return str(button["callback_data"])
    raise AssertionError(f"no {label!r} on message {message_id}: {message.button_labels()}")


def labels(harness: BotHarness, user: SimUser, message_id: int) -> list[str]:
    return harness.server.message(user.id, message_id).button_labels()


async def stored(harness: BotHarness, user: SimUser) -> User:
    row = await harness.services.preferences.get(user.id)
    assert row is not None
    return row


# --- old keyboards ----------------------------------------------------------------------


async def test_old_zone_yes_after_typing_another_zone_changes_nothing(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Paris")
    paris = harness.message_with_button(user, "Yes")
    paris_yes = data_of(harness, user, paris, "Yes")
    await harness.send(user, "Tokyo")
    assert labels(harness, user, paris) == []  # replaced: its buttons are gone
    await harness.forge(user, paris, paris_yes)
    assert last_answer(harness) == INVALID
    assert (await stored(harness, user)).time_zone is None
    await harness.tap(user, "Yes")
    assert (await stored(harness, user)).time_zone == "Asia/Tokyo"
    # 12 minutes later, the old Yes still changes nothing.
    harness.clock.advance(timedelta(minutes=12))
    await harness.forge(user, paris, paris_yes)
    assert last_answer(harness) == INVALID
    assert (await stored(harness, user)).time_zone == "Asia/Tokyo"


async def test_time_picker_answered_by_typing_goes_stale(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    picker = harness.message_with_button(user, "08:00")
    eight = data_of(harness, user, picker, "08:00")
    await harness.send(user, "7:30")
    assert labels(harness, user, picker) == []
    await harness.forge(user, picker, eight)
    assert last_answer(harness) == INVALID
    assert (await stored(harness, user)).reminder_time == time(7, 30)
    assert "Which time zone" in harness.bot_texts(user)[-1]


async def test_double_tap_on_a_time_preset_changes_it_once(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    sent_before = len(harness.server.bot_messages(user.id))
    await harness.double_tap(user, "21:00")
    assert (await stored(harness, user)).reminder_time == time(21, 0)
    answers = [c.params.get("text") for c in harness.server.calls_to("answerCallbackQuery")]
    # The second tap is told quietly that it's done (a toast, not an alert).
    assert answers[-2:] == ["Reminder time: 21:00", "Reminder time already set: 21:00 ✅"]
    last = harness.server.calls_to("answerCallbackQuery")[-1]
    assert not last.params.get("show_alert")
    confirmations = [
        t for t in harness.bot_texts(user)[sent_before:] if "Reminder time set to 21:00" in t
    ]
    assert len(confirmations) == 1


async def test_forged_zone_the_question_did_not_offer_is_rejected(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Berlin")
    message = harness.message_with_button(user, "Yes")
    berlin = data_of(harness, user, message, "Yes")
    await harness.forge(user, message, berlin.replace("Europe/Berlin", "Asia/Tokyo"))
    assert last_answer(harness) == INVALID
    assert (await stored(harness, user)).time_zone is None
    await harness.tap(user, "Yes")  # the real one still works
    assert (await stored(harness, user)).time_zone == "Europe/Berlin"


async def test_another_command_leaves_the_question(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30")
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    question = harness.message_with_button(user, "21:00")
    await harness.send(user, "/pain")
    assert labels(harness, user, question) == []
    await harness.send(user, "/cancel")  # the consent question: left, nothing stored
    await harness.send(user, "9:15")  # no question open: not taken as a time
    assert (await stored(harness, user)).reminder_time == time(7, 30)
    assert "not sure what to do with that" in harness.last_text(user)


# --- typed answers where buttons are expected --------------------------------------------


async def test_digit_and_area_typed_at_the_pain_keypad(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    await harness.send(user, "yes")  # consent is a deliberate tap
    assert "Tap ✅ Yes, keep my log or No thanks" in harness.last_text(user)
    await harness.tap(user, "Yes, keep my log")
    keypad = harness.message_with_button(user, "10")
    old_three = data_of(harness, user, keypad, "3")
    await harness.send(user, "hello")
    assert "Tap a number from 0 (no pain) to 10 on the keypad below" in harness.last_text(user)
    # The hint carries the keypad (the first one may be several messages up): one live keypad.
    hint = harness.server.last_bot_message(user.id).message_id
    assert "10" in labels(harness, user, hint) and labels(harness, user, keypad) == []
    await harness.send(user, "7")
    assert labels(harness, user, hint) == []
    assert "Logged 7/10" in harness.last_text(user)
    await harness.forge(user, keypad, old_three)
    assert last_answer(harness) == texts.PAIN_KEYPAD_USED
    area_question = harness.message_with_button(user, "Lower back")
    await harness.send(user, "my elbow")
    assert "Tap Lower back, Upper back, Neck, Hips or Skip below" in harness.last_text(user)
    area_hint = harness.server.last_bot_message(user.id).message_id
    assert "Lower back" in " ".join(labels(harness, user, area_hint))
    assert labels(harness, user, area_question) == []
    await harness.send(user, "lower back")
    [entry] = await entries_of(harness, user.id)
    assert (entry.level, entry.area) == (7, "lower_back")
    assert labels(harness, user, area_hint) == []
    assert "Logged 7/10 (lower back)" in harness.last_text(user)


async def test_typed_yes_at_delete_never_erases(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/delete")
    confirm = harness.message_with_button(user, "Yes, delete everything")
    yes = data_of(harness, user, confirm, "Yes, delete everything")
    for typed in ("yes", "Yes, delete everything", "delete"):
        await harness.send(user, typed)
        # The hint carries the buttons (the earlier ones go): they're never far up.
        assert "tap Yes, delete everything below" in harness.last_text(user)
        hint = harness.server.last_bot_message(user.id).message_id
        assert labels(harness, user, hint) == ["Yes, delete everything", "Cancel"]
        assert labels(harness, user, confirm) == []
    assert await harness.services.preferences.get(user.id) is not None
    await harness.send(user, "cancel")
    assert "Nothing was deleted" in harness.last_text(user)
    assert labels(harness, user, hint) == []
    await harness.forge(user, confirm, yes)
    assert last_answer(harness) == INVALID
    assert await harness.services.preferences.get(user.id) is not None


async def test_delete_confirmation_left_for_settings_erases_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/delete")
    confirm = harness.message_with_button(user, "Yes, delete everything")
    yes = data_of(harness, user, confirm, "Yes, delete everything")
    await harness.send(user, "/settings")
    await harness.forge(user, confirm, yes)
    assert last_answer(harness) == INVALID
    assert await harness.services.preferences.get(user.id) is not None
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert await harness.services.preferences.get(user.id) is None


async def test_typed_pain_levels_and_pain_words_mid_routine(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.services.pain.give_consent(user.id)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    keypad = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "not sure")
    assert "Tap a number from 0 to 10" in harness.last_text(user)
    assert "Done" not in harness.last_text(user)  # no Done button at a keypad
    await harness.send(user, "5")
    assert harness.server.message(user.id, keypad).text == "Pain before: 5/10 ✓"
    assert labels(harness, user, keypad) == []
    assert "Done" in " ".join(harness.server.last_bot_message(user.id).button_labels())
    await harness.send(user, "ouch, this hurts my back")
    assert "🤕 It hurts" in harness.last_text(user)
    await harness.send(user, "what now")
    assert "Tap ✅ Done" in harness.last_text(user)
    assert [(e.context, e.level) for e in await entries_of(harness, user.id)] == [("before", 5)]


# --- ways out ------------------------------------------------------------------------------


async def test_cancel_and_back_typed_at_the_zone_question_are_not_places(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    keyboard = harness.server.reply_keyboard(user.id)
    assert keyboard is not None
    assert texts.CANCEL_BUTTON in [str(b["text"]) for row in keyboard["keyboard"] for b in row]
    await harness.send(user, "cancel")
    assert "Send /start whenever you want to continue" in harness.last_text(user)
    assert harness.server.reply_keyboard(user.id) is None
    await harness.send(user, "Berlin")  # the question was left: no zone lookup
    assert (await stored(harness, user)).time_zone is None

    other = harness.new_user("Bo")
    await onboard(harness, other, zone="Europe/Berlin")
    await harness.send(other, "/settings")
    await harness.tap(other, "Time zone")
    await harness.send(other, texts.BACK_BUTTON)  # the reply keyboard's Back button
    assert "Okay, nothing changed" in harness.bot_texts(other)[-2]
    assert "Your settings" in harness.last_text(other)
    assert (await stored(harness, other)).time_zone == "Europe/Berlin"


async def test_every_question_has_a_way_out(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30")
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.tap(user, "Back")
    assert "Your settings" in harness.last_text(user)
    await harness.send(user, "9:15")  # the question was left
    assert (await stored(harness, user)).reminder_time == time(7, 30)
    for command in ("/pain", "/delete"):
        await harness.send(user, command)
        await harness.send(user, "/cancel")
        assert harness.last_text(user) in (texts.NOTHING_CHANGED, texts.DELETE_CANCELLED)
    await harness.send(user, "/cancel")
    assert "no open question" in harness.last_text(user)


# --- after a restart ------------------------------------------------------------------------


async def test_typed_answers_after_a_restart_behave_like_the_buttons(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.restart()
    await harness.send(user, "7:30")
    assert "Which time zone" in harness.last_text(user)
    await harness.restart()
    await harness.send(user, "Berlin")
    await harness.restart()
    await harness.send(user, "yes")
    assert "All set" in harness.last_text(user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.restart()
    await harness.send(user, "9:15")
    assert "Reminder time set to 09:15" in harness.bot_texts(user)[-2]
    row = await stored(harness, user)
    assert row.reminder_time == time(9, 15) and row.time_zone == "Europe/Berlin"


# --- edited messages ------------------------------------------------------------------------


def last_user_message(harness: BotHarness, user: SimUser) -> int:
    return harness.server.user_messages(user.id)[-1].message_id


async def test_an_edit_answers_the_open_question(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Berlim")
    assert "don't know that place" in harness.last_text(user)
    await harness.edit(user, last_user_message(harness, user), "Berlin")
    assert "Europe/Berlin" in harness.last_text(user)
    await harness.tap(user, "Yes")
    assert (await stored(harness, user)).time_zone == "Europe/Berlin"
    # In settings: a typo in the time, fixed by editing it.
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.send(user, "21:6O")
    assert "couldn't read that as a time" in harness.last_text(user)
    await harness.edit(user, last_user_message(harness, user), "21:00")
    assert (await stored(harness, user)).reminder_time == time(21, 0)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert not any(texts.ERROR in t for t in harness.bot_texts(user))


async def test_other_edits_are_ignored_quietly(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    typed_time = last_user_message(harness, user)
    sent = len(harness.server.bot_messages(user.id))
    # The time was answered already; the zone question is open: this edit isn't its answer.
    await harness.edit(user, typed_time, "8:30")
    assert (await stored(harness, user)).reminder_time == time(7, 30)
    assert (await stored(harness, user)).time_zone is None
    await harness.send(user, "Tokyo")
    await harness.tap(user, "Yes")
    sent = len(harness.server.bot_messages(user.id))
    # No question open: edits of text and of commands change nothing and get no reply.
    await harness.send(user, "hello")
    await harness.send(user, "/delete")
    await harness.send(user, "/cancel")
    sent = len(harness.server.bot_messages(user.id))
    await harness.edit(user, harness.server.user_messages(user.id)[-3].message_id, "hi")
    await harness.edit(user, harness.server.user_messages(user.id)[-2].message_id, "/delete")
    assert len(harness.server.bot_messages(user.id)) == sent
    assert await harness.services.preferences.get(user.id) is not None
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_the_bot_asks_only_for_the_updates_it_handles(harness: BotHarness) -> None:
    await harness.send(harness.new_user(), "/help")
    polls = harness.server.calls_to("getUpdates")
    assert "edited_message" in ALLOWED_UPDATES
    assert polls and all(call.params["allowed_updates"] == list(ALLOWED_UPDATES) for call in polls)


async def test_showing_the_warning_signs_keeps_the_open_question(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.tap(user, harness.services.content.safety.full_list_button)
    await harness.send(user, "/safety")
    await harness.send(user, "7:30")
    assert (await stored(harness, user)).reminder_time == time(7, 30)
    assert "Which time zone" in harness.last_text(user)


async def test_a_tapped_setup_answer_shows_under_its_question(harness: BotHarness) -> None:
    """The time and zone questions keep their text and show the choice, like "Pain before:
    5/10 ✓" (they only lost their buttons: tester 6 #10)."""
    user = harness.new_user()
    await harness.send(user, "/start")
    picker = harness.message_with_button(user, "21:00")
    asked = harness.server.message(user.id, picker).text or ""
    await harness.tap(user, "21:00")
    shown = harness.server.message(user.id, picker)
    assert shown.text == f"{asked}\n\n✓ 21:00" and shown.button_labels() == []
    await harness.send(user, "CST")
    places = harness.message_with_button(user, "US Central")
    await harness.tap(user, "US Central")
    assert (await stored(harness, user)).time_zone == "America/Chicago"
    shown = harness.server.message(user.id, places)
    assert shown.button_labels() == [] and (shown.text or "").endswith("\n\n✓ America/Chicago")
