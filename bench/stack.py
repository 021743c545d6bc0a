"""The real bot, started the way the tests start it, for the benchmarks.

The real `Application` from `build_application`, talking real HTTP to a `LoopbackBotAPI`.
Start-up follows `bot.lifecycle.start_polling` step by step so each phase can be timed;
stopping uses `bot.lifecycle.stop` itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from telegram.ext import Application, BaseRateLimiter, BaseUpdateProcessor

from bot import lifecycle
from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.handlers.common import application_services
from bot.reminders import DispatchReport
from bot.services.container import Services
from loopback import LoopbackBotAPI


@dataclass(frozen=True)
class StartTimes:
    """Seconds spent in each start-up phase."""

    build: float
    initialize: float
    post_init: float
    polling: float

    @property
    def total(self) -> float:
        return self.build + self.initialize + self.post_init + self.polling


class RunningBot:
    """One bot process-alike on a loopback server."""

    def __init__(
        self,
        server: LoopbackBotAPI | None,  # None: a server in another process (bench.tapserver)
        settings: Settings,
        clock: Clock,
        *,
        rate_limiter: BaseRateLimiter | None = None,  # type: ignore[type-arg]
        update_processor: BaseUpdateProcessor | None = None,
    ) -> None:
        self.server = server
        self.settings = settings
        self.clock = clock
        self.rate_limiter = rate_limiter
        self.update_processor = update_processor
        self.app: Application | None = None  # type: ignore[type-arg]

    @property
    def services(self) -> Services:
        assert self.app is not None
        return application_services(self.app)

    async def start(self) -> StartTimes:
        began = time.perf_counter()
        app = build_application(
            self.settings,
            clock=self.clock,
            rate_limiter=self.rate_limiter,
            update_processor=self.update_processor,
        )
        built = time.perf_counter()
        await app.initialize()
        initialized = time.perf_counter()
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        lifecycle.freeze_heap()  # as `stretchbot run` does after post_init (bot.runner)
        post_init_done = time.perf_counter()
        await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
        await app.start()
        running = time.perf_counter()
        self.app = app
        return StartTimes(
            build=built - began,
            initialize=initialized - built,
            post_init=post_init_done - initialized,
            polling=running - post_init_done,
        )

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            await lifecycle.stop(app)

    async def dispatch(self) -> DispatchReport:
        """One dispatcher pass, as the periodic job runs it."""
        return await self.services.dispatcher.run_once()
