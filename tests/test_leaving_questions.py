"""A button or command of another flow never closes an open question silently: either the
question stays valid beside it (a reminder's Snooze and Skip today) or the bot says which
question it closed and that nothing changed. Every open question against every kind of
other flow, through the loopback Bot API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from bot import texts
from bot.domain.questions import Kind
from loopback.server import SimUser
from tests.harness.bot import BotHarness, ask_routine_name, onboard
from tests.harness.seed import entries_of

Step = Callable[[BotHarness, SimUser], Awaitable[None]]

NOTICES = (*texts.QUESTION_LEFT.values(), texts.SETUP_LEFT)


async def _pain_keypad(harness: BotHarness, user: SimUser) -> None:
    await harness.services.pain.give_consent(user.id)
    await harness.send(user, "/pain")


async def _time_question(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")


_name_question: Step = ask_routine_name


async def _delete_question(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/delete")


QUESTIONS: dict[str, tuple[Kind, Step]] = {
    "pain keypad": (Kind.PAIN_LEVEL, _pain_keypad),
    "time": (Kind.TIME, _time_question),
    "routine name": (Kind.ROUTINE_NAME, _name_question),
    "delete": (Kind.DELETE, _delete_question),
}


def _tap(label: str, on: str) -> Step:
    async def step(harness: BotHarness, user: SimUser) -> None:
        await harness.tap(user, label, message_id=harness.message_with_button(user, on))

    return step


def _send(text: str) -> Step:
    async def step(harness: BotHarness, user: SimUser) -> None:
        await harness.send(user, text)

    return step


#: (flow, the step, whether the question stays valid beside it)
FLOWS: dict[str, tuple[Step, bool]] = {
    "reminder skip today": (_tap("Skip today", "Skip today"), True),
    "reminder snooze": (_tap("Snooze", "Snooze"), True),
    "reminder start routine": (_tap("Start routine", "Skip today"), False),
    "/stretch": (_send("/stretch"), False),
    "/settings": (_send("/settings"), False),
    "settings button": (_tap("Weekly summary", "Weekly summary"), False),
    # "⏰ Time" asks its own question, which replaces the open one (bot.handlers.asking).
    "settings time": (_tap("Time", "Time zone"), False),
}


async def _reminder_and_menu(harness: BotHarness, user: SimUser) -> None:
    """A user with today's reminder and a settings menu above whatever comes next."""
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    await harness.send(user, "/settings")


@pytest.mark.parametrize("flow", FLOWS)
@pytest.mark.parametrize("name", QUESTIONS)
async def test_another_flow_keeps_the_question_or_says_it_closed_it(
    harness: BotHarness, name: str, flow: str
) -> None:
    kind, open_question = QUESTIONS[name]
    step, kept = FLOWS[flow]
    user = harness.new_user()
    await _reminder_and_menu(harness, user)
    await open_question(harness, user)
    question = await harness.services.preferences.question(user.id)
    assert question is not None and question.kind is kind
    before = len(harness.server.bot_messages(user.id))

    await step(harness, user)

    said = harness.bot_texts(user)[before:]
    still = await harness.services.preferences.question(user.id)
    if kept:
        assert still == question, "a reminder button leaves the question valid"
        assert question.message_id is not None
        assert harness.server.message(user.id, question.message_id).button_labels()
        assert not any(notice in text for text in said for notice in NOTICES)
    else:
        assert still is None or still.seq != question.seq
        assert question.message_id is not None
        assert harness.server.message(user.id, question.message_id).button_labels() == []
        notices = [text for text in said if any(notice in text for notice in NOTICES)]
        asked_again = flow == "settings time" and kind is Kind.TIME
        expected = [] if asked_again else [texts.question_left(kind.value, onboarded=True)]
        assert notices == expected, said


async def test_skip_today_leaves_the_pain_keypad_working(harness: BotHarness) -> None:
    """The testers' case: Skip today on the reminder while /pain's keypad was open."""
    user = harness.new_user()
    await _reminder_and_menu(harness, user)
    await _pain_keypad(harness, user)
    keypad = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Skip today", message_id=harness.message_with_button(user, "Skip"))
    assert texts.SKIPPED in harness.bot_texts(user)
    await harness.tap(user, "4", message_id=keypad)
    [entry] = await entries_of(harness, user.id)
    assert entry.level == 4
    await harness.send(user, "/pain")
    await harness.send(user, "6")  # typed answers reach the open keypad too
    assert [e.level for e in await entries_of(harness, user.id)] == [4, 6]


async def test_pain_keypad_left_for_stretch_says_so_and_logs_nothing(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await _pain_keypad(harness, user)
    keypad = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "/stretch")
    assert texts.QUESTION_LEFT["pain_level"] in harness.bot_texts(user)
    assert harness.server.message(user.id, keypad).button_labels() == []
    assert await entries_of(harness, user.id) == []


