"""Guided routines: start, tap through, time holds, finish. State lives in the database.

The handlers render; this module decides. Every tap is applied with a compare-and-set on
the run's version, so a double tap or an old button never advances a routine twice, and a
restart of the bot resumes at the stored step.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot.clock import Clock
from bot.content import Content, Illustration, Routine, RoutineStep
from bot.db import deliveries as deliveries_db
from bot.db import routines as runs_db
from bot.db import users as users_db
from bot.db.engine import Executor, begin_write, engine_of, write_transaction
from bot.db.models import RoutineRun, User
from bot.domain.my_routines import UserRoutine, from_snapshot, snapshot
from bot.domain.pain import PainContext, PainEntry, RestAdvice
from bot.domain.program import Change, StepOutcome
from bot.domain.questions import Question
from bot.domain.questions import decode as decode_question
from bot.domain.routine import (
    Action,
    InvalidTransition,
    Phase,
    RoutineState,
    Status,
    apply,
    begin,
    finish_without_after_check,
)
from bot.domain.timezones import load_zone
from bot.services.my_routines import MyRoutines
from bot.services.pain import History
from bot.services.program import ProgramService, RunEnd, RunReads, plan_json, steps_from_plan


class PainRecorder(Protocol):
    """What routines need from the pain log (consent and before/after levels)."""

    async def has_consent(self, user_id: int) -> bool: ...

    async def picker_advice(
        self, user_id: int, time_zone: str | None, session: AsyncSession | None = None
    ) -> tuple[bool, RestAdvice | None]: ...

    async def give_consent(self, user_id: int) -> None: ...

    async def consent_declined(self, user_id: int) -> bool: ...

    async def decline_consent(self, user_id: int) -> None: ...

    async def record(
        self,
        user_id: int,
        level: int,
        context: PainContext,
        routine_run_id: int | None = None,
        area: str | None = None,
    ) -> int: ...

    async def current_streak(self, user_id: int) -> int: ...

    async def current_streak_in(self, session: AsyncSession, user_id: int) -> int: ...

    async def history(
        self, executor: Executor, user_id: int, zone: tzinfo, *, also_at: datetime | None = None
    ) -> History: ...

    async def advice_in(
        self,
        executor: Executor,
        user_id: int,
        history: History,
        *,
        also_at: datetime | None = None,
    ) -> RestAdvice | None: ...

    async def record_on(
        self,
        executor: Executor,
        user_id: int,
        level: int,
        context: PainContext,
        routine_run_id: int,
        *,
        consent: bool,
    ) -> PainEntry: ...

    async def streak_on(
        self, executor: Executor, user_id: int, zone: tzinfo, history: History | None = None
    ) -> int: ...


#: The taps that finish a stretch, as the program records them.
STEP_OUTCOMES = {
    Action.DONE: StepOutcome.DONE,
    Action.SKIP: StepOutcome.SKIPPED,
    Action.HURT: StepOutcome.HURT,
}


#: Parsed run plans kept in memory (a plan is a few hundred bytes of JSON and its steps).
PLAN_CACHE_SIZE = 4096


class TapResult(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # an older message's button, or the second of a double tap
    ENDED = "ended"  # the routine is over
    NOT_YOURS = "not_yours"  # unknown run or another user's: forged
    INVALID = "invalid"  # the action doesn't fit the phase: forged


@dataclass(frozen=True)
class RunView:
    """A run with its routine resolved, for rendering."""

    run: RoutineRun
    routine: Routine
    steps: list[RoutineStep]
    state: RoutineState
    #: A completed run's figures, read by the tap that completed it (None: not read).
    summary: RunSummary | None = None

    @property
    def step(self) -> RoutineStep | None:
        index = self.state.step_index
        return self.steps[index] if self.state.phase is Phase.STEP else None

    @property
    def shown(self) -> bool:
        """Whether the user has a message with this version's buttons (False after sending
        the current step failed: it has to be sent again)."""
        return self.run.shown_version == self.run.version


@dataclass(frozen=True)
class Tap:
    result: TapResult
    view: RunView | None = None
    before: RoutineState | None = None  # the state the tap was applied to
    #: What the program changed when this tap ended the run ("It hurts", completed).
    changes: tuple[Change, ...] = ()
    #: Stretches of the run whose full version may be tried again (completed runs).
    offers: tuple[str, ...] = ()
    #: The user's open question, read in the tap's transaction: a routine button leaves
    #: it (the caller closes it and says so), whatever the tap's result.
    question: Question | None = None
    #: The level this tap logged began the persistent-pain rule (`PainLog.no_improvement_began`,
    #: from what the tap read): the caller sends the advice.
    persistent: bool = False


@dataclass(frozen=True)
class _TapRead:
    """What a tap read besides the run, for the summary of a run it completed."""

    zone: tzinfo
    history: History | None


def _covers(history: History, run: RoutineRun) -> bool:
    """Whether `history` holds every reading of `run` (it reaches back to the run's start)."""
    return history.since <= run.started_at


@dataclass(frozen=True)
class Picker:
    """What /stretch shows: the run in progress, or the routine picker's inputs."""

    active: RunView | None  # a run in progress: nothing else was read
    bad_day: bool = False
    advice: RestAdvice | None = None  # today's advice that still stands
    own: tuple[UserRoutine, ...] = ()  # the user's own routines, oldest first


@dataclass(frozen=True)
class Started:
    view: RunView | None  # the new run, or None when another one is active
    active: RunView | None = None  # the run in progress that blocked the start
    first: bool = False  # the user's first routine ever (the discomfort rule comes first)
    #: The disclaimer and the warning signs come first: never shown to this user yet (no
    #: /start). Marked shown with the start; `Routines.safety_missed` undoes it.
    safety: bool = False
    #: Every stretch of the routine is left out this week ("It hurts" on its easier
    #: version): nothing was started.
    resting: bool = False
    #: No such user (erased by /delete): buttons never create users, nothing was started.
    unknown_user: bool = False
    #: Advice given today stands (rest, or the gentle routine) and the routine isn't
    #: gentle: nothing was started; the user is asked first.
    advice: RestAdvice | None = None


@dataclass(frozen=True)
class RunSummary:
    stretches_done: int
    stretches_skipped: int
    minutes: int
    before: int | None
    after: int | None
    streak: int


def state_of(run: RoutineRun, total_steps: int) -> RoutineState:
    return RoutineState(
        total_steps=total_steps,
        phase=Phase(run.phase),
        status=Status(run.status),
        step_index=run.step_index,
        version=run.version,
        easier=run.easier,
        steps_done=run.steps_done,
        steps_skipped=run.steps_skipped,
        timer_round=run.timer_round,
    )


def timer_rounds(step: RoutineStep | None) -> int:
    """How many holds a stretch has to time: sets × sides; none without a hold, and none
    when the hold belongs to each of several repetitions ("8 lifts, hold 3 s each": a
    3-s timer would time one lift of eight, and the lifts are counted, not timed)."""
    if step is None or step.dose.hold_seconds is None:
        return 0
    if step.dose.reps is not None and step.dose.reps > 1:
        return 0
    return step.dose.sets * step.dose.sides


def _may_progress(routine: Routine) -> bool:
    """Whether the program may grow this routine's doses: always for shipped and self-made
    routines; for one added from a share link only if the user allowed it when adding."""
    return routine.progress if isinstance(routine, UserRoutine) else True


class Routines:
    """Use cases of the guided routine."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        content: Content,
        pain: PainRecorder,
        program: ProgramService,
        mine: MyRoutines | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine = engine_of(sessions)
        self._clock = clock
        self._content = content
        self._pain = pain
        self._program = program
        self._mine = mine or MyRoutines(sessions, clock, content)
        # What doesn't change while the bot runs, so a tap neither hashes files nor asks
        # the database again: illustration keys by path, Telegram file_ids by key.
        self._image_keys: dict[Path, str] = {}
        self._file_ids: dict[str, str] = {}
        self._uploads: dict[str, asyncio.Lock] = {}
        # A run's stored plan (its JSON text) parsed into steps: the same few plans come back
        # on every tap of every run (parsing one validated each dose: about a sixth of a
        # step tap's CPU in py-spy). The steps are immutable; the content doesn't change.
        self._plans: dict[str, tuple[RoutineStep, ...] | None] = {}

    def default_for(self, user: User | None) -> Routine:
        """The user's chosen routine, or the content's default (also if it was removed)."""
        chosen = user.default_routine if user is not None else None
        return self._content.routines.get(chosen or "") or self._content.default_routine

    async def default_of(self, user: User | None) -> Routine:
        """`default_for`, the user's own routines included (a deleted one: the content's)."""
        if user is not None and user.default_routine:
            own = await self._mine.routine(user.id, user.default_routine)
            if own is not None:
                return own
        return self.default_for(user)

    async def find(self, user_id: int, routine_id: str) -> Routine | None:
        """A shipped routine, or one of the user's own (``u-<id>``)."""
        return await self._mine.find(user_id, routine_id)

    def steps_of(self, routine: Routine) -> list[RoutineStep]:
        """A routine's steps as written (its own doses), before the user's program."""
        return routine.steps(self._content)

    def gentle_for(self, routine: Routine) -> Routine:
        """The routine to go on with after a high reading: this one if it is gentle."""
        return routine if routine.gentle else self._content.gentle_routine

    def view(self, run: RoutineRun) -> RunView:
        """A run with its steps: those stored when it started (the user's program applied),
        or the routine's own for a run from before the program existed. A user routine comes
        from the copy the run keeps, so editing or deleting it mid-run changes nothing."""
        routine: Routine
        if run.custom_routine is not None:
            routine = from_snapshot(run.custom_routine)
        else:
            routine = self._content.routines.get(run.routine_id) or self._content.default_routine
        steps = self._plan_steps(run.plan) if run.plan else None
        if steps is None:
            steps = self.steps_of(routine)
        return RunView(run, routine, steps, state_of(run, len(steps)))

    def _plan_steps(self, plan: str) -> list[RoutineStep] | None:
        """`steps_from_plan`, parsed once per distinct plan while the bot runs (at most
        `PLAN_CACHE_SIZE` kept: the oldest goes first)."""
        if plan in self._plans:
            cached = self._plans[plan]
        else:
            parsed = steps_from_plan(plan, self._content)
            cached = None if parsed is None else tuple(parsed)
            if len(self._plans) >= PLAN_CACHE_SIZE:
                del self._plans[next(iter(self._plans))]
            self._plans[plan] = cached
        return None if cached is None else list(cached)

    async def active(self, user_id: int) -> RunView | None:
        async with self._sessions() as session:
            run = await runs_db.active_for(session, user_id)
        return None if run is None else self.view(run)

    async def picker(self, user_id: int, time_zone: str | None) -> Picker:
        """/stretch's reads in one session: the run in progress (then nothing more), or
        the bad-day and advised-rest rules (the user's zone, IANA name, already read) and
        the user's own routines (before: three sessions)."""
        async with self._sessions() as session:
            run = await runs_db.active_for(session, user_id)
            if run is not None:
                return Picker(active=self.view(run))
            bad_day, advice = await self._pain.picker_advice(user_id, time_zone, session)
            own = await self._mine.saved(user_id, session)
        return Picker(None, bad_day, advice, tuple(own))

    async def run_of(self, user_id: int, run_id: int) -> RunView | None:
        """One of the user's runs (None if it doesn't exist or is someone else's)."""
        async with self._sessions() as session:
            run = await runs_db.get(session, run_id)
        return None if run is None or run.user_id != user_id else self.view(run)

    async def start(
        self,
        user_id: int,
        routine: Routine | str,
        *,
        replace_active: bool,
        advised: bool = False,
        advice_as_of: datetime | None = None,
    ) -> Started:
        """Start a routine (shipped, or the user's own ``u-<id>``; found already, or its id);
        with another one active, either report it or abandon it. Raises KeyError for an
        unknown routine id. One transaction on one connection, prebuilt Core statements:
        the user with the run in progress, the pain log (when advice may apply), the
        program, the new run.

        A routine that isn't gentle, on a day advice stands (rest after "It hurts", a rest
        day or a reading of 8-10; the gentle routine while the persistent-pain rule holds),
        is not started unless ``advised`` (the user saw the advice and chose it): the
        result carries the advice instead. ``advice_as_of`` (aware): the instant the
        reminder whose Start was tapped reached the user; advice that stood then counts
        as if it stood now (the reminder's buttons act on what its text said)."""
        found = await self.find(user_id, routine) if isinstance(routine, str) else routine
        if found is None:
            raise KeyError(routine)
        routine = found
        # One transaction on one connection: the user with the run in progress, the pain
        # log's history (only when advice may hold the start back), the program, the start.
        async with self._engine.connect() as connection, begin_write(connection):
            user = await runs_db.starter(connection, user_id)
            if user is None:
                return Started(view=None, unknown_user=True)
            current = user.active
            if not (advised or replace_active or routine.gentle):
                zone = load_zone(user.time_zone) if user.time_zone else UTC
                history = await self._pain.history(connection, user_id, zone, also_at=advice_as_of)
                advice = await self._pain.advice_in(
                    connection, user_id, history, also_at=advice_as_of
                )
                if advice is not None and current is None:
                    return Started(view=None, advice=advice)
            steps = await self._program.steps_for(
                user_id,
                self.steps_of(routine),
                progress=_may_progress(routine),
                session=connection,
            )
            if not steps:
                return Started(view=None, resting=True)
            consent = user.consent_at is not None
            declined = not consent and user.declined_at is not None
            now = self._clock.now()
            if current is not None:
                if not replace_active:
                    return Started(view=None, active=self.view(current))
                await runs_db.set_fields(
                    connection,
                    current.id,
                    status=Status.ABANDONED.value,
                    phase=Phase.FINISHED.value,
                    finished_at=now,
                    timer_ends_at=None,
                    version=current.version + 1,
                )
            first = not user.any_run
            # Seen already (the read above; a user's updates run one at a time): no write.
            safety = not user.safety_shown and await users_db.mark_safety_shown(connection, user_id)
            state = begin(
                len(steps),
                needs_consent=not consent and not declined,
                pain_checks=consent,
            )
            run = await runs_db.insert_run(
                connection,
                user_id=user_id,
                routine_id=routine.id,
                custom_routine=snapshot(routine) if isinstance(routine, UserRoutine) else None,
                status=state.status.value,
                phase=state.phase.value,
                step_index=0,
                version=0,
                easier=False,
                steps_done=0,
                steps_skipped=0,
                started_at=now,
                plan=plan_json(steps),
            )
        return Started(view=self.view(run), first=first, safety=safety)

    async def tap(
        self,
        user_id: int,
        run_id: int,
        version: int,
        action: Action,
        level: int | None = None,
        *,
        ending: Callable[[], object] | None = None,
    ) -> Tap:
        """Apply one button press to a run, exactly once. A press that ends the run applies
        it to the user's program in the same transaction; ``ending`` is called once the
        compare-and-set held, before that work (the caller answers the callback query
        then: the program's statements run while the answer travels). The run and the
        user's open question are one read (the result carries the question)."""
        async with self._engine.connect() as connection:
            async with begin_write(connection):
                tap, read = await self._apply_tap(
                    connection, user_id, run_id, version, action, level, ending
                )
            view = tap.view
            if (
                tap.result is TapResult.APPLIED
                and view is not None
                and view.state.status is Status.COMPLETED
                and read is not None
            ):
                # The end-of-routine message's figures: the run's levels from what the tap
                # read, the streak on the same connection after the commit (outside the
                # write turn), not in sessions of their own.
                summary = await self._summary_on(connection, user_id, view.run, read)
                tap = replace(tap, view=replace(view, summary=summary))
        if tap.result is TapResult.APPLIED and action is Action.CONSENT_YES:
            await self._pain.give_consent(user_id)
        elif tap.result is TapResult.APPLIED and action is Action.CONSENT_NO:
            await self._pain.decline_consent(user_id)
        return tap

    async def _apply_tap(
        self,
        connection: AsyncConnection,
        user_id: int,
        run_id: int,
        version: int,
        action: Action,
        level: int | None,
        ending: Callable[[], object] | None,
    ) -> tuple[Tap, _TapRead | None]:
        """`tap`'s transaction: the read (the run with the user's open question, zone and
        consent), the compare-and-set, the step's outcome, the level and the pain log's
        history (read once, when a rule needs it), the gentle routine's program and
        applying an ended run to the program are prebuilt Core statements on
        `connection`, no ORM session. Also returns what was read, for the summary of a
        run this tap completed."""
        run, tapper = await runs_db.get_with_question(connection, run_id, user_id)
        question = None if tapper is None else decode_question(*tapper.question)
        if run is None or run.user_id != user_id or tapper is None:
            return Tap(TapResult.NOT_YOURS, question=question), None
        view = self.view(run)
        if run.status != Status.ACTIVE.value:
            return Tap(TapResult.ENDED, view, question=question), None
        if run.version != version:
            return Tap(TapResult.STALE, view, question=question), None
        try:
            new = apply(view.state, action, timer_rounds=timer_rounds(view.step), level=level)
        except InvalidTransition:
            return Tap(TapResult.INVALID, view, question=question), None
        if new.phase is Phase.AFTER and not tapper.consent:
            new = finish_without_after_check(new)
        zone = load_zone(tapper.time_zone) if tapper.time_zone else UTC
        now = self._clock.now()
        values: dict[str, object] = {
            "phase": new.phase.value,
            "status": new.status.value,
            "step_index": new.step_index,
            "version": new.version,
            "easier": new.easier,
            "steps_done": new.steps_done,
            "steps_skipped": new.steps_skipped,
            "timer_round": new.timer_round,
            "timer_ends_at": None,
            "timer_last_edit_at": None,
        }
        if action is Action.GENTLE:  # after a high reading: the gentle routine instead
            gentle = self.gentle_for(view.routine)
            steps = await self._program.steps_for(
                user_id,
                self.steps_of(gentle),
                progress=_may_progress(gentle),
                session=connection,
            )
            if not steps:  # every gentle stretch is resting this week: rest today
                new = apply(view.state, Action.REST)
                values.update(phase=new.phase.value, status=new.status.value)
            else:
                values["routine_id"] = gentle.id
                values["plan"] = plan_json(steps)
                if gentle is not view.routine:  # a shipped routine: no copy needed
                    values["custom_routine"] = None
            values["step_index"] = 0
        if action is Action.TIMER and view.step is not None:
            hold = view.step.dose.hold_seconds or 0
            values["timer_ends_at"] = now + timedelta(seconds=hold)
            values["timer_last_edit_at"] = now
        elif action in (Action.EASIER, Action.STANDARD):
            values["timer_round"] = view.state.timer_round  # keep the hold count
        if not new.active:
            values["finished_at"] = now
        # A reading before a routine that isn't gentle may bring advice the run must
        # honour now, not at the next start: was it standing before this reading?
        suggestable = (
            action is Action.PAIN
            and level is not None
            and view.state.phase is Phase.BEFORE
            and new.phase is Phase.STEP
            and not view.routine.gentle
        )
        history: History | None = None
        advised_before = False
        if suggestable:
            history = await self._pain.history(connection, user_id, zone)
            advised_before = await self._advice_stands(connection, user_id, history)
        if not await runs_db.update_if_version(connection, run_id, version, values):
            return Tap(TapResult.STALE, view, question=question), None
        outcome = STEP_OUTCOMES.get(action)
        if outcome is not None and view.step is not None:
            await self._program.record_step(
                connection, run, view.step, outcome, chose_easier=view.state.easier
            )
        for name, value in values.items():  # written above; no need to read it back
            set_committed_value(run, name, value)
        logged = action is Action.PAIN and level is not None
        if logged and level is not None:  # the level with the step it moves
            context = PainContext.BEFORE if view.state.phase is Phase.BEFORE else PainContext.AFTER
            entry = await self._pain.record_on(
                connection, user_id, level, context, run_id, consent=tapper.consent
            )
            if history is not None:  # read before it: the level joins it
                history = history.with_entry(entry)
            if (
                history is not None
                and not advised_before
                and await self._advice_stands(connection, user_id, history)
            ):
                # This reading made today a bad day (or began the persistent-pain rule):
                # ask now (gentle, go on, rest) instead of going on at the usual dose.
                new = apply(view.state, action, level=level, suggest=True)
                await runs_db.update_if_version(
                    connection, run_id, new.version, {"phase": new.phase.value}
                )
                set_committed_value(run, "phase", new.phase.value)
        ended = RunEnd()
        if new.status in (Status.COMPLETED, Status.HURT):
            if ending is not None:
                ending()
            if history is None:
                history = await self._pain.history(connection, user_id, zone)
            stretch_ids = [step.stretch.id for step in self.view(run).steps]
            known = RunReads(
                zone=zone,
                bad_day=history.bad_day(),
                levels=history.run_levels(run.id) if _covers(history, run) else None,
                entries=history.entries,
                hurts=history.hurts,
            )
            ended = await self._program.apply_run(connection, run, stretch_ids, known=known)
        if logged and history is None:
            history = await self._pain.history(connection, user_id, zone)
        tap = Tap(
            TapResult.APPLIED,
            self.view(run),
            before=view.state,
            changes=ended.changes,
            offers=ended.offers,
            question=question,
            persistent=logged and history is not None and history.persistent_began(),
        )
        return tap, _TapRead(zone, history)

    async def _advice_stands(self, executor: Executor, user_id: int, history: History) -> bool:
        """Whether today is a bad day or advice stands (rest, or the gentle routine while
        the persistent-pain rule holds): what makes a start offer the gentle routine."""
        if history.bad_day():
            return True
        return await self._pain.advice_in(executor, user_id, history) is not None

    async def safety_missed(self, user_id: int) -> None:
        """The safety texts sent with a start never arrived: the next start shows them."""
        async with self._sessions() as session, session.begin():
            await users_db.mark_safety_shown(session, user_id, shown=False)

    async def show_on(self, run_id: int, message_id: int, version: int) -> None:
        """Remember which message shows the run now, at which version (timer ticks edit
        it; a version behind the run's means the current step never arrived)."""
        async with write_transaction(self._engine) as connection:  # a Core UPDATE, no session
            await runs_db.set_fields(
                connection, run_id, message_id=message_id, shown_version=version
            )

    async def message_gone(self, run_id: int) -> None:
        """The run's message was deleted (by the user): stop its hold timer and mark the
        run not shown, so the next tap or text sends the current step again."""
        async with write_transaction(self._engine) as connection:
            await runs_db.set_fields(connection, run_id, timer_ends_at=None, shown_version=None)

    async def reminder_is_theirs(
        self, user_id: int, delivery_id: int, local_date: date | None
    ) -> bool:
        """Whether a reminder's "Start routine" button belongs to this user: its row is
        theirs and for the local date the button carries (None: a button from before
        buttons carried it)."""
        async with self._sessions() as session:
            delivery = await deliveries_db.get(session, delivery_id)
        return (
            delivery is not None
            and delivery.user_id == user_id
            and local_date in (None, delivery.local_date)
        )

    async def user_unreachable(self, user_id: int) -> None:
        """The user blocked the bot or deleted their account (seen by a job): end their
        running hold timers and unsubscribe them. Their data stays."""
        async with self._sessions() as session, session.begin():
            await runs_db.end_timers(session, user_id)
            await users_db.unsubscribe(session, user_id)

    async def running_timers(self) -> list[RunView]:
        async with self._sessions() as session:
            return [self.view(run) for run in await runs_db.running_timers(session)]

    async def timer_ticked(
        self, run_id: int, *, finished: bool, at: datetime | None = None
    ) -> None:
        """Record a countdown edit made for the instant `at` (default: now); `finished`
        ends the hold."""
        now = at or self._clock.now()
        async with write_transaction(self._engine) as connection:
            if finished:
                await runs_db.set_fields(
                    connection, run_id, timer_ends_at=None, timer_last_edit_at=now
                )
            else:
                await runs_db.set_fields(connection, run_id, timer_last_edit_at=now)

    async def summary(self, user_id: int, run: RoutineRun) -> RunSummary:
        """Figures for the end-of-routine message, including the streak."""
        async with self._sessions() as session:
            return await self._summary_in(session, user_id, run)

    async def _summary_in(self, session: AsyncSession, user_id: int, run: RoutineRun) -> RunSummary:
        levels = await runs_db.pain_levels(session, run.id)
        return self._summary(run, levels, await self._pain.current_streak_in(session, user_id))

    async def _summary_on(
        self, connection: AsyncConnection, user_id: int, run: RoutineRun, read: _TapRead
    ) -> RunSummary:
        """`summary` for the tap that completed the run, on its connection: the levels
        from the pain log's history the tap read (when it reaches back to the run's
        start), the streak read after the commit."""
        history = read.history
        if history is not None and _covers(history, run):
            levels = history.run_levels(run.id)
        else:
            levels = await runs_db.pain_levels(connection, run.id)
        return self._summary(
            run, levels, await self._pain.streak_on(connection, user_id, read.zone, history)
        )

    def _summary(self, run: RoutineRun, levels: dict[str, int], streak: int) -> RunSummary:
        finished_at: datetime = run.finished_at or self._clock.now()
        minutes = max(1, round((finished_at - run.started_at).total_seconds() / 60))
        return RunSummary(
            stretches_done=run.steps_done,
            stretches_skipped=run.steps_skipped,
            minutes=minutes,
            before=levels.get(PainContext.BEFORE.value),
            after=levels.get(PainContext.AFTER.value),
            streak=streak,
        )

    async def media_key(self, illustration: Illustration) -> str:
        """Cache key of a step's picture (clip or still): changes when its bytes change
        (hashed once per file while the bot runs)."""
        path = illustration.path
        digest = self._image_keys.get(path)
        if digest is None:
            data = await asyncio.to_thread(path.read_bytes)
            digest = self._image_keys[path] = hashlib.sha256(data).hexdigest()[:16]
        return f"{illustration.kind}:{path.stem}:{digest}"

    async def media_file_id(self, key: str) -> str | None:
        cached = self._file_ids.get(key)
        if cached is not None:
            return cached
        async with self._sessions() as session:
            file_id = await runs_db.media_file_id(session, key)
        if file_id is not None:
            self._file_ids[key] = file_id
        return file_id

    async def remember_media(self, key: str, file_id: str) -> None:
        async with self._sessions() as session, session.begin():
            await runs_db.remember_media(session, key, file_id)
        self._file_ids[key] = file_id

    def upload_lock(self, key: str) -> asyncio.Lock:
        """Held while an illustration is uploaded, so users starting at once upload it once."""
        return self._uploads.setdefault(key, asyncio.Lock())

    def forget_media(self, key: str) -> None:
        """Telegram rejected a cached file_id: the next send uploads again."""
        self._file_ids.pop(key, None)
