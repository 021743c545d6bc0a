"""Guided routines through the loopback Bot API: every routine, every button, restarts."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import texts
from bot.clock import ManualClock
from bot.content import ContentError, load_content
from bot.db.models import PainEntry, RoutineRun
from bot.handlers.routines import TimerTicks, tick_timers
from loopback import LoopbackBotAPI
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, database_url, make_settings, onboard

REPO = Path(__file__).resolve().parents[1]
CONTENT = load_content(REPO / "content")


def last(harness: BotHarness, user: SimUser) -> SimMessage:
    return harness.server.last_bot_message(user.id)


async def runs_of(harness: BotHarness, user: SimUser) -> list[RoutineRun]:
    async with harness.services.sessions() as session:
        return list(
            await session.scalars(
                select(RoutineRun).where(RoutineRun.user_id == user.id).order_by(RoutineRun.id)
            )
        )


async def pain_of(harness: BotHarness, user: SimUser) -> list[tuple[str, int]]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(PainEntry).where(PainEntry.user_id == user.id).order_by(PainEntry.id)
        )
        return [(row.context, row.level) for row in rows]


async def begin_routine(
    harness: BotHarness,
    user: SimUser,
    title: str,
    *,
    consent: bool = True,
    before: int | None = 5,
    go_on: bool = True,
) -> None:
    """/stretch, pick a routine, answer consent and the before check; `go_on`: when the
    reading brings advice (a bad day: switch to gentle, go on or stop), go on."""
    await harness.send(user, "/stretch")
    await harness.tap(user, title)
    if "Track your pain?" in harness.last_text(user):
        await harness.tap(user, "Yes, keep track" if consent else "No thanks")
    if consent:
        assert "right now" in harness.last_text(user)
        if before is None:
            await harness.tap(user, "Skip")
        else:
            await harness.press(
                user, last(harness, user).message_id, _level_data(harness, user, before)
            )
            if go_on and texts.GO_ON_BUTTON in last(harness, user).button_labels():
                await harness.tap(user, texts.GO_ON_BUTTON)  # the reading brought advice


def _level_data(harness: BotHarness, user: SimUser, level: int) -> str:
    message = last(harness, user)
    for button in message.buttons():
        if button["text"] == str(level):
            return str(button["callback_data"])
    raise AssertionError(f"no keypad on the last message: {message.button_labels()}")


async def tap_level(harness: BotHarness, user: SimUser, level: int) -> None:
    await harness.press(user, last(harness, user).message_id, _level_data(harness, user, level))


@pytest.mark.parametrize("routine_id", list(CONTENT.routines))
async def test_complete_every_shipped_routine(harness: BotHarness, routine_id: str) -> None:
    routine = CONTENT.routines[routine_id]
    steps = routine.steps(CONTENT)
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, routine.title, before=6)
    for number, step in enumerate(steps, 1):
        message = last(harness, user)
        assert message.animation is not None, "each stretch comes with its clip"
        assert f"{number} of {len(steps)} · {step.stretch.name}" in (message.caption or "")
        assert "1. " in (message.caption or "")
        harness.clock.advance(timedelta(seconds=40))
        await harness.tap(user, "Done")
    assert "How is your back" in harness.last_text(user)
    await tap_level(harness, user, 3)
    summary = harness.last_text(user)
    assert "Routine complete" in summary
    assert f"{len(steps)} stretch" in summary
    assert "Pain 6 → 3" in summary
    assert "Streak: 1 day" in summary
    assert await pain_of(harness, user) == [("before", 6), ("after", 3)]
    [run] = await runs_of(harness, user)
    assert run.status == "completed" and run.steps_done == len(steps)


async def test_easier_version_and_skip(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    step_message = last(harness, user).message_id
    first = CONTENT.routines["quick"].steps(CONTENT)[0].stretch
    await harness.tap(user, "Easier version")
    edited = harness.server.message(user.id, step_message)
    assert f"Easier version: {first.easier.name}" in (edited.caption or "")
    assert first.easier.start.split(",")[0] in (edited.caption or "")  # complete instructions
    assert "↩️ Standard version" in edited.button_labels()
    await harness.tap(user, "↩️ Standard version")
    assert first.steps[0] in (harness.server.message(user.id, step_message).caption or "")
    await harness.tap(user, "Skip")
    assert "2 of 5" in (last(harness, user).caption or "")
    for _ in range(4):
        await harness.tap(user, "Done")
    await harness.tap(user, "Skip")  # no after check
    assert "4 stretches (1 skipped)" in harness.last_text(user)


async def test_hold_timer_counts_down_with_the_clock(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")  # cat-cow (reps) → child's pose → knee-to-chest (20 s each leg)
    await harness.tap(user, "Done")
    message_id = last(harness, user).message_id
    assert "⏱ Start 20 s · right leg" in last(harness, user).button_labels()
    await harness.tap(user, "Start 20 s")
    caption = harness.server.message(user.id, message_id).caption or ""
    assert "20 s left (right leg)" in caption
    edits = len(harness.server.calls_to("editMessageCaption"))
    harness.clock.advance(timedelta(seconds=6))
    assert await tick_timers(harness.app.bot, harness.services) == 1  # type: ignore[union-attr]
    assert "14 s left" in (harness.server.message(user.id, message_id).caption or "")
    harness.clock.advance(timedelta(seconds=2))  # too soon for another edit
    assert await tick_timers(harness.app.bot, harness.services) == 0  # type: ignore[union-attr]
    assert len(harness.server.calls_to("editMessageCaption")) == edits + 1
    harness.clock.advance(timedelta(seconds=12))
    await tick_timers(harness.app.bot, harness.services)  # type: ignore[union-attr]
    caption = harness.server.message(user.id, message_id).caption or ""
    assert "Time's up!" in caption and "Next: left leg" in caption
    await harness.tap(user, "Start 20 s · left leg")
    harness.clock.advance(timedelta(seconds=25))
    await tick_timers(harness.app.bot, harness.services)  # type: ignore[union-attr]
    caption = harness.server.message(user.id, message_id).caption or ""
    assert "Time's up!" in caption and "Tap ✅ Done" in caption
    assert not any("Start" in label for label in last(harness, user).button_labels())
    await harness.tap(user, "Done")
    assert "4 of 5" in (last(harness, user).caption or "")


async def test_a_countdown_edit_that_runs_late_shows_the_time_it_is_sent(
    harness: BotHarness,
) -> None:
    """The testers' frozen countdown: a tick's edits run after the tick began (other users'
    edits first, the database, the event loop); the edit used the tick's instant for its
    caption but recorded the later one as its last edit, so a card showed "9 s left" at
    3 s left and kept it until the time was up. Now the caption is worked out for the
    instant the edit is made."""
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")
    await harness.tap(user, "Done")
    message_id = last(harness, user).message_id
    await harness.tap(user, "Start 20 s")

    def shown() -> str:
        return harness.server.message(user.id, message_id).caption or ""

    ticks = TimerTicks()
    harness.clock.advance(timedelta(seconds=11))
    late = await ticks.tick(harness.app.bot, harness.services, asyncio.ensure_future)  # type: ignore[arg-type]
    harness.clock.advance(timedelta(seconds=6))  # before the edit got its turn
    await asyncio.gather(*late)
    assert "3 s left" in shown(), shown()
    harness.clock.advance(timedelta(seconds=3))
    await tick_timers(harness.app.bot, harness.services)  # type: ignore[union-attr]
    assert "Time's up!" in shown(), shown()


async def test_it_hurts_ends_kindly_and_old_buttons_say_the_routine_ended(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    first = last(harness, user)
    old_done = next(b["callback_data"] for b in first.buttons() if b["text"] == "✅ Done")
    await harness.tap(user, "Done")
    step = last(harness, user)
    stale_done = next(b["callback_data"] for b in step.buttons() if b["text"] == "✅ Done")
    await harness.tap(user, "It hurts")
    text = harness.last_text(user)
    assert CONTENT.safety.it_hurts.split("\n")[0][:40] in text
    [run] = await runs_of(harness, user)
    assert run.status == "hurt" and run.finished_at is not None
    # Done on the card "It hurts" was tapped on: the ending is just below, a toast only
    sent = len(harness.bot_texts(user))
    await harness.forge(user, step.message_id, str(stale_done))
    answer = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert answer["text"] == "This routine has ended." and not answer.get("show_alert")
    assert len(harness.bot_texts(user)) == sent
    # an older card's button: the routine ended, with a way to start again
    await harness.forge(user, first.message_id, str(old_done))
    answer = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert answer["text"] == "This routine has ended."
    assert "Start a routine" in last(harness, user).button_labels()[0]


async def test_stop(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", before=None)
    await harness.tap(user, "Done")
    await harness.tap(user, "Stop")
    assert "Routine stopped" in harness.last_text(user)
    [run] = await runs_of(harness, user)
    assert run.status == "stopped" and run.steps_done == 1
    assert await pain_of(harness, user) == []  # the before check was skipped


async def test_double_tap_advances_once_and_an_old_step_is_behind_you(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    first = last(harness, user)
    done = next(str(b["callback_data"]) for b in first.buttons() if b["text"] == "✅ Done")
    await harness.double_tap(user, "Done")
    assert "2 of 5" in (last(harness, user).caption or "")
    [run] = await runs_of(harness, user)
    assert run.step_index == 1 and run.steps_done == 1
    answers = [c.params.get("text") for c in harness.server.calls_to("answerCallbackQuery")]
    assert "That step is already behind you." in answers
    assert first.message_id != last(harness, user).message_id
    assert harness.server.message(user.id, first.message_id).button_labels() == []
    await harness.forge(user, first.message_id, done)  # an old client re-sends it
    [run] = await runs_of(harness, user)
    assert run.step_index == 1


async def test_forged_routine_buttons_are_rejected(harness: BotHarness) -> None:
    user, other = harness.new_user(), harness.new_user("Eve")
    await onboard(harness, user)
    await onboard(harness, other)
    await begin_routine(harness, user, "Quick start")
    [run] = await runs_of(harness, user)
    anywhere = last(harness, other).message_id
    for forged in [
        f"rt:{run.id}:{run.version}:done",
        f"rp:{run.id}:{run.version}:3",
        "rt:999999:0:done",
        "go:nonexistent",
        "gx:../../etc",
        "rp:1:1:11",
    ]:
        await harness.forge(other, anywhere, forged)
    [after] = await runs_of(harness, user)
    assert after.step_index == run.step_index and after.version == run.version
    assert await runs_of(harness, other) == []
    assert await pain_of(harness, other) == []


async def test_text_mid_routine_gets_a_hint_also_after_a_restart(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.send(user, "done!")
    assert "middle of <b>Quick start</b>" not in harness.last_text(user)
    assert "You're in the middle of Quick start (1 of 5)" in harness.last_text(user)
    await harness.restart()
    await harness.send(user, "what now?")
    assert "You're in the middle of Quick start (1 of 5)" in harness.last_text(user)


async def test_typed_hints_quote_the_message_with_their_buttons(harness: BotHarness) -> None:
    """A hint typed at the consent question, the pain keypad or a stretch card names that
    message ("on my question", "on the pain keypad", "on the stretch card"), never "above",
    and quotes it: after other messages came in (here the /progress chart) the buttons are
    no longer just above, and the quote leads to them."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")

    async def hint_after(typed: str, button: str) -> str:
        holder = harness.message_with_button(user, button)
        await harness.send(user, typed)
        hint = last(harness, user)
        text = hint.text or ""
        assert "above" not in text and "below" not in text, text
        assert hint.reply_to is not None and hint.reply_to["message_id"] == holder, text
        assert harness.message_with_button(user, button) == holder  # its buttons still work
        return text

    assert "on my question" in await hint_after("hmm", "Yes, keep track")
    await harness.send(user, "/progress")  # a new message comes after the question
    assert last(harness, user).photo
    assert "on my question" in await hint_after("what now", "Yes, keep track")
    await harness.tap(user, "Yes, keep track")
    assert "on the pain keypad" in await hint_after("meh", "10")
    await harness.send(user, "5")
    assert "on the stretch card" in await hint_after("ok", "✅ Done")
    assert "🤕 It hurts" in await hint_after("my back hurts", "✅ Done")


