"""When a zone's clocks next change (daylight saving time), for the zone confirmation.

Pure: takes a `tzinfo` and an aware instant; no Telegram, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

#: How far ahead to look: every zone with DST changes at least twice a year.
HORIZON = timedelta(days=370)
_STEP = timedelta(days=7)


@dataclass(frozen=True)
class ClockChange:
    """The next change of a zone's UTC offset after an instant.

    `at` is the first local moment with the new offset; `before`/`after` are the offsets
    and `name_before`/`name_after` the zone's own abbreviations ("EST", "EDT"; tzdata's
    numeric "+03" where a zone has none)."""

    at: datetime
    before: timedelta
    after: timedelta
    name_before: str
    name_after: str


def next_clock_change(zone: tzinfo, instant: datetime) -> ClockChange | None:
    """The next offset change of `zone` within about a year of `instant` (aware), or None
    for a zone that keeps one offset (Asia/Tokyo, a fixed UTC offset). Found by weekly steps
    and then a bisection to the second, so it needs nothing but `tzinfo`."""
    if instant.tzinfo is None:
        raise ValueError(f"instant must be aware, got naive {instant!r}")
    # Arithmetic in UTC: Python adds and subtracts datetimes of one tzinfo on the wall clock.
    start = instant.astimezone(UTC)
    offset = start.astimezone(zone).utcoffset()
    low = start
    while low - start < HORIZON:
        high = low + _STEP
        if high.astimezone(zone).utcoffset() != offset:
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            changed = high.replace(microsecond=0).astimezone(zone)
            return ClockChange(
                at=changed,
                before=offset or timedelta(0),
                after=changed.utcoffset() or timedelta(0),
                name_before=start.astimezone(zone).tzname() or "",
                name_after=changed.tzname() or "",
            )
        low = high
    return None
