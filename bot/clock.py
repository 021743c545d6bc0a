"""The clock the bot reads the time from.

Everything that asks "what time is it?" goes through a `Clock`, so tests (and the
playground) can move through days, DST changes and time zones without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests, benchmarks and the playground."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (aware)."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new instant."""
        self._now += delta
        return self._now
