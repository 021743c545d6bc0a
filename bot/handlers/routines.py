"""The guided routine: /stretch or the reminder's "Start routine", then one stretch at a time.

A ConversationHandler gives the flow its shape (and answers text typed mid-routine), but
the run itself lives in the database: every button is also an entry point, so after a
restart "Done" carries on at the stored step.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import warnings
from dataclasses import replace
from pathlib import Path

from telegram import Bot, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, keyboards, texts
from bot.content import Content, RoutineStep
from bot.domain.pain import RED_FLAG_LEVEL, needs_red_flag_guidance
from bot.domain.routine import Action, Phase, Status
from bot.handlers.common import Handler, reply, sender_ids, services
from bot.handlers.routine_views import (
    CAPTION_LIMIT,
    mid_routine_hint,
    picker_rows,
    picker_text,
    progress_label,
    step_caption,
    step_keyboard,
)
from bot.services.container import Services
from bot.services.routines import RunView, TapResult

logger = logging.getLogger(__name__)

IN_ROUTINE = 1
# A countdown edits its message at most this often (Telegram frowns on rapid edits).
TIMER_EDIT_EVERY_SECONDS = 5.0


# --- sending ---------------------------------------------------------------------------


def image_key(content: Content, step: RoutineStep) -> str:
    """Cache key of an illustration: changes when the picture's bytes change."""
    path = content.image_path(step.stretch)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"stretch:{step.stretch.id}:{digest}"


