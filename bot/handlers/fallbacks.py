"""Text that no flow was waiting for: point the user somewhere useful, never stay silent."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.common import reply, sender_ids, services
from bot.handlers.routine_views import mid_routine_hint
from bot.handlers.routines import show_phase


async def unknown_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mid-routine (also after a restart): the step that never arrived, or a hint; before
    setup: /start; else: the menu."""
    user_id, _chat_id = sender_ids(update)
    svc = services(context)
    active = await svc.routines.active(user_id)
    if active is not None:
        if active.shown:
            await reply(update, mid_routine_hint(active))
        else:  # its current step never arrived: send it now
            await show_phase(update, context, active)
        return
    user = await svc.preferences.get(user_id)
    if user is None or not user.onboarded:
        await reply(update, texts.FINISH_SETUP_FIRST)
    else:
        await reply(update, texts.UNKNOWN_TEXT)


async def unknown_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler knows (a typo, or an old one)."""
    await reply(update, texts.UNKNOWN_COMMAND)
