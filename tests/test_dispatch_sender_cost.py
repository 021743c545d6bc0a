"""What the real sender costs per reminder (issue #11): the real `Application`, the real
`TelegramDeliverySender` and the loopback Bot API, on the suite's database (SQLite, or
PostgreSQL with --db=postgresql), counted with a SQLAlchemy event listener.

The bad-day rule (a reading of 7+ today, or a rising 3-day trend: the reminder then offers
the gentle routine first) and the advised-rest rule (an "It hurts" or a reading of 8+ within
the last day: the reminder repeats the advice) are read for a whole claim in two
statements, not in a session and two statements per reminder (2.7 statements per due user
before, 0.7 of them the dispatcher's own bookkeeping); and the set-based UPDATEs bind a
value shared by every row once, not once per row.

The users, their readings and the bot's clock share one fixed instant (noon), never the wall
clock: run across midnight UTC, readings taken "30 s ago" fell on the day before and the
bad-day and rest rules said otherwise."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from bench.faults import seed_due_now, user_ids
from bench.instrument import SqlCounter
from bot.clock import ManualClock
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import PainEntry
from bot.reminders import CLAIM_BATCH_FACTOR, IN_FLIGHT
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings

USERS = 60
#: The instant of the whole test (the bot's clock): a Monday noon, far from any midnight.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SORE = 3  # of them logged a 7 today: a bad day
RESTING = 2  # the next ones logged an 8: rest advised (and a bad day)


@pytest.fixture
async def due_harness(server: LoopbackBotAPI, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """USERS users whose reminder is due now (UTC), the first SORE of them on a bad day, the
    next RESTING with rest advised."""
    url = database_url(tmp_path)
    now = NOW
    await seed_due_now(url, USERS, now=now)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(
                insert(PainEntry),
                [
                    {
                        "user_id": uid,
                        "at": now - timedelta(seconds=30),
                        "level": 7 if i < SORE else 8,
                        "context": "checkin",
                    }
                    for i, uid in enumerate(list(user_ids(USERS))[: SORE + RESTING])
                ],
            )
    finally:
        await engine.dispose()
    for uid in user_ids(USERS):
        server.add_user(first_name="Due", user_id=uid)
    harness = BotHarness(server, make_settings(server, url), ManualClock(now))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


class ParameterCounter:
    """Bound parameters of the dispatcher's set-based UPDATEs of `deliveries`."""

    def __init__(self) -> None:
        self.parameters = 0

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("UPDATE deliveries"):
            self.parameters += len(parameters)

    def __enter__(self) -> ParameterCounter:
        event.listen(Engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(Engine, "before_cursor_execute", self)


async def test_reminders_read_the_bad_day_rule_once_per_claim(due_harness: BotHarness) -> None:
    with SqlCounter() as sql, ParameterCounter() as bound:
        report = await due_harness.dispatch()
    # A value every row of a claim or a group gets (status, lease, claimed at) is one bound
    # parameter, not a CASE of two per row: 6.9 per reminder, 26 before.
    assert bound.parameters / USERS < 10, bound.parameters
    assert report.sent == USERS
    claims = math.ceil(USERS / (CLAIM_BATCH_FACTOR * IN_FLIGHT))
    pain_reads = sum(k for kind, k in sql.by_kind.items() if "pain_entries" in kind)
    user_reads = sum(
        k for kind, k in sql.by_kind.items() if kind.startswith("SELECT users WHERE id")
    )
    # Before: one pain read and one user read per reminder (60 and 60).
    run_reads = sum(k for kind, k in sql.by_kind.items() if "routine_runs" in kind)
    assert pain_reads <= claims + 1, sql.by_kind
    # Two per claim: the dispatcher's "done today" read and the advised-rest rule's.
    assert run_reads <= 2 * (claims + 1), [k for k in sql.by_kind.items() if "routine_runs" in k[0]]
    assert user_reads == 0, sql.by_kind
    # Everything but the BEGINs of write transactions: 0.7-0.8 per due user (2.7 before;
    # how many sends finish per group depends on timing).
    assert (sql.statements - sql.by_kind["BEGIN"]) / USERS < 1.0, sql.by_kind
    sore = set(list(user_ids(USERS))[:SORE])
    resting = set(list(user_ids(USERS))[SORE : SORE + RESTING])
    for uid in user_ids(USERS):
        [reminder] = due_harness.server.bot_messages(uid)
        assert ("rough time" in (reminder.text or "")) == (uid in sore), uid
        assert ("Your back hurt" in (reminder.text or "")) == (uid in resting), uid
