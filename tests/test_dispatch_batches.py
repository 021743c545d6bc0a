"""The dispatcher works in batches (issue #11): SQL statements and commits per due user,
counted with a SQLAlchemy event listener on the suite's database (a real SQLite file, or a
real PostgreSQL in the PostgreSQL pass), and the at-most-once bound kept: never more than
`IN_FLIGHT` rows "sending" at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.dbcost import InstantSender
from bench.faults import seed_due_now
from bench.instrument import SqlCounter
from bot.clock import SystemClock
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.engine import create_engine, create_session_factory, create_write_session_factory
from bot.db.models import Delivery, User
from bot.reminders import IN_FLIGHT, DeliverySender, ReminderDispatcher
from tests.harness.bot import database_url as fresh_database

USERS = 300


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """The suite's database (SQLite, or PostgreSQL with --db=postgresql), seeded."""
    url = fresh_database(tmp_path)
    await seed_due_now(url, USERS)
    yield url


async def dispatcher_for(
    url: str, sender: DeliverySender
) -> tuple[ReminderDispatcher, AsyncEngine]:
    engine = create_engine(url)
    dispatcher = ReminderDispatcher(
        create_session_factory(engine),
        SystemClock(),
        sender,
        timedelta(hours=2),
        write_sessions=create_write_session_factory(engine),
    )
    return dispatcher, engine


async def test_statements_and_commits_per_due_user(database_url: str) -> None:
    sender = InstantSender()
    dispatcher, engine = await dispatcher_for(database_url, sender)
    try:
        with SqlCounter() as sql:
            report = await dispatcher.run_once()
        assert report.sent == USERS and sender.sent == USERS
        # Before the batches: 7.1 statements and 2.1 commits per due user (SQLite).
        assert sql.statements / USERS < 0.75, sql.by_kind
        assert sql.commits / USERS < 0.3, sql.commits
        async with create_session_factory(engine)() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    )
                ).all()
            )
        assert statuses == {DeliveryStatus.SENT.value: USERS}
    finally:
        await engine.dispose()


class CountingSender:
    """Looks at the database on every send: how many rows are "sending" right now."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.most_sending = 0
        self.sent = 0

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        async with create_session_factory(self.engine)() as session:
            sending = await session.scalar(
                select(func.count()).where(Delivery.status == DeliveryStatus.SENDING.value)
            )
        self.most_sending = max(self.most_sending, int(sending or 0))
        await asyncio.sleep(0.001 * (delivery.id % 7))  # sends end out of order
        self.sent += 1
        return self.sent


async def test_never_more_than_in_flight_rows_sending(database_url: str) -> None:
    sender = CountingSender(database_url)
    dispatcher, engine = await dispatcher_for(database_url, sender)
    try:
        report = await dispatcher.run_once()
        assert report.sent == USERS
        assert 1 < sender.most_sending <= IN_FLIGHT
    finally:
        await engine.dispose()
        await sender.engine.dispose()
