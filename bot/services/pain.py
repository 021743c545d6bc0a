"""The pain log: consent, readings, progress figures, bad-day check, export and erasure.

Pain levels are health data: nothing is stored before the user agrees, and nothing here
logs a level. Rules live in `bot.domain.pain`; this module only loads their inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import pain as store
from bot.db import routines as runs_db
from bot.db import users
from bot.db.engine import Executor, checkpoint_wal
from bot.domain.pain import (
    BAD_DAY_WINDOW,
    PAIN_AREAS,
    PERSISTENT_SPAN_DAYS,
    SUMMARY_DAYS,
    PainContext,
    PainEntry,
    ProgressSummary,
    RestAdvice,
    RoutineRun,
    RunOutcome,
    current_streak,
    high_week_days,
    high_week_stands,
    is_bad_day,
    local_date,
    local_day_start,
    no_improvement,
    no_improvement_began,
    rest_advice_since,
    rest_advised,
    rest_days,
    summarize,
    validate_level,
    week_start_of,
)
from bot.domain.timezones import load_zone
from bot.services.export_files import export_zip
from bot.services.preferences import UnknownUser

#: Local days loaded for /progress: the 30-day window plus the start of last week before it.
PROGRESS_LOOKBACK_DAYS = SUMMARY_DAYS + 7


class ConsentRequired(Exception):
    """The user has not agreed to keep a pain log, so nothing was stored."""


class UnknownRoutineRun(ValueError):
    """A reading named a routine run that isn't the user's."""


def _persistent_since(zone: tzinfo, today: date) -> datetime:
    """Where the readings the persistent-pain rule needs begin (`no_improvement`)."""
    return local_day_start(today - timedelta(days=PERSISTENT_SPAN_DAYS), zone)


async def _persistent_pain(
    session: Executor,
    user_id: int,
    entries: list[PainEntry],
    zone: tzinfo,
    today: date,
    *,
    earlier: PainEntry | None = None,
) -> bool:
    """The persistent-pain rule as of ``today`` from the readings since `_persistent_since`
    (oldest first). When they start inside the rule's first week but after its first day,
    the reading before them (one lookup, outside both weeks; ``earlier`` when the caller
    has it already) tells a log younger than three weeks from one with a gap."""
    if not entries:
        return False
    if no_improvement(entries, zone, today):
        return True
    first = today - timedelta(days=PERSISTENT_SPAN_DAYS - 1)
    if not first < local_date(entries[0].at, zone) <= first + timedelta(days=6):
        return False  # it reaches back, or the first week has no readings: nothing to add
    if earlier is None:
        earlier = await store.latest_entry_before(session, user_id, entries[0].at)
    return earlier is not None and no_improvement([earlier, *entries], zone, today)


@dataclass(frozen=True)
class History:
    """What the pain rules read of one user, read once by a routine tap (`PainLog.history`):
    every reading at or after `since` (oldest first) and when runs ended by "It hurts" (or
    a rest day) within the advised-rest span before `now`, as of `now` in `zone`. `since`
    reaches back far enough for every rule here (the persistent-pain rule's start over two
    spans): each rule takes the readings of its own window from them."""

    zone: tzinfo
    now: datetime
    since: datetime
    entries: tuple[PainEntry, ...]
    hurts: tuple[datetime, ...]

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def with_entry(self, entry: PainEntry) -> History:
        """This history with a reading just logged (the newest), as of when it was logged
        (as a read after it would be)."""
        return replace(self, now=max(self.now, entry.at), entries=(*self.entries, entry))

    def bad_day(self) -> bool:
        """The bad-day rule for today (`PainLog.is_bad_day`)."""
        return is_bad_day(self.entries, self.zone, self.today)

    def persistent_began(self) -> bool:
        """`PainLog.no_improvement_began`: the latest reading starts the persistent-pain rule."""
        since = _began_since(self.zone, self.today)
        return no_improvement_began([e for e in self.entries if e.at >= since], self.zone)

    def run_levels(self, run_id: int) -> dict[str, int]:
        """The before/after levels logged in one run (latest wins), keyed by context, as
        `bot.db.routines.pain_levels` reads them; only for a run started at or after
        `since`."""
        return {e.context.value: e.level for e in self.entries if e.routine_run_id == run_id}


def _began_since(zone: tzinfo, today: date) -> datetime:
    """Where `no_improvement_began`'s readings begin: two 3-week spans, the rule now and as
    of the reading before the latest."""
    return local_day_start(today - timedelta(days=2 * PERSISTENT_SPAN_DAYS), zone)


@dataclass(frozen=True)
class ReminderAdvice:
    """What daily reminders honour, by user id: rest advice standing (the advised-rest rule,
    `bot.domain.pain.rest_advised`) and bad days (`bot.domain.pain.is_bad_day`)."""

    rest: set[int] = field(default_factory=set)
    bad_day: set[int] = field(default_factory=set)
    #: The persistent-pain advice (see a clinician, keep to the gentle routine) stands, as
    #: /stretch says (`PainLog.rest_advice`); not for users in `rest`.
    persistent: set[int] = field(default_factory=set)
    #: Last week's average was high (`bot.domain.pain.high_week_stands`), as the weekly
    #: summary said; not for users in `rest`.
    high_week: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Progress:
    """Inputs for the /progress message and chart, as of the user's local `today`."""

    summary: ProgressSummary
    entries: list[PainEntry]
    runs: list[RoutineRun]
    zone: tzinfo
    today: date
    has_consent: bool
    routines_this_week: int
    logged_before_window: bool
    #: Days of this week (Monday to `today`) a pause covered (reminders paused).
    paused_this_week: int = 0

    @property
    def no_improvement(self) -> bool:
        """The persistent-pain rule as of `today` (see `bot.domain.pain.no_improvement`)."""
        return no_improvement(self.entries, self.zone, self.today)

    @property
    def recent_entries(self) -> list[PainEntry]:
        """Readings in the last 30 local days, today included."""
        first = self.today - timedelta(days=SUMMARY_DAYS - 1)
        return [e for e in self.entries if first <= local_date(e.at, self.zone) <= self.today]


