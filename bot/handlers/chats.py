"""Private chats only: the gate every update passes before any feature handler sees it.

The bot keeps health data, so it works in private chats only. In groups, supergroups and
channels it stores nothing about anyone, sends nothing personal and never moves a user's
reminders:

- A command addressed to it there (``/start``, ``/export@thisbot`` ...) gets one short
  reply with a deep-link button that opens the private chat, at most once per group every
  `GROUP_REPLY_INTERVAL` (more commands in the meantime get no reply, so a busy group isn't
  flooded). The time of the last reply is a `group_notes` row (bot/services/groups.py), so a
  restart or another process never replies again within the hour (the hour is taken before
  the reply is sent: at most once, like reminders); other messages are ignored.
- A button tapped there is answered (with the same deep link) and changes nothing.
- When someone adds it to a group it says so once, with the button, and leaves: staying
  would only collect commands it must refuse. From a channel it leaves without posting.
- Updates without a user, or sent on behalf of a chat (anonymous admins, channel posts),
  never reach a handler that assumes a user.

`private_chats_only` runs in the first handler group (bot/handlers/__init__.py) and raises
`ApplicationHandlerStop` for everything it keeps away from the handlers of later groups.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, TypeHandler

from bot import keyboards, texts
from bot.handlers.common import services
from bot.services.groups import GROUP_REPLY_INTERVAL as GROUP_REPLY_INTERVAL

logger = logging.getLogger(__name__)

#: The /start payload of the deep link offered in groups (t.me/<bot>?start=from_group).
DEEP_LINK_PAYLOAD = "from_group"
_PRESENT = frozenset({ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR})


def deep_link(username: str) -> str:
    """The t.me link that opens the private chat with the bot and sends /start."""
    return f"https://t.me/{username}?start={DEEP_LINK_PAYLOAD}"


def is_private_from_a_person(update: Update) -> bool:
    """A private chat, a user who is not a bot, and no message sent on behalf of a chat."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE or user is None or user.is_bot:
        return False
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return False
    return chat.id == user.id  # always so in a private chat; anything else is forged


def is_command_for(message: Message, username: str) -> bool:
    """A message starting with /command or /command@username (Telegram's bot_command)."""
    entity = message.entities[0] if message.entities else None
    if entity is None or entity.type != MessageEntityType.BOT_COMMAND or entity.offset != 0:
        return False
    command = message.parse_entity(entity)
    _, _, addressee = command.partition("@")
    return not addressee or addressee.lower() == username.lower()


async def private_chats_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let private-chat updates from a person through; answer or drop everything else."""
    if is_private_from_a_person(update):
        return
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _outside_private_chats(update, context)
    elif update.callback_query is not None:  # e.g. a button on an inline message
        await update.callback_query.answer(texts.PRIVATE_CHAT_ONLY_ALERT, show_alert=True)
    raise ApplicationHandlerStop


async def _outside_private_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    username = context.bot.username
    query, member = update.callback_query, update.my_chat_member
    if query is not None:
        await query.answer(texts.PRIVATE_CHAT_ONLY_ALERT, show_alert=True)
    elif member is not None:
        was_in = member.old_chat_member.status in _PRESENT
        if member.new_chat_member.status in _PRESENT and not was_in:
            await _say_goodbye_and_leave(update, context)
    elif (
        update.message is not None
        and update.effective_chat is not None
        and update.effective_chat.type != ChatType.CHANNEL
        and is_command_for(update.message, username)
        and await services(context).groups.note_due(update.effective_chat.id)
    ):
        await update.message.reply_text(
            texts.PRIVATE_CHAT_ONLY,
            reply_markup=keyboards.open_private_chat(deep_link(username)),
            do_quote=True,
        )


async def _say_goodbye_and_leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Added to a group: one note with the deep link (not in channels), then leave."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != ChatType.CHANNEL:
        try:
            await chat.send_message(
                texts.ADDED_TO_GROUP,
                reply_markup=keyboards.open_private_chat(deep_link(context.bot.username)),
            )
        except TelegramError as exc:  # e.g. not allowed to post there: leave all the same
            logger.info("Could not say goodbye in a %s: %s", chat.type, exc)
    try:
        await chat.leave()
    except TelegramError as exc:
        logger.warning("Could not leave a %s: %s", chat.type, exc)


def build_gate() -> TypeHandler[Update, ContextTypes.DEFAULT_TYPE, None]:
    return TypeHandler(Update, private_chats_only)
