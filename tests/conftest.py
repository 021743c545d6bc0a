"""Fixtures: a loopback Bot API server, a settable clock and the real bot running on both."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings

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
