"""User-facing strings and small formatters (HTML parse mode). No I/O, no Telegram calls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from html import escape

from bot.content import SafetyTexts
from bot.domain.clock_changes import ClockChange
from bot.domain.my_routines import NameProblem
from bot.domain.pain import MAX_LEVEL, MIN_LEVEL, ProgressSummary
from bot.domain.reminder_plan import WEEKDAY_NAMES
from bot.domain.share_codes import MAX_NAME_CHARS

WELCOME_INTRO = (
    "👋 <b>Hi! I'm your daily back-stretch buddy.</b>\n\n"
    "Every day at a time you choose I send a short reminder. One tap starts a guided "
    "routine of gentle stretches, step by step, and you can log how your back feels "
    "(0-10) to watch it improve over the weeks."
)


def welcome(safety: SafetyTexts) -> str:
    """The first message of /start: what the bot does, then the disclaimer (safety.yaml)."""
    return f"{WELCOME_INTRO}\n\n⚕️ <i>{escape(safety.disclaimer)}</i>"


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
    "<code>New York</code>), a zone name like <code>Europe/Paris</code>, an abbreviation like "
    "<code>CET</code>, or an offset like <code>UTC+5:30</code>. You can also share your "
    "location."
)

OFFSET_OUT_OF_RANGE = (
    "🤔 That offset doesn't exist anywhere: UTC offsets run from <code>UTC-12</code> to "
    "<code>UTC+14</code>, with minutes <code>:00</code>, <code>:30</code> or <code>:45</code> "
    "(like <code>UTC+5:30</code>). Or type your city."
)


def which_zone(abbreviation: str) -> str:
    return (
        f"🌍 <b>{escape(abbreviation)}</b> means different time zones in different places. "
        "Which one is yours? (Or type your city.)"
    )


def zone_choice_label(place: str, local_now: datetime) -> str:
    return f"{place} · now {local_now:%H:%M}"


BAD_LOCATION = "🤔 I couldn't find a time zone for that spot. Please type your city instead."

SHARE_LOCATION_BUTTON = "📍 Share my location"


CANCEL_BUTTON = "✖️ Cancel"

BACK_BUTTON = "⬅️ Back"

NOTHING_CHANGED = "👍 Okay, nothing changed."
NOTHING_TO_CANCEL_TOAST = "Already closed"
TIME_ALREADY_SET = "Reminder time already set: {at} ✅"
WEEKLY_ALREADY = "Weekly summary already {state}"
WEEKDAY_ALREADY = "That day is already {state}"
ZONE_ALREADY_SET = "Time zone already set: {zone} ✅"
ZONE_ALREADY_ASKED = "Type your city or share your location below."

ZONE_CONFIRM_HINT = (
    "Tap <b>✅ Yes</b> if that's your time zone or <b>✏️ No, change it</b> if not, or type "
    "another place. /cancel leaves it as it was."
)

ZONE_PICK_HINT = (
    "Tap the place that's yours in my list of places, or <b>✏️ None of these</b>, or type "
    "your city. "
    "/cancel leaves it as it was."
)

LOCATION_WITHOUT_QUESTION = (
    "📍 I only use a location to set your time zone, and I don't keep it. To change your "
    "zone: /settings → <b>🌍 Time zone</b>."
)

SETUP_CANCELLED = "Okay, I stopped here. Send /start whenever you want to continue."

NOTHING_TO_CANCEL = "There's no open question to cancel. /help lists what I can do."

# Said when a button or command of another flow leaves the open question (by its kind).
QUESTION_LEFT = {
    "time": "⏸ I've closed the question about your reminder time; it's unchanged.",
    "zone": "⏸ I've closed the question about your time zone; it's unchanged.",
    "pain_consent": "⏸ I've closed the pain log question; nothing was stored. Send /pain any time.",
    "pain_level": "⏸ I've closed the pain keypad; nothing was logged. Send /pain to log a reading.",
    "pain_area": "⏸ I've closed the “where” question; your reading is kept without an area.",
    "delete": "⏸ I've closed the /delete question; nothing was deleted.",
    "routine_name": "⏸ I've closed the name question; your draft is kept in /routines.",
}
# Said beside what the user turned to (/pain, /stretch, a shared routine's ➕ Add) when
# that left setup's time or zone question: a side note, not a refusal of what they asked.
SETUP_LEFT = (
    "ℹ️ (Your daily reminders aren't set up yet: I've put the time question aside. "
    "Send /start whenever you're ready.)"
)


def question_left(kind: str, *, onboarded: bool) -> str:
    """What the bot says when another flow leaves question `kind` (a `Kind` value)."""
    if kind in ("time", "zone", "zone_confirm", "zone_pick"):
        return QUESTION_LEFT["time" if kind == "time" else "zone"] if onboarded else SETUP_LEFT
    return QUESTION_LEFT[kind]


def answered(question: str, choice: str) -> str:
    """A question answered by typing, as its message shows it afterwards (no buttons): its
    text and "✓ <choice>", as a tapped question shows it (`common.show_choice`)."""
    return f"{question}\n\n✓ {choice}"


#: What each open question asks, for the line that points back at it (by its kind).
STILL_OPEN = {
    "time": "what time I should remind you each day",
    "zone": "your time zone",
    "zone_confirm": "whether I have your time zone right",
    "zone_pick": "which place your time zone is",
    "pain_consent": "whether I may keep a pain log",
    "pain_level": "how your back feels right now (0-10)",
    "pain_area": "where you feel it most (optional)",
    "delete": "whether to delete all your data",
    "routine_name": "a name for your routine",
}


def still_open(kind: str) -> str:
    """After the warning signs (or other long text) while question `kind` stays open: it is
    quoted, so a tap on the quote leads back to it."""
    return f"↩️ My question is still open (I've quoted it): {STILL_OPEN[kind]}."


# A button from someone the bot keeps nothing about: in practice after /delete.
NO_RECORD = "🗑 I keep no data for you (after /delete nothing is left). Send /start to begin again."

REMINDERS_NOT_SET_UP = (
    "⏰ Your reminders aren't set up yet: send /start to pick a time and your time zone. "
    "Until then you can already /stretch, log /pain and see your /progress."
)

#: Typed text at a message that only takes taps (no question open): its buttons, named.
BUTTONS_HINT = "That message takes a tap rather than typing: {buttons}."
#: ... and the typed words name one of them: point at it, do nothing yet.
BUTTON_HINT = "To do that, tap <b>{button}</b> on the message I've quoted: typing doesn't press it."

UNKNOWN_TEXT = (
    "I'm not sure what to do with that. Try /stretch for a routine, /settings for your "
    "reminder, or /help."
)

# Pain words typed outside a routine ("my back hurts a lot today"): where to turn, never a shrug.
PAIN_WORDS_HINT = (
    "🤕 Sorry your back is playing up. /safety lists the warning signs that mean getting "
    "help today rather than stretching; /pain notes how it feels; /stretch has a gentle "
    "routine lying down."
)

KEEP_ONE_DAY = "Keep at least one day. To stop for a while, use Pause."

UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."

INVALID_BUTTON = "That button isn't valid any more."
OLD_REMINDER = (
    "This reminder is from an earlier day: its buttons leave today's reminder as it is. "
    "Send /stretch to start a routine."
)

ERROR = "😕 Sorry, something went wrong on my side. Please try again in a moment."

# Groups, supergroups and channels: the bot works in private chats only.
PRIVATE_CHAT_ONLY = (
    "🔒 I work in a private chat only, so your reminders, routines and pain log stay "
    "between us. Tap below to open it."
)
PRIVATE_CHAT_ONLY_ALERT = (
    "🔒 I work in a private chat only. Open it from my profile and send /start there."
)
ADDED_TO_GROUP = (
    "👋 Thanks for adding me! I work in private chats only, so I'm leaving this group. "
    "To stretch with me, open a private chat:"
)
OPEN_PRIVATE_CHAT_BUTTON = "💬 Open a private chat"

STOPPED = (
    "🔕 Reminders are off. Your settings and history are kept.\n"
    "Send /start to turn them back on, or /delete to erase everything."
)

#: /stop while reminders are already off: no second goodbye.
ALREADY_STOPPED = "🔕 Reminders are already off; nothing changed. Send /start to turn them back on."

HELP_COMMANDS = (
    "<b>What I can do</b>\n"
    "/stretch – start a guided stretching routine\n"
    "/routines – make your own routine, or share one\n"
    "/pain – log how your back feels (0-10)\n"
    "/progress – your pain chart and streak\n"
    "/settings – reminder time, time zone, days, pause\n"
    "/stop – turn reminders off (data kept)\n"
    "/start – set up or turn reminders back on\n"
    "/cancel – leave the question I asked\n"
    "/export – download all your data\n"
    "/delete – erase all your data\n"
    "/privacy – what I store and why\n"
    "/safety – warning signs, and how much discomfort is OK"
)

PRIVACY = (
    "<b>🔒 Privacy</b>\n\n"
    "<b>What I store</b>, tied to your Telegram user id:\n"
    "• your chat id, reminder time, time zone, reminder days and pause settings;\n"
    "• which reminders and weekly summaries were sent, and the routines you started and "
    "finished;\n"
    "• pain levels (0-10), only after you agree (I note when you agreed, or that you said "
    "no, so I don't keep asking), with when you logged them, whether it was before or "
    "after a routine, and optionally the area (e.g. lower back);\n"
    "• your reminder routine and whether you want the weekly summary;\n"
    "• routines you make or add from a link: the name you typed for each, its stretches "
    "and doses, and a link you opened until you add it or say no.\n\n"
    "<b>What I don't store</b>: your name, username, any other text you type, or your "
    "location "
    "(a shared location is only used once to find your time zone).\n\n"
    "<b>Why</b>: to send reminders at your local time, to guide you through routines, "
    "and to show your progress. Nothing is shared with anyone or used for advertising.\n\n"
    "<b>How long</b>: until you delete it. /stop turns reminders off but keeps your data.\n\n"
    "<b>Your control</b>: /export sends you everything I have about you (a ZIP of "
    "spreadsheets with a README, and a JSON file); /delete erases "
    "all of it, immediately and for good.\n\n"
    "The operator of this bot can see the database it runs on. Its files can be read only by "
    "the account the bot runs as, and /delete overwrites what it erases in them. Logs never "
    "contain the text of messages or pain values.\n\n"
    "I work in private chats only: in groups and channels I show nothing and store nothing "
    "about anyone (only, for an hour, that I already pointed a group to the private chat)."
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("stretch", "Start a guided stretching routine"),
    ("routines", "Your own routines, and share links"),
    ("pain", "Log how your back feels (0-10)"),
    ("progress", "Your pain chart and streak"),
    ("settings", "Reminder time, time zone, days, pause"),
    ("help", "What I can do"),
    ("safety", "Warning signs and how much discomfort is OK"),
    ("privacy", "What I store and why"),
    ("export", "Download all your data"),
    ("delete", "Erase all your data"),
    ("stop", "Turn reminders off"),
    ("start", "Set up or turn reminders back on"),
    ("cancel", "Leave the question I asked"),
)


def hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def day_from(at_local: datetime, now_local: datetime) -> str | None:
    """Which local day ``at_local`` falls on, said from ``now_local`` (both aware, in the
    user's zone): None for the same local date, "tomorrow", a weekday within the week
    ("Tue"), else the date ("Tue 8 Dec"); "yesterday" or the date for a past day."""
    days = (at_local.date() - now_local.date()).days
    if days == 0:
        return None
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    weekday = WEEKDAY_NAMES[at_local.weekday()]
    return weekday if 1 < days < 7 else f"{weekday} {at_local.day} {at_local:%b}"


def at_local_time(at_local: datetime, now_local: datetime) -> str:
    """A clock time the bot shows, with its day when that isn't today's: "at 23:59",
    "tomorrow at 00:00", "on Tue at 00:00", "on Tue 8 Dec at 00:00"."""
    clock = f"{at_local:%H:%M}"
    day = day_from(at_local, now_local)
    if day is None:
        return f"at {clock}"
    if day in ("tomorrow", "yesterday"):
        return f"{day} at {clock}"
    return f"on {day} at {clock}"


def local_moment(instant: datetime) -> str:
    """'Thu 26 Nov, 07:30' for an aware datetime already in the user's zone."""
    return f"{WEEKDAY_NAMES[instant.weekday()]} {instant.day} {instant:%b}, {instant:%H:%M}"


ZONE_IS_RIGHT = "Is that right?"


def _is_abbreviation(name: str) -> bool:
    """A zone abbreviation like "CET" or "AEST" (not "UTC", "+0545" or "UTC+05:45")."""
    return name.isalpha() and name != "UTC"


def _same_offset(label: str, offset: str) -> bool:
    """The label is the offset itself ("UTC+05:45" and "UTC+05:45"; "UTC" and "UTC+00:00")."""
    return label == offset or (label == "UTC" and offset in ("UTC", "UTC+00:00", "UTC±00:00"))


def zone_facts(
    label: str,
    local_now: datetime,
    offset: str,
    change: ClockChange | None = None,
    *,
    abbreviation: str | None = None,
) -> str:
    """The resolved zone, its local time and offset now, and when its clocks next change
    (reminders follow the local clock); for a typed abbreviation ("EST", "EDT"), how to get
    the offset it names all year instead."""
    name = local_now.tzname() or ""
    # An abbreviation ("CET") is worth adding; a fixed offset's own name ("UTC+05:45") or a
    # numeric one ("+0545") only repeats the offset, and so does a label that is the offset.
    named = f"{offset} ({name})" if _is_abbreviation(name) and name != offset else offset
    said = "" if _same_offset(label, offset) else f", {named}"
    text = (
        f"🌍 <b>{escape(label)}</b>: it's <b>{local_now:%H:%M}</b> there now "
        f"({WEEKDAY_NAMES[local_now.weekday()]} {local_now.day} {local_now:%b}){said}."
    )
    if change is None:
        return text
    after = _offset_text(change.after)
    named_after = f"{after} ({change.name_after})" if _is_abbreviation(change.name_after) else after
    day = f"{WEEKDAY_NAMES[change.at.weekday()]} {change.at.day} {change.at:%b}"
    text += (
        f"\n🕑 Clocks there change on <b>{day}</b> to {named_after}, and back again later in "
        "the year. Your reminder follows them: it stays at the same local time."
    )
    if abbreviation is not None:
        named_offset = change.after if abbreviation == change.name_after else change.before
        minutes = int(named_offset.total_seconds()) // 60
        hours, rest = divmod(abs(minutes), 60)
        fixed = f"UTC{'+' if minutes >= 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")
        text += (
            f"\nWant {_offset_text(named_offset)} all year instead (no clock changes)? Type "
            f"<code>{fixed}</code>."
        )
    return text


