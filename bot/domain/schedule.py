"""When the next stretch reminder is due.

Pure functions, no Telegram and no database, so the rules can be tested
across every time zone and quoted in the README.

Conventions:

* Every stored moment is an aware UTC ``datetime``; every "day" is a *local*
  calendar date in the user's zone, passed in as a ``tzinfo``.
* Weekdays are ints, 0 = Monday .. 6 = Sunday (``date.weekday()``). A
  schedule's weekdays are a ``frozenset[int]``; an empty set means "no
  reminders", so the ``next_due*`` functions return ``None`` for it.
* The next reminder is always found by walking *local calendar dates* and
  converting "that date at that wall time" to UTC. We never add 24 hours to
  the previous instant, because a DST change would then drift the reminder
  by an hour.

DST rules (see :func:`local_instant`):

* A wall time that does not exist (skipped by a spring-forward jump) moves
  forward by the length of the gap: 02:30 on Berlin's spring-forward day is
  03:30 CEST.
* A wall time that happens twice (autumn fall-back) uses its first
  occurrence.
* In the rare case where moving forward leaves the local date entirely (a
  whole day skipped, as in Pacific/Apia on 2011-12-30, or a gap across
  midnight), that date gets no reminder rather than a duplicate one.

Pauses live in :mod:`bot.domain.reminder_plan`: "pause for N days" means no
reminders on the N local dates starting today; they resume on ``today + N``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

#: Monday .. Sunday, as returned by ``date.weekday()``.
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
WEEKDAYS_MON_FRI: frozenset[int] = frozenset(range(5))

#: How many local dates we are willing to walk before giving up. Seven covers
#: any non-empty weekday set; the slack covers dates swallowed by zone changes.
_SEARCH_DAYS = 21

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Due:
    """One scheduled reminder: when to send it and which local day it is for.

    ``local_date`` is kept next to the instant so callers can record "today's
    reminder was delivered/skipped" without converting time zones again.
    """

    at: datetime  # aware, UTC
    local_date: date


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes are a bug here: we could not tell which instant is meant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value!r}")


def _check_weekdays(weekdays: Iterable[int]) -> frozenset[int]:
    """Reject out-of-range days early; a typo like 7 for Sunday would never fire."""
    days = frozenset(weekdays)
    bad = sorted(d for d in days if isinstance(d, bool) or not 0 <= d <= 6)
    if bad:
        raise ValueError(f"weekdays must be ints 0 (Mon) .. 6 (Sun), got {bad}")
    return days


def _wall_clock(instant: datetime, zone: tzinfo) -> datetime:
    """The naive local wall-clock reading of ``instant`` in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def local_date_of(instant: datetime, zone: tzinfo) -> date:
    """The user's local calendar date at ``instant``; "today" for that user."""
    _require_aware(instant, "instant")
    return instant.astimezone(zone).date()


def local_now(instant: datetime, zone: tzinfo) -> datetime:
    """``instant`` expressed in ``zone`` (aware), for showing local times."""
    _require_aware(instant, "instant")
    return instant.astimezone(zone)


def local_instant(local_date: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``local_date`` in ``zone``.

    Done explicitly rather than trusting ``datetime.replace(tzinfo=...)``:
    we build every candidate instant ``wall - offset`` from the offsets that
    could apply around that wall time, and keep those whose round trip back
    to local time gives the requested wall time.

    * One or more round-trip: the wall time exists; take the earliest, i.e.
      the first occurrence on an autumn fall-back day.
    * None round-trips: the wall time is in a gap (spring forward). Use the
      offset in force *before* the jump, which lands ``gap`` later on the
      wall clock: 02:30 in Berlin on spring-forward day becomes 03:30 CEST.
    """
    if at.tzinfo is not None:
        raise ValueError(f"at must be a naive wall-clock time, got {at!r}")
    wall = datetime.combine(local_date, at)

    probes = [wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)]
    for shift in (-_ONE_DAY, _ONE_DAY):
        with suppress(OverflowError):  # next to date.min / date.max
            probes.append((wall + shift).replace(tzinfo=zone))
    offsets: set[timedelta] = set()
    for probe in probes:
        offset = probe.utcoffset()
        if offset is None:
            raise ValueError(f"zone {zone!r} has no UTC offset")
        offsets.add(offset)

    candidates = sorted((wall - offset).replace(tzinfo=UTC) for offset in offsets)
    exact = [c for c in candidates if _wall_clock(c, zone) == wall]
    if exact:
        return exact[0]

    # In a gap. The candidate built with the pre-jump offset reads *later*
    # than requested on the wall clock (by exactly the gap); the one built
    # with the post-jump offset reads earlier. Take the earliest that reads
    # later, i.e. the pre-jump one.
    later = [c for c in candidates if _wall_clock(c, zone) > wall]
    if not later:  # pragma: no cover - impossible for a consistent tzinfo
        raise ValueError(f"cannot place {wall} in {zone!r}")
    return later[0]


def _due_on(local_date: date, at: time, zone: tzinfo, weekdays: frozenset[int]) -> Due | None:
    """The reminder for ``local_date``, if that date has one.

    ``None`` if the weekday is not wanted, or if the wall time fell into a
    gap so large that it left the date (then the next date has its own).
    """
    if local_date.weekday() not in weekdays:
        return None
    instant = local_instant(local_date, at, zone)
    if local_date_of(instant, zone) != local_date:
        return None
    return Due(at=instant, local_date=local_date)


def _first_due(
    at: time,
    zone: tzinfo,
    weekdays: Iterable[int],
    start: date,
    after: datetime | None,
) -> Due | None:
    """Walk local dates from ``start``; first reminder strictly after ``after``."""
    days = _check_weekdays(weekdays)
    if not days:
        return None
    for step in range(_SEARCH_DAYS):
        due = _due_on(start + timedelta(days=step), at, zone, days)
        if due is not None and (after is None or due.at > after):
            return due
    return None  # pragma: no cover - only for zones that skip weeks


def next_due(at: time, zone: tzinfo, weekdays: frozenset[int], after: datetime) -> Due | None:
    """The first reminder strictly after ``after``.

    Searches local dates starting with ``after``'s own local date, so a
    reminder later today is found, and one at exactly ``after`` is not
    (that one is being sent now; the next is on the next allowed date).
    """
    _require_aware(after, "after")
    return _first_due(at, zone, weekdays, local_date_of(after, zone), after)


def next_due_after_date(
    at: time, zone: tzinfo, weekdays: frozenset[int], local_date: date
) -> Due | None:
    """The first reminder on a local date strictly after ``local_date``.

    Used once a day's reminder was delivered or skipped: whatever the clock
    says, that date is done.
    """
    return _first_due(at, zone, weekdays, local_date + _ONE_DAY, None)
