"""Table 5: the dispatcher's due-reminder query beside raw `sqlite3` on the same file.

N subscribed users, 500 of them due: the bot's `users.due_for_reminder` through its own
async engine, against the same SQL text run by the standard library's `sqlite3` (the floor:
no ORM, no driver thread). Median of repeated runs after one warm-up each. Also shows the
plan SQLite chose for the query.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bench.report import count, table
from bench.seed import START, create_database, user_ids
from bot.db import users
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import User
from bot.reminders import BATCH_SIZE

REPEATS = 25


@dataclass
class DueQueryResult:
    users: int
    due: int
    bot_ms: float
    raw_ms: float
    plan: str


async def measure_one(n: int, workdir: Path) -> DueQueryResult:
    path = workdir / f"due-{n}.sqlite3"
    began = time.perf_counter()
    database = await create_database(path, n, all_due=False)
    print(f"  seeded {n:,} users in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    engine = create_engine(database.url)
    sessions = create_session_factory(engine)
    now = START + timedelta(days=1)
    try:
        # Exactly BATCH_SIZE users due at `now`, the rest later.
        due_ids = list(user_ids(n))[:BATCH_SIZE]
        later = now + timedelta(days=2)
        async with sessions() as session, session.begin():
            await session.execute(update(User).values(next_due_at=later))
            await session.execute(update(User).where(User.id.in_(due_ids)).values(next_due_at=now))
        bot_times: list[float] = []
        for i in range(REPEATS + 1):
            async with sessions() as session:
                t0 = time.perf_counter()
                rows = await users.due_for_reminder(session, now, BATCH_SIZE)
                elapsed = time.perf_counter() - t0
            if i:
                bot_times.append(elapsed)
        due = len(rows)
        # The same statement, compiled for SQLite with its parameters inlined, run raw.
        statement = (
            select(*users.DUE_COLUMNS)
            .where(User.next_due_at.is_not(None), User.next_due_at <= now)
            .order_by(User.next_due_at)
            .limit(BATCH_SIZE)
        )
        compiled = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        sql = str(compiled)
    finally:
        await engine.dispose()

    def raw() -> tuple[list[float], str]:
        connection = sqlite3.connect(path)
        try:
            plan = " / ".join(row[-1] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))
            times = []
            for i in range(REPEATS + 1):
                t0 = time.perf_counter()
                connection.execute(sql).fetchall()
                if i:
                    times.append(time.perf_counter() - t0)
            return times, plan
        finally:
            connection.close()

    raw_times, plan = await asyncio.to_thread(raw)
    return DueQueryResult(
        users=n,
        due=due,
        bot_ms=statistics.median(bot_times) * 1000,
        raw_ms=statistics.median(raw_times) * 1000,
        plan=plan,
    )


async def measure(sizes: list[int], workdir: Path) -> list[DueQueryResult]:
    return [await measure_one(n, workdir) for n in sizes]


def render(results: list[DueQueryResult]) -> str:
    rows = [
        [
            count(r.users),
            count(r.due),
            f"{r.bot_ms:.2f}",
            f"{r.raw_ms:.2f}",
            f"{r.bot_ms / r.raw_ms:.1f}×" if r.raw_ms else "-",
            r.plan,
        ]
        for r in results
    ]
    return table(
        f"5. Due-reminder query ({BATCH_SIZE} due), median of {REPEATS}",
        ["Users", "Due", "Bot ms", "Raw sqlite3 ms", "Ratio", "SQLite plan"],
        rows,
    )
