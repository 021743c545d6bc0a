"""Table 3: the database side of dispatch alone (materialize + claim + record)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bench.instrument import SqlCounter
from bench.report import count, table
from bench.seed import DUE, create_database
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.deliveries import DeliveryKind
from bot.db.engine import AsyncSession, create_engine, create_session_factory
from bot.db.models import Delivery, User
from bot.reminders import ReminderDispatcher


class InstantSender:
    """A `DeliverySender` that "sends" at once: the dispatcher's injection seam, so only
    the database work (and the dispatcher's own Python) is left to measure."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        self.sent += 1
        return self.sent


@dataclass
class DbCostResult:
    users: int
    seed_s: float = 0.0
    passes: int = 0
    wall_s: float = 0.0
    first_pass_s: float = 0.0
    first_pass_sent: int = 0
    statements: int = 0
    commits: int = 0
    sql_s: float = 0.0
    round_trip_us: float = 0.0
    by_kind: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.users / self.wall_s if self.wall_s else 0.0


ROUND_TRIPS = 1_000


async def round_trip_us(sessions: async_sessionmaker[AsyncSession]) -> float:
    """The cost of one trivial statement through the bot's engine (async SQLAlchemy and
    aiosqlite's worker thread), the floor under every statement the dispatcher issues."""
    async with sessions() as session:
        await session.execute(select(1))
        began = time.perf_counter()
        for _ in range(ROUND_TRIPS):
            await session.execute(select(1))
        return (time.perf_counter() - began) / ROUND_TRIPS * 1e6


async def measure_one(n: int, workdir: Path) -> DbCostResult:
    result = DbCostResult(users=n)
    began = time.perf_counter()
    database = await create_database(workdir / f"dbcost-{n}.sqlite3", n, all_due=True)
    result.seed_s = time.perf_counter() - began
    print(f"  seeded {n:,} due users in {result.seed_s:.1f} s; dispatching...", file=sys.stderr)
    engine = create_engine(database.url)
    try:
        sender = InstantSender()
        grace = Settings(_env_file=None).reminder_grace
        clock = ManualClock(DUE + timedelta(seconds=30))
        sessions = create_session_factory(engine)
        result.round_trip_us = await round_trip_us(sessions)
        dispatcher = ReminderDispatcher(sessions, clock, sender, grace)
        with SqlCounter() as sql:
            started = time.perf_counter()
            while sender.sent < n:
                pass_began = time.perf_counter()
                report = await dispatcher.run_once()
                result.passes += 1
                if result.passes == 1:
                    result.first_pass_s = time.perf_counter() - pass_began
                    result.first_pass_sent = report.sent
                if report.sent == 0 or report.failed:
                    raise RuntimeError(f"pass {result.passes} went wrong: {report}")
            result.wall_s = time.perf_counter() - started
        result.statements, result.commits, result.sql_s = sql.statements, sql.commits, sql.seconds
        result.by_kind = {
            kind: (k, sql.seconds_by_kind[kind]) for kind, k in sql.by_kind.most_common()
        }
    finally:
        await engine.dispose()
    return result


async def measure(sizes: list[int], workdir: Path) -> list[DbCostResult]:
    return [await measure_one(n, workdir) for n in sizes]


def render(results: list[DbCostResult]) -> str:
    rows = [
        [
            count(r.users),
            f"{r.seed_s:.1f}",
            str(r.passes),
            f"{count(r.first_pass_sent)} in {r.first_pass_s:.1f} s",
            f"{r.wall_s:.1f}",
            f"{r.rate:,.0f}",
            f"{r.wall_s / r.users * 1000:.2f}",
            f"{r.statements / r.users:.2f}",
            f"{r.commits / r.users:.2f}",
            f"{r.round_trip_us:.0f}",
        ]
        for r in results
    ]
    main = table(
        "3. Database side only: materialize + claim + record, sender returns at once",
        [
            "Due users",
            "Seed s",
            "Passes",
            "1st pass",
            "Wall s",
            "users/s",
            "ms/user",
            "SQL/user",
            "Commits/user",
            "SELECT 1 us",
        ],
        rows,
    )
    largest = max(results, key=lambda r: r.users)
    detail = table(
        f"3b. SQL statements of the {count(largest.users)}-user run, by kind",
        ["Statement", "Per user", "Mean latency ms"],
        [
            [kind, f"{k / largest.users:.2f}", f"{seconds / k * 1000:.2f}"]
            for kind, (k, seconds) in largest.by_kind.items()
        ],
    )
    return f"{main}\n\n{detail}"
