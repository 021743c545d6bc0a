"""The same bot on PostgreSQL: the dialect-specific paths (upserts, partial unique index,
compare-and-set claims) run against a real server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
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


async def test_stale_claim_is_taken_over_on_postgres(pg_harness: BotHarness) -> None:
    user = pg_harness.new_user()
    await onboard(pg_harness, user, at="07:00", zone="UTC")
    pg_harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    pg_harness.server.delay_next("sendMessage", 60.0, chat_id=user.id)
    since = len(pg_harness.server.calls)
    dispatch = asyncio.create_task(pg_harness.dispatch())
    await pg_harness.server.wait_for_call("sendMessage", since=since, completed=False)
    dispatch.cancel()
    await asyncio.gather(dispatch, return_exceptions=True)
    await pg_harness.restart()  # the process died with the claim taken
    assert (await pg_harness.advance(timedelta(seconds=30))).sent == 0  # lease still held
    assert (await pg_harness.advance(timedelta(minutes=3))).sent_user_ids == [user.id]


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
