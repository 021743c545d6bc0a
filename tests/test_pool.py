"""The database pool has a connection for every update processed at once plus the jobs
(one settings object sizes both): 40 users tapping at once on the real bot never wait for
a connection, on a real SQLite file and on a real PostgreSQL; a smaller pool bounds the
update processor instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.clock import ManualClock
from bot.config import DEFAULT_CONCURRENT_UPDATES, JOB_CONNECTIONS, ConfigError, load_settings
from bot.updates import PerChatUpdateProcessor
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings
from tests.harness.snapshot import errors_logged
from tests.test_concurrency import button, crowd_at_consent, settle_all

CROWD = 40


def test_the_pool_is_sized_from_the_update_bound() -> None:
    settings = load_settings(_env_file=None)
    assert settings.update_concurrency == DEFAULT_CONCURRENT_UPDATES == 32
    assert settings.pool_size == 32 + JOB_CONNECTIONS  # SQLAlchemy's default was 5 + 10
    wider = load_settings(_env_file=None, max_concurrent_updates="64")
    assert (wider.update_concurrency, wider.pool_size) == (64, 64 + JOB_CONNECTIONS)
    # A pool set smaller (a PostgreSQL with few connections to spare) bounds the updates.
    small = load_settings(_env_file=None, database_pool_size=str(JOB_CONNECTIONS + 4))
    assert (small.pool_size, small.update_concurrency) == (JOB_CONNECTIONS + 4, 4)
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        load_settings(_env_file=None, database_pool_size=str(JOB_CONNECTIONS))


class PoolWatch:
    """The most connections checked out of the bot's pool at once, and how many waits."""

    def __init__(self, harness: BotHarness) -> None:
        self.pool = harness.services.engine.sync_engine.pool
        self.out = self.peak = 0
        event.listen(self.pool, "checkout", self._checkout)
        event.listen(self.pool, "checkin", self._checkin)

    def _checkout(self, *_: Any) -> None:
        self.out += 1
        self.peak = max(self.peak, self.out)

    def _checkin(self, *_: Any) -> None:
        self.out -= 1

    def close(self) -> None:
        event.remove(self.pool, "checkout", self._checkout)
        event.remove(self.pool, "checkin", self._checkin)


async def storm(harness: BotHarness) -> PoolWatch:
    """CROWD users type /stretch, pick a routine, tap "No thanks", then "Done", each round at
    once. (The rounds of reads outside SQLite's write turn, /stretch and the start's, are the
    ones that hold many connections at once: a routine tap reads inside its transaction.)"""
    watch = PoolWatch(harness)
    try:
        crowd = await crowd_at_consent(harness, CROWD)
        for label in ("No thanks", "Done"):
            taps = [harness.server.press_button(u, *button(harness, u, label)) for u in crowd]
            await settle_all(harness, taps)
    finally:
        watch.close()
    assert all("2 of " in (harness.last_text(u)) for u in crowd)
    return watch


@pytest.fixture
async def small_pool(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    """The bot with a pool of JOB_CONNECTIONS + 2 connections."""
    pool = JOB_CONNECTIONS + 2
    bot = BotHarness(
        server, make_settings(server, database_url(tmp_path), database_pool_size=pool), clock
    )
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        assert server.unanswered_callback_queries() == []


async def test_forty_users_tap_at_once_without_waiting_for_a_connection(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    processor = harness.app and harness.app.update_processor
    assert isinstance(processor, PerChatUpdateProcessor) and processor.max_concurrent == 32
    watch = await storm(harness)
    # Every checkout found a connection within the pool's size: no update waited for one
    # (SQLAlchemy's default pool of 5 + 10 would have, or timed out after 30 s).
    assert watch.pool.size() == harness.settings.pool_size == 32 + JOB_CONNECTIONS  # type: ignore[attr-defined]
    assert watch.peak <= watch.pool.size()  # type: ignore[attr-defined]
    # The storm did use more than the 15 connections SQLAlchemy's default pool allows (32
    # on SQLite and PostgreSQL alike when measured): with it, updates would have waited.
    assert watch.peak > 15
    assert errors_logged(caplog) == []


async def test_a_small_pool_bounds_the_update_processor(
    small_pool: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    processor = small_pool.app and small_pool.app.update_processor
    assert isinstance(processor, PerChatUpdateProcessor) and processor.max_concurrent == 2
    watch = await storm(small_pool)
    assert watch.peak <= JOB_CONNECTIONS + 2
    assert errors_logged(caplog) == []
