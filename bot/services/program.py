"""The adaptive program as use cases: the steps a user does today, what a finished run and
"How was it?" change, the overview in /settings and resets.

The rules are in `bot.domain.program`; this module loads their inputs, stores their
results and applies a program to a routine's resolved steps (`steps_for`). A run keeps the
steps it started with (`plan_json` in `routine_runs.plan`), so a change made at the end of
one routine shows in the next one, never halfway through.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.content import Content, Dose, RoutineStep, Stretch, dose_value
from bot.db import pain as pain_store
from bot.db import program as store
from bot.db import routines as runs_db
from bot.db import users as users_db
from bot.db.engine import Executor
from bot.db.models import RoutineRun
from bot.domain import program as rules
from bot.domain.pain import PainContext, PainEntry, rest_advice_since
from bot.domain.pain import rest_advised as domain_rest_advised
from bot.domain.routine import Status
from bot.domain.timezones import load_zone


class BadDayRule(Protocol):
    """What the program needs from the pain log."""

    async def is_bad_day(self, user_id: int, session: AsyncSession | None = None) -> bool: ...


class FeedbackResult(StrEnum):
    APPLIED = "applied"
    ALREADY = "already"  # answered before (a double tap or an old message): nothing changes
    NOT_YOURS = "not_yours"  # unknown run, another user's, or not completed: forged


@dataclass(frozen=True)
class FeedbackAnswer:
    result: FeedbackResult
    changes: tuple[rules.Change, ...] = ()
    #: Until when growth is frozen after the answer (None: not frozen), so the reply
    #: says what the program does now.
    frozen_until: datetime | None = None
    #: "Too hard" about a run the program had already held back: no second step back.
    already_held_back: bool = False


@dataclass(frozen=True)
class StretchLine:
    """One stretch in "📈 My program": its dose today and the last change."""

    stretch_id: str
    name: str
    easier_name: str
    dose: Dose
    content_dose: Dose
    state: rules.StretchState
    easier: bool
    left_out: bool
    offer_full: bool
    #: Today's level: steps above (or below) each routine's own dose, the same in all.
    level: int = 0
    #: Until when "It hurts" eases it off (easier version or left out), if it does.
    eased_until: datetime | None = None

    @property
    def changed(self) -> bool:
        return self.dose != self.content_dose or self.easier or self.left_out


@dataclass(frozen=True)
class RunEnd:
    """What the end of a run changed, and the stretches whose full version is offered."""

    changes: tuple[rules.Change, ...] = ()
    offers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunReads:
    """What applying a run reads of the pain log, when the tap that ended it read it
    already (`apply_run`'s ``known``): the user's zone, whether today is a bad day, the
    run's before/after levels, readings covering the advised-rest span before the run's
    end and when runs ended by "It hurts" (or a rest day) in that span."""

    zone: tzinfo
    bad_day: bool
    levels: dict[str, int] | None  # None: not read (read them)
    entries: Sequence[PainEntry]
    hurts: Sequence[datetime]


@dataclass(frozen=True)
class Overview:
    """ "📈 My program": every stretch, and until when growth is frozen (if it is)."""

    lines: list[StretchLine]
    frozen_until: datetime | None


# --- the plan a run keeps ---------------------------------------------------------------


def plan_json(steps: Sequence[RoutineStep]) -> str:
    """The steps as stored with a run: stretch id, dose, easier only, why, was."""
    return json.dumps(
        [
            {
                "s": step.stretch.id,
                "d": step.dose.model_dump(exclude_defaults=True),
                "e": step.easier_only,
                "w": step.why.value if step.why else None,
                "p": step.was.model_dump(exclude_defaults=True) if step.was else None,
            }
            for step in steps
        ],
        separators=(",", ":"),
    )


def steps_from_plan(plan: str, content: Content) -> list[RoutineStep] | None:
    """A run's stored steps; None when the plan no longer fits the content (a stretch
    removed or a dose now invalid), so the caller falls back to the routine itself."""
    try:
        items: list[dict[str, Any]] = json.loads(plan)
        steps = []
        for item in items:
            stretch = content.stretches[item["s"]]
            was = Dose.model_validate(item["p"]) if item.get("p") else None
            why = rules.Reason(item["w"]) if item.get("w") else None
            dose = Dose.model_validate(item["d"])
            steps.append(RoutineStep(stretch, dose, bool(item["e"]), why, was))
    except (KeyError, TypeError, ValueError, ValidationError):
        return None
    return steps or None


# --- applying a program to steps ----------------------------------------------------------


def _with_value(dose: Dose, field: rules.DoseField, value: int) -> Dose:
    return Dose.model_validate({**dose.model_dump(), field.value: value})


def dose_at(stretch: Stretch, level: int) -> Dose:
    """A stretch's own dose at a program level."""
    rule = stretch.progression_rule
    return _with_value(stretch.dose, rule.field, rule.value(level))


