"""The playground's clock jumps, through the real bot: its own dispatcher sends what falls
due, the delivery rows say what happened, and the clock panel is fresh right after a jump.

Each test places the playground's clock (real time plus an offset, as in the playground)
at a chosen local time in Berlin, drives the page's HTTP API and reads the bot's database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from bot.db.models import Delivery
from bot.handlers.common import application_services
from bot.playground.clock import PlaygroundClock
from bot.playground.core import Playground, PlaygroundOptions
from tests.playground.test_web import Client, onboard

pytestmark = pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file")

BERLIN = ZoneInfo("Europe/Berlin")
REMINDER_TEXT = "Time for your back stretches"
SUMMARY_TEXT = "Your week"


def next_monday(at: time) -> datetime:
    """A Monday at least two days ahead, at ``at`` in Berlin (the clock only moves forward)."""
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(BERLIN).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, at, BERLIN)


@asynccontextmanager
async def playground_at(tmp_path: Path, start: datetime) -> AsyncIterator[Client]:
    clock = PlaygroundClock(start - datetime.now(UTC), state_file=tmp_path / "clock.json")
    playground = Playground(PlaygroundOptions(port=0, data_dir=tmp_path / "data"), clock)
    await playground.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Client(playground, session)
    finally:
        await playground.stop()


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


async def user_of(client: Client) -> int:
    user: int = (await client.get("/api/state"))[1]["user"]
    return user


async def rows(client: Client, user: int) -> list[tuple[str, str, str]]:
    """The user's delivery rows as (kind, local date, status), oldest first."""
    assert client.playground.application is not None
    sessions = application_services(client.playground.application).sessions
    async with sessions() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.user_id == user).order_by(Delivery.due_at)
        )
        return [(d.kind, d.local_date.isoformat(), d.status) for d in found]


def texts(client: Client, user: int, containing: str) -> list[str]:
    return [
        text
        for m in client.playground.loopback.bot_messages(user)
        if containing in (text := m.text or m.caption or "")
    ]


def panel_date(day: datetime, at: str) -> str:
    return f"{day.strftime('%a %d %b')}, {at}"


async def jump(client: Client, user: int, days: int) -> dict[str, Any]:
    status, body = await client.post("/api/clock/advance", {"days": days, "user": user})
    assert status == 200, body
    return body


async def stretch_once(client: Client, user: int) -> None:
    """/stretch and tap through the shortest routine (no pain tracking) until it's done,
    waiting for the chat to change after each tap."""
    loopback = client.playground.loopback

    def seen() -> list[tuple[int, str, list[str]]]:
        return [
            (m.message_id, m.text or m.caption or "", m.button_labels())
            for m in loopback.bot_messages(user)
        ]

    async def changed_from(before: list[tuple[int, str, list[str]]]) -> None:
        for _ in range(400):
            if seen() != before:
                await asyncio.sleep(0.1)  # let an edit and a new message both land
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot never answered: {before[-3:]}")

    before = seen()
    await client.post(f"/api/users/{user}/text", {"text": "/stretch"})
    await changed_from(before)
    preferred = ("In bed", "No thanks", "✅ Done")
    for _ in range(30):
        if texts(client, user, "Routine complete"):
            return
        last = loopback.bot_messages(user)[-1]
        buttons = [b for b in last.buttons() if "callback_data" in b]
        pick = next((b for label in preferred for b in buttons if label in str(b["text"])), None)
        assert pick is not None, seen()[-3:]
        before = seen()
        status, _ = await client.post(
            f"/api/users/{user}/press",
            {"message_id": last.message_id, "callback_data": pick["callback_data"]},
        )
        assert status == 200
        await changed_from(before)
    raise AssertionError(f"the routine never completed: {seen()[-3:]}")


