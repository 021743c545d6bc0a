"""Create a bot database and fill it with subscribed users, fast.

Users are planned with the bot's own rules (`users.prefs_of`, `next_reminder`,
`next_weekly_summary`, exactly what `Preferences` does after onboarding) and written with
one bulk INSERT per batch instead of being onboarded through chat one by one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.db import users
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import ALL_WEEKDAYS_MASK, User
from bot.domain.reminder_plan import next_reminder
from bot.reminders import next_weekly_summary

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday; the clock when users are seeded
DUE = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # when the "all due" users' reminders are due
FIRST_USER_ID = 200_000_001
INSERT_BATCH = 5_000

# Local reminder times that are all 07:00 UTC on Monday 2026-03-02 in eight zones, none of
# them in a DST change that week. All are on Monday locally, the weekly summary's day: the
# users subscribed at the seed's `now`, so their first summary is a week later and never
# adds a second message in the measured minute.
SAME_INSTANT: tuple[tuple[str, time], ...] = (
    ("UTC", time(7, 0)),
    ("Europe/London", time(7, 0)),
    ("Europe/Berlin", time(8, 0)),
    ("America/New_York", time(2, 0)),
    ("America/Sao_Paulo", time(4, 0)),
    ("Asia/Kolkata", time(12, 30)),
    ("Asia/Tokyo", time(16, 0)),
    ("Australia/Sydney", time(18, 0)),
)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def user_ids(n: int) -> range:
    return range(FIRST_USER_ID, FIRST_USER_ID + n)


def user_row(user_id: int, at: time, zone: str, now: datetime) -> dict[str, Any]:
    """The row onboarding would leave behind: subscribed, every weekday, planned as of now."""
    user = User(
        id=user_id,
        chat_id=user_id,
        created_at=now - timedelta(days=30),
        reminder_time=at,
        time_zone=zone,
        weekdays_mask=ALL_WEEKDAYS_MASK,
        subscribed=True,
        subscribed_at=now,
        onboarded=True,
        paused_until=None,
        paused_indefinitely=False,
        weekly_summary=True,
        pain_consent_at=None,
        default_routine=None,
    )
    due = next_reminder(users.prefs_of(user), now)
    return {
        "id": user.id,
        "chat_id": user.chat_id,
        "created_at": user.created_at,
        "reminder_time": at,
        "time_zone": zone,
        "weekdays_mask": user.weekdays_mask,
        "subscribed": True,
        "subscribed_at": now,
        "onboarded": True,
        "paused_until": None,
        "paused_indefinitely": False,
        "next_due_at": None if due is None else due.at,
        "next_due_date": None if due is None else due.local_date,
        "weekly_summary": True,
        "next_weekly_at": next_weekly_summary(user, now),
        "pain_consent_at": None,
        "default_routine": None,
    }


def spread_rows(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Users with reminder times spread over the day in the eight zones."""
    rng = random.Random(seed)
    for user_id in user_ids(n):
        zone = rng.choice(SAME_INSTANT)[0]
        at = time(rng.randrange(24), rng.randrange(60))
        yield user_row(user_id, at, zone, START)


def due_rows(n: int) -> Iterator[dict[str, Any]]:
    """Users whose reminders are all due at DUE (07:00 UTC), in eight zones."""
    for i, user_id in enumerate(user_ids(n)):
        zone, at = SAME_INSTANT[i % len(SAME_INSTANT)]
        row = user_row(user_id, at, zone, START)
        if row["next_due_at"] != DUE:
            raise AssertionError(f"{zone} {at} is due {row['next_due_at']}, not {DUE}")
        yield row


@dataclass(frozen=True)
class SeededDatabase:
    url: str
    path: Path
    users: int

    @property
    def size_mib(self) -> float:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{self.path}{suffix}")
            if candidate.exists():
                total += candidate.stat().st_size
        return total / 1024 / 1024


async def create_database(path: Path, n: int, *, all_due: bool) -> SeededDatabase:
    """A migrated database file with n subscribed users."""
    url = sqlite_url(path)
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        rows = due_rows(n) if all_due else spread_rows(n)
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == INSERT_BATCH:
                async with sessions() as session, session.begin():
                    await session.execute(insert(User), batch)
                batch = []
        if batch:
            async with sessions() as session, session.begin():
                await session.execute(insert(User), batch)
        async with sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(User))
        if stored != n:
            raise AssertionError(f"seeded {stored} users, expected {n}")
    finally:
        await engine.dispose()
    return SeededDatabase(url=url, path=path, users=n)
