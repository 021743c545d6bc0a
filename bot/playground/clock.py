"""The playground's clock: real time plus an offset that only ever grows.

Hold timers and the reminder dispatcher keep running at real speed (a countdown ticks once a
second), while the page can jump ahead ("Next reminder", "+1 day", "+1 week").  Moving the
clock never moves it backwards, so nothing the bot planned is ever "in the future" twice.
The offset is kept in a small JSON file so a restarted playground resumes at the same time
as the database it reopens.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)


def _wall_now() -> datetime:
    return datetime.now(UTC)


class PlaygroundClock:
    """A `bot.clock.Clock`: ``now()`` is the wall clock plus a forward-only offset."""

    def __init__(
        self,
        offset: timedelta = timedelta(0),
        *,
        wall: Callable[[], datetime] = _wall_now,
        state_file: Path | None = None,
    ) -> None:
        if offset < timedelta(0):
            raise ValueError("the playground clock never runs behind the wall clock")
        self._offset = offset
        self._wall = wall
        self._state_file = state_file

    @classmethod
    def resume(cls, state_file: Path) -> PlaygroundClock:
        """The clock saved in ``state_file`` (offset 0 when there is none or it is unreadable)."""
        offset = timedelta(0)
        try:
            seconds = float(json.loads(state_file.read_text())["offset_seconds"])
            if seconds > 0:
                offset = timedelta(seconds=seconds)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning(
                "Ignoring the unreadable playground clock file: %s", type(error).__name__
            )
        return cls(offset, state_file=state_file)

    @property
    def offset(self) -> timedelta:
        """How far ahead of the wall clock the bot's time is."""
        return self._offset

    def now(self) -> datetime:
        """The bot's current instant (aware, UTC)."""
        return self._wall() + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (ValueError if negative); returns the new instant."""
        if delta < timedelta(0):
            raise ValueError("the playground clock only moves forward")
        self._offset += delta
        self._save()
        return self.now()

    def advance_to(self, instant: datetime) -> datetime:
        """Jump to ``instant`` if it is ahead; an instant in the past changes nothing."""
        if instant.tzinfo is None:
            raise ValueError("advance_to needs an aware datetime")
        ahead = instant - self.now()
        if ahead > timedelta(0):
            self._offset += ahead
            self._save()
        return self.now()

    def _save(self) -> None:
        if self._state_file is None:
            return
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"offset_seconds": self._offset.total_seconds()}))
        os.replace(temporary, self._state_file)
