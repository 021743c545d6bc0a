"""SQLite statements take one hand-off to aiosqlite's thread each (bot/db/sqlite_driver.py),
and a connection goes back to the pool without a rollback only when SQLite itself said no
transaction was open: results, errors and transactions are as through SQLAlchemy's own
adapter. A real SQLite file; aiosqlite's hand-offs are counted, not replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, String, exc, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.engine import create_engine, create_session_factory, create_write_session_factory
from bot.db.sqlite_driver import OneHopConnection
from tests.harness.bot import BotHarness
from tests.test_pool import storm

pytestmark = pytest.mark.only_db("sqlite", reason="the SQLite driver adapter")


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)


@contextmanager
def handoffs() -> Iterator[list[str]]:
    """Every call aiosqlite runs on a connection's thread (each one a hand-off there and
    back), by the name of what ran."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    # one connection, so every session below gets the same one back from the pool
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}", pool_size=1)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(insert(Item), [{"name": "a"}, {"name": "b"}, {"name": "c"}])
    yield engine
    await engine.dispose()


async def transaction_open(engine: AsyncEngine) -> bool:
    """Whether the pooled connection has a transaction open, as SQLite says (asked on the
    connection's own thread)."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert isinstance(driver, aiosqlite.Connection)
        sqlite = driver._conn
        result: bool = await driver._execute(lambda: sqlite.in_transaction)
        await connection.rollback()
    return result


async def test_a_statement_is_one_handoff_and_a_read_needs_no_rollback(
    engine: AsyncEngine,
) -> None:
    sessions = create_session_factory(engine)
    with handoffs() as calls:
        async with sessions() as session:
            names = list(await session.scalars(select(Item.name).order_by(Item.id)))
    assert names == ["a", "b", "c"]
    # SQLAlchemy's adapter: cursor, execute, fetchall, close, then a rollback at checkin
    assert calls == ["_run_statement"], calls


async def test_a_write_is_one_handoff_per_statement_and_one_commit(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    with handoffs() as calls:
        async with sessions() as session, session.begin():
            result = await session.execute(
                update(Item).where(Item.name.in_(["a", "b"])).values(name=Item.name + "!")
            )
            assert result.rowcount == 2  # type: ignore[attr-defined]
            session.add(Item(name="d"))
    # the update, the insert, the commit; no rollback when the connection goes back
    assert calls == ["_run_statement", "_run_statement", "_finish"], calls
    assert not await transaction_open(engine)
    async with sessions() as session:
        names = set(await session.scalars(select(Item.name)))
    assert names == {"a!", "b!", "c", "d"}


async def test_results_are_those_of_sqlite(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(insert(Item).values(name="e"))
        assert inserted.lastrowid == 4
        returned = await connection.execute(
            update(Item).where(Item.id >= 3).values(name=Item.name + "?").returning(Item.id)
        )
        assert sorted(returned.scalars()) == [3, 4]
        rows = await connection.execute(text("SELECT id, name FROM items ORDER BY id"))
        assert rows.keys() == ["id", "name"]
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b"), (3, "c?"), (4, "e?")]
        nothing = await connection.execute(text("SELECT id FROM items WHERE id > 99"))
        assert nothing.first() is None
        many = await connection.execute(insert(Item), [{"name": "f"}, {"name": "g"}])
        assert many.rowcount == 2
        streamed = await connection.stream(select(Item.id).order_by(Item.id))
        assert [row async for row in streamed.scalars()] == [1, 2, 3, 4, 5, 6]


async def test_a_failed_write_rolls_back_and_the_connection_comes_back_clean(
    engine: AsyncEngine,
) -> None:
    sessions = create_session_factory(engine)
    with handoffs() as calls, pytest.raises(exc.IntegrityError):
        async with sessions() as session, session.begin():
            await session.execute(update(Item).where(Item.name == "c").values(name="z"))
            await session.execute(insert(Item).values(name="a"))  # unique: fails
    assert calls[-1] == "_finish", calls  # the rollback did happen
    assert not await transaction_open(engine)
    async with sessions() as session:
        names = set(await session.scalars(select(Item.name)))
    assert names == {"a", "b", "c"}  # the update went with the failed transaction


async def test_begin_immediate_read_only_is_rolled_back(engine: AsyncEngine) -> None:
    """A write transaction (BEGIN IMMEDIATE) that only read and ended without a commit holds
    SQLite's write lock: its rollback is never skipped."""
    writes = create_write_session_factory(engine)
    with handoffs() as calls:
        async with writes() as session:  # no commit: closed with the transaction open
            assert await session.scalar(select(Item.id).where(Item.name == "a")) == 1
    assert calls == ["_run_statement", "_run_statement", "_finish"], calls  # BEGIN, SELECT
    assert not await transaction_open(engine)
    # another connection can write at once: the lock was released
    other = create_engine(str(engine.url))
    async with other.begin() as connection:
        await connection.execute(insert(Item).values(name="x"))
    await other.dispose()


async def test_the_bot_engine_uses_it(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_after_a_storm_of_taps_no_pooled_connection_has_a_transaction_open(
    harness: BotHarness,
) -> None:
    """The real bot: 40 users tap at once (test_pool's storm). Then every connection idle in
    the bot's pool is checked out at the same time and asked: SQLite has no transaction open
    on any of them, and the adapter knew it (so their rollbacks were skipped rightly)."""
    await storm(harness)
    engine = harness.services.engine
    idle = engine.sync_engine.pool.checkedin()  # type: ignore[attr-defined]
    assert idle > 1
    async with AsyncExitStack() as stack:
        for _ in range(idle):
            connection = await stack.enter_async_context(engine.connect())
            raw = await connection.get_raw_connection()
            adapter, driver = raw.dbapi_connection, raw.driver_connection
            assert isinstance(adapter, OneHopConnection)
            assert isinstance(driver, aiosqlite.Connection)
            sqlite = driver._conn
            assert not await driver._execute(lambda sqlite=sqlite: sqlite.in_transaction)
            assert adapter.transaction_open is False
