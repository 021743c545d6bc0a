"""build_application(settings): the PTB Application with its lifecycle, handlers and jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from telegram import BotCommand
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
)
from timezonefinder import TimezoneFinder

from bot import texts
from bot.botapi.budget import RENEW_SECONDS, BroadcastBudget
from bot.botapi.client import BotClient
from bot.botapi.ratelimit import PriorityRateLimiter
from bot.botapi.request import AiohttpRequest
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content import load_content
from bot.db import deliveries, users
from bot.db.engine import (
    create_engine,
    create_session_factory,
    create_write_session_factory,
    is_sqlite,
    normalize_url,
)
from bot.db.migrate import upgrade
from bot.handlers import register_handlers
from bot.handlers.common import SERVICES_KEY, application_services, services
from bot.handlers.progress import WeeklySummarySender
from bot.handlers.reminders import TelegramDeliverySender
from bot.handlers.routines import timer_job
from bot.health import record_dispatch_pass
from bot.reminders import ReminderDispatcher
from bot.services.container import Services
from bot.services.groups import GroupNotes
from bot.services.my_routines import MyRoutines
from bot.services.pain import PainLog
from bot.services.preferences import Preferences
from bot.services.program import ProgramService
from bot.services.routines import Routines
from bot.updates import PerChatUpdateProcessor

logger = logging.getLogger(__name__)

DISPATCH_JOB_NAME = "reminder-dispatcher"
WAKE_JOB_NAME = "reminder-wake"
TIMER_JOB_NAME = "hold-timers"
BUDGET_JOB_NAME = "broadcast-budget"
RATE_LIMIT_RETRIES = 2


async def dispatch_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one periodic job: start a dispatch unless one is still sending.

    A big batch takes longer than the interval at Telegram's 30 messages/s; the job hands
    the work to a task so the scheduler never stacks up or skips runs. A job that fires while
    the application is stopping does nothing (PTB would not await the task; shutdown hands
    back what was claimed).
    """
    dispatcher = services(context).dispatcher
    if context.application.running and not dispatcher.busy:
        context.application.create_task(
            _dispatch_and_log(dispatcher, context.application), name=DISPATCH_JOB_NAME
        )


async def _dispatch_and_log(
    dispatcher: ReminderDispatcher,
    application: Application,  # type: ignore[type-arg]
) -> None:
    # When the application starts stopping (SIGTERM), no new send starts; the sends in
    # flight finish and are recorded before `Application.stop` returns.
    report = await dispatcher.run_once(keep_going=lambda: application.running)
    record_dispatch_pass(application)
    if report.sent or report.missed or report.failed or report.uncertain:
        logger.info(
            "Dispatch: %s sent, %s missed, %s failed, %s uncertain, %s unsubscribed",
            report.sent,
            report.missed,
            report.failed,
            report.uncertain,
            report.unsubscribed,
        )
    await schedule_wake(application)


