"""SQLite through aiosqlite with one thread hand-off per statement.

aiosqlite runs each call on its connection's own thread; SQLAlchemy's adapter makes four
calls per statement (make a cursor, execute, fetch the rows, close the cursor) and a
rollback whenever a connection goes back to the pool, even when SQLite has no transaction
open. Each call is a hand-off to that thread and back to the event loop (a queue put, a
wake-up, the GIL, the loop's self-pipe), which under a burst of taps cost about a quarter
of the bot's CPU.

Here a statement is one call on that thread: the cursor is made, executed, read and
closed there, and the rows, the description, `rowcount` and `lastrowid` come back together
(SQLAlchemy buffers a non-streaming cursor's rows anyway). The connection also remembers
what SQLite said after each call (`sqlite3.Connection.in_transaction`, read on that
thread): a rollback when SQLite has no transaction open is skipped, since it would do
nothing. Only a successful statement, commit or rollback can mark the connection "no
transaction"; anything else (an error, a statement never seen) keeps the rollback.

Plugged in as the DBAPI module of SQLAlchemy's own aiosqlite dialect (`create_engine`'s
``module``), so URLs, pooling and the dialect stay SQLAlchemy's.
`tests/test_sqlite_driver.py` counts the hand-offs and checks results, errors and
transactions against SQLite.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

#: What one statement brings back from the connection's thread: the description, the
#: rows, rowcount, lastrowid, and whether SQLite has a transaction open afterwards.
Outcome = tuple[Any, list[Any], int, int | None, bool]


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> Outcome:
    """On the connection's thread: the whole statement, start to finish."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, connection.in_transaction
    finally:
        cursor.close()


def _finish(connection: sqlite3.Connection, commit: bool) -> bool:
    """On the connection's thread: commit or roll back; whether a transaction is still open."""
    if commit:
        connection.commit()
    else:
        connection.rollback()
    return connection.in_transaction


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements each take one hand-off to aiosqlite's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    _awaitable_cursor_close = False  # nothing stays open on the other thread

    def __init__(self, adapt_connection: OneHopConnection) -> None:
        # No aiosqlite cursor: each statement makes and closes its own on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the rows are here already."""

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: str, parameters: Any, many: bool) -> None:
        adapt = self._adapt_connection
        assert isinstance(adapt, OneHopConnection)
        async with adapt._execute_mutex:
            connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            adapt.transaction_open = True  # until SQLite says otherwise
            outcome: Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run_statement, connection._conn, operation, parameters, many
            )
            description, rows, rowcount, lastrowid, adapt.transaction_open = outcome
            self._description = description
            self._rows = collections.deque(rows)
            self._rowcount = rowcount
            self._lastrowid = lastrowid

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter with `OneHopCursor`s, and no rollback
    hand-off when SQLite has no transaction open."""

    __slots__ = ("transaction_open",)

    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        #: False only when SQLite said so after the last statement, commit or rollback.
        self.transaction_open = True

    def rollback(self) -> None:
        if self.transaction_open and self._connection._connection:
            self._finish(commit=False)

    def commit(self) -> None:
        if self._connection._connection:
            self._finish(commit=True)

    def _finish(self, *, commit: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        self.transaction_open = True
        try:
            finishing = connection._execute(_finish, connection._conn, commit)  # type: ignore[no-untyped-call]
            self.transaction_open = await_(finishing)
        except Exception as error:
            self._handle_exception(error)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module handed to SQLAlchemy's aiosqlite dialect (``module=``)."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
