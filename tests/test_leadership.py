"""The election on SQLite (a lock file), the lock key, and 409 Conflict as one log line."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.leadership import AlreadyRunning, SqliteFileLock, lock_key
from bot.lifecycle import log_polling_error
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings
from tests.harness.processes import STARTED, BotProcess, bot_env, until


def test_lock_key_is_a_stable_bigint_that_does_not_reveal_the_token() -> None:
    token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    key = lock_key(token)
    assert key == lock_key(token)
    assert -(2**63) <= key < 2**63
    assert key != lock_key("123456:ABCDEFGHIJKLMNOPQRSTUVWXYA")
    assert "123456" not in str(key)


@pytest.mark.only_db("sqlite", reason="the SQLite lock file; PostgreSQL elects one process")
async def test_second_sqlite_process_refuses_with_one_line(
    server: LoopbackBotAPI, tmp_path: Path
) -> None:
    env = bot_env(server, database_url(tmp_path))
    first = BotProcess("first", tmp_path, env)
    second = BotProcess("second", tmp_path, env)
    third = BotProcess("third", tmp_path, env)
    try:
        await first.start()
        await until(lambda: first.count(STARTED) == 1, 60, "the first process to start")
        await second.start()
        assert await second.wait(60) == 2
        lines = second.text().strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("stretchbot: another stretchbot process is already running")
        assert "bot.sqlite3.lock" in lines[0] and "PostgreSQL" in lines[0]
        assert first.alive
        # The lock goes with the process: after a SIGKILL a new process starts at once.
        first.kill()
        await first.wait()
        await third.start()
        await until(lambda: third.count(STARTED) == 1, 60, "a process after the first died")
        code, _ = await third.terminate()
        assert code == 0
        assert "Traceback" not in first.text() + third.text()
    finally:
        for bot in (first, second, third):
            await bot.cleanup()


@pytest.mark.only_db("sqlite", reason="the SQLite lock file")
async def test_file_lock_in_process(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    holder, other = SqliteFileLock(url), SqliteFileLock(url)
    stop = asyncio.Event()
    assert await holder.acquire(stop)
    with pytest.raises(AlreadyRunning, match="already running"):
        await other.acquire(stop)
    await holder.release()
    assert await other.acquire(stop)
    await other.release()
    assert oct(holder.path.stat().st_mode & 0o777) == "0o600"


def conflicts(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "bot.lifecycle" and "409 Conflict" in r.getMessage()
    ]


async def test_two_consumers_log_409_conflict_as_one_line(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Outside the election (another host, an old deployment) a second consumer makes
    Telegram answer 409 Conflict: one warning line each time, never a traceback."""
    caplog.set_level(logging.DEBUG)
    one = BotHarness(server, make_settings(server, database_url(tmp_path / "one")), clock)
    two = BotHarness(server, make_settings(server, database_url(tmp_path / "two")), clock)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    await one.start()
    await two.start()
    try:
        await until(
            lambda: len(conflicts(caplog)) >= 2,
            20,
            "conflicts between the two pollers",
        )
    finally:
        await two.stop()
        await one.stop()
    assert all(r.levelno == logging.WARNING for r in conflicts(caplog))
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_polling_errors_are_one_line(caplog: pytest.LogCaptureFixture) -> None:
    from telegram.error import BadRequest, Conflict, NetworkError

    caplog.set_level(logging.INFO)
    log_polling_error(Conflict("Conflict: terminated by other getUpdates request"))
    log_polling_error(NetworkError("httpx.ConnectError: All connection attempts failed"))
    log_polling_error(BadRequest("Bad Request: something odd"))
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "ERROR"]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in caplog.records)
