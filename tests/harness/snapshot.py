"""Every row of every table, to prove an input changed nothing (or exactly what it should)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Base
from tests.harness.bot import BotHarness

Snapshot = dict[str, list[tuple[Any, ...]]]
#: Tables of the bot's own bookkeeping, not of anyone's state: the running bot renews its
#: lease on the broadcast budget there (PostgreSQL) as time passes, whatever users do, and
#: notes when a group last got the "private chats only" reply (no user in it).
PROCESS_TABLES = frozenset({"rate_shares", "group_notes"})


async def snapshot(harness: BotHarness) -> Snapshot:
    """All rows of all tables (but PROCESS_TABLES), sorted, as plain tuples."""
    rows: Snapshot = {}
    async with harness.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in PROCESS_TABLES:
                continue
            result = await session.execute(select(table))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows


def errors_logged(caplog: pytest.LogCaptureFixture, *, besides: tuple[str, ...] = ()) -> list[str]:
    """Log records at ERROR or above (the global error handler logs every traceback there),
    except from the loggers named in `besides`."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name not in besides
    ]
