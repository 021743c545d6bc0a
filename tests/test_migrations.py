"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.db.migrate import upgrade_sync
from bot.db.models import Base


def test_upgrade_matches_models_and_enables_wal(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    upgrade_sync(f"sqlite+aiosqlite:///{path}")  # a second run is a no-op
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "deliveries", "routine_runs", "pain_entries", "pause_periods"} <= tables


def test_chat_ids_moved_to_a_group_are_repaired(tmp_path: Path) -> None:
    """A user whose /start@bot in a group stored the group as their chat gets reminders in
    their private chat again after the upgrade."""
    path = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(url, "0004")
    with sqlite3.connect(path) as connection:
        for user_id, chat_id in ((111, -1001234567890), (222, 222)):
            insert_row(connection, "users", {"id": user_id, "chat_id": chat_id})
    upgrade_sync(url)
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT id, chat_id FROM users ORDER BY id").fetchall()
    assert rows == [(111, 111), (222, 222)]


def insert_row(connection: sqlite3.Connection, table: str, values: dict[str, object]) -> None:
    """Insert `values`, with a plain value of the right type in every other NOT NULL column
    (so the test doesn't break when a later migration adds one)."""
    filler = {"DATE": "2026-03-01", "DATETIME": "2026-03-01 09:00:00", "TIME": "07:00:00"}
    row = dict(values)
    for _cid, name, kind, notnull, default, _pk in connection.execute(
        f"PRAGMA table_info({table})"
    ):
        if notnull and default is None and name not in row:
            kind = str(kind).upper()
            row[name] = filler.get(kind, "x" if "CHAR" in kind else 0)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))
