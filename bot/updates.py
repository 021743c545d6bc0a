"""Update processing: different users concurrently, one user's updates strictly in order.

PTB's default handles one update at a time, so one tap's database and Bot API round trips
make everyone else wait. `PerChatUpdateProcessor` (a `telegram.ext.BaseUpdateProcessor`)
runs updates of different chats at the same time, at most `max_concurrent` at once, while
the updates of one chat run one after another in the order Telegram delivered them. So the
`ConversationHandler` (keyed by chat and user), the routine's compare-and-set and the pain
keypad see a user's taps exactly as they would one at a time: a double tap is two updates
in a row, never two at once.

Every Bot API call made while an update is processed (and in tasks started from it) is an
interactive reply for the rate limiter (`bot.botapi.ratelimit.interactive`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.botapi.ratelimit import interactive

MAX_CONCURRENT_UPDATES = 32
# Updates accepted from getUpdates but waiting for their turn (their chat's earlier update,
# or a free slot). PTB's getUpdates returns at most 100 at a time.
MAX_PENDING_UPDATES = 1024

_NO_SENDER = ("no-sender",)


def ordering_key(update: object) -> Hashable:
    """The chat an update belongs to (its user's id for updates without a chat)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return _NO_SENDER


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most `max_concurrent` updates at once; one chat's updates one after another.

    PTB starts one task per update in the order `getUpdates` returned them and calls
    `do_process_update` from each in that order (its own semaphore, sized `max_pending`,
    is first come first served), so the queue position taken here, before any `await`, is
    the delivery order.
    """

    def __init__(
        self,
        max_concurrent: int = MAX_CONCURRENT_UPDATES,
        max_pending: int = MAX_PENDING_UPDATES,
    ) -> None:
        if max_concurrent < 1 or max_pending < max_concurrent:
            raise ValueError("need 1 <= max_concurrent <= max_pending")
        super().__init__(max_pending)
        self.max_concurrent = max_concurrent
        self._slots: asyncio.Semaphore | None = None
        self._last: dict[Hashable, asyncio.Future[None]] = {}

    async def initialize(self) -> None:
        self._slots = asyncio.Semaphore(self.max_concurrent)

    async def shutdown(self) -> None:
        self._last.clear()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        previous = self._last.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = mine
        started = False
        try:
            if previous is not None:
                await asyncio.wait({previous})  # never cancels the previous update's future
            if self._slots is None:
                self._slots = asyncio.Semaphore(self.max_concurrent)
            async with self._slots:
                started = True
                with interactive():
                    await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting for its turn
            mine.set_result(None)
            if self._last.get(key) is mine:
                del self._last[key]
