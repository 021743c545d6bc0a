"""Helpers every handler uses, plus the catch-alls and the error handler."""

from __future__ import annotations

import logging
from typing import cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, BaseHandler, ContextTypes

from bot import texts
from bot.db.models import User
from bot.services.container import Services

logger = logging.getLogger(__name__)

SERVICES_KEY = "services"

Handler = BaseHandler[Update, ContextTypes.DEFAULT_TYPE, object]
"""Any handler of this bot, for lists that mix handler kinds."""


def application_services(application: Application) -> Services:  # type: ignore[type-arg]
    """The running bot's services (set in `post_init`)."""
    value = application.bot_data[SERVICES_KEY]
    assert isinstance(value, Services), "the bot has not been started (post_init)"
    return value


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return cast(Services, context.bot_data[SERVICES_KEY])


def sender_ids(update: Update) -> tuple[int, int]:
    """(user id, chat id) of a private-chat update."""
    assert update.effective_user is not None and update.effective_chat is not None
    return update.effective_user.id, update.effective_chat.id


async def reply(update: Update, text: str, **kwargs: object) -> None:
    """Answer in the chat the update came from, in HTML."""
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML, **kwargs)  # type: ignore[arg-type]


async def edit_or_send(update: Update, text: str, **kwargs: object) -> None:
    """Edit the message a button belongs to; send a new one when it can't be edited."""
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, **kwargs)  # type: ignore[arg-type]
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            logger.info("Could not edit a message, sending a new one: %s", exc)
    await reply(update, text, **kwargs)


async def remove_buttons(update: Update) -> None:
    """Take the inline keyboard off the tapped message: its question has been answered."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # not modified (already gone), or the message is too old
        logger.debug("Could not remove buttons: %s", exc)


async def onboarded_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> User | None:
    """The user, or None after telling them to finish /start first."""
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    if user is not None and user.onboarded:
        return user
    if update.callback_query is not None:
        await update.callback_query.answer(texts.FINISH_SETUP_FIRST, show_alert=True)
    else:
        await reply(update, texts.FINISH_SETUP_FIRST)
    return None


async def invalid_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no other handler claimed: forged, malformed, or from an old version."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.INVALID_BUTTON, show_alert=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (never message contents) and tell the user something went wrong."""
    logger.error("Unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR, show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(texts.ERROR)
    except Exception:  # the error handler must never raise
        logger.warning("Could not tell the user about an error", exc_info=True)
