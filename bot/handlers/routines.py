"""The guided routine: /stretch or the reminder's "Start routine", then one stretch at a time.

A ConversationHandler gives the flow its shape (and answers text typed mid-routine), but
the run itself lives in the database: every button is also an entry point, so after a
restart "Done" carries on at the stored step.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from html import escape
from typing import Any, TypeVar

from telegram import Bot, ReplyParameters, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)

from bot import callbacks, keyboards, texts
from bot.botapi import errors as botapi
from bot.botapi.ratelimit import interactive
from bot.content import Content, Illustration, Routine
from bot.domain.pain import RestAdvice, needs_red_flag_guidance, reading_advises_rest
from bot.domain.program import Change
from bot.domain.questions import is_skip, mentions_pain, parse_level
from bot.domain.routine import Action, Phase, Status
from bot.handlers import asking
from bot.handlers.common import (
    Handler,
    answer,
    from_earlier_day,
    invalid_button,
    old_reminder_button,
    remove_buttons,
    reply,
    sender_ids,
    services,
)
from bot.handlers.program_views import change_lines, offer_lines
from bot.handlers.routine_media import send_illustrated, swap_illustration
from bot.handlers.routine_views import (
    CAPTION_LIMIT,
    mid_routine_hint,
    picker_rows,
    picker_text,
    progress_label,
    step_caption,
    step_keyboard,
    timer_line,
)
from bot.reminders import reminder_reached_at
from bot.services.container import Services
from bot.services.routines import RunView, TapResult

logger = logging.getLogger(__name__)
T = TypeVar("T")

IN_ROUTINE = 1
# A countdown edits its message at most this often (Telegram frowns on rapid edits).
TIMER_EDIT_EVERY_SECONDS = 5.0


# --- sending ---------------------------------------------------------------------------


def illustration_for(content: Content, view: RunView) -> Illustration:
    """The picture of the step as shown now: the easier version's when it is on."""
    step = view.step
    assert step is not None
    easier = view.state.easier or step.easier_only
    return content.illustration(step.stretch, easier=easier)


async def send_step(bot: Bot, svc: Services, chat_id: int, view: RunView) -> botapi.Sent:
    """The stretch's clip (or still) with its caption; uploaded once, then reused by file_id."""
    return await send_illustrated(
        bot,
        svc,
        chat_id,
        illustration_for(svc.content, view),
        step_caption(view, svc.clock.now(), svc.content.safety),
        step_keyboard(view),
    )


async def show_phase(update: Update, context: ContextTypes.DEFAULT_TYPE, view: RunView) -> int:
    """Send the message for where the run is now; returns the conversation state."""
    state, _ = await _show(update, context, view)
    return state


