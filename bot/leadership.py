"""One active process per bot token; the others stand by and take over when it dies.

Telegram lets one consumer take a token's updates (a second `getUpdates` ends the first with
409 Conflict), and reminders must leave under one rate budget. So of all the `stretchbot run`
processes on one database exactly one is *active*: it polls (or receives the webhook) and runs
the dispatcher and the timers. It builds its `Application` only once it is active.

- **PostgreSQL**: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection elects the active process. The key is derived from a SHA-256 hash of the token
  (`lock_key`), never the token itself, so two bots can share a database. Standbys log one
  line and try again every `STANDBY_RETRY_SECONDS`. PostgreSQL drops a session's locks the
  moment the session ends, so a SIGKILLed process frees the lock at once; server-side TCP
  keepalives and `tcp_user_timeout` end the session of a machine that vanished (power cut,
  network cut) within about 20 s. The active process pings its lock connection every
  `CHECK_SECONDS` and stops being active when the connection closes or a ping takes longer
  than `CHECK_TIMEOUT_SECONDS`, so it lets go before a standby can take over.
  Needs a direct connection or a session-mode pooler (transaction pooling breaks
  session-level locks).
- **SQLite**: only one process may use the file. The first holds an exclusive lock on
  `<database>.lock` (the `filelock` library, `flock` on Linux; the kernel releases it when the
  process dies); a second one refuses to start with `AlreadyRunning`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import logging
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from filelock import FileLock, Timeout
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url

from bot.config import ConfigError
from bot.db.engine import ensure_sqlite_directory, is_sqlite, normalize_url

logger = logging.getLogger(__name__)

STANDBY_RETRY_SECONDS = 2.0
CHECK_SECONDS = 3.0
CHECK_TIMEOUT_SECONDS = 5.0
CONNECT_TIMEOUT_SECONDS = 10.0
# The server ends a session whose client stopped answering: keepalive probes after 5 s idle,
# every 5 s, 3 misses; unacknowledged data for 20 s (PostgreSQL 12+).
SERVER_SETTINGS = {
    "application_name": "stretchbot-leader",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "20000",
}
# Errors that retrying cannot fix: wrong password, unknown role or database.
FATAL_CONNECT_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)


class AlreadyRunning(ConfigError):
    """Another process already uses this SQLite database (reported in one line, exit 2)."""


class Election(Protocol):
    """How a process becomes the active one and learns that it no longer is."""

    @property
    def description(self) -> str:
        """What the lock is, for the one log line (never the token)."""

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process is active (True) or `stop` is set (False)."""

    async def lost(self) -> None:
        """Return when this process has stopped being active (its lock is gone)."""

    async def release(self) -> None:
        """Give the lock up (safe to call when it is not held)."""