def _offset_text(offset: timedelta) -> str:
    """UTC-05:00 style for an offset (whole minutes)."""
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def weekdays_label(days: frozenset[int]) -> str:
    if len(days) == 7:
        return "every day"
    if days == frozenset(range(5)):
        return "weekdays"
    if days == frozenset({5, 6}):
        return "weekends"
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(days))


def next_reminder_line(
    next_local: datetime | None, zone_label: str, *, snoozed: bool = False
) -> str:
    if next_local is None:
        return "No reminder is scheduled."
    what = "Next reminder (snoozed)" if snoozed else "Next reminder"
    return f"{what}: <b>{local_moment(next_local)}</b> ({escape(zone_label)})."


def schedule_status(
    *,
    subscribed: bool,
    paused_indefinitely: bool,
    resume_on: date | None,
    next_local: datetime | None,
    zone_label: str,
    snoozed: bool,
) -> str:
    """Whether reminders are on, off or paused, and when the next one comes: one wording
    for /start, /settings and the end of setup, so they never disagree."""
    if not subscribed:
        return "🔕 Reminders are <b>off</b>: no reminder will come. /start turns them back on."
    if paused_indefinitely:
        return "⏸ Paused until you resume: no reminder will come until then (/settings)."
    line = next_reminder_line(next_local, zone_label, snoozed=snoozed)
    if resume_on is not None:
        return f"⏸ Paused; reminders resume on <b>{_day(resume_on)}</b>.\n{line}"
    return f"🔔 Reminders are <b>on</b>.\n{line}"


