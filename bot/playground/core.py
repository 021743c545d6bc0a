"""The playground's moving parts in one event loop: the loopback Bot API server, the real bot
(same handlers and database layer as ``stretchbot run``) on an injected clock, and the page.

``Playground.start()`` brings them up in that order and ``stop()`` takes them down in the
reverse order; ``bot.playground.cli`` adds signal handling and the console output.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot import lifecycle
from bot.app import build_application
from bot.config import Settings, load_settings
from bot.db import deliveries, users
from bot.db import routines as runs_db
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.models import User
from bot.domain.timezones import UnknownTimeZone, load_zone
from bot.handlers.common import application_services
from bot.playground.chats import ChatStore
from bot.playground.clock import PlaygroundClock
from bot.services.container import Services
from bot.startup import prepare_storage
from bot.upcoming import (
    NextReminder,
    next_sent_reminder,
    pending_snooze,
    planned_deliveries,
    will_be_sent,
)
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
        self.chats = ChatStore(self.loopback, options.data_dir)
        self.restored: list[SimUser] = []
        """The users found again at start: saved chats, and users only the database had."""
        self._saving: asyncio.Task[None] | None = None
        self._web: web.AppRunner | None = None
        self._port: int | None = None
        self._jump_lock = asyncio.Lock()

    # ----------------------------------------------------------------- lifecycle

    async def start(self, say: Callable[[str], None] | None = None) -> None:
        """Loopback server, then the bot, then the page.

        The database goes through `stretchbot run`'s own start-up checks first
        (`bot.startup.prepare_storage`: a supported DATABASE_URL, an SQLite folder that
        exists, the content, the migrations, retried while the database is unreachable,
        each retry a line through ``say``): StartupError with the same one line."""
        from bot.playground.web import create_web_app

        try:
            await self.loopback.start("127.0.0.1", 0)
            self.settings = playground_settings(self.loopback, self.options.data_dir)
            await prepare_storage(self.settings, say or logger.warning)
            application = build_application(self.settings, clock=self.clock)
            self.application = application
            self.restored = self.chats.load()
            await lifecycle.start_polling(application, poll_timeout=10)
            self._services().on_erased.append(self.forget_erased_chat)
            self.restored += await self._add_users_only_the_database_has()
            if not self.loopback.users:
                self.add_user()
            self.chats.save()
            self._saving = asyncio.create_task(self.chats.keep_saved())
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
        saving, self._saving = self._saving, None
        if saving is not None:  # its last save holds everything the bot sent
            saving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saving
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

    def add_user(self, first_name: str | None = None, user_id: int | None = None) -> SimUser:
        """A simulated person with a private chat with the bot: a new one (a fresh id, never
        one with data: every stored user has a simulated one), or ``user_id``'s again."""
        if first_name is None:
            count = len(self.loopback.users)
            first_name = USER_NAMES[count % len(USER_NAMES)]
            if count >= len(USER_NAMES):
                first_name += f" {count // len(USER_NAMES) + 1}"
        return self.loopback.add_user(first_name=first_name, user_id=user_id)

    async def _add_users_only_the_database_has(self) -> list[SimUser]:
        """A simulated user for every user in the database without one (their chat was not
        saved: an older playground, a deleted chats.json, a shared DATABASE_URL), so their
        reminders have someone to go to and no new user gets their id."""
        async with self._services().sessions() as session:
            stored = await users.all_ids(session)
        known = {u.id for u in self.loopback.users}
        return [self.add_user(user_id=user_id) for user_id in stored if user_id not in known]

    async def forget_erased_chat(self, user_id: int) -> None:
        """/delete erased the user: their saved chat keeps only the bot's last message
        (it says the data is gone), none of what they typed or were shown (pain levels,
        places, charts, exports), and the files only those messages showed leave
        ``files/``, as does anything else the data folder's chats may have held (chats
        moved aside unreadable, half-done saves). Saved at once. Their simulated user
        stays, so the id isn't reused."""
        chat = self.loopback.bot_messages(user_id)
        keep = [chat[-1].message_id] if chat else []
        async with self._services().sessions() as session:
            content_files = await runs_db.media_file_ids(session)
        self.loopback.forget_messages(user_id, keep=keep, keep_files=content_files)
        self.chats.save()
        self.chats.forget_leftovers()  # chats moved aside unreadable, half-done saves

    def user(self, user_id: int) -> SimUser:
        """The simulated user, or PlaygroundError."""
        found = next((u for u in self.loopback.users if u.id == user_id), None)
        if found is None:
            raise PlaygroundError(f"there is no user {user_id}")
        return found

    # ----------------------------------------------------------------- clock

    def _services(self) -> Services:
        if self.application is None:
            raise PlaygroundError("the bot is not running")
        return application_services(self.application)

    async def _stored_user(self, user_id: int) -> User | None:
        return await self._services().preferences.get(user_id)

    async def upcoming(self, user_id: int) -> NextReminder:
        """The user's next reminder that the dispatcher will send (by its own rules: a day
        the user already stretched or paused is skipped), and the planned ones it skips."""
        services = self._services()
        async with services.sessions() as session:
            user = await users.get(session, user_id)
            if user is None:
                return NextReminder(None, [])
            return await next_sent_reminder(session, user, self.clock.now())

    async def next_reminder(self, user_id: int) -> datetime | None:
        """When this user's next reminder that will be sent is due, if one is planned."""
        return (await self.upcoming(user_id)).reminder_at

    async def jump_to_next_reminder(self, user_id: int) -> Jump:
        """Move the clock to one minute before the next reminder that will really be sent
        (`upcoming`); the reminder then arrives through the bot's own dispatcher.

        The jump itself works like `advance` (what it crosses is handled by the dispatcher
        at its time). PlaygroundError when no reminder will come.
        """
        async with self._jump_lock:
            upcoming = await self.upcoming(user_id)
            if upcoming.reminder is None:
                raise PlaygroundError(await self._no_reminder_reason(user_id, upcoming))
            due = upcoming.reminder.at
            jump = await self._jump_to(due - REMINDER_LEAD)
        jump.due = due
        if upcoming.skipped:
            dates = ", ".join(p.local_date.strftime("%a %d %b") for p in upcoming.skipped)
            jump.notes.insert(
                0,
                f"No reminder on {dates}: the bot skips a day you already stretched or "
                "paused. Moved to one minute before the next one that will come.",
            )
        else:
            jump.notes.insert(0, "Moved to one minute before your next reminder.")
        return jump

    async def _no_reminder_reason(self, user_id: int, upcoming: NextReminder) -> str:
        """Why no reminder will come, in the bot's own terms, and what to do about it."""
        user = await self._stored_user(user_id)
        if user is None or user.reminder_time is None or user.time_zone is None:
            return "No reminder is planned for this user yet: finish setting up with /start."
        if not user.subscribed:
            return "Reminders are off for this user (/stop): /start turns them back on."
        if user.paused_indefinitely:
            return "Reminders are paused: /settings → ▶️ Resume reminders turns them back on."
        if upcoming.skipped:
            return (
                "No reminder will come in the next two weeks: the bot skips days you "
                "already stretched or paused."
            )
        return "No reminder is planned in the next two weeks (see /settings)."

    async def advance(self, delta: timedelta) -> Jump:
        """Move the bot's clock forward by ``delta`` (see `_jump_to`)."""
        if delta < timedelta(0):
            raise ValueError("the playground clock only moves forward")
        async with self._jump_lock:
            # The offset grows by exactly ``delta``, however long the stops on the way take.
            jump = await self._jump_to(self.clock.now() + delta, offset=self.clock.offset + delta)
        days = delta / timedelta(days=1)
        jump.notes.append(f"Clock moved {days:g} day{'s' if days != 1 else ''} on.")
        return jump

    async def _jump_to(self, target: datetime, *, offset: timedelta | None = None) -> Jump:
        """Jump to ``target``, letting the bot's own dispatcher handle what falls due.

        For every user, the clock stops at the last weekly summary crossed and at each
        reminder crossed on the local date it lands on (a snoozed one included), and at
        any crossed reminder the bot will skip anyway (so it is recorded "skipped"): one
        minute before (the dispatcher plans it), then at its time (the dispatcher sends
        it). Reminders of the days jumped over are recorded "missed", as after an outage.
        After the jump the dispatcher runs once more, so the planned next reminder is
        fresh. With ``offset`` the jump ends with the clock that far ahead of the wall clock
        (``target`` is then only used for the stops). Caller holds ``_jump_lock``.
        """
        start = self.clock.now()
        stops = await self._stops(start, target)
        before = await self._delivery_rows()
        for stop in stops:
            self.clock.advance_to(stop - REMINDER_LEAD)
            await self._dispatch()
            self.clock.advance_to(stop)
            await self._dispatch()
        if offset is None:
            self.clock.advance_to(target)
        elif offset > self.clock.offset:
            self.clock.advance(offset - self.clock.offset)
        await self._dispatch()
        return Jump(self.clock.now(), outcomes(before, await self._delivery_rows()))

    async def _dispatch(self) -> None:
        application = self.application
        if application is None:
            raise PlaygroundError("the bot is not running")
        await self._services().dispatcher.run_once(keep_going=lambda: application.running)

    async def _stops(self, start: datetime, target: datetime) -> list[datetime]:
        """The instants in (start, target] the jump stops at (see `_jump_to`)."""
        stops: set[datetime] = set()
        async with self._services().sessions() as session:
            for sim in self.loopback.users:
                user = await users.get(session, sim.id)
                if user is None or user.time_zone is None:
                    continue
                target_date = target.astimezone(load_zone(user.time_zone)).date()
                planned = [p for p in planned_deliveries(user, target) if p.at > start]
                snooze = await pending_snooze(session, user)
                if snooze is not None and start < snooze.at <= target:
                    planned.append(snooze)
                weekly = [p for p in planned if p.kind == DeliveryKind.WEEKLY]
                if weekly:
                    stops.add(weekly[-1].at)
                for daily in (p for p in planned if p.kind == DeliveryKind.DAILY):
                    if daily.local_date == target_date or not await will_be_sent(
                        session, user, daily, start
                    ):
                        stops.add(daily.at)
        return sorted(stops)

    async def _delivery_rows(self) -> dict[int, tuple[str, str]]:
        async with self._services().sessions() as session:
            return await deliveries.kinds_and_statuses(session)

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
        try:  # the bot's own reading of a stored zone: IANA names and offsets like UTC+02:00
            zone = load_zone(zone_name)
        except UnknownTimeZone:
            zone, zone_name = UTC, "UTC"
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


