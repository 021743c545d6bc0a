"""/progress and the weekly summary (Monday, about the week that ended): the pain chart as
a photo, the figures as its caption."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta, tzinfo

from telegram import Bot, InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import CommandHandler, ContextTypes

from bot import texts
from bot.botapi import errors as botapi
from bot.charts import render_progress_chart
from bot.clock import Clock
from bot.content import Content, SafetyTexts
from bot.db.models import Delivery, User
from bot.domain.pain import (
    SUMMARY_DAYS,
    local_date,
    local_day_start,
    painful_days,
    week_start_of,
)
from bot.domain.program import EASING_REASONS
from bot.domain.reminder_plan import paused_on
from bot.handlers.common import sender_ids, services
from bot.handlers.program_views import change_lines
from bot.handlers.routine_views import CAPTION_LIMIT
from bot.reminders import summary_week
from bot.services.pain import PainLog, Progress
from bot.services.program import ProgramService

#: The weekly summary's chart shows this week and last week, the two the caption compares.
WEEKLY_CHART_DAYS = 14


async def chart_png(
    progress: Progress, days: int = SUMMARY_DAYS, *, today: date | None = None
) -> bytes:
    """Render the chart of the `days` up to `progress.today` in a worker thread: it is CPU
    work that would stall the event loop. `today`: the local day it is sent on, when that
    is later (the weekly summary's Monday), so no past day is labelled "Today"."""
    return await asyncio.to_thread(
        render_progress_chart,
        progress.entries,
        progress.runs,
        progress.zone,
        progress.today,
        days,
        today=today,
    )


def progress_caption(progress: Progress, user: User | None) -> str:
    """The /progress caption as of `progress.today`; the streak reads as paused while the
    user's reminders are (`paused_on` that day; None: no user row, nothing paused)."""
    recent = progress.recent_entries
    only: tuple[int, date] | None = None
    if len(recent) == 1:
        only = (recent[0].level, local_date(recent[0].at, progress.zone))
    return texts.progress_caption(
        progress.summary,
        has_consent=progress.has_consent,
        only_reading=only,
        logged_before=progress.logged_before_window,
        paused=user is not None
        and paused_on(progress.today, user.paused_until, user.paused_indefinitely),
    )


#: At most this many program changes are listed in the weekly summary's caption.
WEEKLY_CHANGES_SHOWN = 4


def weekly_caption(
    progress: Progress,
    safety: SafetyTexts,
    program_lines: Sequence[str] = (),
    joined: date | None = None,
    paused: str | None = None,
    streak_paused: bool = False,
) -> str:
    """The summary's caption for the week ending `progress.today` (a Sunday), with the
    week's program changes and the persistent-pain advice while the rule holds (instead of
    the high-week line: one clinician line a message); changes that don't fit Telegram's
    caption limit are counted. `paused`: `texts.week_paused`; `streak_paused`: reminders
    are still paused on the summary's day (`still_paused`)."""
    week_start = week_start_of(progress.today)
    week_end = week_start + timedelta(days=6)
    painful = painful_days(progress.entries, progress.zone, week_start, week_end)
    # One "see a doctor or physiotherapist" line per message: the persistent-pain advice
    # (three weeks without improvement, see someone now) says more than the high week's
    # "if it stays this high", so it stands alone when both apply.
    persistent = progress.no_improvement
    high = texts.high_week(safety) if progress.summary.week_pain_high and not persistent else None
    caption = texts.weekly_caption(
        progress.summary,
        week_start=week_start,
        week_end=week_end,
        routines_this_week=progress.routines_this_week,
        joined=joined,
        paused=paused,
        high=high,
        painful=texts.painful_days(painful),
        streak_paused=streak_paused,
    )
    advice = f"\n\n{texts.persistent_pain(safety, short=True)}" if persistent else ""
    shown = list(program_lines[:WEEKLY_CHANGES_SHOWN])
    while True:
        hidden = len(program_lines) - len(shown)
        block = [texts.PROGRAM_WEEK_TITLE, *shown] if program_lines else []
        if hidden:
            block.append(texts.PROGRAM_WEEK_MORE.format(count=hidden))
        text = caption + ("\n\n" + "\n".join(block) if block else "") + advice
        if len(text) <= CAPTION_LIMIT or not shown:
            return text
        shown.pop()


def joined_during(user: User, zone: tzinfo, week_start: date, week_end: date) -> date | None:
    """The local day inside the week on which reminders went on (a short first week, or
    back after /stop), else None."""
    since = user.subscribed_at
    if since is None:
        return None
    day = since.astimezone(zone).date()
    return day if week_start < day <= week_end else None


def still_paused(user: User, monday: date) -> bool:
    """Whether reminders are paused on local `monday`, the summary's day (`paused_on`)."""
    return paused_on(monday, user.paused_until, user.paused_indefinitely)


def pause_line(user: User, progress: Progress, monday: date) -> str | None:
    """`texts.week_paused` for the summary sent on local `monday`: the week's paused days,
    and whether reminders are still paused that day (`still_paused`), until when."""
    until_resumed = user.paused_indefinitely
    still = still_paused(user, monday)
    resume_on = user.paused_until if still and not until_resumed else None
    return texts.week_paused(progress.paused_this_week, resume_on, until_resumed)


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/progress: the last 30 days as a chart, with this week vs last and the streak. It
    only reads: without a user row (never started, or erased by /delete) it shows the
    empty chart and creates none (nothing of an erased person comes back)."""
    user_id, _ = sender_ids(update)
    svc = services(context)
    user = await svc.preferences.get(user_id)
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    await botapi.send_chat_action(context.bot, chat_id, ChatAction.UPLOAD_PHOTO)
    progress = await svc.pain.progress(user_id)
    png = await chart_png(progress)
    await botapi.send_photo(
        context.bot,
        chat_id,
        InputFile(png, filename="progress.png"),
        caption=progress_caption(progress, user),
    )


class WeeklySummarySender:
    """The dispatcher's weekly hook: `(bot, user, delivery) -> message id`."""

    def __init__(
        self, pain: PainLog, content: Content, program: ProgramService, clock: Clock
    ) -> None:
        self._pain = pain
        self._clock = clock
        self._content = content
        self._safety = content.safety
        self._program = program

    async def __call__(self, bot: Bot, user: User, delivery: Delivery) -> int:
        """Send the chart and figures of the week the summary is about: the Monday-Sunday
        week before its local date (`bot.reminders.summary_week`), Sunday included."""
        week_start, week_end = summary_week(delivery.local_date)
        progress = await self._pain.progress(user.id, today=week_end)
        joined = joined_during(user, progress.zone, week_start, week_end)
        paused = pause_line(user, progress, delivery.local_date)
        if progress.routines_this_week == 0 and progress.summary.this_week_avg is None:
            # A quiet week gets a short, kind nudge rather than an empty chart.
            text = texts.quiet_week(week_start, week_end, joined, paused)
            sent = await bot.send_message(user.chat_id, text, parse_mode=ParseMode.HTML)
            return sent.message_id
        sent_on = self._clock.now().astimezone(progress.zone).date()
        png = await chart_png(progress, days=WEEKLY_CHART_DAYS, today=sent_on)
        since = local_day_start(week_start, progress.zone)
        until = local_day_start(week_end + timedelta(days=1), progress.zone)
        changes = await self._program.changes_between(user.id, since, until)
        # Easing off and holding back first: what a person should not miss; newest first
        # within each, so what still holds comes before what is over.
        changes.sort(key=lambda change: change.at, reverse=True)
        changes.sort(key=lambda change: change.reason not in EASING_REASONS)
        lines = change_lines(self._content, changes, as_of=(self._clock.now(), progress.zone))
        message = await bot.send_photo(
            user.chat_id,
            InputFile(png, filename="week.png"),
            caption=weekly_caption(
                progress,
                self._safety,
                lines,
                joined,
                paused,
                streak_paused=still_paused(user, delivery.local_date),
            ),
            parse_mode=ParseMode.HTML,
        )
        return message.message_id


def build_handlers() -> list[CommandHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("progress", progress_command)]
