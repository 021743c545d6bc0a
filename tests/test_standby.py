"""One active process, hot standbys: real `stretchbot run` processes on a real PostgreSQL.

Three processes share one database and one bot token. The active one is SIGKILLed while a
user's hold timer runs and while it is sending a batch of reminders; a standby must take
over within 30 s, end the timer and say so, continue the routine on the user's next tap,
send later reminders once, and nobody may get a reminder twice. Then the new active process
loses the connection that holds its lock (the server ends it) and must step down.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.engine import create_engine
from loopback import LoopbackBotAPI
from tests.harness.bot import database_url
from tests.harness.processes import (
    ACTIVE,
    STANDBY,
    STARTED,
    BotProcess,
    RemoteChat,
    bot_env,
    seed_due_users,
    until,
)

REMINDER = "Time for your back stretches"
TAKEOVER_LIMIT = 30.0
SIGTERM_LIMIT = 10.0


pytestmark = pytest.mark.only_db(
    "postgresql", reason="the election of one active process among standbys needs PostgreSQL"
)


@pytest.fixture
def pg_url(tmp_path: Path) -> str:
    """A fresh, empty database: the three processes start at once and migrate it together."""
    return database_url(tmp_path, migrated=False)


@pytest.fixture
async def processes(
    server: LoopbackBotAPI, pg_url: str, tmp_path: Path
) -> AsyncIterator[list[BotProcess]]:
    bots = [BotProcess(f"bot{i}", tmp_path, bot_env(server, pg_url)) for i in range(3)]
    try:
        yield bots
    finally:
        for bot in bots:
            await bot.cleanup()


async def terminate_lock_connection(url: str) -> int:
    """End the server session that holds an advisory lock (what a network cut leads to)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            pid = await connection.scalar(
                text(
                    "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND a.application_name = 'stretchbot-leader'"
                )
            )
            assert pid is not None, "no session holds the leader lock"
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            return int(pid)
    finally:
        await engine.dispose()


def reminders_per_user(server: LoopbackBotAPI, user_ids: list[int]) -> dict[int, int]:
    return {
        uid: sum(REMINDER in (m.text or "") for m in server.bot_messages(uid)) for uid in user_ids
    }


def completed_reminders(server: LoopbackBotAPI, user_ids: set[int]) -> int:
    return sum(
        1
        for call in server.calls_to("sendMessage")
        if call.done and call.ok and call.params.get("chat_id") in user_ids
    )


async def active_among(bots: list[BotProcess], timeout: float) -> BotProcess:  # noqa: ASYNC109
    found: list[BotProcess] = []

    def one_started() -> bool:
        found[:] = [b for b in bots if b.alive and b.count(STARTED) > b.count("stop() complete")]
        return len(found) == 1

    try:
        await until(one_started, timeout, "one process to become active")
    except AssertionError as exc:
        logs = "\n".join(f"--- {b.name}:\n{b.text()[-1500:]}" for b in bots)
        raise AssertionError(f"{exc}\n{logs}") from None
    return found[0]


def step_progress(caption: str | None) -> tuple[int, int]:
    """(current, total) from a routine card's "2 of 5"."""
    found = re.search(r"(\d+) of (\d+)", caption or "")
    assert found, caption
    return int(found[1]), int(found[2])


async def done_until_short_hold(chat: RemoteChat, longest: int = 20) -> int:
    """Tap Done through the routine until a card offers a hold timer of at most `longest`
    seconds; returns that card's message id."""
    for _ in range(8):
        message_id = chat.message_with_button("Done")
        for label in chat.server.message(chat.user.id, message_id).button_labels():
            hold = re.search(r"⏱ Start (\d+) s", label)
            if hold and int(hold[1]) <= longest:
                return message_id
        await chat.tap("Done")
    raise AssertionError(f"no hold timer of at most {longest} s in the routine")


