"""What the reminder dispatcher will do next for one user, worked out without sending.

The dispatcher plans from each user's stored `next_due_at` / `next_weekly_at` and moves
them on with `bot.domain.reminder_plan.next_reminder` and `bot.reminders.next_weekly_summary`;
at claim time `bot.reminders.skips` decides whether a due reminder is sent or skipped.
This module follows the same functions forward, so a preview ("your next reminder",
the playground's clock jumps) agrees with what the dispatcher then does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import deliveries, routines
from bot.db.deliveries import DeliveryKind
from bot.db.models import User
from bot.db.users import prefs_of
from bot.domain.reminder_plan import next_reminder
from bot.domain.schedule import local_date_of, local_instant
from bot.domain.timezones import load_zone
from bot.reminders import next_weekly_summary, skips

# A reminder every local day at most: this bounds how far a preview follows the plan.
MAX_STEPS = 400


@dataclass(frozen=True)
class Planned:
    """One delivery the dispatcher will create: its kind, due instant (UTC) and local date."""

    kind: DeliveryKind
    at: datetime
    local_date: date
    snoozed: bool = False


def planned_deliveries(user: User, until: datetime) -> list[Planned]:
    """The user's daily reminders and weekly summaries due from their stored next ones up to
    `until` (inclusive), in time order; [] when none is planned or the user has no zone."""
    if user.time_zone is None:
        return []
    zone = load_zone(user.time_zone)
    planned: list[Planned] = []
    prefs = prefs_of(user)
    at, day = user.next_due_at, user.next_due_date
    for _ in range(MAX_STEPS):
        if at is None or at > until:
            break
        day = day or local_date_of(at, zone)
        planned.append(Planned(DeliveryKind.DAILY, at, day))
        following = next_reminder(prefs, at, done_through=day)
        at, day = (None, None) if following is None else (following.at, following.local_date)
    weekly = user.next_weekly_at
    for _ in range(MAX_STEPS):
        if weekly is None or weekly > until:
            break
        weekly_day = local_date_of(weekly, zone)
        planned.append(Planned(DeliveryKind.WEEKLY, weekly, weekly_day))
        weekly = next_weekly_summary(user, weekly, weekly_day)
    return sorted(planned, key=lambda p: (p.at, p.kind))


async def pending_snooze(session: AsyncSession, user: User) -> Planned | None:
    """A snoozed reminder waiting to be sent again, if any."""
    due = await deliveries.pending_snooze(session, user.id)
    if due is None or user.time_zone is None:
        return None
    return Planned(DeliveryKind.DAILY, due, local_date_of(due, load_zone(user.time_zone)), True)


async def will_be_sent(session: AsyncSession, user: User, planned: Planned, now: datetime) -> bool:
    """Whether the dispatcher will send `planned` rather than skip it (`bot.reminders.skips`),
    as far as is known at `now`: a routine finished later that day would still skip it."""
    stretched = False
    if planned.kind == DeliveryKind.DAILY and user.time_zone is not None:
        day_start = local_instant(planned.local_date, time(0), load_zone(user.time_zone))
        if day_start <= now:
            stretched = user.id in await routines.completed_since_many(
                session, {user.id: day_start}
            )
    return not skips(user, planned.kind, planned.local_date, stretched=stretched)


@dataclass(frozen=True)
class NextReminder:
    """The next daily reminder that will be sent, and the planned ones skipped before it."""

    reminder: Planned | None
    skipped: list[Planned]

    @property
    def reminder_at(self) -> datetime | None:
        return None if self.reminder is None else self.reminder.at


async def next_sent_reminder(
    session: AsyncSession, user: User, now: datetime, horizon: timedelta = timedelta(days=14)
) -> NextReminder:
    """The user's next daily reminder (a snoozed one included) the dispatcher will send,
    looking at most `horizon` ahead; `reminder` is None when none is planned in it."""
    candidates = [
        p for p in planned_deliveries(user, now + horizon) if p.kind == DeliveryKind.DAILY
    ]
    snooze = await pending_snooze(session, user)
    if snooze is not None:
        candidates.append(snooze)
    skipped: list[Planned] = []
    for planned in sorted(candidates, key=lambda p: p.at):
        if await will_be_sent(session, user, planned, now):
            return NextReminder(planned, skipped)
        skipped.append(planned)
    return NextReminder(None, skipped)
