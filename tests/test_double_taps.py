"""A double tap acts once and sends nothing the second time: every button that ends a
routine (Stop, It hurts, the last Done, Rest today), and every button that starts or
shows one (a routine in the picker, Continue, Start over). Through the real bot on the
loopback Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import texts
from bot.content import load_content
from bot.db.models import RoutineRun
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.test_routines import begin_routine

SAFETY = load_content(Path(__file__).resolve().parents[1] / "content").safety


def answers(harness: BotHarness) -> list[str | None]:
    return [c.params.get("text") for c in harness.server.calls_to("answerCallbackQuery")]


def sent(harness: BotHarness, user: SimUser) -> int:
    return len(harness.server.bot_messages(user.id))


async def runs_of(harness: BotHarness, user: SimUser) -> list[RoutineRun]:
    async with harness.services.sessions() as session:
        found = await session.scalars(
            select(RoutineRun).where(RoutineRun.user_id == user.id).order_by(RoutineRun.id)
        )
        return list(found)


async def at_last_step(harness: BotHarness, user: SimUser) -> None:
    while "5 of 5" not in harness.last_text(user):
        await harness.tap(user, "Done")


@pytest.mark.parametrize("ending", ["Stop", "It hurts", "last Done", "Rest today"])
async def test_double_tapping_an_ending_sends_one_ending(harness: BotHarness, ending: str) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    if ending == "Rest today":  # a high reading before the routine: gentle or rest
        await begin_routine(harness, user, "Quick start", before=9)
        label = SAFETY.high_pain.rest_button
    else:
        await begin_routine(harness, user, "Quick start", consent=False)
        label = "Done" if ending == "last Done" else ending
    if ending == "last Done":
        await at_last_step(harness, user)
    before = sent(harness, user)
    await harness.double_tap(user, label)
    after = harness.bot_texts(user)[before:]
    assert len(after) == 1, after  # the ending, once
    assert not any(texts.ROUTINE_ENDED in t for t in after)
    assert answers(harness)[-1] in {texts.ROUTINE_ENDED, texts.QUESTION_ANSWERED}
    assert [c.params.get("show_alert") for c in harness.server.calls_to("answerCallbackQuery")][
        -1
    ] in (None, False), "a toast, not an alert"
    [run] = await runs_of(harness, user)
    assert run.status != "active"


async def test_double_tapping_a_routine_in_the_picker_starts_it_once(
    harness: BotHarness,
) -> None:
    user = harness.new_user()  # the tester's repro: a new user, /stretch, Quick start twice
    await harness.send(user, "/stretch")
    before = sent(harness, user)
    await harness.double_tap(user, "Quick start")
    after = harness.bot_texts(user)[before:]
    assert "Track your pain?" in after[-1]
    assert not any("in progress" in t for t in after), after
    assert sum("Track your pain?" in t for t in after) == 1
    assert answers(harness)[-1] == texts.routine_under_way("Quick start")
    assert len(await runs_of(harness, user)) == 1
    await harness.tap(user, "No thanks")
    assert "1 of 5" in harness.last_text(user)


async def test_double_tapping_continue_or_start_over_acts_once(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", consent=False)
    await harness.send(user, "/stretch")  # in progress: Continue or start over?
    conflict = harness.message_with_button(user, "Continue")
    before = sent(harness, user)
    await harness.double_tap(user, "Continue", conflict)
    assert len(harness.bot_texts(user)[before:]) == 1  # the step, once
    assert "1 of 5" in harness.last_text(user)
    await harness.send(user, "/stretch")
    before = sent(harness, user)
    await harness.double_tap(user, "Start over")
    after = harness.bot_texts(user)[before:]
    assert len(after) == 1 and "1 of 5" in after[0], after
    runs = await runs_of(harness, user)
    assert [r.status for r in runs] == ["abandoned", "active"]  # not a third run
    # a different routine from an old picker still asks, as before
    await harness.tap(user, "Done")
    assert "2 of 5" in harness.last_text(user)


def last_two_answers(harness: BotHarness) -> list[tuple[str | None, bool]]:
    """(text, shown as an alert) of the last two callback answers: a double tap's."""
    calls = harness.server.calls_to("answerCallbackQuery")[-2:]
    return [(c.params.get("text"), bool(c.params.get("show_alert"))) for c in calls]


async def test_a_double_tap_on_a_question_button_is_answered_quietly(
    harness: BotHarness,
) -> None:
    """The time zone's "✅ Yes", its "No, change it", a time preset and a question's Back,
    each tapped twice: acted on once; the second answer is a quiet toast saying it's done
    (an alert is for what the user must read), and the menu the first tap showed keeps
    its buttons."""
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Berlin")
    await harness.double_tap(user, "No, change it")
    assert last_two_answers(harness)[1] == (texts.ZONE_ALREADY_ASKED, False)
    assert sum("Which time zone" in t for t in harness.bot_texts(user)) == 2, "asked once more"
    await harness.send(user, "Berlin")
    before = sent(harness, user)
    await harness.double_tap(user, "Yes")
    first, second = last_two_answers(harness)
    assert not first[1] and second == ("Time zone already set: Europe/Berlin ✅", False)
    assert len(harness.bot_texts(user)[before:]) == 1, "one 'all set'"
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.onboarded and stored.time_zone == "Europe/Berlin"
    # In /settings: a preset time twice, then Back twice.
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.double_tap(user, "08:00")
    assert last_two_answers(harness)[1] == ("Reminder time already set: 08:00 ✅", False)
    assert sum("Reminder time set to" in t for t in harness.bot_texts(user)) == 1
    await harness.tap(user, "Time")
    menu = harness.server.last_bot_message(user.id).message_id
    await harness.double_tap(user, "Back", menu)
    assert last_two_answers(harness)[1] == (texts.NOTHING_TO_CANCEL_TOAST, False)
    assert "⏸ Pause" in harness.server.message(user.id, menu).button_labels(), "kept"


async def test_a_double_tap_on_a_settings_switch_switches_it_once(harness: BotHarness) -> None:
    """ "📊 Weekly summary" and a weekday carry the state wanted: tapped twice, the switch
    moves once (it used to switch back), and the second tap is told quietly it's done.
    An older menu's switch (without the state) still switches."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    menu = harness.server.last_bot_message(user.id).message_id
    await harness.double_tap(user, "Weekly summary: on", menu)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.weekly_summary
    assert last_two_answers(harness) == [
        ("Weekly summary off", False),
        ("Weekly summary already off", False),
    ]
    assert "📊 Weekly summary: off" in harness.server.message(user.id, menu).button_labels()
    await harness.tap(user, "Days", menu)
    await harness.double_tap(user, "Tue", menu)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.weekdays_mask == 0b1111101
    assert last_two_answers(harness)[1] == ("That day is already off", False)
    assert "▫️ Tue" in harness.server.message(user.id, menu).button_labels()
    # An older message's toggle data, without the state wanted, still switches the day.
    await harness.forge(user, menu, "d:1")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.weekdays_mask == 0b1111111
