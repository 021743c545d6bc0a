"""User-facing strings and small formatters (HTML parse mode). No I/O, no Telegram calls."""

from __future__ import annotations

from datetime import datetime, time
from html import escape

from bot.domain.reminder_plan import WEEKDAY_NAMES

WELCOME = (
    "👋 <b>Hi! I'm your daily back-stretch buddy.</b>\n\n"
    "Every day at a time you choose I send a short reminder. One tap starts a guided "
    "routine of gentle stretches, step by step, and you can log how your back feels "
    "(0-10) to watch it improve over the weeks.\n\n"
    "⚕️ <i>I'm not a substitute for a clinician. If you have chronic pain or another health "
    "condition, check with a doctor or physiotherapist before you start, and stop any "
    "stretch that causes sharp pain.</i>"
)

ASK_TIME = (
    "⏰ <b>When should I remind you?</b>\n"
    "Tap a time, or type your own, like <code>7:30</code>, <code>19:15</code> or "
    "<code>7pm</code>."
)

BAD_TIME = (
    "🤔 I couldn't read that as a time of day. Try something like <code>7:30</code>, "
    "<code>19:15</code>, <code>7pm</code> or <code>07.30</code> (hours 0-23, minutes 0-59), "
    "or tap one of the buttons."
)

ASK_ZONE = (
    "🌍 <b>Which time zone are you in?</b>\n"
    "Tap <b>📍 Share my location</b> below, or type your city (<code>Berlin</code>), a time "
    "zone name (<code>America/New_York</code>) or a UTC offset (<code>UTC+2</code>)."
)

BAD_ZONE = (
    "🤔 I don't know that place or time zone. Try a bigger city nearby (<code>Berlin</code>, "
    "<code>New York</code>), a zone name like <code>Europe/Paris</code>, or an offset like "
    "<code>UTC+5:30</code>. You can also share your location."
)

BAD_LOCATION = "🤔 I couldn't find a time zone for that spot. Please type your city instead."

SHARE_LOCATION_BUTTON = "📍 Share my location"

ZONE_NOTED = "Thanks!"

TAP_A_BUTTON = "Please tap one of the buttons above, or send /cancel to stop."

SETUP_CANCELLED = "Okay, I stopped here. Send /start whenever you want to continue."

FINISH_SETUP_FIRST = "Let's finish setting up first: send /start."

UNKNOWN_TEXT = (
    "I'm not sure what to do with that. Try /stretch for a routine, /settings for your "
    "reminder, or /help."
)

INVALID_BUTTON = "That button isn't valid any more."

ERROR = "😕 Sorry, something went wrong on my side. Please try again in a moment."

STOPPED = (
    "🔕 Reminders are off. Your settings and history are kept.\n"
    "Send /start to turn them back on, or /delete to erase everything."
)

HELP = (
    "<b>What I can do</b>\n"
    "/stretch – start a guided stretching routine\n"
    "/pain – log how your back feels (0-10)\n"
    "/progress – your pain chart and streak\n"
    "/settings – reminder time, time zone, days, pause\n"
    "/stop – turn reminders off (data kept)\n"
    "/start – set up or turn reminders back on\n"
    "/export – download all your data\n"
    "/delete – erase all your data\n"
    "/privacy – what I store and why\n\n"
    "⚕️ I'm not a substitute for a clinician: stop any stretch that causes sharp pain."
)

PRIVACY = (
    "<b>🔒 Privacy</b>\n\n"
    "<b>What I store</b>, tied to your Telegram user id:\n"
    "• your chat id, reminder time, time zone, reminder days and pause settings;\n"
    "• which reminders were sent, and the routines you started and finished;\n"
    "• pain levels (0-10), only after you agree, with when you logged them, whether it was "
    "before or after a routine, and optionally the area (e.g. lower back).\n\n"
    "<b>What I don't store</b>: your name, username, the text you type, or your location "
    "(a shared location is only used once to find your time zone).\n\n"
    "<b>Why</b>: to send reminders at your local time, to guide you through routines, "
    "and to show your progress. Nothing is shared with anyone or used for advertising.\n\n"
    "<b>How long</b>: until you delete it. /stop turns reminders off but keeps your data.\n\n"
    "<b>Your control</b>: /export sends you everything I have about you; /delete erases "
    "all of it, immediately and for good.\n\n"
    "The operator of this bot can see the database it runs on. Logs never contain the text "
    "of messages or pain values."
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("stretch", "Start a guided stretching routine"),
    ("pain", "Log how your back feels (0-10)"),
    ("progress", "Your pain chart and streak"),
    ("settings", "Reminder time, time zone, days, pause"),
    ("help", "What I can do"),
    ("privacy", "What I store and why"),
    ("export", "Download all your data"),
    ("delete", "Erase all your data"),
    ("stop", "Turn reminders off"),
    ("start", "Set up or turn reminders back on"),
)


def hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def local_moment(instant: datetime) -> str:
    """'Thu 26 Nov, 07:30' for an aware datetime already in the user's zone."""
    return f"{WEEKDAY_NAMES[instant.weekday()]} {instant.day} {instant:%b}, {instant:%H:%M}"


def zone_confirm(label: str, local_now: datetime, offset: str) -> str:
    return (
        f"🌍 <b>{escape(label)}</b> ({offset}): it's <b>{local_now:%H:%M}</b> there now "
        f"({WEEKDAY_NAMES[local_now.weekday()]} {local_now.day} {local_now:%b}).\nIs that right?"
    )


def weekdays_label(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "every day"
    if days == frozenset(range(5)):
        return "weekdays"
    if days == frozenset({5, 6}):
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(days))


def next_reminder_line(next_local: datetime | None, zone_label: str) -> str:
    if next_local is None:
        return "No reminder is scheduled."
    return f"Next reminder: <b>{local_moment(next_local)}</b> ({escape(zone_label)})."


def setup_done(next_line: str) -> str:
    return (
        f"✅ <b>All set!</b>\n{next_line}\n\n"
        "When it arrives, tap <b>Start routine</b>. You can start one right now with "
        "/stretch, and change anything in /settings."
    )


def welcome_back(next_line: str) -> str:
    return f"👋 Welcome back! Your reminders are on.\n{next_line}\n\n/stretch · /settings · /help"


REMINDER = (
    "🧘 <b>Time for your back stretches.</b>\n"
    "A few minutes now keeps your back moving. Ready?"
)

REMINDER_AGAIN = "🧘 <b>Here's your snoozed reminder.</b> Ready for a few gentle stretches?"


def snoozed(until_local: datetime) -> str:
    return f"😴 Snoozed. I'll remind you again at <b>{until_local:%H:%M}</b>."


SKIPPED = "⏭ Skipped today. Rest well, and see you at your next reminder."

ALREADY_SNOOZED = "This reminder was already snoozed once today."

ALREADY_HANDLED = "This reminder was already handled."
