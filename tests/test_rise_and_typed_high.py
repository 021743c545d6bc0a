"""Tester 8, findings 1 and 3, through the real bot on the loopback Bot API.

1. A pain rise of 3+ within a routine (1 → 6) brought the warning signs, then "Routine
   complete… How was it?" with 😌 Too easy, whose reply promised doses "go up a little
   sooner" while the program had just held every stretch back. Now the warning signs come
   with what to do today, and no "How was it?" follows; a smaller rise (2, held back by the
   program without the warning signs) still asks, but "Too easy" no longer promises a step
   up while growth is frozen.
3. A bare 8-10 typed during a step got "Tap ✅ Done…"; `/pain 10` by a user who consented
   got only "tap 10 below". Now the high-reading advice comes at once (mid-step: then a
   pointer to 🤕 It hurts), and taking that reading on the keypad doesn't send it again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.test_high_reading_rest import assert_rest_advice
from tests.test_pain import consented
from tests.test_routines import begin_routine, last, tap_level
from tests.test_safety import CONTENT, SAFETY, assert_full_red_flags, plain

DESK = CONTENT.routines["desk"]
QUICK = CONTENT.routines["quick"]
FEEDBACK_LABELS = [label for _, label in texts.FEEDBACK_BUTTONS]


def count(harness: BotHarness, user: SimUser, phrase: str) -> int:
    return sum(phrase in plain(text) for text in harness.bot_texts(user))


def feedback_buttons(harness: BotHarness, user: SimUser) -> list[str]:
    return [
        label
        for message in harness.server.bot_messages(user.id)
        for label in message.button_labels()
        if label in FEEDBACK_LABELS
    ]


async def test_a_rise_of_five_says_what_to_do_today_and_asks_nothing_about_the_dose(
    harness: BotHarness,
) -> None:
    """The tester's case: 1 before, every Done, 6 after."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, DESK.title, before=1)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    shown = len(harness.bot_texts(user))
    await tap_level(harness, user, 6)
    new = harness.bot_texts(user)[shown:]
    warnings = [text for text in new if SAFETY.pain_rose in plain(text)]
    assert len(warnings) == 1, new
    warning = warnings[0]
    assert_full_red_flags(warning)
    assert SAFETY.pain_rose_today in plain(warning)
    assert SAFETY.high_pain.rest not in plain(warning)  # "stays this high": not a high reading
    ending = new[-1]
    assert "Pain 1 → 6" in ending and "🎉" not in ending
    assert texts.PROGRAM_WHY["held_pain"] in ending  # what the program did, said here
    assert texts.FEEDBACK_QUESTION not in "\n".join(new)
    assert feedback_buttons(harness, user) == []
    assert last(harness, user).button_labels() == []


async def test_after_a_rise_of_two_too_easy_promises_no_step_up(harness: BotHarness) -> None:
    """A rise of 2 holds the doses back (no warning signs): "How was it?" is still asked,
    and "Too easy" says the doses stay, not that they go up sooner."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, DESK.title, before=2)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 4)
    assert texts.FEEDBACK_QUESTION in harness.last_text(user)
    assert count(harness, user, SAFETY.pain_rose) == 0
    await harness.tap(user, "😌 Too easy")
    reply = plain(harness.last_text(user))
    assert "sooner" not in reply and "go up" not in reply
    assert reply.startswith("😌 Too easy: noted. Your doses still stay where they are"), reply
    assert "no step up" in reply


async def test_too_easy_on_an_ordinary_run_keeps_its_reply(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, DESK.title, before=3)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 3)
    await harness.tap(user, "😌 Too easy")
    assert plain(harness.last_text(user)) == texts.FEEDBACK_THANKS["easy"]


@pytest.mark.parametrize("typed", ["9", "10", "8/10"])
async def test_a_high_reading_typed_mid_step_gets_the_advice_and_points_to_it_hurts(
    harness: BotHarness, typed: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=2)
    await harness.tap(user, "Done")  # step 2 of 5, as the tester
    card = last(harness, user)
    shown = len(harness.bot_texts(user))
    await harness.send(user, typed)
    new = harness.bot_texts(user)[shown:]
    assert len(new) == 2, new
    assert_rest_advice(new[0])
    assert new[1].startswith("🤕 If a stretch hurts, stop it now. Tap 🤕 It hurts"), new[1]
    assert "✅ Done" not in new[1]
    await harness.tap(user, "Done", message_id=card.message_id)  # the step still runs
    assert "3 of" in harness.last_text(user) or "(3/" in harness.last_text(user)


async def test_a_low_reading_typed_mid_step_gets_the_usual_hint(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=2)
    shown = len(harness.bot_texts(user))
    await harness.send(user, "3")
    new = harness.bot_texts(user)[shown:]
    assert len(new) == 1 and "You're in the middle of" in new[0], new


@pytest.mark.parametrize("then", ["tap", "type"])
async def test_pain_ten_after_consent_advises_at_once_and_only_once(
    harness: BotHarness, then: str
) -> None:
    user = harness.new_user()
    await consented(harness, user)
    await harness.tap(user, "3")  # an earlier reading: the keypad closes
    await harness.tap(user, "Skip")  # where: not said
    await harness.send(user, "/pain 10")
    *_, advice, keypad = harness.bot_texts(user)
    assert_rest_advice(advice)
    assert texts.pain_advice_above(10) in plain(keypad)
    assert count(harness, user, SAFETY.high_reading) == 1
    if then == "tap":
        await harness.tap(user, "10")
    else:
        await harness.send(user, "10")
    assert any("10/10" in text for text in harness.bot_texts(user)[-2:])
    assert count(harness, user, SAFETY.high_reading) == 1  # once for this reading
    assert count(harness, user, SAFETY.high_pain.rest) == 1


async def test_pain_ten_then_a_different_high_reading_gets_its_own_advice(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await consented(harness, user)
    await harness.send(user, "/pain 10")
    await harness.tap(user, "9")
    assert count(harness, user, SAFETY.high_reading) == 2


async def test_pain_with_a_low_number_after_consent_gives_no_advice(harness: BotHarness) -> None:
    user = harness.new_user()
    await consented(harness, user)
    await harness.send(user, "/pain 5")
    assert count(harness, user, SAFETY.high_reading) == 0
    assert "tap 5 below" in harness.last_text(user)
    assert "just above" not in harness.last_text(user)


@pytest.mark.parametrize(("after", "advised"), [(6, True), (3, False)])
async def test_a_rise_of_three_is_rest_advice_for_stretch_and_the_next_reminder(
    harness: BotHarness, after: int, advised: bool
) -> None:
    """The ending of a routine whose pain rose by 3+ says to rest the rest of today; before,
    /stretch right after and that evening's reminder said nothing of it (a normal start, a
    cheerful "Ready?"). Now the rise is rest advice like "It hurts" and 8-10: the same 24
    hours, the same gentle-first gate. A rise of 2 (no warning) stays ordinary. (That day's
    reminder is not sent: a routine was done; the next morning's is within the 24 hours.)"""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    await begin_routine(harness, user, DESK.title, before=1)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, after)
    await harness.send(user, "/stretch")
    picker = plain(harness.last_text(user))
    assert (SAFETY.rest_advised.after_hurt in picker) is advised, picker

    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # Tue 07:30 in Berlin
    assert (await harness.dispatch()).sent == 1
    reminder = plain(harness.server.last_bot_message(user.id).text or "")
    assert ("Your back hurt within the last day" in reminder) is advised, reminder
    assert ("Time for your back stretches" in reminder) is not advised, reminder
