"""/safety, the full list of warning signs, and a stretch card's "⚠️ Cautions" pop-up.

The warning signs are long: sent while a question is open (setup's time question, say),
they push it out of sight, so a short line quoting the question follows them.

Every word comes from content/safety.yaml and the stretch files; none of these buttons
carries run state, so they answer the same on an old message, after a restart, or mid-routine.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, texts
from bot.botapi import errors as botapi
from bot.content import cautions_alert
from bot.handlers import asking
from bot.handlers.common import answer, reply, services


async def safety_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/safety: warning signs in two tiers, the traffic light, who should ask first."""
    content = services(context).content
    await reply(update, texts.safety_text(content.safety, content.stretch_names))
    await asking.point_to_open(update, context)  # the question it kept open scrolled away


async def full_list_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Onboarding's "Full list of warning signs": send both tiers, once per message. The
    button is taken off the tapped message first; when it was already gone ("message is
    not modified": a second or double tap) the list is already below, and a toast says so.
    A message that can't be edited (too old, deleted) still gets the list."""
    query = update.callback_query
    message = query.message if query is not None else None
    if message is not None:
        cleared = await botapi.clear_buttons(update.get_bot(), message.chat.id, message.message_id)
        if cleared.failure is botapi.Failure.NOT_MODIFIED:
            await answer(update, texts.RED_FLAGS_ALREADY_SENT)
            return
    await answer(update)
    await reply(update, texts.red_flags_full(services(context).content.safety))
    await asking.point_to_open(update, context)  # setup's question scrolled away: point back


async def cautions_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "⚠️ Cautions" on a card: all of the stretch's cautions as a pop-up, in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = callbacks.CAUTIONS_PATTERN.match(query.data)
    assert match is not None
    stretch = services(context).content.stretches.get(match[1])
    if stretch is None:
        await answer(update, texts.INVALID_BUTTON, alert=True)
        return
    await answer(update, cautions_alert(stretch), alert=True)


def build_handlers() -> list[
    CommandHandler[ContextTypes.DEFAULT_TYPE, None]
    | CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]
]:
    return [
        CommandHandler("safety", safety_command),
        CallbackQueryHandler(full_list_tapped, pattern=callbacks.RED_FLAGS_PATTERN),
        CallbackQueryHandler(cautions_tapped, pattern=callbacks.CAUTIONS_PATTERN),
    ]
