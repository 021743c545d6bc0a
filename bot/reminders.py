"""The reminder dispatcher: one periodic job for all users, at most once per user and day.

The database is the source of truth. Each run (1) turns users whose next reminder has come
into delivery rows (one per user, kind and local date, enforced by a unique key) and moves
their next-due instant to a later local date, (2) claims due rows a few at a time, each
with its own random token and lease, (3) marks a row "sending" (fenced by its token) just
before its request is written, sends outside any transaction and records the outcome.

At most once: a row found "sending" after its lease lapsed may have reached Telegram, so it
becomes "uncertain" and is never sent again; only sends that provably never reached
Telegram (`bot.botapi.outcome`) are retried. A crash can therefore lose at most the sends
in flight in that process (`IN_FLIGHT`); rows it had only claimed are taken over after the
lease. Recording an outcome never gives up: the result is kept in memory and retried with
backoff while the database is away, with one log line per outage.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.botapi.outcome import SendOutcome, classify
from bot.clock import Clock
from bot.db import deliveries, routines, users
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.models import Delivery, User
from bot.domain.reminder_plan import next_reminder
from bot.domain.schedule import local_instant, next_due, next_due_after_date
from bot.domain.timezones import load_zone

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A user's next-due moves at least one local day per pass; two passes catch up an outage.
MATERIALIZE_PASSES = 3
CLAIM_LEASE = timedelta(minutes=2)
# Sends in flight per process: the most one crash can lose (their outcome is unknown).
IN_FLIGHT = 8
# Rows claimed per claim transaction, times `in_flight` (held, not yet sending: taken over
# with an apology after a crash).
CLAIM_BATCH_FACTOR = 2
# A finished send's outcome is recorded with the next group, or after this long.
RECORD_WITHIN_S = 1.0
MAX_ATTEMPTS = 5
# Weekly summaries go out on Monday, about the Monday-Sunday week that just ended.
WEEKLY_SUMMARY_WEEKDAY = 0  # Monday
# A reminder this late, or delayed by a database outage or a crashed process, says sorry.
LATE_APOLOGY_AFTER = timedelta(minutes=5)
# Recording an outcome: retry forever while running, backing off up to this long...
RECORD_BACKOFF_MAX_S = 5.0
# ...and for at most this long once the bot is stopping.
STOP_FLUSH_S = 20.0
# Finished rows older than the retention are deleted after a pass's sends, in batches of
# this many rows (one short write transaction each), at most this many batches a pass;
# once caught up, again after PRUNE_EVERY.
PRUNE_BATCH = 500
PRUNE_BATCHES_PER_PASS = 10
PRUNE_EVERY = timedelta(hours=1)

T = TypeVar("T")


class NotStarted(Exception):
    """A send that ended before its request was written (retried like one that failed
    before the request; `bot.botapi.outcome.classify`: not a Telegram error)."""


class DeliverySender(Protocol):
    """Renders and sends one delivery; returns the Telegram message id.

    `late` asks for a short apology line (the reminder was held up by a fault).
    """

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int: ...


@runtime_checkable
class PreparingSender(DeliverySender, Protocol):
    """A sender that reads what its messages need for a whole claim at once.

    `prepare` is called with each claim's rows (outside any transaction) before they are
    sent; if it fails the sends still go out, each reading for itself.
    """

    async def prepare(self, claimed: Sequence[tuple[Delivery, User]]) -> None: ...


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
    uncertain: int = 0  # may or may not have reached Telegram: recorded, never re-sent
    taken_over: int = 0  # claims of a stopped or crashed dispatcher picked up after the lease
    fenced_out: int = 0  # rows another dispatcher took over before this one could send them
    apologized: int = 0  # sent late with an apology line
    pruned: int = 0  # finished rows past the retention deleted
    rate_limited: bool = False
    database_down: bool = False
    sent_user_ids: list[int] = field(default_factory=list)


@dataclass
class Claim:
    """A row this process holds: the row as claimed, its user and the claim's token."""

    delivery: Delivery
    user: User
    token: str
    late: bool
    taken_over: bool = False


@dataclass
class Sent:
    """A finished request: the message id, or the error it ended with."""

    claim: Claim
    message_id: int | None
    error: BaseException | None


@dataclass
class Outcome:
    """What to record for a claim once its send finished (columns of its row)."""

    claim: Claim
    values: dict[str, Any]
    unsubscribe: bool = False


