"""The HTTP client under PTB's `Bot` for Bot API calls: aiohttp instead of httpx.

Why: a tap costs three Bot API calls, and measured against the loopback server (another
process, 32 calls at once) PTB's `HTTPXRequest` spent 2.2-3.4 ms of CPU per call in httpx,
httpcore and anyio, this class 0.25-0.27 ms: with 200 people tapping, the HTTP client was
the largest part of the bot's CPU. aiohttp is already a dependency (webhook mode, the
loopback server) and well kept.

What it keeps: PTB's `BaseRequest` contract (status and body back; PTB parses the answer
and raises `BadRequest`, `Forbidden`, `RetryAfter` and the rest itself) and the transport
facts the at-most-once guarantee is built on (`bot.botapi.outcome`). Every failure of the
exchange is raised as PTB's `TimedOut` or `NetworkError` with the aiohttp exception as its
`__cause__`:

* no connection free within the pool timeout: `TimedOut` caused by `PoolTimeout` (our own:
  the request never left; aiohttp's connector would count that wait into its connect
  timeout, so the pool is a semaphore here);
* the connection could not be made (refused, DNS, TLS): `aiohttp.ClientConnectorError`;
  not made in time: `aiohttp.ConnectionTimeoutError` (both: nothing was written);
* no answer within the read timeout: `aiohttp.SocketTimeoutError`; the connection dropped
  before the answer (`ServerDisconnectedError`, `ClientOSError`, a malformed answer): the
  request may have been written and acted on;
* the whole exchange over its time limit (connect + write + read, for a write that never
  finishes): a plain `TimeoutError`, which may have been written too.

aiohttp never repeats a POST by itself (it retries only idempotent methods on a reused
connection), so one `do_request` is at most one request at the server.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_POOL_SIZE = 64
_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
_JSON_HEADERS = {**_HEADERS, "Content-Type": "application/json"}


class PoolTimeout(Exception):
    """No pooled connection was free within the pool timeout: the request was not sent."""


def _seconds(value: Any, default: float | None) -> float | None:
    """A timeout PTB passed (a number, None for no limit) or its `DefaultValue`."""
    if isinstance(value, int | float) or value is None:
        return value
    return default


def _total(*parts: float | None) -> float | None:
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


class AiohttpRequest(BaseRequest):
    """A PTB `BaseRequest` over one `aiohttp.ClientSession` (HTTP/1.1 keep-alive).

    Timeouts in seconds, as `HTTPXRequest`'s: `connect_timeout` to open a connection,
    `read_timeout` for the answer after the request was written, `write_timeout` (and
    `media_write_timeout` for uploads) to write it, `pool_timeout` to wait for one of the
    `connection_pool_size` connections. Errors: see the module docstring.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = DEFAULT_POOL_SIZE,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._pool: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                ssl=ssl.create_default_context(cafile=certifi.where()),  # as httpx verifies
            )
            # trust_env stays off: with it aiohttp reads ~/.netrc and the proxy variables in
            # a worker thread on every request (two thread hops per call, measured).
            self._session = aiohttp.ClientSession(connector=connector)
            self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        data: aiohttp.FormData | bytes | None = None
        headers = _HEADERS
        if files:  # multipart/form-data, as httpx sends with files=
            assert request_data is not None
            data = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime_type) in files.items():
                data.add_field(name, content, filename=filename, content_type=mime_type)
        elif request_data is not None and request_data.parameters:
            # One JSON body (the Bot API takes application/json): `json.dumps` of the
            # fields, instead of form-urlencoding them byte by byte (urllib's quoting was
            # about 5% of the bot's CPU per tap, cProfile). Each value stays the string PTB
            # made of it, as in a form, which the Bot API reads alike.
            data = request_data.json_payload
            headers = _JSON_HEADERS
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        waiting = _seconds(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=_total(connect, write, read), sock_connect=connect, sock_read=read
        )
        try:
            async with asyncio.timeout(waiting):
                await pool.acquire()
        except TimeoutError:
            raise TimedOut(
                "Pool timeout: all connections in the connection pool are occupied. "
                "The request was *not* sent to Telegram."
            ) from PoolTimeout()
        try:
            async with session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's Connection/SocketTimeoutError included
            raise TimedOut(f"aiohttp.{type(err).__name__}") from err
        except aiohttp.ClientError as err:
            # The type only: some aiohttp errors carry the URL, which holds the token.
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err
        finally:
            pool.release()
