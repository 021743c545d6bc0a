"""Webhook mode on the real stack: the loopback server POSTs updates to PTB's webhook server
with the secret header, as Telegram does; forged requests get 403 and change nothing;
going back to polling deletes the webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.lifecycle import ALLOWED_UPDATES
from loopback import LoopbackBotAPI
from loopback.webhook import SECRET_HEADER
from tests.harness.bot import BotHarness, database_url, make_settings, onboard
from tests.harness.postgres import free_port

PUBLIC = "https://bot.example.org/telegram/hook"
SECRET = "test-secret_0123456789"


@pytest.fixture
async def webhook_harness(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    port = free_port()
    server.route_webhook(PUBLIC, f"http://127.0.0.1:{port}/telegram/hook")
    settings = make_settings(
        server,
        database_url(tmp_path),
        webhook_url=PUBLIC,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )
    bot = BotHarness(server, settings, clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        assert server.unanswered_callback_queries() == []


def forged_start(user_id: int, update_id: int = 990_001) -> dict[str, object]:
    person = {"id": user_id, "is_bot": False, "first_name": "Eve"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {**person, "type": "private"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_user_onboards_over_the_webhook(webhook_harness: BotHarness) -> None:
    server = webhook_harness.server
    [set_call] = server.calls_to("setWebhook")
    assert set_call.params["url"] == PUBLIC
    assert set_call.params["secret_token"] == SECRET
    assert set_call.params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert set_call.params.get("drop_pending_updates") in (None, False)
    user = webhook_harness.new_user()
    await onboard(webhook_harness, user)
    assert "Next reminder" in webhook_harness.last_text(user)
    assert server.calls_to("getUpdates") == []
    assert {status for _, status in server.webhook_deliveries} == {200}


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_a_request_without_the_secret_gets_403_and_changes_nothing(
    webhook_harness: BotHarness, secret: str | None
) -> None:
    server = webhook_harness.server
    eve = server.add_user("Eve")
    headers = {} if secret is None else {SECRET_HEADER: secret}
    local = f"http://127.0.0.1:{webhook_harness.settings.webhook_port}/telegram/hook"
    before = len(server.calls)
    async with (
        aiohttp.ClientSession() as http,
        http.post(local, json=forged_start(eve.id), headers=headers) as response,
    ):
        assert response.status == 403
    assert webhook_harness.app is not None
    await webhook_harness.app.update_queue.join()
    assert [c.method for c in server.calls[before:]] == []
    assert server.bot_messages(eve.id) == []
    # The same update with the right secret is processed: the 403 was the secret's doing.
    async with (
        aiohttp.ClientSession() as http,
        http.post(local, json=forged_start(eve.id), headers={SECRET_HEADER: SECRET}) as response,
    ):
        assert response.status == 200
    await webhook_harness.app.update_queue.join()
    assert server.bot_messages(eve.id), "the genuine update got no answer"


async def test_switching_back_to_polling_deletes_the_webhook(
    webhook_harness: BotHarness,
) -> None:
    server = webhook_harness.server
    assert server.webhook_url == PUBLIC
    await webhook_harness.stop()
    webhook_harness.settings = webhook_harness.settings.model_copy(update={"webhook_url": ""})
    await webhook_harness.start()
    assert server.webhook_url == ""
    assert server.calls_to("deleteWebhook")
    user = webhook_harness.new_user()
    await webhook_harness.send(user, "/start")
    assert server.calls_to("getUpdates")
    assert webhook_harness.bot_texts(user)


async def test_webhook_settings_are_checked() -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(_env_file=None, webhook_url="http://bot.example.org/hook")
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(_env_file=None, webhook_url="https://bot.example.org:9000/hook")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, webhook_secret="has spaces")
    ok = load_settings(_env_file=None, webhook_url="https://bot.example.org:8443/a/b")
    assert ok.webhook_url.endswith("/a/b")
