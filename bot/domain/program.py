"""The adaptive program: how each stretch's dose grows, eases off and is held back.

Pure: plain data in, plain data out; no Telegram, no database, no content models. The
service (`bot.services.program`) loads a user's state and the run's per-stretch events,
calls these rules, stores the result and applies it to a routine's steps. The rules are
written out for users in ``docs/program.md``.

A stretch's dose moves in *levels*: level 0 is the content's dose; each level adds (or
takes away) the stretch's progression step on one field of the dose (repetitions, hold
seconds or sets), never past its ceiling or below its floor.

- **Grow**: after ``GROW_AFTER_DAYS`` completed routines on different local days that
  included the stretch, done without "Easier version" and without "It hurts", with no
  pain rise of ``PAIN_RISE`` or more and no bad day after any of them, and none while the
  bot's advice to rest stood ("It hurts", or a reading of 8-10, less than 24 hours before
  or earlier that local day: `bot.domain.pain.rest_advised`), the stretch goes up
  one level (two such days are enough after "Too easy" twice in a row). At most one
  level per stretch in ``GROWTH_GAP`` (7 days), never while progression is frozen and
  never while the stretch is eased off.
- **Ease**: "It hurts" on a stretch gives it in its easier version for ``EASE_FOR``
  (7 days); when the easier version was the one that hurt, it is left out instead.
  "Easier version" chosen on the same stretch in ``EASIER_IN_A_ROW`` routines in a row
  makes the easier version its starting point; after ``OFFER_FULL_AFTER`` (7 days)
  without "It hurts" on it, the bot offers the full version again.
- **Hold back**: a pain rise of ``PAIN_RISE`` or more from before to after a routine, a
  bad day (``bot.domain.pain.is_bad_day``) or "Too hard" freezes growth for ``FREEZE_FOR``
  (3 days), forgets the comfortable sessions counted so far and steps each stretch of
  that routine back one level. A bad day while growth is frozen extends the freeze
  without a second step back. One routine steps each stretch back once at most: "Too
  hard" after its pain rise does nothing more, "Too hard" after a bad day that only
  extended the freeze is its one step back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

#: Comfortable sessions (on different local days) that make a stretch grow one level.
GROW_AFTER_DAYS = 3
#: The same after "Too easy" was answered twice in a row for routines with the stretch.
GROW_SOONER_DAYS = 2
#: "Too easy" answers in a row that make a stretch grow sooner.
TOO_EASY_IN_A_ROW = 2
#: At most one level up per stretch within this time.
GROWTH_GAP = timedelta(days=7)
#: How long "It hurts" eases a stretch off (easier version, or left out).
EASE_FOR = timedelta(days=7)
#: How long a hold back freezes growth.
FREEZE_FOR = timedelta(days=3)
#: A rise from "before" to "after" a routine of at least this much holds back.
PAIN_RISE = 2
#: "Easier version" chosen in this many routines in a row makes it the starting point.
EASIER_IN_A_ROW = 2
#: With the easier version as the starting point, the full version is offered again
#: after this long without "It hurts" on the stretch.
OFFER_FULL_AFTER = timedelta(days=7)


class DoseField(StrEnum):
    """The part of a dose a stretch's progression changes."""

    REPS = "reps"
    HOLD_SECONDS = "hold_seconds"
    SETS = "sets"