def adapt(
    program: rules.Program,
    steps: Sequence[RoutineStep],
    now: datetime,
    *,
    progress: bool = True,
) -> list[RoutineStep]:
    """The steps a user with ``program`` does at ``now``: each dose at the stretch's level
    (at most the routine's own without ``progress``), the easier version while eased off
    or chosen as the starting point, stretches left out for a week after their easier
    version hurt left out. Each changed step says why and what it was."""
    adapted: list[RoutineStep] = []
    for step in steps:
        stretch = step.stretch
        state = program.of(stretch.id)
        today = rules.prescribe(state, now, progress=progress)
        if today.left_out:
            continue
        rule = stretch.progression_rule
        base = dose_value(step.dose, rule.field)
        dose, was, why = step.dose, step.was, step.why
        if base is not None:
            value = rule.value(today.level, base)
            if value != base:
                dose = _with_value(step.dose, rule.field, value)
                why = today.reason if today.reason else rules.Reason.GREW
                previous = today.previous_level if today.previous_level is not None else 0
                if not progress:
                    previous = min(previous, 0)
                before = rule.value(previous, base)
                was = _with_value(step.dose, rule.field, before) if before != value else None
        easier_only = step.easier_only
        if today.easier and not easier_only:
            easier_only = True
            eased = state.eased(now) is not None
            why = rules.Reason.EASED if eased else rules.Reason.EASIER_START
        adapted.append(RoutineStep(stretch, dose, easier_only, why, was))
    return adapted


