"""Fixtures for the loopback server's tests (the `server` fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot

from loopback import LoopbackBotAPI, SimUser
from tests.loopback.support import make_bot


@pytest.fixture
async def bot(server: LoopbackBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(server) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def user(server: LoopbackBotAPI) -> SimUser:
    return server.add_user("Ana")
