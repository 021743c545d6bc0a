"""The adaptive program's rules: grow, ease, hold back, feedback, reset (pure, Hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.program import (
    EASE_FOR,
    FREEZE_FOR,
    GROWTH_GAP,
    HOLD_BACK_REASONS,
    OFFER_FULL_AFTER,
    Change,
    DoseField,
    Ease,
    Feedback,
    Program,
    Progression,
    Reason,
    RunRecord,
    StepOutcome,
    StepRecord,
    after_feedback,
    after_run,
    back_to_full,
    offers_full_version,
    prescribe,
    reset,
    standing_changes,
)

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
RULES = {
    "bridge": Progression(DoseField.REPS, 1, 5, 12, 8),
    "fold": Progression(DoseField.HOLD_SECONDS, 5, 10, 30, 20),
    "twist": Progression(DoseField.HOLD_SECONDS, 5, 10, 40, 20),
}
IDS = tuple(RULES)


def run(
    at: datetime,
    *steps: StepRecord,
    completed: bool = True,
    pain_rise: int | None = 0,
    bad_day: bool = False,
    rest_advised: bool = False,
) -> RunRecord:
    return RunRecord(
        finished_at=at,
        local_day=at.date(),
        completed=completed,
        stretch_ids=IDS,
        steps=steps,
        pain_rise=pain_rise,
        bad_day=bad_day,
        rest_advised=rest_advised,
    )


def done(stretch_id: str, *, easier: bool = False) -> StepRecord:
    return StepRecord(stretch_id, StepOutcome.DONE, chose_easier=easier, easier_shown=easier)


def hurt(stretch_id: str, *, easier_shown: bool = False) -> StepRecord:
    return StepRecord(stretch_id, StepOutcome.HURT, easier_shown=easier_shown)


def comfortable_days(program: Program, days: int, start: datetime = T0) -> Program:
    for day in range(days):
        at = start + timedelta(days=day)
        program = after_run(program, run(at, done("bridge"), done("fold")), RULES, at).program
    return program


# --- examples -------------------------------------------------------------------------------


def test_three_comfortable_days_grow_one_step() -> None:
    program = comfortable_days(Program(), 2)
    assert program.of("bridge").level == 0
    at = T0 + timedelta(days=2)
    outcome = after_run(program, run(at, done("bridge")), RULES, at)
    assert outcome.program.of("bridge").level == 1
    assert [c.reason for c in outcome.changes] == [Reason.GREW]
    assert RULES["bridge"].value(1) == 9


def test_two_routines_on_one_day_count_once() -> None:
    program = Program()
    for hours in (0, 5, 10):
        at = T0 + timedelta(hours=hours)
        program = after_run(program, run(at, done("bridge")), RULES, at).program
    assert program.of("bridge").level == 0
    assert program.of("bridge").comfortable == 1


def test_easier_version_on_it_means_no_growth() -> None:
    program = comfortable_days(Program(), 2)
    at = T0 + timedelta(days=2)
    program = after_run(program, run(at, done("bridge", easier=True)), RULES, at).program
    assert program.of("bridge").level == 0 and program.of("bridge").comfortable == 0


def test_pain_rise_holds_back_every_stretch_of_the_routine_and_freezes() -> None:
    program = comfortable_days(Program(), 3)
    assert program.of("bridge").level == 1
    at = T0 + timedelta(days=3)
    outcome = after_run(program, run(at, done("bridge"), pain_rise=2), RULES, at)
    assert outcome.program.of("bridge").level == 0
    assert outcome.program.of("fold").level == 0  # it had grown too
    assert outcome.program.of("twist").level == -1  # in the routine, not reached
    assert {c.reason for c in outcome.changes} == {Reason.HELD_BACK_PAIN}
    assert outcome.program.frozen_until == at + FREEZE_FOR


def test_it_hurts_gives_the_easier_version_for_a_week_then_the_full_one() -> None:
    outcome = after_run(Program(), run(T0, hurt("fold"), completed=False), RULES, T0)
    state = outcome.program.of("fold")
    assert [c.reason for c in outcome.changes] == [Reason.EASED]
    grown = replace(state, level=2)
    assert prescribe(grown, T0).level == 0  # never above the start while eased off
    assert prescribe(grown, T0 + EASE_FOR).level == 2
    assert prescribe(state, T0 + EASE_FOR - timedelta(seconds=1)).easier
    assert not prescribe(state, T0 + EASE_FOR).easier


def test_it_hurts_on_the_easier_version_leaves_the_stretch_out_for_a_week() -> None:
    outcome = after_run(
        Program(), run(T0, hurt("fold", easier_shown=True), completed=False), RULES, T0
    )
    state = outcome.program.of("fold")
    assert state.ease is Ease.LEFT_OUT
    assert prescribe(state, T0 + timedelta(days=6)).left_out
    assert not prescribe(state, T0 + EASE_FOR).left_out


def test_easier_twice_in_a_row_becomes_the_start_and_full_is_offered_after_a_week() -> None:
    program = Program()
    for day in range(2):
        at = T0 + timedelta(days=day)
        outcome = after_run(program, run(at, done("bridge", easier=True)), RULES, at)
        program = outcome.program
    assert [c.reason for c in outcome.changes] == [Reason.EASIER_START]
    state = program.of("bridge")
    assert prescribe(state, T0 + timedelta(days=2)).easier
    assert not offers_full_version(state, T0 + timedelta(days=7))
    assert offers_full_version(state, T0 + timedelta(days=1) + OFFER_FULL_AFTER)
    back = back_to_full(program, "bridge", T0 + timedelta(days=9)).program
    assert not prescribe(back.of("bridge"), T0 + timedelta(days=9)).easier


def test_easier_on_separate_not_consecutive_routines_is_not_a_row() -> None:
    program = Program()
    for day, easier in enumerate((True, False, True)):
        at = T0 + timedelta(days=day)
        program = after_run(program, run(at, done("bridge", easier=easier)), RULES, at).program
    assert program.of("bridge").easier_since is None


def test_too_easy_twice_grows_after_two_days() -> None:
    program = Program()
    for day in range(2):
        at = T0 + timedelta(days=day)
        record = run(at, done("bridge"))
        program = after_run(program, record, RULES, at).program
        outcome = after_feedback(program, Feedback.TOO_EASY, record, RULES, at)
        program = outcome.program
    assert program.of("bridge").level == 1
    assert [c.reason for c in outcome.changes] == [Reason.GREW_SOONER]


def test_too_hard_holds_back() -> None:
    record = run(T0, done("bridge"))
    program = after_run(Program(), record, RULES, T0).program
    outcome = after_feedback(program, Feedback.TOO_HARD, record, RULES, T0)
    assert outcome.program.of("bridge").level == -1
    assert outcome.program.frozen(T0 + timedelta(days=2))


def test_reset_restores_the_content_dose_but_keeps_a_weeks_ease_off() -> None:
    program = comfortable_days(Program(), 3)
    at = T0 + timedelta(days=3)
    program = after_run(program, run(at, hurt("fold"), completed=False), RULES, at).program
    outcome = reset(program, None, at)
    assert outcome.program.of("bridge").level == 0
    assert prescribe(outcome.program.of("fold"), at).easier
    assert reset(outcome.program, None, at).changes == ()  # a second reset changes nothing


def test_progression_checks_its_numbers() -> None:
    with pytest.raises(ValueError):
        Progression(DoseField.REPS, 1, 5, 12, 13)
    with pytest.raises(ValueError):
        Progression(DoseField.REPS, 0, 5, 12, 8)


def test_a_routine_on_the_day_of_it_hurts_is_not_comfortable() -> None:
    """The playground's case: "It hurts" on Monday, a full routine later that day, then two
    easy days: that is two comfortable days, not three, so nothing grows yet."""
    program = after_run(Program(), run(T0, hurt("fold"), completed=False), RULES, T0).program
    same_day = T0 + timedelta(hours=3)
    program = after_run(
        program, run(same_day, done("bridge"), rest_advised=True), RULES, same_day
    ).program
    assert program.of("bridge").comfortable == 0
    for day in (1, 2):
        at = T0 + timedelta(days=day)
        outcome = after_run(program, run(at, done("bridge")), RULES, at)
        program = outcome.program
        assert not outcome.changes
    at = T0 + timedelta(days=3)
    grown = after_run(program, run(at, done("bridge")), RULES, at)
    assert [c.reason for c in grown.changes] == [Reason.GREW]


def test_steady_bad_days_step_back_once_and_keep_the_freeze() -> None:
    """The playground's case: pain 7 before and after every routine for two weeks. The first
    bad day steps back one level; every later one, while frozen, only extends the freeze."""
    program = comfortable_days(Program(), 3)  # bridge and fold grew one step
    start = T0 + timedelta(days=8)
    changes: list[Change] = []
    for day in range(14):
        at = start + timedelta(days=day)
        bad = run(at, done("bridge"), done("fold"), pain_rise=0, bad_day=True)
        outcome = after_run(program, bad, RULES, at)
        program = outcome.program
        changes += outcome.changes
        assert program.frozen_until == at + FREEZE_FOR
    assert [(c.stretch_id, c.from_level, c.to_level) for c in changes] == [
        ("bridge", 1, 0),
        ("fold", 1, 0),
        ("twist", 0, -1),
    ]
    # a pain rise or "Too hard" while frozen still steps back: this routine was too much
    at = start + timedelta(days=14)
    rose = after_run(program, run(at, done("bridge"), pain_rise=2), RULES, at)
    assert {c.reason for c in rose.changes} == {Reason.HELD_BACK_PAIN}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 100), max_size=30))
def test_bad_days_while_frozen_never_step_back_again(gaps: list[int]) -> None:
    """Any run of bad days: a stretch steps back only on a bad day that finds growth
    unfrozen, and the freeze always lasts 3 days from the latest bad day."""
    program, now = Program(), T0
    for gap in gaps:
        now += timedelta(hours=gap)
        was_frozen = program.frozen(now)
        before = {sid: program.of(sid).level for sid in IDS}
        outcome = after_run(program, run(now, done("bridge"), bad_day=True), RULES, now)
        program = outcome.program
        stepped = {c.stretch_id for c in outcome.changes}
        if was_frozen:
            assert not stepped
        else:
            assert stepped == {sid for sid in IDS if before[sid] > RULES[sid].min_level}
        assert program.frozen_until is not None and program.frozen_until >= now + FREEZE_FOR


# --- properties over random histories ----------------------------------------------------------


@dataclass(frozen=True)
class Event:
    gap_hours: int
    stretches: tuple[tuple[str, StepOutcome, bool], ...]  # id, outcome, chose easier
    completed: bool
    pain_rise: int | None
    bad_day: bool
    feedback: Feedback | None
    high_reading: bool  # a reading of 8-10 earlier that day


events = st.builds(
    Event,
    gap_hours=st.integers(0, 80),
    stretches=st.lists(
        st.tuples(st.sampled_from(IDS), st.sampled_from(list(StepOutcome)), st.booleans()),
        max_size=3,
        unique_by=lambda item: item[0],
    ).map(tuple),
    completed=st.booleans(),
    pain_rise=st.one_of(st.none(), st.integers(-5, 5)),
    bad_day=st.booleans(),
    feedback=st.one_of(st.none(), st.sampled_from(list(Feedback))),
    high_reading=st.booleans(),
)


@dataclass
class History:
    changes: list[Change]
    holds: list[datetime]  # when a routine was held back (pain, bad day, too hard)
    hurts: dict[str, list[datetime]]
    final: Program
    end: datetime
    per_run: list[list[Change]]  # each run's changes: its end and its "How was it?" answer


def simulate(history: list[Event]) -> History:
    program, now = Program(), T0
    changes: list[Change] = []
    holds: list[datetime] = []
    hurts: dict[str, list[datetime]] = {sid: [] for sid in IDS}
    per_run: list[list[Change]] = []
    for event in history:
        now += timedelta(hours=event.gap_hours)
        steps = tuple(
            StepRecord(sid, outcome, chose_easier=easier, easier_shown=easier)
            for sid, outcome, easier in event.stretches
        )
        ended_by_hurt = any(s.outcome is StepOutcome.HURT for s in steps)
        completed = event.completed and not ended_by_hurt
        hurt_today = any(at.date() == now.date() for ats in hurts.values() for at in ats)
        rest_advised = event.high_reading or hurt_today
        record = run(
            now,
            *steps,
            completed=completed,
            pain_rise=event.pain_rise,
            bad_day=event.bad_day,
            rest_advised=rest_advised,
        )
        for step in steps:
            if step.outcome is StepOutcome.HURT:
                hurts[step.stretch_id].append(now)
        if completed and (event.bad_day or (event.pain_rise or 0) >= 2):
            holds.append(now)
        was_frozen = program.frozen(now)
        outcome = after_run(program, record, RULES, now)
        if rest_advised:  # the day the bot advised rest never counts as comfortable
            for sid in IDS:
                assert outcome.program.of(sid).comfortable <= program.of(sid).comfortable
        if completed and event.bad_day and was_frozen:
            # a bad day while frozen: the freeze is extended, nothing steps back again
            assert not any(c.reason is Reason.HELD_BACK_BAD_DAY for c in outcome.changes)
            assert outcome.program.frozen(now + FREEZE_FOR - timedelta(seconds=1))
        program = outcome.program
        changes += outcome.changes
        per_run.append(list(outcome.changes))
        if completed and event.feedback is not None:
            if event.feedback is Feedback.TOO_HARD:
                holds.append(now)
            since_run = tuple(per_run[-1])  # the changes logged from the run's end on
            outcome = after_feedback(program, event.feedback, record, RULES, now, since_run)
            program = outcome.program
            changes += outcome.changes
            per_run[-1] += outcome.changes
        for sid, rule in RULES.items():
            level = program.of(sid).level
            assert rule.min_level <= level <= rule.max_level
            assert rule.floor <= rule.value(level) <= rule.ceiling
    return History(changes, holds, hurts, program, now, per_run)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_doses_stay_between_floor_and_ceiling(history: list[Event]) -> None:
    simulate(history)  # asserts after every event


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_growth_is_one_step_a_week_and_never_soon_after_pain_or_it_hurts(
    history: list[Event],
) -> None:
    result = simulate(history)
    grown: dict[str, datetime] = {}
    for change in result.changes:
        if change.reason not in (Reason.GREW, Reason.GREW_SOONER):
            continue
        assert change.to_level == change.from_level + 1
        previous = grown.get(change.stretch_id)
        assert previous is None or change.at - previous >= GROWTH_GAP
        grown[change.stretch_id] = change.at
        assert not any(h <= change.at < h + FREEZE_FOR for h in result.holds), "grew while frozen"
        assert not any(h <= change.at < h + EASE_FOR for h in result.hurts[change.stretch_id])


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_hold_backs_only_lower_and_ease_off_ends_after_a_week(history: list[Event]) -> None:
    result = simulate(history)
    for change in result.changes:
        if change.reason in HOLD_BACK_REASONS:
            assert change.to_level == change.from_level - 1
    for sid in IDS:
        state = result.final.of(sid)
        later = result.end + EASE_FOR
        assert state.eased(later) is None
        today = prescribe(state, later)
        assert not today.left_out
        assert today.easier == (state.easier_since is not None)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_one_routine_steps_each_stretch_back_at_most_once(history: list[Event]) -> None:
    """A pain rise, a bad day and "Too hard" about one routine are signals about the same
    routine: together they step each of its stretches back one step at most."""
    for changes in simulate(history).per_run:
        for sid in IDS:
            back = sum(
                c.from_level - c.to_level
                for c in changes
                if c.stretch_id == sid and c.reason in HOLD_BACK_REASONS
            )
            assert back <= 1, changes


def test_too_hard_after_a_pain_rise_adds_no_second_step_back() -> None:
    """The testers' case: pain rose 2 after the routine, then "😣 Too hard"."""
    record = run(T0, StepRecord("bridge", StepOutcome.DONE), pain_rise=2)
    held = after_run(Program(), record, RULES, T0)
    assert {(c.reason, c.to_level) for c in held.changes} == {(Reason.HELD_BACK_PAIN, -1)}
    later = T0 + timedelta(minutes=1)
    answered = after_feedback(held.program, Feedback.TOO_HARD, record, RULES, later, held.changes)
    assert answered.changes == () and answered.program == held.program
    # Without the pain rise, "Too hard" is the routine's one step back.
    calm = run(T0, StepRecord("bridge", StepOutcome.DONE), pain_rise=0)
    ended = after_run(Program(), calm, RULES, T0)
    hard = after_feedback(ended.program, Feedback.TOO_HARD, calm, RULES, later)
    assert {(c.reason, c.to_level) for c in hard.changes} == {(Reason.HELD_BACK_TOO_HARD, -1)}