def _released(claim: Claim, next_attempt_at: datetime, attempts: int) -> Outcome:
    """Back to pending: this attempt provably never reached Telegram."""
    return Outcome(
        claim,
        {
            "status": DeliveryStatus.PENDING,
            "next_attempt_at": next_attempt_at,
            "attempts": attempts,
            "claim_token": None,
            "lease_until": None,
        },
    )


def summary_week(local_date: date) -> tuple[date, date]:
    """The local Monday and Sunday of the week a summary dated `local_date` is about.

    A Monday's summary is about the week that ended the day before. A summary dated a
    Sunday (planned before summaries moved to Monday) was about its own week.
    """
    if local_date.weekday() == 6:
        end = local_date
    else:
        end = local_date - timedelta(days=local_date.weekday() + 1)
    return end - timedelta(days=6), end


def next_weekly_summary(
    user: User, now: datetime, done_through: date | None = None
) -> datetime | None:
    """When the next weekly summary goes out (UTC), or None when none is wanted.

    On Monday at the user's reminder time (local, DST-correct, whatever reminder days they
    chose), about the Monday-Sunday week that just ended. At most one summary per week:
    `done_through` is the local date of the last summary, and no later summary is about
    its week or an earlier one (a summary dated a Sunday, from before the move to Monday,
    counts for the week it ended, so the move neither repeats nor skips a week). Never
    about a week that ended before `user.subscribed_at`'s local date: someone who
    subscribes (again) on a Monday morning hears about their first week a week later.
    """
    if not (user.subscribed and user.weekly_summary and user.reminder_time and user.time_zone):
        return None
    zone = load_zone(user.time_zone)
    mondays = frozenset({WEEKLY_SUMMARY_WEEKDAY})
    # The summary's local date must come after this one (a Monday covers the days before).
    after: date | None = None
    if done_through is not None:
        after = summary_week(done_through)[1] + timedelta(days=1)
    if user.subscribed_at is not None:
        joined = user.subscribed_at.astimezone(zone).date()
        after = joined if after is None else max(after, joined)
    due = next_due(user.reminder_time, zone, mondays, now)
    if due is not None and after is not None and due.local_date <= after:
        due = next_due_after_date(user.reminder_time, zone, mondays, after)
    return None if due is None else due.at


def skips(user: User, kind: str, local_date: date, *, stretched: bool) -> bool:
    """Whether a due delivery is recorded "skipped" instead of sent.

    Only daily reminders are skipped: on a local date the user paused (after the reminder
    was planned) or on which they already finished a routine (`stretched`). Weekly
    summaries always go out. The dispatcher decides with this when it claims a row; the
    playground uses it to find the next reminder that will really come.
    """
    if kind != DeliveryKind.DAILY:
        return False
    return (
        stretched
        or user.paused_indefinitely
        or (user.paused_until is not None and local_date < user.paused_until)
    )


def backoff(attempts: int) -> timedelta:
    """15 s, 30 s, 60 s, 120 s ... between attempts that provably never reached Telegram."""
    return timedelta(seconds=15 * 2 ** max(attempts - 1, 0))


def _error_name(exc: BaseException) -> str:
    """A short name for logs: the driver's error class, never SQL parameters or message text."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return type(exc).__name__
    # PostgreSQL's SQLSTATE (e.g. 40P01 deadlock, 57P01 shutdown) says what happened.
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    detail = f"{type(orig).__name__}, SQLSTATE {code}" if code else type(orig).__name__
    return f"{type(exc).__name__}({detail})"


class OutageLog:
    """One warning when the database becomes unavailable, one when it is back.

    Also remembers the last outage, so reminders it held up can carry an apology.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.since: datetime | None = None
        self.last_ended: datetime | None = None
        self.failures = 0

    def failed(self, exc: BaseException, doing: str) -> None:
        self.failures += 1
        if self.since is None:
            self.since = self._clock.now()
            logger.warning(
                "Database unavailable while %s (%s): sends paused, outcomes kept in memory, "
                "retrying until it is back",
                doing,
                _error_name(exc),
            )

    def ok(self) -> None:
        if self.since is not None:
            now = self._clock.now()
            logger.warning(
                "Database back after %.0f s (%s failed attempts); dispatch resumes",
                (now - self.since).total_seconds(),
                self.failures,
            )
            self.since, self.last_ended, self.failures = None, now, 0

    def held_up(self, due_at: datetime) -> bool:
        """Whether an outage was going on, or ended, after `due_at`."""
        return self.since is not None or (self.last_ended is not None and self.last_ended > due_at)


