"""Data access for deliveries: one row per user, kind and local date."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Delivery


class DeliveryKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its due instant (or a retry, or a snooze)
    SENDING = "sending"  # claimed by a dispatcher; a stale claim is taken over after a lease
    SENT = "sent"
    SKIPPED = "skipped"  # the user tapped "Skip today"
    MISSED = "missed"  # the bot was down longer than the grace window
    FAILED = "failed"  # gave up after repeated errors, or the user blocked the bot


async def insert_if_absent(
    session: AsyncSession, user_id: int, kind: DeliveryKind, local_date: date, due_at: datetime
) -> bool:
    """Create the day's delivery unless one exists; returns whether a row was inserted."""
    values: dict[str, Any] = {
        "user_id": user_id,
        "kind": kind.value,
        "local_date": local_date,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "snoozed": False,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claimable(
    session: AsyncSession, now: datetime, stale_before: datetime, limit: int
) -> list[Delivery]:
    """Deliveries to send now: pending and due, or claimed by a dispatcher that died."""
    rows = await session.scalars(
        select(Delivery)
        .where(
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
                and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at < stale_before),
            )
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    )
    return list(rows)


async def transition(
    session: AsyncSession,
    delivery_id: int,
    expected: DeliveryStatus | tuple[DeliveryStatus, ...],
    **values: Any,
) -> bool:
    """Compare-and-set a delivery's row: only one dispatcher or tap wins a transition."""
    statuses = (expected,) if isinstance(expected, DeliveryStatus) else expected
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_([s.value for s in statuses]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get(session: AsyncSession, delivery_id: int) -> Delivery | None:
    return await session.get(Delivery, delivery_id)


async def pending_snooze(session: AsyncSession, user_id: int) -> datetime | None:
    """When a snoozed daily reminder of the user will be sent again, if one is waiting."""
    return await session.scalar(
        select(Delivery.due_at)
        .where(
            Delivery.user_id == user_id,
            Delivery.kind == DeliveryKind.DAILY.value,
            Delivery.snoozed.is_(True),
            Delivery.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]),
        )
        .order_by(Delivery.due_at)
        .limit(1)
    )


async def cancel_snoozes(session: AsyncSession, user_id: int) -> None:
    """Drop the user's snoozed reminders that are still waiting (a pause or /stop came after)."""
    await session.execute(
        update(Delivery)
        .where(
            Delivery.user_id == user_id,
            Delivery.snoozed.is_(True),
            Delivery.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.SKIPPED.value)
        .execution_options(synchronize_session=False)
    )