async def test_restart_in_the_middle_continues_at_the_right_step(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")
    await harness.tap(user, "Done")
    assert "3 of 5" in (last(harness, user).caption or "")
    await harness.restart()
    await harness.tap(user, "Done")
    assert "4 of 5" in (last(harness, user).caption or "")
    [run] = await runs_of(harness, user)
    assert run.step_index == 3 and run.steps_done == 3


async def test_one_active_routine_continue_or_start_over(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start")
    await harness.tap(user, "Done")
    await harness.send(user, "/stretch")
    assert "in progress (2 of 5)" in harness.last_text(user)
    await harness.tap(user, "Continue")
    assert "2 of 5" in (last(harness, user).caption or "")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Start over")
    runs = await runs_of(harness, user)
    assert [r.status for r in runs] == ["abandoned", "active"]
    assert "right now" in harness.last_text(user)  # consent already given: straight to pain


async def test_reminder_button_starts_the_default_routine(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    await harness.tap(user, "Start routine")
    assert "Track your pain?" in harness.last_text(user)
    await harness.tap(user, "No thanks")
    assert "1 of 5 · " in (last(harness, user).caption or "")
    for _ in range(5):
        await harness.tap(user, "Done")
    assert "Routine complete" in harness.last_text(user)  # no after check without consent
    assert await pain_of(harness, user) == []


async def test_illustrations_upload_once_then_reuse_file_ids(harness: BotHarness) -> None:
    stretches = {step.stretch.id for step in CONTENT.routines["quick"].steps(CONTENT)}
    for name in ("A", "B"):
        user = harness.new_user(name)
        await onboard(harness, user)
        await begin_routine(harness, user, "Quick start", consent=False)
        for _ in range(5):
            await harness.tap(user, "Done")
    clips = harness.server.calls_to("sendAnimation")
    assert len(clips) == 10, "every step of both runs is a looping clip"
    assert harness.server.calls_to("sendPhoto") == []
    assert harness.server.upload_count == len(stretches)
    assert harness.server.reuse_count == 10 - len(stretches)
    assert all(isinstance(call.params["animation"], str) for call in clips[5:])


async def test_easier_version_swaps_the_clip_in_place(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Quick start", consent=False)
    card = last(harness, user)
    assert card.animation is not None
    standard = harness.server.file_bytes(card.animation["file_id"])
    first = CONTENT.routines["quick"].steps(CONTENT)[0].stretch
    assert standard == (REPO / "content" / "animations" / f"{first.id}.mp4").read_bytes()

    await harness.tap(user, "🪶 Easier version")
    edited = harness.server.message(user.id, card.message_id)
    assert edited.animation is not None, "still the same message, now with the easier clip"
    easier = harness.server.file_bytes(edited.animation["file_id"])
    assert easier == CONTENT.illustration(first, easier=True).path.read_bytes()
    assert easier != standard
    assert "Easier version" in (edited.caption or "")
    assert len(harness.server.calls_to("editMessageMedia")) == 1

    await harness.tap(user, "↩️ Standard version")
    back = harness.server.message(user.id, card.message_id)
    assert back.animation is not None
    assert back.animation["file_id"] == card.animation["file_id"], "reused, not re-uploaded"


async def test_invalid_content_stops_start_up_naming_file_and_field(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(REPO / "content", broken)
    path = broken / "stretches" / "bridge.yaml"
    path.write_text(path.read_text().replace("reps: 8", "reps: lots"))
    settings = make_settings(server, database_url(tmp_path), content_dir=broken)
    harness = BotHarness(server, settings, clock)
    with pytest.raises(ContentError, match=r"stretches/bridge.yaml: dose.reps"):
        await harness.start()
    await harness.stop()


async def test_default_routine_is_chosen_in_settings_and_started_by_the_reminder(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.send(user, "/settings")
    assert "Reminder routine: Quick start" in harness.last_text(user)
    await harness.tap(user, "🧘 Reminder routine")
    assert "Which reminder routine?" in harness.last_text(user)
    await harness.tap(user, "Desk break")
    toast = harness.server.calls_to("answerCallbackQuery")[-1].params.get("text")
    assert toast == "⏰ Reminders will start Desk break"  # the same toast as a routine's card
    assert "Reminder routine: Desk break" in harness.last_text(user)
    await harness.send(user, "/stretch")
    assert "⭐ Desk break" in " ".join(last(harness, user).button_labels())
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    await harness.tap(user, "Start routine")
    await harness.tap(user, "No thanks")
    desk = CONTENT.routines["desk"].steps(CONTENT)
    assert f"1 of {len(desk)} · {desk[0].stretch.name}" in (last(harness, user).caption or "")


async def test_pain_rising_by_three_in_a_routine_brings_red_flag_guidance(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Desk break", before=2)
    for _ in CONTENT.routines["desk"].steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 5)
    texts = harness.bot_texts(user)
    assert "Pain 2 → 5" in texts[-1]
    assert CONTENT.safety.red_flags.emergency.signs[0] in texts[-2]  # safety first
    assert CONTENT.safety.pain_rose in texts[-2]
    assert "🎉" not in texts[-1] and "Well done" not in texts[-1]  # nothing to celebrate


async def test_no_red_flags_when_pain_eases(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Desk break", before=5)
    for _ in CONTENT.routines["desk"].steps(CONTENT):
        await harness.tap(user, "Done")
    await tap_level(harness, user, 3)
    assert "Routine complete" in harness.last_text(user)


async def test_bad_day_puts_the_gentle_routine_first_in_stretch(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes")
    await harness.tap(user, "7")
    await harness.send(user, "/stretch")
    text = harness.last_text(user)
    assert "gentle routine is a kind place to start" in text
    assert last(harness, user).button_labels()[0].startswith("Gentle day")


async def test_declining_the_pain_log_is_remembered_until_pain_turns_it_on(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await begin_routine(harness, user, "Desk break", consent=False)
    await harness.tap(user, "Stop")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Desk break")
    assert "1 of 3 · " in (last(harness, user).caption or "")  # no question this time
    await harness.tap(user, "Stop")
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Desk break")
    assert "right now" in harness.last_text(user)
    assert await pain_of(harness, user) == []
