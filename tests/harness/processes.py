"""Real `stretchbot run` processes for fault tests: start, signal, read their logs.

The test process keeps the loopback Bot API server and acts as the users; each bot process
is a separate interpreter (`python -m bot run`) with its own log file, so SIGKILL means what
it means in production.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.seed import user_row
from bot.db.engine import create_engine
from bot.db.models import User
from loopback import LoopbackBotAPI
from loopback.server import SimUser

STARTED = "Application started"
ACTIVE = "Active: this process holds"
STANDBY = "Standby: another stretchbot process is active"


class BotProcess:
    """One `stretchbot run` child with its stdout and stderr in `log`."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log = workdir / f"{name}.log"
        self.workdir = workdir
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        environment = {**os.environ, **self.env}
        with self.log.open("ab") as sink:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,  # no stray .env of the developer's checkout
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=sink,
                stderr=asyncio.subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def count(self, needle: str) -> int:
        return self.text().count(needle)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def terminate(self, timeout: float = 30.0) -> tuple[int, float]:  # noqa: ASYNC109
        """SIGTERM; returns (exit code, seconds it took to exit)."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        return code, time.monotonic() - started

    async def wait(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def cleanup(self) -> None:
        if self.alive:
            self.kill()
            assert self.process is not None
            await self.process.wait()


def bot_env(server: LoopbackBotAPI, database_url: str, **extra: str) -> dict[str, str]:
    """Environment of a bot process pointed at the loopback server: fast jobs, INFO logs."""
    return {
        "BOT_TOKEN": server.token,
        "BOT_API_URL": server.base_url,
        "DATABASE_URL": database_url,
        "DISPATCH_INTERVAL_SECONDS": "1",
        "TIMER_TICK_SECONDS": "1",
        "HTTP_TIMEOUT_SECONDS": "10",
        "LOG_LEVEL": "INFO",
        "PTB_TIMEDELTA": "true",
        **extra,
    }


async def seed_due_users(url: str, user_ids: list[int]) -> None:
    """Subscribed users (UTC) whose daily reminder came due a minute ago."""
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    rows = [user_row(uid, at, "UTC", now - timedelta(hours=1)) for uid in user_ids]
    for row in rows:
        assert row["next_due_at"] is not None and row["next_due_at"] <= now, row
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for start in range(0, len(rows), 500):
                await connection.execute(insert(User), rows[start : start + 500])
    finally:
        await engine.dispose()


async def until(
    condition: Callable[[], bool],
    timeout: float,  # noqa: ASYNC109
    what: str,
    step: float = 0.05,
) -> float:
    """Wait until `condition()` holds; returns the seconds it took, fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        await asyncio.sleep(step)
    return time.monotonic() - started


class RemoteChat:
    """Acting as one user of a bot that runs in another process: after each action, wait
    until the bot confirmed the update and its calls to this chat have settled."""

    def __init__(self, server: LoopbackBotAPI, user: SimUser, timeout: float = 40.0) -> None:
        self.server = server
        self.user = user
        self.timeout = timeout

    def _mine(self, since: int) -> list[object]:
        return [
            call
            for call in self.server.calls[since:]
            if call.params.get("chat_id") in (self.user.id, str(self.user.id))
            or call.method.lower() == "answercallbackquery"
        ]

    async def _settle(self, update_id: int, since: int) -> None:
        await self.server.wait_until_confirmed(update_id, timeout=self.timeout)
        await until(lambda: bool(self._mine(since)), self.timeout, "the bot to answer")
        seen, stable_since = -1, time.monotonic()
        while True:
            calls = self._mine(since)
            if len(calls) != seen:
                seen, stable_since = len(calls), time.monotonic()
            elif all(c.done for c in calls) and time.monotonic() - stable_since > 0.6:  # type: ignore[attr-defined]
                return
            await asyncio.sleep(0.05)

    async def send(self, text: str) -> None:
        since = len(self.server.calls)
        await self._settle(self.server.send_text(self.user, text), since)

    def message_with_button(self, label: str) -> int:
        for message in reversed(self.server.bot_messages(self.user.id)):
            if any(label in text for text in message.button_labels()):
                return message.message_id
        raise AssertionError(f"no bot message with a button labelled {label!r}")

    async def tap(self, label: str) -> None:
        message_id = self.message_with_button(label)
        message = self.server.message(self.user.id, message_id)
        [data] = [str(b["callback_data"]) for b in message.buttons() if label in str(b["text"])][:1]
        since = len(self.server.calls)
        await self._settle(self.server.press_button(self.user, message_id, data), since)

    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.server.bot_messages(self.user.id)]
