"""The /routines builder's filters over all content: every stretch offered, in the version
the builder gives, keeps what the filters say ("🪑 Chair only": done on a chair; "🪶
Gentle": the easier version, nothing standing, the first stretch's position), and saving
it keeps the routine's promises (`bot.content.check_routine`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.content import Routine, RoutineItem, check_routine, load_content
from bot.domain.my_routines import CHAIR_POSITIONS, given_easier, library

CONTENT = load_content(Path(__file__).resolve().parents[2] / "content")
STRETCHES = CONTENT.stretches
FIRSTS: list[str | None] = [None, *STRETCHES]


@pytest.mark.parametrize(("chair_only", "gentle"), list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("first", FIRSTS)
def test_every_offered_stretch_keeps_the_filters_promises(
    chair_only: bool, gentle: bool, first: str | None
) -> None:
    items: list[RoutineItem] = []
    if first is not None:
        easier = given_easier(STRETCHES[first], chair_only=chair_only, gentle=gentle)
        if easier is None:
            return  # the builder would never have offered it as the first stretch
        items.append(RoutineItem(stretch=first, easier=easier))
    offered = library(STRETCHES, items, chair_only=chair_only, gentle=gentle)
    for stretch in offered:
        easier = given_easier(stretch, chair_only=chair_only, gentle=gentle)
        assert easier is not None, stretch.id
        version = stretch.easier if easier else stretch
        if chair_only:
            assert version.position in CHAIR_POSITIONS, (stretch.id, version.position)
        if gentle:
            assert easier and version.position != "standing", stretch.id
        # Picked together with the first, the routine keeps its promises.
        picked = [*items, RoutineItem(stretch=stretch.id, easier=easier)]
        routine = Routine(
            id="mine",
            title="Mine",
            description="Mine",
            items=tuple(picked),
            no_floor=chair_only,
            gentle=gentle,
        )
        check_routine(routine, STRETCHES)
    if not chair_only and not gentle:
        assert {s.id for s in offered} == set(STRETCHES)


def test_chair_only_offers_every_stretch_that_has_a_chair_version() -> None:
    """Nothing done on a chair is held back: the stretch, or its seated easier version."""
    offered = {s.id for s in library(STRETCHES, [], chair_only=True, gentle=False)}
    on_a_chair = {
        s.id
        for s in STRETCHES.values()
        if s.position in CHAIR_POSITIONS or s.easier.position in CHAIR_POSITIONS
    }
    assert offered == on_a_chair and offered
    fold = STRETCHES["forward_fold"]
    assert fold.position == "standing" and given_easier(fold, chair_only=True, gentle=False)
