"""The adaptive program in chat: "How was it?" after a routine, and "📈 My program" in
/settings (each stretch's dose today and why; reset one stretch or everything; try the
full version again)."""

from __future__ import annotations

import asyncio
from datetime import UTC

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.db.models import User
from bot.domain.program import Feedback
from bot.domain.timezones import load_zone
from bot.handlers import asking
from bot.handlers.common import (
    answer,
    edit_or_send,
    invalid_button,
    onboarded_user,
    remove_buttons,
    reply,
    sender_ids,
    services,
)
from bot.handlers.program_views import (
    change_lines,
    hold_label,
    program_keyboard,
    program_text,
    shown_names,
)
from bot.services.program import FeedbackResult


def _data(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data


async def feedback_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "How was it?" answered: stored once, then the buttons go; a second tap is told it
    was already noted and changes nothing."""
    tap = callbacks.parse_feedback(_data(update))
    assert tap is not None  # the handler's pattern
    user_id, _ = sender_ids(update)
    svc = services(context)
    view = await svc.routines.run_of(user_id, tap.run_id)
    if view is None:
        await invalid_button(update, context)
        return
    stretch_ids = [step.stretch.id for step in view.steps]
    # Answered as soon as the answer is stored; the program's changes (same transaction)
    # are worked out while the answer travels, then the buttons go as the reply is sent.
    answering: list[asyncio.Future[object]] = []

    def stored() -> None:
        answering.append(asyncio.ensure_future(answer(update, "Thanks!")))
        answering.append(asyncio.ensure_future(remove_buttons(update)))

    result = await svc.program.feedback(
        user_id, tap.run_id, Feedback(tap.choice), stretch_ids, stored=stored
    )
    if result.result is FeedbackResult.NOT_YOURS:
        await invalid_button(update, context)
        return
    if result.result is FeedbackResult.ALREADY:
        await answer(update, texts.FEEDBACK_ALREADY)
        await remove_buttons(update)
        return
    lines = change_lines(svc.content, result.changes, shown_names(view.steps))
    thanks = texts.FEEDBACK_THANKS[tap.choice]
    if result.already_held_back:
        thanks = texts.FEEDBACK_HARD_ALREADY
    elif tap.choice in texts.FEEDBACK_FROZEN and result.frozen_until is not None:
        # growth is frozen (a pain rise, a bad day): no promise of a step up it won't keep
        user = await svc.preferences.get(user_id)
        zone = load_zone(user.time_zone) if user is not None and user.time_zone else UTC
        when = hold_label(result.frozen_until, svc.clock.now(), zone)
        thanks = texts.FEEDBACK_FROZEN[tap.choice].format(when=when)
    await asyncio.gather(*answering, reply(update, "\n".join([thanks, *lines])))


async def show_program(update: Update, context: ContextTypes.DEFAULT_TYPE, user: User) -> None:
    """ "📈 My program", in place of the message whose button was tapped."""
    svc = services(context)
    overview = await svc.program.overview(user.id)
    zone = load_zone(user.time_zone) if user.time_zone else UTC
    await edit_or_send(
        update,
        program_text(
            overview.lines, overview.frozen_until, zone, svc.content.stretches, svc.clock.now()
        ),
        reply_markup=program_keyboard(overview.lines),
    )


async def program_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of "📈 My program": reset one stretch or all, or try the full version."""
    tap = callbacks.parse_program(_data(update))
    assert tap is not None  # the handler's pattern
    user = await onboarded_user(update, context)
    if user is None:
        return
    svc = services(context)
    if tap.stretch_id is not None and tap.stretch_id not in svc.content.stretches:
        await invalid_button(update, context)  # forged: the open question stays open
        return
    await asking.leave_for_button(update, context)
    if tap.action == "f":
        assert tap.stretch_id is not None
        changes = await svc.program.full_again(user.id, tap.stretch_id)
        await answer(update, texts.PROGRAM_FULL_DONE if changes else texts.FEEDBACK_ALREADY)
    elif tap.action == "r" and tap.stretch_id is None:  # everything: one tap more to confirm
        await answer(update)
        await edit_or_send(
            update, texts.PROGRAM_RESET_ALL_ASK, reply_markup=keyboards.program_reset_all_confirm()
        )
        return
    else:
        changes = await svc.program.reset(user.id, tap.stretch_id)
        if not changes:
            await answer(update, texts.PROGRAM_NOTHING_TO_RESET)
        elif tap.stretch_id is None:
            await answer(update, texts.PROGRAM_RESET_ALL_DONE)
        else:
            await answer(update, texts.PROGRAM_RESET_DONE)
    await show_program(update, context, user)


def build_handlers() -> list[CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CallbackQueryHandler(feedback_tapped, pattern=callbacks.matcher(callbacks.parse_feedback)),
        CallbackQueryHandler(program_tapped, pattern=callbacks.matcher(callbacks.parse_program)),
    ]