class ProgramService:
    """Use cases of the adaptive program."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        content: Content,
        pain: BadDayRule,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._content = content
        self._pain = pain

    @property
    def _rules(self) -> dict[str, rules.Progression]:
        return {sid: s.progression_rule for sid, s in self._content.stretches.items()}

    async def steps_for(
        self,
        user_id: int,
        steps: Sequence[RoutineStep],
        *,
        progress: bool = True,
        session: Executor | None = None,
    ) -> list[RoutineStep]:
        """The steps ``user_id`` does today of a routine whose resolved steps are
        ``steps`` (``Routine.steps(content)``, or a custom routine's): see ``adapt``.
        ``progress=False`` for a routine someone else prescribed (a share link) unless the
        user allowed it: doses never go above the prescribed ones, easing still applies.
        May return fewer steps (a stretch left out), even none. ``session``: read inside
        the caller's transaction."""
        if session is not None:
            program = await store.load(session, user_id)
        else:
            async with self._sessions() as own:
                program = await store.load(own, user_id)
        return adapt(program, steps, self._clock.now(), progress=progress)

    async def record_step(
        self,
        executor: Executor,
        run: RoutineRun,
        step: RoutineStep,
        outcome: rules.StepOutcome,
        *,
        chose_easier: bool,
    ) -> None:
        """One stretch of a run finished (inside the tap's transaction)."""
        await store.record_step(
            executor,
            user_id=run.user_id,
            run_id=run.id,
            step_index=run.step_index,
            stretch_id=step.stretch.id,
            outcome=outcome,
            chose_easier=chose_easier,
            easier_shown=chose_easier or step.easier_only,
            at=self._clock.now(),
        )

    async def _reads_of(self, session: AsyncSession, run: RoutineRun) -> RunReads:
        """What `_run_record` needs of the pain log, read in ``session`` (a run ended
        earlier: "How was it?"). The bad-day rule is not read (False)."""
        user = await users_db.get(session, run.user_id)
        zone = load_zone(user.time_zone) if user is not None and user.time_zone else UTC
        finished = run.finished_at or self._clock.now()
        since = rest_advice_since(finished, zone)
        levels = await runs_db.pain_levels(session, run.id)
        hurts = await runs_db.hurt_times_many(session, {run.user_id: since}, finished)
        entries = await pain_store.entries_since(session, run.user_id, since)
        return RunReads(zone, False, levels, entries, hurts.get(run.user_id, []))

    async def _run_record(
        self, executor: Executor, run: RoutineRun, stretch_ids: Sequence[str], known: RunReads
    ) -> rules.RunRecord:
        zone = known.zone
        finished = run.finished_at or self._clock.now()
        if known.levels is not None:
            levels = known.levels
        else:
            levels = await runs_db.pain_levels(executor, run.id)
        before = levels.get(PainContext.BEFORE.value)
        after = levels.get(PainContext.AFTER.value)
        local_day = finished.astimezone(zone).date()
        # The advised-rest rule /stretch and the reminder follow (less than 24 hours, or to
        # the end of its local day): a run it stood for is never a comfortable one.
        hurt_at = [at for at in known.hurts if at != run.finished_at]
        rest_advised = domain_rest_advised(hurt_at, known.entries, finished, zone)
        return rules.RunRecord(
            finished_at=finished,
            local_day=local_day,
            completed=run.status == Status.COMPLETED.value,
            stretch_ids=tuple(stretch_ids),
            steps=tuple(await store.run_steps(executor, run.id)),
            pain_rise=None if before is None or after is None else after - before,
            bad_day=known.bad_day,
            rest_advised=rest_advised,
        )

    async def apply_run(
        self,
        executor: Executor,
        run: RoutineRun,
        stretch_ids: Sequence[str],
        *,
        known: RunReads,
    ) -> RunEnd:
        """Apply a run that just ended (completed, or "It hurts") to the user's program,
        inside the transaction that ended it, so the run's end and its effect on the
        program are committed together or not at all (a process that stops in between
        leaves neither: the tap can be made again). ``stretch_ids``: the routine's
        stretches as given; ``known``: what the tap read of the pain log (not read
        again). Prebuilt Core statements on ``executor`` (the tap's connection). Returns
        what changed, and the stretches of the run whose full version may be tried
        again."""
        if run.status not in (Status.COMPLETED.value, Status.HURT.value):
            return RunEnd()
        now = self._clock.now()
        record = await self._run_record(executor, run, stretch_ids, known)
        program = await store.load(executor, run.user_id)
        outcome = rules.after_run(program, record, self._rules, now)
        await store.save(executor, run.user_id, program, outcome.program, outcome.changes)
        offers = tuple(
            sid
            for sid in dict.fromkeys(stretch_ids)
            if rules.offers_full_version(outcome.program.of(sid), now)
        )
        return RunEnd(outcome.changes, offers if record.completed else ())

    async def feedback(
        self,
        user_id: int,
        run_id: int,
        answer: rules.Feedback,
        stretch_ids: Sequence[str],
        *,
        stored: Callable[[], object] | None = None,
    ) -> FeedbackAnswer:
        """ "How was it?" answered for a completed run: stored once; a second answer (double
        tap, old message) changes nothing. ``stored`` is called once the answer is stored
        (the compare-and-set held), before the program's changes are worked out in the same
        transaction, so the tap can be answered meanwhile."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            run = await runs_db.get(session, run_id)
            if run is None or run.user_id != user_id or run.status != Status.COMPLETED.value:
                return FeedbackAnswer(FeedbackResult.NOT_YOURS)
            result = await session.execute(
                update(RoutineRun)
                .where(RoutineRun.id == run_id, RoutineRun.feedback.is_(None))
                .values(feedback=answer.value)
                .execution_options(synchronize_session=False)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return FeedbackAnswer(FeedbackResult.ALREADY)
            if stored is not None:
                stored()
            reads = await self._reads_of(session, run)
            record = await self._run_record(session, run, stretch_ids, reads)
            program = await store.load(session, user_id)
            later: list[rules.Change] = []
            if answer is rules.Feedback.TOO_HARD:
                until = now + timedelta(seconds=1)
                later = await store.changes_since(session, user_id, record.finished_at, until)
            already = answer is rules.Feedback.TOO_HARD and rules.held_back_since(record, later)
            outcome = rules.after_feedback(program, answer, record, self._rules, now, later)
            await store.save(session, user_id, program, outcome.program, outcome.changes)
        frozen = outcome.program.frozen_until if outcome.program.frozen(now) else None
        return FeedbackAnswer(
            FeedbackResult.APPLIED, outcome.changes, frozen_until=frozen, already_held_back=already
        )

    async def overview(self, user_id: int) -> Overview:
        """Every stretch with its dose today (at the content's dose when unchanged)."""
        now = self._clock.now()
        async with self._sessions() as session:
            program = await store.load(session, user_id)
        lines = []
        for stretch in self._content.stretches.values():
            state = program.of(stretch.id)
            today = rules.prescribe(state, now)
            step = RoutineStep(stretch, stretch.dose)
            [adapted] = adapt(program, [step], now) or [step]
            lines.append(
                StretchLine(
                    stretch_id=stretch.id,
                    name=stretch.name,
                    easier_name=stretch.easier.name,
                    dose=adapted.dose,
                    content_dose=stretch.dose,
                    state=state,
                    easier=today.easier,
                    left_out=today.left_out,
                    offer_full=rules.offers_full_version(state, now),
                    level=today.level,
                    eased_until=state.eased_until if state.eased(now) is not None else None,
                )
            )
        return Overview(lines, program.frozen_until if program.frozen(now) else None)

    async def reset(self, user_id: int, stretch_id: str | None) -> tuple[rules.Change, ...]:
        """Back to the content's doses for one stretch or (None) all; returns the changes
        (none when there was nothing to reset: a double tap)."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            program = await store.load(session, user_id)
            outcome = rules.reset(program, stretch_id, now)
            await store.save(session, user_id, program, outcome.program, outcome.changes)
        return outcome.changes

    async def full_again(self, user_id: int, stretch_id: str) -> tuple[rules.Change, ...]:
        """The user takes the offer to try the full version of a stretch again."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            program = await store.load(session, user_id)
            outcome = rules.back_to_full(program, stretch_id, now)
            await store.save(session, user_id, program, outcome.program, outcome.changes)
        return outcome.changes

    async def changes_between(
        self, user_id: int, since: datetime, until: datetime
    ) -> list[rules.Change]:
        """The program's changes in ``since``..``until`` that still stand (the weekly
        summary's list): what a reset undid is left out (`rules.standing_changes`), so the
        summary agrees with "📈 My program"."""
        async with self._sessions() as session:
            logged = await store.changes_since(session, user_id, since, until)
        return rules.standing_changes(logged)