def paused_for(days: int, resume_on: date | None) -> str:
    """The toast after "Pause N days": which local days it covers (the last one before
    `resume_on`, the resume date; see `first_paused_day`)."""
    plural = "s" if days > 1 else ""
    if resume_on is None:
        return f"Paused for {days} day{plural}"
    first, last = resume_on - timedelta(days=days), resume_on - timedelta(days=1)
    span = _day(first) if days == 1 else f"{_day(first)} – {_day(last)}"
    return f"Paused for {days} day{plural}: {span}"


REMINDERS_OFF_NO_PAUSE = "Reminders are off, so there's nothing to pause. /start turns them on."


def setup_done(next_line: str) -> str:
    return (
        f"✅ <b>All set!</b>\n{next_line}\n\n"
        "When it arrives, tap <b>Start routine</b>. You can start one right now with "
        "/stretch, and change anything in /settings."
    )


#: /start with a parameter that is neither a share code nor the groups' deep link.
START_LINK_UNKNOWN = "🔗 I didn't recognise that link, so I've simply opened the bot."


def welcome_back(schedule: str, *, unknown_link: bool = False) -> str:
    """/start from someone set up; `unknown_link`: it came with a parameter the bot doesn't
    know, and nothing was changed (reminders that are off stay off)."""
    note = "🔗 I didn't recognise that link, so nothing has changed.\n" if unknown_link else ""
    return f"👋 Welcome back!\n{note}{schedule}\n\n/stretch · /settings · /help"


REMINDER = (
    "🧘 <b>Time for your back stretches.</b>\nA few minutes now keeps your back moving. Ready?"
)

# Added to a reminder held up by a fault (an outage, a restart): a short "sorry", not silence.
REMINDER_LATE = "<i>Sorry this comes late: the bot had a short technical problem.</i>"

REMINDER_AGAIN = "🧘 <b>Here's your snoozed reminder.</b> Ready for a few gentle stretches?"


def snoozed(until_local: datetime, now_local: datetime) -> str:
    """Both in the user's zone; a snooze past midnight says which day ("tomorrow 00:00")."""
    return f"😴 Snoozed. I'll remind you again <b>{at_local_time(until_local, now_local)}</b>."


SKIPPED = "⏭ Skipped today. Rest well, and see you at your next reminder."


def already_snoozed(until_local: datetime | None, now_local: datetime) -> str:
    """A second Snooze tap (a double tap, or an older copy): when the reminder comes again,
    or, once the snoozed one has come, that a reminder snoozes once a day."""
    if until_local is None:
        return "This reminder was snoozed once already and has come again: one snooze a day."
    return f"Already snoozed: I'll remind you again {at_local_time(until_local, now_local)}."


# A reminder's Skip or Snooze after a routine was started since it was sent.
REMINDER_ANSWERED = "▶️ You started a routine after this reminder, so there's nothing to {what}."


def reminder_answered(action: str) -> str:
    """`action`: "skip" or "snooze"."""
    return REMINDER_ANSWERED.format(what="skip" if action == "skip" else "snooze")


def old_reminder_skipped(day: date) -> str:
    """An earlier day's reminder after ⏭ Skip on it: it loses its buttons and says this;
    today's reminder is left as it is."""
    return f"⏭ Skipped: this was the reminder for {_day(day)}. Today's reminder is unchanged."


def old_reminder_start(title: str) -> str:
    """The toast of "Start routine" on a reminder for an earlier local day."""
    return f"That reminder was from an earlier day. Starting {title} now."


ALREADY_HANDLED = "This reminder was already handled."


# --- routines --------------------------------------------------------------------------

PICK_ROUTINE = "🧘 <b>Which routine today?</b> (⭐ your reminder routine)"
#: The picker for someone without reminders set up (never, or since /delete): no ⭐.
PICK_ROUTINE_NO_REMINDERS = "🧘 <b>Which routine today?</b>"

# A daily reminder while the advised-rest rule holds (an "It hurts" or a reading of 8-10 within
# the last day, see bot.domain.pain.rest_advice_since), instead of the cheerful one.
REMINDER_REST_ADVISED = (
    "🤕 <b>Your back hurt within the last day</b>, and I suggested giving it a day off "
    "stretching.\nIf it still feels it, rest today (⏭ Skip today). Otherwise try the "
    "🌱 <b>gentle</b> routine: it stays lying down and uses easier versions only."
)


def reminder_high_week(safety: SafetyTexts) -> str:
    """The daily reminder while a high week stands (`bot.domain.pain.high_week_stands`):
    the weekly summary's own line (`high_week`), then rest or the gentle routine."""
    return (
        f"{high_week(safety)}\nIf your back still feels it, rest today (⏭ Skip today). "
        "Otherwise try the 🌱 <b>gentle</b> routine: it stays lying down and uses easier "
        "versions only."
    )


BAD_DAY_SUGGESTION = (
    "🌱 Your back seems to be having a rough time. The <b>gentle</b> routine is a kind "
    "place to start today."
)

ROUTINE_CONSENT = (
    "📈 <b>Track your pain?</b>\n"
    "Before and after each routine I can ask how your back feels (0-10) and show you the "
    "trend in /progress. That's health data, so I only store it with your OK. You can "
    "export or delete it any time (/privacy). If you say no, I won't ask again before "
    "routines; /pain turns it on later."
)

PAIN_BEFORE = "How is your back <b>right now</b>?\n0 = no pain, 10 = worst imaginable."

PAIN_AFTER = "✅ That's the last stretch. How is your back <b>now</b>?"

HIGH_PAIN_HINT = (
    "Please answer my question with its buttons: go on with the <b>gentle routine</b>, or "
    "<b>rest today</b>."
)

#: After a reading before a routine that made today a bad day or brought advice (the
#: persistent-pain rule): the run waits for a choice instead of going on at the usual dose.
SUGGEST_GENTLE = (
    "🌱 With your back like this today, the <b>gentle routine</b> is the kinder choice: "
    "softer stretches, smaller doses. You can also go on with <b>{title}</b>, or stop "
    "for today."
)
SWITCH_GENTLE_BUTTON = "🌱 Switch to gentle"
GO_ON_BUTTON = "▶️ Go on"
STOP_FOR_TODAY_BUTTON = "🛌 Stop for today"
SUGGEST_GENTLE_HINT = (
    "Please answer my question with its buttons: <b>switch to gentle</b>, <b>go on</b>, or "
    "<b>stop for today</b>."
)

MID_ROUTINE_HINT = (
    "You're in the middle of <b>{title}</b> ({progress}). Tap <b>✅ Done</b> on the stretch card "
    "when you've finished it, or <b>⏹ Stop</b> to end the routine."
)

