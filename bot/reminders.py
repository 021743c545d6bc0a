"""The reminder dispatcher: one periodic job for all users.

The database is the source of truth. Each run (1) turns users whose next reminder has come
into delivery rows (one per user, kind and local date, enforced by a unique key) and moves
their next-due instant to a later local date, (2) claims due deliveries in a short
transaction, (3) sends them outside any transaction and records the outcome. Nothing here
grows with the number of users except the rows actually due.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.db import deliveries, routines, users
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.models import Delivery, User
from bot.domain.reminder_plan import next_reminder
from bot.domain.schedule import local_instant, next_due
from bot.domain.timezones import load_zone

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A user's next-due moves at least one local day per pass; two passes catch up an outage.
MATERIALIZE_PASSES = 3
CLAIM_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
SEND_CONCURRENCY = 30
WEEKLY_SUMMARY_WEEKDAY = 6  # Sunday
GONE_CHAT_ERRORS = ("chat not found", "user not found", "peer_id_invalid")


class DeliverySender(Protocol):
    """Renders and sends one delivery; returns the Telegram message id."""

    async def send(self, kind: DeliveryKind, user: User, delivery: Delivery) -> int: ...


@dataclass
class DispatchReport:
    """What one dispatcher run did (for logs, tests and benchmarks)."""

    created: int = 0
    sent: int = 0  # daily reminders
    summaries_sent: int = 0  # weekly summaries
    missed: int = 0
    already_done: int = 0  # skipped: a routine was already finished that day
    retried: int = 0
    failed: int = 0
    unsubscribed: int = 0
    rate_limited: bool = False
    sent_user_ids: list[int] = field(default_factory=list)


def next_weekly_summary(user: User, now: datetime) -> datetime | None:
    """Weekly summaries go out on Sunday at the user's reminder time."""
    if not (user.subscribed and user.weekly_summary and user.reminder_time and user.time_zone):
        return None
    due = next_due(
        user.reminder_time, load_zone(user.time_zone), frozenset({WEEKLY_SUMMARY_WEEKDAY}), now
    )
    return None if due is None else due.at


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 60 s, 120 s ... between attempts after timeouts and network errors."""
    return timedelta(seconds=15 * 2 ** max(attempts - 1, 0))


class ReminderDispatcher:
    """Claims and sends due deliveries. Safe to run in several processes at once."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        sender: DeliverySender,
        grace: timedelta,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._sender = sender
        self._grace = grace
        self._paused_until: datetime | None = None
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        """Whether a run is in progress in this process."""
        return self._lock.locked()

    async def run_once(self) -> DispatchReport:
        """One pass: materialize, claim, send. Concurrent calls in one process queue up."""
        async with self._lock:
            report = DispatchReport()
            now = self._clock.now()
            if self._paused_until is not None and now < self._paused_until:
                report.rate_limited = True
                return report
            self._paused_until = None
            report.created = await self._materialize(now)
            while True:
                claimed = await self._claim(now, report)
                if not claimed:
                    break
                await self._send_all(claimed, report)
                if report.rate_limited or len(claimed) < BATCH_SIZE:
                    break
            return report

    async def _materialize(self, now: datetime) -> int:
        """Turn due users into delivery rows and move each user's next-due on.

        The following reminder is the first one at or after `now`, so one due exactly now
        after a catch-up is picked up by the next pass instead of being lost.
        """
        created = 0
        at_or_after_now = now - timedelta(microseconds=1)
        for _ in range(MATERIALIZE_PASSES):
            async with self._sessions() as session, session.begin():
                due_users = await users.due_for_reminder(session, now, BATCH_SIZE)
                for user in due_users:
                    assert user.next_due_at is not None and user.next_due_date is not None
                    if await deliveries.insert_if_absent(
                        session, user.id, DeliveryKind.DAILY, user.next_due_date, user.next_due_at
                    ):
                        created += 1
                    following = next_reminder(
                        users.prefs_of(user), at_or_after_now, done_through=user.next_due_date
                    )
                    await users.move_next_due(
                        session,
                        user.id,
                        user.next_due_at,
                        None if following is None else following.at,
                        None if following is None else following.local_date,
                    )
                weekly_users = await users.due_for_weekly(session, now, BATCH_SIZE)
                for user in weekly_users:
                    assert user.next_weekly_at is not None and user.time_zone is not None
                    local_date = user.next_weekly_at.astimezone(load_zone(user.time_zone)).date()
                    if await deliveries.insert_if_absent(
                        session, user.id, DeliveryKind.WEEKLY, local_date, user.next_weekly_at
                    ):
                        created += 1
                    await users.move_next_weekly(
                        session,
                        user.id,
                        user.next_weekly_at,
                        next_weekly_summary(user, max(at_or_after_now, user.next_weekly_at)),
                    )
            if not due_users and not weekly_users:
                break
        return created

    async def _claim(self, now: datetime, report: DispatchReport) -> list[tuple[Delivery, User]]:
        claimed: list[tuple[Delivery, User]] = []
        async with self._sessions() as session, session.begin():
            for delivery in await deliveries.claimable(session, now, now - CLAIM_LEASE, BATCH_SIZE):
                status = DeliveryStatus(delivery.status)
                if now - delivery.due_at > self._grace:
                    if await deliveries.transition(
                        session, delivery.id, status, status=DeliveryStatus.MISSED
                    ):
                        report.missed += 1
                    continue
                user = await users.get(session, delivery.user_id)
                if user is None or not user.subscribed:
                    await deliveries.transition(
                        session, delivery.id, status, status=DeliveryStatus.FAILED
                    )
                    continue
                if await self._already_stretched(session, delivery, user):
                    if await deliveries.transition(
                        session, delivery.id, status, status=DeliveryStatus.SKIPPED
                    ):
                        report.already_done += 1
                    continue
                if await deliveries.transition(
                    session,
                    delivery.id,
                    status,
                    status=DeliveryStatus.SENDING,
                    claimed_at=now,
                    attempts=delivery.attempts + 1,
                ):
                    # Already written by the compare-and-set: update the object only.
                    set_committed_value(delivery, "attempts", delivery.attempts + 1)
                    claimed.append((delivery, user))
        return claimed

    async def _already_stretched(
        self, session: AsyncSession, delivery: Delivery, user: User
    ) -> bool:
        """No daily nudge for someone who already finished a routine that local day."""
        if delivery.kind != DeliveryKind.DAILY or user.time_zone is None:
            return False
        day_start = local_instant(delivery.local_date, time(0), load_zone(user.time_zone))
        return await routines.completed_since(session, user.id, day_start)

    async def _send_all(self, claimed: list[tuple[Delivery, User]], report: DispatchReport) -> None:
        limit = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send_one(delivery: Delivery, user: User) -> None:
            async with limit:
                await self._send(delivery, user, report)

        await asyncio.gather(*(send_one(d, u) for d, u in claimed))

    async def _send(self, delivery: Delivery, user: User, report: DispatchReport) -> None:
        now = self._clock.now()
        if self._paused_until is not None:
            await self._record(delivery.id, status=DeliveryStatus.PENDING, next_attempt_at=now)
            return
        kind = DeliveryKind(delivery.kind)
        try:
            message_id = await self._sender.send(kind, user, delivery)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            self._paused_until = now + timedelta(seconds=seconds)
            report.rate_limited = True
            report.retried += 1
            logger.warning("Telegram asked to slow down: pausing sends for %.0f s", seconds)
            await self._record(
                delivery.id,
                status=DeliveryStatus.PENDING,
                next_attempt_at=self._paused_until,
                attempts=delivery.attempts - 1,
            )
        except Forbidden:
            await self._give_up(delivery, user, report, reason="blocked or deactivated")
        except BadRequest as exc:
            if any(marker in str(exc).lower() for marker in GONE_CHAT_ERRORS):
                await self._give_up(delivery, user, report, reason="chat not found")
            else:
                logger.error("Delivery %s rejected by Telegram: %s", delivery.id, exc)
                report.failed += 1
                await self._record(delivery.id, status=DeliveryStatus.FAILED)
        except NetworkError as exc:  # includes TimedOut
            if delivery.attempts >= MAX_ATTEMPTS:
                logger.error("Delivery %s failed after %s attempts", delivery.id, delivery.attempts)
                report.failed += 1
                await self._record(delivery.id, status=DeliveryStatus.FAILED)
            else:
                logger.warning("Delivery %s: %s; retrying later", delivery.id, type(exc).__name__)
                report.retried += 1
                await self._record(
                    delivery.id,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now + backoff(delivery.attempts),
                )
        except TelegramError as exc:
            logger.error("Delivery %s failed: %s", delivery.id, type(exc).__name__)
            report.failed += 1
            await self._record(delivery.id, status=DeliveryStatus.FAILED)
        except Exception:  # a bug in rendering one delivery must not stop the others
            logger.exception("Delivery %s failed unexpectedly", delivery.id)
            report.failed += 1
            await self._record(delivery.id, status=DeliveryStatus.FAILED)
        else:
            if kind is DeliveryKind.DAILY:
                report.sent += 1
                report.sent_user_ids.append(user.id)
            else:
                report.summaries_sent += 1
            await self._record(
                delivery.id, status=DeliveryStatus.SENT, sent_at=now, message_id=message_id
            )

    async def _give_up(
        self, delivery: Delivery, user: User, report: DispatchReport, *, reason: str
    ) -> None:
        """The chat is gone: unsubscribe the user (data kept) and carry on with the others."""
        logger.info("Unsubscribing user %s: %s", user.id, reason)
        report.failed += 1
        report.unsubscribed += 1
        async with self._sessions() as session, session.begin():
            await deliveries.transition(
                session, delivery.id, DeliveryStatus.SENDING, status=DeliveryStatus.FAILED
            )
            await users.unsubscribe(session, user.id)

    async def _record(self, delivery_id: int, **values: object) -> None:
        async with self._sessions() as session, session.begin():
            await deliveries.transition(session, delivery_id, DeliveryStatus.SENDING, **values)


