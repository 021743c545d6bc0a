"""The Alembic migrations build exactly the schema the models describe, on either engine."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Base
from bot.domain.schedule import local_instant
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


async def downgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


#: (zone, reminder time, the Sunday its weekly summary is planned for, as 0011 planned it)
WEEKLY_PLANS: list[tuple[str | None, dt.time | None, dt.date | None]] = [
    ("Europe/Berlin", dt.time(7, 30), dt.date(2026, 3, 8)),
    ("America/New_York", dt.time(21, 0), dt.date(2026, 3, 8)),  # DST starts; Monday in UTC
    ("Asia/Kathmandu", dt.time(0, 15), dt.date(2026, 3, 8)),  # Saturday in UTC
    ("Europe/Berlin", dt.time(2, 30), dt.date(2026, 3, 29)),  # 02:30 is skipped that day
    ("Europe/Berlin", dt.time(7, 30), None),  # weekly summary off
    (None, None, dt.date(2026, 3, 8)),  # no time or zone yet: left alone both ways
]


async def test_0012_downgrade_gives_back_the_sunday_plans(tmp_path: Path) -> None:
    """0012 moves each weekly summary planned on a Sunday to the Monday after; its downgrade
    moves them back, to the very values stored before (0011's dispatcher plans and sends
    on Sundays). Before, the downgrade left them on Monday."""
    url = database_url(tmp_path, migrated=False)
    await upgrade(url, "0011")
    users = sa.table(
        "users",
        sa.column("id", sa.BigInteger()),
        sa.column("next_weekly_at", sa.DateTime()),
        sa.column("reminder_time", sa.Time()),
        sa.column("time_zone", sa.String()),
    )

    def seed(connection: Connection) -> None:
        for user_id, (zone, at, sunday) in enumerate(WEEKLY_PLANS, start=1):
            insert_row(connection, "users", {"id": user_id, "chat_id": user_id})
            planned = None
            if sunday is not None:
                wall = at or dt.time(9, 0)
                instant = local_instant(sunday, wall, ZoneInfo(zone or "UTC"))
                planned = instant.astimezone(dt.UTC).replace(tzinfo=None)
            connection.execute(
                sa.update(users)
                .where(users.c.id == user_id)
                .values(next_weekly_at=planned, reminder_time=at, time_zone=zone)
            )

    def plans(connection: Connection) -> list[tuple[Any, ...]]:
        query = sa.select(users.c.id, users.c.next_weekly_at).order_by(users.c.id)
        return [tuple(row) for row in connection.execute(query)]

    def stored(connection: Connection) -> list[tuple[Any, ...]]:
        """Every column of every user as stored (on SQLite: the text itself)."""
        return [tuple(row) for row in connection.execute(text("SELECT * FROM users ORDER BY id"))]

    await run_sync(url, seed)
    before = await run_sync(url, stored)
    sundays = await run_sync(url, plans)
    await upgrade(url, "0012")
    mondays = await run_sync(url, plans)
    for (zone, at, sunday), (_, planned) in zip(WEEKLY_PLANS, mondays, strict=True):
        if sunday is not None and zone is not None and at is not None:  # moved by a day
            local = planned.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
            assert (local.date(), local.time()) == (sunday + dt.timedelta(days=1), at)
    assert mondays[-1] == sundays[-1] and mondays[-2] == sundays[-2]  # nothing to move
    await downgrade(url, "0011")
    assert await run_sync(url, stored) == before


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