@dataclass(frozen=True, slots=True)
class Progression:
    """How one stretch progresses: ``step`` added to ``field`` per level, within
    ``floor``..``ceiling``; ``start`` is the content's own value of that field.

    Raises ``ValueError`` unless ``1 <= floor <= start <= ceiling`` and ``step >= 1``.
    """

    field: DoseField
    step: int
    floor: int
    ceiling: int
    start: int

    def __post_init__(self) -> None:
        if self.step < 1:
            raise ValueError("step must be at least 1")
        if not 1 <= self.floor <= self.start <= self.ceiling:
            raise ValueError("needs 1 <= floor <= start <= ceiling")

    @property
    def min_level(self) -> int:
        """The lowest level: as many steps down as fit above the floor (0 or less)."""
        return -((self.start - self.floor) // self.step)

    @property
    def max_level(self) -> int:
        """The highest level: as many steps up as fit under the ceiling (0 or more)."""
        return (self.ceiling - self.start) // self.step

    def clamp(self, level: int) -> int:
        return max(self.min_level, min(self.max_level, level))

    def value(self, level: int, base: int | None = None) -> int:
        """The field's value at ``level`` for a routine whose own value is ``base``
        (default: the stretch's ``start``). Never above the ceiling or below the floor,
        except that a routine's own value outside them is itself the limit."""
        base = self.start if base is None else base
        low, high = min(self.floor, base), max(self.ceiling, base)
        return max(low, min(high, base + self.clamp(level) * self.step))


class Ease(StrEnum):
    """How "It hurts" eased a stretch off."""

    EASIER = "easier"  # its easier version
    LEFT_OUT = "out"  # left out of routines (the easier version hurt too)


class Reason(StrEnum):
    """Why a stretch's dose or version changed; shown to the user in their own words."""

    GREW = "grew"
    GREW_SOONER = "grew_sooner"  # after "Too easy" twice
    HELD_BACK_PAIN = "held_pain"  # pain rose by 2 or more after a routine
    HELD_BACK_BAD_DAY = "held_bad_day"
    HELD_BACK_TOO_HARD = "held_hard"
    EASED = "eased"  # "It hurts": easier version for a week
    LEFT_OUT = "left_out"  # "It hurts" on the easier version: left out for a week
    EASIER_START = "easier_start"  # "Easier version" twice in a row
    FULL_AGAIN = "full_again"  # the user took the offer to try the full version again
    RESET = "reset"


HOLD_BACK_REASONS = frozenset(
    {Reason.HELD_BACK_PAIN, Reason.HELD_BACK_BAD_DAY, Reason.HELD_BACK_TOO_HARD}
)
#: Changes that make a routine gentler (listed first where space is short).
EASING_REASONS = HOLD_BACK_REASONS | {Reason.EASED, Reason.LEFT_OUT, Reason.EASIER_START}


class StepOutcome(StrEnum):
    """How one stretch of a run ended."""

    DONE = "done"
    SKIPPED = "skipped"
    HURT = "hurt"


class Feedback(StrEnum):
    """The answer to "How was it?" at the end of a routine."""

    TOO_EASY = "easy"
    ABOUT_RIGHT = "ok"
    TOO_HARD = "hard"


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One stretch of a run as the user did it: the outcome, whether they chose
    "Easier version" on it, and whether the version on screen was the easier one (chosen,
    or given by the routine or the program)."""

    stretch_id: str
    outcome: StepOutcome
    chose_easier: bool = False
    easier_shown: bool = False


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A finished run, as the rules need it.

    ``stretch_ids``: every stretch of the routine as it was given (also those not reached);
    ``steps``: the stretches the user finished one way or another, in order.
    ``pain_rise``: after minus before, when both were logged; ``bad_day``: the bad-day rule
    held when the run ended; ``rest_advised``: the bot's advice to rest stood when the run ended
    (`bot.domain.pain.rest_advised`: "It hurts", or a reading of 8-10, less than 24 hours
    before or earlier that local day), so the run never counts as comfortable.
    """

    finished_at: datetime
    local_day: date
    completed: bool
    stretch_ids: tuple[str, ...]
    steps: tuple[StepRecord, ...] = ()
    pain_rise: int | None = None
    bad_day: bool = False
    rest_advised: bool = False


@dataclass(frozen=True, slots=True)
class StretchState:
    """A user's program for one stretch. The default is the content's dose, unchanged."""

    level: int = 0
    ease: Ease | None = None
    eased_until: datetime | None = None
    #: "Easier version" chosen in this many routines in a row with the stretch.
    easier_streak: int = 0
    #: Since when the easier version is the starting point (None: the full version).
    easier_since: datetime | None = None
    #: Comfortable sessions counted toward the next level, and the local day of the last.
    comfortable: int = 0
    comfortable_day: date | None = None
    #: "Too easy" answers in a row for routines with this stretch.
    too_easy: int = 0
    grown_at: datetime | None = None
    #: The last change: why, from which level, when.
    reason: Reason | None = None
    previous_level: int | None = None
    changed_at: datetime | None = None

    def eased(self, now: datetime) -> Ease | None:
        """The ease-off in force at ``now`` (it ends ``EASE_FOR`` after "It hurts")."""
        if self.ease is None or self.eased_until is None or now >= self.eased_until:
            return None
        return self.ease

    def is_default(self, now: datetime) -> bool:
        """Whether nothing about this stretch differs from the content."""
        return self.level == 0 and self.eased(now) is None and self.easier_since is None


@dataclass(frozen=True, slots=True)
class Program:
    """A user's whole program: per-stretch states and the growth freeze."""

    stretches: Mapping[str, StretchState] = field(default_factory=dict)
    frozen_until: datetime | None = None

    def of(self, stretch_id: str) -> StretchState:
        return self.stretches.get(stretch_id, StretchState())

    def frozen(self, now: datetime) -> bool:
        return self.frozen_until is not None and now < self.frozen_until


@dataclass(frozen=True, slots=True)
class Change:
    """One change the rules made, for the end-of-routine line, the card and the week."""

    stretch_id: str
    reason: Reason
    from_level: int
    to_level: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """The program after a run or an answer, and what changed."""

    program: Program
    changes: tuple[Change, ...] = ()


def _with(program: Program, stretch_id: str, state: StretchState) -> Program:
    stretches = dict(program.stretches)
    stretches[stretch_id] = state
    return replace(program, stretches=stretches)


def _changed(
    state: StretchState, reason: Reason, level: int, now: datetime
) -> tuple[StretchState, Change]:
    stretch_change = replace(
        state, level=level, reason=reason, previous_level=state.level, changed_at=now
    )
    return stretch_change, Change("", reason, state.level, level, now)


def _hold_back(
    program: Program,
    stretch_ids: Iterable[str],
    rules: Mapping[str, Progression],
    reason: Reason,
    now: datetime,
) -> Outcome:
    """Freeze growth, forget every comfortable session counted, step each stretch of the
    routine back one level (a stretch already at its floor stays).

    A bad day while growth is already frozen only extends the freeze: the hold back that
    froze it stepped back already, and steady high pain (7 before and after every day) is
    about the day, not the dose, so doses never shrink day after day for it. A pain rise
    or "Too hard" still steps back: they say this routine's dose was too much."""
    stretches = {
        sid: replace(state, comfortable=0, comfortable_day=None, too_easy=0)
        for sid, state in program.stretches.items()
    }
    changes: list[Change] = []
    frozen_until = max(now + FREEZE_FOR, program.frozen_until or now)
    if reason is Reason.HELD_BACK_BAD_DAY and program.frozen(now):
        return Outcome(Program(stretches, frozen_until))
    for sid in dict.fromkeys(stretch_ids):
        rule = rules.get(sid)
        state = stretches.get(sid, StretchState())
        if rule is None:
            continue
        lower = rule.clamp(state.level - 1)
        if lower < state.level:
            state, change = _changed(state, reason, lower, now)
            changes.append(replace(change, stretch_id=sid))
        stretches[sid] = state
    return Outcome(Program(stretches, frozen_until), tuple(changes))


def _try_grow(
    program: Program, stretch_id: str, rule: Progression | None, now: datetime
) -> Outcome:
    """Grow one level when the stretch has earned it and nothing forbids it now."""
    state = program.of(stretch_id)
    sooner = state.too_easy >= TOO_EASY_IN_A_ROW
    needed = GROW_SOONER_DAYS if sooner else GROW_AFTER_DAYS
    if (
        rule is None
        or state.comfortable < needed
        or state.level >= rule.max_level
        or program.frozen(now)
        or state.eased(now) is not None
        or (state.grown_at is not None and now - state.grown_at < GROWTH_GAP)
    ):
        return Outcome(program)
    reason = Reason.GREW_SOONER if sooner and state.comfortable < GROW_AFTER_DAYS else Reason.GREW
    grown, change = _changed(state, reason, state.level + 1, now)
    grown = replace(grown, grown_at=now, comfortable=0, comfortable_day=None, too_easy=0)
    return Outcome(_with(program, stretch_id, grown), (replace(change, stretch_id=stretch_id),))


def after_run(
    program: Program, run: RunRecord, rules: Mapping[str, Progression], now: datetime
) -> Outcome:
    """Apply one finished run (completed, or ended by "It hurts") to the program."""
    changes: list[Change] = []
    comfortable_run = run.completed and not run.bad_day and (run.pain_rise or 0) < PAIN_RISE
    for record in run.steps:
        sid = record.stretch_id
        state = program.of(sid)
        if state.eased(now) is None and state.ease is not None:  # an ease-off that ended
            state = replace(state, ease=None, eased_until=None)
        if record.outcome is StepOutcome.HURT:
            ease = Ease.LEFT_OUT if record.easier_shown else Ease.EASIER
            reason = Reason.LEFT_OUT if ease is Ease.LEFT_OUT else Reason.EASED
            state = replace(
                state,
                ease=ease,
                eased_until=now + EASE_FOR,
                easier_streak=0,
                comfortable=0,
                comfortable_day=None,
                too_easy=0,
                reason=reason,
                previous_level=state.level,
                changed_at=now,
            )
            if state.easier_since is not None:
                state = replace(state, easier_since=now)  # the 7 comfortable days start again
            changes.append(Change(sid, reason, state.level, state.level, now))
        elif record.outcome is StepOutcome.DONE and record.chose_easier:
            streak = state.easier_streak + 1
            state = replace(state, easier_streak=streak, comfortable=0, comfortable_day=None)
            if streak >= EASIER_IN_A_ROW and state.easier_since is None:
                state = replace(
                    state,
                    easier_since=now,
                    reason=Reason.EASIER_START,
                    previous_level=state.level,
                    changed_at=now,
                )
                changes.append(Change(sid, Reason.EASIER_START, state.level, state.level, now))
        elif record.outcome is StepOutcome.DONE:
            state = replace(state, easier_streak=0)
            new_day = state.comfortable_day != run.local_day
            counts = comfortable_run and not run.rest_advised and state.eased(now) is None
            if counts and new_day:
                state = replace(
                    state, comfortable=state.comfortable + 1, comfortable_day=run.local_day
                )
        program = _with(program, sid, state)
    if run.completed and not comfortable_run:
        reason = Reason.HELD_BACK_BAD_DAY if run.bad_day else Reason.HELD_BACK_PAIN
        held = _hold_back(program, run.stretch_ids, rules, reason, now)
        return Outcome(held.program, (*changes, *held.changes))
    for sid in dict.fromkeys(r.stretch_id for r in run.steps if r.outcome is StepOutcome.DONE):
        grown = _try_grow(program, sid, rules.get(sid), now)
        program = grown.program
        changes.extend(grown.changes)
    return Outcome(program, tuple(changes))


def held_back_since(run: RunRecord, later: Iterable[Change]) -> bool:
    """Whether a hold back stepped any of ``run``'s stretches back when or after it
    finished (its pain rose 2 or more, it ended on a bad day that found growth unfrozen,
    or a later routine with the same stretch was held back); ``later``: the program's
    changes from the run's end on, as logged (resets don't remove them). "Too hard" about
    such a run adds no second step back: one routine gives at most one step back, whatever
    number of signals say so. A bad day that only extended an existing freeze stepped
    nothing back, so "Too hard" about that routine is its one step back."""
    ids = frozenset(run.stretch_ids)
    return any(
        change.reason in HOLD_BACK_REASONS
        and change.stretch_id in ids
        and change.at >= run.finished_at
        for change in later
    )


def after_feedback(
    program: Program,
    feedback: Feedback,
    run: RunRecord,
    rules: Mapping[str, Progression],
    now: datetime,
    later: Sequence[Change] = (),
) -> Outcome:
    """Apply the answer to "How was it?" for a completed run: "Too hard" holds back (unless
    the run was already held back: `held_back_since` over ``later``, the changes logged
    from the run's end on); "Too easy" counts toward growing sooner (and may grow a
    stretch at once); "About right" ends a row of "Too easy"."""
    if feedback is Feedback.TOO_HARD:
        if held_back_since(run, later):  # one routine, one step back at most
            return Outcome(program)
        return _hold_back(program, run.stretch_ids, rules, Reason.HELD_BACK_TOO_HARD, now)
    done = dict.fromkeys(r.stretch_id for r in run.steps if r.outcome is StepOutcome.DONE)
    changes: list[Change] = []
    for sid in done:
        state = program.of(sid)
        count = state.too_easy + 1 if feedback is Feedback.TOO_EASY else 0
        program = _with(program, sid, replace(state, too_easy=count))
        if feedback is Feedback.TOO_EASY:
            grown = _try_grow(program, sid, rules.get(sid), now)
            program = grown.program
            changes.extend(grown.changes)
    return Outcome(program, tuple(changes))


def offers_full_version(state: StretchState, now: datetime) -> bool:
    """Whether to offer the full version again: the easier one has been the starting point
    for ``OFFER_FULL_AFTER`` without "It hurts" on the stretch, and it isn't eased off."""
    return (
        state.easier_since is not None
        and now - state.easier_since >= OFFER_FULL_AFTER
        and state.eased(now) is None
    )


def back_to_full(program: Program, stretch_id: str, now: datetime) -> Outcome:
    """The user took the offer: the full version is the starting point again."""
    state = program.of(stretch_id)
    if state.easier_since is None:
        return Outcome(program)
    state = replace(
        state,
        easier_since=None,
        easier_streak=0,
        reason=Reason.FULL_AGAIN,
        previous_level=state.level,
        changed_at=now,
    )
    change = Change(stretch_id, Reason.FULL_AGAIN, state.level, state.level, now)
    return Outcome(_with(program, stretch_id, state), (change,))


def reset(program: Program, stretch_id: str | None, now: datetime) -> Outcome:
    """Back to the content's doses and full versions, for one stretch or (``None``) all.

    A week's ease-off after "It hurts" stays: it is a safety rule, not a dose.
    """
    changes: list[Change] = []
    stretches = dict(program.stretches)
    for sid, state in program.stretches.items():
        if stretch_id is not None and sid != stretch_id:
            continue
        if state.level == 0 and state.easier_since is None:
            continue
        stretches[sid] = StretchState(
            ease=state.ease,
            eased_until=state.eased_until,
            reason=Reason.RESET,
            previous_level=state.level,
            changed_at=now,
        )
        changes.append(Change(sid, Reason.RESET, state.level, 0, now))
    return Outcome(replace(program, stretches=stretches), tuple(changes))


#: What a reset undoes: dose and version. A week's ease-off after "It hurts" stays.
UNDONE_BY_RESET = frozenset(Reason) - {Reason.EASED, Reason.LEFT_OUT}


def standing_changes(changes: Sequence[Change]) -> list[Change]:
    """A period's changes (in order) as the program stands at its end: what a later reset of
    a stretch undid is dropped (its dose and version changes, and an earlier reset), and
    the reset is kept only when it changed something from where the stretch stood when
    the period began (its line then starts from there). A week's ease-off after "It
    hurts" stays: a reset keeps it. The weekly summary lists these."""
    kept: list[Change] = []
    for change in changes:
        if change.reason is not Reason.RESET:
            kept.append(change)
            continue
        undone = [
            c for c in kept if c.stretch_id == change.stretch_id and c.reason in UNDONE_BY_RESET
        ]
        if not undone:  # it undid what came before the period
            kept.append(change)
            continue
        kept = [c for c in kept if not any(c is u for u in undone)]
        start = undone[0].from_level
        # Back to full from an easier start, or a reset before that changed something:
        # the period began away from the starting point, so the reset is a change.
        version = any(c.reason in (Reason.FULL_AGAIN, Reason.RESET) for c in undone)
        if start != change.to_level or version:
            kept.append(replace(change, from_level=start))
    return kept


@dataclass(frozen=True, slots=True)
class Prescription:
    """What a user does of one stretch today: the level to apply, whether only the easier
    version is given, whether it is left out, and the last change (for "why")."""

    level: int
    easier: bool
    left_out: bool
    reason: Reason | None
    previous_level: int | None


def prescribe(state: StretchState, now: datetime, *, progress: bool = True) -> Prescription:
    """Today's prescription for one stretch. Without ``progress`` (a routine prescribed by
    someone else), and while eased off after "It hurts", the dose never goes above the
    routine's own; easing and holding back still apply."""
    eased = state.eased(now)
    # Eased off after "It hurts", or prescribed by someone else: never above the start.
    level = state.level if progress and eased is None else min(0, state.level)
    return Prescription(
        level=level,
        easier=eased is Ease.EASIER or state.easier_since is not None,
        left_out=eased is Ease.LEFT_OUT,
        reason=state.reason,
        previous_level=state.previous_level,
    )
