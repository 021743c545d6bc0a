"""The playground's API in-process: the real bot on the loopback Bot API, driven over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground.core import REMINDER_LEAD, Playground, PlaygroundOptions

# Its data folder holds its own SQLite file: on PostgreSQL this would repeat the SQLite run.
pytestmark = pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file")


class Client:
    def __init__(self, playground: Playground, session: aiohttp.ClientSession) -> None:
        self.playground = playground
        self.session = session
        self.base = f"http://127.0.0.1:{playground.port}"

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.base + path) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.session.post(self.base + path, json=body or {}) as response:
            return response.status, await response.json()

    async def bot_texts(self, user: int, at_least: int) -> list[str]:
        """The bot's messages once there are at least ``at_least`` of them."""
        loopback = self.playground.loopback
        for _ in range(200):
            texts = [m.text or m.caption or "" for m in loopback.bot_messages(user)]
            if len(texts) >= at_least:
                return texts
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {len(texts)} bot messages: {texts}")


@pytest.fixture
async def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    playground = Playground(PlaygroundOptions(port=0, data_dir=tmp_path / "data"))
    await playground.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Client(playground, session)
    finally:
        await playground.stop()


async def onboard(client: Client, user: int, at: str = "07:30", zone: str = "Berlin") -> None:
    """/start, the reminder time ``at``, the zone (Berlin), confirmed: a reminder is planned."""
    assert (await client.post(f"/api/users/{user}/text", {"text": "/start"}))[0] == 200
    await client.bot_texts(user, 2)
    await client.post(f"/api/users/{user}/text", {"text": at})
    await client.bot_texts(user, 3)
    await client.post(f"/api/users/{user}/text", {"text": zone})
    loopback = client.playground.loopback
    for _ in range(200):
        confirm = [m for m in loopback.bot_messages(user) if "✅ Yes" in m.button_labels()]
        if confirm:
            break
        await asyncio.sleep(0.05)
    message = confirm[-1]
    data = next(b["callback_data"] for b in message.buttons() if b["text"] == "✅ Yes")
    status, _ = await client.post(
        f"/api/users/{user}/press", {"message_id": message.message_id, "callback_data": data}
    )
    assert status == 200
    for _ in range(200):
        if await client.playground.next_reminder(user) is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no reminder planned after onboarding")


async def test_state_has_a_user_the_command_menu_and_the_clock(client: Client) -> None:
    status, state = await client.get("/api/state")
    assert status == 200
    assert [u["first_name"] for u in state["users"]] == ["Ana"]
    assert {"command": "progress", "description": "Your pain chart and streak"} in state["commands"]
    assert state["clock"]["zone"] == "UTC"
    assert state["clock"]["next_reminder"] is None
    assert state["chat"]["messages"] == []


async def test_next_reminder_needs_a_planned_reminder_then_stops_a_minute_before(
    client: Client,
) -> None:
    user = (await client.get("/api/state"))[1]["user"]
    status, body = await client.post("/api/clock/next-reminder", {"user": user})
    assert status == 409
    assert "/start" in body["error"]
    await onboard(client, user)
    due = await client.playground.next_reminder(user)
    assert due is not None
    status, body = await client.post("/api/clock/next-reminder", {"user": user})
    assert status == 200
    now = client.playground.clock.now()
    assert timedelta(seconds=50) < due - now <= REMINDER_LEAD
    assert body["clock"]["zone"] == "Europe/Berlin"
    assert body["clock"]["local"].endswith(("07:29:00", "07:29:01", "07:29:02"))


async def test_the_clock_panel_reads_a_fixed_offset_zone_as_the_bot_does(
    client: Client,
) -> None:
    user = (await client.get("/api/state"))[1]["user"]
    await onboard(client, user, zone="UTC+2")
    before = client.playground.clock.now() + timedelta(hours=2)
    view = await client.playground.clock_view(user)
    after = client.playground.clock.now() + timedelta(hours=2)
    assert view["zone"] != "UTC" and "+02" in view["zone"]
    shown = view["local"][: len("Mon 30 Nov 2026, 21:03")]
    assert shown in {t.strftime("%a %d %b %Y, %H:%M") for t in (before, after)}


async def test_the_clock_moves_only_forward_by_a_day_or_a_week(client: Client) -> None:
    before = client.playground.clock.now()
    status, _ = await client.post("/api/clock/advance", {"days": 7})
    assert status == 200
    assert client.playground.clock.now() - before >= timedelta(days=7)
    for days in (-1, 0, 3, "1", True):
        status, body = await client.post("/api/clock/advance", {"days": days})
        assert status == 400, days
        assert body["error"]


async def test_two_users_have_separate_chats(client: Client) -> None:
    first = (await client.get("/api/state"))[1]["user"]
    status, second = await client.post("/api/users", {})
    assert status == 201
    assert second["first_name"] == "Ben"
    await client.post(f"/api/users/{second['id']}/text", {"text": "/help"})
    await client.bot_texts(second["id"], 1)
    _, mine = await client.get(f"/api/state?user={first}")
    _, theirs = await client.get(f"/api/state?user={second['id']}")
    assert mine["chat"]["messages"] == []
    assert [m["from_bot"] for m in theirs["chat"]["messages"]] == [False, True]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(client: Client) -> None:
    user = (await client.get("/api/state"))[1]["user"]
    calls = len(client.playground.loopback.calls)
    cases: list[tuple[str, dict[str, Any], int]] = [
        (f"/api/users/{user}/text", {"text": "  "}, 400),
        (f"/api/users/{user}/text", {"text": "x" * 4097}, 400),
        (f"/api/users/{user}/location", {"latitude": 91, "longitude": 0}, 400),
        (f"/api/users/{user}/location", {"latitude": "52", "longitude": 13}, 400),
        (f"/api/users/{user}/press", {"message_id": 999, "callback_data": "x"}, 404),
        ("/api/users/42/text", {"text": "hi"}, 404),
        ("/api/users", {"first_name": ""}, 400),
    ]
    for path, body, expected in cases:
        status, answer = await client.post(path, body)
        assert status == expected, (path, body, answer)
        assert answer["error"]
    async with client.session.post(
        f"{client.base}/api/users/{user}/text", data="text=hi"
    ) as response:
        assert response.status == 415  # a cross-site form can't post here
    status, _ = await client.get("/api/files/nope")
    assert status == 404
    assert client.playground.loopback.messages(user) == []
    assert len(client.playground.loopback.users) == 1
    assert all(c.method == "getUpdates" for c in client.playground.loopback.calls[calls:])


async def test_the_page_and_its_assets_are_served_with_a_strict_policy(client: Client) -> None:
    async with client.session.get(client.base + "/") as response:
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        page = await response.text()
    assert '<script src="/static/app.js"' in page
    for asset, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        async with client.session.get(f"{client.base}/static/{asset}") as response:
            assert response.status == 200
            assert response.content_type == kind
    async with client.session.get(f"{client.base}/static/../core.py") as response:
        assert response.status == 404


async def test_plus_a_day_moves_the_clock_by_exactly_a_day(client: Client) -> None:
    offset = client.playground.clock.offset
    for days in (1, 7):
        status, _ = await client.post("/api/clock/advance", {"days": days})
        assert status == 200
        offset += timedelta(days=days)
        assert client.playground.clock.offset == offset
