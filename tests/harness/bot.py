"""`BotHarness`: start, drive and restart the real Application against the loopback server.

A test acts as a user through the server (text, buttons, locations); after each action the
harness waits until the bot has fetched the update with getUpdates and PTB has finished
processing it, so assertions never race the bot and no test sleeps.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot import lifecycle
from bot.app import build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.handlers.common import application_services
from bot.reminders import DispatchReport
from bot.services.container import Services
from bot.webhook import webhook_config
from loopback import LoopbackBotAPI
from loopback.server import SimUser
from tests.harness import databases

SETTLE_TIMEOUT = 10.0


def make_settings(server: LoopbackBotAPI, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": server.token,
        "bot_api_url": server.base_url,
        "database_url": database_url,
        # The periodic jobs stay out of the way; tests run them explicitly.
        "dispatch_interval_seconds": 3600,
        "dispatch_wake": False,
        "timer_tick_seconds": 3600,
        "http_timeout_seconds": 3,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class BotHarness:
    """One running bot; `restart()` replaces it with a fresh process-like instance."""

    def __init__(self, server: LoopbackBotAPI, settings: Settings, clock: ManualClock) -> None:
        self.server = server
        self.settings = settings
        self.clock = clock
        self.app: Application | None = None  # type: ignore[type-arg]

    @property
    def services(self) -> Services:
        assert self.app is not None
        return application_services(self.app)

    async def start(self) -> None:
        app = build_application(self.settings, clock=self.clock)
        try:
            await lifecycle.start(app, webhook_config(self.settings), poll_timeout=1)
        except BaseException:
            await lifecycle.stop(app)
            raise
        self.app = app

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            await lifecycle.stop(app)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # --- acting as a user ---------------------------------------------------------------
    def new_user(self, first_name: str = "Ana") -> SimUser:
        return self.server.add_user(first_name=first_name)

    async def send(self, user: SimUser, text: str) -> None:
        await self._settle(self.server.send_text(user, text))

    async def edit(self, user: SimUser, message_id: int, text: str) -> None:
        """The user edits a text message they sent (an ``edited_message`` update)."""
        await self._settle(self.server.edit_text(user, message_id, text))

    async def press(self, user: SimUser, message_id: int, callback_data: str) -> None:
        await self._settle(self.server.press_button(user, message_id, callback_data))

    async def forge(self, user: SimUser, message_id: int, callback_data: str) -> None:
        """A callback query with data no button carried (a forged or tampered client)."""
        await self._settle(self.server.forge_callback(user, message_id, callback_data))

    async def tap(self, user: SimUser, label: str, message_id: int | None = None) -> None:
        """Press the button whose label contains `label` on a message (default: the last
        bot message that has such a button)."""
        if message_id is None:
            message_id = self.message_with_button(user, label)
        await self.press(user, message_id, self._button_data(user, message_id, label))

    async def double_tap(self, user: SimUser, label: str, message_id: int | None = None) -> None:
        """Two taps on the same button before the bot could react to the first."""
        if message_id is None:
            message_id = self.message_with_button(user, label)
        data = self._button_data(user, message_id, label)
        first = self.server.press_button(user, message_id, data)
        second = self.server.press_button(user, message_id, data)
        await self._settle(first)
        await self._settle(second)

    def _button_data(self, user: SimUser, message_id: int, label: str) -> str:
        message = self.server.message(user.id, message_id)
        matches = [b for b in message.buttons() if label in str(b["text"])]
        assert matches, f"no button {label!r} on message {message_id}: {message.button_labels()}"
        return str(matches[0]["callback_data"])

    async def share_location(self, user: SimUser, latitude: float, longitude: float) -> None:
        await self._settle(self.server.share_location(user, latitude, longitude))

    async def settle(self, update_id: int) -> None:
        """Wait until the bot processed an update queued on the server directly (groups,
        channels, raw updates)."""
        await self._settle(update_id)

    async def _settle(self, update_id: int) -> None:
        assert self.app is not None
        await self.server.wait_until_confirmed(update_id, timeout=SETTLE_TIMEOUT)
        await self.app.update_queue.join()

    # --- time and jobs ------------------------------------------------------------------
    async def advance(self, delta: timedelta) -> DispatchReport:
        """Move the clock and run the dispatcher once, as the periodic job would."""
        self.clock.advance(delta)
        return await self.dispatch()

    async def dispatch(self) -> DispatchReport:
        return await self.services.dispatcher.run_once()

    # --- reading the chat ---------------------------------------------------------------
    def bot_texts(self, user: SimUser) -> list[str]:
        return [m.text or m.caption or "" for m in self.server.bot_messages(user.id)]

    def last_text(self, user: SimUser) -> str:
        message = self.server.last_bot_message(user.id)
        assert message is not None, "the bot has not sent anything to this user"
        return message.text or message.caption or ""

    def message_with_button(self, user: SimUser, label: str) -> int:
        for message in reversed(self.server.bot_messages(user.id)):
            if any(label in text for text in message.button_labels()):
                return message.message_id
        raise AssertionError(f"no bot message with a button labelled {label!r}")


async def onboard(
    harness: BotHarness, user: SimUser, *, at: str = "07:30", zone: str = "Europe/Berlin"
) -> None:
    """Walk a user through /start with a typed time and zone, confirming the zone."""
    await harness.send(user, "/start")
    await harness.send(user, at)
    await harness.send(user, zone)
    await harness.tap(user, "Yes")


def database_url(tmp_path: Path, *, migrated: bool = True, for_session: bool = False) -> str:
    """A fresh database for a test, on the session's backend (tests/harness/databases.py):
    the SQLite file `tmp_path/bot.sqlite3`, or a new PostgreSQL database (migrated to head
    unless `migrated=False`; SQLite files always start empty, the bot migrates them), dropped
    after the test (`for_session=True`: after the session)."""
    return databases.active().url(tmp_path, migrated=migrated, for_session=for_session)


async def ask_routine_name(harness: BotHarness, user: SimUser) -> None:
    """Open the /routines builder, add the Bridge and tap Name it: the name question is open."""
    await harness.send(user, "/routines")
    await harness.tap(user, "New routine")
    await harness.tap(user, "Add a stretch")
    await harness.tap(user, "Bridge ·")
    await harness.tap(user, "Done adding")
    await harness.tap(user, "Name it")