ROUTINE_PAIN_HINT = (
    "You're about to {when} <b>{title}</b>. Tap a number from <b>0</b> to <b>10</b> on the "
    "pain keypad, or type it (like <code>4</code>), or tap <b>Skip</b>."
)

ROUTINE_CONSENT_HINT = (
    "Before <b>{title}</b>: tap <b>✅ Yes, keep track</b> or <b>No thanks</b> on my question."
)


ROUTINE_HURTS_HINT = (
    "🤕 If a stretch hurts, stop it now. Tap <b>🤕 It hurts</b> on the stretch: I'll end "
    "the routine and tell you what to do next."
)

ROUTINE_ENDED = "This routine has ended."

STEP_BEHIND = "That step is already behind you."

STEP_CARD_UP_TO_DATE = "Already done: the card shows it now."

QUESTION_ANSWERED = "You've already answered that, so this button isn't valid any more."


def routine_under_way(title: str) -> str:
    """A start or Continue tapped twice: the routine is already shown below."""
    return f"{title} is under way: it's just below."


def routine_stopped(done: int) -> str:
    """Stop, or every stretch skipped: say what was done, never more."""
    if done == 0:
        return "⏹ Routine ended; no stretches done this time. Start again any time with /stretch."
    return (
        f"⏹ Routine stopped after {done} stretch{'es' if done != 1 else ''}. Every stretch you "
        "did counts. Start again any time with /stretch."
    )


TIMES_UP = "✅ <b>Time's up!</b>"


def routine_in_progress(title: str, progress: str) -> str:
    return f"⏳ You have <b>{escape(title)}</b> in progress ({progress}). Continue or start over?"


def routine_finished(
    *,
    done: int,
    skipped: int,
    minutes: int,
    before: int | None,
    after: int | None,
    streak: int,
    celebrate: bool = True,
) -> str:
    """The summary of a completed routine; `celebrate=False` (pain rose or is high) drops
    the cheering, the figures stay; pass `streak=0` to leave the streak out."""
    lines = ["🎉 <b>Routine complete. Well done!</b>" if celebrate else "<b>Routine complete.</b>"]
    stretches = f"{done} stretch{'es' if done != 1 else ''}"
    if skipped:
        stretches += f" ({skipped} skipped)"
    lines.append(f"✅ {stretches} in about {minutes} min")
    if before is not None and after is not None:
        arrow = "⬇️" if after < before else ("⬆️" if after > before else "➡️")
        lines.append(f"{arrow} Pain {before} → {after}")
    if streak:
        lines.append(f"🔥 Streak: {streak} day{'s' if streak != 1 else ''}")
    lines.append("\nSee your trend with /progress.")
    return "\n".join(lines)


# --- Pain log, progress and your data (issue #4) --------------------------------------

PAIN_AREA_LABELS: dict[str, str] = {
    "lower_back": "Lower back",
    "upper_back": "Upper back",
    "neck": "Neck",
    "hips": "Hips",
}

PAIN_CONSENT = (
    "📝 <b>May I keep a pain log for you?</b>\n"
    "Pain levels are health data, so I only store them with your OK: the number (0-10), "
    "when you logged it and, if you tell me, where it hurts. Nothing else, and it's never "
    "shared. /export downloads it and /delete erases it, any time. More in /privacy."
)

PAIN_CONSENT_YES_BUTTON = "✅ Yes, keep my log"

PAIN_CONSENT_NO_BUTTON = "No thanks"

PAIN_CONSENT_DECLINED = (
    "👍 No problem: I haven't stored anything, and routines won't ask for pain levels. If "
    "you change your mind, send /pain and I'll ask again."
)

PAIN_CONSENT_ALREADY = "Your pain log is already on. /delete erases it."

#: Above the keypad when "✅ Yes, keep my log" turned the consent question into it.
PAIN_CONSENT_GIVEN = "📝 Pain log: ✓ <b>Yes, keep my log</b>"

PAIN_ASK = "How does your back feel <b>right now</b>?\n0 = no pain, 10 = worst imaginable."


def pain_advice_above(number: int) -> str:
    """The plain-text words under the keypad of ``/pain 9`` that say its advice was given
    just above (a tap of 9 there then doesn't send it again)."""
    return f"The advice for {number}/10 is just above."


def pain_argument_note(number: int | None, *, consent: bool, advised: bool = False) -> str:
    """One line under /pain's question when something followed the command (``/pain 2``):
    it isn't logged. `number`: the whole number typed (`parse_number`), else None;
    `advised`: the warning signs and rest advice for it (8-10) were just sent."""
    off_scale = number is not None and not MIN_LEVEL <= number <= MAX_LEVEL
    if not consent:
        if off_scale:
            return f"ℹ️ The scale is 0-10, so {number} isn't a reading; nothing was logged."
        return "ℹ️ Nothing you typed after /pain was logged: I need your OK first."
    if off_scale:
        return f"ℹ️ The scale is 0-10, so {number} isn't a reading: tap a number below."
    if number is not None:
        above = f" {pain_advice_above(number)}" if advised else ""
        return (
            f"ℹ️ A number after /pain isn't logged: tap <b>{number}</b> below, or send just "
            f"<code>{number}</code>.{above}"
        )
    return "ℹ️ I don't read what follows /pain: tap a number below."


def pain_routine_asks(number: int | None, *, keypad: bool) -> str:
    """/pain while a routine's own question is open (quoted): no second question opens.
    `keypad`: it is the routine's 0-10 keypad, which takes the reading; `number`: what
    followed /pain, if it was a whole number."""
    if not keypad:
        return (
            "🧘 Your routine is waiting for an answer on the message I've quoted: tap one of "
            "its buttons first. /pain works again after that."
        )
    if number is not None and not MIN_LEVEL <= number <= MAX_LEVEL:
        return (
            f"ℹ️ The scale is 0-10, so {number} isn't a reading. Your routine's keypad is "
            "open (the message I've quoted): tap a number there."
        )
    shown = f"<b>{number}</b>" if number is not None else "a number"
    typed = f"just <code>{number}</code>" if number is not None else "just the number"
    return (
        f"🧘 Your routine is asking how your back feels right now: tap {shown} on its "
        f"keypad (the message I've quoted), or send {typed}. That logs it, so I'm not "
        "opening a second keypad."
    )


PAIN_KEYPAD_USED = "That keypad was already used. Send /pain to log again."

PAIN_LEVEL_HINT = (
    "Tap a number from <b>0</b> (no pain) to <b>10</b> on the keypad below, or type it "
    "(like <code>4</code>). /cancel leaves it."
)

PAIN_AREA_HINT = (
    "Tap <b>Lower back</b>, <b>Upper back</b>, <b>Neck</b>, <b>Hips</b> or <b>Skip</b> "
    "below, or type one of them."
)

PAIN_CONSENT_HINT = (
    "Tap <b>✅ Yes, keep my log</b> or <b>No thanks</b> on my question: I only store pain levels "
    "after a tap on Yes."
)


def pain_consent_reading_hint(level: int) -> str:
    """A reading typed at the consent question: not stored; how to log it."""
    return (
        f"I haven't stored <b>{level}/10</b>: I only keep pain levels after a tap on "
        f"<b>✅ Yes, keep my log</b> on my question. Tap it, then <b>{level}</b> on the "
        "keypad. <b>No thanks</b> keeps nothing."
    )


PAIN_NEEDS_CONSENT = "I need your OK before I store anything: send /pain."

PAIN_AREA_SKIP_BUTTON = "Skip"

START_GENTLE_BUTTON = "🌱 Start gentle routine"


def area_label(area: str | None) -> str:
    return PAIN_AREA_LABELS.get(area or "", "")


