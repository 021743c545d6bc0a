"""Data access for routine runs and the illustration file_id cache."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.instrumentation import manager_of_class

from bot.db.engine import Executor
from bot.db.models import MediaFile, PainEntry, RoutineRun, User
from bot.domain.routine import Status


async def get(session: AsyncSession, run_id: int) -> RoutineRun | None:
    return await session.get(RoutineRun, run_id)


#: The runs' table: the tap path's statements are Core statements on it, not ORM-enabled
#: ones. An ORM `update(RoutineRun)` goes through the ORM's bulk-update path on every
#: execution (a new statement object, so its cache key computed again each time): about a
#: third of the CPU of a one-statement session, measured with cProfile. The run objects a
#: tap holds are kept in step with `set_committed_value` by the caller.
_RUNS = cast(Table, RoutineRun.__table__)
_USERS = cast(Table, User.__table__)
_RUN_COLUMNS = tuple(column.key for column in _RUNS.c)

#: The tapping user's open-question columns and the run's columns (bound: ``run_id``,
#: ``user_id``), a Core statement built once, so each tap neither builds it nor computes
#: its cache key, and no ORM loading runs.
_RUN_WITH_QUESTION = (
    select(
        _USERS.c.question,
        _USERS.c.question_seq,
        _USERS.c.question_message_id,
        *(_RUNS.c[key] for key in _RUN_COLUMNS),
    )
    .select_from(_USERS)
    .outerjoin(_RUNS, _RUNS.c.id == bindparam("run_id"))
    .where(_USERS.c.id == bindparam("user_id"))
)


def _run_from_row(values: Sequence[Any]) -> RoutineRun:
    """A `RoutineRun` holding a row's values as loaded (no history: what the ORM's loader
    does), not attached to any session."""
    run: RoutineRun = manager_of_class(RoutineRun).new_instance()
    run.__dict__.update(zip(_RUN_COLUMNS, values, strict=True))
    return run


async def get_with_question(
    executor: Executor, run_id: int, user_id: int
) -> tuple[RoutineRun | None, tuple[str | None, int, int | None] | None]:
    """A run (None if there is none with that id; not attached to a session) and the
    tapping user's open-question columns (`users.question_fields`; None without a user
    row), in one statement: a routine tap reads both in its own transaction."""
    row = (
        await executor.execute(_RUN_WITH_QUESTION, {"run_id": run_id, "user_id": user_id})
    ).first()
    if row is None:  # no such user (erased): no run of theirs either
        return None, None
    question = (row[0], row[1], row[2])
    if row[3] is None:  # no run with that id
        return None, question
    return _run_from_row(row[3:]), question


async def active_for(session: AsyncSession, user_id: int) -> RoutineRun | None:
    return await session.scalar(
        select(RoutineRun).where(
            RoutineRun.user_id == user_id, RoutineRun.status == Status.ACTIVE.value
        )
    )


async def has_any(session: AsyncSession, user_id: int) -> bool:
    """Whether the user ever started a routine."""
    found = await session.scalar(
        select(RoutineRun.id).where(RoutineRun.user_id == user_id).limit(1)
    )
    return found is not None


@functools.cache
def _compare_and_set(columns: tuple[str, ...]) -> Update:
    """The compare-and-set of a run setting `columns` (bound: ``run_id``,
    ``expected_version`` and ``new_<column>``), built once per set of columns (a handful:
    one per kind of tap)."""
    return (
        update(_RUNS)
        .where(
            _RUNS.c.id == bindparam("run_id"),
            _RUNS.c.version == bindparam("expected_version"),
            _RUNS.c.status == Status.ACTIVE.value,
        )
        .values({name: bindparam(f"new_{name}", type_=_RUNS.c[name].type) for name in columns})
    )


@functools.cache
def _set_by_id(columns: tuple[str, ...]) -> Update:
    """An update of a run's `columns` by id (bound: ``run_id`` and ``new_<column>``)."""
    return (
        update(_RUNS)
        .where(_RUNS.c.id == bindparam("run_id"))
        .values({name: bindparam(f"new_{name}", type_=_RUNS.c[name].type) for name in columns})
    )


def _new(values: Mapping[str, Any]) -> dict[str, Any]:
    return {f"new_{name}": value for name, value in values.items()}


