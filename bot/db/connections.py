"""How many PostgreSQL connections one `stretchbot run` process may open, and how many the
server allows (checked at start-up, `bot.startup.check_connection_limit`).

A process opens at most: its pool (`Settings.pool_size`: DATABASE_POOL_SIZE, unset
MAX_CONCURRENT_UPDATES + 16), plus `POOL_OVERFLOW` for a moment, plus the election's lock
connection (bot/leadership.py) and the health check's (bot/health.py; probes come one at a
time). Migrations at start-up use a connection of their own that is closed before the pool
opens. A standby holds only the last two until it becomes active.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.config import Settings
from bot.db.engine import POOL_OVERFLOW

#: The election's lock connection and the health check's.
OTHER_CONNECTIONS = 2


def per_process(settings: Settings) -> int:
    """The most connections one process may open at once (see the module docstring)."""
    return settings.pool_size + POOL_OVERFLOW + OTHER_CONNECTIONS


def breakdown(settings: Settings) -> str:
    """The sum in words, e.g. "pool 48 + overflow 10 + election lock 1 + health check 1"."""
    return (
        f"pool {settings.pool_size} + overflow {POOL_OVERFLOW} + election lock 1 + health check 1"
    )


@dataclass(frozen=True)
class ServerLimit:
    """PostgreSQL's max_connections less the slots it keeps for superusers (and, from
    PostgreSQL 16, for roles with pg_use_reserved_connections)."""

    max_connections: int
    reserved: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved


async def server_limit(connection: AsyncConnection) -> ServerLimit:
    """Read the limit the server reports (`SHOW`; `reserved_connections` where it exists)."""
    max_connections = int(await connection.scalar(text("SHOW max_connections")) or 0)
    reserved = int(await connection.scalar(text("SHOW superuser_reserved_connections")) or 0)
    extra = await connection.scalar(
        text("SELECT setting FROM pg_settings WHERE name = 'reserved_connections'")
    )
    return ServerLimit(max_connections, reserved + int(extra or 0))


def too_many(settings: Settings, limit: ServerLimit) -> str | None:
    """The one-line reason a process must not start, or None when it fits."""
    needed = per_process(settings)
    if needed <= limit.available:
        return None
    cause = (
        f"DATABASE_POOL_SIZE={settings.database_pool_size}"
        if settings.database_pool_size is not None
        else f"MAX_CONCURRENT_UPDATES={settings.max_concurrent_updates} (pool = it + 16)"
    )
    return (
        f"{cause} lets one process open up to {needed} PostgreSQL connections "
        f"({breakdown(settings)}), but the server allows {limit.available} "
        f"(max_connections {limit.max_connections} - {limit.reserved} reserved): lower "
        "DATABASE_POOL_SIZE (at least 17) or MAX_CONCURRENT_UPDATES, or raise max_connections"
    )