#: Statuses a row passes through on its way: not an outcome of the jump.
UNDER_WAY = frozenset({DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING})


def outcomes(
    before: dict[int, tuple[str, str]], after: dict[int, tuple[str, str]]
) -> Counter[tuple[str, str]]:
    """How many rows reached each (kind, status) during a jump: rows new since `before`, or
    in another status now, counted by what they are now ("sent", "missed" ...; rows still
    under way left out). Rows the dispatcher pruned (past the retention) aren't outcomes:
    counting statuses (was) made them negative sends and misses."""
    return Counter(
        row
        for row_id, row in after.items()
        if before.get(row_id) != row and row[1] not in UNDER_WAY
    )


@dataclass
class Jump:
    """What a clock jump did: where it landed, the delivery rows that reached each (kind,
    status) on the way ("daily"/"weekly"; "sent", "missed", "skipped" ...), and lines for
    the page."""

    now: datetime
    outcomes: Counter[tuple[str, str]]
    due: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> dict[str, int]:
        """Rows by the status they reached, both kinds together (the API's "deliveries")."""
        totals: Counter[str] = Counter()
        for (_kind, status), count in self.outcomes.items():
            totals[status] += count
        return dict(sorted(totals.items()))

    def note(self) -> str:
        """A few sentences for the page: the notes, then what the dispatcher did."""
        done = [
            f"{count} {_noun(kind, count)} {status}{STATUS_REASONS.get(status, '')}"
            for (kind, status), count in sorted(
                self.outcomes.items(), key=lambda item: (item[0][0] != "weekly", item[0][1])
            )
        ]
        lines = [*self.notes]
        lines.append(
            "On the way: " + ", ".join(done) + "." if done else "Nothing was due on the way."
        )
        return " ".join(lines)


def _noun(kind: str, count: int) -> str:
    if kind == DeliveryKind.WEEKLY:
        return "weekly summary" if count == 1 else "weekly summaries"
    return "reminder" if count == 1 else "reminders"


STATUS_REASONS = {
    "missed": " (due on a day jumped over)",
    "skipped": " (already stretched that day, or paused)",
}
