"""/help and /privacy: static answers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot import texts
from bot.handlers.common import reply, services


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the commands, how much discomfort is OK, and the warning signs."""
    await reply(update, texts.help_text(services(context).content.safety))


async def privacy_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.PRIVACY)


def build_handlers() -> list[CommandHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("help", help_command), CommandHandler("privacy", privacy_command)]