def lock_key(token: str) -> int:
    """The advisory lock key of a bot: the first 8 bytes of SHA-256("stretchbot:" + token) as a
    signed 64-bit integer (PostgreSQL's `bigint`). The token can't be read back from it."""
    digest = hashlib.sha256(f"stretchbot-active:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def election_for(database_url: str, token: str) -> Election:
    """The election that fits the database: an advisory lock or a lock file."""
    if is_sqlite(normalize_url(database_url)):
        return SqliteFileLock(database_url)
    return PostgresAdvisoryLock(database_url, lock_key(token))


def asyncpg_connect_args(database_url: str) -> dict[str, Any]:
    """`asyncpg.connect` keyword arguments for a SQLAlchemy URL (the dialect's own parsing,
    so `?ssl=...` and friends mean the same as for the engine)."""
    url = make_url(normalize_url(database_url))
    _, params = asyncpg_dialect().create_connect_args(url)  # type: ignore[no-untyped-call]
    accepted = inspect.signature(asyncpg.connect).parameters
    return {name: value for name, value in params.items() if name in accepted}


class PostgresAdvisoryLock:
    """The active process holds `pg_advisory_lock(key)` on a connection of its own."""

    def __init__(
        self,
        database_url: str,
        key: int,
        *,
        retry_seconds: float = STANDBY_RETRY_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        check_timeout: float = CHECK_TIMEOUT_SECONDS,
    ) -> None:
        self.key = key
        self._connect_args = asyncpg_connect_args(database_url)
        self._retry_seconds = retry_seconds
        self._check_seconds = check_seconds
        self._check_timeout = check_timeout
        self._connection: asyncpg.Connection | None = None
        self._closed = asyncio.Event()

    @property
    def description(self) -> str:
        host = self._connect_args.get("host") or "localhost"
        database = self._connect_args.get("database") or ""
        return f"PostgreSQL advisory lock {self.key} on {host}/{database}"

    async def _connect(self) -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(
            **self._connect_args,
            timeout=CONNECT_TIMEOUT_SECONDS,
            server_settings=SERVER_SETTINGS,
        )
        self._closed = asyncio.Event()
        closed = self._closed
        connection.add_termination_listener(lambda _connection: closed.set())
        return connection

    async def _try_lock(self) -> bool:
        if self._connection is None or self._connection.is_closed():
            self._connection = await self._connect()
        held = await asyncio.wait_for(
            self._connection.fetchval("SELECT pg_try_advisory_lock($1)", self.key),
            self._check_timeout,
        )
        return bool(held)

    async def acquire(self, stop: asyncio.Event) -> bool:
        announced = unreachable = False
        while not stop.is_set():
            try:
                if await self._try_lock():
                    logger.info("Active: this process holds the %s", self.description)
                    return True
                if not announced:
                    logger.info(
                        "Standby: another stretchbot process is active for this bot; "
                        "taking over when it stops (checking every %.0f s)",
                        self._retry_seconds,
                    )
                    announced = True
            except FATAL_CONNECT_ERRORS as exc:
                await self._discard()
                raise ConfigError(f"cannot use DATABASE_URL: {exc}") from None
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                await self._discard()
                if not unreachable:
                    logger.warning(
                        "Standby: cannot reach PostgreSQL for the leader lock (%s); retrying",
                        type(exc).__name__,
                    )
                    unreachable = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._retry_seconds)
        await self._discard()
        return False

    async def lost(self) -> None:
        """Ping the lock connection; return once it is closed or stops answering in time."""
        while True:
            closed = self._closed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed.wait(), self._check_seconds)
            connection = self._connection
            reason = "connection closed"
            if connection is not None and not connection.is_closed() and not closed.is_set():
                try:
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), self._check_timeout)
                    continue
                except TimeoutError:
                    reason = f"no answer within {self._check_timeout:.0f} s"
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    reason = type(exc).__name__
            logger.warning(
                "Lost the connection that holds the leader lock (%s): no longer active", reason
            )
            await self._discard()
            return

    async def release(self) -> None:
        connection = self._connection
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    connection.fetchval("SELECT pg_advisory_unlock($1)", self.key),
                    self._check_timeout,
                )
        await self._discard()

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None or connection.is_closed():
            return
        try:
            await asyncio.wait_for(connection.close(), self._check_timeout)
        except Exception:  # an unreachable server: drop the socket, the session ends with it
            connection.terminate()


class SqliteFileLock:
    """An exclusive lock on `<database>.lock`, held for the life of the process."""

    def __init__(self, database_url: str) -> None:
        url = normalize_url(database_url)
        database = make_url(url).database or ""
        self._url = url
        self._memory = database in ("", ":memory:")
        self.database = Path(database).expanduser()
        self.path = self.database.with_name(self.database.name + ".lock")
        self._lock = FileLock(self.path, timeout=0, mode=0o600, thread_local=False)

    @property
    def description(self) -> str:
        return f"lock file {self.path}"

    async def acquire(self, stop: asyncio.Event) -> bool:
        if self._memory:
            return not stop.is_set()
        ensure_sqlite_directory(self._url)
        try:
            self._lock.acquire()
        except Timeout:
            raise AlreadyRunning(
                f"another stretchbot process is already running on {self.database} "
                f"(it holds {self.path}): stop it first; to run standbys, use PostgreSQL "
                "(DATABASE_URL=postgresql://...)"
            ) from None
        logger.debug("Active: this process holds the %s", self.description)
        return True

    async def lost(self) -> None:
        await asyncio.Event().wait()  # a lock on a local file is never taken away

    async def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()