def pain_logged(level: int, *, area: str | None = None, ask_area: bool = False) -> str:
    """The /pain message after a tap: the reading, then the optional "where" question."""
    text = f"✅ Logged <b>{level}/10</b>"
    text += f" ({area_label(area).lower()})." if area else "."
    if ask_area:
        text += "\nWhere do you feel it most? (optional)"
    return text


# --- Safety (all wording from content/safety.yaml; these only format it) ---------------


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"• {escape(item)}" for item in items)


#: The toast a second tap on "🚩 Full list of warning signs" gets (the list went once).
RED_FLAGS_ALREADY_SENT = "I have sent you the full list of warning signs in this chat already."


def red_flags_full(safety: SafetyTexts) -> str:
    """Both tiers of warning signs, emergency first, then the note on one-leg symptoms."""
    flags = safety.red_flags
    parts = [f"🚩 <b>{escape(flags.title)}</b>"]
    for icon, tier in (("🚑", flags.emergency), ("🩺", flags.urgent)):
        parts.append(
            f"{icon} <b>{escape(tier.title)}</b>\n{escape(tier.action)}\n{_bullets(tier.signs)}"
        )
    parts.append(f"🦵 {escape(flags.one_leg)}")
    return "\n\n".join(parts)


def red_flags(safety: SafetyTexts, *, rose: bool = False) -> str:
    """Warning signs after a high reading (8+) or a rise of 3+ within a routine."""
    header = safety.pain_rose if rose else safety.high_reading
    return f"⚠️ <b>{escape(header)}</b>\n\n{red_flags_full(safety)}"


def high_reading(safety: SafetyTexts) -> str:
    """A reading of 8-10 (bot.domain.pain.reading_advises_rest), on /pain or at the end of a
    routine: the warning signs, then the rest advice that the next reminder refers back to
    ("I suggested giving it a day off"), in the words of the 🛌 Rest today ending."""
    return f"{red_flags(safety)}\n\n{rest_today(safety)}"


def pain_rose(safety: SafetyTexts) -> str:
    """A rise of 3+ from before to after a routine (`needs_red_flag_guidance` with the
    reading below 8): the warning signs, then what to do today."""
    return f"{red_flags(safety, rose=True)}\n\n{pain_rose_today(safety)}"


def pain_rose_today(safety: SafetyTexts) -> str:
    """What to do today after a rise of 3+ (content/safety.yaml), in line with the program,
    which holds that routine's doses back after such a rise."""
    return f"🛌 {escape(safety.pain_rose_today)}"


def discomfort_rule(safety: SafetyTexts) -> str:
    """The traffic light: how much discomfort is fine, when to ease off, when to stop."""
    rule = safety.discomfort
    lines = [f"<b>{escape(rule.title)}</b>", escape(rule.green), escape(rule.amber)]
    lines += [escape(rule.red), escape(rule.afterwards)]
    return "\n".join(lines)


def ask_first(safety: SafetyTexts, stretch_names: dict[str, str]) -> str:
    """Who should check with a clinician first, naming the stretches that concern them."""
    lines = [f"⚕️ <b>{escape(safety.ask_first.title)}</b>"]
    for group in safety.ask_first.groups:
        line = f"• {escape(group.who)}"
        if group.detail:
            line += f": {escape(group.detail)}"
        if group.stretches:
            names = ", ".join(stretch_names[sid] for sid in group.stretches)
            line += f" ({escape(names)})"
        lines.append(line)
    return "\n".join(lines)


def onboarding_safety(safety: SafetyTexts, stretch_names: dict[str, str]) -> str:
    """Shown once during /start: the short warning signs and who should ask first."""
    return (
        f"🚩 <b>{escape(safety.red_flags.title)}</b>\n{escape(safety.red_flags.short)}\n\n"
        f"{ask_first(safety, stretch_names)}\n\n/safety shows all of this again."
    )


def safety_before_routine(safety: SafetyTexts, stretch_names: dict[str, str]) -> str:
    """Before the first routine of someone who never went through /start: the disclaimer,
    the short warning signs and who should ask first (as onboarding shows them)."""
    return f"⚕️ <i>{escape(safety.disclaimer)}</i>\n\n{onboarding_safety(safety, stretch_names)}"


def before_first_routine(safety: SafetyTexts) -> str:
    """Shown once, before the first routine: the traffic light."""
    return f"🚦 {discomfort_rule(safety)}"


def help_text(safety: SafetyTexts) -> str:
    """/help: the commands, the traffic light and the short warning signs."""
    return (
        f"{HELP_COMMANDS}\n\n🚦 {discomfort_rule(safety)}\n\n"
        f"🚩 <b>{escape(safety.red_flags.title)}</b>\n{escape(safety.red_flags.short)}\n"
        "The full list: /safety"
    )


def safety_text(safety: SafetyTexts, stretch_names: dict[str, str]) -> str:
    """/safety: everything, in the order a person needs it."""
    return "\n\n".join(
        [
            red_flags_full(safety),
            f"🚦 {discomfort_rule(safety)}",
            ask_first(safety, stretch_names),
            f"🌤 {escape(safety.expectations)}",
            f"⚕️ <i>{escape(safety.disclaimer)}</i>",
        ]
    )


def it_hurts(safety: SafetyTexts) -> str:
    """The kind ending of a routine stopped by "It hurts", with the warning signs."""
    first, _, rest = safety.it_hurts.partition("\n")
    return f"🤕 <b>{escape(first)}</b>\n{escape(rest)}\n\n{red_flags_full(safety)}"


def high_pain_before(safety: SafetyTexts) -> str:
    """A reading of 8-10 before a routine: warning signs first, then the question."""
    return f"{red_flags_full(safety)}\n\n❓ <b>{escape(safety.high_pain.question)}</b>"


#: The chosen routine's button under the advice shown before a routine (not "usual": it
#: need not be the reminder routine).
REST_ADVISED_USUAL = "▶️ Start {title} anyway"
REST_ADVISED_TITLE = "🩺 <b>Before you start</b>"
REST_ADVISED_BELOW = "Already answered: see below"


def rest_advised(safety: SafetyTexts, *, after_hurt: bool) -> str:
    """The advice shown before a routine on a day the bot advised rest (``after_hurt``) or
    the gentle routine (the persistent-pain advice); the choice follows as buttons."""
    advised = safety.rest_advised
    said = advised.after_hurt if after_hurt else advised.persistent
    return f"{REST_ADVISED_TITLE}\n{escape(said)}"


def reminder_persistent_pain(safety: SafetyTexts) -> str:
    """The line a daily reminder adds while the persistent-pain advice stands (the same
    sentence /stretch shows before a routine)."""
    return f"🩺 {escape(safety.rest_advised.persistent)}"


def rest_today(safety: SafetyTexts) -> str:
    return f"🛌 {escape(safety.high_pain.rest)}"


def persistent_pain(safety: SafetyTexts, *, short: bool = False) -> str:
    """The advice to see a clinician when the pain log shows no improvement over 3 weeks;
    `short` leaves out the expectations (for a photo caption's 1024 characters)."""
    text = f"🩺 {escape(safety.persistent_pain)}"
    return text if short else f"{text}\n\n{escape(safety.expectations)}"


def _avg(value: float) -> str:
    return f"{value:.1f}"


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _change(change: float) -> str:
    """A change in pain, 0-10, in words: "0.5 lower", "1.0 higher"; "no change" when it
    rounds to zero (never "+0.0"). Lower is good news for pain."""
    rounded = round(change, 1)
    if rounded == 0:
        return "no change"
    return f"{abs(rounded):.1f} {'lower' if rounded < 0 else 'higher'}"


