"""A reading of 8-10 advises rest wherever it is given (bot.domain.pain.reading_advises_rest):
at the end of a routine the warning signs and the rest advice come first, and the summary
after them neither celebrates (no streak) nor asks "How was it?"; a standalone /pain
reading gets the same advice, so the next reminder's "I suggested giving it a day off
stretching" refers to something the bot said (tester 7, findings 1 and 2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.domain.pain import reading_advises_rest
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.test_pain import consented
from tests.test_routines import begin_routine, last, tap_level
from tests.test_safety import CONTENT, SAFETY, assert_full_red_flags, plain

GENTLE = CONTENT.gentle_routine
DESK = CONTENT.routines["desk"]
REMINDER_REST = "I suggested giving it a day off stretching"


def assert_rest_advice(text: str) -> None:
    """The warning signs, then the 🛌 Rest today advice in the bot's reviewed words."""
    assert SAFETY.high_reading in plain(text), text
    assert_full_red_flags(text)
    assert SAFETY.high_pain.rest in plain(text), text
    assert plain(text).index(SAFETY.red_flags.one_leg) < plain(text).index(SAFETY.high_pain.rest)


def test_the_rest_rule_for_one_reading() -> None:
    assert [level for level in range(11) if reading_advises_rest(level)] == [8, 9, 10]
    with pytest.raises(ValueError):
        reading_advises_rest(11)


async def answer_after(harness: BotHarness, user: SimUser, level: int, *, typed: bool) -> None:
    """Answer the "how is your back now" keypad, as the tester did: a wrong number typed
    first (a hint, nothing taken), then the level tapped on the keypad or typed."""
    keypad = last(harness, user)
    assert "How is your back" in (keypad.text or "")
    await harness.send(user, "12")
    assert "Tap a number from 0 to 10" in harness.last_text(user)
    if typed:
        await harness.send(user, str(level))
    else:
        await harness.tap(user, str(level), message_id=keypad.message_id)


@pytest.mark.parametrize("typed", [False, True])
async def test_ten_after_the_gentle_routine_advises_rest_first_and_asks_nothing_more(
    harness: BotHarness, typed: bool
) -> None:
    """The tester's case: 8 before the gentle routine, "Go on, gently", every Done, 10 at
    the end. Before: the cheerful ending with its streak and "How was it? 😌 Too easy",
    then only the warning signs."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, GENTLE.title, before=8)
    await harness.tap(user, SAFETY.high_pain.go_on_button)
    for _ in GENTLE.steps(CONTENT):
        await harness.tap(user, "Done")
    shown = len(harness.bot_texts(user))
    await answer_after(harness, user, 10, typed=typed)
    new = harness.bot_texts(user)[shown:]
    safety = [i for i, text in enumerate(new) if SAFETY.high_reading in plain(text)]
    ending = [i for i, text in enumerate(new) if "Routine complete" in text]
    assert len(safety) == 1 and len(ending) == 1, new
    assert safety[0] < ending[0], "the safety message comes first"
    assert_rest_advice(new[safety[0]])
    summary = new[ending[0]]
    assert "Pain 8 → 10" in summary
    assert "🎉" not in summary and "Well done" not in summary and "Streak" not in summary
    assert texts.FEEDBACK_QUESTION not in "\n".join(new)
    labels = [label for _, label in texts.FEEDBACK_BUTTONS]
    assert not any(
        label in message.button_labels()
        for message in harness.server.bot_messages(user.id)
        for label in labels
    )
    assert last(harness, user).button_labels() == []


async def test_a_rise_of_three_below_eight_warns_first_and_asks_nothing_about_the_dose(
    harness: BotHarness,
) -> None:
    """A rise of 3+ to below 8 brings the warning signs (first) with what to do today, not
    the high-reading rest text; no "How was it?" follows (the program held the doses back:
    tester 8, finding 1; tests/test_rise_and_typed_high.py)."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, DESK.title, before=2)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 6)
    *_, warning, ending = harness.bot_texts(user)
    assert SAFETY.pain_rose in plain(warning)
    assert SAFETY.high_pain.rest not in plain(warning)
    assert SAFETY.pain_rose_today in plain(warning)
    assert "Pain 2 → 6" in ending and texts.FEEDBACK_QUESTION not in ending
    assert "🎉" not in ending


async def test_seven_after_a_routine_is_an_ordinary_ending(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, DESK.title, before=6)
    for _ in DESK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 7)
    ending = harness.last_text(user)
    assert "Routine complete" in ending and texts.FEEDBACK_QUESTION in ending
    assert not any(SAFETY.high_pain.rest in plain(text) for text in harness.bot_texts(user))


@pytest.mark.parametrize("typed", [False, True])
async def test_a_pain_reading_of_nine_advises_the_rest_the_next_reminder_recalls(
    harness: BotHarness, typed: bool
) -> None:
    """Before: /pain 9 gave only the warning signs, and that evening's reminder said "I
    suggested giving it a day off stretching"."""
    user = harness.new_user()
    await consented(harness, user, at="20:00", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    if typed:
        await harness.send(user, "9")
    else:
        await harness.tap(user, "9")
    warning = harness.last_text(user)
    assert_rest_advice(warning)
    assert harness.message_with_button(user, "Lower back")  # where: still asked, above

    harness.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # Mon 20:00 in Berlin
    assert (await harness.dispatch()).sent == 1
    reminder = plain(harness.server.last_bot_message(user.id).text or "")
    assert REMINDER_REST in reminder  # and now it was said


async def test_a_pain_reading_of_seven_gives_no_rest_advice(harness: BotHarness) -> None:
    user = harness.new_user()
    await consented(harness, user)
    await harness.tap(user, "7")
    assert not any(SAFETY.high_pain.rest in plain(text) for text in harness.bot_texts(user))
    assert not any(SAFETY.high_reading in plain(text) for text in harness.bot_texts(user))
