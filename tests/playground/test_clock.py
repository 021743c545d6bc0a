"""The playground clock runs with the wall clock and only ever jumps forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.playground.clock import PlaygroundClock

WALL = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


class Wall:
    def __init__(self) -> None:
        self.now = WALL

    def __call__(self) -> datetime:
        return self.now


def test_it_follows_the_wall_clock_plus_the_offset() -> None:
    wall = Wall()
    clock = PlaygroundClock(wall=wall)
    assert clock.now() == WALL
    wall.now += timedelta(seconds=3)
    assert clock.now() == WALL + timedelta(seconds=3)
    clock.advance(timedelta(days=1))
    assert clock.now() == WALL + timedelta(days=1, seconds=3)


def test_it_never_moves_backwards() -> None:
    wall = Wall()
    clock = PlaygroundClock(wall=wall)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    clock.advance_to(WALL + timedelta(hours=5))
    assert clock.now() == WALL + timedelta(hours=5)
    clock.advance_to(WALL + timedelta(hours=1))  # in the past now: nothing happens
    assert clock.now() == WALL + timedelta(hours=5)
    with pytest.raises(ValueError):
        clock.advance_to(datetime(2026, 4, 1))  # naive
    with pytest.raises(ValueError):
        PlaygroundClock(timedelta(seconds=-5))


def test_a_restarted_playground_resumes_its_time(tmp_path: Path) -> None:
    state = tmp_path / "clock.json"
    first = PlaygroundClock.resume(state)
    assert first.offset == timedelta(0)
    first.advance(timedelta(days=7))
    again = PlaygroundClock.resume(state)
    assert again.offset == timedelta(days=7)
    state.write_text("not json")
    assert PlaygroundClock.resume(state).offset == timedelta(0)
