"""/stats for the operators listed in ADMIN_IDS: aggregate counts only."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot import texts
from bot.db.stats import bot_stats
from bot.handlers.common import reply, sender_ids, services


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Operators get totals; everyone else gets the same answer as any unknown command."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    if user_id not in svc.settings.admin_ids:
        await reply(update, texts.UNKNOWN_COMMAND)
        return
    async with svc.sessions() as session:
        stats = await bot_stats(session, svc.clock.now(), timedelta(days=7))
    await reply(
        update,
        "📊 <b>Bot stats</b>\n"
        f"Users: {stats.users}\n"
        f"Reminders on: {stats.subscribed} (paused: {stats.paused})\n"
        f"Reminders sent, last 7 days: {stats.reminders_sent}\n"
        f"Routines completed, last 7 days: {stats.routines_completed}",
    )


def build_handlers() -> list[CommandHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("stats", stats_command)]
