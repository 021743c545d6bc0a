"""The playground's moving parts in one event loop: the loopback Bot API server, the real bot
(same handlers and database layer as ``stretchbot run``) on an injected clock, and the page.

``Playground.start()`` brings them up in that order and ``stop()`` takes them down in the
reverse order; ``bot.playground.cli`` adds signal handling and the console output.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from telegram.ext import Application

from bot import lifecycle
from bot.app import build_application
from bot.config import Settings, load_settings
from bot.handlers.common import application_services
from bot.playground.clock import PlaygroundClock
from loopback import LoopbackBotAPI, SimUser

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("data/playground")
BOT_USERNAME = "stretch_playground_bot"
BOT_FIRST_NAME = "Stretch Bot"
USER_NAMES = ("Ana", "Ben", "Chiara", "Dev", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jun")
DISPATCH_INTERVAL_SECONDS = 2.0
"""How often the reminder dispatcher looks for due reminders (the bot's default is 20 s)."""
REMINDER_LEAD = timedelta(minutes=1)
""""Next reminder" stops this long before the reminder is due."""
CITIES: tuple[tuple[str, float, float], ...] = (
    ("Berlin", 52.52, 13.405),
    ("London", 51.5072, -0.1276),
    ("New York", 40.7128, -74.006),
    ("São Paulo", -23.5505, -46.6333),
    ("Nairobi", -1.2921, 36.8219),
    ("Mumbai", 19.076, 72.8777),
    ("Tokyo", 35.6762, 139.6503),
    ("Sydney", -33.8688, 151.2093),
)


class PlaygroundError(Exception):
    """A one-line reason the playground can't start or can't do what was asked."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class PlaygroundOptions:
    """What ``stretchbot playground`` was asked for."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    expose: bool = False
    """True only when the operator passed ``--host``: required for any non-loopback bind."""
    data_dir: Path = DEFAULT_DATA_DIR
    control_token: str | None = field(default=None, repr=False)
    """Required by the page's API; generated when binding beyond loopback."""

    def check(self) -> None:
        """Refuse a non-loopback bind that wasn't asked for with ``--host``."""
        if not is_loopback(self.host) and not self.expose:
            raise PlaygroundError(
                f"refusing to listen on {self.host}: the playground binds 127.0.0.1 unless "
                "you pass --host explicitly"
            )
        if not 0 <= self.port <= 65535:
            raise PlaygroundError(f"port {self.port} is not in 0-65535")
        if not is_loopback(self.host) and not self.control_token:
            self.control_token = secrets.token_urlsafe(18)


def playground_settings(loopback: LoopbackBotAPI, data_dir: Path) -> Settings:
    """The bot's settings: the environment's (DATABASE_URL, LOG_LEVEL …) with the Bot API
    pointed at the loopback server, its token, and an own SQLite file under ``data_dir``
    unless DATABASE_URL is set."""
    base = load_settings()
    database_url = base.database_url
    if "database_url" not in base.model_fields_set:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        database_url = f"sqlite+aiosqlite:///{(data_dir / 'stretchbot.sqlite3').resolve()}"
    return base.model_copy(
        update={
            "bot_token": loopback.token,
            "bot_api_url": loopback.base_url,
            "database_url": database_url,
            "admin_ids": frozenset(),
            "dispatch_interval_seconds": DISPATCH_INTERVAL_SECONDS,
            "timer_tick_seconds": 1.0,
        }
    )


def _random_bot_token() -> str:
    return f"{secrets.randbelow(9_000_000) + 1_000_000}:{secrets.token_urlsafe(27)}"


class Playground:
    """Loopback Bot API + real bot + page, started and stopped together."""

    def __init__(self, options: PlaygroundOptions, clock: PlaygroundClock | None = None) -> None:
        options.check()
        self.options = options
        self.clock = clock or PlaygroundClock.resume(options.data_dir / "clock.json")
        self.loopback = LoopbackBotAPI(
            token=_random_bot_token(),
            bot_username=BOT_USERNAME,
            bot_first_name=BOT_FIRST_NAME,
            clock=lambda: self.clock.now().timestamp(),
            control_token=secrets.token_urlsafe(18),  # nothing but this process talks to it
        )
        self.settings: Settings | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self._web: web.AppRunner | None = None
        self._port: int | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Loopback server, then the bot (migrating its database), then the page."""
        from bot.playground.web import create_web_app

        try:
            await self.loopback.start("127.0.0.1", 0)
            self.settings = playground_settings(self.loopback, self.options.data_dir)
            application = build_application(self.settings, clock=self.clock)
            self.application = application
            await lifecycle.start_polling(application, poll_timeout=10)
            if not self.loopback.users:
                self.add_user()
            runner = web.AppRunner(create_web_app(self), access_log=None, shutdown_timeout=0.5)
            await runner.setup()
            self._web = runner
            family = socket.AF_INET6 if ":" in self.options.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.options.host, self.options.port))
            except OSError as error:
                sock.close()
                raise PlaygroundError(
                    f"can't listen on {self.options.host}:{self.options.port}: "
                    f"{error.strerror or error} (try another --port)"
                ) from None
            await web.SockSite(runner, sock).start()
            self._port = int(sock.getsockname()[1])
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Page, bot, loopback server: safe to call on a half-started playground."""
        runner, self._web = self._web, None
        if runner is not None:
            await runner.cleanup()
        application, self.application = self.application, None
        if application is not None:
            await lifecycle.stop(application)
        await self.loopback.stop()
        self._port = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the playground is not running")
        return self._port

    @property
    def url(self) -> str:
        """The page's address (with the token when one is required)."""
        host = self.options.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        if ":" in shown:
            shown = f"[{shown}]"
        url = f"http://{shown}:{self.port}/"
        if self.options.control_token:
            url += f"?token={self.options.control_token}"
        return url

    # ----------------------------------------------------------------- users

    def add_user(self, first_name: str | None = None) -> SimUser:
        """A new simulated person with a private chat with the bot."""
        if first_name is None:
            count = len(self.loopback.users)
            first_name = USER_NAMES[count % len(USER_NAMES)]
            if count >= len(USER_NAMES):
                first_name += f" {count // len(USER_NAMES) + 1}"
        return self.loopback.add_user(first_name=first_name)

    def user(self, user_id: int) -> SimUser:
        """The simulated user, or PlaygroundError."""
        found = next((u for u in self.loopback.users if u.id == user_id), None)
        if found is None:
            raise PlaygroundError(f"there is no user {user_id}")
        return found

    # ----------------------------------------------------------------- clock

    async def _stored_user(self, user_id: int) -> Any:
        if self.application is None:
            raise PlaygroundError("the bot is not running")
        return await application_services(self.application).preferences.get(user_id)

    async def next_reminder(self, user_id: int) -> datetime | None:
        """When this user's next reminder (or snoozed reminder) is due, if one is planned."""
        if self.application is None:
            raise PlaygroundError("the bot is not running")
        preferences = application_services(self.application).preferences
        user = await preferences.get(user_id)
        if user is None:
            return None
        candidates = [user.next_due_at] if user.subscribed and user.next_due_at else []
        snooze = await preferences.pending_snooze(user_id)
        if snooze is not None:
            candidates.append(snooze)
        return min(candidates) if candidates else None

    async def jump_to_next_reminder(self, user_id: int) -> datetime:
        """Move the clock to one minute before the user's next reminder; returns when it's due.

        The reminder then arrives through the bot's own dispatcher, like in Telegram.
        """
        due = await self.next_reminder(user_id)
        if due is None:
            raise PlaygroundError(
                "No reminder is planned for this user: finish setting up with /start "
                "(or turn reminders back on with /start)."
            )
        self.clock.advance_to(due - REMINDER_LEAD)
        return due

    def advance(self, delta: timedelta) -> datetime:
        """Move the bot's clock forward."""
        return self.clock.advance(delta)

    async def clock_view(self, user_id: int | None) -> dict[str, Any]:
        """The bot's time as this user sees it, and their next reminder (JSON-ready)."""
        now = self.clock.now()
        zone_name = "UTC"
        due: datetime | None = None
        if user_id is not None and self.application is not None:
            stored = await self._stored_user(user_id)
            if stored is not None and stored.time_zone:
                zone_name = stored.time_zone
            due = await self.next_reminder(user_id)
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone, zone_name = ZoneInfo("UTC"), "UTC"
        local = now.astimezone(zone)
        view: dict[str, Any] = {
            "now": now.isoformat(),
            "offset_seconds": int(self.clock.offset.total_seconds()),
            "zone": zone_name,
            "local": local.strftime("%a %d %b %Y, %H:%M:%S"),
            "next_reminder": None,
        }
        if due is not None:
            view["next_reminder"] = due.astimezone(zone).strftime("%a %d %b, %H:%M")
        return view
