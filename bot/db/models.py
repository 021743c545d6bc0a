"""SQLAlchemy models. Every table that holds a user's data has a `user_id` column.

Instants are stored as naive UTC (`UTCDateTime`) so SQLite and PostgreSQL behave alike;
Python code always sees aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ALL_WEEKDAYS_MASK = 0b1111111

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


ROW_ID = BigInteger().with_variant(Integer(), "sqlite")
"""Autoincrement row ids and the foreign keys to them: BIGINT on PostgreSQL (a 32-bit
INTEGER would run out: run_steps takes ~2 million ids a day at a million users), INTEGER on
SQLite, where an INTEGER PRIMARY KEY is the table's 64-bit rowid already (a BIGINT one would
not autoincrement)."""


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person who talked to the bot, with their reminder preferences."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_time: Mapped[time | None] = mapped_column(Time)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    weekdays_mask: Mapped[int] = mapped_column(SmallInteger, default=ALL_WEEKDAYS_MASK)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    # When reminders last went from off to on (setup finished, /start or resume after
    # /stop): no weekly summary is about a week that ended before it.
    subscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders resume on this local date; NULL means not paused.
    paused_until: Mapped[date | None] = mapped_column(Date)
    paused_indefinitely: Mapped[bool] = mapped_column(Boolean, default=False)
    # The next daily reminder: the dispatcher's work list (indexed).
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_due_date: Mapped[date | None] = mapped_column(Date)
    weekly_summary: Mapped[bool] = mapped_column(Boolean, default=True)
    next_weekly_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    pain_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "No thanks" to the pain log: routines stop asking (an explicit /pain still asks).
    pain_consent_declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    default_routine: Mapped[str | None] = mapped_column(String(64))
    # The question the bot is waiting for ("time", "zone_confirm:Europe/Berlin", ...; see
    # bot/domain/questions.py), bumped on every ask and answer so old buttons go stale.
    question: Mapped[str | None] = mapped_column(String(80))
    question_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The message whose buttons answer it (they are removed once it is answered).
    question_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A share code from a deep link (/start <code>) waiting to be shown or added: kept across
    # onboarding and restarts, cleared when the routine is added or declined.
    pending_share: Mapped[str | None] = mapped_column(String(64))
    # The disclaimer and the warning signs were shown (at /start, or before the first
    # routine of someone who never finished /start): they are shown once, whatever the way in.
    safety_shown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Delivery(Base):
    """One scheduled message (daily reminder or weekly summary) for one user and local date.

    The unique key makes "exactly one reminder per user per local day" a database fact,
    so a restart in the middle of a dispatch cannot send a day's reminder twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "local_date", name="uq_deliveries_user_kind_date"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    # When a pending delivery may next be tried: its due instant, a retry, or a snooze.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The fence of the current claim: a fresh random token per claim, and when its lease
    # ends (extended while the send is in progress). Taking a row over is a compare-and-set
    # on status, token and lease together, so two dispatchers never hold one row.
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    snoozed: Mapped[bool] = mapped_column(Boolean, default=False)


class PausePeriod(Base):
    """Local dates a user paused reminders: paused days never break a streak."""

    __tablename__ = "pause_periods"

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    # Last paused local date, inclusive; NULL while paused until resumed.
    end_date: Mapped[date | None] = mapped_column(Date)


