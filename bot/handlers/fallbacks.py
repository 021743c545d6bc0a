"""Text that no question was waiting for: point the user somewhere useful, never stay silent."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.botapi.client import client_of
from bot.domain.questions import mentions_pain, named_button
from bot.handlers.common import reply, sender_ids, services
from bot.handlers.routines import show_phase, typed_in_routine


async def unknown_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mid-routine (also after a restart): the step that never arrived, or the routine reads
    it (a typed pain level, pain words, a hint); pain words: where to turn; a message
    showing buttons: name them, quoting it (a typed word naming one: that one; nothing is
    done); before setup: /start; else: the menu."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user_id, chat_id = sender_ids(update)
    svc = services(context)
    active = await svc.routines.active(user_id)
    if active is not None:
        if active.shown:
            await typed_in_routine(update, context, active, message.text)
        else:  # its current step never arrived: send it now
            await show_phase(update, context, active)
        return
    if mentions_pain(message.text):
        await reply(update, texts.PAIN_WORDS_HINT)
        return
    buttons = client_of(context.bot).shown.latest(chat_id)
    if buttons is not None:
        label = named_button(message.text, buttons.labels)
        hint = texts.button_hint(label) if label else texts.buttons_hint(buttons.labels)
        await reply(update, hint, quoting=buttons.message_id)
        return
    user = await svc.preferences.get(user_id)
    if user is None or not user.onboarded:
        await reply(update, texts.REMINDERS_NOT_SET_UP)
    else:
        await reply(update, texts.UNKNOWN_TEXT)


async def unknown_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler knows (a typo, or an old one)."""
    await reply(update, texts.UNKNOWN_COMMAND)
