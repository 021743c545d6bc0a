"""Data access for the pain log, the reads behind /progress, and a user's export and erasure.

Reads return the pure objects of `bot.domain.pain`, so the rules never see SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import (
    Date,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import Executor
from bot.db.models import USER_TABLES, Base, PainEntry, PausePeriod, RoutineRun, User
from bot.domain import pain as domain
from bot.domain.routine import Status

#: How stored routine-run statuses count for streaks; anything else is an abandoned run.
RUN_OUTCOMES: dict[str, domain.RunOutcome] = {
    "completed": domain.RunOutcome.COMPLETED,
    "hurt": domain.RunOutcome.HURT,
    "stopped": domain.RunOutcome.STOPPED,
}

#: What an export contains, in the order a person reads it: settings first, pain log last.
EXPORT_TABLES: tuple[type[Base], ...] = tuple(reversed(USER_TABLES))

ExportValue = str | int | bool | None
"""A column value in an export: instants, dates and times become ISO 8601 text."""


def _to_domain(row: PainEntry) -> domain.PainEntry:
    return domain.PainEntry(
        at=row.at,
        level=row.level,
        context=domain.PainContext(row.context),
        routine_run_id=row.routine_run_id,
        area=row.area,
    )


def _entry_from_row(row: Sequence[Any]) -> domain.PainEntry:
    """A reading from (at, level, context, routine_run_id, area)."""
    return domain.PainEntry(
        at=row[0],
        level=row[1],
        context=domain.PainContext(row[2]),
        routine_run_id=row[3],
        area=row[4],
    )


_ENTRIES = cast(Table, PainEntry.__table__)
_RUNS = cast(Table, RoutineRun.__table__)
_ENTRY_COLUMNS = (
    _ENTRIES.c.at,
    _ENTRIES.c.level,
    _ENTRIES.c.context,
    _ENTRIES.c.routine_run_id,
    _ENTRIES.c.area,
)

# --------------------------------------------------------------------------- consent


async def consent_at(session: AsyncSession, user_id: int) -> datetime | None:
    """When the user agreed to keep a pain log; None if they never did (or have no row)."""
    value: datetime | None = await session.scalar(
        select(User.pain_consent_at).where(User.id == user_id)
    )
    return value


async def consent_declined(session: AsyncSession, user_id: int) -> bool:
    """Whether the user said "No thanks" to a pain log (and hasn't agreed since)."""
    value = await session.scalar(select(User.pain_consent_declined_at).where(User.id == user_id))
    return value is not None


async def decline_consent(session: AsyncSession, user_id: int, at: datetime) -> None:
    """Remember a "No thanks", unless the user already agreed."""
    await session.execute(
        update(User)
        .where(User.id == user_id, User.pain_consent_at.is_(None))
        .values(pain_consent_declined_at=at)
        .execution_options(synchronize_session=False)
    )


async def give_consent(session: AsyncSession, user_id: int, at: datetime) -> bool:
    """Record consent once (the first instant is kept); False when the user has no row."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            pain_consent_at=func.coalesce(User.pain_consent_at, at),
            pain_consent_declined_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- entries


async def add_entry(
    session: AsyncSession,
    user_id: int,
    at: datetime,
    level: int,
    context: domain.PainContext,
    routine_run_id: int | None,
    area: str | None,
) -> int:
    entry = PainEntry(
        user_id=user_id,
        at=at,
        level=level,
        context=context.value,
        routine_run_id=routine_run_id,
        area=area,
    )
    session.add(entry)
    await session.flush()
    return entry.id


async def count_entries(session: AsyncSession, user_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(PainEntry).where(PainEntry.user_id == user_id)
    )
    return int(count or 0)


async def set_area(session: AsyncSession, user_id: int, entry_id: int, area: str | None) -> bool:
    """Name the area of one of the user's own entries; False for anyone else's or none."""
    result = await session.execute(
        update(PainEntry)
        .where(PainEntry.id == entry_id, PainEntry.user_id == user_id)
        .values(area=area)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_entry(session: AsyncSession, user_id: int, entry_id: int) -> domain.PainEntry | None:
    """One of the user's own readings; None for anyone else's or a missing one."""
    row = await session.scalar(
        select(PainEntry).where(PainEntry.id == entry_id, PainEntry.user_id == user_id)
    )
    return None if row is None else _to_domain(row)


async def entries_since(
    session: AsyncSession, user_id: int, since: datetime
) -> list[domain.PainEntry]:
    """The user's readings at or after `since`, oldest first."""
    rows = await session.scalars(
        select(PainEntry)
        .where(PainEntry.user_id == user_id, PainEntry.at >= since)
        .order_by(PainEntry.at, PainEntry.id)
    )
    return [_to_domain(row) for row in rows]


async def entries_since_many(
    session: AsyncSession, since: dict[int, datetime]
) -> dict[int, list[domain.PainEntry]]:
    """Each user's readings at or after their own `since[user_id]`, oldest first, in one
    statement (users without readings are left out)."""
    if not since:
        return {}
    rows = await session.scalars(
        select(PainEntry)
        .where(PainEntry.user_id.in_(since), PainEntry.at >= min(since.values()))
        .order_by(PainEntry.user_id, PainEntry.at, PainEntry.id)
    )
    found: dict[int, list[domain.PainEntry]] = {}
    for row in rows:
        if row.at >= since[row.user_id]:
            found.setdefault(row.user_id, []).append(_to_domain(row))
    return found


#: The newest reading before an instant (bound: ``user_id``, ``before``), built once.
_LATEST_BEFORE = (
    select(*_ENTRY_COLUMNS)
    .where(_ENTRIES.c.user_id == bindparam("user_id"), _ENTRIES.c.at < bindparam("before"))
    .order_by(_ENTRIES.c.at.desc(), _ENTRIES.c.id.desc())
    .limit(1)
)


async def latest_entry_before(
    executor: Executor, user_id: int, before: datetime
) -> domain.PainEntry | None:
    """The newest reading before `before`: tells "nothing lately" from "nothing ever"."""
    row = (await executor.execute(_LATEST_BEFORE, {"user_id": user_id, "before": before})).first()
    return None if row is None else _entry_from_row(row)


#: A user's readings since an instant and the instants their runs ended by "It hurts" (or
#: a rest day) in a span, one statement (bound: ``user_id``, ``since``, ``hurt_since``,
#: ``until``): the readings first (kind 0), oldest first, then the ends (kind 1).
_HISTORY = union_all(
    select(literal_column("0").label("kind"), *_ENTRY_COLUMNS, _ENTRIES.c.id).where(
        _ENTRIES.c.user_id == bindparam("user_id"), _ENTRIES.c.at >= bindparam("since")
    ),
    select(
        literal_column("1"), _RUNS.c.finished_at, null(), null(), null(), null(), _RUNS.c.id
    ).where(
        _RUNS.c.user_id == bindparam("user_id"),
        _RUNS.c.status == Status.HURT.value,
        _RUNS.c.finished_at >= bindparam("hurt_since"),
        _RUNS.c.finished_at <= bindparam("until"),
    ),
).order_by(literal_column("kind"), literal_column("at"), literal_column("id"))


async def history(
    executor: Executor, user_id: int, since: datetime, hurt_since: datetime, until: datetime
) -> tuple[list[domain.PainEntry], list[datetime]]:
    """The user's readings at or after `since` (oldest first) and when their runs ended by
    "It hurts" (or a rest day) from `hurt_since` to `until`, in one statement: what the
    bad-day, advised-rest and persistent-pain rules read (`entries_since` and
    `bot.db.routines.hurt_times_many` together)."""
    rows = await executor.execute(
        _HISTORY,
        {"user_id": user_id, "since": since, "hurt_since": hurt_since, "until": until},
    )
    entries: list[domain.PainEntry] = []
    hurts: list[datetime] = []
    for row in rows:
        if row[0] == 0:
            entries.append(_entry_from_row(row[1:6]))
        elif row[1] is not None:
            hurts.append(row[1])
    return entries, hurts


#: One reading (bound: every column but the id), built once.
_ADD_ENTRY = insert(_ENTRIES)


async def insert_entry(
    executor: Executor,
    user_id: int,
    at: datetime,
    level: int,
    context: domain.PainContext,
    routine_run_id: int | None,
) -> None:
    """`add_entry` as a prebuilt Core INSERT (a routine's keypad: no ORM object)."""
    await executor.execute(
        _ADD_ENTRY,
        {
            "user_id": user_id,
            "at": at,
            "level": level,
            "context": context.value,
            "routine_run_id": routine_run_id,
            "area": None,
        },
    )


# --------------------------------------------------------------------------- runs and pauses


async def routine_runs(session: Executor, user_id: int) -> list[domain.RoutineRun]:
    """Every routine run of the user (streaks look at all of history), oldest first."""
    rows = await session.execute(
        select(RoutineRun.started_at, RoutineRun.finished_at, RoutineRun.status)
        .where(RoutineRun.user_id == user_id)
        .order_by(RoutineRun.started_at, RoutineRun.id)
    )
    return [
        domain.RoutineRun(
            started_at=started_at,
            finished_at=finished_at,
            outcome=RUN_OUTCOMES.get(status, domain.RunOutcome.ABANDONED),
        )
        for started_at, finished_at, status in rows
    ]


_PAUSES = cast(Table, PausePeriod.__table__)

#: The streak's inputs in one statement (bound: ``user_id``): every run's start, end and
#: status (kind 0, oldest first, as `routine_runs`), then every pause's first and last
#: paused local dates (kind 1, as `pause_ranges`).
_STREAK_INPUTS = union_all(
    select(
        literal_column("0").label("kind"),
        _RUNS.c.started_at,
        _RUNS.c.finished_at,
        _RUNS.c.status,
        type_coerce(null(), Date).label("start_date"),
        type_coerce(null(), Date).label("end_date"),
        _RUNS.c.id,
    ).where(_RUNS.c.user_id == bindparam("user_id")),
    select(
        literal_column("1"),
        null(),
        null(),
        null(),
        _PAUSES.c.start_date,
        _PAUSES.c.end_date,
        _PAUSES.c.id,
    ).where(_PAUSES.c.user_id == bindparam("user_id")),
).order_by(
    literal_column("kind"),
    literal_column("started_at"),
    literal_column("start_date"),
    literal_column("id"),
)


async def streak_inputs(
    executor: Executor, user_id: int
) -> tuple[list[domain.RoutineRun], list[tuple[date, date | None]]]:
    """`routine_runs` and `pause_ranges` in one statement (what the streak rule reads)."""
    runs: list[domain.RoutineRun] = []
    pauses: list[tuple[date, date | None]] = []
    for kind, started_at, finished_at, status, start_date, end_date, _ in await executor.execute(
        _STREAK_INPUTS, {"user_id": user_id}
    ):
        if kind == 0:
            outcome = RUN_OUTCOMES.get(status, domain.RunOutcome.ABANDONED)
            runs.append(domain.RoutineRun(started_at, finished_at, outcome))
        else:
            pauses.append((start_date, end_date))
    return runs, pauses


async def run_belongs_to(session: AsyncSession, user_id: int, run_id: int) -> bool:
    owner = await session.scalar(select(RoutineRun.user_id).where(RoutineRun.id == run_id))
    return owner == user_id


async def pause_ranges(session: Executor, user_id: int) -> list[tuple[date, date | None]]:
    """(first, last) paused local dates of each pause; last is None while still paused."""
    rows = await session.execute(
        select(PausePeriod.start_date, PausePeriod.end_date)
        .where(PausePeriod.user_id == user_id)
        .order_by(PausePeriod.start_date)
    )
    return [(start, end) for start, end in rows]


# --------------------------------------------------------------------------- export, erase


def _export_value(value: Any) -> ExportValue:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


async def export_rows(
    session: AsyncSession, user_id: int
) -> dict[str, list[dict[str, ExportValue]]]:
    """Every row the user has in every user table, column by column, keyed by table name."""
    tables: dict[str, list[dict[str, ExportValue]]] = {}
    for model in EXPORT_TABLES:
        table = Base.metadata.tables[model.__tablename__]
        owner = table.c.id if model is User else table.c.user_id
        result = await session.execute(
            select(table).where(owner == user_id).order_by(*table.primary_key.columns)
        )
        tables[table.name] = [
            {column: _export_value(value) for column, value in row.items()}
            for row in result.mappings()
        ]
    return tables


async def delete_everything(session: AsyncSession, user_id: int) -> dict[str, int]:
    """Erase the user from every table, children first; returns rows deleted per table.

    Each table is deleted explicitly rather than through ON DELETE CASCADE, so nothing
    depends on a database enforcing foreign keys (SQLite only does when asked).
    """
    deleted: dict[str, int] = {}
    for model in USER_TABLES:
        owner = model.id if model is User else model.user_id  # type: ignore[attr-defined]
        statement = delete(model).where(owner == user_id)
        result = await session.execute(statement.execution_options(synchronize_session=False))
        deleted[model.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    return deleted