def _trend(change: float) -> str:
    """Week-on-week change, beside last week's figure: "⬇️ 0.5 lower"."""
    if round(change, 1) == 0:
        return "➡️ same"
    return f"{'⬇️' if change < 0 else '⬆️'} {_change(change)}"


def _day(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b}"


def streak_line(current: int, best: int, *, paused: bool = False) -> str:
    """The streak and the best one. While reminders are paused (`paused`: a pause the
    person chose) no "0 days": the streak is paused with them; one still alive is kept
    (paused days never break it, `bot.domain.pain.current_streak`) and says so."""
    best_part = f" · best <b>{_days(best)}</b>"
    if not paused:
        return f"🔥 Streak: <b>{_days(current)}</b>{best_part}"
    if current > 0:
        return f"🔥 Streak: <b>{_days(current)}</b>, kept while reminders are paused{best_part}"
    return f"⏸ Streak: paused with your reminders{best_part if best > 0 else ''}"


def progress_caption(
    summary: ProgressSummary,
    *,
    has_consent: bool,
    only_reading: tuple[int, date] | None,
    logged_before: bool,
    paused: bool = False,
) -> str:
    """The /progress caption; quiet states (nothing yet, one reading) say what comes next;
    `paused`: reminders are paused today (`streak_line`)."""
    lines = ["📈 <b>Your progress</b>"]
    if summary.entries_30d == 0:
        if not has_consent:
            lines.append("Pain logging is off: /pain asks for your OK, then your chart fills in.")
        elif logged_before:
            lines.append("Nothing logged in the last 30 days. Send /pain to pick it up again.")
        else:
            lines.append(
                "No pain logged yet. Send /pain to log how your back feels (0-10); your chart "
                "fills in from there."
            )
    elif only_reading is not None:
        level, day = only_reading
        first = "One reading in the last 30 days" if logged_before else "Your first reading"
        lines.append(
            f"{first}: <b>{level}/10</b> ({_day(day)}). Log again on another day and the "
            "trend begins."
        )
    else:
        lines.append(
            week_line(
                summary.this_week_avg,
                summary.last_week_avg,
                AVERAGE_THIS_WEEK,
                days=summary.this_week_days,
            )
        )
        if summary.avg_change is None:
            lines.append("Before → after a routine: rate your pain in a routine to see it")
        elif round(summary.avg_change, 1) == 0:
            lines.append("Before → after a routine: no change on average")
        else:
            change = _change(summary.avg_change)
            lines.append(f"Before → after a routine: pain <b>{change}</b> on average (0-10 scale)")
    lines.append(f"Routines done (30 days): <b>{summary.routines_done_30d}</b>")
    lines.append(streak_line(summary.current_streak, summary.best_streak, paused=paused))
    return "\n".join(lines)


AVERAGE_THIS_WEEK = "Average daily pain this week"
AVERAGE_WEEK = "Average daily pain"


def week_line(
    this_week: float | None,
    last_week: float | None,
    label: str,
    before: str = "last week",
    *,
    days: int = 0,
) -> str:
    """A week's average daily pain (`bot.domain.pain.week_average`: each day's readings
    averaged, then the days) beside the one before it (`before` names that one); `days`,
    the days with readings it is over, is named after the label: "Average daily pain
    (2 days): 6.4", so readings 4, 3, 3, 5 and 9 on two days add up for the reader."""
    if this_week is None:
        text = f"{label}: nothing logged yet"
        return text + (f" ({before} <b>{_avg(last_week)}</b>)" if last_week is not None else "")
    over = f" ({days} day{'s' if days != 1 else ''})" if days > 0 else ""
    text = f"{label}{over}: <b>{_avg(this_week)}</b>"  # the label says it's an average
    if last_week is None:
        return text + f" (nothing logged {before})"
    return text + f" · {before} <b>{_avg(last_week)}</b> ({_trend(this_week - last_week)})"


def week_title(week_start: date, week_end: date) -> str:
    """ "Mon 23 – Sun 29 Nov" (both months when they differ: "Mon 30 Nov – Sun 6 Dec")."""
    if week_start.month == week_end.month:
        return f"Mon {week_start.day} – Sun {week_end.day} {week_end:%b}"
    return f"Mon {week_start.day} {week_start:%b} – Sun {week_end.day} {week_end:%b}"


def short_week(joined: date | None) -> str | None:
    """The line a week the user was subscribed for only from `joined` on gets (None: a
    whole week)."""
    if joined is None:
        return None
    return f"A short week: your reminders have been on since {_day(joined)}."


def week_paused(days: int, resume_on: date | None, until_resumed: bool) -> str | None:
    """The summary's line about a pause, so fewer routines don't read as a failure: `days`
    of the week that ended were paused (0 to 7); on the summary's Monday reminders are
    still paused until resumed (`until_resumed`), or until `resume_on`, the local date
    they resume (None: not paused now), the words /settings uses. None when neither."""
    if until_resumed:
        now = "until you resume them (/settings)"
    elif resume_on is not None:
        now = f"until they resume on <b>{_day(resume_on)}</b>"
    else:
        now = ""
    if days <= 0:
        return f"⏸ Reminders are paused {now}." if now else None
    how_long = "all of that week" if days >= 7 else f"{_days(days)} of that week"
    if not now:
        return f"⏸ Reminders were paused {how_long}."
    return f"⏸ Reminders were paused {how_long}, and stay paused {now}."


def painful_days(days: Iterable[tuple[date, int]]) -> str | None:
    """The summary's line naming the week's painful days (`bot.domain.pain.painful_days`:
    a reading of 7 or more), each with its highest reading: "Painful days: Tue 3 Mar
    (9/10), Thu 5 Mar (8/10)"; None when there were none."""
    named = [f"<b>{_day(day)}</b> ({level}/10)" for day, level in days]
    if not named:
        return None
    return f"Painful day{'s' if len(named) != 1 else ''}: {', '.join(named)}"


def high_week(safety: SafetyTexts) -> str:
    """The weekly summary's line when the week's average daily pain was high
    (`ProgressSummary.week_pain_high`): /pain's advice at a high reading, for the week."""
    return f"🩺 {escape(safety.high_week)}"


def weekly_caption(
    summary: ProgressSummary,
    *,
    week_start: date,
    week_end: date,
    routines_this_week: int,
    joined: date | None = None,
    paused: str | None = None,
    high: str | None = None,
    painful: str | None = None,
    streak_paused: bool = False,
) -> str:
    """The Monday summary: the week that just ended beside the week before it; `joined`
    (a day inside the week) when reminders were on only from that day; `paused`, the
    `week_paused` line; `painful`, the `painful_days` line, and `high`, the `high_week`
    line (after the average, in that order); `streak_paused`: reminders are still paused
    on the summary's day (`streak_line`)."""
    lines = [f"📊 <b>Your week</b> ({week_title(week_start, week_end)})"]
    if (short := short_week(joined)) is not None:
        lines.append(short)
    if paused is not None:
        lines.append(paused)
    lines += [
        week_line(
            summary.this_week_avg,
            summary.last_week_avg,
            AVERAGE_WEEK,
            "the week before",
            days=summary.this_week_days,
        ),
        *([painful] if painful is not None else []),
        *([high] if high is not None else []),
        f"Routines done: <b>{routines_this_week}</b>",
        streak_line(summary.current_streak, summary.best_streak, paused=streak_paused),
        "More in /progress · weekly summaries can be turned off in /settings",
    ]
    return "\n".join(lines)


EXPORT_NOTHING = "I don't have any data about you."

EXPORT_ZIP_CAPTION = (
    "📦 All your data: one spreadsheet (CSV) per kind (pain log, routines done, settings, "
    "program ...) and a README.txt that says what each holds."
)

EXPORT_JSON_CAPTION = (
    "📦 The complete copy as JSON, every stored field (for programs; it includes the bot's "
    "own bookkeeping)."
)

