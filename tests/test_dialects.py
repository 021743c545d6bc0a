"""The dialect-specific paths (upserts, partial unique index, compare-and-set claims,
`FOR UPDATE SKIP LOCKED` or `BEGIN IMMEDIATE`) on the suite's database: CI runs them on
SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.db.models import Delivery, RoutineRun
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import rows_per_table

REMINDER = "Time for your back stretches"


async def test_reminders_once_per_day(harness: BotHarness) -> None:
    users = [harness.new_user(f"U{i}") for i in range(3)]
    for user in users:
        await onboard(harness, user, at="07:00", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))
    # Two dispatchers at once (as two processes would): each reminder goes out once.
    first, second = await asyncio.gather(harness.dispatch(), harness.dispatch())
    assert first.sent + second.sent == 3
    assert (await harness.advance(timedelta(hours=3))).sent == 0
    for user in users:
        assert sum(REMINDER in t for t in harness.bot_texts(user)) == 1
    async with harness.services.sessions() as session:
        rows = list(await session.scalars(select(Delivery)))
    assert sorted(r.status for r in rows) == ["sent"] * 3


async def test_stale_claims(harness: BotHarness) -> None:
    """A lapsed "claimed" row is taken over and sent; a lapsed "sending" one is uncertain."""
    claimed, sending = harness.new_user("Claimed"), harness.new_user("Sending")
    for user in (claimed, sending):
        await onboard(harness, user, at="07:00", zone="UTC")
    clock = harness.clock
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.services.dispatcher.run_once(keep_going=lambda: False)  # rows only
    async with harness.services.sessions() as session, session.begin():
        for user, status in ((claimed, "claimed"), (sending, "sending")):
            await session.execute(
                update(Delivery)
                .where(Delivery.user_id == user.id)
                .values(
                    status=status,
                    claim_token=status.ljust(32, "x"),
                    lease_until=clock.now() + timedelta(minutes=2),
                )
            )
    assert (await harness.advance(timedelta(seconds=30))).sent == 0  # leases still held
    report = await harness.advance(timedelta(minutes=3))
    assert report.sent_user_ids == [claimed.id] and report.uncertain == 1
    assert sum(REMINDER in t for t in harness.bot_texts(sending)) == 0
    assert (await harness.advance(timedelta(minutes=10))).sent == 0


async def test_one_active_routine_is_enforced_by_the_database(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.double_tap(user, "Done")
    async with harness.services.sessions() as session:
        [run] = list(await session.scalars(select(RoutineRun)))
        assert run.step_index == 1
        session.add(
            RoutineRun(
                user_id=user.id,
                routine_id="full",
                status="active",
                phase="step",
                step_index=0,
                version=0,
                easier=False,
                steps_done=0,
                steps_skipped=0,
                started_at=harness.clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_delete_leaves_nothing(harness: BotHarness) -> None:
    user, other = harness.new_user(), harness.new_user("Other")
    for person in (user, other):
        await onboard(harness, person)
        await harness.send(person, "/stretch")
        await harness.tap(person, "Quick start")
        await harness.tap(person, "Yes, keep track")
        await harness.tap(person, "Skip")
        await harness.tap(person, "Done")
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert set((await rows_per_table(harness, user.id)).values()) == {0}
    assert sum((await rows_per_table(harness, other.id)).values()) >= 2
