"""`bot.lifecycle.freeze_heap`: start-up's objects leave the collector's way, later garbage
is still collected (a cycle made after the freeze is freed by the next collection)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot import lifecycle


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite runs as before


def test_freeze_keeps_later_cycles_collectable(unfrozen: None) -> None:
    survivor = _Node()  # alive at "start-up": frozen
    frozen = lifecycle.freeze_heap()
    assert frozen > 0 and gc.get_freeze_count() == frozen
    assert not any(o is survivor for o in gc.get_objects())  # no longer tracked by generations

    a, b = _Node(), _Node()
    a.other, b.other = b, a  # a cycle made after the freeze
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
