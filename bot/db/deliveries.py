"""Data access for deliveries: one row per user, kind and local date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    SmallInteger,
    String,
    and_,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.db.batch import per_row
from bot.db.models import Delivery, User, UTCDateTime


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


#: Statuses a row never leaves by itself (a tap may still snooze a sent or uncertain one).
FINISHED = (
    DeliveryStatus.SENT,
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.MISSED,
    DeliveryStatus.FAILED,
)


def _lease_over(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """The row's claim has lapsed (rows from before leases existed use claimed_at + lease)."""
    return or_(
        Delivery.lease_until < now,
        and_(Delivery.lease_until.is_(None), Delivery.claimed_at < now - lease),
    )


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


def dialect_name(session: AsyncSession) -> str:
    """The session's database ("sqlite", "postgresql"), without connecting."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


_dialect = dialect_name


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


async def cancel_snoozes(session: AsyncSession, user_id: int) -> set[date]:
    """Drop the user's snoozed reminders that are still waiting (a pause or /stop came after);
    returns their local dates (reminders that were still to come)."""
    waiting = await session.scalars(
        select(Delivery.local_date).where(
            Delivery.user_id == user_id,
            Delivery.snoozed.is_(True),
            Delivery.status == DeliveryStatus.PENDING.value,
        )
    )
    dates = set(waiting)
    if not dates:
        return dates
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
    return dates


# Set-based variants for the dispatcher: one statement per batch, not per row (per-row
# values as `bot.db.batch.per_row`; RETURNING tells which rows' compare-and-set held).


async def insert_many_if_absent(
    session: AsyncSession, rows: Sequence[tuple[int, DeliveryKind, date, datetime]]
) -> int:
    """Create each (user, kind, local date, due) row unless one exists; returns how many
    were inserted (one statement)."""
    if not rows:
        return 0
    statement = insert_statement(_dialect(session))
    # An executemany on the session's connection: SQLAlchemy's "insertmanyvalues" renders
    # it as multi-row INSERTs with RETURNING from one compiled statement, without building
    # and coercing an expression per value as `.values([...])` did.
    connection = await session.connection()
    result = await connection.execute(
        statement,
        [
            {
                "user_id": user_id,
                "kind": kind.value,
                "local_date": local_date,
                "due_at": due_at,
                "next_attempt_at": due_at,
            }
            for user_id, kind, local_date, due_at in rows
        ],
    )
    return len(result.all())


def _insert_if_absent(insert: Any) -> Any:
    """`insert_many_if_absent`'s statement for one dialect, built once."""
    return (
        insert(Delivery)
        .values(status=DeliveryStatus.PENDING.value, attempts=0, snoozed=False)
        .on_conflict_do_nothing()
        .returning(Delivery.id)
    )


_INSERT_SQLITE = _insert_if_absent(sqlite.insert)
_INSERT_POSTGRESQL = _insert_if_absent(postgresql.insert)


def insert_statement(dialect: str) -> Any:
    """The prebuilt INSERT ... ON CONFLICT DO NOTHING RETURNING id for `dialect`'s name."""
    return _INSERT_POSTGRESQL if dialect == "postgresql" else _INSERT_SQLITE


