"""`stretchbot run`: stand by until this process is the active one, run the bot while it is.

The loop: run the start-up checks (bot.startup), wait for the election (`bot.leadership`),
build the `Application` (only then, so a standby holds no Bot API or scheduler state), start
it, and run until SIGTERM/SIGINT or until the lock is lost. After a loss the process stops
the bot and stands by again; after a signal it stops the bot first and releases the lock
last, so a standby starts only once this one is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot import lifecycle
from bot.clock import Clock
from bot.config import Settings
from bot.health import Health, health_port
from bot.health import start_server as start_health_server
from bot.leadership import Election, election_for
from bot.startup import Ready, check_database_url, prepare, running_line
from bot.webhook import webhook_config

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


Say = Callable[[str], None]
Prepare = Callable[[Settings, Say], Awaitable[Ready]]


async def serve(
    settings: Settings,
    say: Say,
    *,
    clock: Clock | None = None,
    election: Election | None = None,
    checks: Prepare = prepare,
) -> None:
    """Run until a stop signal. The start-up `checks` (bot.startup) run first, in standbys
    too, so a bad token or database fails at once rather than at a takeover. Raises
    `ConfigError` (incl. `AlreadyRunning`) or `StartupError`, one line for the operator."""
    token = settings.require_token()
    check_database_url(settings.database_url)
    election = election or election_for(settings.database_url, token)
    ready = await checks(settings, say)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    health = Health(settings)
    port = health_port(settings)
    server = None
    try:
        if port is not None:
            server = await start_health_server(health, settings.health_listen, port)
        while not stop.is_set():
            health.became_standby()
            if not await election.acquire(stop):
                break
            try:
                lost = await _run_active(settings, ready, clock, election, stop, health)
            finally:
                await election.release()
            if not lost:
                break
            logger.info("Standing by again")
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)
        if server is not None:
            await server.cleanup()
        await health.close()


async def _run_active(
    settings: Settings,
    ready: Ready,
    clock: Clock | None,
    election: Election,
    stop: asyncio.Event,
    health: Health,
) -> bool:
    """Run the bot until `stop` or a lost lock; returns whether the lock was lost."""
    from bot.app import build_application  # imports matplotlib: only once the checks passed

    application = build_application(settings, clock=clock)
    started = application.post_init

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if started is not None:
            await started(app)
        lifecycle.freeze_heap()
        print(running_line(app.bot.username or ready.username), flush=True)

    application.post_init = post_init
    try:
        await lifecycle.start(application, webhook_config(settings))
        health.became_active(application)
        stopping = asyncio.create_task(stop.wait())
        losing = asyncio.create_task(election.lost())
        done, pending = await asyncio.wait({stopping, losing}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return losing in done
    finally:
        await lifecycle.stop(application)


def run(settings: Settings, say: Say) -> None:
    """Blocking entry point of `stretchbot run`."""
    asyncio.run(serve(settings, say))