async def send_step(bot: Bot, svc: Services, chat_id: int, view: RunView) -> Message:
    """The stretch's picture with its caption; uploaded once, then reused by file_id."""
    step = view.step
    assert step is not None
    path: Path = svc.content.image_path(step.stretch)
    key = await asyncio.to_thread(image_key, svc.content, step)
    caption = step_caption(view, svc.clock.now(), svc.content.safety)
    markup = step_keyboard(view)
    cached = await svc.routines.media_file_id(key)
    if cached is not None:
        try:
            return await bot.send_photo(
                chat_id, cached, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest as exc:
            logger.warning("Cached illustration rejected (%s); uploading again", exc)
    data = await asyncio.to_thread(path.read_bytes)
    message = await bot.send_photo(
        chat_id,
        InputFile(data, filename=path.name),
        caption=caption,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )
    if message.photo:
        await svc.routines.remember_media(key, message.photo[-1].file_id)
    return message


async def show_phase(update: Update, context: ContextTypes.DEFAULT_TYPE, view: RunView) -> int:
    """Send the message for where the run is now; returns the conversation state."""
    svc = services(context)
    _, chat_id = sender_ids(update)
    run = view.run
    phase = view.state.phase
    if phase is Phase.CONSENT:
        await reply(
            update,
            texts.ROUTINE_CONSENT,
            reply_markup=keyboards.routine_consent(run.id, run.version),
        )
    elif phase in (Phase.BEFORE, Phase.AFTER):
        keypad = keyboards.pain_levels(
            lambda level: callbacks.routine_pain(run.id, run.version, level),
            callbacks.routine_tap(run.id, run.version, "np"),
        )
        intro = texts.PAIN_BEFORE if phase is Phase.BEFORE else texts.PAIN_AFTER
        await reply(update, intro, reply_markup=keypad)
    elif phase is Phase.CHECK:
        high = svc.content.safety.high_pain
        gentle_label = high.go_on_button if view.routine.gentle else high.gentle_button
        await reply(
            update,
            texts.high_pain_before(svc.content.safety),
            reply_markup=keyboards.high_pain_choice(
                run.id, run.version, gentle_label=gentle_label, rest_label=high.rest_button
            ),
        )
    elif phase is Phase.STEP:
        message = await send_step(context.bot, svc, chat_id, view)
        await svc.routines.show_on(run.id, message.message_id)
    else:
        await show_ending(update, context, view)
        return ConversationHandler.END
    return IN_ROUTINE


async def show_ending(update: Update, context: ContextTypes.DEFAULT_TYPE, view: RunView) -> None:
    """The last message of a run; it never celebrates what didn't happen."""
    svc = services(context)
    user_id, _ = sender_ids(update)
    status = view.state.status
    safety = svc.content.safety
    if status is Status.HURT:
        rested = view.state.steps_done == 0 and view.state.steps_skipped == 0
        ending = texts.rest_today(safety) if rested and _chose_rest(update) else None
        await reply(update, ending or texts.it_hurts(safety))
        return
    if status is not Status.COMPLETED:
        await reply(update, texts.routine_stopped(view.state.steps_done))
        return
    summary = await svc.routines.summary(user_id, view.run)
    warn = summary.after is not None and needs_red_flag_guidance(summary.after, summary.before)
    await reply(
        update,
        texts.routine_finished(
            done=summary.stretches_done,
            skipped=summary.stretches_skipped,
            minutes=summary.minutes,
            before=summary.before,
            after=summary.after,
            streak=summary.streak,
            celebrate=not warn,
        ),
    )
    if warn:
        assert summary.after is not None
        await reply(update, texts.red_flags(safety, rose=summary.after < RED_FLAG_LEVEL))


def _chose_rest(update: Update) -> bool:
    """Whether this update is the "Rest today" button (vs "It hurts")."""
    query = update.callback_query
    return query is not None and (query.data or "").endswith(":rest")


async def clear_buttons(update: Update) -> None:
    """Take the buttons off the message that was tapped, so it can't be tapped again."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        logger.debug("Could not clear buttons: %s", exc)


# --- handlers --------------------------------------------------------------------------


async def stretch_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/stretch: the routine picker (gentle first on a bad day), or the one in progress."""
    user_id, chat_id = sender_ids(update)
    svc = services(context)
    await svc.preferences.greet(user_id, chat_id)
    active = await svc.routines.active(user_id)
    if active is not None:
        await reply(
            update,
            texts.routine_in_progress(active.routine.title, progress_label(active)),
            reply_markup=keyboards.routine_conflict(
                active.run.id, active.run.version, active.routine.id
            ),
        )
        return IN_ROUTINE
    bad_day = await svc.pain.is_bad_day(user_id)
    default = svc.routines.default_for(await svc.preferences.get(user_id))
    rows = picker_rows(svc.content, gentle_first=bad_day, default_id=default.id)
    await reply(
        update,
        picker_text(svc.content, bad_day=bad_day),
        reply_markup=keyboards.routine_picker(rows),
    )
    return ConversationHandler.END


async def _start(
    update: Update, context: ContextTypes.DEFAULT_TYPE, routine_id: str, *, replace_active: bool
) -> int:
    query = update.callback_query
    assert query is not None
    user_id, chat_id = sender_ids(update)
    svc = services(context)
    if routine_id not in svc.content.routines:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return ConversationHandler.END
    await svc.preferences.greet(user_id, chat_id)
    started = await svc.routines.start(user_id, routine_id, replace_active=replace_active)
    if started.view is None:
        assert started.active is not None
        active = started.active
        await query.answer()
        await reply(
            update,
            texts.routine_in_progress(active.routine.title, progress_label(active)),
            reply_markup=keyboards.routine_conflict(active.run.id, active.run.version, routine_id),
        )
        return IN_ROUTINE
    await query.answer(f"Starting {started.view.routine.title}")
    await clear_buttons(update)
    if started.first:  # once, before the first routine: how much discomfort is OK
        await reply(update, texts.before_first_routine(svc.content.safety))
    return await show_phase(update, context, started.view)


async def routine_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A routine button (picker, summary, bad-day suggestion)."""
    assert update.callback_query is not None and update.callback_query.data is not None
    match = callbacks.ROUTINE_START_PATTERN.match(update.callback_query.data)
    assert match is not None
    return await _start(update, context, match[1], replace_active=False)


async def routine_restarted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """ "Start over": abandon the run in progress and start afresh."""
    assert update.callback_query is not None and update.callback_query.data is not None
    match = callbacks.ROUTINE_RESTART_PATTERN.match(update.callback_query.data)
    assert match is not None
    return await _start(update, context, match[1], replace_active=True)


async def reminder_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The reminder's "Start routine": the user's default routine."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    routine = svc.routines.default_for(await svc.preferences.get(user_id))
    return await _start(update, context, routine.id, replace_active=False)


async def routine_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Any button inside a routine: Done, Skip, Easier, timer, It hurts, Stop, consent."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = callbacks.ROUTINE_TAP_PATTERN.match(query.data)
    assert match is not None
    run_id, version, action_code = int(match[1]), int(match[2]), match[3]
    if action_code == "show":
        return await _continue(update, context, run_id)
    return await _apply(update, context, run_id, version, Action(action_code))


async def routine_pain_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A 0-10 level before or after the routine."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = callbacks.ROUTINE_PAIN_PATTERN.match(query.data)
    assert match is not None
    return await _apply(
        update, context, int(match[1]), int(match[2]), Action.PAIN, level=int(match[3])
    )


async def _continue(update: Update, context: ContextTypes.DEFAULT_TYPE, run_id: int) -> int:
    query = update.callback_query
    assert query is not None
    user_id, _ = sender_ids(update)
    active = await services(context).routines.active(user_id)
    if active is None or active.run.id != run_id:
        return await _ended(update, context)
    await query.answer()
    await clear_buttons(update)
    return await show_phase(update, context, active)


async def _ended(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer(texts.ROUTINE_ENDED, show_alert=True)
    await clear_buttons(update)
    await reply(
        update,
        f"{texts.ROUTINE_ENDED} Start a new one whenever you like.",
        reply_markup=keyboards.start_again(services(context).content.default_routine.id),
    )
    return ConversationHandler.END


async def _apply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    run_id: int,
    version: int,
    action: Action,
    level: int | None = None,
) -> int:
    query = update.callback_query
    assert query is not None
    user_id, _ = sender_ids(update)
    svc = services(context)
    tap = await svc.routines.tap(user_id, run_id, version, action, level)
    if tap.result is TapResult.NOT_YOURS or tap.result is TapResult.INVALID:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return IN_ROUTINE if tap.view and tap.view.state.active else ConversationHandler.END
    if tap.result is TapResult.ENDED:
        return await _ended(update, context)
    if tap.result is TapResult.STALE:
        await query.answer(texts.STEP_BEHIND)
        return IN_ROUTINE
    view, before = tap.view, tap.before
    assert view is not None and before is not None
    same_message = (
        before.phase is Phase.STEP
        and view.state.phase is Phase.STEP
        and view.state.step_index == before.step_index
    )
    if same_message:
        await query.answer()
        await _edit_step(context.bot, svc, view)
        return IN_ROUTINE
    await query.answer(_ack(action, level))
    persistent = False
    if action is Action.PAIN and level is not None:
        await _note_level(update, before.phase, level)
        persistent = await svc.pain.no_improvement_began(user_id)
    elif before.phase is Phase.STEP:
        left = RunView(view.run, view.routine, view.steps, replace(before, timer_round=None))
        await _close_step(context.bot, svc, left, action)
    else:
        await clear_buttons(update)
    if persistent and before.phase is Phase.BEFORE:
        await reply(update, texts.persistent_pain(svc.content.safety))
    state = await show_phase(update, context, view)
    if persistent and before.phase is Phase.AFTER:  # after the summary, not before it
        await reply(update, texts.persistent_pain(svc.content.safety))
    return state


STEP_OUTCOMES = {
    Action.DONE: "✅ Done",
    Action.SKIP: "⏭ Skipped",
    Action.HURT: "🤕 Stopped here",
    Action.STOP: "⏹ Stopped",
}


async def _close_step(bot: Bot, svc: Services, left: RunView, action: Action) -> None:
    """Leave a finished step's message as a record: no buttons, no stale countdown."""
    if left.run.message_id is None:
        return
    caption = step_caption(left, svc.clock.now(), svc.content.safety)
    outcome = STEP_OUTCOMES.get(action)
    if outcome and len(caption) + len(outcome) < CAPTION_LIMIT:
        caption = f"{caption}\n{outcome}"
    try:
        await bot.edit_message_caption(
            chat_id=left.run.user_id,
            message_id=left.run.message_id,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )
    except BadRequest as exc:
        logger.debug("Could not close the step message: %s", exc)


def _ack(action: Action, level: int | None) -> str:
    return {
        Action.DONE: "Nice work!",
        Action.SKIP: "Skipped",
        Action.HURT: "Stopping here",
        Action.STOP: "Stopped",
        Action.PAIN: f"Noted: {level}/10",
        Action.GENTLE: "Gently does it",
        Action.REST: "Rest well",
    }.get(action, "")


async def _note_level(update: Update, phase: Phase, level: int) -> None:
    """Replace the keypad with the chosen level, so the chat reads as a record."""
    query = update.callback_query
    assert query is not None
    when = "before" if phase is Phase.BEFORE else "after"
    try:
        await query.edit_message_text(
            f"Pain {when}: <b>{level}/10</b> ✓", parse_mode=ParseMode.HTML
        )
    except BadRequest as exc:
        logger.debug("Could not edit the keypad: %s", exc)


async def _edit_step(bot: Bot, svc: Services, view: RunView) -> None:
    """Redraw a step's caption and buttons in place (easier version, timer)."""
    if view.run.message_id is None:
        return
    try:
        await bot.edit_message_caption(
            chat_id=view.run.user_id,
            message_id=view.run.message_id,
            caption=step_caption(view, svc.clock.now(), svc.content.safety),
            parse_mode=ParseMode.HTML,
            reply_markup=step_keyboard(view),
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def tick_timers(bot: Bot, svc: Services) -> int:
    """Count running holds down by editing their message at most every few seconds."""
    now = svc.clock.now()
    edited = 0
    for view in await svc.routines.running_timers():
        ends = view.run.timer_ends_at
        assert ends is not None
        finished = ends <= now
        last = view.run.timer_last_edit_at
        if (
            not finished
            and last is not None
            and (now - last).total_seconds() < TIMER_EDIT_EVERY_SECONDS
        ):
            continue
        await svc.routines.timer_ticked(view.run.id, finished=finished)
        refreshed = await svc.routines.active(view.run.user_id)
        if refreshed is None or refreshed.run.id != view.run.id:
            continue
        try:
            await _edit_step(bot, svc, refreshed)
            edited += 1
        except BadRequest as exc:  # message deleted by the user: stop counting
            logger.info("Timer message gone for run %s: %s", view.run.id, exc)
            await svc.routines.timer_ticked(view.run.id, finished=True)
    return edited


async def timer_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await tick_timers(context.bot, services(context))


async def typed_mid_routine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Text while a routine runs: a hint instead of silence."""
    user_id, _ = sender_ids(update)
    active = await services(context).routines.active(user_id)
    if active is None:
        await reply(update, texts.UNKNOWN_TEXT)
        return ConversationHandler.END
    await reply(update, mid_routine_hint(active))
    return IN_ROUTINE


def build_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    buttons: list[Handler] = [
        CallbackQueryHandler(reminder_start, pattern=re.compile(r"^r:go:\d{1,12}$")),
        CallbackQueryHandler(routine_chosen, pattern=callbacks.ROUTINE_START_PATTERN),
        CallbackQueryHandler(routine_restarted, pattern=callbacks.ROUTINE_RESTART_PATTERN),
        CallbackQueryHandler(routine_tapped, pattern=callbacks.ROUTINE_TAP_PATTERN),
        CallbackQueryHandler(routine_pain_tapped, pattern=callbacks.ROUTINE_PAIN_PATTERN),
    ]
    with warnings.catch_warnings():
        # Tracked per user on purpose: the run in the database decides what a tap means.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=[CommandHandler("stretch", stretch_command), *buttons],
            states={
                IN_ROUTINE: [
                    *buttons,
                    MessageHandler(filters.TEXT & ~filters.COMMAND, typed_mid_routine),
                ]
            },
            fallbacks=[CommandHandler("stretch", stretch_command)],
            name="routine",
            allow_reentry=True,
        )
