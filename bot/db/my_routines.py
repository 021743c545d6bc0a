"""Data access for user routines (`my_routines`) and the pending share code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MyRoutine, User


async def saved(session: AsyncSession, user_id: int) -> list[MyRoutine]:
    """The user's routines (not drafts), oldest first."""
    rows = await session.scalars(
        select(MyRoutine)
        .where(MyRoutine.user_id == user_id, MyRoutine.draft.is_(False))
        .order_by(MyRoutine.id)
    )
    return list(rows)


async def count_saved(session: AsyncSession, user_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(MyRoutine)
        .where(MyRoutine.user_id == user_id, MyRoutine.draft.is_(False))
    )
    return int(found or 0)


async def get(session: AsyncSession, user_id: int, row_id: int) -> MyRoutine | None:
    """One of the user's rows (draft or not); None if missing or someone else's."""
    row = await session.get(MyRoutine, row_id)
    return row if row is not None and row.user_id == user_id else None


async def drop_drafts(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        delete(MyRoutine)
        .where(MyRoutine.user_id == user_id, MyRoutine.draft.is_(True))
        .execution_options(synchronize_session=False)
    )


async def update_if_version(
    session: AsyncSession, user_id: int, row_id: int, version: int, values: dict[str, Any]
) -> bool:
    """Compare-and-set on the version: of two taps on one button only the first applies."""
    result = await session.execute(
        update(MyRoutine)
        .where(
            MyRoutine.id == row_id,
            MyRoutine.user_id == user_id,
            MyRoutine.version == version,
        )
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_one(session: AsyncSession, user_id: int, row_id: int) -> bool:
    result = await session.execute(
        delete(MyRoutine)
        .where(MyRoutine.id == row_id, MyRoutine.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def names(session: AsyncSession, user_id: int) -> set[str]:
    rows = await session.scalars(
        select(MyRoutine.name).where(MyRoutine.user_id == user_id, MyRoutine.draft.is_(False))
    )
    return {name for name in rows if name}


async def set_pending_share(session: AsyncSession, user_id: int, code: str | None) -> None:
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(pending_share=code)
        .execution_options(synchronize_session=False)
    )


async def take_pending_share(session: AsyncSession, user_id: int, code: str) -> bool:
    """Clear the pending code if it is still `code` (a compare-and-set: one add per link)."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.pending_share == code)
        .values(pending_share=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_default(session: AsyncSession, user_id: int, ref: str) -> None:
    """A deleted routine stops being the reminder's routine."""
    await session.execute(
        update(User)
        .where(User.id == user_id, User.default_routine == ref)
        .values(default_routine=None)
        .execution_options(synchronize_session=False)
    )


async def set_default(session: AsyncSession, user_id: int, ref: str) -> None:
    """Make a routine the reminder's routine."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(default_routine=ref)
        .execution_options(synchronize_session=False)
    )
