"""The per-token rate budget: priority classes over one sliding window of Telegram's limits.

Telegram's limits (core.telegram.org/bots/faq, "My bot is hitting limits"): about 30
messages per second to different chats, about one message per second in one chat (short
bursts tolerated), 20 messages per minute in a group; a 429 answer carries `retry_after`.
`answerCallbackQuery` is not a message.

`PriorityRateLimiter` is a `telegram.ext.BaseRateLimiter` (PTB calls it around every Bot API
request) with three priority classes:

- `Priority.ANSWER`: requests that are not messages (`answerCallbackQuery`, `getUpdates`,
  `getMe`, `setMyCommands` ...). They never wait and are not counted.
- `Priority.INTERACTIVE`: a reply or edit to a user who just acted (anything sent while an
  update is processed, see `interactive()`). It waits only for that chat's own limit and for
  a 429 pause; it never queues behind the broadcast, and it uses up the shared budget.
- `Priority.BROADCAST`: everything else (reminders, weekly summaries). It gets what is left:
  it goes out only while fewer than `overall_limit` messages of any class are counted in the
  window, first come first served.

A hold timer's countdown edits answer a user who just acted too, but they are made by a job,
many at one tick: they are interactive and *paced* (`interactive(paced=True)`). A paced
request never queues behind the broadcast (the broadcast holds back while one waits), but it
waits for room in the overall window itself, so a tick's edits never put more than
`overall_limit` counted messages into it.

The overall window counts a message from the moment it is released until `period` seconds
after Telegram answered it. Its arrival at Telegram lies between those two instants, so
whatever the network's jitter, the broadcast never puts more than `overall_limit` messages
into any `period`-long window at Telegram, and it still sustains `limit / (period + latency)`
(29.4/s at a 20 ms round trip). A bucket at 25/s with a burst of 5 (the previous setting of
PTB's `AIORateLimiter`) sustained 23/s; see `python -m bench` for both measured in one run.

New messages (`send*`, `copy*`, `forward*`, not `sendChatAction`) also take a per-chat slot:
one per second. The broadcast gets no burst (a reminder never lands in a chat less than a
second after another message); replies to a user who is tapping through a routine may run
ahead by `chat_burst` messages (Telegram tolerates short bursts in a chat) before they too
are paced at one per second. In groups (negative or `@name` chat ids) at most `group_limit`
per minute. Edits count only against the overall window.

Paid broadcasts: a message sent with `allow_paid_broadcast` (Telegram: up to 1000 messages
per second for 0.1 Stars each) is counted in a window of its own (`paid_limit`) instead of
the free one, so the free budget stays whole for replies and unpaid messages.

A 429 (`RetryAfter`) pauses every counted request for the time asked, then the request is
retried, at most `max_retries` times, as `AIORateLimiter` does; the last one is raised.

One budget per bot token: every `Bot` of the process shares the limiter built for it in
`bot.app`. Across processes the broadcast takes only this process's *share* of the budget
(`set_broadcast_share`, granted by `bot.botapi.budget` from the database on PostgreSQL; the
whole budget on SQLite, where one process runs): the shares of all processes never add up to
more than `overall_limit`, and each process keeps its own broadcast under its share in any
window at Telegram by the argument above.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

TELEGRAM_MESSAGES_PER_SECOND = 30
TELEGRAM_PAID_MESSAGES_PER_SECOND = 1000
TELEGRAM_GROUP_MESSAGES_PER_MINUTE = 20
CHAT_BURST = 10


class Priority(IntEnum):
    """Who waits for whom: a lower value never waits for a higher one."""

    ANSWER = 0
    INTERACTIVE = 1
    BROADCAST = 2


_current: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "botapi_priority", default=Priority.BROADCAST
)
_paced: contextvars.ContextVar[bool] = contextvars.ContextVar("botapi_paced", default=False)

# Requests that are not messages: never delayed, never counted.
_FREE_METHODS = frozenset(
    m.lower()
    for m in (
        "answerCallbackQuery",
        "answerInlineQuery",
        "answerPreCheckoutQuery",
        "answerShippingQuery",
        "answerWebAppQuery",
        "sendChatAction",
    )
)
_COUNTED_PREFIXES = ("send", "copy", "forward", "edit", "stop")
_NEW_MESSAGE_PREFIXES = ("send", "copy", "forward")


@contextmanager
def interactive(*, paced: bool = False) -> Iterator[None]:
    """Mark Bot API calls made inside (and in tasks started inside) as replies to a user.

    `paced`: replies a job makes in bulk (hold-timer countdown edits): still ahead of the
    broadcast, but each waits for room in the overall window."""
    token = _current.set(Priority.INTERACTIVE)
    paced_token = _paced.set(paced)
    try:
        yield
    finally:
        _paced.reset(paced_token)
        _current.reset(token)


@contextmanager
def broadcast() -> Iterator[None]:
    """Mark Bot API calls made inside as broadcast (the default outside update handling)."""
    token = _current.set(Priority.BROADCAST)
    paced_token = _paced.set(False)
    try:
        yield
    finally:
        _paced.reset(paced_token)
        _current.reset(token)


def current_priority() -> Priority:
    return _current.get()


def classify(endpoint: str, requested: Priority) -> tuple[Priority, bool]:
    """(priority, whether it is a new message in a chat) of a request to `endpoint`."""
    method = endpoint.lower()
    if method in _FREE_METHODS or not method.startswith(_COUNTED_PREFIXES):
        return Priority.ANSWER, False
    return requested, method.startswith(_NEW_MESSAGE_PREFIXES)


@dataclass
class LimiterStats:
    """Counters for benchmarks and logs: requests and seconds waited, by priority."""

    requests: dict[Priority, int] = field(default_factory=lambda: dict.fromkeys(Priority, 0))
    waited_s: dict[Priority, float] = field(default_factory=lambda: dict.fromkeys(Priority, 0.0))
    retries: int = 0


class SlidingWindow:
    """At most `limit` counted messages in any `period`: in flight, or answered < period ago."""

    def __init__(self, limit: int, period: float, monotonic: Callable[[], float]) -> None:
        self.limit = limit
        self.period = period
        self._monotonic = monotonic
        self._in_flight: dict[int, float] = {}  # ticket -> when it was released
        self._tickets = itertools.count()
        self._leaving: deque[float] = deque()  # when answered messages leave the window
        self._changed: asyncio.Event | None = None

    def used(self) -> int:
        now = self._monotonic()
        while self._leaving and self._leaving[0] <= now:
            self._leaving.popleft()
        return len(self._in_flight) + len(self._leaving)

    def begin(self) -> int:
        """Count a released message; returns the ticket to pass to `end()`."""
        ticket = next(self._tickets)
        self._in_flight[ticket] = self._monotonic()
        return ticket

    def end(self, ticket: int) -> None:
        self._in_flight.pop(ticket, None)
        self._leaving.append(self._monotonic() + self.period)
        self.notify()

    def notify(self) -> None:
        """Wake the waiters (a message left, or the limit changed)."""
        if self._changed is not None:
            self._changed.set()

    def oldest_in_flight(self) -> float | None:
        """When the oldest message still waiting for Telegram's answer was released."""
        return min(self._in_flight.values(), default=None)

    async def wait_for_room(self, limit: Callable[[], int] | None = None) -> None:
        """Return once `used() < limit()` (default: `self.limit`); the caller then calls
        `begin()` at once. A changing limit must call `notify()`."""
        while self.used() >= (self.limit if limit is None else limit()):
            if self._changed is None:
                self._changed = asyncio.Event()
            self._changed.clear()
            timeout = None
            if self._leaving:
                timeout = max(self._leaving[0] - self._monotonic(), 0.0)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)


