"""Health: `/healthz` for load balancers and Docker, and `stretchbot health` to ask it.

The endpoint (aiohttp, `HEALTH_LISTEN:HEALTH_PORT`; on by default only in webhook mode, on
`DEFAULT_HEALTH_PORT`) answers JSON:

    {"status": "ok", "role": "active", "database": "ok", "scheduler": "running",
     "dispatch": "idle", "last_dispatch_age_seconds": 4.2}

`role` is "starting", "standby" or "active". The answer is 200 when the process does its
part and 503 otherwise: the database doesn't answer `SELECT 1` within `DB_TIMEOUT_SECONDS`;
or, when active, the scheduler isn't running or no dispatch pass has ended for
`stale_after` seconds while none is in progress. A standby is healthy: it is ready to
take over. Nothing about users is reported.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.config import Settings
from bot.db.engine import create_engine

DEFAULT_HEALTH_PORT = 8081
DB_TIMEOUT_SECONDS = 3.0
PATH = "/healthz"
# application.bot_data key: time.monotonic() when the last dispatch pass ended.
LAST_DISPATCH_KEY = "health.last_dispatch_pass"


def health_port(settings: Settings) -> int | None:
    """HEALTH_PORT, else DEFAULT_HEALTH_PORT in webhook mode, else None (off)."""
    if settings.health_port is not None:
        return settings.health_port
    return DEFAULT_HEALTH_PORT if settings.webhook_url else None


def record_dispatch_pass(application: Application) -> None:  # type: ignore[type-arg]
    """Called by the dispatch job when a pass ends."""
    application.bot_data[LAST_DISPATCH_KEY] = time.monotonic()


@dataclass
class Health:
    """What the process is doing, for `/healthz`. The runner updates role and application."""

    settings: Settings
    role: str = "starting"
    application: Application | None = None  # type: ignore[type-arg]
    active_since: float = field(default_factory=time.monotonic)
    _engine: AsyncEngine | None = None

    @property
    def stale_after(self) -> float:
        """Seconds without a finished dispatch pass (and none running) that count as stuck."""
        return max(5 * self.settings.dispatch_interval_seconds, 120.0)

    def became_active(self, application: Application) -> None:  # type: ignore[type-arg]
        self.role, self.application, self.active_since = "active", application, time.monotonic()

    def became_standby(self) -> None:
        self.role, self.application = "standby", None

    async def database_ok(self) -> bool:
        if self._engine is None:
            self._engine = create_engine(self.settings.database_url)
        try:
            async with asyncio.timeout(DB_TIMEOUT_SECONDS), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # any failure to answer is "unreachable"; details are not for probes
            return False
        return True

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the JSON body)."""
        database = await self.database_ok()
        body: dict[str, Any] = {"role": self.role, "database": "ok" if database else "down"}
        healthy = database
        application = self.application
        if self.role == "active" and application is not None:
            queue = application.job_queue
            scheduler = queue is not None and bool(queue.scheduler.running)
            body["scheduler"] = "running" if scheduler else "stopped"
            busy = _dispatcher_busy(application)
            body["dispatch"] = "running" if busy else "idle"
            last = application.bot_data.get(LAST_DISPATCH_KEY)
            since = last if isinstance(last, float) else self.active_since
            age = time.monotonic() - since
            body["last_dispatch_age_seconds"] = round(age, 1) if last is not None else None
            healthy = healthy and scheduler and (busy or age <= self.stale_after)
        body = {"status": "ok" if healthy else "unhealthy", **body}
        return healthy, body

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _dispatcher_busy(application: Application) -> bool:  # type: ignore[type-arg]
    from bot.handlers.common import SERVICES_KEY

    services = application.bot_data.get(SERVICES_KEY)
    dispatcher = getattr(services, "dispatcher", None)
    return bool(getattr(dispatcher, "busy", False))


async def start_server(health: Health, host: str, port: int) -> web.AppRunner:
    """Serve GET /healthz until the returned runner is cleaned up."""

    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await health.report()
        return web.json_response(body, status=200 if healthy else 503)

    app = web.Application()
    app.router.add_get(PATH, healthz)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def probe(settings: Settings, timeout: float = 5.0) -> tuple[int, str]:  # noqa: ASYNC109
    """`stretchbot health`: (exit code, one line). 0 healthy, 1 unhealthy or unreachable."""
    port = health_port(settings) or DEFAULT_HEALTH_PORT
    host = "127.0.0.1" if settings.health_listen in ("0.0.0.0", "") else settings.health_listen
    url = f"http://{host}:{port}{PATH}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as response,
        ):
            body = await response.json(content_type=None)
            line = json.dumps(body, separators=(", ", ": "))
            return (0 if response.status == 200 else 1), line
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return 1, (
            f"health endpoint {url} not reachable ({type(exc).__name__}): is `stretchbot run` "
            "running with HEALTH_PORT set (or in webhook mode)?"
        )
