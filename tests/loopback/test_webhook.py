"""The loopback server's webhooks behave like Telegram's: HTTPS URLs on allowed ports, the
secret header on every delivery, retries until a 2xx, and no getUpdates while one is set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from loopback import LoopbackBotAPI, SimUser
from loopback.webhook import SECRET_HEADER

PUBLIC = "https://bot.example.org/hook"


class Receiver:
    """A webhook endpoint that records what it gets and answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    endpoint.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield endpoint
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://bot.example.org/hook", r"(?i)an https url must be provided"),
        ("https://bot.example.org:8080/hook", r"(?i)ports 80, 88, 443 or 8443"),
    ],
)
async def test_set_webhook_rejects_what_telegram_rejects(bot: Bot, url: str, error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.set_webhook(url)
    with pytest.raises(BadRequest, match=r"(?i)unallowed characters"):
        await bot.set_webhook(PUBLIC, secret_token="not allowed!")


async def test_updates_go_to_the_webhook_with_the_secret_and_get_updates_is_refused(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, receiver: Receiver
) -> None:
    server.route_webhook(PUBLIC, receiver.url)
    await bot.set_webhook(PUBLIC, secret_token="s3cret", allowed_updates=["message"])
    info = await bot.get_webhook_info()
    assert info.url == PUBLIC and info.pending_update_count == 0
    with pytest.raises(Conflict, match=r"(?i)can.t use getupdates method while webhook is active"):
        await bot.get_updates()

    first = server.send_text(user, "hello")
    await server.wait_until_confirmed(first)
    [(update, secret)] = receiver.received
    assert update["update_id"] == first and update["message"]["text"] == "hello"
    assert secret == "s3cret"

    # A failing endpoint keeps the update queued and it is delivered again later, in order.
    receiver.status = 500
    second = server.send_text(user, "again")
    third = server.send_text(user, "and again")
    await asyncio.sleep(1.2)
    assert not server.is_confirmed(second)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 2
    assert info.last_error_message and "500" in info.last_error_message
    receiver.status = 200
    await server.wait_until_confirmed(third)
    delivered = [u["update_id"] for u, _ in receiver.received if u["update_id"] != first]
    assert delivered[-2:] == [second, third] and set(delivered) == {second, third}


async def test_delete_webhook_brings_get_updates_back(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    await bot.set_webhook(PUBLIC)  # no route: deliveries fail, updates stay queued
    update_id = server.send_text(user, "while the webhook was set")
    await asyncio.sleep(0.2)
    assert (await bot.get_webhook_info()).last_error_message == "Connection refused"
    assert await bot.delete_webhook(drop_pending_updates=False)
    assert (await bot.get_webhook_info()).url == ""
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [update_id]
