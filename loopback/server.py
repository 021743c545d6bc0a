"""A fake Telegram Bot API server on 127.0.0.1 that a real PTB ``Application`` talks to.

Why: the bot's tests (and a browser playground and benchmarks) must exercise the real
HTTP client, retries, serialisation and update handling of python-telegram-bot without
reaching Telegram.  The server keeps the state Telegram would keep (chats, messages as
they are after edits and deletes, files, pending updates, callback queries), validates
requests the way Telegram does, records every call, and lets a test act as users and
inject faults.

Layout: ``LoopbackBotAPI`` combines one mixin per concern: ``state`` (shared state and
wake-ups), ``http_app`` (aiohttp routes, dispatch), ``updates`` (queue, getUpdates),
``messages`` (send/edit/delete), ``files`` (photos, documents), ``bot_settings``
(getMe, commands), ``users`` (acting as users), ``groups`` (groups, channels, raw
updates, leaveChat), ``faults`` (fault injection), ``inspection`` (what tests look at),
``webhook`` (setWebhook and delivery to it), ``snapshot`` (saving and restoring the
private chats); the data classes live in ``model``.

Concurrency: the state is not thread-safe.  Call the synchronous helpers (``send_text``,
``press_button`` …) from the thread running the server's event loop, or before
``start()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from loopback.bot_settings import BotSettingsMixin
from loopback.files import FilesMixin
from loopback.groups import GroupsMixin
from loopback.messages import MessagesMixin
from loopback.model import (
    RecordedCall,
    SimCallbackQuery,
    SimGroup,
    SimMessage,
    SimUser,
    StoredFile,
)
from loopback.snapshot import SnapshotMixin
from loopback.state import DEFAULT_TOKEN
from loopback.webhook import WebhookMixin

__all__ = [
    "DEFAULT_TOKEN",
    "LoopbackBotAPI",
    "RecordedCall",
    "SimCallbackQuery",
    "SimGroup",
    "SimMessage",
    "SimUser",
    "StoredFile",
]


class LoopbackBotAPI(WebhookMixin, GroupsMixin, SnapshotMixin, FilesMixin, BotSettingsMixin):
    """A Telegram Bot API look-alike served over real HTTP on 127.0.0.1.

    Point PTB at it with ``ApplicationBuilder().base_url(server.api_base_url)
    .base_file_url(server.file_base_url)``.
    """

    _handlers: ClassVar[dict[str, Callable[[LoopbackBotAPI, dict[str, Any]], Any]]] = {
        "getMe": BotSettingsMixin._m_get_me,
        "deleteWebhook": WebhookMixin._m_delete_webhook,
        "setWebhook": WebhookMixin._m_set_webhook,
        "getWebhookInfo": WebhookMixin._m_get_webhook_info,
        "logOut": BotSettingsMixin._m_true,
        "close": BotSettingsMixin._m_true,
        "setMyCommands": BotSettingsMixin._m_set_my_commands,
        "getMyCommands": BotSettingsMixin._m_get_my_commands,
        "deleteMyCommands": BotSettingsMixin._m_delete_my_commands,
        "setMyDescription": BotSettingsMixin._m_set_my_description,
        "getMyDescription": BotSettingsMixin._m_get_my_description,
        "setMyShortDescription": BotSettingsMixin._m_set_my_short_description,
        "getMyShortDescription": BotSettingsMixin._m_get_my_short_description,
        "sendMessage": MessagesMixin._m_send_message,
        "editMessageText": MessagesMixin._m_edit_message_text,
        "editMessageReplyMarkup": MessagesMixin._m_edit_message_reply_markup,
        "editMessageCaption": MessagesMixin._m_edit_message_caption,
        "deleteMessage": MessagesMixin._m_delete_message,
        "answerCallbackQuery": MessagesMixin._m_answer_callback_query,
        "sendPhoto": FilesMixin._m_send_photo,
        "sendAnimation": FilesMixin._m_send_animation,
        "sendDocument": FilesMixin._m_send_document,
        "editMessageMedia": FilesMixin._m_edit_message_media,
        "sendChatAction": MessagesMixin._m_send_chat_action,
        "getFile": FilesMixin._m_get_file,
        "leaveChat": GroupsMixin._m_leave_chat,
    }
