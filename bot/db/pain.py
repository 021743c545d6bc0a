"""Data access for the pain log, the reads behind /progress, and a user's export and erasure.

Reads return the pure objects of `bot.domain.pain`, so the rules never see SQLAlchemy.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import USER_TABLES, Base, PainEntry, PausePeriod, RoutineRun, User
from bot.domain import pain as domain

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


async def latest_entry_before(
    session: AsyncSession, user_id: int, before: datetime
) -> domain.PainEntry | None:
    """The newest reading before `before`: tells "nothing lately" from "nothing ever"."""
    row = await session.scalar(
        select(PainEntry)
        .where(PainEntry.user_id == user_id, PainEntry.at < before)
        .order_by(PainEntry.at.desc(), PainEntry.id.desc())
        .limit(1)
    )
    return None if row is None else _to_domain(row)


# --------------------------------------------------------------------------- runs and pauses


async def routine_runs(session: AsyncSession, user_id: int) -> list[domain.RoutineRun]:
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


async def run_belongs_to(session: AsyncSession, user_id: int, run_id: int) -> bool:
    owner = await session.scalar(select(RoutineRun.user_id).where(RoutineRun.id == run_id))
    return owner == user_id


async def pause_ranges(session: AsyncSession, user_id: int) -> list[tuple[date, date | None]]:
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
