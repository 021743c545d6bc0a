"""Fixtures: a loopback Bot API server, a settable clock and the real bot running on both."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings
from tests.harness.postgres import TemporaryPostgres

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; opt in now.
os.environ.setdefault("PTB_TIMEDELTA", "true")

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def server() -> AsyncIterator[LoopbackBotAPI]:
    async with LoopbackBotAPI() as api:
        yield api


@pytest.fixture
async def harness(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    bot = BotHarness(server, make_settings(server, database_url(tmp_path)), clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        assert server.unanswered_callback_queries() == [], "a callback query went unanswered"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A real PostgreSQL server for the tests that need one (CI requires it)."""
    if not TemporaryPostgres.available():
        if os.environ.get("STRETCHBOT_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) not found")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    server = TemporaryPostgres(Path(tempfile.mkdtemp(prefix="stretchbot-pg-")))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture
async def pg_harness(
    server: LoopbackBotAPI, clock: ManualClock, postgres_server: TemporaryPostgres
) -> AsyncIterator[BotHarness]:
    """The bot on a fresh PostgreSQL database."""
    url = await postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    bot = BotHarness(server, make_settings(server, url), clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        assert server.unanswered_callback_queries() == [], "a callback query went unanswered"