EXPORT_FAILED = "📦 I couldn't send all of your files just now. Please send /export again."

DELETE_ASK = (
    "🗑 <b>Delete everything?</b>\n"
    "This erases all I store about you: settings, reminders, routines and your pain log. "
    "It can't be undone. (Want a copy first? /export)"
)

DELETE_YES_BUTTON = "Yes, delete everything"

DELETE_CANCEL_BUTTON = "Cancel"

DELETE_DONE = (
    "🗑 Done. Everything I stored about you is gone and your reminders have stopped.\n"
    "If you ever want to start again, send /start."
)

DELETE_CANCELLED = "👍 Cancelled. Nothing was deleted."

DELETE_HINT = (
    "🗑 To erase everything, tap <b>Yes, delete everything</b> below; <b>Cancel</b> keeps "
    "your data. I never erase on a typed word, so it can't happen by accident."
)

DELETE_EXPIRED = "That confirmation has expired. Send /delete again if you still want to."

#: The toast of the tap that erased everything, and of a double tap's second.
DELETE_TOAST = "Deleted"
DELETE_ALREADY_DONE = "Already deleted"

DELETE_NOTHING = "I don't have any data about you, so there's nothing to delete."


def quiet_week(
    week_start: date, week_end: date, joined: date | None = None, paused: str | None = None
) -> str:
    """A week without routines or readings: a kind nudge, never a verdict. A first (short)
    week says it has only begun; `paused`, the `week_paused` line, follows the title."""
    title = f"📅 <b>Your week</b> ({week_title(week_start, week_end)})"
    if paused is not None:
        title += f"\n{paused}"
    if joined is not None:
        return (
            f"{title}\nYour reminders started on {_day(joined)}, so that was only a taste of "
            "a week. Your first full week starts today: even one short routine is a good "
            "start. Try /stretch when you have five minutes."
        )
    return (
        f"{title}\nNo stretches logged that week, and that's okay. A new week starts today: "
        "even one short routine helps. Try /stretch when you have five minutes."
    )


# --- The adaptive program (issue #14) -----------------------------------------------------

#: Why a dose or version changed, as the end of a sentence ("... after three easy sessions").
PROGRAM_WHY: dict[str, str] = {
    "grew": "three easy sessions",
    "grew_sooner": "you found it too easy twice",
    "held_pain": "your pain rose after a routine",
    "held_bad_day": "a bad day",
    "held_hard": "you found it too hard",
    "eased": "“It hurts” last time",
    "left_out": "even the easier version hurt",
    "easier_start": "you chose it twice in a row",
    "full_again": "you asked for the full version again",
    "reset": "you reset it",
}

FEEDBACK_QUESTION = "How was it? One tap helps me pitch your next routine (optional)."
FEEDBACK_BUTTONS: tuple[tuple[str, str], ...] = (
    ("easy", "😌 Too easy"),
    ("ok", "👍 About right"),
    ("hard", "😣 Too hard"),
)
FEEDBACK_THANKS: dict[str, str] = {
    "easy": "😌 Too easy: noted. If it stays easy, doses go up a little sooner.",
    "ok": "👍 About right: noted. Doses keep growing slowly while it stays comfortable.",
    "hard": "😣 Too hard: noted. I've eased that routine a step and paused any step up for 3 days.",
}
FEEDBACK_HARD_ALREADY = (
    "😣 Too hard: noted. That routine is already a step easier and no step up comes for 3 "
    "days (after how it went); one routine never steps back twice."
)
FEEDBACK_ALREADY = "Already noted, thanks"

PROGRAM_TITLE = "📈 <b>My program</b>"
PROGRAM_INTRO = (
    "Doses grow one small step after three comfortable days with a stretch, at most once a "
    "week and never past a safe ceiling; pain, “It hurts” or “Too hard” ease them off."
)
PROGRAM_ALL_START = "Every stretch is at its starting dose."
PROGRAM_FROZEN = (
    "⏸ No step up {when}: doses rest where they are after a bad day, a pain rise or “Too hard”."
)
#: "About right" while growth is frozen: what the program does now, not what it would do.
FEEDBACK_OK_FROZEN = (
    "👍 About right: noted. Your doses stay where they are for now (held back after a bad "
    "day, a pain rise or “Too hard”); no step up {when}."
)
#: "Too easy" or "About right" while growth is frozen, by choice: no step-up promise.
FEEDBACK_FROZEN: dict[str, str] = {
    "easy": (
        "😌 Too easy: noted. Your doses still stay where they are for now (held back after a "
        "bad day, a pain rise or “Too hard”); no step up {when}."
    ),
    "ok": FEEDBACK_OK_FROZEN,
}
PROGRAM_RESET_ONE_BUTTON = "↺ {name}"
PROGRAM_RESET_ALL_BUTTON = "↺ Reset everything"
PROGRAM_RESET_ALL_ASK = (
    "↺ <b>Reset everything?</b> Every stretch goes back to its starting dose and full "
    "version. Two things stay, to keep you safe: a stretch that hurt this past week keeps "
    "its easier version until that week is over, and a pause on stepping up after a flare-up "
    "runs to its end."
)
PROGRAM_RESET_ALL_YES = "↺ Yes, reset everything"
PROGRAM_RESET_ALL_NO = "Keep my program"
PROGRAM_SAME_EVERYWHERE = "the starting dose in every routine"
PROGRAM_MORE = "{amount} more in every routine"
PROGRAM_LESS = "{amount} less in every routine"
PROGRAM_FULL_BUTTON = "💪 Try full {name}"
PROGRAM_RESET_DONE = "Back to the starting dose"
PROGRAM_RESET_ALL_DONE = "Everything is back to the starting doses"
PROGRAM_NOTHING_TO_RESET = "Already at the starting dose"
PROGRAM_FULL_DONE = "Full version from the next routine"
PROGRAM_OFFER_FULL = (
    "💪 {name} has gone well in its easier version for a week. Ready to try the full one? "
    "/settings → 📈 My program → 💪 Try full {name}"
)
#: Over the changes of the week the Monday summary is about (not the week it is sent in).
PROGRAM_WEEK_TITLE = "📈 Program changes that week:"
PROGRAM_WEEK_MORE = "… and {count} more in /settings → 📈 My program"
RESTING_ROUTINE = (
    "🛌 Every stretch of that routine is resting this week, because even its easier "
    "versions hurt. Try another routine in /stretch, or rest today."
)


# --- Your own routines and share links (issue #14) ---------------------------------------

