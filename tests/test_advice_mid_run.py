"""Advice brought by the "Pain before" reading of a run already under way is honoured by
that run, not only by the next start: a reading that makes today a bad day (7, or a rise of
the 3-day average) or begins the persistent-pain rule, before a routine that isn't gentle,
asks 🌱 Switch to gentle · ▶️ Go on · 🛌 Stop for today (through the loopback Bot API)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import texts
from bot.db.models import RoutineRun
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry
from tests.test_routines import CONTENT, begin_routine, last, tap_level

GENTLE = CONTENT.gentle_routine
QUICK = CONTENT.routines["quick"]
CHOICES = [texts.SWITCH_GENTLE_BUTTON, texts.GO_ON_BUTTON, texts.STOP_FOR_TODAY_BUTTON]


async def the_run(harness: BotHarness, user: SimUser) -> RoutineRun:
    async with harness.services.sessions() as session:
        run = await session.scalar(
            select(RoutineRun).where(RoutineRun.user_id == user.id).order_by(RoutineRun.id.desc())
        )
    assert run is not None
    return run


def first_card(harness: BotHarness, user: SimUser) -> str:
    return last(harness, user).caption or ""


async def test_a_bad_day_reading_offers_gentle_now_and_switching_takes_it(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=7, go_on=False)
    message = last(harness, user)
    assert "gentle routine" in (message.text or "")
    assert message.button_labels() == CHOICES
    assert "Pain before: 7/10" in "\n".join(harness.bot_texts(user))  # the reading is kept
    # Typed text while it waits says which buttons; nothing changes.
    await harness.send(user, "hmm")
    assert texts.SWITCH_GENTLE_BUTTON.split(" ", 1)[1].lower() in harness.last_text(user).lower()
    assert (await the_run(harness, user)).phase == "suggest"
    await harness.tap(user, texts.SWITCH_GENTLE_BUTTON)
    run = await the_run(harness, user)
    assert run.routine_id == GENTLE.id and run.phase == "step"
    first = GENTLE.steps(CONTENT)[0].stretch.name
    assert f"1 of {len(GENTLE.steps(CONTENT))} · {first}" in first_card(harness, user)


async def test_go_on_keeps_the_routine_and_a_double_tap_changes_nothing(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=7, go_on=False)
    message_id = last(harness, user).message_id
    await harness.double_tap(user, texts.GO_ON_BUTTON, message_id)
    run = await the_run(harness, user)
    assert run.routine_id == QUICK.id and run.phase == "step" and run.step_index == 0
    first = QUICK.steps(CONTENT)[0].stretch.name
    assert f"1 of {len(QUICK.steps(CONTENT))} · {first}" in first_card(harness, user)


async def test_stop_for_today_ends_the_run_as_a_rest_day(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=7, go_on=False)
    await harness.tap(user, texts.STOP_FOR_TODAY_BUTTON)
    run = await the_run(harness, user)
    assert run.status == "hurt" and run.phase == "finished"
    # The next start the same day honours the rest it chose.
    await harness.send(user, "/stretch")
    await harness.tap(user, QUICK.title)
    assert CONTENT.safety.high_pain.gentle_button in last(harness, user).button_labels()


async def test_no_question_when_nothing_new_was_advised(harness: BotHarness) -> None:
    """A calm reading, a gentle routine, or a bad day the user already knew of when they
    picked the routine (the picker offered gentle first): straight to the first stretch."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, QUICK.title, before=3, go_on=False)
    assert " · " in first_card(harness, user)
    await harness.tap(user, "Stop")

    await begin_routine(harness, user, GENTLE.title, before=7, go_on=False)
    assert " · " in first_card(harness, user)
    await harness.tap(user, "Stop")

    other = harness.new_user("Bea")
    await onboard(harness, other)
    await add_entry(harness, other.id, harness.clock.now() - timedelta(hours=1), 7)
    await begin_routine(harness, other, QUICK.title, before=7, go_on=False)
    assert " · " in first_card(harness, other)


async def test_a_reading_that_begins_the_persistent_pain_rule_offers_gentle(
    harness: BotHarness,
) -> None:
    """Three weeks of no improvement, made so by this reading: the advice, then the choice."""
    user = harness.new_user()
    await onboard(harness, user)
    now = harness.clock.now()
    for days in (20, 17, 14):
        await add_entry(harness, user.id, now - timedelta(days=days), 5)
    await begin_routine(harness, user, QUICK.title, before=5, go_on=False)
    said = "\n".join(harness.bot_texts(user))
    assert CONTENT.safety.persistent_pain.split(".")[0] in said
    assert last(harness, user).button_labels() == CHOICES
    await harness.tap(user, texts.GO_ON_BUTTON)
    assert " · " in first_card(harness, user)
    for _ in QUICK.steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 5)
    assert "Routine complete" in harness.last_text(user)
