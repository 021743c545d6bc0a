"""Data access for deliveries: one row per user, kind and local date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.db.models import Delivery


class DeliveryKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its due instant (or a retry, or a snooze)
    CLAIMED = "claimed"  # held by one dispatcher (token + lease), not sent yet: can be taken over
    SENDING = "sending"  # the request may be on the wire: after its lease, only "uncertain"
    SENT = "sent"
    UNCERTAIN = "uncertain"  # may or may not have reached Telegram: never sent again
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
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _lease_over(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """The row's claim has lapsed (rows from before leases existed use claimed_at + lease)."""
    return or_(
        Delivery.lease_until < now,
        and_(Delivery.lease_until.is_(None), Delivery.claimed_at < now - lease),
    )


async def claimable(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[Delivery]:
    """Rows to act on now: pending and due, or held by a claim whose lease has lapsed.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` (the standard queue
    pattern: concurrent dispatchers get disjoint rows without waiting on each other); on
    SQLite the caller's ``BEGIN IMMEDIATE`` transaction already excludes other writers.
    """
    query = (
        select(Delivery)
        .where(
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
                and_(
                    Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
                    _lease_over(now, lease),
                ),
            )
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))


async def take(session: AsyncSession, seen: Delivery, **values: Any) -> bool:
    """Compare-and-set on the claim as it was read: status, claim token and lease together.

    Two dispatchers that both read the same lapsed claim cannot both replace it: the second
    finds a different token or lease and changes nothing.
    """
    token = Delivery.claim_token
    lease = Delivery.lease_until
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == seen.id,
            Delivery.status == seen.status,
            token.is_(None) if seen.claim_token is None else token == seen.claim_token,
            lease.is_(None) if seen.lease_until is None else lease == seen.lease_until,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def holding(
    session: AsyncSession,
    delivery_id: int,
    token: str,
    expected: DeliveryStatus | tuple[DeliveryStatus, ...],
    **values: Any,
) -> bool:
    """Compare-and-set by the holder of claim `token` (fails once the row was taken over)."""
    statuses = (expected,) if isinstance(expected, DeliveryStatus) else expected
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.claim_token == token,
            Delivery.status.in_([s.value for s in statuses]),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def extend_leases(session: AsyncSession, tokens: list[str], until: datetime) -> int:
    """Heartbeat: push the lease of every claim this process still holds to `until`."""
    if not tokens:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.claim_token.in_(tokens),
            Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


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


async def last_local_date(
    session: AsyncSession, user_id: int, kind: DeliveryKind, since: date
) -> date | None:
    """The latest local date on or after `since` that already has a delivery of `kind`.

    Whatever its status: the unique key means that date can never get another one.
    """
    return await session.scalar(
        select(func.max(Delivery.local_date)).where(
            Delivery.user_id == user_id,
            Delivery.kind == kind.value,
            Delivery.local_date >= since,
        )
    )


async def next_attempt(session: AsyncSession) -> datetime | None:
    """The earliest pending delivery's next attempt (a snooze, a retry), if any."""
    return await session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.status == DeliveryStatus.PENDING.value
        )
    )


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
            Delivery.status.in_(
                [DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]
            ),
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