def test_too_hard_after_a_bad_day_that_only_extended_the_freeze_steps_back_once() -> None:
    """Decided (docs/program.md): a bad day while frozen steps nothing back, so "Too hard"
    about that routine is its one step back; a second "Too hard" or a later reset of the
    doses brings no second one for that routine."""
    first = run(T0, done("bridge"), bad_day=True)
    held = after_run(Program(), first, RULES, T0)
    assert ("bridge", Reason.HELD_BACK_BAD_DAY, -1) in {
        (c.stretch_id, c.reason, c.to_level) for c in held.changes
    }
    at = T0 + timedelta(days=1)  # frozen: a bad day only extends the freeze
    second = run(at, done("bridge"), bad_day=True)
    extended = after_run(held.program, second, RULES, at)
    assert extended.changes == () and extended.program.frozen_until == at + FREEZE_FOR
    later = at + timedelta(minutes=1)
    hard = after_feedback(extended.program, Feedback.TOO_HARD, second, RULES, later, ())
    assert ("bridge", Reason.HELD_BACK_TOO_HARD, -1, -2) in {
        (c.stretch_id, c.reason, c.from_level, c.to_level) for c in hard.changes
    }
    assert {c.reason for c in hard.changes} == {Reason.HELD_BACK_TOO_HARD}
    # The first routine was stepped back by its own bad day: "Too hard" about it (a late
    # tap, the logged changes since its end in hand) adds nothing.
    logged = (*held.changes, *hard.changes)
    again = after_feedback(hard.program, Feedback.TOO_HARD, first, RULES, later, logged)
    assert again.changes == () and again.program == hard.program
    # A reset after the step back doesn't make room for a second one for that routine.
    wiped = reset(hard.program, None, later)
    logged = (*logged, *wiped.changes)
    once_more = after_feedback(wiped.program, Feedback.TOO_HARD, second, RULES, later, logged)
    assert once_more.changes == ()


