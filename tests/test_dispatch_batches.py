"""The dispatcher works in batches (issue #11): SQL statements and commits per due user,
counted with a SQLAlchemy event listener on the suite's database (a real SQLite file, or a
real PostgreSQL in the PostgreSQL pass), and the at-most-once bound kept: never more than
`IN_FLIGHT` rows "sending" at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Insert, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.dbcost import InstantSender
from bench.faults import seed_due_now
from bench.instrument import SqlCounter, statement_kind
from bot.clock import ManualClock, SystemClock
from bot.db import deliveries as deliveries_db
from bot.db import users as users_db
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.engine import create_engine, create_session_factory, create_write_session_factory
from bot.db.migrate import upgrade
from bot.db.models import ALL_WEEKDAYS_MASK, Delivery, RoutineRun, User
from bot.domain.routine import Phase, Status
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


async def test_planning_inserts_rows_from_one_prebuilt_statement(database_url: str) -> None:
    """The delivery rows of a planning batch go in as an executemany of one statement built
    at import (SQLAlchemy's insertmanyvalues), not as a `.values([...])` expression built
    and coerced value by value on every pass: 63 -> 6.8 ms of CPU for 500 rows, counted here
    as statements built per pass (0) and parameter sets (one per row)."""
    inserts: list[tuple[Any, Any]] = []

    def seen(conn: Any, clause: Any, multiparams: Any, params: Any, options: Any) -> None:
        if isinstance(clause, Insert) and clause.table.name == "deliveries":
            inserts.append((clause, multiparams))

    dispatcher, engine = await dispatcher_for(database_url, InstantSender())
    event.listen(Engine, "before_execute", seen)
    try:
        report = await dispatcher.run_once()
    finally:
        event.remove(Engine, "before_execute", seen)
        await engine.dispose()
    assert report.created == USERS
    assert inserts, "no INSERT into deliveries seen"
    for clause, _ in inserts:
        assert clause is deliveries_db.insert_statement(engine.dialect.name)
    assert sum(len(multiparams) for _, multiparams in inserts) == USERS


async def test_moving_users_on_is_one_prebuilt_compare_and_set(database_url: str) -> None:
    """`users.move_next_due_many`: one prebuilt `UPDATE ... FROM (VALUES ...)` per batch
    (was a `CASE id WHEN ...` of 500 branches for three columns built and bound on every
    pass: 40-66 -> 8.4-8.9 ms of CPU for 500 users, SQLite); each row is still a
    compare-and-set, and a move to no next reminder (NULLs only) works on both databases."""
    engine = create_engine(database_url)
    statements: list[Any] = []

    def seen(conn: Any, clause: Any, multiparams: Any, params: Any, options: Any) -> None:
        if "UPDATE users" in str(clause):
            statements.append(clause)

    event.listen(Engine, "before_execute", seen)
    try:
        async with create_session_factory(engine)() as session:
            rows = (
                await session.execute(
                    select(User.id, User.next_due_at, User.next_due_date).order_by(User.id)
                )
            ).all()
        day = timedelta(days=1)
        stale = {uid for uid, _, _ in rows[:5]}  # re-planned by a settings change meanwhile
        ended = {uid for uid, _, _ in rows[5:8]}  # no next reminder
        moves = [
            (
                uid,
                at + (timedelta(minutes=1) if uid in stale else timedelta(0)),
                None if uid in ended else at + day,
                None if uid in ended else local + day,
            )
            for uid, at, local in rows
        ]
        async with create_write_session_factory(engine)() as session, session.begin():
            moved = await users_db.move_next_due_many(session, moves)
        assert moved == {uid for uid, _, _ in rows} - stale
        assert statements == [users_db._move_statement(users_db.MOVE_SIZES[-1])]
        async with create_session_factory(engine)() as session:
            after = {
                uid: (at, local)
                for uid, at, local in (
                    await session.execute(select(User.id, User.next_due_at, User.next_due_date))
                ).all()
            }
        for uid, at, local in rows:
            if uid in stale:
                assert after[uid] == (at, local)
            elif uid in ended:
                assert after[uid] == (None, None)
            else:
                assert after[uid] == (at + day, local + day)
        # A batch whose new columns are all NULL, and more than one statement's worth.
        statements.clear()
        async with create_write_session_factory(engine)() as session, session.begin():
            again = await users_db.move_next_due_many(
                session,
                [(uid, at + day, None, None) for uid, at, _ in rows if uid not in stale | ended][
                    :3
                ],
            )
        assert len(again) == 3 and len(statements) == 1
    finally:
        event.remove(Engine, "before_execute", seen)
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


class RecordingSender:
    """Keeps which (user, local date) each send was for."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, date]] = []

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        self.sent.append((user.id, delivery.local_date))
        return len(self.sent)


async def test_two_dates_of_one_user_in_a_batch_are_checked_each_against_its_own_day(
    tmp_path: Path,
) -> None:
    """A user stretched on Monday evening; Monday's reminder (23:59, moved later) and
    Tuesday's (00:10) are both due in one batch after midnight: Monday's is skipped (already
    stretched that day), Tuesday's is sent (not yet stretched that day)."""
    url = fresh_database(tmp_path)
    await upgrade(url)
    monday = date(2026, 3, 2)
    tuesday = monday + timedelta(days=1)
    now = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            session.add(
                User(
                    id=7001,
                    chat_id=7001,
                    created_at=now - timedelta(days=10),
                    reminder_time=dt_time(0, 10),
                    time_zone="UTC",
                    weekdays_mask=ALL_WEEKDAYS_MASK,
                    subscribed=True,
                    onboarded=True,
                    paused_indefinitely=False,
                    next_due_at=datetime(2026, 3, 4, 0, 10, tzinfo=UTC),
                    next_due_date=tuesday + timedelta(days=1),
                    weekly_summary=False,
                )
            )
            await session.flush()
            session.add(
                RoutineRun(
                    user_id=7001,
                    routine_id="quick",
                    status=Status.COMPLETED.value,
                    phase=Phase.FINISHED.value,
                    started_at=datetime(2026, 3, 2, 22, 50, tzinfo=UTC),
                    finished_at=datetime(2026, 3, 2, 23, 0, tzinfo=UTC),
                )
            )
            for local_date, due in (
                (monday, datetime(2026, 3, 2, 23, 59, tzinfo=UTC)),
                (tuesday, datetime(2026, 3, 3, 0, 10, tzinfo=UTC)),
            ):
                session.add(
                    Delivery(
                        user_id=7001,
                        kind=DeliveryKind.DAILY.value,
                        local_date=local_date,
                        due_at=due,
                        status=DeliveryStatus.PENDING.value,
                        next_attempt_at=due,
                    )
                )
        sender = RecordingSender()
        dispatcher = ReminderDispatcher(
            create_session_factory(engine),
            ManualClock(now),
            sender,
            timedelta(hours=2),
            write_sessions=create_write_session_factory(engine),
        )
        await dispatcher.run_once()
        assert sender.sent == [(7001, tuesday)]
        async with create_session_factory(engine)() as session:
            statuses = dict(
                (await session.execute(select(Delivery.local_date, Delivery.status))).all()
            )
        assert statuses == {
            monday: DeliveryStatus.SKIPPED.value,
            tuesday: DeliveryStatus.SENT.value,
        }
    finally:
        await engine.dispose()


class PacedSender:
    """Sends that all take the same while (a round trip to Telegram); counts those in
    progress, and the most ever in progress."""

    def __init__(self) -> None:
        self.in_progress = 0
        self.most = 0
        self.sent = 0

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        self.in_progress += 1
        self.most = max(self.most, self.in_progress)
        try:
            await asyncio.sleep(0.05)
        finally:
            self.in_progress -= 1
        self.sent += 1
        return self.sent


CLAIM_UPDATE = "UPDATE deliveries SET status,claimed_at,claim_token,lease_until"


async def test_claims_run_beside_the_sends_in_one_statement_transactions(
    database_url: str,
) -> None:
    """The next rows are claimed while the sends in flight go on, not after they ended:
    before, a claim ran only once half the send slots were free, between sends, with the
    slots left idle until it was done (sends of equal length all ended first: 0 in
    progress at every claim). On SQLite the claim's write transaction is its one
    compare-and-set (the reads run before it, on a WAL snapshot), so it holds the write
    lock that records outcomes for one statement instead of three; PostgreSQL reads and
    locks the rows in that transaction (FOR UPDATE SKIP LOCKED)."""
    sender = PacedSender()
    dispatcher, engine = await dispatcher_for(database_url, sender)
    in_progress_at_claims: list[int] = []
    claim_transactions: list[list[str]] = []

    def began(conn: Any) -> None:
        conn.info["statements"] = []

    def executed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        kind = statement_kind(statement)
        conn.info.setdefault("statements", []).append(kind)
        if kind == CLAIM_UPDATE:
            in_progress_at_claims.append(sender.in_progress)

    def committed(conn: Any) -> None:
        statements = conn.info.pop("statements", [])
        if CLAIM_UPDATE in statements:
            claim_transactions.append(statements)

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "begin", began)
    event.listen(sync_engine, "after_cursor_execute", executed)
    event.listen(sync_engine, "commit", committed)
    try:
        report = await dispatcher.run_once()
        assert report.sent == USERS == sender.sent
        assert sender.most == IN_FLIGHT
        # 300 rows, 16 per claim: the first claim finds nothing sending yet.
        assert len(in_progress_at_claims) == -(-USERS // 16)
        assert in_progress_at_claims[0] == 0
        # The later claims ran while sends were on their way (before: none did; a loaded
        # machine may stall a claim past a group of sends now and then).
        later = in_progress_at_claims[1:]
        assert sum(k > 0 for k in later) > len(later) / 2, in_progress_at_claims
        per_claim = 3 if engine.dialect.name == "postgresql" else 1
        statements = [
            [s for s in t if s.split()[0] in ("SELECT", "UPDATE")] for t in claim_transactions
        ]
        assert {len(t) for t in statements} == {per_claim}, statements
    finally:
        event.remove(sync_engine, "begin", began)
        event.remove(sync_engine, "after_cursor_execute", executed)
        event.remove(sync_engine, "commit", committed)
        await engine.dispose()


async def test_a_poll_with_nothing_due_writes_nothing(tmp_path: Path) -> None:
    """The periodic poll (every 20 s) mostly finds nothing due: it reads (the earliest
    planned instant, the claimable rows) and begins no write transaction, so on SQLite a
    tap's transaction never waits behind its write lock (before: two `BEGIN IMMEDIATE`
    transactions per poll, planning and claiming). On PostgreSQL the claim's read is
    `FOR UPDATE SKIP LOCKED`, which, finding nothing, locks nothing."""
    url = fresh_database(tmp_path)
    await seed_due_now(url, 20)
    sender = InstantSender()
    dispatcher, engine = await dispatcher_for(url, sender)
    statements: list[str] = []

    def executed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    try:
        assert (await dispatcher.run_once()).sent == 20
        event.listen(engine.sync_engine, "after_cursor_execute", executed)
        for _ in range(3):
            report = await dispatcher.run_once()
            assert report.sent == report.created == 0
        assert statements, "the polls read"
        writes = [s for s in statements if s.startswith(("BEGIN", "INSERT", "UPDATE", "DELETE"))]
        assert writes == []
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", executed)
        await engine.dispose()
