"""The routine state machine: phases, steps, versions and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_begin_modes() -> None:
    assert begin(3, needs_consent=True).phase is Phase.CONSENT
    assert begin(3, needs_consent=False).phase is Phase.BEFORE
    assert begin(3, needs_consent=False, pain_checks=False).phase is Phase.STEP
    with pytest.raises(ValueError):
        begin(0, needs_consent=False)


def test_a_full_run() -> None:
    state = begin(2, needs_consent=True)
    state = apply(state, Action.CONSENT_YES)
    assert state.phase is Phase.BEFORE
    state = apply(state, Action.PAIN)
    assert (state.phase, state.step_index, state.progress) == (Phase.STEP, 0, (1, 2))
    state = apply(state, Action.EASIER)
    assert state.easier and state.step_index == 0
    state = apply(state, Action.DONE)
    assert (state.step_index, state.easier, state.steps_done) == (1, False, 1)
    state = apply(state, Action.SKIP)
    assert (state.phase, state.steps_skipped, state.progress) == (Phase.AFTER, 1, (2, 2))
    state = apply(state, Action.PAIN)
    assert state.status is Status.COMPLETED and state.phase is Phase.FINISHED
    assert state.version == 6


def test_consent_no_skips_the_pain_checks_and_the_end_completes() -> None:
    state = apply(begin(1, needs_consent=True), Action.CONSENT_NO)
    assert state.phase is Phase.STEP
    state = apply(state, Action.DONE)
    assert state.phase is Phase.AFTER
    done = finish_without_after_check(state)
    assert done.status is Status.COMPLETED and done.version == state.version + 1


def test_timer_rounds_are_counted_and_limited() -> None:
    state = begin(1, needs_consent=False, pain_checks=False)
    state = apply(state, Action.TIMER, timer_rounds=2)
    assert state.timer_round == 0
    state = apply(state, Action.TIMER, timer_rounds=2)
    assert state.timer_round == 1
    with pytest.raises(InvalidTransition):
        apply(state, Action.TIMER, timer_rounds=2)
    with pytest.raises(InvalidTransition):
        apply(begin(1, needs_consent=False, pain_checks=False), Action.TIMER, timer_rounds=0)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (begin(2, needs_consent=True), Action.DONE),
        (begin(2, needs_consent=False), Action.DONE),
        (begin(2, needs_consent=False, pain_checks=False), Action.PAIN),
        (begin(2, needs_consent=False, pain_checks=False), Action.CONSENT_YES),
    ],
)
def test_out_of_place_actions_are_refused(state: RoutineState, action: Action) -> None:
    with pytest.raises(InvalidTransition):
        apply(state, action)


def test_hurt_and_stop_end_from_any_phase_and_nothing_applies_after() -> None:
    for start in (begin(2, needs_consent=True), begin(2, needs_consent=False)):
        hurt = apply(start, Action.HURT)
        assert hurt.status is Status.HURT and hurt.phase is Phase.FINISHED
        stopped = apply(start, Action.STOP)
        assert stopped.status is Status.STOPPED
        for action in Action:
            with pytest.raises(InvalidTransition):
                apply(hurt, action, timer_rounds=3)


@given(
    total=st.integers(min_value=1, max_value=8),
    actions=st.lists(st.sampled_from(list(Action)), max_size=40),
)
def test_every_applied_tap_bumps_the_version_and_moves_at_most_one_step(
    total: int, actions: list[Action]
) -> None:
    state = begin(total, needs_consent=True)
    for action in actions:
        try:
            new = apply(state, action, timer_rounds=2)
        except InvalidTransition:
            continue
        assert new.version == state.version + 1
        assert 0 <= new.step_index - state.step_index <= 1
        assert new.steps_done + new.steps_skipped <= total
        assert new.step_index <= total
        state = new


@pytest.mark.parametrize("level", [0, 5, 7])
def test_an_ordinary_reading_before_starts_the_first_stretch(level: int) -> None:
    state = apply(begin(3, needs_consent=False), Action.PAIN, level=level)
    assert state.phase is Phase.STEP


@pytest.mark.parametrize("level", [8, 9, 10])
def test_a_high_reading_before_waits_for_gentle_or_rest(level: int) -> None:
    check = apply(begin(3, needs_consent=False), Action.PAIN, level=level)
    assert check.phase is Phase.CHECK and check.active
    for refused in (Action.DONE, Action.SKIP, Action.TIMER, Action.PAIN, Action.EASIER):
        with pytest.raises(InvalidTransition):
            apply(check, refused)
    gentle = apply(check, Action.GENTLE)
    assert gentle.phase is Phase.STEP and gentle.step_index == 0
    rest = apply(check, Action.REST)
    assert (rest.phase, rest.status, rest.steps_done) == (Phase.FINISHED, Status.HURT, 0)
    assert apply(check, Action.STOP).status is Status.STOPPED


@pytest.mark.parametrize("level", [0, 5, 7])
def test_a_reading_that_brought_advice_waits_for_gentle_go_on_or_rest(level: int) -> None:
    suggest = apply(begin(3, needs_consent=False), Action.PAIN, level=level, suggest=True)
    assert suggest.phase is Phase.SUGGEST and suggest.active
    for refused in (Action.DONE, Action.SKIP, Action.TIMER, Action.PAIN, Action.EASIER):
        with pytest.raises(InvalidTransition):
            apply(suggest, refused)
    for onwards in (Action.GENTLE, Action.GO_ON):
        going = apply(suggest, onwards)
        assert going.phase is Phase.STEP and going.step_index == 0
    rest = apply(suggest, Action.REST)
    assert (rest.phase, rest.status, rest.steps_done) == (Phase.FINISHED, Status.HURT, 0)
    # a high reading keeps its stricter question: no "go on" there
    check = apply(begin(3, needs_consent=False), Action.PAIN, level=8, suggest=True)
    assert check.phase is Phase.CHECK
    with pytest.raises(InvalidTransition):
        apply(check, Action.GO_ON)
    # a skipped reading brings nothing to suggest from
    skipped = apply(begin(3, needs_consent=False), Action.SKIP_PAIN, suggest=True)
    assert skipped.phase is Phase.STEP


def test_a_high_reading_after_is_not_a_question() -> None:
    state = apply(begin(1, needs_consent=False, pain_checks=False), Action.DONE)
    assert state.phase is Phase.AFTER
    finished = apply(state, Action.PAIN, level=10)
    assert finished.status is Status.COMPLETED


def test_every_stretch_skipped_is_stopped_not_completed() -> None:
    state = begin(3, needs_consent=False, pain_checks=False)
    for _ in range(3):
        state = apply(state, Action.SKIP)
    assert (state.phase, state.status) == (Phase.FINISHED, Status.STOPPED)
    one_done = begin(2, needs_consent=False, pain_checks=False)
    one_done = apply(apply(one_done, Action.SKIP), Action.DONE)
    assert one_done.phase is Phase.AFTER  # one stretch done: a real, if short, routine
