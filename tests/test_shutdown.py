"""Graceful SIGTERM of a real `stretchbot run` in the middle of a large dispatch, and the
health endpoint it serves meanwhile.

Docker sends SIGTERM and waits 10 s (stop_grace_period in docker-compose.yml) before
SIGKILL. The process must stop claiming, let the sends in flight finish and record them,
hand back what it claimed but did not send, stop polling and exit 0 within that; the next
process sends the rest, each reminder once.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Delivery
from loopback import LoopbackBotAPI
from tests.harness.bot import database_url
from tests.harness.postgres import free_port
from tests.harness.processes import STARTED, BotProcess, bot_env, seed_due_users, until

REMINDER = "Time for your back stretches"
USERS = 1000
SIGTERM_LIMIT = 10.0


def reminders(server: LoopbackBotAPI, user_ids: list[int]) -> dict[int, int]:
    return {
        uid: sum(REMINDER in (m.text or "") for m in server.bot_messages(uid)) for uid in user_ids
    }


async def statuses(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            return {str(status): int(count) for status, count in rows}
    finally:
        await engine.dispose()


async def get_health(port: int) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, json.loads(await response.text())


async def test_sigterm_during_a_large_dispatch_exits_in_time_and_loses_nothing(
    server: LoopbackBotAPI, tmp_path: Path
) -> None:
    url = database_url(tmp_path)
    await upgrade(url)
    users = [server.add_user(f"U{i}").id for i in range(USERS)]
    await seed_due_users(url, users)
    port = free_port()
    env = bot_env(server, url, HEALTH_PORT=str(port))
    first = BotProcess("first", tmp_path, env)
    second = BotProcess("second", tmp_path, env)
    try:
        await first.start()
        await until(lambda: sum(reminders(server, users).values()) >= 100, 120, "sending")

        status, body = await get_health(port)
        assert status == 200, body
        assert body["role"] == "active" and body["database"] == "ok"
        assert body["scheduler"] == "running" and body["dispatch"] == "running"

        code, seconds = await first.terminate()
        sent_before = sum(reminders(server, users).values())
        print(f"SIGTERM during a {USERS}-user dispatch: exited in {seconds:.1f} s")
        assert code == 0, first.text()[-2000:]
        assert seconds < SIGTERM_LIMIT
        assert sent_before < USERS, "the dispatch had finished before SIGTERM"
        left = await statuses(url)
        assert "claimed" not in left and "sending" not in left, left
        assert left.get("sent", 0) == sent_before, left

        await second.start()
        await until(lambda: second.count(STARTED) == 1, 120, "the second process")
        await until(
            lambda: sum(reminders(server, users).values()) >= USERS, 180, "the rest to be sent"
        )
        counts = reminders(server, users)
        assert set(counts.values()) == {1}, {u: n for u, n in counts.items() if n != 1}
        code, seconds = await second.terminate()
        assert code == 0 and seconds < SIGTERM_LIMIT
        assert "Traceback" not in first.text() + second.text()
    finally:
        await first.cleanup()
        await second.cleanup()
