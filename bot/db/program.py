"""Data access for the adaptive program: per-stretch events of runs, state, changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Executor
from bot.db.models import ProgramChange, ProgramHold, ProgramStretch, RunStep
from bot.domain import program as domain

#: One finished stretch of a run (bound: every column but the id), built once.
_RECORD_STEP = insert(cast(Table, RunStep.__table__))


async def record_step(
    executor: Executor,
    *,
    user_id: int,
    run_id: int,
    step_index: int,
    stretch_id: str,
    outcome: domain.StepOutcome,
    chose_easier: bool,
    easier_shown: bool,
    at: datetime,
) -> None:
    """One stretch of a run finished (called inside the tap's compare-and-set transaction,
    so a double tap records it once). A prebuilt Core INSERT, run at once: no ORM object
    and no unit-of-work flush on the tap path."""
    await executor.execute(
        _RECORD_STEP,
        {
            "user_id": user_id,
            "run_id": run_id,
            "step_index": step_index,
            "stretch_id": stretch_id,
            "outcome": outcome.value,
            "chose_easier": chose_easier,
            "easier_shown": easier_shown,
            "at": at,
        },
    )


async def run_steps(session: AsyncSession, run_id: int) -> list[domain.StepRecord]:
    rows = await session.scalars(
        select(RunStep).where(RunStep.run_id == run_id).order_by(RunStep.step_index)
    )
    return [
        domain.StepRecord(
            stretch_id=row.stretch_id,
            outcome=domain.StepOutcome(row.outcome),
            chose_easier=row.chose_easier,
            easier_shown=row.easier_shown,
        )
        for row in rows
    ]


def _state(row: ProgramStretch) -> domain.StretchState:
    return domain.StretchState(
        level=row.level,
        ease=domain.Ease(row.ease) if row.ease else None,
        eased_until=row.eased_until,
        easier_streak=row.easier_streak,
        easier_since=row.easier_since,
        comfortable=row.comfortable,
        comfortable_day=row.comfortable_day,
        too_easy=row.too_easy,
        grown_at=row.grown_at,
        reason=domain.Reason(row.reason) if row.reason else None,
        previous_level=row.previous_level,
        changed_at=row.changed_at,
    )


async def load(session: AsyncSession, user_id: int) -> domain.Program:
    """The user's program (no rows: every stretch at its content dose)."""
    rows = {
        row.stretch_id: row
        for row in await session.scalars(
            select(ProgramStretch).where(ProgramStretch.user_id == user_id)
        )
    }
    hold = await session.get(ProgramHold, user_id)
    # Held for `save` in this transaction: the identity map keeps unchanged rows only while
    # someone holds them, so without this `save` would read them all again.
    session.info[(_LOADED, user_id)] = _Loaded(session.sync_session.get_transaction(), rows, hold)
    return domain.Program(
        stretches={stretch_id: _state(row) for stretch_id, row in rows.items()},
        frozen_until=hold.frozen_until if hold is not None else None,
    )


_LOADED = "program_rows"


@dataclass(frozen=True)
class _Loaded:
    """The rows `load` read, and the transaction it read them in."""

    transaction: object
    rows: dict[str, ProgramStretch]
    hold: ProgramHold | None


async def save(
    session: AsyncSession,
    user_id: int,
    before: domain.Program,
    after: domain.Program,
    changes: Iterable[domain.Change],
) -> None:
    """Write the stretches whose state changed, the freeze, and the change log. The rows
    `load` read in this transaction are used as they are, not read again."""
    loaded = session.info.pop((_LOADED, user_id), None)
    current = session.sync_session.get_transaction()
    if not isinstance(loaded, _Loaded) or current is None or loaded.transaction is not current:
        loaded = None
    if loaded is not None:
        rows = loaded.rows
    else:
        rows = {
            row.stretch_id: row
            for row in await session.scalars(
                select(ProgramStretch).where(ProgramStretch.user_id == user_id)
            )
        }
    for stretch_id, state in after.stretches.items():
        if before.stretches.get(stretch_id) == state:
            continue
        row = rows.get(stretch_id)
        if row is None:
            row = ProgramStretch(user_id=user_id, stretch_id=stretch_id)
            session.add(row)
        row.level = state.level
        row.ease = state.ease.value if state.ease else None
        row.eased_until = state.eased_until
        row.easier_streak = state.easier_streak
        row.easier_since = state.easier_since
        row.comfortable = state.comfortable
        row.comfortable_day = state.comfortable_day
        row.too_easy = state.too_easy
        row.grown_at = state.grown_at
        row.reason = state.reason.value if state.reason else None
        row.previous_level = state.previous_level
        row.changed_at = state.changed_at
    if after.frozen_until != before.frozen_until:
        hold = loaded.hold if loaded is not None else await session.get(ProgramHold, user_id)
        if after.frozen_until is None:
            if hold is not None:
                await session.delete(hold)
        elif hold is None:
            session.add(ProgramHold(user_id=user_id, frozen_until=after.frozen_until))
        else:
            hold.frozen_until = after.frozen_until
    for change in changes:
        session.add(
            ProgramChange(
                user_id=user_id,
                at=change.at,
                stretch_id=change.stretch_id,
                reason=change.reason.value,
                from_level=change.from_level,
                to_level=change.to_level,
            )
        )


async def changes_since(
    session: AsyncSession, user_id: int, since: datetime, until: datetime
) -> list[domain.Change]:
    rows = await session.scalars(
        select(ProgramChange)
        .where(
            ProgramChange.user_id == user_id,
            ProgramChange.at >= since,
            ProgramChange.at < until,
        )
        .order_by(ProgramChange.at, ProgramChange.id)
    )
    return [
        domain.Change(
            stretch_id=row.stretch_id,
            reason=domain.Reason(row.reason),
            from_level=row.from_level,
            to_level=row.to_level,
            at=row.at,
        )
        for row in rows
    ]


async def forget_stretch(session: AsyncSession, user_id: int, stretch_id: str) -> None:
    await session.execute(
        delete(ProgramStretch).where(
            ProgramStretch.user_id == user_id, ProgramStretch.stretch_id == stretch_id
        )
    )
