"""/settings: the menu, weekdays, pause and resume, weekly summary; and /stop.

Time and time-zone changes are questions, so they live in the preferences conversation.
"""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.db.models import User
from bot.domain.reminder_plan import weekdays_from_mask
from bot.domain.timezones import iana_label, load_zone
from bot.handlers import asking
from bot.handlers.common import (
    Handler,
    answer,
    edit_or_send,
    invalid_button,
    onboarded_user,
    reply,
    services,
)
from bot.handlers.program import show_program
from bot.upcoming import Planned


def is_paused(user: User, today: date) -> bool:
    """Paused until resumed, or a timed pause that hasn't reached its resume date yet."""
    return user.paused_indefinitely or (user.paused_until is not None and user.paused_until > today)


def local_today(user: User, context: ContextTypes.DEFAULT_TYPE) -> date:
    now = services(context).clock.now()
    return now.astimezone(load_zone(user.time_zone)).date() if user.time_zone else now.date()


def schedule_text(user: User, today: date, upcoming: Planned | None) -> str:
    """What will happen: off, paused (until when), and the next reminder that will really be
    sent (`upcoming`, from `Preferences.next_sent`: a snoozed one, or the first planned one
    the dispatcher won't skip)."""
    zone = load_zone(user.time_zone) if user.time_zone else None
    next_at = None if upcoming is None else upcoming.at
    return texts.schedule_status(
        subscribed=user.subscribed,
        paused_indefinitely=user.paused_indefinitely,
        resume_on=user.paused_until if is_paused(user, today) else None,
        next_local=None if next_at is None or zone is None else next_at.astimezone(zone),
        zone_label=iana_label(user.time_zone) if user.time_zone else "",
        snoozed=upcoming is not None and upcoming.snoozed,
    )


async def current_schedule(user: User, context: ContextTypes.DEFAULT_TYPE) -> str:
    """`schedule_text` for the user as stored now."""
    upcoming = await services(context).preferences.next_sent(user)
    return schedule_text(user, local_today(user, context), upcoming)


def settings_text(user: User, routine_title: str, schedule: str) -> str:
    """The settings summary: time, zone, days, routine, weekly summary, then the schedule."""
    at = texts.hhmm(user.reminder_time) if user.reminder_time else "not set"
    lines = [
        "⚙️ <b>Your settings</b>",
        f"⏰ Time: <b>{at}</b>",
        f"🌍 Time zone: <b>{iana_label(user.time_zone) if user.time_zone else 'not set'}</b>",
        f"📅 Days: <b>{texts.weekdays_label(weekdays_from_mask(user.weekdays_mask))}</b>",
        f"🧘 Reminder routine: <b>{escape(routine_title)}</b>",
        f"📊 Weekly summary: <b>{'on' if user.weekly_summary else 'off'}</b>",
        schedule,
    ]
    return "\n".join(lines)


async def _settings_text(user: User, context: ContextTypes.DEFAULT_TYPE) -> str:
    routine = await services(context).routines.default_of(user)
    return settings_text(user, routine.title, await current_schedule(user, context))