MY_ROUTINES_TITLE = "🗂 <b>Routines</b>"
MY_ROUTINES_NONE = (
    "You haven't made one of your own yet. Tap ➕ New routine to pick stretches from the "
    "library, in the order you like."
)
MY_ROUTINES_OWN = "<b>Yours</b> ({count} of {limit}):"
MY_ROUTINES_SHIPPED = "<b>Ready-made</b>:"
MY_ROUTINES_HINT = "Tap one to see its stretches, start it, share it or change it."
NEW_ROUTINE_BUTTON = "➕ New routine"
MY_ROUTINES_FULL_NOTE = "That's 10 of 10: delete one of yours to make room for a new one."
MY_ROUTINES_FULL = (
    "You already keep 10 routines, the most I can hold. Delete one you no longer use first."
)
BUILDER_NEW = "🛠 <b>New routine</b>"
BUILDER_EDIT = "✏️ <b>Changing</b>"
BUILDER_EMPTY = "No stretches yet. Tap ➕ Add a stretch."
BUILDER_UNNAMED = "<i>no name yet</i>"
BUILDER_FILTERS = "🪑 Chair only: <b>{chair}</b> · 🌱 Gentle: <b>{gentle}</b>"
BUILDER_FILTERS_HELP = (
    "Chair only offers what you do sitting on a chair (a standing stretch comes as its "
    "seated version). Gentle uses the easier versions, in one position, nothing standing."
)
BUILDER_LIBRARY = "Tap a stretch to add it at the end; tap as many as you like."
BUILDER_LIBRARY_EMPTY = "No stretch fits these filters together with the ones you chose."
BUILDER_STALE = "This list has changed since; use the newest one."
BUILDER_GONE = (
    "That routine isn't being changed any more: it was saved or thrown away. "
    "Send /routines to start again."
)
BUILDER_ALREADY_SAVED = "Already saved ✅"
BUILDER_ALREADY_FIRST = "Already first"
BUILDER_FULL_STRETCHES = "That's 10 stretches, as many as one routine holds."
BUILDER_NEEDS_NAME = "Give it a name first: tap ✏️ Name it."
BUILDER_NEEDS_NAME_AND_STRETCH = (
    "Two things first: add at least one stretch (➕ Add a stretch) and give it a name (✏️ Name it)."
)
BUILDER_DISCARDED = "🗑 Thrown away; nothing was saved."
ASK_ROUTINE_NAME = (
    "✏️ <b>What should this routine be called?</b>\nType a name of up to 40 characters, "
    "like <i>Morning back</i>."
)
TYPE_THE_NAME = "Type the name as a message."
NAME_EMPTY = "That name is empty. Type a few words, or /cancel."


def name_problems(problems: Iterable[NameProblem], length: int) -> str:
    """Every reason a typed name can't be used, in one message (one retry fixes them all)."""
    fixes = {
        NameProblem.EMPTY: "type a few words",
        NameProblem.MARKUP: "leave out the &lt; and &gt; signs",
        NameProblem.TOO_LONG: (
            f"keep it to {MAX_NAME_CHARS} characters at most (this one has {length})"
        ),
    }
    wanted = [fixes[problem] for problem in problems]
    if wanted == [fixes[NameProblem.EMPTY]]:
        return NAME_EMPTY
    said = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " and " + wanted[-1]
    return f"Please {said}, then send the name again (or /cancel)."


ROUTINE_DELETE_ASK = "🗑 Delete <b>{name}</b>? Its stretches stay in the library."
ROUTINE_DELETE_REMINDERS = (
    "⏰ Your reminders use this routine; after deleting it they'll use <b>{name}</b> instead."
)
ROUTINE_DELETE_YES = "🗑 Yes, delete it"
ROUTINE_DELETE_NO = "Keep it"
ROUTINE_DELETED = "🗑 <b>{name}</b> is deleted."
ROUTINE_GONE = "That routine has been deleted."
USE_FOR_REMINDERS_BUTTON = "⏰ Make it my reminder routine"
REMINDER_ROUTINE_BUTTON = "✅ Reminder routine"
SETTINGS_REMINDER_ROUTINE_BUTTON = "🧘 Reminder routine"
PICK_REMINDER_ROUTINE = "🧘 <b>Which reminder routine?</b> Your reminders start the one you pick."
REMINDER_ROUTINE_LINE = "⏰ Your reminders start this routine."
REMINDER_ROUTINE_SET = "⏰ Reminders will start {name}"
REMINDER_ROUTINE_ALREADY = "Already your reminder routine ✅"
ROUTINE_ALREADY_DELETED = "Already deleted"
SHARE_LINK = (
    "🔗 <b>Link to share</b>, with these doses:\n{link}\n"
    "Whoever opens it sees the stretches and can add them to their own routines. It holds "
    "no personal data."
)
DOSES_KEPT = "🔒 Doses stay as prescribed"
DOSES_GROW = "📈 Doses may grow when it feels easy"
SHARE_IMPOSSIBLE = "This routine can't be put into a link."
SHARED_TITLE = "📨 <b>A routine was shared with you</b>"
SHARED_PRESCRIBED = (
    "Add it to keep these doses as they are, or let them grow a little when the stretches "
    "feel easy."
)
SHARE_KEEP_BUTTON = "➕ Add, keep these doses"
SHARE_GROW_BUTTON = "➕ Add, doses may grow"
SHARE_NO_BUTTON = "✖️ No thanks"
SHARE_ADDED = "✅ Added as <b>{name}</b>. It's in /stretch now; /routines lets you rename it."
SHARE_DECLINED = "👍 Not added."
SHARE_ALREADY_ADDED = "Already added, as {name}"
SHARE_ALREADY_HAVE = (
    "📨 This routine is already in your routines, as <b>{name}</b>, so nothing new was "
    "added. Open it below."
)
SHARE_ALREADY_HAVE_TOAST = "Already in your routines, as {name}"
SHARE_NAME_LEFT_OUT = (
    "<i>Its name didn't fit in the link: whoever adds it can rename it in /routines.</i>"
)
SHARE_OPEN_IT = "📋 Open {name}"
SHARE_AFTER_SETUP = "Now, the routine from the link you opened:"
SHARE_FIRST_NOTE = (
    "📨 Here's the routine from the link you opened. Add it if you like; setting up a "
    "daily reminder for it comes after."
)
SHARE_SETUP_NEXT = (
    "⏰ Your reminders will start it. Set them up now, or whenever you like with /start."
)
SHARE_SETUP_LATER = "You can set up a daily reminder whenever you like."
SETUP_REMINDERS_BUTTON = "⏰ Set up daily reminders"
REMINDER_ROUTINE_AFTER_SETUP = "⏰ Your reminders will start this routine once they're set up."
ANSWER_BELOW = "Answer the question below"
SHARE_PROBLEMS = {
    "malformed": "That link looks cut off or mistyped, so I can't read a routine from it. "
    "Please ask for the link again.",
    "version": "That link was made in a format I don't know. Please ask for a fresh link.",
    "too_long": "That link holds more than I can read. Please ask for the link again.",
    "unknown_stretch": "That link names a stretch I don't have, so I can't add it.",
    "impossible_dose": "That link asks for a dose no one should do, so I won't add it.",
    "broken_promise": "That routine doesn't keep its own promise (like nothing on the "
    "floor), so I won't add it.",
    "bad_name": "That link's routine name has characters I can't show safely, so I won't "
    "add it. Please ask for the link again.",
}
#: Why a builder change was refused, and what to do instead (an alert: under 200 characters).
RULE_PROBLEMS = {
    "no_stretch": "A routine needs at least one stretch: tap ➕ Add a stretch.",
    "floor": "🪑 Chair only keeps the whole routine off the floor, so floor stretches can't be "
    "in it: remove them (✖️) before turning it on, or turn it off to add one.",
    "gentle_easier": "🌱 Gentle uses the easier versions only: pick a stretch that has one, or "
    "turn 🌱 Gentle off.",
    "gentle_standing": "🌱 Gentle has nothing standing: remove standing stretches (✖️) before "
    "turning it on, or turn it off to add one.",
    "gentle_one_position": "🌱 Gentle stays in one position throughout: keep to stretches in "
    "one position (✖️ removes the others), or turn 🌱 Gentle off.",
    "other": "That doesn't fit this routine: remove the stretch that breaks it (✖️), or send "
    "/routines to start again.",
}


def on_off(value: bool) -> str:
    return "on" if value else "off"


def buttons_hint(labels: tuple[str, ...]) -> str:
    """Names every button of the message ("tap <b>😌 Easy</b>, <b>👍 Just right</b> or ...")."""
    named = [f"<b>{escape(label)}</b>" for label in labels]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} or {named[-1]}"
    return BUTTONS_HINT.format(buttons=f"tap {listed}")


def button_hint(label: str) -> str:
    return BUTTON_HINT.format(button=escape(label))
