"""Seed and read a user's pain log and routine history straight through the data layer.

For tests that need weeks of history: tapping through 60 days of /pain would test nothing
more. Consent still goes through `PainLog`, and entries through `bot.db.pain`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.db import pain as pain_db
from bot.db import program as program_db
from bot.db.models import Base, PainEntry, RoutineRun
from bot.domain import program as program_rules
from bot.domain.pain import PainContext
from tests.harness.bot import BotHarness


async def add_entry(
    harness: BotHarness,
    user_id: int,
    at: datetime,
    level: int,
    context: PainContext = PainContext.CHECKIN,
    run_id: int | None = None,
) -> int:
    async with harness.services.sessions() as session, session.begin():
        return await pain_db.add_entry(session, user_id, at, level, context, run_id, None)


async def add_run(
    harness: BotHarness,
    user_id: int,
    started: datetime,
    finished: datetime | None,
    status: str = "completed",
    routine_id: str = "quick",
) -> int:
    """A routine run as the routine conversation leaves it when it ends."""
    run = RoutineRun(
        user_id=user_id,
        routine_id=routine_id,
        status=status,
        phase="done" if finished is not None else "step",
        step_index=0,
        version=1,
        easier=False,
        steps_done=3 if status == "completed" else 1,
        steps_skipped=0,
        started_at=started,
        finished_at=finished,
    )
    async with harness.services.sessions() as session, session.begin():
        session.add(run)
        await session.flush()
        return run.id


async def add_program(harness: BotHarness, user_id: int, run_id: int, at: datetime) -> None:
    """A held-back program as a routine with a pain rise leaves it: the run's per-stretch
    row, the bridge one step down, growth frozen and the change logged."""
    async with harness.services.sessions() as session, session.begin():
        await program_db.record_step(
            session,
            user_id=user_id,
            run_id=run_id,
            step_index=0,
            stretch_id="bridge",
            outcome=program_rules.StepOutcome.DONE,
            chose_easier=False,
            easier_shown=False,
            at=at,
        )
        before = await program_db.load(session, user_id)
        state = program_rules.StretchState(
            level=-1, reason=program_rules.Reason.HELD_BACK_PAIN, previous_level=0, changed_at=at
        )
        after = program_rules.Program({"bridge": state}, frozen_until=at)
        change = program_rules.Change("bridge", program_rules.Reason.HELD_BACK_PAIN, 0, -1, at)
        await program_db.save(session, user_id, before, after, [change])


async def entries_of(harness: BotHarness, user_id: int) -> list[PainEntry]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(PainEntry).where(PainEntry.user_id == user_id).order_by(PainEntry.id)
        )
        return list(rows)


async def rows_per_table(harness: BotHarness, user_id: int) -> dict[str, int]:
    """For every table of the schema, how many rows name this user: by a `user_id` column,
    any column referring to `users.id`, or `id` in `users` itself."""
    counts: dict[str, int] = {}
    async with harness.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [
                column
                for column in table.columns
                if column.name == "user_id"
                or (table.name == "users" and column.name == "id")
                or any(fk.column.table.name == "users" for fk in column.foreign_keys)
            ]
            for column in columns:
                count = await session.scalar(
                    select(func.count()).select_from(table).where(column == user_id)
                )
                counts[table.name] = counts.get(table.name, 0) + int(count or 0)
    return counts
