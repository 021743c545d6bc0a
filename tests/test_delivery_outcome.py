"""`bot.botapi.outcome.classify` on the errors a real PTB `Bot` raises over real HTTP.

Each case provokes the failure for real (a closed port, a full connection pool, a slow or
dropping loopback server, documented error answers) and checks which side of the
at-most-once line it lands on, with each HTTP client the bot uses: aiohttp
(`bot.botapi.request.AiohttpRequest`, every Bot API call but getUpdates) and PTB's httpx
one.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.botapi.outcome import SendOutcome, classify
from bot.botapi.request import AiohttpRequest
from loopback import LoopbackBotAPI
from loopback.server import SimUser

CLIENTS: dict[str, type[BaseRequest]] = {"aiohttp": AiohttpRequest, "httpx": HTTPXRequest}
# What the classification names as the cause, by client.
REFUSED = {"aiohttp": "aiohttp.ClientConnectorError", "httpx": "httpx.ConnectError"}
NO_ANSWER = {"aiohttp": "aiohttp.SocketTimeoutError", "httpx": "httpx.ReadTimeout"}


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def make_bot(client: str, base_url: str, token: str, **request: float | int) -> Bot:
    return Bot(token, base_url=f"{base_url}/bot", request=CLIENTS[client](**request))  # type: ignore[arg-type]


@pytest.fixture
async def api() -> AsyncIterator[tuple[LoopbackBotAPI, SimUser]]:
    async with LoopbackBotAPI() as server:
        yield server, server.add_user(first_name="Ana")


async def failure_of(bot: Bot, chat_id: int) -> BaseException:
    async with bot:
        with pytest.raises(Exception) as caught:
            await bot.send_message(chat_id, "hello")
    return caught.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_connection_refused_was_not_sent(client: str) -> None:
    bot = make_bot(client, f"http://127.0.0.1:{closed_port()}", "123456:" + "A" * 30)
    with pytest.raises(Exception) as caught:
        async with bot:  # initialize() already calls getMe
            await bot.send_message(1, "hello")
    result = classify(caught.value)
    assert result.outcome is SendOutcome.NOT_SENT and result.reason == REFUSED[client]


async def test_pool_timeout_was_not_sent(api: tuple[LoopbackBotAPI, SimUser], client: str) -> None:
    server, user = api
    server.delay_next("sendMessage", 1.5, chat_id=user.id)
    bot = make_bot(client, server.base_url, server.token, connection_pool_size=1, pool_timeout=0.2)
    async with bot:
        slow = asyncio.create_task(bot.send_message(user.id, "first"))
        await server.wait_for_call("sendMessage", completed=False)
        with pytest.raises(Exception) as caught:
            await bot.send_message(user.id, "second")
        await slow
    assert classify(caught.value).outcome is SendOutcome.NOT_SENT
    assert [m.text for m in server.bot_messages(user)] == ["first"]


async def test_read_timeout_is_uncertain(api: tuple[LoopbackBotAPI, SimUser], client: str) -> None:
    server, user = api
    server.delay_next("sendMessage", 120.0, chat_id=user.id)
    exc = await failure_of(
        make_bot(client, server.base_url, server.token, read_timeout=0.3), user.id
    )
    result = classify(exc)
    assert result.outcome is SendOutcome.UNCERTAIN and result.reason == NO_ANSWER[client]
    assert server.bot_messages(user) == []
    server.release_delays()  # Telegram answers late ...
    async with asyncio.timeout(10):
        while not server.bot_messages(user):  # noqa: ASYNC110 - server state
            await asyncio.sleep(0.01)
    assert len(server.bot_messages(user)) == 1  # ... it was delivered after all


async def test_dropped_connection_is_uncertain(
    api: tuple[LoopbackBotAPI, SimUser], client: str
) -> None:
    server, user = api
    server.drop_next("sendMessage", chat_id=user.id)
    exc = await failure_of(make_bot(client, server.base_url, server.token), user.id)
    assert classify(exc).outcome is SendOutcome.UNCERTAIN


@pytest.mark.parametrize("code", [500, 502])
async def test_server_errors_are_uncertain(
    api: tuple[LoopbackBotAPI, SimUser], client: str, code: int
) -> None:
    server, user = api
    server.fail_next("sendMessage", error_code=code, chat_id=user.id)
    exc = await failure_of(make_bot(client, server.base_url, server.token), user.id)
    assert classify(exc).outcome is SendOutcome.UNCERTAIN


async def test_429_is_not_sent_with_its_wait(
    api: tuple[LoopbackBotAPI, SimUser], client: str
) -> None:
    server, user = api
    server.fail_next("sendMessage", error_code=429, retry_after=7, chat_id=user.id)
    result = classify(await failure_of(make_bot(client, server.base_url, server.token), user.id))
    assert result.outcome is SendOutcome.NOT_SENT
    assert result.retry_after == timedelta(seconds=7)


async def test_blocked_and_missing_chats_are_permanent(
    api: tuple[LoopbackBotAPI, SimUser], client: str
) -> None:
    server, user = api
    server.block(user)
    bot = make_bot(client, server.base_url, server.token)
    blocked = classify(await failure_of(bot, user.id))
    assert blocked.outcome is SendOutcome.PERMANENT and blocked.chat_gone
    missing = classify(await failure_of(make_bot(client, server.base_url, server.token), 424242))
    assert missing.outcome is SendOutcome.PERMANENT and missing.chat_gone


async def test_other_bad_requests_are_permanent_but_keep_the_chat(
    api: tuple[LoopbackBotAPI, SimUser], client: str
) -> None:
    server, user = api
    bot = make_bot(client, server.base_url, server.token)
    async with bot:
        with pytest.raises(Exception) as caught:
            await bot.send_message(user.id, "<b>unclosed", parse_mode="HTML")
    result = classify(caught.value)
    assert result.outcome is SendOutcome.PERMANENT and not result.chat_gone


def test_errors_before_the_request_and_cancellation() -> None:
    assert classify(RuntimeError("rendering failed")).outcome is SendOutcome.NOT_SENT
    assert classify(asyncio.CancelledError()).outcome is SendOutcome.UNCERTAIN


async def test_aiohttp_errors_never_show_the_token() -> None:
    token = "123456:" + "S" * 30
    bot = make_bot("aiohttp", f"http://127.0.0.1:{closed_port()}", token)
    with pytest.raises(Exception) as caught:
        async with bot:
            await bot.send_message(1, "hello")
    assert "S" * 30 not in str(caught.value) and "S" * 30 not in repr(caught.value)
