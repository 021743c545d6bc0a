"""Aggregate counts for operators: no per-user rows, no pain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Delivery, RoutineRun, User


@dataclass(frozen=True)
class BotStats:
    users: int
    subscribed: int
    paused: int
    reminders_sent: int
    routines_completed: int


async def bot_stats(session: AsyncSession, now: datetime, window: timedelta) -> BotStats:
    """Totals now, and reminders sent / routines completed within `window` before `now`."""
    since = now - window
    today = now.date()  # UTC: close enough for an operator's count of paused users

    async def count(statement: object) -> int:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]

    return BotStats(
        users=await count(select(func.count()).select_from(User)),
        subscribed=await count(select(func.count()).where(User.subscribed.is_(True))),
        paused=await count(
            select(func.count()).where(
                User.subscribed.is_(True),
                (User.paused_indefinitely.is_(True)) | (User.paused_until > today),
            )
        ),
        reminders_sent=await count(
            select(func.count()).where(Delivery.status == "sent", Delivery.sent_at >= since)
        ),
        routines_completed=await count(
            select(func.count()).where(
                RoutineRun.status == "completed", RoutineRun.finished_at >= since
            )
        ),
    )