class RoutineRun(Base):
    """One pass through a routine. The step pointer lives here, so a restart resumes it."""

    __tablename__ = "routine_runs"
    __table_args__ = (
        # One active routine per user, enforced by the database.
        Index(
            "uq_routine_runs_one_active",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    routine_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    # Where the user is: "before" (pain check), "step", "after" (pain check), "done".
    phase: Mapped[str] = mapped_column(String(16))
    step_index: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Bumped on every transition; buttons carry it so a stale or double tap is detected.
    version: Mapped[int] = mapped_column(Integer, default=0)
    easier: Mapped[bool] = mapped_column(Boolean, default=False)
    steps_done: Mapped[int] = mapped_column(SmallInteger, default=0)
    steps_skipped: Mapped[int] = mapped_column(SmallInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message showing the run (its buttons are removed when the step changes) and the
    # version it shows. Behind `version` when sending the current step failed: the next tap
    # on any of the run's buttons, or any text, sends it again.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    shown_version: Mapped[int | None] = mapped_column(Integer)
    # A running hold timer: which hold (side × set) and when it ends; ticks edit the message.
    timer_round: Mapped[int | None] = mapped_column(SmallInteger)
    timer_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    timer_last_edit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The steps as the user's program gave them when the run started (JSON, see
    # bot/services/program.py), so a run never changes under the user's feet.
    plan: Mapped[str | None] = mapped_column(Text)
    # The answer to "How was it?" (bot/domain/program.py Feedback), once.
    feedback: Mapped[str | None] = mapped_column(String(8))
    # A user routine (routine_id "u-<id>") as it was when the run started: title, promises
    # and items as JSON, so editing or deleting the routine never changes a run under way.
    custom_routine: Mapped[str | None] = mapped_column(Text)


class RunStep(Base):
    """How one stretch of a run ended (done, skipped, "It hurts") and in which version:
    what the program's rules need, one row per stretch finished."""

    __tablename__ = "run_steps"
    __table_args__ = (UniqueConstraint("run_id", "step_index", name="uq_run_steps_run_step"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int] = mapped_column(ROW_ID, ForeignKey("routine_runs.id", ondelete="CASCADE"))
    step_index: Mapped[int] = mapped_column(SmallInteger)
    stretch_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    chose_easier: Mapped[bool] = mapped_column(Boolean, default=False)
    easier_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgramStretch(Base):
    """A user's program for one stretch (bot/domain/program.py StretchState); no row
    means the content's dose."""

    __tablename__ = "program_stretches"
    __table_args__ = (
        UniqueConstraint("user_id", "stretch_id", name="uq_program_stretches_user_stretch"),
    )

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    stretch_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(SmallInteger, default=0)
    ease: Mapped[str | None] = mapped_column(String(8))
    eased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    easier_streak: Mapped[int] = mapped_column(SmallInteger, default=0)
    easier_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comfortable: Mapped[int] = mapped_column(SmallInteger, default=0)
    comfortable_day: Mapped[date | None] = mapped_column(Date)
    too_easy: Mapped[int] = mapped_column(SmallInteger, default=0)
    grown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(16))
    previous_level: Mapped[int | None] = mapped_column(SmallInteger)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProgramHold(Base):
    """Until when a user's program doesn't grow (a hold back froze it)."""

    __tablename__ = "program_holds"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    frozen_until: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgramChange(Base):
    """One change the program made (grew, held back, eased off, reset ...): the week's
    list in the weekly summary and the "why" in My program."""

    __tablename__ = "program_changes"

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    stretch_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    from_level: Mapped[int] = mapped_column(SmallInteger)
    to_level: Mapped[int] = mapped_column(SmallInteger)


class MyRoutine(Base):
    """A routine a user made (or added from a share link); also the builder's draft.

    Its id elsewhere (runs, the reminder's default, buttons) is ``u-<id>``
    (`bot.domain.my_routines`). A draft is not listed; a draft with `edits` set replaces
    that routine when saved.
    """

    __tablename__ = "my_routines"

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(64))
    # The stretches in order, as JSON (`bot.domain.my_routines.items_to_json`).
    items: Mapped[str] = mapped_column(Text)
    no_floor: Mapped[bool] = mapped_column(Boolean, default=False)
    gentle: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether doses may grow (issue #14's progression); off for a link's prescribed doses
    # unless the user allowed it when adding.
    progress: Mapped[bool] = mapped_column(Boolean, default=True)
    from_link: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    edits: Mapped[int | None] = mapped_column(ROW_ID)
    # Bumped on every change; the builder's buttons carry it (stale and double taps).
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PainEntry(Base):
    """One pain level 0-10. Only the number, when, in what context and (optionally) where."""

    __tablename__ = "pain_entries"

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[int] = mapped_column(SmallInteger)
    context: Mapped[str] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(16))
    routine_run_id: Mapped[int | None] = mapped_column(
        ROW_ID, ForeignKey("routine_runs.id", ondelete="CASCADE")
    )


class MediaFile(Base):
    """Telegram's file_id for an uploaded illustration, so each image is uploaded once."""

    __tablename__ = "media_files"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(256))


class GroupNote(Base):
    """When a group last got the "private chats only" note (bot/handlers/chats.py): at most
    one per group every `GROUP_REPLY_INTERVAL`, across restarts and processes. No user is
    named; rows older than the interval are pruned whenever a note is sent."""

    __tablename__ = "group_notes"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateShare(Base):
    """One dispatching process's share of its bot token's broadcast budget (PostgreSQL).

    `share` counts for the others while the process is live (`lease_until` ahead) and, after
    it died, until every message it may have released has reached Telegram; a share it gave
    up keeps counting as `previous_share` until `previous_until`. See bot/botapi/budget.py.
    """

    __tablename__ = "rate_shares"

    process_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    bot_key: Mapped[int] = mapped_column(BigInteger, index=True)
    share: Mapped[int] = mapped_column(SmallInteger)
    previous_share: Mapped[int] = mapped_column(SmallInteger)
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime)


USER_TABLES: tuple[type[Base], ...] = (
    RunStep,
    ProgramStretch,
    ProgramHold,
    ProgramChange,
    PainEntry,
    RoutineRun,
    Delivery,
    PausePeriod,
    MyRoutine,
    User,
)
"""Every table holding a user's rows, children first: what /delete erases."""
