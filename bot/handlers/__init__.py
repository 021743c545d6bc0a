"""Telegram handlers, one module per feature, registered in one ordered place."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.handlers import (
    admin,
    common,
    fallbacks,
    info,
    pain,
    preferences,
    privacy,
    progress,
    reminders,
    routines,
    safety,
    settings,
)


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register every handler. Order matters: within a group the first match wins.

    0. Callback queries no button of ours can send (no data): answered as invalid before
       any patterned handler, which PTB would let match a query without data.
    1. Conversations first, so a question the bot asked gets the user's answer.
    2. Commands and feature buttons.
    3. Catch-alls last: any other button is answered as invalid (every callback query gets
       an answer), any other text gets a hint instead of silence.
    """
    application.add_handler(common.MalformedCallbackQueryHandler())
    application.add_handler(preferences.build_conversation())
    application.add_handler(routines.build_conversation())
    application.add_handlers(settings.build_commands())
    application.add_handlers(settings.build_handlers())
    application.add_handlers(info.build_handlers())
    application.add_handlers(safety.build_handlers())
    application.add_handlers(reminders.build_handlers())
    application.add_handlers(pain.build_handlers())
    application.add_handlers(progress.build_handlers())
    application.add_handlers(privacy.build_handlers())
    application.add_handlers(admin.build_handlers())
    application.add_handler(CallbackQueryHandler(common.invalid_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, fallbacks.unknown_text))
    application.add_handler(MessageHandler(filters.COMMAND, fallbacks.unknown_command))
    application.add_error_handler(common.on_error)