@settings(max_examples=200, deadline=None)
@given(st.lists(events, max_size=30), st.one_of(st.none(), st.sampled_from(IDS)))
def test_reset_restores_content_doses(history: list[Event], stretch_id: str | None) -> None:
    result = simulate(history)
    after = reset(result.final, stretch_id, result.end).program
    for sid in IDS:
        if stretch_id is not None and sid != stretch_id:
            assert after.of(sid) == result.final.of(sid)
            continue
        state = after.of(sid)
        assert state.level == 0 and state.easier_since is None
        assert RULES[sid].value(prescribe(state, result.end).level) == RULES[sid].start


@settings(max_examples=100, deadline=None)
@given(st.integers(-10, 10), st.integers(1, 60))
def test_without_progress_a_prescribed_dose_never_grows(level: int, base: int) -> None:
    from bot.domain.program import StretchState

    today = prescribe(StretchState(level=level), T0, progress=False)
    assert RULES["twist"].value(today.level, base) <= max(base, RULES["twist"].floor)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_no_comfortable_day_when_rest_was_advised(history: list[Event]) -> None:
    """Over random histories (a run after "It hurts" the same local day, or after a
    reading of 8-10): the comfortable count never goes up (asserted in `simulate`), so
    growth needs three other days."""
    simulate(history)


