"""Data access for the processes' shares of a bot token's broadcast budget (PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import RateShare


async def lock(session: AsyncSession, bot_key: int) -> datetime:
    """Serialise grants for one bot until the transaction ends; returns the server's clock.

    The server's clock, not the process's, so processes on machines whose clocks differ
    still agree on whose lease has lapsed.
    """
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": bot_key})
    now = await session.scalar(select(func.clock_timestamp()))
    assert isinstance(now, datetime)
    return now.astimezone(UTC)


async def all_for(session: AsyncSession, bot_key: int) -> list[RateShare]:
    """Every process's row for the bot (live, or still draining)."""
    return list(await session.scalars(select(RateShare).where(RateShare.bot_key == bot_key)))


async def save(
    session: AsyncSession,
    process_id: str,
    bot_key: int,
    *,
    share: int,
    previous_share: int,
    previous_until: datetime | None,
    lease_until: datetime,
) -> None:
    values = {
        "share": share,
        "previous_share": previous_share,
        "previous_until": previous_until,
        "lease_until": lease_until,
    }
    statement = postgresql.insert(RateShare).values(
        process_id=process_id, bot_key=bot_key, **values
    )
    await session.execute(
        statement.on_conflict_do_update(index_elements=[RateShare.process_id], set_=values)
    )


async def purge(
    session: AsyncSession, bot_key: int, lapsed_before: datetime, now: datetime
) -> None:
    """Drop rows that count for nothing any more (dead and drained)."""
    await session.execute(
        delete(RateShare).where(
            RateShare.bot_key == bot_key,
            RateShare.lease_until < lapsed_before,
            or_(RateShare.previous_until.is_(None), RateShare.previous_until < now),
        )
    )
