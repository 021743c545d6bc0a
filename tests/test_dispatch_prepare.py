"""The sender's `prepare` (one read of what a whole claim's messages need) is an optimisation:
its failure or a cancellation while it reads must not change what users get. Real
dispatcher on the suite's database (SQLite, or PostgreSQL with --db=postgresql); the sender
is the dispatcher's own injection seam (`DeliverySender`), as in test_dispatch_batches
(whose `dispatcher_for` builds the dispatcher)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bench.faults import seed_due_now
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.engine import create_session_factory
from bot.db.models import Delivery, User
from bot.reminders import CLAIM_BATCH_FACTOR, IN_FLIGHT
from tests.harness.bot import database_url as fresh_database
from tests.test_dispatch_batches import dispatcher_for

USERS = 3 * CLAIM_BATCH_FACTOR * IN_FLIGHT  # several claims in one pass


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    url = fresh_database(tmp_path)
    await seed_due_now(url, USERS)  # due a minute ago: on time, nothing to apologise for
    yield url


class PreparingSender:
    """Records each send's `late`; `prepare` fails once (a database error), or waits."""

    def __init__(self, *, fail_once: bool = False, block: bool = False) -> None:
        self.late: list[bool] = []
        self.prepared = asyncio.Event()
        self._fail = fail_once
        self._block = block

    async def prepare(self, claimed: Sequence[tuple[Delivery, User]]) -> None:
        self.prepared.set()
        if self._block:
            await asyncio.Event().wait()
        if self._fail:
            self._fail = False
            raise OperationalError("SELECT ...", {}, Exception("connection reset"))

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        self.late.append(late)
        return len(self.late)


async def test_a_failed_prepare_makes_no_reminder_late(database_url: str) -> None:
    """The sends go out on time whatever `prepare` did: none says sorry for being late,
    and the dispatcher doesn't take the failed read for a database outage."""
    sender = PreparingSender(fail_once=True)
    dispatcher, engine = await dispatcher_for(database_url, sender)
    try:
        report = await dispatcher.run_once()
        assert report.sent == USERS and len(sender.late) == USERS
        assert not any(sender.late), f"{sum(sender.late)} of {USERS} said sorry for being late"
        assert report.apologized == 0
        assert dispatcher.outage.since is None and dispatcher.outage.last_ended is None
    finally:
        await engine.dispose()


async def test_rows_claimed_while_prepare_reads_are_handed_back_on_cancel(
    database_url: str,
) -> None:
    """Torn down while `prepare` reads: the rows just claimed go back at once (pending), as
    the other unsent claims do, rather than waiting out their lease and going out late as
    "taken over"."""
    sender = PreparingSender(block=True)
    dispatcher, engine = await dispatcher_for(database_url, sender)
    try:
        task = asyncio.create_task(dispatcher.run_once())
        async with asyncio.timeout(30):
            await sender.prepared.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with create_session_factory(engine)() as session:
            statuses = await session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            assert dict(statuses.all()) == {DeliveryStatus.PENDING.value: USERS}
        assert sender.late == []
    finally:
        await engine.dispose()
