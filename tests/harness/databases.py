"""Which database the tests run on, and a fresh one for every test.

The suite runs on SQLite (the default) or on PostgreSQL: `pytest --db=postgresql`, or
`STRETCHBOT_TEST_DB=postgresql`. Every test gets its database from `database_url(path)`
(tests/harness/bot.py) or the `harness` fixture, which both ask the `TestDatabases` of the
session:

- SQLite: a file `bot.sqlite3` in the given folder, as before.
- PostgreSQL: one cluster per session (`TemporaryPostgres`, initdb + pg_ctl), one database
  migrated once (`stretchbot_template`), and for every call a new database copied from it
  with `CREATE DATABASE ... TEMPLATE` (a file copy, a few tens of milliseconds). A database
  made while a test runs is dropped when the test ends (`WITH (FORCE)`: a killed bot process
  may have left connections); one made for a module- or session-wide fixture is dropped at
  the end of the session.

Tests that are about one engine only (the SQLite file's permissions, its WAL, its lock file,
PostgreSQL's advisory lock ...) carry `@pytest.mark.only_db("sqlite", reason=...)` and are
skipped with that reason on the other one.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Literal, TypeVar

from tests.harness.postgres import SUPERUSER, TemporaryPostgres

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")
ENV_VAR = "STRETCHBOT_TEST_DB"
TEMPLATE = "stretchbot_template"
T = TypeVar("T")


def backend_from(option: str | None) -> Backend:
    """The backend named by `--db` or, when that is not given, by STRETCHBOT_TEST_DB."""
    value = (option or os.environ.get(ENV_VAR) or "sqlite").strip().lower()
    if value in ("postgres", "pg"):
        value = "postgresql"
    if value not in BACKENDS:
        raise ValueError(f"unknown test database {value!r}: use sqlite or postgresql")
    return "postgresql" if value == "postgresql" else "sqlite"


class TestDatabases:
    """Hands out one fresh database per call; on PostgreSQL, copies of a migrated template."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, backend: Backend, server: TemporaryPostgres | None = None) -> None:
        assert (backend == "postgresql") == (server is not None)
        self.backend: Backend = backend
        self.server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session_owned: list[str] = []
        self._test_owned: list[str] | None = None

    # --- the public side ----------------------------------------------------------------
    def url(self, folder: Path, *, migrated: bool = True, for_session: bool = False) -> str:
        """A new database without rows: the SQLite file `folder/bot.sqlite3`, or a
        PostgreSQL database (migrated to head unless `migrated=False`), dropped when the
        test ends or, with `for_session=True` (a cache shared by tests), with the session."""
        if self.server is None:
            return f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}"
        name = f"t_{uuid.uuid4().hex[:16]}"
        template = TEMPLATE if migrated else "template0"
        self._run(self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        owner = self._session_owned if for_session else self._test_owned
        if owner is None:  # made by a fixture wider than one test
            owner = self._session_owned
        owner.append(name)
        return self.server.url(name)

    def begin_test(self) -> None:
        self._test_owned = []

    def end_test(self) -> None:
        names, self._test_owned = self._test_owned or [], None
        self._drop(names)

    def prepare(self) -> None:
        """PostgreSQL: start the helper loop and migrate the template database once."""
        if self.server is None:
            return
        from bot.db.migrate import upgrade

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._run(self._execute(f'CREATE DATABASE "{TEMPLATE}"'))
        self._run(upgrade(self.server.url(TEMPLATE)))

    def close(self) -> None:
        self._drop(self._session_owned)
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    # --- the PostgreSQL side ------------------------------------------------------------
    def _drop(self, names: list[str]) -> None:
        for name in names:
            self._run(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        names.clear()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run on the helper loop, so callers inside or outside an event loop can block."""
        assert self._loop is not None, "prepare() first"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=120)

    async def _execute(self, statement: str) -> None:
        import asyncpg

        assert self.server is not None
        connection = await asyncpg.connect(
            user=SUPERUSER, host="127.0.0.1", port=self.server.port, database="postgres"
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


_active: list[TestDatabases] = []


def activate(databases: TestDatabases) -> None:
    """Make `databases` the session's (conftest does this once)."""
    _active.clear()
    _active.append(databases)


def active() -> TestDatabases:
    """The session's databases; SQLite files when no session set them up (a script)."""
    return _active[0] if _active else TestDatabases("sqlite")