async def update_if_version(
    executor: Executor, run_id: int, expected_version: int, values: dict[str, Any]
) -> bool:
    """Compare-and-set on the version: of two taps on one button only the first applies."""
    result = await executor.execute(
        _compare_and_set(tuple(values)),
        {"run_id": run_id, "expected_version": expected_version, **_new(values)},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_fields(executor: Executor, run_id: int, **values: Any) -> None:
    await executor.execute(_set_by_id(tuple(values)), {"run_id": run_id, **_new(values)})


async def end_timers(session: AsyncSession, user_id: int) -> None:
    """Stop every running hold timer of a user."""
    await session.execute(
        update(RoutineRun)
        .where(RoutineRun.user_id == user_id, RoutineRun.timer_ends_at.is_not(None))
        .values(timer_ends_at=None)
        .execution_options(synchronize_session=False)
    )


async def running_timers(session: AsyncSession, limit: int = 500) -> list[RoutineRun]:
    rows = await session.scalars(
        select(RoutineRun)
        .where(RoutineRun.timer_ends_at.is_not(None), RoutineRun.status == Status.ACTIVE.value)
        .order_by(RoutineRun.timer_ends_at)
        .limit(limit)
    )
    return list(rows)


async def media_file_id(session: AsyncSession, key: str) -> str | None:
    row = await session.get(MediaFile, key)
    return None if row is None else row.file_id


async def media_file_ids(session: AsyncSession) -> set[str]:
    """Every cached illustration file_id (content, not anyone's data)."""
    return set((await session.scalars(select(MediaFile.file_id))).all())


async def remember_media(session: AsyncSession, key: str, file_id: str) -> None:
    """Insert or replace the file_id of a key (an upsert: two uploads may race)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(MediaFile).values(key=key, file_id=file_id)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[MediaFile.key], set_={"file_id": statement.excluded.file_id}
        )
    )


async def pain_levels(session: AsyncSession, run_id: int) -> dict[str, int]:
    """The before/after levels logged in one run (latest wins), keyed by context."""
    rows = await session.execute(
        select(PainEntry.context, PainEntry.level)
        .where(PainEntry.routine_run_id == run_id)
        .order_by(PainEntry.at, PainEntry.id)
    )
    return {context: level for context, level in rows}


async def completed_since(session: AsyncSession, user_id: int, since: datetime) -> bool:
    """Whether the user finished a routine at or after `since`."""
    found = await session.scalar(
        select(RoutineRun.id)
        .where(
            RoutineRun.user_id == user_id,
            RoutineRun.status == Status.COMPLETED.value,
            RoutineRun.finished_at >= since,
        )
        .limit(1)
    )
    return found is not None


async def latest_completions(
    session: AsyncSession, since: Mapping[int, datetime]
) -> dict[int, datetime]:
    """Each user's latest finished routine at or after the earliest instant in `since`
    (user id -> finish instant, UTC; users without one are absent). One statement; compare
    the finish with each of the user's own instants (a user may have rows for two dates)."""
    if not since:
        return {}
    rows = await session.execute(
        select(RoutineRun.user_id, func.max(RoutineRun.finished_at))
        .where(
            RoutineRun.user_id.in_(list(since)),
            RoutineRun.status == Status.COMPLETED.value,
            RoutineRun.finished_at >= min(since.values()),
        )
        .group_by(RoutineRun.user_id)
    )
    return {user_id: last for user_id, last in rows if last is not None}


async def completed_since_many(session: AsyncSession, since: Mapping[int, datetime]) -> set[int]:
    """Of the users in `since`, those who finished a routine at or after their instant."""
    latest = await latest_completions(session, since)
    return {user_id for user_id, last in latest.items() if last >= since[user_id]}


async def started_since(session: AsyncSession, user_id: int, since: datetime) -> bool:
    """Whether the user started any routine at or after `since` (finished or not)."""
    found = await session.scalar(
        select(RoutineRun.id)
        .where(RoutineRun.user_id == user_id, RoutineRun.started_at >= since)
        .limit(1)
    )
    return found is not None


async def hurt_times_many(
    session: AsyncSession, since: dict[int, datetime], until: datetime
) -> dict[int, list[datetime]]:
    """When each user's runs ended by "It hurts" (or a rest day after a high reading)
    finished, from their own ``since[user_id]`` to ``until`` (UTC), in one statement (users
    without such runs are left out)."""
    if not since:
        return {}
    rows = await session.execute(
        select(RoutineRun.user_id, RoutineRun.finished_at).where(
            RoutineRun.user_id.in_(since),
            RoutineRun.status == Status.HURT.value,
            RoutineRun.finished_at >= min(since.values()),
            RoutineRun.finished_at <= until,
        )
    )
    found: dict[int, list[datetime]] = {}
    for user_id, finished_at in rows:
        if finished_at is not None and finished_at >= since[user_id]:
            found.setdefault(user_id, []).append(finished_at)
    return found
