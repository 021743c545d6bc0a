"""Issue #8, "Bot API errors are part of the flow": Telegram's documented failures of
answering, editing and sending, injected through the loopback Bot API with Telegram's own
wording, leave the user able to go on and never reach the global error handler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot import texts
from bot.botapi.errors import Failure, classify
from bot.db.models import Delivery, RoutineRun
from bot.handlers.routines import TimerTicks, tick_timers
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.snapshot import errors_logged

NOT_FOUND = "Bad Request: message to edit not found"
CANT_EDIT = "Bad Request: message can't be edited"


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (
            BadRequest(
                "Bad Request: query is too old and response timeout expired or query ID is invalid"
            ),
            Failure.QUERY_EXPIRED,
        ),
        (
            BadRequest(
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message"
            ),
            Failure.NOT_MODIFIED,
        ),
        (BadRequest(NOT_FOUND), Failure.MESSAGE_GONE),
        (BadRequest(CANT_EDIT), Failure.MESSAGE_GONE),
        (BadRequest("Bad Request: there is no text in the message to edit"), Failure.MESSAGE_GONE),
        (BadRequest("Bad Request: chat not found"), Failure.UNREACHABLE),
        (Forbidden("Forbidden: bot was blocked by the user"), Failure.UNREACHABLE),
        (Forbidden("Forbidden: user is deactivated"), Failure.UNREACHABLE),
        (RetryAfter(timedelta(seconds=3)), Failure.RATE_LIMITED),
        (TimedOut(), Failure.NETWORK),
        (NetworkError("httpx.RemoteProtocolError: Server disconnected"), Failure.NETWORK),
        (NetworkError("Internal Server Error (500)"), Failure.SERVER),
        (NetworkError("Bad Gateway"), Failure.SERVER),
        (BadRequest("Bad Request: can't parse entities: unsupported start tag"), None),
        (BadRequest("Bad Request: message text is empty"), None),
    ],
)
def test_documented_failures_are_classified(error: Exception, failure: Failure | None) -> None:
    assert classify(error) is failure  # type: ignore[arg-type]


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


async def test_double_tap_whose_second_edit_is_not_modified_is_success(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Days")
    days = harness.message_with_button(user, "Done")
    before = len(harness.server.calls_to("editMessageText"))
    await harness.double_tap(user, "⬅️ Done", message_id=days)
    edits = harness.server.calls_to("editMessageText")[before:]
    assert [call.ok for call in edits] == [True, False]
    assert "message is not modified" in (edits[1].description or "")
    assert "Your settings" in harness.server.message(user.id, days).text  # type: ignore[operator]
    assert texts.ERROR not in harness.bot_texts(user)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("description", [NOT_FOUND, CANT_EDIT])
async def test_an_edit_that_fails_sends_a_new_message(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, description: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    menu = harness.message_with_button(user, "Weekly summary")
    harness.server.fail_next("editMessageText", error_code=400, description=description)
    sent = len(harness.server.bot_messages(user.id))
    await harness.tap(user, "Weekly summary: on", message_id=menu)
    assert len(harness.server.bot_messages(user.id)) == sent + 1  # a new message instead
    assert "Weekly summary: off" in harness.last_text(user)
    assert "📊 Weekly summary: off" in harness.server.last_bot_message(user.id).button_labels()
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.weekly_summary
    assert last_answer(harness) == "Weekly summary off"
    assert errors_logged(caplog) == []


# --- routines: the next step that never arrived -------------------------------------------


async def runs_of(harness: BotHarness, user: SimUser) -> list[RoutineRun]:
    async with harness.services.sessions() as session:
        return list(
            await session.scalars(
                select(RoutineRun).where(RoutineRun.user_id == user.id).order_by(RoutineRun.id)
            )
        )


async def start_quick(harness: BotHarness, user: SimUser) -> int:
    """Onboard, start "Quick start" without a pain log; the first step's message id."""
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    assert "1 of 5" in harness.last_text(user)
    return harness.server.last_bot_message(user.id).message_id