def assert_clean_logs(bots: list[BotProcess]) -> None:
    for bot in bots:
        log = bot.text()
        assert "Traceback" not in log, f"{bot.name} logged a traceback:\n{log[-3000:]}"
        assert "Exception happened while polling" not in log, log
        assert not re.search(r"ERROR|CRITICAL", log), f"{bot.name}:\n{log[-3000:]}"


async def test_standby_takes_over_mid_dispatch_and_mid_routine(
    server: LoopbackBotAPI, pg_url: str, processes: list[BotProcess]
) -> None:
    for bot in processes:
        await bot.start()
    first = await active_among(processes, 120)
    others = [b for b in processes if b is not first]
    await until(lambda: all(b.count(STANDBY) == 1 for b in others), 120, "both standbys to say so")

    # A user in the middle of a routine, with a hold timer running.
    ana = RemoteChat(server, server.add_user("Ana"))
    await ana.send("/start")
    await ana.send("07:30")
    await ana.send("Europe/Berlin")
    await ana.tap("Yes")
    await ana.send("/stretch")
    await ana.tap("Quick start")
    if "Track your pain?" in ana.texts()[-1]:
        await ana.tap("No thanks")
    step = await done_until_short_hold(ana)
    progress = step_progress(server.message(ana.user.id, step).caption)
    await ana.tap("⏱")
    assert "left" in (server.message(ana.user.id, step).caption or "")

    # A batch of reminders, each send slow (2 s at the Bot API), is being dispatched.
    batch = [server.add_user(f"A{i}").id for i in range(40)]
    for uid in batch:
        server.delay_next("sendMessage", 2.0, chat_id=uid)
    await seed_due_users(pg_url, batch)
    await until(lambda: completed_reminders(server, set(batch)) >= 5, 60, "dispatch to start")

    first.kill()
    killed_at = time.monotonic()
    await first.wait()
    second = await active_among(others, TAKEOVER_LIMIT)
    takeover = time.monotonic() - killed_at
    assert takeover < TAKEOVER_LIMIT
    print(f"takeover after SIGKILL: {takeover:.1f} s")

    # The hold timer that was running ends and says so; the next tap continues the routine.
    await until(
        lambda: "Time's up" in (server.message(ana.user.id, step).caption or ""),
        60,
        "the hold timer to end after the takeover",
    )
    await ana.tap("Done")
    assert step_progress(ana.texts()[-1]) == (progress[0] + 1, progress[1]), ana.texts()[-1]

    # Reminders due after the takeover go out once, from the new active process.
    later = [server.add_user(f"B{i}").id for i in range(10)]
    await seed_due_users(pg_url, later)
    await until(
        lambda: all(n == 1 for n in reminders_per_user(server, later).values()),
        60,
        "reminders due after the takeover",
    )
    counts = reminders_per_user(server, batch + later)
    assert max(counts.values()) == 1, {u: n for u, n in counts.items() if n > 1}
    assert sum(counts[u] for u in batch) >= 5

    # The new active process loses the connection that holds its lock: it steps down and a
    # process (possibly itself, once reconnected) is active again within 30 s.
    started_before = sum(b.count(STARTED) for b in others)
    lost_at = time.monotonic()
    await terminate_lock_connection(pg_url)
    await until(lambda: "Lost the connection" in second.text(), 15, "the active to notice")
    await until(
        lambda: sum(b.count(STARTED) for b in others) == started_before + 1,
        TAKEOVER_LIMIT,
        "a process to become active again",
    )
    await active_among(others, 5)
    print(f"active again after the lock connection was lost: {time.monotonic() - lost_at:.1f} s")
    await ana.tap("Done")
    assert step_progress(ana.texts()[-1]) == (progress[0] + 2, progress[1]), ana.texts()[-1]

    # SIGTERM: every process exits cleanly and in time.
    for bot in others:
        code, seconds = await bot.terminate()
        assert code == 0, bot.text()[-2000:]
        assert seconds < SIGTERM_LIMIT
    assert server.unanswered_callback_queries() == []
    assert_clean_logs(others)
    assert first.count(ACTIVE) == 1