async def _show(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    view: RunView,
    changes: tuple[Change, ...] = (),
    *,
    offers: tuple[str, ...] = (),
    alongside: Awaitable[object] | None = None,
    afterwards: Callable[[], Awaitable[object]] | None = None,
) -> tuple[int, bool]:
    """`show_phase`, also saying whether the message reached the user. When it didn't
    (dropped connection, 5xx, 429 after retries) the run stays "not shown": the next tap
    on any of its buttons, or any text, sends this phase again.

    Round trips: `alongside` (the callback answer) runs while the message is sent;
    `afterwards` (closing the tapped message) only once it arrived, while the run notes
    which message shows it, so a failed send leaves the old buttons in place."""
    svc = services(context)
    _, chat_id = sender_ids(update)
    run = view.run
    phase = view.state.phase
    sending: Awaitable[botapi.Sent]
    if phase is Phase.CONSENT:
        sending = reply(
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
        sending = reply(update, intro, reply_markup=keypad)
    elif phase is Phase.CHECK:
        high = svc.content.safety.high_pain
        gentle_label = high.go_on_button if view.routine.gentle else high.gentle_button
        sending = reply(
            update,
            texts.high_pain_before(svc.content.safety),
            reply_markup=keyboards.high_pain_choice(
                run.id, run.version, gentle_label=gentle_label, rest_label=high.rest_button
            ),
        )
    elif phase is Phase.SUGGEST:
        sending = reply(
            update,
            texts.SUGGEST_GENTLE.format(title=escape(view.routine.title)),
            reply_markup=keyboards.suggest_gentle(run.id, run.version),
        )
    elif phase is Phase.STEP:
        sending = send_step(context.bot, svc, chat_id, view)
    else:
        await _together(show_ending(update, context, view, changes, offers), alongside)
        if afterwards is not None:
            await afterwards()
        return ConversationHandler.END, True
    sent = await _together(sending, alongside)
    if sent.message_id is None:
        return IN_ROUTINE, False
    noting = svc.routines.show_on(run.id, sent.message_id, run.version)
    await _together(noting, None if afterwards is None else afterwards())
    return IN_ROUTINE, True


async def _together(first: Awaitable[T], other: Awaitable[object] | None) -> T:
    """Await `first`, with `other` (if any, started first: the callback answer) running at
    the same time; returns `first`'s result."""
    if other is None:
        return await first
    _, result = await asyncio.gather(other, first)
    return result


async def show_ending(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    view: RunView,
    changes: tuple[Change, ...] = (),
    offers: tuple[str, ...] = (),
) -> None:
    """The last message of a run; it never celebrates what didn't happen. What the program
    changed is said in a line each; a completed run asks "How was it?", unless its last
    reading advises rest (8-10) or rose enough for the warning signs (3+): then the warning
    signs and the advice for today come first, and no question whose answers pitch the next
    dose follows (the program has held it back already: "Too easy" would contradict it)."""
    svc = services(context)
    user_id, _ = sender_ids(update)
    status = view.state.status
    safety = svc.content.safety
    program_lines = change_lines(svc.content, changes) + offer_lines(svc.content, offers)
    if status is Status.HURT:
        rested = view.state.steps_done == 0 and view.state.steps_skipped == 0
        ending = texts.rest_today(safety) if rested and _chose_rest(update) else None
        ending = ending or texts.it_hurts(safety)
        await reply(update, "\n\n".join([ending, "\n".join(program_lines)]).strip())
        return
    if status is not Status.COMPLETED:
        await reply(update, texts.routine_stopped(view.state.steps_done))
        return
    summary = view.summary or await svc.routines.summary(user_id, view.run)
    after = summary.after
    warn = after is not None and needs_red_flag_guidance(after, summary.before)
    # A reading of 8-10 at the end advises rest (as "It hurts" does): the warning signs and
    # that advice come first; the summary follows without a streak, an offer to try a full
    # version or "How was it?" (whose answers pitch the next routine's dose).
    rest = after is not None and reading_advises_rest(after)
    if rest:
        await reply(update, texts.high_reading(safety))
    elif warn:  # a rise of 3+: the program eased this routine's doses off (said below)
        await reply(update, texts.pain_rose(safety))
    finished = texts.routine_finished(
        done=summary.stretches_done,
        skipped=summary.stretches_skipped,
        minutes=summary.minutes,
        before=summary.before,
        after=after,
        streak=0 if rest else summary.streak,
        celebrate=not warn,
    )
    if warn:  # 8-10, or a rise of 3+: no "How was it?" (its answers pitch the next dose)
        changed = "\n".join(change_lines(svc.content, changes))
        await reply(update, "\n\n".join(filter(None, [finished, changed])))
        return
    await reply(
        update,
        "\n\n".join(filter(None, [finished, "\n".join(program_lines), texts.FEEDBACK_QUESTION])),
        reply_markup=keyboards.feedback(view.run.id, texts.FEEDBACK_BUTTONS),
    )


def _chose_rest(update: Update) -> bool:
    """Whether this update is the "Rest today" button (vs "It hurts")."""
    query = update.callback_query
    return query is not None and (query.data or "").endswith(":rest")


# --- handlers --------------------------------------------------------------------------


async def stretch_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/stretch: the routine picker (gentle first on a bad day), or the one in progress."""
    user_id, chat_id = sender_ids(update)
    svc = services(context)
    user = (await svc.preferences.greet(user_id, chat_id)).user
    picker = await svc.routines.picker(user_id, user.time_zone)
    active = picker.active
    if active is not None:
        await reply(
            update,
            texts.routine_in_progress(active.routine.title, progress_label(active)),
            reply_markup=keyboards.routine_conflict(
                active.run.id, active.run.version, active.routine.id
            ),
        )
        return IN_ROUTINE
    bad_day, advice, own = picker.bad_day, picker.advice, list(picker.own)
    # The ⭐ marks the routine reminders start: none before setup or after /delete.
    starred = (await svc.routines.default_of(user)).id if user.onboarded else None
    gentle_first = bad_day or advice is not None
    rows = picker_rows(svc.content, gentle_first=gentle_first, default_id=starred, own=own)
    text = picker_text(
        svc.content, bad_day=bad_day and advice is None, own=own, starred=starred is not None
    )
    if advice is not None:  # today's advice first, then the picker (gentle routine first)
        said = texts.rest_advised(svc.content.safety, after_hurt=advice is RestAdvice.AFTER_HURT)
        text = f"{said}\n\n{text}"
    await reply(update, text, reply_markup=keyboards.routine_picker(rows))
    return ConversationHandler.END


async def _advise_first(
    update: Update, svc: Services, routine: Routine, advice: RestAdvice
) -> None:
    """On a day the bot advised rest ("It hurts", a rest day, a reading of 8-10) or the
    gentle routine (persistent pain), a routine that isn't gentle doesn't start straight
    away: the advice again, then 🌱 gentle routine / ▶️ start it anyway / 🛌 rest today."""
    if await _tapped_twice(update):
        await answer(update, texts.REST_ADVISED_BELOW)
        return
    high = svc.content.safety.high_pain
    await answer(update)
    await reply(
        update,
        texts.rest_advised(svc.content.safety, after_hurt=advice is RestAdvice.AFTER_HURT),
        reply_markup=keyboards.rest_advised(
            svc.content.gentle_routine.id,
            high.gentle_button,
            routine.id,
            texts.REST_ADVISED_USUAL.format(title=routine.title),
            high.rest_button,
        ),
    )


async def _start(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    routine_id: str,
    *,
    replace_active: bool,
    advised: bool = False,
    earlier_day: bool = False,
    advice_as_of: datetime | None = None,
    leave_question: bool = False,
) -> int | None:
    """Start ``routine_id``; ``advised``: the user saw today's advice and chose it;
    ``earlier_day``: from the Start button of a reminder for an earlier local day;
    ``advice_as_of``: that reminder reached the user then (its advice still counts);
    ``leave_question``: the button leaves the open question once the routine is found
    (`asking.leave_for_button`)."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    routine = await svc.routines.find(user_id, routine_id)
    if routine is None:  # forged, or deleted since: the open question stays open
        await invalid_button(update, context)
        return None
    if leave_question:
        await _leave_open_question(update, context)
    if replace_active:  # "Start over" tapped twice must not abandon the run it just began
        active = await svc.routines.active(user_id)
        if active is not None and _shown_below(update, active):
            return await _under_way(update, active)
    started = await svc.routines.start(
        user_id, routine, replace_active=replace_active, advised=advised, advice_as_of=advice_as_of
    )
    if started.unknown_user:  # buttons never create users
        await answer(update, texts.NO_RECORD, alert=True)
        return None
    if started.advice is not None:
        await _advise_first(update, svc, routine, started.advice)
        return ConversationHandler.END
    if started.resting:
        await answer(update)
        await reply(update, texts.RESTING_ROUTINE)
        return ConversationHandler.END
    if started.view is None:
        assert started.active is not None
        active = started.active
        if active.routine.id == routine_id and _shown_below(update, active):
            return await _under_way(update, active)  # a double tap: the run it began is below
        await answer(update)
        await reply(
            update,
            texts.routine_in_progress(active.routine.title, progress_label(active)),
            reply_markup=keyboards.routine_conflict(active.run.id, active.run.version, routine_id),
        )
        return IN_ROUTINE
    acknowledged: Awaitable[object] | None = asyncio.gather(
        answer(
            update,
            texts.old_reminder_start(started.view.routine.title)
            if earlier_day
            else f"Starting {started.view.routine.title}",
        ),
        remove_buttons(update),
    )
    if started.safety:  # once, whatever the way in: the disclaimer and the warning signs
        await _together(_show_safety(update, svc), acknowledged)
        acknowledged = None
    if started.first:  # once, before the first routine: how much discomfort is OK
        await _together(reply(update, texts.before_first_routine(svc.content.safety)), acknowledged)
        acknowledged = None
    state, _ = await _show(update, context, started.view, alongside=acknowledged)
    return state


async def _show_safety(update: Update, svc: Services) -> None:
    """The disclaimer and the short warning signs (with the full list's button), for a user
    who starts a routine without having seen them at /start; sent again next time if lost."""
    user_id, _ = sender_ids(update)
    safety = svc.content.safety
    sent = await reply(
        update,
        texts.safety_before_routine(safety, svc.content.stretch_names),
        reply_markup=keyboards.full_red_flags(safety.full_list_button),
    )
    if sent.message_id is None:
        await svc.routines.safety_missed(user_id)


def _shown_below(update: Update, view: RunView) -> bool:
    """Whether the run is shown on a message sent after the tapped one: the tap asks for
    what already happened (the second tap of a double tap on a start or Continue)."""
    query = update.callback_query
    tapped = query.message.message_id if query is not None and query.message else None
    shown_on = view.run.message_id
    return view.shown and tapped is not None and shown_on is not None and shown_on > tapped


async def _under_way(update: Update, view: RunView) -> int:
    """A short toast, nothing sent: the routine the button asks for is just below."""
    await answer(update, texts.routine_under_way(view.routine.title))
    await remove_buttons(update)
    return IN_ROUTINE


def _data(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data


async def routine_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A routine button (picker, summary, bad-day suggestion)."""
    routine_id = callbacks.parse_routine_start(_data(update))
    assert routine_id is not None  # the handler's pattern
    return await _start(update, context, routine_id, replace_active=False, leave_question=True)


async def routine_go_on(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """ "Start <routine> anyway" under today's advice: start it as chosen."""
    routine_id = callbacks.parse_routine_go_on(_data(update))
    assert routine_id is not None
    return await _start(update, context, routine_id, replace_active=False, advised=True)


async def rest_today_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """ "Rest today" under today's advice: nothing starts; how to rest."""
    if await _tapped_twice(update):
        await answer(update, texts.REST_ADVISED_BELOW)
        return ConversationHandler.END
    await answer(update)
    await reply(update, texts.rest_today(services(context).content.safety))
    return ConversationHandler.END


async def _tapped_twice(update: Update) -> bool:
    """Take the tapped message's buttons off; True when they were gone already (the second
    tap of a double tap: a chat's updates are handled in order, so the first one's answer
    is already below)."""
    query = update.callback_query
    if query is None or query.message is None:
        return False
    cleared = await botapi.clear_buttons(
        update.get_bot(), query.message.chat.id, query.message.message_id
    )
    return cleared.failure is botapi.Failure.NOT_MODIFIED


async def routine_restarted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """ "Start over": abandon the run in progress and start afresh."""
    routine_id = callbacks.parse_routine_restart(_data(update))
    assert routine_id is not None
    return await _start(update, context, routine_id, replace_active=True, leave_question=True)


async def reminder_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The reminder's "Start routine": the user's reminder routine, from their own reminder."""
    button = callbacks.parse_reminder_start(_data(update))
    assert button is not None
    user_id, _ = sender_ids(update)
    svc = services(context)
    if not await svc.routines.reminder_is_theirs(user_id, button.delivery_id, button.local_date):
        await old_reminder_button(update, context, button)
        return None
    # An earlier day's reminder (its row still kept) still starts a routine: what the user
    # asks for, whatever the day. The answer says where the button came from.
    earlier = await from_earlier_day(update, context, button)
    routine = await svc.routines.default_of(await svc.preferences.get(user_id))
    # A reminder that said "rest today" asks first, as /stretch does while advice stands,
    # even after the advice itself has ended (judged as of when the reminder reached them).
    reached = None
    if not earlier and button.local_date is not None:
        reached = await reminder_reached_at(
            svc.sessions, user_id, button.delivery_id, button.local_date
        )
    return await _start(
        update,
        context,
        routine.id,
        replace_active=False,
        earlier_day=earlier,
        advice_as_of=None if reached is None else min(reached, svc.clock.now()),
        leave_question=True,
    )


async def routine_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """Any button inside a routine: Done, Skip, Easier, timer, It hurts, Stop, consent."""
    tap = callbacks.parse_routine_tap(_data(update))
    assert tap is not None
    if tap.action == "show":
        return await _continue(update, context, tap.run_id)
    return await _apply(update, context, tap.run_id, tap.version, Action(tap.action))


async def routine_pain_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A 0-10 level before or after the routine."""
    tap = callbacks.parse_routine_pain(_data(update))
    assert tap is not None
    return await _apply(update, context, tap.run_id, tap.version, Action.PAIN, level=tap.level)


async def _continue(update: Update, context: ContextTypes.DEFAULT_TYPE, run_id: int) -> int | None:
    user_id, _ = sender_ids(update)
    view = await services(context).routines.run_of(user_id, run_id)
    if view is None:  # unknown, or another user's: forged (the open question stays open)
        await invalid_button(update, context)
        return None
    await _leave_open_question(update, context)
    if not view.state.active:
        return await _ended(update, context)
    if _shown_below(update, view):  # Continue tapped twice: sent once
        return await _under_way(update, view)
    state, _ = await _show(
        update, context, view, alongside=asyncio.gather(answer(update), remove_buttons(update))
    )
    return state


async def _leave_open_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of the user's own run, reminder or routine leaves their open question
    (`asking.leave_for_button`, as every other flow's button does)."""
    await asking.leave_for_button(update, context)


async def _ended(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await answer(update, texts.ROUTINE_ENDED, alert=True)
    await remove_buttons(update)
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
) -> int | None:
    user_id, _ = sender_ids(update)
    svc = services(context)
    # A tap that ends the run is answered as soon as its compare-and-set held: applying the
    # run to the program (same transaction) happens while the answer travels.
    answering: list[asyncio.Future[object]] = []

    def ending() -> None:
        answering.append(asyncio.ensure_future(answer(update, _ack(action, level))))

    tap = await svc.routines.tap(user_id, run_id, version, action, level, ending=ending)
    if tap.result is TapResult.NOT_YOURS or tap.result is TapResult.INVALID:
        await invalid_button(update, context)  # forged: the open question stays open
        return None
    if tap.question is not None:  # a button of their run leaves the open question, whatever it did
        await asking.leave(update, context, tap.question)
    if tap.result is TapResult.ENDED:
        assert tap.view is not None
        last_shown = tap.view.run.shown_version
        if version >= tap.view.state.version - 1 or version == last_shown:
            # a second tap on a button of the message that ended it (Stop, It hurts, the
            # last Done, Rest today, an answer): its ending is there, so a toast, no message
            ended = texts.QUESTION_ANSWERED if action in QUESTION_ACTIONS else texts.ROUTINE_ENDED
            await answer(update, ended)
            await remove_buttons(update)
            return ConversationHandler.END
        return await _ended(update, context)
    if tap.result is TapResult.STALE:
        assert tap.view is not None
        if not tap.view.shown:  # sending the current step failed: send it again
            state, _ = await _show(
                update,
                context,
                tap.view,
                alongside=answer(update),
                afterwards=lambda: remove_buttons(update),
            )
            return state
        await answer(update, _stale_text(update, action, tap.view))
        return IN_ROUTINE
    view, before = tap.view, tap.before
    assert view is not None and before is not None
    same_message = (
        before.phase is Phase.STEP
        and view.state.phase is Phase.STEP
        and view.state.step_index == before.step_index
    )
    if same_message:
        shown_before = RunView(view.run, view.routine, view.steps, before)
        now_shown = illustration_for(svc.content, view)
        swap = now_shown != illustration_for(svc.content, shown_before)
        edited = _edit_step(context.bot, svc, view, new_media=now_shown if swap else None)
        if not await _together(edited, answer(update)):
            return await show_phase(update, context, view)  # the step's message is gone
        return IN_ROUTINE
    # The answer goes out now (or went out already); the next message doesn't wait for it.
    acknowledged = (
        answering[0] if answering else asyncio.ensure_future(answer(update, _ack(action, level)))
    )
    persistent = tap.persistent  # the level logged began the persistent-pain rule
    if persistent and before.phase is Phase.BEFORE:
        await reply(update, texts.persistent_pain(svc.content.safety))
    left_message = view.run.message_id  # _show moves it on to the new message

    async def close_tapped() -> None:
        """The tapped message becomes a record: the level, the step's outcome, no buttons."""
        if action is Action.PAIN and level is not None:
            await _note_level(update, before.phase, level)
        elif before.phase is Phase.STEP:
            left = RunView(view.run, view.routine, view.steps, replace(before, timer_round=None))
            await _close_step(context.bot, svc, left, action, left_message)
        else:
            await remove_buttons(update)

    state, _ = await _show(
        update,
        context,
        view,
        tap.changes,
        offers=tap.offers,
        alongside=acknowledged,
        afterwards=close_tapped,
    )
    if persistent and before.phase is Phase.AFTER:  # after the summary, not before it
        await reply(update, texts.persistent_pain(svc.content.safety))
    return state


#: The buttons of a routine's questions (consent, the 0-10 keypads, the high-pain choice);
#: every other action is a step card's button.
QUESTION_ACTIONS = frozenset(
    {
        Action.CONSENT_YES,
        Action.CONSENT_NO,
        Action.PAIN,
        Action.SKIP_PAIN,
        Action.GENTLE,
        Action.GO_ON,
        Action.REST,
    }
)


def _stale_text(update: Update, action: Action, view: RunView) -> str:
    """What an old or double-tapped routine button answers, true for its kind of button."""
    if action in QUESTION_ACTIONS:
        return texts.QUESTION_ANSWERED
    message = update.effective_message
    if message is not None and message.message_id == view.run.message_id:
        return texts.STEP_CARD_UP_TO_DATE  # the card still shown, already edited
    return texts.STEP_BEHIND


STEP_OUTCOMES = {
    Action.DONE: "✅ Done",
    Action.SKIP: "⏭ Skipped",
    Action.HURT: "🤕 Stopped here",
    Action.STOP: "⏹ Stopped",
}


async def _close_step(
    bot: Bot, svc: Services, left: RunView, action: Action, message_id: int | None
) -> None:
    """Leave a finished step's message as a record: no buttons, no stale countdown."""
    if message_id is None:
        return
    caption = step_caption(left, svc.clock.now(), svc.content.safety)
    outcome = STEP_OUTCOMES.get(action)
    if outcome and len(caption) + len(outcome) < CAPTION_LIMIT:
        caption = f"{caption}\n{outcome}"
    await botapi.edit_caption(bot, left.run.user_id, message_id, caption)


def _ack(action: Action, level: int | None) -> str | None:
    return {
        Action.DONE: "Nice work!",
        Action.SKIP: "Skipped",
        Action.HURT: "Stopping here",
        Action.STOP: "Stopped",
        Action.PAIN: f"Noted: {level}/10",
        Action.GENTLE: "Gently does it",
        Action.GO_ON: "Going on",
        Action.REST: "Rest well",
    }.get(action)


async def _note_level(update: Update, phase: Phase, level: int) -> None:
    """Replace the keypad with the chosen level, so the chat reads as a record."""
    query = update.callback_query
    assert query is not None and query.message is not None
    when = "before" if phase is Phase.BEFORE else "after"
    await botapi.edit_text(
        update.get_bot(),
        query.message.chat.id,
        query.message.message_id,
        f"Pain {when}: <b>{level}/10</b> ✓",
        send_if_gone=False,
    )


async def _edit_step(
    bot: Bot, svc: Services, view: RunView, *, new_media: Illustration | None = None
) -> bool:
    """Redraw a step's caption and buttons in place (easier version, timer), and its clip
    with ``new_media`` (standard and easier versions move differently). False when the
    step's message is gone (deleted, or never sent): the caller sends it anew."""
    if view.run.message_id is None:
        return False
    caption = step_caption(view, svc.clock.now(), svc.content.safety)
    if new_media is not None:
        sent = await swap_illustration(
            bot,
            svc,
            view.run.user_id,
            view.run.message_id,
            new_media,
            caption,
            step_keyboard(view),
        )
    else:
        sent = await botapi.edit_caption(
            bot, view.run.user_id, view.run.message_id, caption, reply_markup=step_keyboard(view)
        )
    if sent.ok:
        await svc.routines.show_on(view.run.id, view.run.message_id, view.run.version)
    elif sent.unreachable:
        await svc.routines.user_unreachable(view.run.user_id)
    return sent.failure is not botapi.Failure.MESSAGE_GONE


async def _tick_one(bot: Bot, svc: Services, view: RunView, now: datetime) -> bool:
    """One running hold: edit its countdown if due. Failures stay with this user.

    `now` is when the tick began; the edit runs later (after other users' edits were
    started, the database answered and the task got its turn), so the countdown is worked
    out again just before the edit, and that instant is the one recorded as the last edit:
    a countdown computed at the tick and recorded later showed "9 s left" at 3 s left and
    held it until the time was up."""
    now = max(now, svc.clock.now())
    ends = view.run.timer_ends_at
    assert ends is not None
    finished = ends <= now
    last = view.run.timer_last_edit_at
    if (
        not finished
        and last is not None
        and (now - last).total_seconds() < TIMER_EDIT_EVERY_SECONDS
    ):
        return False
    ending = finished and await _still_running(svc, view)
    await svc.routines.timer_ticked(view.run.id, finished=finished, at=now)
    refreshed = await svc.routines.active(view.run.user_id)
    if refreshed is None or refreshed.run.id != view.run.id:
        return False
    if refreshed.run.message_id is None:
        await svc.routines.timer_ticked(view.run.id, finished=True)
        return False
    sent = await botapi.edit_caption(
        bot,
        refreshed.run.user_id,
        refreshed.run.message_id,
        step_caption(refreshed, now, svc.content.safety),
        reply_markup=step_keyboard(refreshed),
    )
    if sent.unreachable:  # blocked or deactivated: end their timers, stop their reminders
        await svc.routines.user_unreachable(refreshed.run.user_id)
    elif sent.failure is botapi.Failure.MESSAGE_GONE:  # deleted by the user: stop counting
        await svc.routines.message_gone(view.run.id)
    elif ending and sent.ok:
        await _say_times_up(bot, svc, refreshed, now)
    return sent.ok


async def _still_running(svc: Services, view: RunView) -> bool:
    """Whether the hold `view` saw is still the run's running one, read just before this
    tick ends it: a tick started from an older read (its hold already ended by another
    tick, or the step moved on) sends no second "Time's up"."""
    current = await svc.routines.active(view.run.user_id)
    return (
        current is not None
        and current.run.id == view.run.id
        and current.run.timer_ends_at is not None
        and current.run.timer_ends_at == view.run.timer_ends_at
        and current.state.step_index == view.state.step_index
    )


async def _say_times_up(bot: Bot, svc: Services, view: RunView, now: datetime) -> None:
    """The end of a hold as a short new message quoting the card: an edit of the caption
    makes no sound, and someone holding a stretch is not looking at the screen. Sent once
    per hold: only by the tick that ended it (`_still_running`); a restart finds the hold
    ended in the database and sends nothing."""
    line = timer_line(view, now)
    if line is None or view.run.message_id is None:
        return
    await botapi.send_text(
        bot,
        view.run.user_id,
        line,
        reply_parameters=ReplyParameters(view.run.message_id, allow_sending_without_reply=True),
    )


Spawn = Callable[[Coroutine[Any, Any, bool]], "asyncio.Task[bool]"]
"""Starts a task: `asyncio.ensure_future`, or the Application's `create_task`."""


class TimerTicks:
    """The hold-timer job's own state: the runs whose countdown edit is still in flight.

    A tick starts each due edit as a task of its own and skips runs whose previous edit
    hasn't finished, so a slow chat (up to the HTTP timeout) never delays anyone else's
    countdown, and never gets two edits at once."""

    def __init__(self) -> None:
        self.in_flight: dict[int, asyncio.Task[bool]] = {}

    async def tick(self, bot: Bot, svc: Services, spawn: Spawn) -> list[asyncio.Task[bool]]:
        """Start this tick's edits without waiting for them; returns the tasks started."""
        now = svc.clock.now()
        started = []
        for view in await svc.routines.running_timers():
            run_id = view.run.id
            if run_id in self.in_flight:
                continue
            with interactive(paced=True):  # answers the user's tap: ahead of the reminders
                task = spawn(_tick_contained(bot, svc, view, now))
            self.in_flight[run_id] = task
            task.add_done_callback(self._finished)
            started.append(task)
        return started

    def _finished(self, task: asyncio.Task[bool]) -> None:
        for run_id, running in list(self.in_flight.items()):
            if running is task:
                del self.in_flight[run_id]


async def _tick_contained(bot: Bot, svc: Services, view: RunView, now: datetime) -> bool:
    """`_tick_one`, with a bug in one user's countdown logged and kept from the others."""
    try:
        return await _tick_one(bot, svc, view, now)
    except Exception:
        logger.exception("Hold timer of run %s failed", view.run.id)
        return False


async def tick_timers(bot: Bot, svc: Services) -> int:
    """One tick of the hold timers, waiting for its edits (tests and benchmarks).
    Returns how many countdowns were edited."""
    tasks = await TimerTicks().tick(bot, svc, asyncio.ensure_future)
    return sum(await asyncio.gather(*tasks))


TIMER_TICKS_KEY = "hold_timer_ticks"


async def timer_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The periodic hold-timer job: starts the due countdown edits and returns at once.

    Nothing while the application is stopping: the timers are in the database and the next
    process ends them.
    """
    if not context.application.running:
        return
    ticks = context.bot_data.setdefault(TIMER_TICKS_KEY, TimerTicks())
    assert isinstance(ticks, TimerTicks)

    def spawn(coroutine: Coroutine[Any, Any, bool]) -> asyncio.Task[bool]:
        return context.application.create_task(coroutine, name="hold-timer-edit")

    await ticks.tick(context.bot, services(context), spawn)


async def typed_in_routine(
    update: Update, context: ContextTypes.DEFAULT_TYPE, view: RunView, text: str
) -> None:
    """Text while a routine runs (also after a restart): a pain level typed at the keypad is
    taken like a tap; pain words point to "🤕 It hurts"; otherwise say which buttons."""
    svc = services(context)
    user_id, _ = sender_ids(update)
    phase = view.state.phase
    title = escape(view.routine.title)
    if phase in (Phase.BEFORE, Phase.AFTER):
        level = parse_level(text)
        if level is not None or is_skip(text):
            action = Action.PAIN if level is not None else Action.SKIP_PAIN
            keypad = view.run.message_id
            tap = await svc.routines.tap(user_id, view.run.id, view.run.version, action, level)
            if tap.result is TapResult.APPLIED and tap.view is not None:
                when = "before" if phase is Phase.BEFORE else "after"
                record = f"Pain {when}: <b>{level}/10</b> ✓" if level is not None else None
                await _close_keypad(context.bot, user_id, keypad, record)
                await show_phase(update, context, tap.view)
                return
        when = "start" if phase is Phase.BEFORE else "finish"
        hint = texts.ROUTINE_PAIN_HINT.format(when=when, title=title)
    elif phase is Phase.CONSENT:
        hint = texts.ROUTINE_CONSENT_HINT.format(title=title)
    elif phase not in (Phase.CHECK, Phase.SUGGEST) and (
        mentions_pain(text) or _high_reading(text)  # 8-10 typed: the advice went just above
    ):
        hint = texts.ROUTINE_HURTS_HINT
    else:
        hint = mid_routine_hint(view)
    # The hint quotes the message with the buttons it names: other messages may have come since.
    await reply(update, hint, quoting=view.run.message_id)


def _high_reading(text: str) -> bool:
    """Text that reads as a pain level of 8-10 (`reading_advises_rest`)."""
    level = parse_level(text)
    return level is not None and reading_advises_rest(level)


async def _close_keypad(bot: Bot, chat_id: int, message_id: int | None, record: str | None) -> None:
    """A keypad answered by typing: show the level instead (or just drop the buttons)."""
    if message_id is None:
        return
    if record is None:
        await botapi.clear_buttons(bot, chat_id, message_id)
    else:
        await botapi.edit_text(bot, chat_id, message_id, record, send_if_gone=False)


def build_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    buttons: list[Handler] = [
        CallbackQueryHandler(
            reminder_start, pattern=callbacks.matcher(callbacks.parse_reminder_start)
        ),
        CallbackQueryHandler(
            routine_chosen, pattern=callbacks.matcher(callbacks.parse_routine_start)
        ),
        CallbackQueryHandler(
            routine_restarted, pattern=callbacks.matcher(callbacks.parse_routine_restart)
        ),
        CallbackQueryHandler(
            routine_go_on, pattern=callbacks.matcher(callbacks.parse_routine_go_on)
        ),
        CallbackQueryHandler(
            rest_today_chosen, pattern=callbacks.matcher(callbacks.parse_rest_today)
        ),
        CallbackQueryHandler(
            routine_tapped, pattern=callbacks.matcher(callbacks.parse_routine_tap)
        ),
        CallbackQueryHandler(
            routine_pain_tapped, pattern=callbacks.matcher(callbacks.parse_routine_pain)
        ),
    ]
    with warnings.catch_warnings():
        # Tracked per user on purpose: the run in the database decides what a tap means.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=[CommandHandler("stretch", stretch_command), *buttons],
            # Typed text is read by bot/handlers/answers.py from the run in the database.
            states={IN_ROUTINE: buttons},
            fallbacks=[CommandHandler("stretch", stretch_command)],
            name="routine",
            allow_reentry=True,
        )
