"""The state every part of the loopback server shares, and how waiters are woken.

``ServerState`` holds chats, pending updates, files, faults and recorded calls; the mixins
(``loopback.updates``, ``loopback.messages``, ``loopback.files``, ``loopback.faults``,
``loopback.users``, ``loopback.http_app`` …) add behaviour on top, and
``loopback.server.LoopbackBotAPI`` puts them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from loopback.model import (
    ChatRef,
    RecordedCall,
    SimCallbackQuery,
    SimMessage,
    SimUser,
    StoredFile,
    _Chat,
    _Fault,
)

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwx"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ServerState:
    """Chats, updates, files, faults and calls of one loopback server (not thread-safe)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "stretch_test_bot",
        bot_first_name: str = "Stretch Test Bot",
        clock: Callable[[], float] = time.time,
        control_token: str | None = None,
    ) -> None:
        self.token = token
        self.control_token = control_token
        """If set, the /_loopback/ control API requires it in the X-Loopback-Token header."""
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._clock = clock

        self.calls: list[RecordedCall] = []
        self.upload_count = 0
        """Files received as multipart uploads."""
        self.reuse_count = 0
        """Sends that referred to an already stored file by its file_id."""

        self._chats: dict[int, _Chat] = {}
        self._next_user_id = 100_000_001
        self._next_group_number = 0
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._callback_queries: dict[str, SimCallbackQuery] = {}
        self._next_query_id = 1
        self._files: dict[str, StoredFile] = {}
        self._next_file_number = 1
        """Numbers the uploads (file ids stay unique when files are forgotten)."""
        self._files_by_path: dict[str, StoredFile] = {}
        self._faults: list[_Fault] = []
        self._delay_releases = 0
        """Counts `release_delays` calls: a hanging call ends when it changes."""
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}

        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # ----------------------------------------------------------------- notification

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_* helpers); they re-check their condition."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_until(
        self, condition: Callable[[], bool], seconds: float, explain: Callable[[], str]
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(explain())
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ----------------------------------------------------------------- shared helpers

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat(self, ref: ChatRef) -> _Chat:
        chat_id = ref if isinstance(ref, int) else ref.id
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"no chat {chat_id}: create the user with add_user() first")
        return chat

    def _new_message(
        self, chat: _Chat, *, from_bot: bool, author: SimUser | None = None, **content: Any
    ) -> SimMessage:
        """A message in `chat`; from the bot, or from `author` (default: the chat's user).
        `content` may set ``sender`` (None for channel posts) and ``sender_chat``."""
        if "sender" not in content:
            content["sender"] = self._bot_user() if from_bot else (author or chat.user).to_api()
        message = SimMessage(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            from_bot=from_bot,
            date=int(self._clock()),
            chat=chat.chat_api(),
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message
