"""The guided routine as a state machine: which phase, which step, what a tap does.

Pure: the service stores the state in the database and the handlers render it. Every
transition bumps `version`; buttons carry the version they were drawn for, so a double
tap or a button from an older message is recognised instead of advancing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from bot.domain.pain import RED_FLAG_LEVEL


class Phase(StrEnum):
    CONSENT = "consent"  # asking once whether pain levels may be stored
    BEFORE = "before"  # "How is your back right now?"
    CHECK = "check"  # a high reading before: warning signs, then gentle routine or rest
    # the reading before made today a bad day or brought advice (persistent pain): switch
    # to the gentle routine, go on, or stop for today
    SUGGEST = "suggest"
    STEP = "step"  # doing stretch number step_index
    AFTER = "after"  # "How is your back now?"
    FINISHED = "finished"


class Status(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"
    HURT = "hurt"  # ended by "It hurts", or a rest day chosen after a high reading
    ABANDONED = "abandoned"  # replaced by a new routine before it ended


class Action(StrEnum):
    CONSENT_YES = "cy"
    CONSENT_NO = "cn"
    PAIN = "pain"  # a level was recorded (before or after)
    SKIP_PAIN = "np"
    DONE = "done"
    SKIP = "skip"
    EASIER = "easy"
    STANDARD = "std"
    TIMER = "timer"
    HURT = "hurt"
    STOP = "stop"
    GENTLE = "gentle"  # after a high reading: go on with the gentle routine
    GO_ON = "go"  # after a reading that brought advice: go on with this routine
    REST = "rest"  # after a high reading: rest today


@dataclass(frozen=True)
class RoutineState:
    """Where a user is in one run of a routine."""

    total_steps: int
    phase: Phase
    status: Status = Status.ACTIVE
    step_index: int = 0
    version: int = 0
    easier: bool = False
    steps_done: int = 0
    steps_skipped: int = 0
    timer_round: int | None = None  # the hold being timed (side × set), if any

    @property
    def active(self) -> bool:
        return self.status is Status.ACTIVE

    @property
    def progress(self) -> tuple[int, int]:
        """(current stretch number, total), 1-based, for "2 of 5"."""
        return min(self.step_index + 1, self.total_steps), self.total_steps


class InvalidTransition(Exception):
    """The action makes no sense in this phase (a forged or out-of-place button)."""


def begin(total_steps: int, *, needs_consent: bool, pain_checks: bool = True) -> RoutineState:
    """A new run: ask for consent, or start with the pain check, or (without a pain log)
    with the first stretch."""
    if total_steps < 1:
        raise ValueError("a routine needs at least one stretch")
    if needs_consent:
        return RoutineState(total_steps, Phase.CONSENT)
    return RoutineState(total_steps, Phase.BEFORE if pain_checks else Phase.STEP)


PAIN_PHASES = (Phase.BEFORE, Phase.AFTER)
STEP_ACTIONS = (Action.DONE, Action.SKIP, Action.EASIER, Action.STANDARD, Action.TIMER)


def apply(
    state: RoutineState,
    action: Action,
    *,
    timer_rounds: int = 0,
    level: int | None = None,
    suggest: bool = False,
) -> RoutineState:
    """The state after `action` (`level`: the reading of a PAIN action). Raises
    InvalidTransition when it doesn't apply.

    High-pain rule: a reading of 8 or more before a routine never starts it straight
    away; the run waits in CHECK until the user picks the gentle routine or rest.
    `suggest`: the reading before (below 8) made today a bad day or brought advice, and
    the routine isn't gentle: the run waits in SUGGEST for the gentle routine, going on
    (GO_ON) or rest.
    A routine whose every stretch was skipped ends STOPPED, never COMPLETED.
    """
    if not state.active:
        raise InvalidTransition("the routine has ended")
    bumped = replace(state, version=state.version + 1)
    if action in (Action.HURT, Action.STOP):
        status = Status.HURT if action is Action.HURT else Status.STOPPED
        return replace(bumped, status=status, phase=Phase.FINISHED, timer_round=None)
    if state.phase in (Phase.CHECK, Phase.SUGGEST):
        if action is Action.GENTLE or (action is Action.GO_ON and state.phase is Phase.SUGGEST):
            return replace(bumped, phase=Phase.STEP)
        if action is Action.REST:
            return replace(bumped, phase=Phase.FINISHED, status=Status.HURT)
        raise InvalidTransition(action)
    if state.phase is Phase.CONSENT:
        if action is Action.CONSENT_YES:
            return replace(bumped, phase=Phase.BEFORE)
        if action is Action.CONSENT_NO:  # no pain questions in this run
            return replace(bumped, phase=Phase.STEP)
        raise InvalidTransition(action)
    if state.phase in PAIN_PHASES:
        if action not in (Action.PAIN, Action.SKIP_PAIN):
            raise InvalidTransition(action)
        if state.phase is Phase.BEFORE:
            high = action is Action.PAIN and level is not None and level >= RED_FLAG_LEVEL
            if high:
                return replace(bumped, phase=Phase.CHECK)
            advised = suggest and action is Action.PAIN
            return replace(bumped, phase=Phase.SUGGEST if advised else Phase.STEP)
        return replace(bumped, phase=Phase.FINISHED, status=Status.COMPLETED)
    if state.phase is Phase.STEP and action in STEP_ACTIONS:
        if action is Action.EASIER:
            return replace(bumped, easier=True)
        if action is Action.STANDARD:
            return replace(bumped, easier=False)
        if action is Action.TIMER:
            next_round = 0 if state.timer_round is None else state.timer_round + 1
            if next_round >= timer_rounds:
                raise InvalidTransition("no hold left to time")
            return replace(bumped, timer_round=next_round)
        done = state.steps_done + (action is Action.DONE)
        skipped = state.steps_skipped + (action is Action.SKIP)
        moved = replace(
            bumped, steps_done=done, steps_skipped=skipped, easier=False, timer_round=None
        )
        if state.step_index + 1 < state.total_steps:
            return replace(moved, step_index=state.step_index + 1)
        if done == 0:  # every stretch skipped: nothing to ask about, nothing to celebrate
            return replace(
                moved, step_index=state.total_steps, phase=Phase.FINISHED, status=Status.STOPPED
            )
        return replace(moved, step_index=state.total_steps, phase=Phase.AFTER)
    raise InvalidTransition(action)


def finish_without_after_check(state: RoutineState) -> RoutineState:
    """Completed when the user gave no consent for pain levels (nothing to ask after)."""
    if state.phase is not Phase.AFTER:
        raise InvalidTransition("not at the end")
    return replace(state, phase=Phase.FINISHED, status=Status.COMPLETED, version=state.version + 1)
