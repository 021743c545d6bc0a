"""When a user's next daily reminder is due, given their preferences.

Combines the schedule arithmetic with subscription state and pauses, so the dispatcher
and the settings screens agree on one answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.schedule import Due, local_date_of, next_due, next_due_after_date
from bot.domain.timezones import load_zone

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL_WEEKDAYS = frozenset(range(7))


def weekdays_from_mask(mask: int) -> frozenset[int]:
    """Bit 0 is Monday ... bit 6 is Sunday."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def mask_from_weekdays(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


@dataclass(frozen=True)
class ReminderPrefs:
    """Everything that decides when a reminder is due."""

    at: time | None
    zone_key: str | None
    weekdays: frozenset[int]
    subscribed: bool
    paused_until: date | None = None
    paused_indefinitely: bool = False

    @property
    def complete(self) -> bool:
        return self.at is not None and self.zone_key is not None


def next_reminder(
    prefs: ReminderPrefs, now: datetime, *, done_through: date | None = None
) -> Due | None:
    """The next reminder strictly after `now`, or None when none is due.

    `done_through` is the last local date already handled (sent or skipped), so after a
    delivery the next one lands on a later local date, never "+24 h". A pause means no
    reminder before the local date `paused_until`.
    """
    if not prefs.subscribed or prefs.paused_indefinitely or not prefs.complete:
        return None
    assert prefs.at is not None and prefs.zone_key is not None
    zone = load_zone(prefs.zone_key)
    floor = done_through
    if prefs.paused_until is not None:
        last_paused = prefs.paused_until - timedelta(days=1)
        floor = last_paused if floor is None else max(floor, last_paused)
    due = next_due(prefs.at, zone, prefs.weekdays, now)
    if due is not None and floor is not None and due.local_date <= floor:
        due = next_due_after_date(prefs.at, zone, prefs.weekdays, floor)
    return due


def first_paused_day(prefs: ReminderPrefs, now: datetime, last_reminder_date: date | None) -> date:
    """The first local date a pause chosen at `now` covers: today while today's reminder is
    still to come, otherwise tomorrow (a pause of N days tapped after today's reminder, or
    after its time, skips the next N days' reminders rather than counting a day that has
    nothing left to skip). `last_reminder_date`: the latest local date that already has a
    reminder (sent, skipped, uncertain or waiting), as for `promised_reminder`. Without a
    time or zone yet: today (UTC without a zone).

    Examples (reminder at 07:00): pause at 06:30 covers today; at 07:30 (today's sent) or
    after a snoozed one came, it starts tomorrow. A day without a reminder (weekdays off)
    left today counts from tomorrow too."""
    if not prefs.complete:
        return now.date() if prefs.zone_key is None else local_today(prefs.zone_key, now)
    assert prefs.zone_key is not None
    today = local_today(prefs.zone_key, now)
    unpaused = replace(prefs, subscribed=True, paused_until=None, paused_indefinitely=False)
    due = next_reminder(unpaused, now, done_through=last_reminder_date)
    return today if due is not None and due.local_date == today else today + timedelta(days=1)


def subscribed_since(
    previous: datetime | None,
    now: datetime,
    zone_key: str | None,
    last_reminder_date: date | None,
) -> datetime:
    """When reminders count as on since (``users.subscribed_at``, aware UTC) after they go
    from off to on at `now` (/start or Resume after /stop, or setup finished).

    `previous`: the value before; `last_reminder_date`: the latest local date with a daily
    reminder row. Reminders that were on earlier this local Monday-Sunday week (the
    previous value falls in it, or a reminder came on a day of it) keep `previous`: a
    /stop and /start within the week doesn't make the weekly summary call it "a short
    week". Otherwise `now` (the week really started with the switch on).

    Example: on since Mon 30 Nov, /stop then /start on Wed 2 Dec after Wednesday's
    reminder: still Mon 30 Nov. Off since three weeks, /start on Wed: Wed."""
    if previous is None:
        return now
    zone = load_zone(zone_key) if zone_key else UTC
    today = local_date_of(now, zone)
    monday = today - timedelta(days=today.weekday())
    on_this_week = local_date_of(previous, zone) >= monday or (
        last_reminder_date is not None and last_reminder_date >= monday
    )
    return previous if on_this_week and previous <= now else now


def promised_reminder(
    prefs: ReminderPrefs, now: datetime, last_reminder_date: date | None
) -> Due | None:
    """The next reminder to promise after any settings change (time, zone, days, pause).

    Reminders are at most one per local date and never go back in local dates, so the
    next one is the first due strictly after `now` on a local date after
    `last_reminder_date`, the latest local date that already has its reminder (sent,
    skipped, uncertain or still waiting). This is exactly what the dispatcher will send:
    it creates a date's reminder only on a date after the last one, and the database's
    unique key refuses a second one for a date.

    Examples (reminder already sent today): 07:00 → 18:00 gives tomorrow 18:00, not
    "today 18:00"; Tokyo → Los Angeles right after Tuesday's 08:00 in Tokyo gives
    Wednesday 08:00 in Los Angeles (Tuesday had its reminder), and across the date line
    likewise; moving east (Los Angeles → Tokyo) after Monday's gives Tuesday in Tokyo.
    """
    return next_reminder(prefs, now, done_through=last_reminder_date)


def paused_on(day: date, paused_until: date | None, paused_indefinitely: bool) -> bool:
    """Whether reminders are paused on local `day` (no daily reminder comes that day):
    paused until resumed, or `day` is before `paused_until`, the local date they resume."""
    return paused_indefinitely or (paused_until is not None and day < paused_until)


def local_today(zone_key: str, now: datetime) -> date:
    return local_date_of(now, load_zone(zone_key))