class ReminderDispatcher:
    """Claims and sends due deliveries. Safe to run in any number of processes at once."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        sender: DeliverySender,
        grace: timedelta,
        *,
        write_sessions: async_sessionmaker[AsyncSession] | None = None,
        lease: timedelta = CLAIM_LEASE,
        in_flight: int = IN_FLIGHT,
        claim_batch: int | None = None,
        retention: timedelta | None = None,
        prune_batch: int = PRUNE_BATCH,
        prune_batches: int = PRUNE_BATCHES_PER_PASS,
    ) -> None:
        self._sessions = session_factory
        # Read-then-write transactions: BEGIN IMMEDIATE on SQLite.
        self._writes = write_sessions or session_factory
        self._clock = clock
        self._sender = sender
        self._preparing = sender if isinstance(sender, PreparingSender) else None
        self._grace = grace
        self._lease = lease
        self._in_flight = in_flight
        self._claim_batch = claim_batch or CLAIM_BATCH_FACTOR * in_flight
        self._paused_until: datetime | None = None
        self._lock = asyncio.Lock()
        self._buffer: list[Claim] = []  # claimed and prepared: sent in this order
        self._unready: list[Claim] = []  # claimed, the sender still preparing them
        self._exhausted = False
        # One write transaction at a time from this process (claiming runs beside the
        # sends): on SQLite two would only wait for each other's lock in the driver.
        self._turn = asyncio.Lock()
        self._held: set[str] = set()  # tokens of claimed or sending rows (lease heartbeats)
        self._keep_going: Callable[[], bool] = lambda: True
        self.outage = OutageLog(clock)
        # None keeps every row forever.
        self._retention = retention
        self._prune_batch = prune_batch
        self._prune_batches = prune_batches
        self._next_prune_at: datetime | None = None

    @property
    def busy(self) -> bool:
        """Whether a run is in progress in this process."""
        return self._lock.locked()

    @property
    def lease(self) -> timedelta:
        return self._lease

    async def run_once(self, keep_going: Callable[[], bool] | None = None) -> DispatchReport:
        """One pass: materialize, then claim and send until nothing is due.

        `keep_going` is polled between sends: when it turns false (the bot is stopping) no
        new send starts, the sends in flight finish and are recorded, and rows claimed but
        not sent are handed back at once. Concurrent calls in one process queue up.
        Database errors end the pass (logged once per outage), never the caller.
        """
        async with self._lock:
            self._keep_going = keep_going or (lambda: True)
            report = DispatchReport()
            now = self._clock.now()
            if self._paused_until is not None and now < self._paused_until:
                report.rate_limited = True
                return report
            self._paused_until = None
            try:
                report.created = await self._materialize(now)
            except Exception as exc:  # the database is away: try again next tick
                self.outage.failed(exc, "planning reminders")
                report.database_down = True
                return report
            self.outage.ok()
            self._exhausted = False
            heartbeat = asyncio.create_task(self._heartbeat())
            try:
                await self._send_loop(report)
            finally:
                heartbeat.cancel()
                await asyncio.gather(heartbeat, return_exceptions=True)
                await self._release_unsent()
            await self._prune(report)
            return report

    async def _prune(self, report: DispatchReport) -> None:
        """Delete finished rows whose last attempt is older than the retention, in batches.

        Safe for the at-most-once promise: only the rows of local dates still being planned
        matter to it (a settings change looks back two local dates, and the planner only
        creates rows for dates after the last one served), and rows still pending, claimed
        or sending are never deleted. Runs after the pass's sends, so it never delays one;
        each batch is one statement in its own short transaction (on SQLite the write lock
        is held for one batch at a time, others take turns in between).
        """
        if self._retention is None or not self._keep_going():
            return
        now = self._clock.now()
        if self._next_prune_at is not None and now < self._next_prune_at:
            return
        before = now - self._retention
        for _ in range(self._prune_batches):
            try:
                async with self._sessions() as session, session.begin():
                    deleted = await deliveries.prune_finished(session, before, self._prune_batch)
            except Exception as exc:  # the database is away: try again next pass
                self.outage.failed(exc, "deleting old deliveries")
                report.database_down = True
                return
            report.pruned += deleted
            if deleted < self._prune_batch:
                self._next_prune_at = now + PRUNE_EVERY
                return
            if not self._keep_going():
                return
        # Not caught up (a first run on a long history): the next pass goes on.

    def _should_send(self) -> bool:
        if self._paused_until is not None:
            return False
        return self._keep_going()

    def _want_claims(self) -> bool:
        """Whether to claim more now: this process holds fewer ready rows than one claim
        brings (so the next claim is in before these are sent), more may be due, and sends
        may start."""
        return len(self._buffer) < self._claim_batch and not self._exhausted and self._should_send()

    async def _refill(self, report: DispatchReport) -> None:
        """Claim (and prepare) rows until this process holds enough or nothing is due.

        Runs beside the sends in flight (`_send_loop` starts it as a task), so the claim
        transaction and the sender's reads never leave the send slots idle.
        """
        # Rows that turn out missed, skipped or uncertain claim nothing: look further.
        while self._want_claims():
            try:
                claimed, found = await self._claim(report)
            except Exception as exc:
                self.outage.failed(exc, "claiming reminders")
                report.database_down = True
                self._exhausted = True  # this pass ends; the next tick tries again
                return
            self.outage.ok()
            if not found:
                self._exhausted = True
            # Held but not ready yet: a cancel while preparing hands them back.
            self._unready.extend(claimed)
            await self._prepare(claimed)
            self._buffer.extend(claimed)
            ready = {c.token for c in claimed}
            self._unready = [c for c in self._unready if c.token not in ready]

    async def _prepare(self, claimed: list[Claim]) -> None:
        """Let the sender read what the claimed rows' messages need, in one go."""
        if not claimed or self._preparing is None:
            return
        try:
            await self._preparing.prepare([(c.delivery, c.user) for c in claimed])
        except Exception as exc:  # each send reads for itself instead
            # Not an outage: nothing waits on this read, so no reminder is late for it.
            logger.warning(
                "Reading what %s reminders need failed (%s); each send reads for itself",
                len(claimed),
                _error_name(exc),
            )

    async def _materialize(self, now: datetime) -> int:
        """Turn due users into delivery rows and move each user's next-due on.

        The user's next-due is moved with a compare-and-set first and the row is created
        only if that succeeded, so a settings change that re-planned the user meanwhile
        wins and no row is created for a reminder the user was no longer promised.
        The following reminder is the first one at or after `now`, so one due exactly now
        after a catch-up is picked up by the next pass instead of being lost. Nothing is
        written (no write transaction is begun) while no one's reminder or summary is due.
        """
        created = 0
        at_or_after_now = now - timedelta(microseconds=1)
        for _ in range(MATERIALIZE_PASSES):
            # Most polls find nothing due: two index reads then, and no write transaction
            # (on SQLite, no write lock for a tap's transaction to wait behind).
            async with self._sessions() as session:
                earliest = await users.next_due_instant(session)
            if earliest is None or earliest > now:
                break
            async with self._writes() as session, session.begin():
                due_users = await users.due_for_reminder(session, now, BATCH_SIZE)
                moves = []
                for due in due_users:
                    following = next_reminder(
                        due.prefs, at_or_after_now, done_through=due.next_due_date
                    )
                    moves.append(
                        (
                            due.id,
                            due.next_due_at,
                            None if following is None else following.at,
                            None if following is None else following.local_date,
                        )
                    )
                # One statement each: move every user on (compare-and-set), then create
                # the rows of those that moved.
                moved_ids = await users.move_next_due_many(session, moves)
                created += await deliveries.insert_many_if_absent(
                    session,
                    [
                        (due.id, DeliveryKind.DAILY, due.next_due_date, due.next_due_at)
                        for due in due_users
                        if due.id in moved_ids
                    ],
                )
                weekly_users = await users.due_for_weekly(session, now, BATCH_SIZE)
                weekly: list[tuple[int, datetime, datetime | None, date]] = []
                for user in weekly_users:
                    assert user.next_weekly_at is not None and user.time_zone is not None
                    local_date = user.next_weekly_at.astimezone(load_zone(user.time_zone)).date()
                    following_summary = next_weekly_summary(
                        user, max(at_or_after_now, user.next_weekly_at), local_date
                    )
                    weekly.append((user.id, user.next_weekly_at, following_summary, local_date))
                moved_weekly = await users.move_next_weekly_many(
                    session, [(uid, seen, new) for uid, seen, new, _ in weekly]
                )
                created += await deliveries.insert_many_if_absent(
                    session,
                    [
                        (uid, DeliveryKind.WEEKLY, local_date, seen)
                        for uid, seen, _, local_date in weekly
                        if uid in moved_weekly
                    ],
                )
            if not due_users and not weekly_users:
                break
        return created

    async def _decide(
        self,
        session: AsyncSession,
        now: datetime,
        decisions: list[tuple[Delivery, DeliveryStatus, str | None]],
        candidates: dict[int, Claim],
    ) -> list[tuple[Delivery, User | None]]:
        """Read the claimable rows with their users and who already stretched that day,
        and decide each row's fate (appended to `decisions`; rows to send to `candidates`).
        Returns the rows read."""
        rows = await deliveries.claimable_with_users(session, now, self._lease, self._claim_batch)
        # Each daily row is checked against the start of its own local date: one user
        # may have rows for two dates in a batch (a late one and today's).
        day_start = {
            delivery.id: local_instant(delivery.local_date, time(0), load_zone(user.time_zone))
            for delivery, user in rows
            if user is not None
            and user.time_zone is not None
            and delivery.kind == DeliveryKind.DAILY
        }
        earliest: dict[int, datetime] = {}
        for delivery, user in rows:
            if delivery.id in day_start and user is not None:
                start = day_start[delivery.id]
                earliest[user.id] = min(start, earliest.get(user.id, start))
        latest = await routines.latest_completions(session, earliest)
        for delivery, user in rows:
            status = DeliveryStatus(delivery.status)
            if status is DeliveryStatus.SENDING:
                decisions.append((delivery, DeliveryStatus.UNCERTAIN, None))
            elif now - delivery.due_at > self._grace:
                decisions.append((delivery, DeliveryStatus.MISSED, None))
            elif user is None or not user.subscribed:
                decisions.append((delivery, DeliveryStatus.FAILED, None))
            elif skips(
                user,
                delivery.kind,
                delivery.local_date,
                stretched=delivery.id in day_start
                and user.id in latest
                and latest[user.id] >= day_start[delivery.id],
            ):
                decisions.append((delivery, DeliveryStatus.SKIPPED, None))
            else:
                token = uuid.uuid4().hex
                taken_over = status is DeliveryStatus.CLAIMED
                late = (
                    taken_over
                    or now - delivery.due_at > LATE_APOLOGY_AFTER
                    or self.outage.held_up(delivery.due_at)
                )
                decisions.append((delivery, DeliveryStatus.CLAIMED, token))
                candidates[delivery.id] = Claim(delivery, user, token, late, taken_over)
        return rows

    async def _claim(self, report: DispatchReport) -> tuple[list[Claim], int]:
        """Claim up to `claim_batch` rows: three statements (the rows with their users; who
        already stretched that day; one compare-and-set for all), the last in a short write
        transaction (on PostgreSQL all three).

        Each row gets a fresh token and its own lease starting now. A lapsed "claimed" row
        (its holder stopped before sending) is taken over; a lapsed "sending" row may have
        reached Telegram and becomes "uncertain". Returns the claims and how many rows were
        looked at (0: nothing is due any more).
        """
        now = self._clock.now()
        lease_until = now + self._lease
        decisions: list[tuple[Delivery, DeliveryStatus, str | None]] = []
        candidates: dict[int, Claim] = {}
        # On SQLite the reads run outside the write lock (a WAL snapshot): the compare-and-
        # set on each row as read (status, token, lease, next attempt) decides what holds,
        # so the write transaction is one statement. PostgreSQL reads and locks the rows
        # in the claiming transaction (FOR UPDATE SKIP LOCKED: dispatchers never wait).
        rows: list[tuple[Delivery, User | None]] = []
        async with self._sessions() as session:
            read_first = deliveries.dialect_name(session) != "postgresql"
            if read_first:
                rows = await self._decide(session, now, decisions, candidates)
        held: set[int] = set()
        if decisions or not read_first:
            async with self._turn, self._writes() as session, session.begin():
                if not read_first:
                    rows = await self._decide(session, now, decisions, candidates)
                held = await deliveries.take_many(session, decisions, now, lease_until)
        claimed: list[Claim] = []
        for delivery, outcome, _token in decisions:
            if delivery.id not in held:
                continue
            if outcome is DeliveryStatus.UNCERTAIN:
                report.uncertain += 1
                logger.warning(
                    "Delivery %s: its sender stopped mid-request; recorded as uncertain, "
                    "not sent again",
                    delivery.id,
                )
            elif outcome is DeliveryStatus.MISSED:
                report.missed += 1
            elif outcome is DeliveryStatus.SKIPPED:
                report.already_done += 1
            elif outcome is DeliveryStatus.CLAIMED:
                claim = candidates[delivery.id]
                report.taken_over += claim.taken_over
                claimed.append(claim)
                self._held.add(claim.token)
        return claimed, len(rows)

    async def _send_loop(self, report: DispatchReport) -> None:
        """Keep up to `in_flight` sends going; claim ahead, record and mark in groups.

        Claiming (and the sender's reads for a claim) runs as a task beside the sends, so
        claimed rows are ready when slots free up. Whenever at least half the slots are free
        (or none is busy), one write transaction stores the outcomes of the sends that
        finished and marks the next group of claimed rows "sending" (fenced by their
        tokens); only then are their requests written. So at most `in_flight` rows are
        "sending" at any moment (all a crash can lose), and the database sees two statements
        per group instead of two per reminder. Outcomes wait at most `RECORD_WITHIN_S` for
        a group to fill.
        """
        loop = asyncio.get_running_loop()
        running: set[asyncio.Task[Sent]] = set()
        # Each user's latest send: a user's next one waits for it (Monday's reminder after
        # the weekly summary claimed before it, so its buttons come last in the chat).
        latest: dict[int, asyncio.Task[Sent]] = {}
        finished: list[Outcome] = []
        finished_since = 0.0
        refill = max(1, self._in_flight // 2)
        claiming: asyncio.Task[None] | None = None
        try:
            while True:
                if claiming is not None and claiming.done():
                    claiming = None
                if claiming is None and self._want_claims():
                    claiming = asyncio.create_task(self._refill(report))
                free = self._in_flight - len(running)
                batch: list[Claim] = []
                if self._should_send() and (free >= refill or not running):
                    batch, self._buffer = self._buffer[:free], self._buffer[free:]
                overdue = loop.time() - finished_since >= RECORD_WITHIN_S
                # Outcomes alone are written when nothing else will come soon: no send
                # running and no claim on its way, or they waited long enough.
                idle = not running and claiming is None
                if batch or (finished and (idle or overdue)):
                    marked = await self._write(finished, batch, report)
                    finished = []
                    for claim in marked:
                        task = asyncio.create_task(
                            self._send(claim, after=latest.get(claim.user.id))
                        )
                        latest[claim.user.id] = task
                        running.add(task)
                    if batch and not running:
                        continue  # fenced out, or stopping: look again
                waiting: set[asyncio.Task[Any]] = set(running)
                if claiming is not None:
                    waiting.add(claiming)
                if not waiting:
                    if self._buffer and self._should_send():
                        continue
                    return
                done, _ = await asyncio.wait(
                    waiting, timeout=RECORD_WITHIN_S, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    if task not in running:
                        continue  # the claim task: its rows are in the buffer
                    running.discard(task)
                    user_id = task.result().claim.user.id
                    if latest.get(user_id) is task:
                        del latest[user_id]
                    if not finished:
                        finished_since = loop.time()
                    finished.append(self._outcome(task.result(), report))
        except asyncio.CancelledError:
            # Torn down mid-request: every send ends (as uncertain), record what we can.
            if claiming is not None:
                claiming.cancel()
                await asyncio.gather(claiming, return_exceptions=True)
            for task in running:
                task.cancel()
            for sent in await asyncio.gather(*running):
                finished.append(self._outcome(sent, report))
            await asyncio.shield(self._write(finished, [], report))
            raise

    async def _send(self, claim: Claim, after: asyncio.Task[Sent] | None = None) -> Sent:
        """Write one request (its row is already "sending") once `after` (the same user's
        previous send) has ended; never raises."""
        kind = DeliveryKind(claim.delivery.kind)
        if after is not None:
            try:
                await asyncio.wait([after])
            except asyncio.CancelledError:  # torn down before its request: provably not sent
                return Sent(claim, None, NotStarted("stopped before its request"))
        try:
            message_id = await self._sender.send(kind, claim.user, claim.delivery, late=claim.late)
        except (Exception, asyncio.CancelledError) as exc:
            return Sent(claim, None, exc)
        return Sent(claim, message_id, None)

    def _outcome(self, sent: Sent, report: DispatchReport) -> Outcome:
        """What to record for a finished send (counted and logged once, here)."""
        claim = sent.claim
        delivery, user = claim.delivery, claim.user
        now = self._clock.now()
        attempts = delivery.attempts + 1
        if sent.error is None:
            if delivery.kind == DeliveryKind.DAILY:
                report.sent += 1
                report.sent_user_ids.append(user.id)
                report.apologized += claim.late
            else:
                report.summaries_sent += 1
            return Outcome(
                claim,
                {
                    "status": DeliveryStatus.SENT,
                    "sent_at": now,
                    "message_id": sent.message_id,
                    "lease_until": None,
                },
            )
        classified = classify(sent.error)
        outcome = classified.outcome
        if outcome is SendOutcome.UNCERTAIN:
            report.uncertain += 1
            logger.warning(
                "Delivery %s: outcome unknown (%s); recorded as uncertain, not sent again",
                delivery.id,
                classified.reason,
            )
            return Outcome(claim, {"status": DeliveryStatus.UNCERTAIN, "lease_until": None})
        if outcome is SendOutcome.NOT_SENT and classified.retry_after is not None:
            pause = classified.retry_after.total_seconds()
            self._paused_until = now + classified.retry_after
            report.rate_limited = True
            report.retried += 1
            logger.warning("Telegram asked to slow down: pausing sends for %.0f s", pause)
            return _released(claim, self._paused_until, attempts - 1)
        if outcome is SendOutcome.NOT_SENT and attempts < MAX_ATTEMPTS:
            logger.warning(
                "Delivery %s: not sent (%s); retrying later", delivery.id, classified.reason
            )
            report.retried += 1
            return _released(claim, now + backoff(attempts), attempts)
        report.failed += 1
        if classified.chat_gone:
            logger.info("Unsubscribing user %s: %s", user.id, classified.reason)
            report.unsubscribed += 1
        else:
            logger.error("Delivery %s failed: %s", delivery.id, classified.reason)
        failed = {"status": DeliveryStatus.FAILED, "lease_until": None}
        return Outcome(claim, failed, unsubscribe=classified.chat_gone)

    async def _write(
        self, finished: list[Outcome], batch: list[Claim], report: DispatchReport
    ) -> list[Claim]:
        """One write transaction: record `finished` (by their holders), then mark `batch`
        "sending". Recording never gives up while the bot runs; marking is skipped once it
        stops (those rows are handed back). Returns the claims marked, to be sent now."""
        outcomes = {o.claim.token: o.values for o in finished}
        gone = [o.claim.user.id for o in finished if o.unsubscribe]
        tried_marks = False

        async def work(session: AsyncSession) -> set[str]:
            nonlocal tried_marks
            if outcomes:
                await deliveries.record_many(
                    session, outcomes, (DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN)
                )
            await users.unsubscribe_many(session, gone)
            tried_marks = bool(batch) and self._should_send()
            if not tried_marks:
                return set()
            tokens = [c.token for c in batch]
            return await deliveries.mark_sending(session, tokens, self._clock.now() + self._lease)

        held = await self._persist(
            "recording sends" if outcomes else "marking reminders as sending",
            work,
            give_up_when_stopping=not outcomes,
        )
        for outcome in finished:
            self._held.discard(outcome.claim.token)
        if held is None and outcomes:
            logger.error(
                "%s outcomes could not be recorded before stopping; their rows stay "
                "'sending' and will be counted as uncertain, never sent again",
                len(outcomes),
            )
        marked = [c for c in batch if held and c.token in held]
        if tried_marks and held is not None:
            for claim in batch:
                if claim.token not in held:  # taken over meanwhile
                    report.fenced_out += 1
                    self._held.discard(claim.token)
        else:
            self._buffer[:0] = batch  # not marked: handed back with the unsent claims
        return marked

    async def _persist(
        self,
        doing: str,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        give_up_when_stopping: bool,
    ) -> T | None:
        """Run `work` in a write transaction, retrying with backoff while the database is away.

        Returns None only when giving up: at once if `give_up_when_stopping` and the bot is
        stopping, otherwise after `STOP_FLUSH_S` of a stop.
        """
        delay = 0.05
        stop_deadline: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with self._turn, self._writes() as session, session.begin():
                    result = await work(session)
            except Exception as exc:
                self.outage.failed(exc, doing)
            else:
                self.outage.ok()
                return result
            if not self._keep_going():
                if give_up_when_stopping:
                    return None
                stop_deadline = stop_deadline or loop.time() + STOP_FLUSH_S
                if loop.time() >= stop_deadline:
                    return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECORD_BACKOFF_MAX_S)

    async def _heartbeat(self) -> None:
        """Extend the lease of every row this process holds, a few times per lease."""
        period = max(self._lease.total_seconds() / 4, 0.05)
        while True:
            await asyncio.sleep(period)
            tokens = list(self._held)
            if not tokens:
                continue
            try:
                async with self._writes() as session, session.begin():
                    await deliveries.extend_leases(session, tokens, self._clock.now() + self._lease)
            except Exception as exc:
                self.outage.failed(exc, "extending claims")

    async def _release_unsent(self) -> None:
        """Hand rows claimed but not sent back at once (stopping, paused or done early)."""
        left, self._buffer, self._unready = self._buffer + self._unready, [], []
        if not left:
            return
        back = {
            claim.token: {
                "status": DeliveryStatus.PENDING,
                "claim_token": None,
                "lease_until": None,
                "next_attempt_at": max(
                    claim.delivery.next_attempt_at,
                    self._paused_until or claim.delivery.next_attempt_at,
                ),
            }
            for claim in left
        }

        async def give_back(session: AsyncSession) -> int:
            return await deliveries.record_many(session, back, (DeliveryStatus.CLAIMED,))

        await self._persist("handing claims back", give_back, give_up_when_stopping=True)
        for claim in left:
            self._held.discard(claim.token)


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
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    user_id: int,
    delivery_id: int,
    local_date: date | None = None,
) -> ReminderTap:
    """Send the reminder again in 30 minutes; only once per day. `local_date`: the day the
    button was for (NOT_YOURS when the row is another day's)."""
    async with sessions() as session, session.begin():
        delivery = await deliveries.get(session, delivery_id)
        if not _is_theirs(delivery, user_id, local_date):
            return ReminderTap(ReminderTapOutcome.NOT_YOURS)
        assert delivery is not None
        if await _routine_started_after(session, delivery):
            return ReminderTap(ReminderTapOutcome.STALE, delivery)
        # A tap on an "uncertain" reminder proves it was delivered.
        if delivery.snoozed or delivery.status not in (
            DeliveryStatus.SENT,
            DeliveryStatus.UNCERTAIN,
        ):
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
        again = clock.now() + SNOOZE
        if not await deliveries.transition(
            session,
            delivery.id,
            (DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN),
            status=DeliveryStatus.PENDING,
            snoozed=True,
            due_at=again,
            next_attempt_at=again,
        ):
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
        delivery.due_at = again
    return ReminderTap(ReminderTapOutcome.DONE, delivery)


