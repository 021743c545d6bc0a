"""Callback data: every inline button's payload is built and matched here.

Payloads are short ASCII strings `<namespace>:<fields>` (Telegram allows 64 bytes). Every
kind has a `parse_*` function that returns None for anything malformed or out of range
(ids beyond PostgreSQL's BIGINT columns, impossible times and timestamps), and handlers are
registered with `matcher(parse_*)` as their pattern, so forged, stale-format or odd data
never reaches them: it falls through to the catch-all, which answers "That button isn't
valid any more".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import NamedTuple

MAX_CALLBACK_BYTES = 64
MAX_ID = 2**63 - 1
"""Row ids are BIGINT (int64) columns on PostgreSQL (64-bit rowids on SQLite); larger
numbers can't be ours. Every payload with the largest id still fits in 64 bytes."""
ID = r"(\d{1,19})"
"""A row id's digits in a pattern (bounded by `MAX_ID` after matching)."""
MAX_VERSION = 999_999
MAX_TIMESTAMP = 253_402_300_799
"""9999-12-31T23:59:59Z, the last instant a `datetime` can hold."""


def matcher(parse: Callable[[str], object | None]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: the data parses into a valid value."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and parse(data) is not None

    return matches


def _bounded(digits: str, low: int, high: int) -> int | None:
    value = int(digits)
    return value if low <= value <= high else None


def _row_id(digits: str) -> int | None:
    return _bounded(digits, 1, MAX_ID)


def _join(*parts: str | int) -> str:
    data = ":".join(str(part) for part in parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes")
    return data


# Questions (bot/domain/questions.py): their buttons end with the question's sequence number,
# so a button of a question that was answered or replaced is recognisably stale.
SEQ = r"(\d{1,9})"


# Reminder time presets (onboarding and settings): t:0730:<seq>
TIME_PATTERN = re.compile(rf"^t:(\d{{4}}):{SEQ}$")


def time_choice(at: time, seq: int) -> str:
    return _join("t", at.strftime("%H%M"), seq)


def parse_time_choice(data: str) -> tuple[time, int] | None:
    """(time, question seq) of a preset button; None if malformed or not a time of day."""
    match = TIME_PATTERN.match(data)
    if not match:
        return None
    hours, minutes = int(match[1][:2]), int(match[1][2:])
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes), int(match[2])


# Time-zone confirmation or pick: z:ok:Europe/Berlin:<seq>; "No, change it": z:no:<seq>
ZONE_PATTERN = re.compile(rf"^z:(?:ok:([A-Za-z0-9_+\-/:]{{1,48}})|no):{SEQ}$")


def zone_confirm(zone_key: str, seq: int) -> str:
    return _join("z", "ok", zone_key, seq)


def zone_retry(seq: int) -> str:
    return _join("z", "no", seq)


def parse_zone_confirm(data: str) -> tuple[str | None, int] | None:
    """(zone key, or None for "no"; question seq) of a zone button; None if malformed."""
    match = ZONE_PATTERN.match(data)
    if not match or match[1] == "":
        return None
    return match[1], int(match[2])


# Leave a question (its Cancel or Back button): q:x:<seq>
QUESTION_CANCEL_PATTERN = re.compile(rf"^q:x:{SEQ}$")


def question_cancel(seq: int) -> str:
    return _join("q", "x", seq)


def parse_question_cancel(data: str) -> int | None:
    """The question seq of a Cancel/Back button; None if malformed."""
    match = QUESTION_CANCEL_PATTERN.match(data)
    return int(match[1]) if match else None


def leaves_the_question(data: str) -> bool:
    """Whether a button starts or changes another flow, so the open question is left (and
    the user is told so): the settings menu, starting a routine and routines. Buttons that
    answer a question or only show something (cautions, warning signs), and forged data,
    keep it. So do a reminder's Snooze and Skip today: they only edit the reminder and read
    no typed text, so the question and its buttons stay valid beside them. The builder's
    "Name it" and "⏰ Time" (before setup: "Set up daily reminders") keep it too: each asks
    its own question, which replaces any other (`asking.ask` says so), and tapped twice,
    the one it opened stays open.

    Such a button's handler leaves the question (`bot.handlers.asking.leave_for_button`)
    once it proved the button to be the person's own and valid: a forged or foreign one
    (another user's routine, draft, run or reminder, a made-up id, a setting before setup)
    is refused and leaves the question open."""
    builder = parse_builder(data)
    if (builder is not None and builder.action == "name") or data == settings_action("time"):
        return False
    reminder = parse_reminder_reply(data)
    if reminder is not None:
        return False
    return any(pattern.match(data) for pattern in _OTHER_FLOWS)


# Settings menu: s:time, s:zone, s:days, s:pause, s:resume, s:weekly_on / s:weekly_off (the
# state wanted, so a double tap doesn't switch it back; s:weekly, an older menu's toggle),
# s:menu, s:close
SETTINGS_ACTIONS = (
    "time",
    "zone",
    "days",
    "pause",
    "resume",
    "weekly",
    "weekly_on",
    "weekly_off",
    "routine",
    "program",
    "menu",
    "close",
)
SETTINGS_PATTERN = re.compile(rf"^s:({'|'.join(SETTINGS_ACTIONS)})$")


def settings_action(action: str) -> str:
    if action not in SETTINGS_ACTIONS:
        raise ValueError(action)
    return _join("s", action)


def parse_settings_action(data: str) -> str | None:
    match = SETTINGS_PATTERN.match(data)
    return match[1] if match else None


# A routine id in buttons: a shipped routine's id, or a user routine's "u-<row id>".
ROUTINE_REF = r"([a-z0-9_]{1,40}|u-[1-9][0-9]{0,18})"


def _routine_ref(ref: str) -> str | None:
    """The ref, with a user routine's row id bounded like every other id."""
    if ref.startswith("u-") and _row_id(ref[2:]) is None:
        return None
    return ref


# The routine the reminder starts: dr:<routine id>
DEFAULT_ROUTINE_PATTERN = re.compile(rf"^dr:{ROUTINE_REF}$")


def default_routine(routine_id: str) -> str:
    return _join("dr", routine_id)


def parse_default_routine(data: str) -> str | None:
    """The routine id (whether it exists, and is theirs, is the service's business)."""
    match = DEFAULT_ROUTINE_PATTERN.match(data)
    return _routine_ref(match[1]) if match else None


# Weekdays: d:<0..6>:<1|0>, the day and the state wanted (on, off), so a double tap
# doesn't switch it back; d:<0..6> (an older message's toggle) switches it.
WEEKDAY_PATTERN = re.compile(r"^d:([0-6])(?::([01]))?$")


class WeekdayTap(NamedTuple):
    day: int  # 0 (Monday) .. 6 (Sunday)
    on: bool | None  # the state wanted; None: switch it (an older message's button)


def weekday_toggle(day: int, on: bool) -> str:
    return _join("d", day, int(on))


def parse_weekday_toggle(data: str) -> WeekdayTap | None:
    match = WEEKDAY_PATTERN.match(data)
    if not match:
        return None
    return WeekdayTap(int(match[1]), None if match[2] is None else match[2] == "1")


# Pause choices: p:1, p:3, p:7, p:0 (until resumed)
PAUSE_PATTERN = re.compile(r"^p:(0|1|3|7)$")


def pause_choice(days: int | None) -> str:
    return _join("p", days or 0)


def parse_pause_choice(data: str) -> int | None:
    """Days (1, 3, 7), or 0 for "until resumed"."""
    match = PAUSE_PATTERN.match(data)
    return int(match[1]) if match else None


# Reminder buttons: r:go:<delivery id>:<local date>, r:snooze:..., r:skip:... The local date
# (YYYYMMDD) is the day the reminder was for, so a button whose row is gone (pruned after
# DELIVERY_RETENTION_DAYS) or whose id now names another row (ids reused after a restore) is
# recognised by its own day, not by guessing from ids. Buttons sent before the date was
# added (r:go:<id>) still parse, with no date.
REMINDER_PATTERN = re.compile(rf"^r:(go|snooze|skip):{ID}(?::(\d{{8}}))?$")
MIN_REMINDER_DATE = date(2000, 1, 1)
"""Days before this can't be a reminder's (the date field is bounded like an id)."""


def reminder_action(action: str, delivery_id: int, local_date: date) -> str:
    return _join("r", action, delivery_id, local_date.strftime("%Y%m%d"))


class ReminderButton(NamedTuple):
    action: str  # "go", "snooze" or "skip"
    delivery_id: int
    local_date: date | None  # the reminder's local date; None on buttons sent before it


def _reminder_date(digits: str) -> date | None:
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return day if day >= MIN_REMINDER_DATE else None


def parse_reminder_action(data: str) -> ReminderButton | None:
    """(action, delivery id, local date or None) of a reminder's button; None if malformed,
    out of range or an impossible date."""
    match = REMINDER_PATTERN.match(data)
    if not match:
        return None
    delivery_id = _row_id(match[2])
    local_date = None if match[3] is None else _reminder_date(match[3])
    if delivery_id is None or (match[3] is not None and local_date is None):
        return None
    return ReminderButton(match[1], delivery_id, local_date)


def parse_reminder_start(data: str) -> ReminderButton | None:
    """A reminder's "Start routine"."""
    button = parse_reminder_action(data)
    return button if button and button.action == "go" else None


def parse_reminder_reply(data: str) -> ReminderButton | None:
    """A reminder's Snooze or Skip."""
    button = parse_reminder_action(data)
    return button if button and button.action != "go" else None


# Start a routine by id (routine picker, summaries, bad-day suggestions): go:<routine id>
ROUTINE_START_PATTERN = re.compile(rf"^go:{ROUTINE_REF}$")


def routine_start(routine_id: str) -> str:
    return _join("go", routine_id)


def parse_routine_start(data: str) -> str | None:
    match = ROUTINE_START_PATTERN.match(data)
    return _routine_ref(match[1]) if match else None


# Start a routine although the bot advised rest or the gentle routine today (the advice
# was shown and the user chose to start theirs anyway): gy:<routine id>
ROUTINE_GO_ON_PATTERN = re.compile(rf"^gy:{ROUTINE_REF}$")


def routine_go_on(routine_id: str) -> str:
    return _join("gy", routine_id)


def parse_routine_go_on(data: str) -> str | None:
    match = ROUTINE_GO_ON_PATTERN.match(data)
    return _routine_ref(match[1]) if match else None


# "Rest today" on the advice shown before a routine (no run exists yet): gz
REST_TODAY = "gz"


def parse_rest_today(data: str) -> bool | None:
    return True if data == REST_TODAY else None


# Start over: abandon the routine in progress and start this one: gx:<routine id>
ROUTINE_RESTART_PATTERN = re.compile(rf"^gx:{ROUTINE_REF}$")


def routine_restart(routine_id: str) -> str:
    return _join("gx", routine_id)


def parse_routine_restart(data: str) -> str | None:
    match = ROUTINE_RESTART_PATTERN.match(data)
    return _routine_ref(match[1]) if match else None


# A tap inside a routine: rt:<run id>:<version>:<action>
ROUTINE_ACTIONS = (
    "done",
    "skip",
    "easy",
    "std",
    "timer",
    "hurt",
    "stop",
    "cy",
    "cn",
    "np",
    "show",
    "gentle",
    "rest",
    "go",
)
ROUTINE_TAP_PATTERN = re.compile(rf"^rt:{ID}:(\d{{1,6}}):({'|'.join(ROUTINE_ACTIONS)})$")


def routine_tap(run_id: int, version: int, action: str) -> str:
    if action not in ROUTINE_ACTIONS:
        raise ValueError(action)
    return _join("rt", run_id, version, action)


class RoutineTap(NamedTuple):
    run_id: int
    version: int
    action: str  # one of ROUTINE_ACTIONS


def parse_routine_tap(data: str) -> RoutineTap | None:
    match = ROUTINE_TAP_PATTERN.match(data)
    if not match:
        return None
    run_id, version = _row_id(match[1]), _bounded(match[2], 0, MAX_VERSION)
    if run_id is None or version is None:
        return None
    return RoutineTap(run_id, version, match[3])


# A pain level before or after a routine: rp:<run id>:<version>:<0-10>
ROUTINE_PAIN_PATTERN = re.compile(rf"^rp:{ID}:(\d{{1,6}}):(10|[0-9])$")


def routine_pain(run_id: int, version: int, level: int) -> str:
    return _join("rp", run_id, version, level)


class RoutinePain(NamedTuple):
    run_id: int
    version: int
    level: int  # 0-10


def parse_routine_pain(data: str) -> RoutinePain | None:
    match = ROUTINE_PAIN_PATTERN.match(data)
    if not match:
        return None
    run_id, version = _row_id(match[1]), _bounded(match[2], 0, MAX_VERSION)
    if run_id is None or version is None:
        return None
    return RoutinePain(run_id, version, int(match[3]))


# A stretch's cautions, shown as a pop-up on its card: cau:<stretch id>. It carries no run
# state on purpose, so it answers on any card, an old one included.
CAUTIONS_PATTERN = re.compile(r"^cau:([a-z][a-z0-9_]{0,40})$")


def cautions(stretch_id: str) -> str:
    return _join("cau", stretch_id)


# The full list of warning signs (onboarding's button): sf:flags
RED_FLAGS_FULL = "sf:flags"
RED_FLAGS_PATTERN = re.compile(r"^sf:flags$")


# --- Pain log and privacy (issue #4) ---------------------------------------------------

# /pain keypad: pn:<level>:<readings the user had when the keypad was shown>. The count
# makes a double tap or an old keypad stale, so one tap stores exactly one reading.
PAIN_LEVEL_PATTERN = re.compile(r"^pn:(10|[0-9]):(\d{1,9})$")


def pain_level(level: int, entries_seen: int) -> str:
    return _join("pn", level, entries_seen)


def parse_pain_level(data: str) -> tuple[int, int] | None:
    """(level, entries seen) of a keypad button."""
    match = PAIN_LEVEL_PATTERN.match(data)
    return (int(match[1]), int(match[2])) if match else None


# Where it hurts, after a /pain reading: pa:<entry id>:<area>, pa:<entry id>:skip
PAIN_AREA_CHOICES = ("lower_back", "upper_back", "neck", "hips")
PAIN_AREA_PATTERN = re.compile(rf"^pa:{ID}:({'|'.join(PAIN_AREA_CHOICES)}|skip)$")


def pain_area(entry_id: int, area: str | None) -> str:
    if area is not None and area not in PAIN_AREA_CHOICES:
        raise ValueError(area)
    return _join("pa", entry_id, area or "skip")


def parse_pain_area(data: str) -> tuple[int, str | None] | None:
    """(entry id, area or None for "skip") of an area button."""
    match = PAIN_AREA_PATTERN.match(data)
    if not match:
        return None
    entry_id = _row_id(match[1])
    if entry_id is None:
        return None
    return entry_id, None if match[2] == "skip" else match[2]


# Consent to keep a pain log: pc:yes, pc:no
PAIN_CONSENT_PATTERN = re.compile(r"^pc:(yes|no)$")
PAIN_CONSENT_YES = "pc:yes"
PAIN_CONSENT_NO = "pc:no"


def parse_pain_consent(data: str) -> bool | None:
    """True for "Yes", False for "No"."""
    match = PAIN_CONSENT_PATTERN.match(data)
    return None if not match else match[1] == "yes"


# /delete confirmation: del:yes:<unix time the question was asked>, del:no. The time lets an
# old confirmation expire instead of erasing someone's data weeks later.
DELETE_PATTERN = re.compile(r"^del:(?:yes:(\d{1,12})|no)$")
DELETE_CANCEL = "del:no"


def delete_confirm(asked_at: datetime) -> str:
    return _join("del", "yes", int(asked_at.timestamp()))


def parse_delete_confirm(data: str) -> datetime | None:
    """When a "Yes, delete everything" button was made; None for "Cancel" (and for a
    timestamp no datetime can hold)."""
    match = DELETE_PATTERN.match(data)
    if not match or match[1] is None:
        return None
    stamp = _bounded(match[1], 0, MAX_TIMESTAMP)
    return None if stamp is None else datetime.fromtimestamp(stamp, tz=UTC)


def parse_delete_answer(data: str) -> datetime | bool | None:
    """A "Yes" button's time, False for "Cancel", None when malformed or out of range."""
    if data == DELETE_CANCEL:
        return False
    return parse_delete_confirm(data)


# --- The adaptive program (issue #14) ----------------------------------------------------

# "How was it?" at the end of a routine: fb:<run id>:<easy|ok|hard>
FEEDBACK_CHOICES = ("easy", "ok", "hard")
FEEDBACK_PATTERN = re.compile(rf"^fb:{ID}:({'|'.join(FEEDBACK_CHOICES)})$")


def feedback(run_id: int, choice: str) -> str:
    if choice not in FEEDBACK_CHOICES:
        raise ValueError(choice)
    return _join("fb", run_id, choice)


class FeedbackTap(NamedTuple):
    run_id: int
    choice: str  # one of FEEDBACK_CHOICES


def parse_feedback(data: str) -> FeedbackTap | None:
    match = FEEDBACK_PATTERN.match(data)
    if not match:
        return None
    run_id = _row_id(match[1])
    return None if run_id is None else FeedbackTap(run_id, match[2])


# "📈 My program": reset one stretch pg:r:<stretch id>, everything pg:r:* (asks) and
# pg:ra:* (confirmed); try the full version again pg:f:<stretch id>. Whether the stretch
# exists is the content's business.
PROGRAM_PATTERN = re.compile(r"^pg:(r|ra|f):(\*|[a-z][a-z0-9_]{0,40})$")


def program_reset(stretch_id: str | None, *, confirmed: bool = False) -> str:
    if confirmed and stretch_id is not None:
        raise ValueError("only resetting everything asks first")
    return _join("pg", "ra" if confirmed else "r", stretch_id or "*")


def program_full(stretch_id: str) -> str:
    return _join("pg", "f", stretch_id)


class ProgramTap(NamedTuple):
    action: str  # "r" (reset; everything asks), "ra" (everything, confirmed), "f" (full)
    stretch_id: str | None  # None: every stretch (reset only)


def parse_program(data: str) -> ProgramTap | None:
    match = PROGRAM_PATTERN.match(data)
    if not match:
        return None
    stretch_id = None if match[2] == "*" else match[2]
    if (match[1] == "f" and stretch_id is None) or (match[1] == "ra" and stretch_id is not None):
        return None
    return ProgramTap(match[1], stretch_id)


# --- Your own routines and share links (issue #14) -----------------------------------

# /routines: mr:list, mr:new, mr:<v|s|e|d|dy|def>:<routine id> (view, share, edit, delete?,
# delete!, use for reminders)
MY_ROUTINE_ACTIONS = ("v", "s", "e", "d", "dy", "def")
MY_ROUTINES_PATTERN = re.compile(
    rf"^mr:(?:(list|new)|({'|'.join(MY_ROUTINE_ACTIONS)}):{ROUTINE_REF})$"
)


class MyRoutineButton(NamedTuple):
    action: str  # "list", "new", or one of MY_ROUTINE_ACTIONS
    ref: str | None  # the routine id, for the per-routine actions


def my_routines(action: str, ref: str | None = None) -> str:
    if ref is None:
        if action not in ("list", "new"):
            raise ValueError(action)
        return _join("mr", action)
    if action not in MY_ROUTINE_ACTIONS:
        raise ValueError(action)
    return _join("mr", action, ref)


def parse_my_routines(data: str) -> MyRoutineButton | None:
    match = MY_ROUTINES_PATTERN.match(data)
    if not match:
        return None
    if match[1]:
        return MyRoutineButton(match[1], None)
    ref = _routine_ref(match[3])
    return None if ref is None else MyRoutineButton(match[2], ref)


# The builder: mb:<draft id>:<version>:<action>[:<argument>]; lib (the stretch library),
# back, chair, gentle, name, save, drop; add:<stretch id>, up:<index>, rm:<index>.
BUILDER_ACTIONS = ("lib", "back", "chair", "gentle", "name", "save", "drop")
BUILDER_PATTERN = re.compile(
    rf"^mb:{ID}:(\d{{1,6}}):(?:({'|'.join(BUILDER_ACTIONS)})"
    r"|(add):([a-z][a-z0-9_]{0,29})|(up|rm):(\d{1,2}))$"
)


class BuilderButton(NamedTuple):
    draft_id: int
    version: int
    action: str
    argument: str | int | None = None  # a stretch id (add) or a position (up, rm)


def builder(draft_id: int, version: int, action: str, argument: str | int | None = None) -> str:
    if argument is None:
        if action not in BUILDER_ACTIONS:
            raise ValueError(action)
        return _join("mb", draft_id, version, action)
    if action not in ("add", "up", "rm"):
        raise ValueError(action)
    return _join("mb", draft_id, version, action, argument)


def parse_builder(data: str) -> BuilderButton | None:
    match = BUILDER_PATTERN.match(data)
    if not match:
        return None
    draft_id, version = _row_id(match[1]), _bounded(match[2], 0, MAX_VERSION)
    if draft_id is None or version is None:
        return None
    if match[3]:
        return BuilderButton(draft_id, version, match[3])
    if match[4]:
        return BuilderButton(draft_id, version, "add", match[5])
    return BuilderButton(draft_id, version, match[6], int(match[7]))


# A share link's preview: sh:<keep|grow|no>:<tag>, the tag being 8 hex digits of the code's
# hash, so a preview of an older link is recognisably stale (the code itself is too long
# for callback data; it waits in users.pending_share).
SHARE_PATTERN = re.compile(r"^sh:(keep|grow|no):([0-9a-f]{8})$")


def share_answer(choice: str, tag: str) -> str:
    return _join("sh", choice, tag)


def parse_share_answer(data: str) -> tuple[str, str] | None:
    """(choice, tag) of a share preview's button."""
    match = SHARE_PATTERN.match(data)
    return (match[1], match[2]) if match else None


_OTHER_FLOWS = (
    MY_ROUTINES_PATTERN,
    BUILDER_PATTERN,
    SHARE_PATTERN,
    SETTINGS_PATTERN,
    DEFAULT_ROUTINE_PATTERN,
    WEEKDAY_PATTERN,
    PAUSE_PATTERN,
    REMINDER_PATTERN,
    ROUTINE_START_PATTERN,
    ROUTINE_RESTART_PATTERN,
    ROUTINE_TAP_PATTERN,
    ROUTINE_PAIN_PATTERN,
    PROGRAM_PATTERN,
)