SNOOZE = timedelta(minutes=30)


class ReminderTapOutcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # a double tap, or the other button was tapped first
    NOT_YOURS = "not_yours"  # unknown id or someone else's delivery: a forged button
    STALE = "stale"  # a routine was started after this reminder: its Snooze/Skip no longer apply


@dataclass(frozen=True)
class ReminderTap:
    outcome: ReminderTapOutcome
    delivery: Delivery | None = None


async def snooze_reminder(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, user_id: int, delivery_id: int
) -> ReminderTap:
    """Send the reminder again in 30 minutes; only once per day."""
    async with sessions() as session, session.begin():
        delivery = await deliveries.get(session, delivery_id)
        if delivery is None or delivery.user_id != user_id:
            return ReminderTap(ReminderTapOutcome.NOT_YOURS)
        if await _routine_started_after(session, delivery):
            return ReminderTap(ReminderTapOutcome.STALE, delivery)
        if delivery.snoozed or delivery.status != DeliveryStatus.SENT:
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
        again = clock.now() + SNOOZE
        if not await deliveries.transition(
            session,
            delivery.id,
            DeliveryStatus.SENT,
            status=DeliveryStatus.PENDING,
            snoozed=True,
            due_at=again,
            next_attempt_at=again,
        ):
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
        delivery.due_at = again
    return ReminderTap(ReminderTapOutcome.DONE, delivery)


async def skip_reminder(
    sessions: async_sessionmaker[AsyncSession], user_id: int, delivery_id: int
) -> ReminderTap:
    """Mark the day done without a routine (also cancels a pending snooze)."""
    async with sessions() as session, session.begin():
        delivery = await deliveries.get(session, delivery_id)
        if delivery is None or delivery.user_id != user_id:
            return ReminderTap(ReminderTapOutcome.NOT_YOURS)
        if await _routine_started_after(session, delivery):
            return ReminderTap(ReminderTapOutcome.STALE, delivery)
        if not await deliveries.transition(
            session,
            delivery.id,
            (DeliveryStatus.SENT, DeliveryStatus.PENDING),
            status=DeliveryStatus.SKIPPED,
        ):
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
    return ReminderTap(ReminderTapOutcome.DONE, delivery)


async def _routine_started_after(session: AsyncSession, delivery: Delivery) -> bool:
    """A routine started since the reminder went out answers it: Snooze/Skip are stale."""
    if delivery.sent_at is None:
        return False
    return await routines.started_since(session, delivery.user_id, delivery.sent_at)
