"""Data access for routine runs and the illustration file_id cache."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, Update, and_, bindparam, exists, func, insert, select, update
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

#: The tapping user's open-question columns, time zone and pain-log consent, and the
#: run's columns (bound: ``run_id``, ``user_id``), a Core statement built once, so each tap
#: neither builds it nor computes its cache key, and no ORM loading runs.
_RUN_WITH_QUESTION = (
    select(
        _USERS.c.question,
        _USERS.c.question_seq,
        _USERS.c.question_message_id,
        _USERS.c.time_zone,
        _USERS.c.pain_consent_at,
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


@dataclass(frozen=True)
class Tapper:
    """What a routine tap reads of the tapping user with the run: the open-question
    columns (`users.question_fields`), the time zone (IANA name) and pain-log consent."""

    question: tuple[str | None, int, int | None]
    time_zone: str | None
    consent: bool


async def get_with_question(
    executor: Executor, run_id: int, user_id: int
) -> tuple[RoutineRun | None, Tapper | None]:
    """A run (None if there is none with that id; not attached to a session) and what the
    tap needs of the tapping user (None without a user row), in one statement: a routine
    tap reads both in its own transaction."""
    row = (
        await executor.execute(_RUN_WITH_QUESTION, {"run_id": run_id, "user_id": user_id})
    ).first()
    if row is None:  # no such user (erased): no run of theirs either
        return None, None
    tapper = Tapper((row[0], row[1], row[2]), row[3], row[4] is not None)
    if row[5] is None:  # no run with that id
        return None, tapper
    return _run_from_row(row[5:]), tapper


@dataclass(frozen=True)
class Starter:
    """What starting a routine reads of the user: time zone (IANA name), pain-log consent
    and its refusal, whether the safety texts were shown, whether they ever started a
    routine, and the run in progress (None; not attached to a session)."""

    time_zone: str | None
    consent_at: datetime | None
    declined_at: datetime | None
    safety_shown: bool
    any_run: bool
    active: RoutineRun | None


_ANY_RUN = _RUNS.alias("any_run")

#: `Starter`'s columns in one statement (bound: ``user_id``), built once.
_STARTER = (
    select(
        _USERS.c.time_zone,
        _USERS.c.pain_consent_at,
        _USERS.c.pain_consent_declined_at,
        _USERS.c.safety_shown,
        exists().where(_ANY_RUN.c.user_id == _USERS.c.id).label("any_run"),
        *(_RUNS.c[key] for key in _RUN_COLUMNS),
    )
    .select_from(_USERS)
    .outerjoin(_RUNS, and_(_RUNS.c.user_id == _USERS.c.id, _RUNS.c.status == Status.ACTIVE.value))
    .where(_USERS.c.id == bindparam("user_id"))
)


async def starter(executor: Executor, user_id: int) -> Starter | None:
    """What starting a routine reads (`Starter`), one statement; None without a user row."""
    row = (await executor.execute(_STARTER, {"user_id": user_id})).first()
    if row is None:
        return None
    active = None if row[5] is None else _run_from_row(row[5:])
    return Starter(row[0], row[1], row[2], bool(row[3]), bool(row[4]), active)


#: A new run (bound: every column but the id), built once.
_INSERT_RUN = insert(_RUNS)


async def insert_run(executor: Executor, **values: Any) -> RoutineRun:
    """Store a new run (a prebuilt Core INSERT); returns it as stored (not attached to a
    session), the columns not given at their defaults (None)."""
    row = {key: values.get(key) for key in _RUN_COLUMNS if key != "id"}
    result = await executor.execute(_INSERT_RUN, row)
    run_id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
    return _run_from_row([run_id if key == "id" else row[key] for key in _RUN_COLUMNS])


async def active_for(session: AsyncSession, user_id: int) -> RoutineRun | None:
    return await session.scalar(
        select(RoutineRun).where(
            RoutineRun.user_id == user_id, RoutineRun.status == Status.ACTIVE.value
        )
    )


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


async def pain_levels(session: Executor, run_id: int) -> dict[str, int]:
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
