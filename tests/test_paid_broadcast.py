"""Telegram's paid broadcasts (issue #12): ALLOW_PAID_BROADCAST, off by default.

With it, reminders carry `allow_paid_broadcast` (checked at the loopback Bot API, which
validates it as a Boolean, as the Bot API documents it in api.json) and are counted in a
window of their own (up to 1000/s) instead of the free 30/s one.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from telegram.ext import ExtBot

from bot.botapi.ratelimit import PriorityRateLimiter, broadcast
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from loopback import LoopbackBotAPI
from tests.harness.bot import BotHarness, database_url, make_settings, onboard
from tests.test_ratelimit import ArrivalTimes, most_in_any_window

API_JSON = Path(__file__).resolve().parents[2] / "shared" / "telegram-bot-api" / "api.json"


def test_off_by_default_and_a_paid_rate_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUV")
    settings = load_settings(_env_file=None)
    assert settings.allow_paid_broadcast is False and settings.broadcast_rate == 30
    with pytest.raises(ConfigError, match="BROADCAST_PER_SECOND above 30 needs ALLOW_PAID"):
        load_settings(_env_file=None, broadcast_per_second=100)
    paid = load_settings(_env_file=None, allow_paid_broadcast=True)
    assert paid.broadcast_rate == 1000
    assert load_settings(_env_file=None, allow_paid_broadcast=True, broadcast_per_second=200)


def test_the_parameter_is_the_bot_apis() -> None:
    if not API_JSON.exists():
        pytest.skip("../shared/telegram-bot-api/api.json not present")
    methods = json.loads(API_JSON.read_text(encoding="utf-8"))["methods"]
    field = next(f for f in methods["sendMessage"]["fields"] if f["name"] == "allow_paid_broadcast")
    assert field["types"] == ["Boolean"] and not field["required"]
    assert "1000 messages per second" in field["description"]


async def test_the_loopback_rejects_what_telegram_rejects(server: LoopbackBotAPI) -> None:
    user = server.add_user(first_name="Ana")
    url = f"{server.api_base_url}{server.token}/sendMessage"
    async with httpx.AsyncClient() as client:
        bad = await client.post(
            url, json={"chat_id": user.id, "text": "hi", "allow_paid_broadcast": "maybe"}
        )
        good = await client.post(
            url, json={"chat_id": user.id, "text": "hi", "allow_paid_broadcast": True}
        )
    assert bad.status_code == 400 and "allow_paid_broadcast" in bad.json()["description"]
    assert good.status_code == 200
    assert server.paid_broadcasts() == 1


@pytest.mark.parametrize("paid", [False, True])
async def test_reminders_are_sent_as_paid_broadcasts_only_when_allowed(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path, paid: bool
) -> None:
    settings = make_settings(server, database_url(tmp_path), allow_paid_broadcast=paid)
    harness = BotHarness(server, settings, clock)
    await harness.start()
    try:
        user = harness.new_user()
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")
        harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))
        assert (await harness.dispatch()).sent == 1
    finally:
        await harness.stop()
    reminder = server.calls_to("sendMessage")[-1]
    assert reminder.params.get("allow_paid_broadcast") is (True if paid else None)
    assert server.paid_broadcasts() == (1 if paid else 0)
    # Replies while onboarding are never paid.
    assert all("allow_paid_broadcast" not in c.params for c in server.calls_to("sendMessage")[:-1])


async def test_paid_messages_have_a_budget_of_their_own(server: LoopbackBotAPI) -> None:
    """A paid budget of 60/s (1000 in production): 120 paid reminders put more than the free
    30 into one second at the API, never more than 60; the free window stays empty."""
    calls = ArrivalTimes()
    server.calls = calls
    people = [server.add_user(first_name=f"U{i}") for i in range(120)]
    limiter = PriorityRateLimiter(paid_limit=60)
    limiter.set_broadcast_share(60)
    bot: ExtBot[None] = ExtBot(
        server.token,
        base_url=server.api_base_url,
        base_file_url=server.file_base_url,
        rate_limiter=limiter,
    )
    async with bot:
        with broadcast():
            await asyncio.gather(
                *(
                    bot.send_message(u.id, "Time to stretch", allow_paid_broadcast=True)
                    for u in people
                )
            )
    arrivals = calls.arrivals("sendMessage")
    assert len(arrivals) == 120 and server.paid_broadcasts() == 120
    assert 30 < most_in_any_window(arrivals) <= 60
    assert limiter.window.used() == 0
