"""Apply Alembic migrations: at start-up and from `stretchbot db upgrade`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.db.engine import ensure_sqlite_directory, normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config built in code, so no alembic.ini has to sit in the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return config


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    """Upgrade the schema (blocking; runs its own event loop)."""
    ensure_sqlite_directory(normalize_url(database_url))
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the schema from inside a running event loop, without blocking it."""
    await asyncio.to_thread(upgrade_sync, database_url, revision)