class ChatPacer:
    """Per-chat pacing of new messages: a cell-rate bucket per chat, a minute log per group."""

    def __init__(
        self,
        *,
        per_second: float = 1.0,
        group_limit: int = TELEGRAM_GROUP_MESSAGES_PER_MINUTE,
        group_period: float = 60.0,
    ) -> None:
        self._interval = 1.0 / per_second
        self._theoretical: dict[int | str, float] = {}
        self._latest: dict[int | str, float] = {}  # the chat's latest reserved message
        self._group_limit = group_limit
        self._group_period = group_period
        self._groups: dict[int | str, deque[float]] = {}

    def reserve(self, chat_id: int | str, now: float, burst: int = 1) -> float:
        """Reserve the chat's next slot; returns how long to wait for it (seconds).

        `burst` 1: one interval after the chat's latest message. `burst` n: up to n at once
        after a quiet spell, then one per interval (cell rate algorithm, tolerance n - 1).
        """
        if len(self._theoretical) > 10_000:
            self._theoretical = {k: v for k, v in self._theoretical.items() if v > now}
            self._latest = {k: v for k, v in self._latest.items() if k in self._theoretical}
        theoretical = max(self._theoretical.get(chat_id, now), now)
        if burst <= 1:
            latest = self._latest.get(chat_id)
            delay = 0.0 if latest is None else max(latest + self._interval - now, 0.0)
        else:
            delay = max(theoretical - (burst - 1) * self._interval - now, 0.0)
        self._theoretical[chat_id] = max(theoretical, now + delay) + self._interval
        self._latest[chat_id] = max(self._latest.get(chat_id, now + delay), now + delay)
        if isinstance(chat_id, str) or chat_id < 0:
            log = self._groups.setdefault(chat_id, deque())
            while log and log[0] <= now - self._group_period:
                log.popleft()
            if len(log) >= self._group_limit:
                delay = max(delay, log[-self._group_limit] + self._group_period - now)
            log.append(now + delay)
        return delay