async def test_plus_one_day_in_the_morning_misses_yesterdays_evening_reminder(
    tmp_path: Path,
) -> None:
    start = next_monday(time(8, 31))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        await onboard(client, user, "19:30")
        body = await jump(client, user, 1)
        # Monday's 19:30 lay in the day jumped over: recorded missed, as after an outage.
        assert await rows(client, user) == [("daily", start.date().isoformat(), "missed")]
        assert body["deliveries"] == {"missed": 1}
        assert body["note"] == (
            "Clock moved 1 day on. On the way: 1 reminder missed (due on a day jumped over)."
        )
        assert texts(client, user, REMINDER_TEXT) == []
        # The panel shows the next reminder at once, not the one jumped over.
        assert body["clock"]["next_reminder"] == panel_date(start + timedelta(days=1), "19:30")
        assert body["clock"]["local"].startswith((start + timedelta(days=1)).strftime("%a %d"))


async def test_plus_one_day_past_todays_reminder_time_delivers_it(tmp_path: Path) -> None:
    start = next_monday(time(20, 0))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        await onboard(client, user, "19:30")  # today's time has passed: first one Tuesday
        body = await jump(client, user, 1)
        tuesday = (start + timedelta(days=1)).date().isoformat()
        assert await rows(client, user) == [("daily", tuesday, "sent")]
        assert body["deliveries"] == {"sent": 1}
        assert len(texts(client, user, REMINDER_TEXT)) == 1
        assert body["clock"]["next_reminder"] == panel_date(start + timedelta(days=2), "19:30")
        # The dispatcher's own runs afterwards send nothing more (at most once per date).
        await asyncio.sleep(2 * 2.5)
        assert len(texts(client, user, REMINDER_TEXT)) == 1
        assert await rows(client, user) == [("daily", tuesday, "sent")]


async def test_plus_one_week_brings_the_weekly_summary(tmp_path: Path) -> None:
    start = next_monday(time(8, 31))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        await onboard(client, user, "19:30")
        # Set up on a Monday: no summary about the week before (not theirs). Monday's
        # reminder was due when the jump started: missed (the dispatcher, as after an
        # outage, records that one and plans on from the time it runs).
        body = await jump(client, user, 7)
        assert await rows(client, user) == [("daily", start.date().isoformat(), "missed")]
        assert texts(client, user, SUMMARY_TEXT) == []
        # The next week: the clock stops at the summary, Monday 19:30, where Monday's
        # reminder is due too: both sent (a day jumped over before them: missed).
        monday = (start + timedelta(days=7)).date().isoformat()
        body = await jump(client, user, 7)
        found = await rows(client, user)
        assert ("weekly", monday, "sent") in found and ("daily", monday, "sent") in found
        assert body["deliveries"] == {"missed": 1, "sent": 2}
        assert len(texts(client, user, SUMMARY_TEXT)) == 1
        # A third week (from Monday 19:30 to Monday 19:30): one more summary, with that
        # day's reminder, never a second one for a date.
        # Tuesday's reminder, planned when the last jump ended, is missed (it read
        # {"sent": 2} while the count of statuses lost the first week's pruned "missed").
        body = await jump(client, user, 7)
        assert body["deliveries"] == {"missed": 1, "sent": 2}
        assert len(texts(client, user, SUMMARY_TEXT)) == 2
        found = await rows(client, user)
        assert len({(kind, day) for kind, day, _ in found}) == len(found) == 6


async def press(client: Client, user: int, label: str) -> None:
    """Press the button labelled ``label`` on the newest message showing it (waiting for
    the bot to send it)."""
    loopback = client.playground.loopback
    for _ in range(200):
        found = [m for m in loopback.bot_messages(user) if label in " ".join(m.button_labels())]
        if found:
            message = found[-1]
            data = next(b["callback_data"] for b in message.buttons() if label in str(b["text"]))
            status, _ = await client.post(
                f"/api/users/{user}/press",
                {"message_id": message.message_id, "callback_data": data},
            )
            assert status == 200
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no button {label!r}")


