"""Callback data: every inline button's payload is built and matched here.

Payloads are short ASCII strings `<namespace>:<fields>` (Telegram allows 64 bytes). Handler
patterns are anchored and match the whole payload, so forged or malformed data falls
through to the catch-all handler, which answers it as an invalid button.
"""

from __future__ import annotations

import re
from datetime import time

MAX_CALLBACK_BYTES = 64


def _join(*parts: str | int) -> str:
    data = ":".join(str(part) for part in parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes")
    return data


# Reminder time presets (onboarding and settings): t:0730
TIME_PATTERN = re.compile(r"^t:(\d{4})$")


def time_choice(at: time) -> str:
    return _join("t", at.strftime("%H%M"))


def parse_time_choice(data: str) -> time | None:
    match = TIME_PATTERN.match(data)
    if not match:
        return None
    hours, minutes = int(match[1][:2]), int(match[1][2:])
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


# Time-zone confirmation: z:ok:Europe/Berlin, z:no
ZONE_PATTERN = re.compile(r"^z:(?:ok:([A-Za-z0-9_+\-/:]{1,58})|no)$")


def zone_confirm(zone_key: str) -> str:
    return _join("z", "ok", zone_key)


ZONE_RETRY = "z:no"


def parse_zone_confirm(data: str) -> str | None:
    """The zone key of a "yes" button, or None for "no"."""
    match = ZONE_PATTERN.match(data)
    return match[1] if match else None


# Settings menu: s:time, s:zone, s:days, s:pause, s:resume, s:weekly, s:menu, s:close
SETTINGS_ACTIONS = ("time", "zone", "days", "pause", "resume", "weekly", "menu", "close")
SETTINGS_PATTERN = re.compile(rf"^s:({'|'.join(SETTINGS_ACTIONS)})$")


def settings_action(action: str) -> str:
    if action not in SETTINGS_ACTIONS:
        raise ValueError(action)
    return _join("s", action)


# Weekday toggles: d:0 .. d:6
WEEKDAY_PATTERN = re.compile(r"^d:([0-6])$")


def weekday_toggle(day: int) -> str:
    return _join("d", day)


# Pause choices: p:1, p:3, p:7, p:0 (until resumed)
PAUSE_PATTERN = re.compile(r"^p:(0|1|3|7)$")


def pause_choice(days: int | None) -> str:
    return _join("p", days or 0)


# Reminder buttons: r:go:<delivery id>, r:snooze:<id>, r:skip:<id>
REMINDER_PATTERN = re.compile(r"^r:(go|snooze|skip):(\d{1,12})$")


def reminder_action(action: str, delivery_id: int) -> str:
    return _join("r", action, delivery_id)


# Start a routine by id (routine picker, summaries, bad-day suggestions): go:<routine id>
ROUTINE_START_PATTERN = re.compile(r"^go:([a-z0-9_]{1,40})$")


def routine_start(routine_id: str) -> str:
    return _join("go", routine_id)