async def test_a_command_that_asks_the_same_question_again_says_nothing_extra(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await _pain_keypad(harness, user)
    await harness.send(user, "/pain")  # a fresh keypad: nothing to say about the old one
    assert texts.QUESTION_LEFT["pain_level"] not in harness.bot_texts(user)
    await harness.send(user, "/settings")  # leaves the keypad: said once
    assert harness.bot_texts(user).count(texts.QUESTION_LEFT["pain_level"]) == 1
    older_menu = harness.message_with_button(user, "Time zone")
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")  # the newer menu becomes the time question
    await harness.tap(user, "Time", message_id=older_menu)  # asked again: nothing to say
    assert texts.QUESTION_LEFT["time"] not in harness.bot_texts(user)
    question = await harness.services.preferences.question(user.id)
    assert question is not None and question.kind is Kind.TIME


async def test_setup_left_for_another_flow_says_setup_is_unfinished(harness: BotHarness) -> None:
    """After /stretch's own reply (the routine picker or the safety text), as a side note."""
    user = harness.new_user()
    await harness.send(user, "/start")
    before = len(harness.bot_texts(user))
    await harness.send(user, "/stretch")
    replies = harness.bot_texts(user)[before:]
    assert replies[-1] == texts.SETUP_LEFT and len(replies) >= 2, replies


async def test_pain_during_setup_is_answered_with_a_side_note_about_reminders(
    harness: BotHarness,
) -> None:
    """/pain while setup's time question is open: /pain's question comes first, then the
    note about the reminders as a side note (it came first and read as /pain refused), and
    /start asks the time question again."""
    user = harness.new_user()
    await harness.send(user, "/start")
    before = len(harness.bot_texts(user))
    await harness.send(user, "/pain")
    *first, note = harness.bot_texts(user)[before:]
    assert note == texts.SETUP_LEFT
    assert "aren't set up yet" in note and "time question" in note and "/start" in note
    assert "isn't finished" not in note and not note.startswith("⏸")
    assert first and "pain" in first[-1].lower() and texts.SETUP_LEFT not in first
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "3")
    await harness.send(user, "/start")
    assert "When should I remind you?" in harness.last_text(user)


ROUTINE_INTERRUPTIONS: dict[str, Step] = {
    "reminder skip today": _tap("Skip today", "Skip today"),
    "reminder snooze": _tap("Snooze", "Snooze"),
    "/settings": _send("/settings"),
    "settings button": _tap("Weekly summary", "Weekly summary"),
    "/pain": _send("/pain"),
}


@pytest.mark.parametrize("flow", ROUTINE_INTERRUPTIONS)
async def test_a_routines_pain_question_stays_valid_beside_another_flow(
    harness: BotHarness, flow: str
) -> None:
    """A routine's own question (how is your back right now?) lives with the run: another
    flow's button or command never cancels it; its keypad still answers afterwards."""
    from tests.test_routines import pain_of

    user = harness.new_user()
    await _reminder_and_menu(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")
    assert "right now" in harness.last_text(user)
    keypad = harness.message_with_button(user, "10")
    before = len(harness.server.bot_messages(user.id))
    await ROUTINE_INTERRUPTIONS[flow](harness, user)
    said = harness.bot_texts(user)[before:]
    assert not any(notice in text for text in said for notice in NOTICES), said
    assert harness.server.message(user.id, keypad).button_labels(), "the keypad stays"
    await harness.tap(user, "5", message_id=keypad)
    assert ("before", 5) in await pain_of(harness, user)
    assert "1 of" in harness.last_text(user)  # the routine goes on at its first stretch


#: A routine's step and keypad buttons read the open question in the tap's own transaction
#: (no check of their own before the handler): each still leaves it and says so.
ROUTINE_BUTTONS = ("Done", "an old step's Done", "keypad")


@pytest.mark.parametrize(
    ("name", "button"),
    [
        (name, button)
        for name in QUESTIONS
        for button in ROUTINE_BUTTONS
        # /pain opens no keypad of its own while the routine's is open: it points at that
        # one instead (tests/test_pain_questions.py), so the two are never open together.
        if (name, button) != ("pain keypad", "keypad")
    ],
)
async def test_a_routine_button_leaves_the_question_and_says_so(
    harness: BotHarness, name: str, button: str
) -> None:
    kind, open_question = QUESTIONS[name]
    user = harness.new_user()
    await onboard(harness, user)
    if button == "keypad":
        await harness.services.pain.give_consent(user.id)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    pressed: tuple[int, str]
    if button == "keypad":
        keypad = harness.message_with_button(user, "10")
        pressed = (keypad, harness._button_data(user, keypad, "5"))
        goes_on = "1 of"
    else:
        await harness.tap(user, "No thanks")  # no pain log: straight to the first stretch
        step = harness.message_with_button(user, "Done")
        pressed = (step, harness._button_data(user, step, "Done"))
        goes_on = "2 of"
        if button == "an old step's Done":
            await harness.tap(user, "Done")
            goes_on = "2 of"  # the old button changes nothing
    await open_question(harness, user)
    question = await harness.services.preferences.question(user.id)
    assert question is not None and question.kind is kind and question.message_id is not None
    before = len(harness.server.bot_messages(user.id))

    if button == "an old step's Done":  # its buttons are gone: a client still showing them
        await harness.forge(user, *pressed)
    else:
        await harness.press(user, *pressed)

    said = harness.bot_texts(user)[before:]
    still = await harness.services.preferences.question(user.id)
    assert still is None or still.seq != question.seq, "the question stayed open"
    assert harness.server.message(user.id, question.message_id).button_labels() == []
    notices = [text for text in said if any(notice in text for notice in NOTICES)]
    assert notices == [texts.question_left(kind.value, onboarded=True)], said
    active = await harness.services.routines.active(user.id)
    assert active is not None
    assert any(goes_on in text for text in harness.bot_texts(user)), said
    if button == "an old step's Done":
        assert active.state.step_index == 1, "an old button moved the routine"