async def test_jump_counts_what_reached_the_chat_after_old_rows_are_pruned(
    tmp_path: Path,
) -> None:
    """Once rows pass the retention (14 days) the dispatcher prunes them during a jump; the
    counts are of the rows that reached each status on the way, so they never go negative
    and a weekly summary delivered is named (tester 6 #7: {"missed": 2, "sent": -1}; while
    paused {"missed": -1}, "Nothing was due on the way", though a summary came)."""
    start = next_monday(time(8, 31))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        await onboard(client, user, "19:30")
        for _ in range(3):
            await jump(client, user, 7)
        kept = len(await rows(client, user))
        summaries = len(texts(client, user, SUMMARY_TEXT))
        body = await jump(client, user, 7)
        assert len(await rows(client, user)) < kept + 2  # old rows were pruned on the way
        assert body["deliveries"] == {"missed": 1, "sent": 2}
        assert len(texts(client, user, SUMMARY_TEXT)) == summaries + 1
        assert (
            "On the way: 1 weekly summary sent, 1 reminder missed (due on a day jumped over), "
            "1 reminder sent."
        ) in body["note"]
        # Paused: no reminder, the summary still comes, and the note says so.
        assert (await client.post(f"/api/users/{user}/text", {"text": "/settings"}))[0] == 200
        await press(client, user, "Pause")
        await press(client, user, "Until I resume")
        for _ in range(200):
            if await client.playground.next_reminder(user) is None:
                break
            await asyncio.sleep(0.05)
        assert await client.playground.next_reminder(user) is None
        body = await jump(client, user, 7)
        assert body["deliveries"] == {"sent": 1}
        assert "On the way: 1 weekly summary sent." in body["note"]
        assert len(texts(client, user, SUMMARY_TEXT)) == summaries + 2


async def test_next_reminder_after_stretching_today_goes_to_tomorrows(tmp_path: Path) -> None:
    start = next_monday(time(8, 31))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        await onboard(client, user, "19:30")
        _, state = await client.get(f"/api/state?user={user}")
        assert state["clock"]["next_reminder"] == panel_date(start, "19:30")
        await stretch_once(client, user)
        # The bot skips today's reminder now; the panel says when the next one comes.
        _, state = await client.get(f"/api/state?user={user}")
        tuesday = start + timedelta(days=1)
        assert state["clock"]["next_reminder"] == panel_date(tuesday, "19:30")
        status, body = await client.post("/api/clock/next-reminder", {"user": user})
        assert status == 200, body
        assert body["clock"]["local"].startswith(tuesday.strftime("%a %d %b %Y, 19:29"))
        assert f"No reminder on {start.strftime('%a %d %b')}" in body["note"]
        assert "already stretched" in body["note"]
        # Today's was crossed and recorded as the bot decides: skipped, not missed.
        monday = start.date().isoformat()
        assert await rows(client, user) == [("daily", monday, "skipped")]
        # One more minute: Tuesday's arrives through the bot's own dispatcher job.
        client.playground.clock.advance(timedelta(minutes=1))
        for _ in range(200):
            if texts(client, user, REMINDER_TEXT):
                break
            await asyncio.sleep(0.05)
        assert len(texts(client, user, REMINDER_TEXT)) == 1
        expected = [("daily", monday, "skipped"), ("daily", tuesday.date().isoformat(), "sent")]
        for _ in range(100):  # the outcome is recorded just after the message lands
            if await rows(client, user) == expected:
                break
            await asyncio.sleep(0.05)
        assert await rows(client, user) == expected


async def test_next_reminder_says_why_none_will_come(tmp_path: Path) -> None:
    start = next_monday(time(8, 31))
    async with playground_at(tmp_path, start) as client:
        user = await user_of(client)
        status, body = await client.post("/api/clock/next-reminder", {"user": user})
        assert (status, body["error"]) == (
            409,
            "No reminder is planned for this user yet: finish setting up with /start.",
        )
        await onboard(client, user, "19:30")
        before = len(client.playground.loopback.bot_messages(user))
        await client.post(f"/api/users/{user}/text", {"text": "/stop"})
        await client.bot_texts(user, before + 1)
        now = client.playground.clock.now()
        status, body = await client.post("/api/clock/next-reminder", {"user": user})
        assert status == 409
        assert (
            body["error"] == "Reminders are off for this user (/stop): /start turns them back on."
        )
        assert client.playground.clock.now() - now < timedelta(seconds=30)  # it stayed put
        _, state = await client.get(f"/api/state?user={user}")
        assert state["clock"]["next_reminder"] is None