async def take_many(
    session: AsyncSession,
    decisions: Sequence[tuple[Delivery, DeliveryStatus, str | None]],
    now: datetime,
    lease_until: datetime,
) -> set[int]:
    """Compare-and-set many rows at once, each on its claim as it was read (status, token,
    lease and next attempt together: a row that was taken, given back or rescheduled since
    it was read is left alone). A decision with a token is a claim (token, claimed_at
    `now`, lease until `lease_until`); without one, only the status changes. Returns the
    ids whose compare-and-set held."""
    if not decisions:
        return set()
    ids = [seen.id for seen, _, _ in decisions]
    claims = {seen.id: token for seen, _, token in decisions if token is not None}
    key = Delivery.id
    n = len(set(ids))  # rows touched: a value shared by all of them is one parameter
    result = await session.execute(
        update(Delivery)
        .where(
            key.in_(ids),
            Delivery.status
            == per_row(key, {s.id: s.status for s, _, _ in decisions}, String, rows=n),
            Delivery.claim_token.is_not_distinct_from(
                per_row(key, {s.id: s.claim_token for s, _, _ in decisions}, String, rows=n)
            ),
            Delivery.lease_until.is_not_distinct_from(
                per_row(key, {s.id: s.lease_until for s, _, _ in decisions}, UTCDateTime, rows=n)
            ),
            Delivery.next_attempt_at
            == per_row(
                key, {s.id: s.next_attempt_at for s, _, _ in decisions}, UTCDateTime, rows=n
            ),
        )
        .values(
            status=per_row(key, {s.id: status.value for s, status, _ in decisions}, String, rows=n),
            claim_token=per_row(key, claims, String, Delivery.claim_token),
            claimed_at=per_row(
                key, dict.fromkeys(claims, now), UTCDateTime, Delivery.claimed_at, rows=n
            ),
            lease_until=per_row(
                key, dict.fromkeys(claims, lease_until), UTCDateTime, Delivery.lease_until, rows=n
            ),
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def mark_sending(
    session: AsyncSession, tokens: Sequence[str], lease_until: datetime
) -> set[str]:
    """Claimed rows, by their holders' tokens, become "sending" (one statement, just before
    their requests are written); returns the tokens still held (the others were taken over)."""
    if not tokens:
        return set()
    result = await session.execute(
        update(Delivery)
        .where(Delivery.claim_token.in_(tokens), Delivery.status == DeliveryStatus.CLAIMED.value)
        .values(
            status=DeliveryStatus.SENDING.value,
            lease_until=lease_until,
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.claim_token)
        .execution_options(synchronize_session=False)
    )
    return {token for token in result.scalars() if token is not None}


RECORDED_COLUMNS: dict[str, Any] = {
    "status": String,
    "sent_at": UTCDateTime,
    "message_id": BigInteger,
    "lease_until": UTCDateTime,
    "next_attempt_at": UTCDateTime,
    "attempts": SmallInteger,
    "claim_token": String,
}


async def record_many(
    session: AsyncSession,
    outcomes: Mapping[str, Mapping[str, Any]],
    expected: tuple[DeliveryStatus, ...],
) -> int:
    """Store many outcomes in one statement, each by the holder of its claim token (a
    compare-and-set on token and status). `outcomes` maps a token to the columns to set
    (keys of `RECORDED_COLUMNS`); columns a row doesn't name keep their value."""
    if not outcomes:
        return 0
    key = Delivery.claim_token
    values: dict[str, Any] = {}
    for name, type_ in RECORDED_COLUMNS.items():
        per = {token: row[name] for token, row in outcomes.items() if name in row}
        if per:
            values[name] = per_row(key, per, type_, getattr(Delivery, name), rows=len(outcomes))
    result = await session.execute(
        update(Delivery)
        .where(key.in_(list(outcomes)), Delivery.status.in_([s.value for s in expected]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


_SUMMARY_FIRST = case((Delivery.kind == DeliveryKind.WEEKLY.value, 0), else_=1)


async def claimable_with_users(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int
) -> list[tuple[Delivery, User | None]]:
    """Rows to act on now, each with its user (one statement): pending and due, or held by
    a claim whose lease has lapsed.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` (the standard queue
    pattern: concurrent dispatchers get disjoint rows without waiting on each other); on
    SQLite the caller's ``BEGIN IMMEDIATE`` transaction already excludes other writers.
    """
    query = (
        select(Delivery, User)
        .outerjoin(User, User.id == Delivery.user_id)
        .where(
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
                and_(
                    Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
                    _lease_over(now, lease),
                ),
            )
        )
        # Oldest first; of one user's rows due together (Monday: the weekly summary and the
        # reminder), the summary first, so the reminder's buttons come last in the chat.
        .order_by(Delivery.next_attempt_at, Delivery.user_id, _SUMMARY_FIRST)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return [(row[0], row[1]) for row in await session.execute(query)]


async def kinds_and_statuses(session: AsyncSession) -> dict[int, tuple[str, str]]:
    """Every delivery row's (kind, status) by id, all users (the playground compares them
    before and after a clock jump)."""
    rows = await session.execute(select(Delivery.id, Delivery.kind, Delivery.status))
    return {int(row_id): (str(kind), str(status)) for row_id, kind, status in rows}


async def prune_finished(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` finished rows whose last attempt (due instant, retry or snooze)
    came before `before`; returns how many (one statement).

    Rows still pending, claimed or sending are never deleted, however old. The rows are
    found on the ``(status, next_attempt_at)`` index, so a batch reads about `limit` index
    entries, not the table. On PostgreSQL rows another transaction holds are skipped
    (``SKIP LOCKED``: two pruning processes never wait on, or deadlock with, each other).
    """
    old = (
        select(Delivery.id)
        .where(
            Delivery.status.in_([s.value for s in FINISHED]),
            Delivery.next_attempt_at < before,
        )
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        old = old.with_for_update(skip_locked=True)
    result = await session.execute(
        delete(Delivery).where(Delivery.id.in_(old)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
