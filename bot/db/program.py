"""Data access for the adaptive program: per-stretch events of runs, state, changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Executor
from bot.db.models import ProgramChange, ProgramHold, ProgramStretch, RunStep, User
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


_STEPS = cast(Table, RunStep.__table__)
_STRETCHES = cast(Table, ProgramStretch.__table__)
_HOLDS = cast(Table, ProgramHold.__table__)
_USERS = cast(Table, User.__table__)

#: A run's finished stretches in order (bound: ``run_id``), built once.
_RUN_STEPS = (
    select(_STEPS.c.stretch_id, _STEPS.c.outcome, _STEPS.c.chose_easier, _STEPS.c.easier_shown)
    .where(_STEPS.c.run_id == bindparam("run_id"))
    .order_by(_STEPS.c.step_index)
)


async def run_steps(executor: Executor, run_id: int) -> list[domain.StepRecord]:
    rows = await executor.execute(_RUN_STEPS, {"run_id": run_id})
    return [
        domain.StepRecord(
            stretch_id=stretch_id,
            outcome=domain.StepOutcome(outcome),
            chose_easier=chose_easier,
            easier_shown=easier_shown,
        )
        for stretch_id, outcome, chose_easier, easier_shown in rows
    ]


#: The state columns of a stretch's row, in `_state`'s order.
_STATE_COLUMNS = (
    "level",
    "ease",
    "eased_until",
    "easier_streak",
    "easier_since",
    "comfortable",
    "comfortable_day",
    "too_easy",
    "grown_at",
    "reason",
    "previous_level",
    "changed_at",
)

#: A user's program in one statement (bound: ``user_id``): the freeze on every row, then
#: each stretch's row (none: one row of NULLs), built once.
_LOAD = (
    select(
        select(_HOLDS.c.frozen_until)
        .where(_HOLDS.c.user_id == _USERS.c.id)
        .scalar_subquery()
        .label("frozen_until"),
        _STRETCHES.c.stretch_id,
        *(_STRETCHES.c[name] for name in _STATE_COLUMNS),
    )
    .select_from(_USERS)
    .outerjoin(_STRETCHES, _STRETCHES.c.user_id == _USERS.c.id)
    .where(_USERS.c.id == bindparam("user_id"))
)


def _state(values: Sequence[Any]) -> domain.StretchState:
    """A stretch's state from its row's `_STATE_COLUMNS`."""
    row = dict(zip(_STATE_COLUMNS, values, strict=True))
    return domain.StretchState(
        level=row["level"],
        ease=domain.Ease(row["ease"]) if row["ease"] else None,
        eased_until=row["eased_until"],
        easier_streak=row["easier_streak"],
        easier_since=row["easier_since"],
        comfortable=row["comfortable"],
        comfortable_day=row["comfortable_day"],
        too_easy=row["too_easy"],
        grown_at=row["grown_at"],
        reason=domain.Reason(row["reason"]) if row["reason"] else None,
        previous_level=row["previous_level"],
        changed_at=row["changed_at"],
    )


async def load(executor: Executor, user_id: int) -> domain.Program:
    """The user's program (no rows: every stretch at its content dose), one prebuilt Core
    statement. `save` relies on it: a stretch has a row exactly when it is in
    `Program.stretches`, a freeze exactly when `frozen_until` is set."""
    frozen_until = None
    stretches: dict[str, domain.StretchState] = {}
    for row in await executor.execute(_LOAD, {"user_id": user_id}):
        frozen_until = row[0]
        if row[1] is not None:
            stretches[row[1]] = _state(row[2:])
    return domain.Program(stretches=stretches, frozen_until=frozen_until)


_UPDATE_STRETCH = (
    update(_STRETCHES)
    .where(
        _STRETCHES.c.user_id == bindparam("owner"),
        _STRETCHES.c.stretch_id == bindparam("stretch"),
    )
    .values({name: bindparam(name) for name in _STATE_COLUMNS})
)
_INSERT_STRETCH = insert(_STRETCHES)
_INSERT_HOLD = insert(_HOLDS)
_UPDATE_HOLD = (
    update(_HOLDS)
    .where(_HOLDS.c.user_id == bindparam("owner"))
    .values(frozen_until=bindparam("frozen_until"))
)
_DELETE_HOLD = delete(_HOLDS).where(_HOLDS.c.user_id == bindparam("owner"))
_INSERT_CHANGE = insert(cast(Table, ProgramChange.__table__))


def _row_values(state: domain.StretchState) -> dict[str, Any]:
    return {
        "level": state.level,
        "ease": state.ease.value if state.ease else None,
        "eased_until": state.eased_until,
        "easier_streak": state.easier_streak,
        "easier_since": state.easier_since,
        "comfortable": state.comfortable,
        "comfortable_day": state.comfortable_day,
        "too_easy": state.too_easy,
        "grown_at": state.grown_at,
        "reason": state.reason.value if state.reason else None,
        "previous_level": state.previous_level,
        "changed_at": state.changed_at,
    }


async def save(
    executor: Executor,
    user_id: int,
    before: domain.Program,
    after: domain.Program,
    changes: Iterable[domain.Change],
) -> None:
    """Write the stretches whose state changed, the freeze, and the change log: prebuilt
    Core statements. ``before`` is what `load` read in this transaction (which rows exist)."""
    for stretch_id, state in after.stretches.items():
        if before.stretches.get(stretch_id) == state:
            continue
        values = _row_values(state)
        if stretch_id in before.stretches:
            await executor.execute(
                _UPDATE_STRETCH, {"owner": user_id, "stretch": stretch_id, **values}
            )
        else:
            await executor.execute(
                _INSERT_STRETCH, {"user_id": user_id, "stretch_id": stretch_id, **values}
            )
    if after.frozen_until != before.frozen_until:
        if after.frozen_until is None:
            await executor.execute(_DELETE_HOLD, {"owner": user_id})
        elif before.frozen_until is None:
            await executor.execute(
                _INSERT_HOLD, {"user_id": user_id, "frozen_until": after.frozen_until}
            )
        else:
            await executor.execute(
                _UPDATE_HOLD, {"owner": user_id, "frozen_until": after.frozen_until}
            )
    rows = [
        {
            "user_id": user_id,
            "at": change.at,
            "stretch_id": change.stretch_id,
            "reason": change.reason.value,
            "from_level": change.from_level,
            "to_level": change.to_level,
        }
        for change in changes
    ]
    if rows:
        await executor.execute(_INSERT_CHANGE, rows)


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
