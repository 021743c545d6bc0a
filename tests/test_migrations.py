"""The Alembic migrations build exactly the schema the models describe, on either engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Base
from tests.harness.bot import database_url


async def run_sync(url: str, work: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def test_upgrade_matches_models(tmp_path: Path) -> None:
    url = database_url(tmp_path, migrated=False)
    await upgrade(url)
    await upgrade(url)  # a second run is a no-op

    def diff(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    assert await run_sync(url, diff) == []
    tables = set(await run_sync(url, lambda c: inspect(c).get_table_names()))
    assert {"users", "deliveries", "routine_runs", "pain_entries", "pause_periods"} <= tables


@pytest.mark.only_db("sqlite", reason="WAL is SQLite's journal mode")
async def test_upgrade_enables_wal(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    await upgrade(url)
    mode = await run_sync(url, lambda c: c.execute(text("PRAGMA journal_mode")).scalar())
    assert mode == "wal"


async def test_chat_ids_moved_to_a_group_are_repaired(tmp_path: Path) -> None:
    """A user whose /start@bot in a group stored the group as their chat gets reminders in
    their private chat again after the upgrade."""
    url = database_url(tmp_path, migrated=False)
    await upgrade(url, "0004")

    def seed(connection: Connection) -> None:
        for user_id, chat_id in ((111, -1001234567890), (222, 222)):
            insert_row(connection, "users", {"id": user_id, "chat_id": chat_id})

    await run_sync(url, seed)
    await upgrade(url)
    rows = await run_sync(
        url, lambda c: c.execute(text("SELECT id, chat_id FROM users ORDER BY id")).all()
    )
    assert [tuple(row) for row in rows] == [(111, 111), (222, 222)]


def insert_row(connection: Connection, table: str, values: dict[str, object]) -> None:
    """Insert `values`, with a plain value of the right type in every other NOT NULL column
    (so the test doesn't break when a later migration adds one)."""
    row = dict(values)
    for column in inspect(connection).get_columns(table):
        name = column["name"]
        if column["nullable"] or column.get("default") is not None or name in row:
            continue
        if column.get("autoincrement") is True:
            continue
        kind = str(column["type"]).upper()
        if "TIMESTAMP" in kind or "DATETIME" in kind:
            row[name] = dt.datetime(2026, 3, 1, 9, 0)
        elif "DATE" in kind:
            row[name] = dt.date(2026, 3, 1)
        elif "TIME" in kind:
            row[name] = dt.time(7, 0)
        elif "CHAR" in kind or "TEXT" in kind:
            row[name] = "x"
        elif "BOOL" in kind:
            row[name] = False
        else:
            row[name] = 0
    columns = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), row)