def _chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class PriorityRateLimiter(BaseRateLimiter[Priority]):
    """One per bot token. `rate_limit_args` may name a `Priority` for a single request."""

    def __init__(
        self,
        *,
        overall_limit: int = TELEGRAM_MESSAGES_PER_SECOND,
        period: float = 1.0,
        chat_burst: int = CHAT_BURST,
        group_limit: int = TELEGRAM_GROUP_MESSAGES_PER_MINUTE,
        max_retries: int = 2,
        paid_limit: int = TELEGRAM_PAID_MESSAGES_PER_SECOND,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self.window = SlidingWindow(overall_limit, period, monotonic)
        self.paid_window = SlidingWindow(paid_limit, period, monotonic)
        self._chats = ChatPacer(group_limit=group_limit)
        self._chat_burst = chat_burst
        self._max_retries = max_retries
        self._paused_until = 0.0
        self._broadcast_queue: asyncio.Lock | None = None
        self._paced_waiting = 0  # paced interactive requests waiting for room
        self._share = overall_limit
        self._share_until = math.inf
        self.stats = LimiterStats()

    def set_broadcast_share(self, share: int, valid_until: float = math.inf) -> None:
        """This process's part of the token's broadcast budget, until `valid_until`
        (monotonic seconds; after it the broadcast waits for the next grant)."""
        self._share = max(0, min(share, self.capacity))
        self._share_until = valid_until
        self.window.notify()
        self.paid_window.notify()

    @property
    def capacity(self) -> int:
        """The most the broadcast can use: the paid window's limit (free messages are held
        to the free window's limit on top)."""
        return max(self.window.limit, self.paid_window.limit)

    def oldest_in_flight(self) -> float | None:
        """When the oldest counted message still waiting for its answer was released."""
        times = [w.oldest_in_flight() for w in (self.window, self.paid_window)]
        return min((t for t in times if t is not None), default=None)

    def broadcast_limit(self) -> int:
        """How many counted messages the broadcast may have in the window now: this
        process's share, less a slot for each paced interactive request waiting for room."""
        share = self._share if self._monotonic() < self._share_until else 0
        return max(share - self._paced_waiting, 0)

    async def initialize(self) -> None:
        self._broadcast_queue = asyncio.Lock()

    async def shutdown(self) -> None:
        self._broadcast_queue = None

    async def _wait_for_pause(self) -> None:
        # The pause can grow while we sleep (another 429), so look again after each sleep.
        left = self._paused_until - self._monotonic()
        while left > 0:
            await asyncio.sleep(left)
            left = self._paused_until - self._monotonic()

    async def _admit(
        self,
        priority: Priority,
        chat_id: int | str | None,
        new: bool,
        window: SlidingWindow,
        paced: bool = False,
    ) -> int:
        if new and chat_id is not None:
            burst = 1 if priority is Priority.BROADCAST else self._chat_burst
            delay = self._chats.reserve(chat_id, self._monotonic(), burst)
            if delay > 0:
                await asyncio.sleep(delay)
        await self._wait_for_pause()
        if priority is Priority.INTERACTIVE and paced:
            # Ahead of the broadcast, which holds back while this waits; never over the limit.
            self._paced_waiting += 1
            try:
                await window.wait_for_room()
            finally:
                self._paced_waiting -= 1
                window.notify()  # the broadcast's limit grew back
        elif priority is Priority.BROADCAST:
            if self._broadcast_queue is None:
                self._broadcast_queue = asyncio.Lock()
            async with self._broadcast_queue:  # first come, first served
                while True:
                    await window.wait_for_room(lambda: min(self.broadcast_limit(), window.limit))
                    if self._paused_until <= self._monotonic():
                        break
                    await self._wait_for_pause()
        return window.begin()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> bool | JSONDict | list[JSONDict]:
        requested = rate_limit_args if isinstance(rate_limit_args, Priority) else _current.get()
        paced = _paced.get() and requested is Priority.INTERACTIVE
        priority, new_message = classify(endpoint, requested)
        chat_id = _chat_of(data)
        self.stats.requests[priority] += 1
        counted = priority is not Priority.ANSWER
        window = self.paid_window if data.get("allow_paid_broadcast") else self.window
        for attempt in range(self._max_retries + 1):
            ticket = -1
            if counted:
                began = self._monotonic()
                ticket = await self._admit(  # counts it
                    priority, chat_id, new_message, window, paced
                )
                self.stats.waited_s[priority] += self._monotonic() - began
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self._max_retries:
                    raise
                seconds = _seconds(exc.retry_after) + 0.1
                self.stats.retries += 1
                logger.info("Telegram asked to wait %.1f s (%s); retrying then", seconds, endpoint)
                if counted:
                    self._paused_until = max(self._paused_until, self._monotonic() + seconds)
                else:
                    await asyncio.sleep(seconds)
            finally:
                if counted:
                    window.end(ticket)
        raise AssertionError("unreachable")  # pragma: no cover
