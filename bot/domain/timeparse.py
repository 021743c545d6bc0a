"""Parse the reminder time a user types ("7:30", "7pm", "19h", "0730").

Users type times in many local habits; we accept the common 24-hour and
12-hour spellings and reject anything ambiguous or out of range with
``None``, so the bot can ask again instead of guessing.
"""

from __future__ import annotations

import re
from datetime import time

#: Longer input is certainly not a time; bail out before any regex work.
_MAX_LEN = 24

_MERIDIEM = r"(?P<meridiem>a\.?m\.?|p\.?m\.?)"

# "7", "07", "7:30", "07.30", "7h30", "19h", "7:30:00", each optionally
# followed by am/pm. Only ASCII digits: ``\d`` would also match e.g.
# Arabic-Indic digits, which we do not want to half-support.
_SEPARATED = re.compile(
    r"(?P<hour>[0-9]{1,2})"
    r"(?:(?:[:.]|h)(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?|h)?"
    r"\s*" + _MERIDIEM + r"?"
)
# "730", "0730", "1915", optionally followed by am/pm.
_COMPACT = re.compile(r"(?P<hour>[0-9]{1,2})(?P<minute>[0-9]{2})\s*" + _MERIDIEM + r"?")

_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def parse_time_of_day(text: str) -> time | None:
    """A wall-clock time (whole minutes) from user text, or ``None``.

    24-hour: "7", "19", "7:30", "07:30", "07.30", "7h30", "19h", "0730",
    "730", "19:15:00" (seconds must be 00). 12-hour: "7pm", "7 pm",
    "7:30pm", "7.30 PM", "7 p.m.", "12am" (00:00), "12pm" (12:00); the hour
    must be 1..12 then. Also "noon" and "midnight". Minutes are 00..59 and
    always two digits ("7:5" is rejected as a likely typo).
    """
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > _MAX_LEN:
        return None
    if cleaned in _WORDS:
        return _WORDS[cleaned]

    match = _SEPARATED.fullmatch(cleaned) or _COMPACT.fullmatch(cleaned)
    if match is None:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    if (match.groupdict().get("second") or "00") != "00":
        return None
    if minute > 59:
        return None

    meridiem = match["meridiem"]
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour %= 12  # 12am -> 0, 12pm -> 12 below
        if meridiem.startswith("p"):
            hour += 12
    elif hour > 23:
        return None
    return time(hour, minute)


def format_time_of_day(value: time) -> str:
    """Canonical 24-hour ``HH:MM``, the form the bot echoes back and stores."""
    return f"{value.hour:02d}:{value.minute:02d}"