@settings(max_examples=200, deadline=None)
@given(st.lists(events, max_size=30), st.one_of(st.none(), st.sampled_from(IDS)))
def test_a_reset_leaves_only_what_still_stands_in_the_weeks_changes(
    history: list[Event], stretch_id: str | None
) -> None:
    """The weekly summary's list after a reset agrees with the program: nothing the reset
    undid, and each stretch's listed steps add up to the level it is at now."""
    result = simulate(history)
    outcome = reset(result.final, stretch_id, result.end + timedelta(minutes=1))
    listed = standing_changes([*result.changes, *outcome.changes])
    kept_through_reset = {Reason.EASED, Reason.LEFT_OUT}
    for sid in IDS:
        mine = [c for c in listed if c.stretch_id == sid]
        if any(c.stretch_id == sid for c in outcome.changes):  # the reset undid something
            assert all(c.reason in kept_through_reset for c in mine), mine
        else:
            assert mine == [c for c in result.changes if c.stretch_id == sid]
        assert sum(c.to_level - c.from_level for c in mine) == outcome.program.of(sid).level


def test_a_reset_of_changes_made_before_the_week_is_listed() -> None:
    """A stretch that grew last week and again this week, then reset: one line, from where
    the week began; a grow-and-reset within the week shows nothing; "It hurts" stays."""
    week = T0 + timedelta(days=7)
    changes = [
        Change("bridge", Reason.GREW, 1, 2, week),
        Change("fold", Reason.GREW, 0, 1, week),
        Change("twist", Reason.EASED, 0, 0, week),
        Change("twist", Reason.HELD_BACK_TOO_HARD, 0, -1, week),
        Change("bridge", Reason.RESET, 2, 0, week + timedelta(hours=1)),
        Change("fold", Reason.RESET, 1, 0, week + timedelta(hours=1)),
        Change("twist", Reason.RESET, -1, 0, week + timedelta(hours=1)),
    ]
    assert standing_changes(changes) == [
        Change("twist", Reason.EASED, 0, 0, week),
        Change("bridge", Reason.RESET, 1, 0, week + timedelta(hours=1)),
    ]
    # Changes after the reset stand.
    later = Change("fold", Reason.GREW, 0, 1, week + timedelta(days=1))
    assert standing_changes([*changes, later])[-1] == later