async def budget_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Renew this process's share of the token's broadcast budget (PostgreSQL)."""
    budget = services(context).budget
    if context.application.running and budget is not None and not budget.busy:
        # A renewal can wait on the per-token lock under load: the job returns at once so
        # the scheduler never skips or reports it.
        context.application.create_task(budget.renew_quietly(), name=BUDGET_JOB_NAME)


async def schedule_wake(application: Application) -> None:  # type: ignore[type-arg]
    """Run the dispatcher at the next due instant when that comes before the next poll.

    Reminders go out at round local times; waiting for the 20-s poll would hold them up by
    up to 20 s. The poll stays as the safety net (settings changed in another process, a
    lease that ran out). Two index lookups; a database error leaves it to the poll.
    """
    svc = application_services(application)
    if not svc.settings.dispatch_wake or application.job_queue is None:
        return
    try:
        async with svc.sessions() as session:
            planned = await users.next_due_instant(session)
            retry = await deliveries.next_attempt(session)
    except SQLAlchemyError:
        return
    instants = [t for t in (planned, retry) if t is not None]
    if not instants:
        return
    delay = max((min(instants) - svc.clock.now()).total_seconds(), 0.0)
    if delay >= svc.settings.dispatch_interval_seconds:
        return
    for job in application.job_queue.get_jobs_by_name(WAKE_JOB_NAME):
        job.schedule_removal()
    application.job_queue.run_once(dispatch_job, when=delay, name=WAKE_JOB_NAME)


def build_application(
    settings: Settings,
    clock: Clock | None = None,
    *,
    rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]
    update_processor: BaseUpdateProcessor | None = None,
) -> Application:  # type: ignore[type-arg]
    """Wire the bot. Nothing touches the network or the database until it starts.

    `rate_limiter` and `update_processor` replace the defaults (`PriorityRateLimiter`,
    `PerChatUpdateProcessor`); the benchmarks use them to measure against PTB's own.
    """
    token = settings.require_token()
    clock = clock or SystemClock()
    timeout = settings.http_timeout_seconds

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url, pool_size=settings.pool_size)
        sessions = create_session_factory(engine)
        content = await asyncio.to_thread(load_content, settings.content_dir)
        zone_finder = await asyncio.to_thread(TimezoneFinder)
        pain = PainLog(sessions, clock)
        program = ProgramService(sessions, clock, content, pain)
        mine = MyRoutines(sessions, clock, content)
        sender = TelegramDeliverySender(
            application.bot,
            weekly=WeeklySummarySender(pain, content, program, clock),
            pain=pain,
            content=content,
            paid_broadcast=settings.allow_paid_broadcast,
        )
        application.bot_data[SERVICES_KEY] = Services(
            settings=settings,
            clock=clock,
            engine=engine,
            sessions=sessions,
            content=content,
            zone_finder=zone_finder,
            preferences=Preferences(sessions, clock, create_write_session_factory(engine)),
            dispatcher=ReminderDispatcher(
                sessions,
                clock,
                sender,
                settings.reminder_grace,
                write_sessions=create_write_session_factory(engine),
                lease=settings.delivery_lease,
                retention=settings.delivery_retention,
            ),
            routines=Routines(sessions, clock, content, pain, program, mine),
            pain=pain,
            program=program,
            mine=mine,
            groups=GroupNotes(sessions, clock),
        )
        limiter = application.bot.rate_limiter
        if not is_sqlite(normalize_url(settings.database_url)) and isinstance(
            limiter, PriorityRateLimiter
        ):
            # Several processes may dispatch on one PostgreSQL: one budget per token.
            budget = BroadcastBudget(
                create_write_session_factory(engine),
                limiter,
                token,
                http_timeout=timeout,
                budget=settings.broadcast_rate,
            )
            application.bot_data[SERVICES_KEY].budget = budget
            await budget.renew()
        await application.bot.set_my_commands(
            [BotCommand(command, description) for command, description in texts.COMMANDS]
        )
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            dispatch_job,
            interval=timedelta(seconds=settings.dispatch_interval_seconds),
            first=timedelta(seconds=settings.dispatch_interval_seconds),
            name=DISPATCH_JOB_NAME,
        )
        await schedule_wake(application)
        application.job_queue.run_repeating(
            budget_job,
            interval=timedelta(seconds=RENEW_SECONDS),
            first=timedelta(seconds=RENEW_SECONDS),
            name=BUDGET_JOB_NAME,
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )
        application.job_queue.run_repeating(
            timer_job,
            interval=timedelta(seconds=settings.timer_tick_seconds),
            first=timedelta(seconds=settings.timer_tick_seconds),
            name=TIMER_JOB_NAME,
        )

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        svc = application.bot_data.get(SERVICES_KEY)
        if isinstance(svc, Services):
            if svc.budget is not None:
                try:
                    await svc.budget.release()
                except Exception as exc:  # the database is away: the share lapses by itself
                    logger.warning(
                        "Could not hand the broadcast share back (%s)", type(exc).__name__
                    )
            await svc.engine.dispose()

    if rate_limiter is None:
        rate_limiter = PriorityRateLimiter(max_retries=RATE_LIMIT_RETRIES)
        rate_limiter.set_broadcast_share(settings.broadcast_rate)
    # PTB's ExtBot, plus the chats' shown buttons and calls whose replies aren't parsed
    # into PTB objects (bot/botapi/client.py).
    client = BotClient(
        token,
        base_url=f"{settings.bot_api_url}/bot",
        base_file_url=f"{settings.bot_api_url}/file/bot",
        # aiohttp under PTB: a tenth of httpx's CPU per call (bot/botapi/request.py).
        request=AiohttpRequest(
            connection_pool_size=64,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        ),
        get_updates_request=AiohttpRequest(
            connection_pool_size=4, connect_timeout=timeout, read_timeout=timeout
        ),
        # One rate budget per token: priority classes over Telegram's limits (ratelimit.py).
        rate_limiter=rate_limiter,
    )
    application = (
        ApplicationBuilder()
        .bot(client)
        # Different users' updates at once, each user's strictly in order (updates.py).
        # At most as many as the database pool has connections for (config.pool_size).
        .concurrent_updates(
            update_processor or PerChatUpdateProcessor(max_concurrent=settings.update_concurrency)
        )
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register_handlers(application)
    return application