@dataclass(frozen=True)
class DataExport:
    """Everything stored about one user, table by table, ready to be written as files."""

    user_id: int
    exported_at: datetime
    tables: dict[str, list[dict[str, store.ExportValue]]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.tables.values())

    def row_count(self, table: str) -> int:
        return len(self.tables.get(table, []))

    def as_json(self) -> bytes:
        """One JSON object: `{"exported_at": ..., "tables": {"pain_entries": [...], ...}}`."""
        document = {
            "user_id": self.user_id,
            "exported_at": self.exported_at.isoformat(),
            "tables": self.tables,
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")

    def as_zip(self, json_name: str) -> bytes:
        """README.txt and one CSV per kind of data with plain column names (see
        `bot.services.export_files`); `json_name` is the complete copy it points to."""
        return export_zip(self.tables, self.exported_at, json_name)


def streak_neutral_days(
    ranges: list[tuple[date, date | None]],
    runs: list[RoutineRun],
    entries: list[PainEntry],
    zone: tzinfo,
    today: date,
) -> set[date]:
    """The days that neither count nor break a streak: paused days and the days the bot
    advised rest (`bot.domain.pain.rest_days`, from the runs ended by "It hurts" or a rest
    day and the readings of 8-10 in `entries`; `high_week_days`, the reminder after a
    high week). /progress, the weekly summary and a
    routine's end read the same readings (`PROGRESS_LOOKBACK_DAYS`), so they agree."""
    hurt_at = [r.ended_at for r in runs if r.outcome is RunOutcome.HURT]
    high = high_week_days(entries, zone, today - timedelta(days=PROGRESS_LOOKBACK_DAYS), today)
    return paused_days(ranges, today) | rest_days(hurt_at, entries, zone) | high


def _streak_since(zone: tzinfo, today: date) -> datetime:
    """Where the readings `streak_neutral_days` reads begin (those /progress reads)."""
    return local_day_start(today - timedelta(days=PROGRESS_LOOKBACK_DAYS - 1), zone)


def paused_days(ranges: list[tuple[date, date | None]], today: date) -> set[date]:
    """Local dates covered by pauses up to `today`; an open pause runs through today."""
    days: set[date] = set()
    for first, last in ranges:
        day, end = first, min(last or today, today)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return days


class PainLog:
    """Reads and writes a user's pain log and computes what /progress shows."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # --- consent -----------------------------------------------------------------------

    async def has_consent(self, user_id: int) -> bool:
        async with self._sessions() as session:
            return await store.consent_at(session, user_id) is not None

    async def give_consent(self, user_id: int) -> None:
        """Agree to keep a pain log (idempotent). Raises `UnknownUser` without a user row."""
        async with self._sessions() as session, session.begin():
            if not await store.give_consent(session, user_id, self._clock.now()):
                raise UnknownUser(user_id)

    async def consent_declined(self, user_id: int) -> bool:
        async with self._sessions() as session:
            return await store.consent_declined(session, user_id)

    async def decline_consent(self, user_id: int) -> None:
        """ "No thanks": store nothing, and stop asking before routines."""
        async with self._sessions() as session, session.begin():
            await store.decline_consent(session, user_id, self._clock.now())

    # --- readings ----------------------------------------------------------------------

    async def record(
        self,
        user_id: int,
        level: int,
        context: PainContext,
        routine_run_id: int | None = None,
        area: str | None = None,
    ) -> int:
        """Store one reading now; returns its id.

        Raises `ConsentRequired` without consent, `ValueError` for a level outside 0..10 or
        an unknown area, `UnknownRoutineRun` for a run that isn't the user's.
        """
        level = validate_level(level)
        context = PainContext(context)
        if area is not None and area not in PAIN_AREAS:
            raise ValueError("unknown pain area")
        async with self._sessions() as session, session.begin():
            return await self._insert(session, user_id, level, context, routine_run_id, area)

    async def record_checkin(self, user_id: int, level: int, *, entries_seen: int) -> int | None:
        """Store a /pain keypad tap; None when the keypad is stale.

        The keypad carries how many readings the user had when it was shown, so a double
        tap, or a tap on an old keypad after other readings were logged, stores nothing.
        """
        level = validate_level(level)
        async with self._sessions() as session, session.begin():
            if await store.count_entries(session, user_id) != entries_seen:
                if await store.consent_at(session, user_id) is None:
                    raise ConsentRequired(user_id)
                return None
            return await self._insert(session, user_id, level, PainContext.CHECKIN, None, None)

    async def entry_count(self, user_id: int) -> int:
        async with self._sessions() as session:
            return await store.count_entries(session, user_id)

    async def set_area(self, user_id: int, entry_id: int, area: str | None) -> bool:
        """Say where it hurts on one of the user's own readings; False for anyone else's."""
        if area is not None and area not in PAIN_AREAS:
            raise ValueError("unknown pain area")
        async with self._sessions() as session, session.begin():
            return await store.set_area(session, user_id, entry_id, area)

    async def entry(self, user_id: int, entry_id: int) -> PainEntry | None:
        """One of the user's own readings; None for anyone else's."""
        async with self._sessions() as session:
            return await store.get_entry(session, user_id, entry_id)

    async def _insert(
        self,
        session: AsyncSession,
        user_id: int,
        level: int,
        context: PainContext,
        routine_run_id: int | None,
        area: str | None,
    ) -> int:
        if await store.consent_at(session, user_id) is None:
            raise ConsentRequired(user_id)
        if routine_run_id is not None and not await store.run_belongs_to(
            session, user_id, routine_run_id
        ):
            raise UnknownRoutineRun(routine_run_id)
        return await store.add_entry(
            session, user_id, self._clock.now(), level, context, routine_run_id, area
        )

    # --- figures -----------------------------------------------------------------------

    async def is_bad_day(self, user_id: int, session: AsyncSession | None = None) -> bool:
        """The bad-day rule (see `bot.domain.pain.is_bad_day`) for the user's local today;
        ``session``: read inside the caller's transaction."""
        if session is None:
            async with self._sessions() as own:
                return await self.is_bad_day(user_id, own)
        zone, today = await self._local_today(session, user_id)
        since = local_day_start(today - timedelta(days=2 * BAD_DAY_WINDOW - 1), zone)
        entries = await store.entries_since(session, user_id, since)
        return is_bad_day(entries, zone, today)

    async def reminder_advice(self, zones: dict[int, str | None]) -> ReminderAdvice:
        """The advice a daily reminder honours, for many users at once: who has rest advice
        standing (`rest_advised`, as /stretch asks), who has the persistent-pain advice
        standing (`no_improvement`, as /stretch asks) and who is having a bad day
        (`is_bad_day`).

        `zones`: user id -> IANA zone (None: UTC), as the caller already read them; one
        session and two statements for all (the reminder dispatcher asks once per claim),
        plus one for each user whose last three weeks of readings could hold the
        persistent-pain rule but start after its first day (the reading before them).
        """
        if not zones:
            return ReminderAdvice()
        now = self._clock.now()
        local: dict[int, tuple[tzinfo, date]] = {}
        since: dict[int, datetime] = {}
        rest_since: dict[int, datetime] = {}
        for user_id, name in zones.items():
            zone = load_zone(name) if name else UTC
            today = now.astimezone(zone).date()
            local[user_id] = (zone, today)
            rest_since[user_id] = rest_advice_since(now, zone)
            since[user_id] = min(
                local_day_start(today - timedelta(days=2 * BAD_DAY_WINDOW - 1), zone),
                _persistent_since(zone, today),
                rest_since[user_id],
            )
        async with self._sessions() as session:
            entries = await store.entries_since_many(session, since)
            hurts = await runs_db.hurt_times_many(session, rest_since, now)
            rest = {
                user_id
                for user_id in zones
                if rest_advised(
                    hurts.get(user_id, ()), entries.get(user_id, ()), now, local[user_id][0]
                )
            }
            persistent = {
                user_id
                for user_id, readings in entries.items()
                if user_id not in rest
                and await _persistent_pain(session, user_id, readings, *local[user_id])
            }
        return ReminderAdvice(
            bad_day={
                user_id
                for user_id, readings in entries.items()
                if is_bad_day(readings, *local[user_id])
            },
            rest=rest,
            persistent=persistent,
            high_week={
                user_id
                for user_id, readings in entries.items()
                if user_id not in rest and high_week_stands(readings, *local[user_id])
            },
        )

    async def rest_advice(self, user_id: int) -> RestAdvice | None:
        """What the bot advised that still stands today, for the next routine start:
        rest (an "It hurts", a rest day or a reading of 8-10 within the advised-rest span,
        `bot.domain.pain.rest_advice_since`), or
        the gentle routine (the persistent-pain rule holds); None when neither."""
        async with self._sessions() as session:
            zone, _ = await self._local_today(session, user_id)
            return await self.rest_advice_in(session, user_id, zone)

    async def picker_advice(
        self, user_id: int, time_zone: str | None, session: AsyncSession | None = None
    ) -> tuple[bool, RestAdvice | None]:
        """`is_bad_day` and `rest_advice` together, for /stretch's routine picker, the
        user's zone (IANA name, None: UTC) already read: no read of the user, in the
        caller's ``session`` (or one of its own), instead of two sessions each reading the
        user again."""
        if session is None:
            async with self._sessions() as own:
                return await self.picker_advice(user_id, time_zone, own)
        zone = load_zone(time_zone) if time_zone else UTC
        today = self._clock.now().astimezone(zone).date()
        since = local_day_start(today - timedelta(days=2 * BAD_DAY_WINDOW - 1), zone)
        entries = await store.entries_since(session, user_id, since)
        advice = await self.rest_advice_in(session, user_id, zone)
        return is_bad_day(entries, zone, today), advice

    async def rest_advice_in(
        self,
        session: AsyncSession,
        user_id: int,
        zone: tzinfo,
        *,
        also_at: datetime | None = None,
    ) -> RestAdvice | None:
        """`rest_advice` inside the caller's session, the user's zone known. ``also_at``
        (aware, not after now): an earlier instant whose rest advice counts too, e.g. when
        the reminder whose Start was tapped reached the user: a reminder that said "rest
        today" keeps saying it through its buttons after the advice itself has ended."""
        now = self._clock.now()
        today = now.astimezone(zone).date()
        rest_since = rest_advice_since(now, zone)
        if also_at is not None:
            rest_since = min(rest_since, rest_advice_since(also_at, zone))
        since = min(_persistent_since(zone, today), rest_since)
        hurts = await runs_db.hurt_times_many(session, {user_id: rest_since}, now)
        entries = await store.entries_since(session, user_id, since)
        # The same rules as the daily reminder's (`reminder_advice`).
        hurt_at = hurts.get(user_id, ())
        if rest_advised(hurt_at, entries, now, zone) or (
            also_at is not None and rest_advised(hurt_at, entries, also_at, zone)
        ):
            return RestAdvice.AFTER_HURT
        if await _persistent_pain(session, user_id, entries, zone, today):
            return RestAdvice.PERSISTENT
        return None

    async def history(
        self, executor: Executor, user_id: int, zone: tzinfo, *, also_at: datetime | None = None
    ) -> History:
        """Everything the bad-day, advised-rest and persistent-pain rules read as of now
        (`History`), in one statement on the caller's connection or session; ``also_at``:
        as `rest_advice_in`'s (its rest advice is read too)."""
        now = self._clock.now()
        today = now.astimezone(zone).date()
        rest_since = rest_advice_since(now, zone)
        if also_at is not None:
            rest_since = min(rest_since, rest_advice_since(also_at, zone))
        since = min(
            _began_since(zone, today),
            _persistent_since(zone, today),
            local_day_start(today - timedelta(days=2 * BAD_DAY_WINDOW - 1), zone),
            rest_since,
        )
        entries, hurts = await store.history(executor, user_id, since, rest_since, now)
        return History(zone, now, since, tuple(entries), tuple(hurts))

    async def advice_in(
        self,
        executor: Executor,
        user_id: int,
        history: History,
        *,
        also_at: datetime | None = None,
    ) -> RestAdvice | None:
        """`rest_advice_in` from a `History` already read (with the same ``also_at``; a
        lookup only when the persistent-pain rule needs a reading from before it)."""
        zone, now, today = history.zone, history.now, history.today
        hurts, read = history.hurts, history.entries
        if rest_advised(hurts, read, now, zone) or (
            also_at is not None and rest_advised(hurts, read, also_at, zone)
        ):
            return RestAdvice.AFTER_HURT
        rest_since = rest_advice_since(now, zone)
        if also_at is not None:
            rest_since = min(rest_since, rest_advice_since(also_at, zone))
        since = min(_persistent_since(zone, today), rest_since)
        entries = [e for e in history.entries if e.at >= since]
        older = [e for e in history.entries if e.at < since]
        earlier = older[-1] if older else None
        if await _persistent_pain(executor, user_id, entries, zone, today, earlier=earlier):
            return RestAdvice.PERSISTENT
        return None

    async def record_on(
        self,
        executor: Executor,
        user_id: int,
        level: int,
        context: PainContext,
        routine_run_id: int,
        *,
        consent: bool,
    ) -> PainEntry:
        """`record` on the caller's connection, consent already read with the run (a
        routine's keypad): a prebuilt INSERT. Returns the reading as stored."""
        level = validate_level(level)
        if not consent:
            raise ConsentRequired(user_id)
        entry = PainEntry(
            at=self._clock.now(),
            level=level,
            context=PainContext(context),
            routine_run_id=routine_run_id,
        )
        await store.insert_entry(executor, user_id, entry.at, level, entry.context, routine_run_id)
        return entry

    async def streak_on(
        self, executor: Executor, user_id: int, zone: tzinfo, history: History | None = None
    ) -> int:
        """`current_streak` on the caller's connection, the user's zone known: one
        statement for the runs and the pauses."""
        today = self._clock.now().astimezone(zone).date()
        runs, pauses = await store.streak_inputs(executor, user_id)
        # The readings of the advised-rest days: from the tap's `history` when it reaches
        # back as far (a reading it lacks, logged by the tap itself, is today's, and today
        # never breaks a streak), else read.
        since = _streak_since(zone, today)
        if history is not None and history.since <= since:
            entries = [e for e in history.entries if e.at >= since]
        else:
            now = self._clock.now()
            entries, _ = await store.history(executor, user_id, since, now, now)
        neutral = streak_neutral_days(pauses, runs, entries, zone, today)
        return current_streak(runs, zone, today, neutral)

    async def no_improvement_began(self, user_id: int) -> bool:
        """Whether the reading just logged starts the persistent-pain rule (send the advice)."""
        async with self._sessions() as session:
            zone, today = await self._local_today(session, user_id)
            entries = await store.entries_since(session, user_id, _began_since(zone, today))
        return no_improvement_began(entries, zone)

    async def progress(self, user_id: int, today: date | None = None) -> Progress:
        """Summary and chart inputs as of the user's local `today` (default: now)."""
        async with self._sessions() as session:
            zone, local_now = await self._local_today(session, user_id)
            today = today or local_now
            since = local_day_start(today - timedelta(days=PROGRESS_LOOKBACK_DAYS - 1), zone)
            entries = await store.entries_since(session, user_id, since)
            earlier = await store.latest_entry_before(session, user_id, since)
            runs = await store.routine_runs(session, user_id)
            pauses = await store.pause_ranges(session, user_id)
            consent = await store.consent_at(session, user_id) is not None
        until = local_day_start(today + timedelta(days=1), zone)
        entries = ([earlier] if earlier is not None else []) + [e for e in entries if e.at < until]
        window_start = local_day_start(today - timedelta(days=SUMMARY_DAYS - 1), zone)
        week_start = local_day_start(week_start_of(today), zone)
        paused = paused_days(pauses, today)
        neutral = streak_neutral_days(pauses, runs, entries, zone, today)
        return Progress(
            summary=summarize(entries, runs, zone, today, neutral),
            entries=entries,
            runs=runs,
            zone=zone,
            today=today,
            has_consent=consent,
            routines_this_week=sum(
                1
                for r in runs
                if r.outcome is RunOutcome.COMPLETED and week_start <= r.ended_at < until
            ),
            logged_before_window=any(e.at < window_start for e in entries),
            paused_this_week=sum(1 for day in paused if day >= week_start_of(today)),
        )

    async def current_streak(self, user_id: int) -> int:
        """The streak as of now, by the same rule /progress uses."""
        async with self._sessions() as session:
            return await self.current_streak_in(session, user_id)

    async def current_streak_in(self, session: AsyncSession, user_id: int) -> int:
        """`current_streak`, read in the caller's session (no connection of its own)."""
        zone, today = await self._local_today(session, user_id)
        runs = await store.routine_runs(session, user_id)
        pauses = await store.pause_ranges(session, user_id)
        entries = await store.entries_since(session, user_id, _streak_since(zone, today))
        neutral = streak_neutral_days(pauses, runs, entries, zone, today)
        return current_streak(runs, zone, today, neutral)

    async def _local_today(self, session: AsyncSession, user_id: int) -> tuple[tzinfo, date]:
        user = await users.get(session, user_id)
        zone = load_zone(user.time_zone) if user is not None and user.time_zone else UTC
        return zone, self._clock.now().astimezone(zone).date()

    # --- the user's data ---------------------------------------------------------------

    async def export(self, user_id: int) -> DataExport:
        async with self._sessions() as session:
            tables = await store.export_rows(session, user_id)
        return DataExport(user_id=user_id, exported_at=self._clock.now(), tables=tables)

    async def delete_everything(self, user_id: int) -> None:
        """Erase every row of the user in every table; their reminders stop with them.

        On SQLite the rows are overwritten with zeros (secure_delete) and the WAL, which still
        holds the old pages, is checkpointed into the database and truncated.
        """
        async with self._sessions() as session, session.begin():
            await store.delete_everything(session, user_id)
        async with self._sessions() as session:
            await checkpoint_wal(session)
