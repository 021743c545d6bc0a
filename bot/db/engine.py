"""Engine and session factory: SQLite in WAL mode with a busy timeout, or PostgreSQL.

Health data rules that live here, because every connection goes through `create_engine`:
- `hide_parameters=True`: a failed statement's exception (and so any log line or traceback
  built from it) never shows the bound values, such as a user id next to a pain level.
- SQLite files are the bot user's alone: the folder is created 0700 and the database, WAL
  and SHM files 0600 (the process umask does this for new files, `restrict_sqlite_files`
  repairs files created by an older version).
- SQLite statements go through `bot.db.sqlite_driver`: one hand-off to aiosqlite's thread
  per statement, no rollback when SQLite has no transaction open.
- `secure_delete` makes SQLite overwrite deleted rows with zeros; `checkpoint_wal` then moves
  the WAL into the database and truncates it, so erased rows leave the files for real.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from bot.db import sqlite_driver

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
#: The umask the bot runs with: new files 0600, new folders 0700.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")
#: A TRUNCATE checkpoint can be blocked by another connection's read; it is retried this often.
CHECKPOINT_ATTEMPTS = 5
# Execution option that makes a transaction start with SQLite's BEGIN IMMEDIATE.
BEGIN_IMMEDIATE = "stretchbot_begin_immediate"


def normalize_url(url: str) -> str:
    """Accept plain `postgresql://` / `sqlite://` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL; None for PostgreSQL and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database)).expanduser()


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of an SQLite file (0700) so the default `./data/` just works."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        restrict_sqlite_files(path)


def restrict_sqlite_files(path: Path) -> None:
    """Make existing database, WAL and SHM files 0600 (files an older version left 0644)."""
    for suffix in SQLITE_FILE_SUFFIXES:
        file = path.with_name(path.name + suffix)
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(file, mode & 0o700)


#: Connections the pool may open beyond its size for a moment (then closes again).
POOL_OVERFLOW = 10


def create_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """An async engine that never shows SQL parameters in errors; for SQLite every connection
    gets WAL, a busy timeout, FKs and secure_delete.

    `pool_size`: connections kept (plus `POOL_OVERFLOW` for a moment); unset, SQLAlchemy's
    default of 5 (+ 10), enough for tools and tests. The bot sizes it from its settings
    (`Settings.pool_size`: one per update processed at once plus the jobs')."""
    url = normalize_url(url)
    ensure_sqlite_directory(url)
    pool: dict[str, int] = {}
    if pool_size is not None and (not is_sqlite(url) or sqlite_path(url) is not None):
        pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    driver: dict[str, Any] = {"module": sqlite_driver.dbapi()} if is_sqlite(url) else {}
    engine = create_async_engine(
        url, pool_pre_ping=not is_sqlite(url), hide_parameters=True, **pool, **driver
    )
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # The driver would start a deferred transaction at the first write; a transaction
            # that read first then has to upgrade its lock, which fails at once ("database is
            # locked") when another writer got there in between. IMMEDIATE takes the write
            # lock up front and waits for it (busy timeout) instead.
            if connection.get_execution_options().get(BEGIN_IMMEDIATE):
                connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def checkpoint_wal(session: AsyncSession) -> bool:
    """SQLite: copy the WAL into the database file and truncate the WAL to zero bytes.

    Run after an erasure, outside any transaction: the WAL still holds the pages as they were
    before the delete. Returns True when the WAL was emptied (always True on PostgreSQL,
    where this does nothing); a checkpoint blocked by readers is retried, then logged.
    """
    if session.get_bind().dialect.name != "sqlite":
        return True
    for attempt in range(CHECKPOINT_ATTEMPTS):
        result = await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        busy = result.scalar_one()
        await session.commit()
        if not busy:
            return True
        await asyncio.sleep(0.05 * 2**attempt)
    logger.warning(
        "The WAL checkpoint after an erasure was blocked by readers: the WAL keeps the erased "
        "pages until SQLite overwrites them"
    )
    return False


#: How long a transaction waits for the process's SQLite write turn. Every write
#: transaction waits for its turn, however many are queued before it: going ahead under
#: SQLite's own locking instead is not safe (a transaction that read first fails at once
#: with "database is locked" when it has to upgrade its lock, or, as the driver starts a
#: transaction only at the first write, its read is not part of it and an update made from
#: it can be lost). Only a turn held this long by one transaction (stuck, not busy) ends the
#: wait, with `WriteTurnTimeout`. A transaction opened while its task holds the turn does
#: not wait at all (`_WriteTurn`).
WRITE_TURN_WAIT_S = 60.0


class WriteTurnTimeout(TimeoutError):
    """No SQLite write turn within `WRITE_TURN_WAIT_S`: the transaction was not begun."""


@dataclass(frozen=True, eq=False)
class _Hold:
    """One write turn held, by the task whose transaction took it."""

    lock: asyncio.Lock
    task: asyncio.Task[Any] | None


#: The write turns held by the running task's transactions, the outermost first. A task
#: started inside a transaction inherits a copy of this, but the turns are not its own:
#: it waits for its turn like any other task (it may run beside the transaction).
_held_turns: ContextVar[tuple[_Hold, ...]] = ContextVar("stretchbot_write_turns", default=())


