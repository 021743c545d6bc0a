"""The same bot on PostgreSQL: the dialect-specific paths (upserts, partial unique index,
compare-and-set claims) run against a real server."""

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


async def test_reminders_once_per_day_on_postgres(pg_harness: BotHarness) -> None:
    users = [pg_harness.new_user(f"U{i}") for i in range(3)]
    for user in users:
        await onboard(pg_harness, user, at="07:00", zone="Europe/Berlin")
    pg_harness.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))
    # Two dispatchers at once (as two processes would): each reminder goes out once.
    first, second = await asyncio.gather(pg_harness.dispatch(), pg_harness.dispatch())
    assert first.sent + second.sent == 3
    assert (await pg_harness.advance(timedelta(hours=3))).sent == 0
    for user in users:
        assert sum(REMINDER in t for t in pg_harness.bot_texts(user)) == 1
    async with pg_harness.services.sessions() as session:
        rows = list(await session.scalars(select(Delivery)))
    assert sorted(r.status for r in rows) == ["sent"] * 3


async def test_stale_claims_on_postgres(pg_harness: BotHarness) -> None:
    """A lapsed "claimed" row is taken over and sent; a lapsed "sending" one is uncertain."""
    claimed, sending = pg_harness.new_user("Claimed"), pg_harness.new_user("Sending")
    for user in (claimed, sending):
        await onboard(pg_harness, user, at="07:00", zone="UTC")
    clock = pg_harness.clock
    clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await pg_harness.services.dispatcher.run_once(keep_going=lambda: False)  # rows only
    async with pg_harness.services.sessions() as session, session.begin():
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
    assert (await pg_harness.advance(timedelta(seconds=30))).sent == 0  # leases still held
    report = await pg_harness.advance(timedelta(minutes=3))
    assert report.sent_user_ids == [claimed.id] and report.uncertain == 1
    assert sum(REMINDER in t for t in pg_harness.bot_texts(sending)) == 0
    assert (await pg_harness.advance(timedelta(minutes=10))).sent == 0


async def test_one_active_routine_is_enforced_by_postgres(pg_harness: BotHarness) -> None:
    user = pg_harness.new_user()
    await onboard(pg_harness, user)
    await pg_harness.send(user, "/stretch")
    await pg_harness.tap(user, "Quick start")
    await pg_harness.tap(user, "No thanks")
    await pg_harness.double_tap(user, "Done")
    async with pg_harness.services.sessions() as session:
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
                started_at=pg_harness.clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_delete_leaves_nothing_on_postgres(pg_harness: BotHarness) -> None:
    user, other = pg_harness.new_user(), pg_harness.new_user("Other")
    for person in (user, other):
        await onboard(pg_harness, person)
        await pg_harness.send(person, "/stretch")
        await pg_harness.tap(person, "Quick start")
        await pg_harness.tap(person, "Yes, keep track")
        await pg_harness.tap(person, "Skip")
        await pg_harness.tap(person, "Done")
    await pg_harness.send(user, "/delete")
    await pg_harness.tap(user, "Yes, delete everything")
    assert set((await rows_per_table(pg_harness, user.id)).values()) == {0}
    assert sum((await rows_per_table(pg_harness, other.id)).values()) >= 2
