"""Subscribing, onboarding and settings: every change re-plans the next reminder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import deliveries, users
from bot.db.deliveries import DeliveryKind
from bot.db.engine import engine_of
from bot.db.models import PausePeriod, User
from bot.domain.questions import Kind, Question, decode, encode
from bot.domain.reminder_plan import (
    ALL_WEEKDAYS,
    first_paused_day,
    local_today,
    mask_from_weekdays,
    promised_reminder,
    subscribed_since,
    weekdays_from_mask,
)
from bot.reminders import next_weekly_summary
from bot.upcoming import Planned, next_sent_reminder

PAUSE_CHOICES = (1, 3, 7)


class UnknownUser(Exception):
    """The user has no row yet (they never sent /start)."""


@dataclass(frozen=True)
class Greeting:
    user: User
    is_new: bool


class Preferences:
    """Reads and changes a user's reminder preferences."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        write_sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self._reads = session_factory
        self._engine = engine_of(session_factory)
        # Changes read the user, then write: BEGIN IMMEDIATE on SQLite, a row lock on
        # PostgreSQL, so a change and the dispatcher never plan from each other's stale view.
        self._sessions = write_sessions or session_factory
        self._clock = clock

    async def greet(self, user_id: int, chat_id: int) -> Greeting:
        """First contact creates an empty row; later contacts never wipe anything. A known
        user in the same chat costs one plain read (no write lock: /stretch at 8 a.m.)."""
        async with self._reads() as session:
            known = await users.get(session, user_id)
        if known is not None and known.chat_id == chat_id:
            return Greeting(user=known, is_new=False)
        async with self._sessions() as session, session.begin():
            user, created = await users.get_or_create(session, user_id, chat_id, self._clock.now())
        return Greeting(user=user, is_new=created)

    async def get(self, user_id: int) -> User | None:
        async with self._reads() as session:
            return await users.get(session, user_id)

    async def safety_shown(self, user_id: int, shown: bool = True) -> bool:
        """Note that the disclaimer and the warning signs were shown (or, `shown=False`,
        that they never arrived); True when this changed it: show them now."""
        async with self._sessions() as session, session.begin():
            return await users.mark_safety_shown(session, user_id, shown)

    # --- the open question (bot/domain/questions.py) ------------------------------------

    async def question(self, user_id: int) -> Question | None:
        """The question the bot is waiting for an answer to, if any. A plain read: it runs
        before every command and routine button, so it never takes SQLite's write lock."""
        async with self._engine.connect() as connection:  # a Core read: no ORM session
            fields = await users.question_fields(connection, user_id)
        return None if fields is None else decode(*fields)

    async def ask(
        self, user_id: int, kind: Kind, argument: str = ""
    ) -> tuple[int, Question | None]:
        """Open a question (replacing any other): (its sequence number, the replaced one)."""
        async with self._sessions() as session, session.begin():
            return await users.open_question(session, user_id, encode(kind, argument))

    async def question_shown(self, user_id: int, seq: int, message_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await users.question_shown(session, user_id, seq, message_id)

    async def close_question(self, user_id: int, question: Question | None = None) -> bool:
        """Close `question` if it is still the open one (any open question when None).

        Returns False when it was already answered or replaced: the caller's button or
        text came too late and must change nothing.
        """
        async with self._sessions() as session, session.begin():
            if question is None:
                return await users.close_question(session, user_id, None, None)
            stored = encode(question.kind, question.argument)
            return await users.close_question(session, user_id, question.seq, stored)

    async def set_reminder_time(self, user_id: int, at: time) -> User:
        return await self._change(user_id, lambda user: setattr(user, "reminder_time", at))

    async def set_time_zone(self, user_id: int, zone_key: str) -> User:
        return await self._change(user_id, lambda user: setattr(user, "time_zone", zone_key))

    async def finish_onboarding(self, user_id: int) -> User:
        def finish(user: User) -> None:
            user.onboarded = True
            user.subscribed = True

        return await self._change(user_id, finish)

    async def subscribe(self, user_id: int) -> User:
        return await self._change(user_id, lambda user: setattr(user, "subscribed", True))

    async def unsubscribe(self, user_id: int) -> User:
        """/stop: no more reminders, a waiting snooze included; the data stays."""
        async with self._sessions() as session, session.begin():
            user = await self._load(session, user_id)
            user.subscribed = False
            await deliveries.cancel_snoozes(session, user_id)
            await self._replan(session, user)
        return user

    async def next_sent(self, user: User) -> Planned | None:
        """The next daily reminder the dispatcher will really send (a snoozed one included),
        skipping what it would skip: a day the user already stretched, paused days
        (`bot.upcoming`); None when none is planned in the next 31 days."""
        async with self._reads() as session:
            found = await next_sent_reminder(
                session, user, self._clock.now(), horizon=timedelta(days=31)
            )
        return found.reminder

    async def toggle_weekday(self, user_id: int, weekday: int) -> User:
        """Flip one weekday; the last remaining day can't be switched off (use pause)."""
        if weekday not in ALL_WEEKDAYS:
            raise ValueError("weekday must be 0..6")

        def toggle(user: User) -> None:
            days = set(weekdays_from_mask(user.weekdays_mask))
            days.symmetric_difference_update({weekday})
            if days:
                user.weekdays_mask = mask_from_weekdays(frozenset(days))

        return await self._change(user_id, toggle)

    async def set_default_routine(self, user_id: int, routine_id: str) -> User:
        """The routine the reminder's "Start routine" opens (and /stretch stars)."""
        return await self._change(
            user_id, lambda user: setattr(user, "default_routine", routine_id)
        )

    async def set_weekly_summary(self, user_id: int, enabled: bool) -> User:
        return await self._change(user_id, lambda user: setattr(user, "weekly_summary", enabled))

    async def pause(self, user_id: int, days: int | None) -> User:
        """Pause for `days` local days, or until resumed when None. A timed pause covers
        `days` days from today while today's reminder is still to come (or snoozed),
        otherwise from tomorrow (`first_paused_day`): it always skips that many days' reminders; its
        resume date is `paused_until`."""
        if days is not None and days not in PAUSE_CHOICES:
            raise ValueError(f"pause must be one of {PAUSE_CHOICES}")
        async with self._sessions() as session, session.begin():
            user = await self._load(session, user_id)
            first = today = self._today(user)
            snoozed = await deliveries.cancel_snoozes(session, user_id)
            if days is not None and today not in snoozed:  # a snoozed one today: covered
                last_daily = await self._last_daily(session, user.id)
                first = first_paused_day(users.prefs_of(user), self._clock.now(), last_daily)
            await self._close_pause(session, user_id, first - timedelta(days=1))
            if days is None:
                user.paused_indefinitely = True
                user.paused_until = None
                session.add(PausePeriod(user_id=user_id, start_date=first, end_date=None))
            else:
                user.paused_indefinitely = False
                user.paused_until = first + timedelta(days=days)
                session.add(
                    PausePeriod(
                        user_id=user_id,
                        start_date=first,
                        end_date=first + timedelta(days=days - 1),
                    )
                )
            await self._replan(session, user)
        return user

    async def resume(self, user_id: int) -> User:
        """Reminders on again: ends a pause and undoes /stop."""
        async with self._sessions() as session, session.begin():
            user = await self._load(session, user_id)
            today = self._today(user)
            await self._close_pause(session, user_id, today - timedelta(days=1))
            was_subscribed = user.subscribed
            user.subscribed = True
            await self._note_subscribed(session, user, was_subscribed)
            user.paused_indefinitely = False
            user.paused_until = None
            await self._replan(session, user)
        return user

    async def _close_pause(self, session: AsyncSession, user_id: int, last_day: date) -> None:
        """End an ongoing pause yesterday, so today counts normally again."""
        period = await users.open_pause(session, user_id)
        if period is None:
            return
        if period.end_date is None or period.end_date > last_day:
            if last_day < period.start_date:
                await session.delete(period)
            else:
                period.end_date = last_day

    async def _change(self, user_id: int, mutate: Callable[[User], None]) -> User:
        async with self._sessions() as session, session.begin():
            user = await self._load(session, user_id)
            was_subscribed = user.subscribed
            mutate(user)
            await self._note_subscribed(session, user, was_subscribed)
            await self._replan(session, user)
        return user

    async def _note_subscribed(
        self, session: AsyncSession, user: User, was_subscribed: bool
    ) -> None:
        """Remember when reminders went from off to on (the weekly summary's first week):
        a /stop and /start within one week keeps the earlier moment (`subscribed_since`)."""
        if not user.subscribed or was_subscribed:
            return
        now = self._clock.now()
        last_daily = None
        if user.subscribed_at is not None:
            last_daily = await deliveries.last_local_date(
                session, user.id, DeliveryKind.DAILY, now.date() - timedelta(days=8)
            )
        user.subscribed_at = subscribed_since(user.subscribed_at, now, user.time_zone, last_daily)

    async def _load(self, session: AsyncSession, user_id: int) -> User:
        user = await users.get_for_update(session, user_id)
        if user is None:
            raise UnknownUser(user_id)
        return user

    def _today(self, user: User) -> date:
        now = self._clock.now()
        return now.date() if user.time_zone is None else local_today(user.time_zone, now)

    async def _last_daily(self, session: AsyncSession, user_id: int) -> date | None:
        """The latest local date that has a daily reminder row (`promised_reminder`)."""
        # Any local date a reminder could fall on now is at most a day before UTC's today.
        since = self._clock.now().date() - timedelta(days=2)
        return await deliveries.last_local_date(session, user_id, DeliveryKind.DAILY, since)

    async def _replan(self, session: AsyncSession, user: User) -> None:
        """Recompute when the next reminder and weekly summary are due.

        Accounts for what was already sent: never a second reminder on a local date that
        had one, never a date before it (`promised_reminder`), whatever the change.
        """
        now: datetime = self._clock.now()
        if not user.onboarded:
            user.next_due_at = user.next_due_date = user.next_weekly_at = None
            return
        since = now.date() - timedelta(days=2)
        last_daily = await self._last_daily(session, user.id)
        due = promised_reminder(users.prefs_of(user), now, last_daily)
        user.next_due_at = None if due is None else due.at
        user.next_due_date = None if due is None else due.local_date
        # A week back: the last summary's week must never get another one.
        last_weekly = await deliveries.last_local_date(
            session, user.id, DeliveryKind.WEEKLY, since - timedelta(days=7)
        )
        user.next_weekly_at = next_weekly_summary(user, now, last_weekly)