def holds_write_turn(lock: asyncio.Lock) -> bool:
    """Whether the running task is inside a transaction of its own that holds `lock`."""
    task = asyncio.current_task()
    return any(hold.lock is lock and hold.task is task for hold in _held_turns.get())


class _WriteTurn:
    """`async with session.begin()` on SQLite: wait for the process's write turn first.

    Updates of different users run concurrently, and SQLite has one writer at a time: left
    to itself, a transaction that read first fails at once ("database is locked") when it
    has to upgrade to a write lock another connection holds, and writers waiting on the busy
    timeout poll with growing sleeps, so under a burst some starve. Taking turns in the
    process, first come first served, avoids both; reads outside `begin()` never wait.

    A transaction opened inside one that holds the turn, on the same task, goes ahead at
    once: waiting for the turn its task already holds would only time out.
    """

    def __init__(self, lock: asyncio.Lock, transaction: Any) -> None:
        self._lock = lock
        self._transaction = transaction
        self._hold: _Hold | None = None
        self._reset: Token[tuple[_Hold, ...]] | None = None

    async def __aenter__(self) -> Any:
        if not holds_write_turn(self._lock):
            try:
                async with asyncio.timeout(WRITE_TURN_WAIT_S):
                    await self._lock.acquire()
            except TimeoutError:
                raise WriteTurnTimeout(
                    f"no SQLite write turn within {WRITE_TURN_WAIT_S:g} s"
                ) from None
            self._hold = _Hold(self._lock, asyncio.current_task())
            self._reset = _held_turns.set((*_held_turns.get(), self._hold))
        try:
            return await self._transaction.__aenter__()
        except BaseException:
            self._release()
            raise

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self._transaction.__aexit__(*exc_info)
        finally:
            self._release()

    def _release(self) -> None:
        hold, self._hold = self._hold, None
        if hold is None:
            return
        if self._reset is not None:
            reset, self._reset = self._reset, None
            try:
                _held_turns.reset(reset)
            except ValueError:  # exited in another context than entered: drop ours only
                _held_turns.set(tuple(h for h in _held_turns.get() if h is not hold))
        self._lock.release()


class SQLiteSession(AsyncSession):
    """An `AsyncSession` whose `begin()` transactions take the process's SQLite write turn."""

    def begin(self) -> Any:
        lock = self.info.get(_WRITE_LOCK)
        transaction = super().begin()
        return transaction if lock is None else _WriteTurn(lock, transaction)


_WRITE_LOCK = "stretchbot_sqlite_write_lock"


def _write_lock(engine: AsyncEngine) -> asyncio.Lock | None:
    """The engine's write-turn lock (SQLite only), shared by all its session factories."""
    if engine.sync_engine.dialect.name != "sqlite":
        return None
    lock: asyncio.Lock | None = getattr(engine.sync_engine, "_" + _WRITE_LOCK, None)
    if lock is None:
        lock = asyncio.Lock()
        setattr(engine.sync_engine, "_" + _WRITE_LOCK, lock)
    return lock


def _session_factory(engine: AsyncEngine, bind: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    lock = _write_lock(engine)
    if lock is None:
        return async_sessionmaker(bind, expire_on_commit=False)
    return async_sessionmaker(
        bind, class_=SQLiteSession, expire_on_commit=False, info={_WRITE_LOCK: lock}
    )


#: What runs a Core statement: a session, or a bare connection (`write_transaction`).
Executor = AsyncSession | AsyncConnection


def write_transaction(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """A Core connection in a transaction (`engine.begin()`: committed at the end, rolled
    back on an error), taken after the process's SQLite write turn like a session's
    `begin()`. For the tap path's few prebuilt statements: no ORM session around them
    (a session's begin, execution and commit machinery cost about twice a bare
    connection's CPU per transaction, measured with one statement)."""
    lock = _write_lock(engine)
    transaction = engine.begin()
    return transaction if lock is None else _WriteTurn(lock, transaction)


class JoinedSession:
    """An ORM session inside a `write_transaction`'s connection, made on first use: a
    transaction that mostly runs prebuilt Core statements calls it only for the rarer work
    that needs the ORM. The session joins the connection's transaction (it neither commits
    nor rolls it back); `finish` flushes it before the transaction commits, `close` ends it
    (always, also after an error)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._session: AsyncSession | None = None

    def __call__(self) -> AsyncSession:
        if self._session is None:
            self._session = AsyncSession(bind=self._connection, expire_on_commit=False)
        return self._session

    async def finish(self) -> None:
        if self._session is not None:
            await self._session.flush()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def begin_write(connection: AsyncConnection) -> AbstractAsyncContextManager[Any]:
    """`connection.begin()` after the process's SQLite write turn (`write_transaction` on a
    connection the caller keeps: it may read on it after the commit)."""
    lock = _write_lock(connection.engine)
    transaction = connection.begin()
    return transaction if lock is None else _WriteTurn(lock, transaction)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory made here binds its sessions to."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the session factory is not bound to an AsyncEngine")
    return bind


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions; on SQLite, `async with session.begin()` waits for the process's write turn."""
    return _session_factory(engine, engine)


def create_write_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for read-then-write transactions: `BEGIN IMMEDIATE` on SQLite (no effect on
    PostgreSQL, where such transactions lock the rows they claim instead)."""
    return _session_factory(engine, engine.execution_options(**{BEGIN_IMMEDIATE: True}))