def break_next_step(harness: BotHarness, how: str) -> None:
    if how == "dropped":
        harness.server.drop_next("sendAnimation")
    elif how == "5xx":
        harness.server.fail_next("sendAnimation", error_code=500)
    else:  # 429 more often than PTB's rate limiter retries
        harness.server.fail_next("sendAnimation", error_code=429, retry_after=1, times=3)


@pytest.mark.parametrize("how", ["dropped", "5xx", "429"])
async def test_a_step_that_failed_to_send_is_sent_again_on_the_next_tap(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    user = harness.new_user()
    first = await start_quick(harness, user)
    break_next_step(harness, how)
    await harness.tap(user, "Done", message_id=first)
    [run] = await runs_of(harness, user)
    assert run.step_index == 1 and run.shown_version != run.version  # advanced, not shown
    assert "1 of 5" in harness.last_text(user)  # nothing new arrived
    # The first step's buttons are still there; any of them brings the current step back.
    assert "⏭ Skip" in harness.server.message(user.id, first).button_labels()
    await harness.tap(user, "Skip", message_id=first)
    assert "2 of 5" in harness.last_text(user)
    assert last_answer(harness) != texts.STEP_BEHIND
    [run] = await runs_of(harness, user)
    assert run.step_index == 1 and run.steps_skipped == 0  # the stale tap changed nothing
    assert run.shown_version == run.version
    assert harness.server.message(user.id, first).button_labels() == []
    # And it carries on as usual.
    await harness.tap(user, "Done")
    assert "3 of 5" in harness.last_text(user)
    # PTB's rate limiter logs its own give-up; the bot's error handler is never reached.
    assert errors_logged(caplog, besides=("telegram.ext.AIORateLimiter",)) == []


async def test_any_text_sends_a_step_that_never_arrived(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    first = await start_quick(harness, user)
    harness.server.drop_next("sendAnimation")
    await harness.tap(user, "Done", message_id=first)
    assert "1 of 5" in harness.last_text(user)
    await harness.send(user, "hello?")
    step = harness.server.last_bot_message(user.id)
    assert step.has_media and "2 of 5" in (step.caption or "")
    assert "✅ Done" in step.button_labels()
    # Once it is there, text gets the usual hint again.
    await harness.send(user, "hello?")
    assert "You're in the middle of Quick start (2 of 5)" in harness.last_text(user)
    # After a restart too (the conversation state is gone, the run is not).
    harness.server.drop_next("sendAnimation")
    await harness.tap(user, "Done")
    await harness.restart()
    await harness.send(user, "are you there?")
    step = harness.server.last_bot_message(user.id)
    assert step.has_media and "3 of 5" in (step.caption or "")
    assert errors_logged(caplog) == []


async def test_the_current_step_is_sent_again_after_a_restart(harness: BotHarness) -> None:
    user = harness.new_user()
    first = await start_quick(harness, user)
    harness.server.drop_next("sendAnimation")
    await harness.tap(user, "Done", message_id=first)
    await harness.restart()
    await harness.tap(user, "Done", message_id=first)
    assert "2 of 5" in harness.last_text(user)
    [run] = await runs_of(harness, user)
    assert run.step_index == 1 and run.steps_done == 1


async def test_an_in_place_edit_that_failed_is_redrawn_on_the_next_tap(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    first = await start_quick(harness, user)
    harness.server.drop_next("editMessageMedia")
    await harness.tap(user, "Easier version", message_id=first)
    # The message still shows the standard version with the old buttons.
    assert "🪶 Easier version" in harness.server.message(user.id, first).button_labels()
    await harness.tap(user, "Easier version", message_id=first)
    assert "Easier" in harness.last_text(user)
    assert "↩️ Standard version" in harness.server.last_bot_message(user.id).button_labels()


# --- jobs: a running hold timer of a user who blocked the bot -----------------------------


async def start_hold(harness: BotHarness, user: SimUser) -> int:
    await start_quick(harness, user)
    while not any(
        "Start 20 s" in b for b in harness.server.last_bot_message(user.id).button_labels()
    ):
        await harness.tap(user, "Done")  # on to the first stretch with a 20 s hold
    await harness.tap(user, "Start 20 s")
    return harness.server.last_bot_message(user.id).message_id


@pytest.mark.parametrize("how", ["blocked", "deactivated", "chat not found"])
async def test_a_blocked_user_inside_a_timer_is_contained(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    gone, other = harness.new_user("Gone"), harness.new_user("Other")
    await start_hold(harness, gone)
    other_message = await start_hold(harness, other)
    if how == "blocked":
        await harness.server.wait_until_confirmed(harness.server.block(gone))
    elif how == "deactivated":
        harness.server.deactivate(gone)
    else:
        harness.server.fail_next(
            "editMessageCaption",
            error_code=400,
            description="Bad Request: chat not found",
            chat_id=gone.id,
        )
    harness.clock.advance(timedelta(seconds=6))
    assert await tick_timers(harness.app.bot, harness.services) == 1  # type: ignore[union-attr]
    assert "14 s left" in (harness.server.message(other.id, other_message).caption or "")
    [run] = await runs_of(harness, gone)
    assert run.timer_ends_at is None  # their timer ended
    stored = await harness.services.preferences.get(gone.id)
    assert stored is not None and not stored.subscribed and stored.next_due_at is None
    # The next tick edits only the other user's countdown.
    calls = len(harness.server.calls_to("editMessageCaption"))
    harness.clock.advance(timedelta(seconds=6))
    assert await tick_timers(harness.app.bot, harness.services) == 1  # type: ignore[union-attr]
    assert [c.chat_id for c in harness.server.calls_to("editMessageCaption")[calls:]] == [other.id]
    assert "8 s left" in (harness.server.message(other.id, other_message).caption or "")
    assert errors_logged(caplog) == []


async def test_a_hanging_edit_for_one_user_does_not_hold_up_another(
    harness: BotHarness,
) -> None:
    slow, other = harness.new_user("Slow"), harness.new_user("Other")
    slow_message = await start_hold(harness, slow)
    other_message = await start_hold(harness, other)
    assert harness.app is not None
    bot, ticks = harness.app.bot, TimerTicks()
    harness.server.delay_next("editMessageCaption", 2.0, chat_id=slow.id)
    harness.clock.advance(timedelta(seconds=6))
    since = len(harness.server.calls)
    first = await ticks.tick(bot, harness.services, asyncio.ensure_future)
    assert len(first) == 2
    for user, completed in ((slow, False), (other, True)):
        await harness.server.wait_for_call(
            "editMessageCaption",
            lambda call, user=user: call.chat_id == user.id,  # type: ignore[misc]
            since=since,
            completed=completed,
        )
    # The next tick, while the slow chat's edit still hangs: the other countdown moves on,
    # the slow one gets no second edit on top of the first.
    harness.clock.advance(timedelta(seconds=6))
    second = await ticks.tick(bot, harness.services, asyncio.ensure_future)
    assert len(second) == 1
    assert await asyncio.gather(*second) == [True]
    assert "8 s left" in (harness.server.message(other.id, other_message).caption or "")
    assert not all(task.done() for task in first)  # the slow edit is still under way
    assert sorted(await asyncio.gather(*first)) == [True, True]
    assert "14 s left" in (harness.server.message(slow.id, slow_message).caption or "")
    assert ticks.in_flight == {}


# --- "query is too old": taps queued while the bot restarted ------------------------------


async def tap_while_down(harness: BotHarness, user: SimUser, label: str, message_id: int) -> None:
    """Tap a button while the bot is stopped; Telegram gives up on the answer before the
    bot is back, so answering it fails with "query is too old"."""
    data = harness._button_data(user, message_id, label)
    await harness.stop()
    update_id = harness.server.press_button(user, message_id, data)
    assert len(harness.server.expire_callback_queries()) == 1
    await harness.start()
    await harness.server.wait_until_confirmed(update_id)
    assert harness.app is not None
    await harness.app.update_queue.join()
    assert harness.server.calls_to("answerCallbackQuery")[-1].description == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_an_expired_tap_still_advances_the_routine_and_sends_the_next_step(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    first = await start_quick(harness, user)
    await tap_while_down(harness, user, "Done", first)
    assert "2 of 5" in harness.last_text(user)  # the next step arrived
    [run] = await runs_of(harness, user)
    assert run.step_index == 1 and run.steps_done == 1 and run.shown_version == run.version
    await harness.tap(user, "Done")  # and the next tap is not "already behind you"
    assert "3 of 5" in harness.last_text(user)
    assert last_answer(harness) != texts.STEP_BEHIND
    assert errors_logged(caplog) == []


async def test_an_expired_snooze_is_stored_and_its_buttons_go(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    reminder = harness.message_with_button(user, "Snooze")
    await tap_while_down(harness, user, "Snooze", reminder)
    assert harness.server.message(user.id, reminder).button_labels() == []
    assert "snoozed" in (harness.server.message(user.id, reminder).text or "").lower()
    async with harness.services.sessions() as session:
        [delivery] = list(
            await session.scalars(select(Delivery).where(Delivery.user_id == user.id))
        )
    assert delivery.snoozed and delivery.due_at == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    assert errors_logged(caplog) == []


async def test_an_expired_time_preset_is_stored(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    presets = harness.message_with_button(user, "08:00")
    await tap_while_down(harness, user, "08:00", presets)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.reminder_time == time(8, 0)
    assert harness.server.message(user.id, presets).button_labels() == []
    assert "Which time zone" in harness.last_text(user)
    assert errors_logged(caplog) == []


# --- odd callback queries and deleted messages ---------------------------------------------


async def test_a_callback_query_without_data_is_answered_cleanly(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    menu = harness.server.last_bot_message(user.id).message_id
    update_id = harness.server.press_without_data(user, menu)
    await harness.server.wait_until_confirmed(update_id)
    assert harness.app is not None
    await harness.app.update_queue.join()
    assert last_answer(harness) == texts.INVALID_BUTTON
    assert texts.ERROR not in harness.bot_texts(user)
    assert errors_logged(caplog) == []


async def test_a_step_the_user_deleted_is_sent_again_and_its_timer_stops(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    step = await start_hold(harness, user)
    harness.server.delete_message_as_user(user, step)
    harness.clock.advance(timedelta(seconds=6))
    assert await tick_timers(harness.app.bot, harness.services) == 0  # type: ignore[union-attr]
    [run] = await runs_of(harness, user)
    assert run.timer_ends_at is None  # no more edits of a message that is gone
    # Typing brings the step back (its message is gone, the run is not).
    await harness.send(user, "where did it go?")
    again = harness.server.last_bot_message(user.id)
    assert again.has_media and "✅ Done" in again.button_labels()
    await harness.tap(user, "Done")
    [run] = await runs_of(harness, user)
    assert run.steps_done == run.step_index
    assert errors_logged(caplog) == []


# --- commands whose files fail to send -----------------------------------------------------


@pytest.mark.parametrize("how", ["5xx", "dropped"])
async def test_an_export_that_failed_to_send_says_so(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    if how == "5xx":
        harness.server.fail_next("sendDocument", error_code=500)
    else:
        harness.server.drop_next("sendDocument")
    await harness.send(user, "/export")
    assert harness.last_text(user) == texts.EXPORT_FAILED
    assert [m for m in harness.server.bot_messages(user.id) if m.document] == []
    await harness.send(user, "/export")  # and again works
    assert len([m for m in harness.server.bot_messages(user.id) if m.document]) == 2
    assert errors_logged(caplog) == []


async def test_a_progress_chart_that_failed_to_send_is_no_traceback(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    harness.server.fail_next("sendChatAction", error_code=502, description="Bad Gateway")
    harness.server.fail_next("sendPhoto", error_code=500)
    await harness.send(user, "/progress")
    assert texts.ERROR not in harness.bot_texts(user)
    assert errors_logged(caplog) == []
    await harness.send(user, "/progress")
    assert harness.server.last_bot_message(user.id).has_media