async def skip_reminder(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int,
    delivery_id: int,
    local_date: date | None = None,
) -> ReminderTap:
    """Mark the day done without a routine (also cancels a pending snooze)."""
    async with sessions() as session, session.begin():
        delivery = await deliveries.get(session, delivery_id)
        if not _is_theirs(delivery, user_id, local_date):
            return ReminderTap(ReminderTapOutcome.NOT_YOURS)
        assert delivery is not None
        if await _routine_started_after(session, delivery):
            return ReminderTap(ReminderTapOutcome.STALE, delivery)
        if not await deliveries.transition(
            session,
            delivery.id,
            (DeliveryStatus.SENT, DeliveryStatus.PENDING, DeliveryStatus.UNCERTAIN),
            status=DeliveryStatus.SKIPPED,
        ):
            return ReminderTap(ReminderTapOutcome.ALREADY, delivery)
    return ReminderTap(ReminderTapOutcome.DONE, delivery)


def _is_theirs(delivery: Delivery | None, user_id: int, local_date: date | None) -> bool:
    """The row exists, is the user's and (when the button carries one) of that local date."""
    return (
        delivery is not None
        and delivery.user_id == user_id
        and local_date in (None, delivery.local_date)
    )


async def reminder_reached_at(
    sessions: async_sessionmaker[AsyncSession], user_id: int, delivery_id: int, local_date: date
) -> datetime | None:
    """When the user's reminder row for `local_date` last reached (or, snoozed, will reach)
    them: the later of its last send and its due instant (UTC); None when the row is gone
    or isn't theirs for that date. A reminder of yesterday's date that arrived today (sent
    again after a snooze past midnight, or late) is today's message for its buttons."""
    async with sessions() as session:
        delivery = await deliveries.get(session, delivery_id)
    if delivery is None or not _is_theirs(delivery, user_id, local_date):
        return None
    return max(at for at in (delivery.sent_at, delivery.due_at) if at is not None)


async def _routine_started_after(session: AsyncSession, delivery: Delivery) -> bool:
    """A routine started since the reminder went out answers it: Snooze/Skip are stale."""
    if delivery.sent_at is None:
        return False
    return await routines.started_since(session, delivery.user_id, delivery.sent_at)
