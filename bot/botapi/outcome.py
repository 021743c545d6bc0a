"""What a failed Bot API send means for the at-most-once guarantee.

Telegram has no idempotency key: a message that reached Telegram cannot be recognised if it
is sent again. So the dispatcher re-sends only what *provably never reached Telegram* and
records everything else as it is. `classify(exc)` maps the exception a send raised to one of:

* ``NOT_SENT`` (retry later): Telegram never processed the request. The connection was
  refused or never made (``httpx.ConnectError``, which includes DNS failures;
  ``httpx.ConnectTimeout``), no pooled connection was free (``httpx.PoolTimeout``), the
  request was not completely written (``httpx.WriteTimeout`` / ``httpx.WriteError``: an
  HTTP server acts on a request only once it has all of it), the request could not be built
  (``httpx.LocalProtocolError``, ``httpx.UnsupportedProtocol``), or Telegram answered 429
  (flood control: the Bot API documents ``retry_after`` as the time "before the request can
  be repeated", i.e. it was not carried out). An invalid token (401/404) is also refused
  before anything happens.
* ``UNCERTAIN`` (never re-sent, recorded and counted): the request was written and no
  answer came back: ``httpx.ReadTimeout``, the connection dropped after the request
  (``httpx.ReadError``, ``httpx.RemoteProtocolError``), any other transport error PTB wraps
  without telling which side of the write it happened on, a cancelled send (the process is
  stopping mid-request), and **5xx answers**. The Bot API documents only that a failed call
  carries ``ok: false``, an ``error_code`` ("subject to change") and a description; it never
  says a 5xx means the method had no effect. The Bot API server relays to Telegram's own
  servers, and a 500/502 from it or from the front proxy can come after the message was
  handed on, so a 5xx is treated as "maybe delivered".
* ``PERMANENT`` (never retried): 403 Forbidden (blocked, deactivated: the chat is gone),
  400 Bad Request ("chat not found" and its relatives also mean the chat is gone; any other
  400 is our bug and retrying cannot fix it), 409, a migrated chat.

Exceptions that are not ``TelegramError`` come from rendering the message before the
request: PTB turns every failure of the HTTP exchange into ``NetworkError``/``TimedOut``
(``BaseRequest._request_wrapper``), so they are ``NOT_SENT``. PTB wraps the HTTP client's
errors; the client's type is the ``__cause__``. The bot's Bot API calls go through aiohttp
(`bot.botapi.request.AiohttpRequest`), getUpdates through httpx; the same facts for aiohttp:
``ClientConnectorError`` and ``ConnectionTimeoutError`` (no connection made) and our own
``PoolTimeout`` are ``NOT_SENT``; ``SocketTimeoutError`` (no answer in time), a dropped
connection (``ServerDisconnectedError``, ``ClientOSError``) and any other aiohttp error are
``UNCERTAIN`` (aiohttp does not tell whether a failed write was complete).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import aiohttp
import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.botapi.request import PoolTimeout

# Bad Request descriptions that mean the chat no longer exists for this bot.
GONE_CHAT_ERRORS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")

# HTTP client errors raised before the request was completely written: provably not sent.
_NOT_WRITTEN: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteTimeout,
    httpx.WriteError,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    PoolTimeout,
)
_TRANSPORT: tuple[type[Exception], ...] = (httpx.HTTPError, aiohttp.ClientError, PoolTimeout)


class SendOutcome(StrEnum):
    DELIVERED = "delivered"
    NOT_SENT = "not_sent"  # provably never reached Telegram: safe to retry
    UNCERTAIN = "uncertain"  # may have reached Telegram: never re-sent
    PERMANENT = "permanent"  # Telegram refused it for good


@dataclass(frozen=True)
class Classified:
    """A send's outcome, a short reason for logs (never message text) and what to do next."""

    outcome: SendOutcome
    reason: str
    retry_after: timedelta | None = None  # 429: wait this long before any further send
    chat_gone: bool = False  # PERMANENT because the user blocked the bot or the chat is gone


def _seconds(value: float | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The HTTP client's exception PTB wrapped (walking the `__cause__` chain), if any."""
    seen: set[int] = set()
    cause = exc.__cause__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _TRANSPORT):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None


def classify(exc: BaseException) -> Classified:
    """Classify the exception raised by one Bot API send (see the module docstring).

    `exc` is whatever `bot.send_message` / `send_photo` (or the rendering before it) raised;
    `asyncio.CancelledError` means the send was interrupted and counts as uncertain.
    """
    if isinstance(exc, asyncio.CancelledError):
        return Classified(SendOutcome.UNCERTAIN, "send interrupted")
    if not isinstance(exc, TelegramError):
        return Classified(SendOutcome.NOT_SENT, f"failed before the request: {type(exc).__name__}")
    if isinstance(exc, RetryAfter):
        return Classified(SendOutcome.NOT_SENT, "429 flood control", _seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        return Classified(SendOutcome.PERMANENT, "forbidden (blocked or deactivated)", None, True)
    if isinstance(exc, BadRequest):
        if any(marker in exc.message.lower() for marker in GONE_CHAT_ERRORS):
            return Classified(SendOutcome.PERMANENT, "chat not found", None, True)
        return Classified(SendOutcome.PERMANENT, "bad request")
    if isinstance(exc, InvalidToken):
        return Classified(SendOutcome.NOT_SENT, "invalid token")
    if isinstance(exc, Conflict | ChatMigrated):
        return Classified(SendOutcome.PERMANENT, type(exc).__name__)
    if isinstance(exc, NetworkError):  # TimedOut included
        cause = _transport_cause(exc)
        if cause is None:
            kind = "timeout" if isinstance(exc, TimedOut) else "server error or unknown transport"
            return Classified(SendOutcome.UNCERTAIN, kind)
        client = "httpx" if isinstance(cause, httpx.HTTPError) else "aiohttp"
        name = f"{client}.{type(cause).__name__}"
        if isinstance(cause, _NOT_WRITTEN):
            return Classified(SendOutcome.NOT_SENT, name)
        return Classified(SendOutcome.UNCERTAIN, name)
    return Classified(SendOutcome.UNCERTAIN, type(exc).__name__)


def is_retryable(classified: Classified) -> bool:
    return classified.outcome is SendOutcome.NOT_SENT
