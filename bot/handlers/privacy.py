"""/export and /delete: a user's own data, as files or erased for good."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.botapi import errors as botapi
from bot.botapi.client import client_of
from bot.domain.questions import Kind, Question
from bot.handlers import asking
from bot.handlers.common import answer, edit_or_send, invalid_button, reply, sender_ids, services
from bot.services.export_files import ExportWords, export_json, export_zip

logger = logging.getLogger(__name__)

#: How long a "Yes, delete everything" button stays valid.
DELETE_CONFIRM_TTL = timedelta(minutes=15)
#: Slack for a confirmation stamped in whole seconds next to instants with microseconds.
CLOCK_SLACK = timedelta(seconds=1)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export: every row stored about the user, as a ZIP a person reads (README.txt and one
    CSV per kind of data) and a JSON document with every stored field."""
    user_id, _ = sender_ids(update)
    data = await services(context).pain.export(user_id)
    if data.is_empty:
        await reply(update, texts.EXPORT_NOTHING)
        return
    assert update.effective_chat is not None
    chat_id, bot = update.effective_chat.id, context.bot
    stem = f"back-stretch-data-{data.exported_at:%Y-%m-%d}"
    await botapi.send_chat_action(bot, chat_id, ChatAction.UPLOAD_DOCUMENT)
    json_name = f"{stem}.json"
    words = ExportWords.of(services(context).content)
    archive = export_zip(data.tables, data.exported_at, json_name, words)
    complete = export_json(data.user_id, data.exported_at, data.tables)
    files = [
        (InputFile(archive, filename=f"{stem}.zip"), texts.EXPORT_ZIP_CAPTION),
        (InputFile(complete, filename=json_name), texts.EXPORT_JSON_CAPTION),
    ]
    for document, caption in files:
        sent = await botapi.send_document(bot, chat_id, document, caption=caption)
        if not sent.ok:  # say so rather than leave half an export
            await reply(update, texts.EXPORT_FAILED)
            return


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask for confirmation; nothing is erased until "Yes" is tapped."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    if await svc.preferences.get(user_id) is None:
        await reply(update, texts.DELETE_NOTHING)
        return
    now = svc.clock.now()
    await asking.ask(
        update, context, Kind.DELETE, texts.DELETE_ASK, lambda _: keyboards.delete_confirm(now)
    )


async def delete_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at the confirmation: erasure stays a deliberate tap, so say exactly which, with
    the buttons on this message (the earlier confirmation's are taken away)."""
    now = services(context).clock.now()
    await asking.ask(
        update, context, Kind.DELETE, texts.DELETE_HINT, lambda _: keyboards.delete_confirm(now)
    )


async def delete_answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Yes, delete everything" erases every row of the user; "Cancel" changes nothing."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data == callbacks.DELETE_CANCEL:
        await asking.close_kind(update, context, Kind.DELETE)
        await answer(update)
        await edit_or_send(update, texts.DELETE_CANCELLED)
        return
    asked_at = callbacks.parse_delete_confirm(query.data)
    if asked_at is None:  # out of range (the pattern lets no such data through)
        await invalid_button(update, context)
        return
    user_id, _ = sender_ids(update)
    svc = services(context)
    user = await svc.preferences.get(user_id)
    if user is None:
        if _carries_button(update, query.data):
            # A double tap's second (the first erased everything), or a confirmation still
            # on screen after an erasure: a quiet toast, and the message says it's done (in
            # case the first tap's edit didn't land).
            await answer(update, texts.DELETE_ALREADY_DONE)
            await edit_or_send(update, texts.DELETE_DONE)
        else:  # data no button of theirs carried (forged): nothing there to delete
            await answer(update, texts.DELETE_NOTHING)
        return
    now = svc.clock.now()
    if asked_at > now + CLOCK_SLACK or asked_at < user.created_at - CLOCK_SLACK:
        await invalid_button(update, context)  # forged, or pre-dates them
        return
    if now - asked_at > DELETE_CONFIRM_TTL:
        await answer(update, texts.DELETE_EXPIRED, alert=True)
        return
    if not await asking.close_kind(update, context, Kind.DELETE):
        # Answered or left since (Cancel, another command): erasure only from the open question.
        await asking.stale_button(update, context)
        return
    await svc.pain.delete_everything(user_id)
    if context.user_data is not None:
        context.user_data.clear()
    await answer(update, texts.DELETE_TOAST)
    await edit_or_send(update, texts.DELETE_DONE)
    # The buttons the chat was shown (kept in memory for typed text): none of them is live
    # any more, and nothing of the person may stay behind (tester 8 #6).
    client_of(context.bot).shown.forget(sender_ids(update)[1])
    for listener in svc.on_erased:
        try:
            await listener(user_id)
        except Exception:  # the erasure itself is done: never a traceback to the user
            logger.exception("An erasure listener failed")


def _carries_button(update: Update, data: str) -> bool:
    """The tapped message (as Telegram relayed it with the query) has a button with `data`:
    a real tap on a real confirmation, not data a modified client made up."""
    query = update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return False
    return any(button.callback_data == data for row in markup.inline_keyboard for button in row)


def build_handlers() -> list[
    CommandHandler[ContextTypes.DEFAULT_TYPE, None]
    | CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]
]:
    return [
        CommandHandler("export", export_command),
        CommandHandler("delete", delete_command),
        CallbackQueryHandler(
            delete_answered, pattern=callbacks.matcher(callbacks.parse_delete_answer)
        ),
    ]