async def show_settings(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, *, edit: bool
) -> None:
    markup = keyboards.settings_menu(
        subscribed=user.subscribed,
        paused=is_paused(user, local_today(user, context)),
        weekly=user.weekly_summary,
    )
    text = await _settings_text(user, context)
    if edit:
        await edit_or_send(update, text, reply_markup=markup)
    else:
        await reply(update, text, reply_markup=markup)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/settings: show the menu."""
    user = await onboarded_user(update, context)
    if user is not None:
        await show_settings(update, context, user, edit=False)


async def menu_action(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Menu buttons that don't ask a question: days, pause, resume, weekly, back, close."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    await asking.leave_for_button(update, context)
    action = query.data.removeprefix("s:")
    prefs = services(context).preferences
    if action == "days":
        await answer(update)
        await edit_or_send(
            update,
            "📅 <b>On which days?</b> Tap to switch a day on or off.",
            reply_markup=keyboards.weekdays(weekdays_from_mask(user.weekdays_mask)),
        )
    elif action == "pause":
        if not user.subscribed:  # an old menu from before /stop
            await answer(update, texts.REMINDERS_OFF_NO_PAUSE, alert=True)
            await show_settings(update, context, user, edit=True)
            return
        await answer(update)
        await edit_or_send(
            update, "⏸ <b>Pause reminders for…</b>", reply_markup=keyboards.pause_choices()
        )
    elif action == "routine":
        await answer(update)
        svc = services(context)
        own = await svc.mine.saved(user.id)
        choices = [(r.id, r.title) for r in [*svc.content.routines.values(), *own]]
        current = await svc.routines.default_of(user)
        await edit_or_send(
            update,
            texts.PICK_REMINDER_ROUTINE,
            reply_markup=keyboards.default_routines(choices, current.id),
        )
    elif action == "program":
        await answer(update)
        await show_program(update, context, user)
    elif action == "resume":
        was_subscribed = user.subscribed
        user = await prefs.resume(user.id)
        await answer(update, "Reminders resumed" if was_subscribed else "Reminders are on")
        await show_settings(update, context, user, edit=True)
    elif action.startswith("weekly"):
        wanted = not user.weekly_summary if action == "weekly" else action == "weekly_on"
        if wanted == user.weekly_summary:  # a double tap's second: already so, quietly
            await answer(update, texts.WEEKLY_ALREADY.format(state=texts.on_off(wanted)))
            return
        user = await prefs.set_weekly_summary(user.id, wanted)
        await answer(update, f"Weekly summary {'on' if user.weekly_summary else 'off'}")
        await show_settings(update, context, user, edit=True)
    elif action == "close":
        await answer(update)
        await edit_or_send(update, await _settings_text(user, context))
    else:  # "menu"
        await answer(update)
        await show_settings(update, context, user, edit=True)


async def weekday_toggled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    await asking.leave_for_button(update, context)
    tap = callbacks.parse_weekday_toggle(query.data)
    assert tap is not None  # the handler's pattern
    day = tap.day
    before = weekdays_from_mask(user.weekdays_mask)
    if tap.on is not None and (day in before) == tap.on:  # a double tap's second, quietly
        await answer(update, texts.WEEKDAY_ALREADY.format(state=texts.on_off(tap.on)))
        return
    user = await services(context).preferences.toggle_weekday(user.id, day)
    after = weekdays_from_mask(user.weekdays_mask)
    if before == after:
        await answer(update, "Keep at least one day. To stop for a while, use Pause.", alert=True)
        return
    await answer(update)
    await edit_or_send(
        update,
        "📅 <b>On which days?</b> Tap to switch a day on or off.",
        reply_markup=keyboards.weekdays(after),
    )


async def pause_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    await asking.leave_for_button(update, context)
    choice = callbacks.parse_pause_choice(query.data)
    assert choice is not None  # the handler's pattern
    days = choice or None
    if not user.subscribed:  # an old pause menu from before /stop
        await answer(update, texts.REMINDERS_OFF_NO_PAUSE, alert=True)
        await show_settings(update, context, user, edit=True)
        return
    user = await services(context).preferences.pause(user.id, days)
    if days is None:
        await answer(update, "Paused until you resume")
    else:
        await answer(update, texts.paused_for(days, user.paused_until))
    await show_settings(update, context, user, edit=True)


async def default_routine_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    user = await onboarded_user(update, context)
    if user is None:
        return
    routine_id = callbacks.parse_default_routine(query.data)
    assert routine_id is not None  # the handler's pattern
    svc = services(context)
    routine = await svc.routines.find(user.id, routine_id)
    if routine is None:  # forged, someone else's, or deleted since: the question stays open
        await invalid_button(update, context)
        return
    await asking.leave_for_button(update, context)
    user = await svc.preferences.set_default_routine(user.id, routine.id)
    await answer(update, texts.REMINDER_ROUTINE_SET.format(name=routine.title))
    await show_settings(update, context, user, edit=True)


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: unsubscribe, keep the data (before setup: there are no reminders to stop;
    already stopped: says so, changes nothing)."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    if not user.subscribed:  # a second /stop: say so rather than repeat the goodbye
        await reply(update, texts.ALREADY_STOPPED)
        return
    await services(context).preferences.unsubscribe(user.id)
    await reply(update, texts.STOPPED)


def build_handlers() -> list[CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CallbackQueryHandler(
            menu_action,
            pattern=r"^s:(days|pause|resume|weekly|weekly_on|weekly_off|routine|program|menu|close)$",
        ),
        CallbackQueryHandler(
            default_routine_chosen, pattern=callbacks.matcher(callbacks.parse_default_routine)
        ),
        CallbackQueryHandler(
            weekday_toggled, pattern=callbacks.matcher(callbacks.parse_weekday_toggle)
        ),
        CallbackQueryHandler(pause_chosen, pattern=callbacks.matcher(callbacks.parse_pause_choice)),
    ]


def build_commands() -> list[Handler]:
    """/settings and /stop."""
    return [CommandHandler("settings", settings_command), CommandHandler("stop", stop_command)]
