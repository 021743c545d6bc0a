"""Telegram handlers, one module per feature, registered in one ordered place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import (
    admin,
    answers,
    asking,
    chats,
    common,
    fallbacks,
    info,
    my_routines,
    pain,
    preferences,
    privacy,
    program,
    progress,
    reminders,
    routines,
    safety,
    settings,
)

PRIVATE_CHATS_GROUP = -3
EDITS_GROUP = -2
LEAVE_QUESTION_GROUP = -1
AFTER_REPLY_GROUP = 1


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Register every handler. Order matters: groups run in ascending order; within a group
    the first match wins.

    -3. Before everything: only updates from a person in a private chat go on
        (`chats.private_chats_only`); groups and channels get at most one short answer.
    -2. Edited messages: the answer to the open question, or ignored; nothing else sees them.
    -1. A command or a button of another flow leaves the open question (stored in the
        database, bot/handlers/asking.py), so later text is never taken as its answer.
    0.  Callback queries no button of ours can send (no data): answered as invalid before
        any patterned handler, which PTB would let match a query without data. Then /start
        and the question buttons; the routine conversation; commands and feature buttons;
        then the catch-alls: typed text goes to the open question, the routine or a hint;
        any other button is answered as invalid (every callback query gets an answer); an
        unknown command gets a hint.
    1.  After the reply: a side note kept for after it (`asking.send_after_reply`).
    """
    application.add_handler(chats.build_gate(), group=PRIVATE_CHATS_GROUP)
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED, answers.edited), group=EDITS_GROUP
    )
    application.add_handlers(
        [
            CallbackQueryHandler(answers.another_flow),
            MessageHandler(filters.COMMAND, answers.another_flow),
        ],
        group=LEAVE_QUESTION_GROUP,
    )
    application.add_handler(common.MalformedCallbackQueryHandler())
    application.add_handlers(preferences.build_handlers())
    application.add_handler(routines.build_conversation())
    application.add_handlers(my_routines.build_handlers())
    application.add_handlers(settings.build_commands())
    application.add_handlers(settings.build_handlers())
    application.add_handlers(info.build_handlers())
    application.add_handlers(safety.build_handlers())
    application.add_handlers(reminders.build_handlers())
    application.add_handlers(pain.build_handlers())
    application.add_handlers(progress.build_handlers())
    application.add_handlers(program.build_handlers())
    application.add_handlers(privacy.build_handlers())
    application.add_handlers(admin.build_handlers())
    application.add_handler(CommandHandler("cancel", answers.cancel_command))
    application.add_handler(CallbackQueryHandler(common.invalid_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, answers.text_received))
    application.add_handler(MessageHandler(filters.LOCATION, answers.location_received))
    application.add_handler(MessageHandler(filters.COMMAND, fallbacks.unknown_command))
    application.add_handler(TypeHandler(Update, asking.send_after_reply), group=AFTER_REPLY_GROUP)
    application.add_error_handler(common.on_error)
