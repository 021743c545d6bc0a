"""/progress and the Sunday summary: the pain chart as a photo, the figures as its caption."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta

from telegram import Bot, InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import CommandHandler, ContextTypes

from bot import texts
from bot.botapi import errors as botapi
from bot.charts import render_progress_chart
from bot.content import Content, SafetyTexts
from bot.db.models import Delivery, User
from bot.domain.pain import SUMMARY_DAYS, local_date, local_day_start, week_start_of
from bot.domain.program import EASING_REASONS
from bot.handlers.common import known_user, services
from bot.handlers.program_views import change_lines
from bot.handlers.routine_views import CAPTION_LIMIT
from bot.services.pain import PainLog, Progress
from bot.services.program import ProgramService

#: The weekly summary's chart shows this week and last week, the two the caption compares.
WEEKLY_CHART_DAYS = 14


async def chart_png(progress: Progress, days: int = SUMMARY_DAYS) -> bytes:
    """Render the chart in a worker thread: it is CPU work that would stall the event loop."""
    return await asyncio.to_thread(
        render_progress_chart, progress.entries, progress.runs, progress.zone, progress.today, days
    )


def progress_caption(progress: Progress) -> str:
    recent = progress.recent_entries
    only: tuple[int, date] | None = None
    if len(recent) == 1:
        only = (recent[0].level, local_date(recent[0].at, progress.zone))
    return texts.progress_caption(
        progress.summary,
        has_consent=progress.has_consent,
        only_reading=only,
        logged_before=progress.logged_before_window,
    )


#: At most this many program changes are listed in the weekly summary's caption.
WEEKLY_CHANGES_SHOWN = 4


def weekly_caption(
    progress: Progress, safety: SafetyTexts, program_lines: Sequence[str] = ()
) -> str:
    """The Sunday caption, with the week's program changes and the persistent-pain advice
    while the rule holds; changes that don't fit Telegram's caption limit are counted."""
    week_start = week_start_of(progress.today)
    caption = texts.weekly_caption(
        progress.summary,
        week_start=week_start,
        week_end=week_start + timedelta(days=6),
        routines_this_week=progress.routines_this_week,
    )
    advice = f"\n\n{texts.persistent_pain(safety, short=True)}" if progress.no_improvement else ""
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


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/progress: the last 30 days as a chart, with this week vs last and the streak."""
    user = await known_user(update, context)
    if user is None:
        return
    user_id = user.id
    svc = services(context)
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    await botapi.send_chat_action(context.bot, chat_id, ChatAction.UPLOAD_PHOTO)
    progress = await svc.pain.progress(user_id)
    png = await chart_png(progress)
    await botapi.send_photo(
        context.bot,
        chat_id,
        InputFile(png, filename="progress.png"),
        caption=progress_caption(progress),
    )


class WeeklySummarySender:
    """The dispatcher's weekly hook: `(bot, user, delivery) -> message id`."""

    def __init__(self, pain: PainLog, content: Content, program: ProgramService) -> None:
        self._pain = pain
        self._content = content
        self._safety = content.safety
        self._program = program

    async def __call__(self, bot: Bot, user: User, delivery: Delivery) -> int:
        """Send the week's chart and figures, as of the summary's own local date."""
        progress = await self._pain.progress(user.id, today=delivery.local_date)
        if progress.routines_this_week == 0 and progress.summary.this_week_avg is None:
            # A quiet week gets a short, kind nudge rather than an empty chart.
            sent = await bot.send_message(user.chat_id, texts.QUIET_WEEK, parse_mode=ParseMode.HTML)
            return sent.message_id
        png = await chart_png(progress, days=WEEKLY_CHART_DAYS)
        since = local_day_start(week_start_of(progress.today), progress.zone)
        until = local_day_start(progress.today + timedelta(days=1), progress.zone)
        changes = await self._program.changes_between(user.id, since, until)
        # Easing off and holding back first: what a person should not miss.
        changes.sort(key=lambda change: change.reason not in EASING_REASONS)
        message = await bot.send_photo(
            user.chat_id,
            InputFile(png, filename="week.png"),
            caption=weekly_caption(progress, self._safety, change_lines(self._content, changes)),
            parse_mode=ParseMode.HTML,
        )
        return message.message_id


def build_handlers() -> list[CommandHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [CommandHandler("progress", progress_command)]
