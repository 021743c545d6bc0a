"""Helpers every handler uses, plus the catch-alls and the error handler."""

from __future__ import annotations

import logging
from typing import cast

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.ext import Application, BaseHandler, ContextTypes

from bot import callbacks, texts
from bot.botapi import errors as botapi
from bot.db.models import User
from bot.domain.reminder_plan import local_today
from bot.reminders import reminder_reached_at
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


async def reply(
    update: Update,
    text: str,
    *,
    reply_markup: botapi.Markup | None = None,
    quoting: int | None = None,
) -> botapi.Sent:
    """Answer in the chat the update came from, in HTML (documented failures: see botapi).
    `quoting` (a message id) sends it as a reply to that message: a hint about buttons in
    an earlier message quotes it, and a tap on the quote leads there, however many messages
    came since (sent anyway if that message is gone)."""
    assert update.effective_chat is not None
    extra: dict[str, ReplyParameters] = {}
    if quoting is not None:
        extra["reply_parameters"] = ReplyParameters(quoting, allow_sending_without_reply=True)
    return await botapi.send_text(
        update.get_bot(), update.effective_chat.id, text, reply_markup=reply_markup, **extra
    )


async def edit_or_send(
    update: Update, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> botapi.Sent:
    """Edit the message a button belongs to; send a new one when it can't be edited
    ("not modified", e.g. a double tap's second edit, is success)."""
    assert update.effective_chat is not None
    query = update.callback_query
    message_id = query.message.message_id if query and query.message else None
    return await botapi.edit_text(
        update.get_bot(), update.effective_chat.id, message_id, text, reply_markup=reply_markup
    )


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> bool:
    """Answer the update's callback query; a failure (e.g. "query is too old") never stops
    the action the button asked for. False when it could not be answered."""
    if update.callback_query is None:
        return False
    return await botapi.answer(update.callback_query, text, alert=alert)


async def remove_buttons(update: Update) -> None:
    """Take the inline keyboard off the tapped message: its question has been answered."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await botapi.clear_buttons(
            update.get_bot(), query.message.chat.id, query.message.message_id
        )


async def show_choice(update: Update, choice: str) -> None:
    """The tapped question keeps its text and shows the answer instead of its buttons
    ("✓ 21:00", like "Pain before: 5/10 ✓"); `choice` is HTML. A message that can't be
    read or edited just loses its buttons."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message) or not message.text:
        await remove_buttons(update)
        return
    shown = f"{message.text_html}\n\n✓ {choice}"
    sent = await botapi.edit_text(
        update.get_bot(), message.chat.id, message.message_id, shown, send_if_gone=False
    )
    if not sent.ok:
        await remove_buttons(update)


# The setup rule: /start sets up *reminders* (a time and a time zone). Every feature that
# needs no reminder schedule works before setup is finished (/stretch, /pain, /progress,
# /routines, /export, /delete, /help ...; local days count in UTC until a zone is chosen);
# the reminder settings (/settings and its buttons) say REMINDERS_NOT_SET_UP. A button
# never creates a user: without a row (erased) it says NO_RECORD.


async def known_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> User | None:
    """The user of a feature that needs no reminder schedule. A command creates the row as
    /stretch does (writing to the bot is consent to be known); a button never does: None,
    after saying NO_RECORD, when there is no row (never started, or erased)."""
    user_id, chat_id = sender_ids(update)
    prefs = services(context).preferences
    if update.callback_query is None:
        return (await prefs.greet(user_id, chat_id)).user
    user = await prefs.get(user_id)
    if user is None:
        await answer(update, texts.NO_RECORD, alert=True)
    return user


async def onboarded_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> User | None:
    """The user of a reminder setting, or None after saying REMINDERS_NOT_SET_UP (setup
    not finished) or NO_RECORD (a button without a user)."""
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    if user is not None and user.onboarded:
        return user
    text = texts.REMINDERS_NOT_SET_UP if user is not None else texts.NO_RECORD
    if update.callback_query is not None:
        await answer(update, text, alert=True)
    else:
        await reply(update, texts.REMINDERS_NOT_SET_UP)
    return None


async def from_earlier_day(
    update: Update, context: ContextTypes.DEFAULT_TYPE, button: callbacks.ReminderButton
) -> bool:
    """Whether a reminder's button is for a local date before the user's local today (in
    their zone; UTC without one) and its message didn't reach them today (a reminder
    snoozed past midnight, or sent late after it, is the one they just got). False for
    buttons without a date or an unknown user."""
    user = update.effective_user
    if button.local_date is None or user is None:
        return False
    svc = services(context)
    stored = await svc.preferences.get(user.id)
    if stored is None:
        return False
    zone = stored.time_zone or "UTC"
    today = local_today(zone, svc.clock.now())
    if button.local_date >= today:
        return False
    reached = await reminder_reached_at(
        svc.sessions, user.id, button.delivery_id, button.local_date
    )
    return reached is None or local_today(zone, reached) < today


async def old_reminder_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, button: callbacks.ReminderButton
) -> None:
    """A reminder's button whose row is gone or isn't this reminder's any more: OLD_REMINDER
    when the button is for a local date before the user's today (old rows are pruned after
    DELIVERY_RETENTION_DAYS), otherwise as `invalid_button` (forged, someone else's, or a
    button from before buttons carried their date)."""
    user = update.effective_user
    svc = services(context)
    stored = None if user is None else await svc.preferences.get(user.id)
    if stored is not None and button.local_date is not None:
        today = local_today(stored.time_zone or "UTC", svc.clock.now())
        if button.local_date < today:
            await answer(update, texts.OLD_REMINDER, alert=True)
            return
    await invalid_button(update, context)


def shows_the_button(update: Update) -> bool:
    """Whether the tapped message shows a button with the tapped data: a button the bot
    sent, not data forged onto another message (a modified client's)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    markup = query.message.reply_markup
    if markup is None:
        return False
    return any(
        button.callback_data == query.data for row in markup.inline_keyboard for button in row
    )


async def invalid_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button that can't do anything (forged, malformed, from an old version, stale):
    INVALID_BUTTON, or NO_RECORD when the bot keeps nothing about the user (erased)."""
    if update.callback_query is None:
        return
    user = update.effective_user
    known = user is not None and await services(context).preferences.get(user.id) is not None
    await answer(update, texts.INVALID_BUTTON if known else texts.NO_RECORD, alert=True)


class MalformedCallbackQueryHandler(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Callback queries no button of this bot can send: without data (PTB lets those match
    every patterned handler), a game's, or on an inline message. Answered as invalid."""

    def __init__(self) -> None:
        super().__init__(invalid_button)

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.callback_query is None:
            return False
        query = update.callback_query
        return not query.data or query.message is None


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
