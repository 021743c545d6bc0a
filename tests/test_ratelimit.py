"""The per-token rate limiter: priority classes, Telegram's windows, 429 handling.

Real PTB `ExtBot`s with the bot's `PriorityRateLimiter` talk real HTTP to the loopback Bot
API, which notes when each request arrives. Assertions are about order and counts in
windows (properties the limiter guarantees by construction), never about durations.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.botapi.ratelimit import (
    ChatPacer,
    Priority,
    PriorityRateLimiter,
    SlidingWindow,
    broadcast,
    classify,
    interactive,
)
from loopback import LoopbackBotAPI
from loopback.server import RecordedCall, SimUser


class ArrivalTimes(list[RecordedCall]):
    """`LoopbackBotAPI.calls` that also notes when each request reached the server."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def append(self, call: RecordedCall) -> None:
        self.at.append(time.monotonic())
        super().append(call)

    def arrivals(self, method: str) -> list[float]:
        return [t for c, t in zip(self, self.at, strict=True) if c.method == method]


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture
async def timed_server(server: LoopbackBotAPI) -> ArrivalTimes:
    calls = ArrivalTimes()
    server.calls = calls
    return calls


@pytest.fixture
async def limited_bot(server: LoopbackBotAPI) -> AsyncIterator[ExtBot[None]]:
    bot: ExtBot[None] = ExtBot(
        server.token,
        base_url=server.api_base_url,
        base_file_url=server.file_base_url,
        rate_limiter=PriorityRateLimiter(),
    )
    async with bot:
        yield bot


BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])


def users(server: LoopbackBotAPI, n: int) -> list[SimUser]:
    return [server.add_user(first_name=f"U{i}") for i in range(n)]


async def test_broadcast_never_exceeds_30_in_any_second_at_the_api(
    server: LoopbackBotAPI, timed_server: ArrivalTimes, limited_bot: ExtBot[None]
) -> None:
    people = users(server, 75)
    with broadcast():
        await asyncio.gather(*(limited_bot.send_message(u.id, "Time to stretch") for u in people))
    arrivals = timed_server.arrivals("sendMessage")
    assert len(arrivals) == 75
    assert all(call.ok for call in server.calls_to("sendMessage"))
    assert most_in_any_window(arrivals) <= 30


async def test_a_reply_overtakes_a_queued_broadcast_and_answers_never_wait(
    server: LoopbackBotAPI, timed_server: ArrivalTimes
) -> None:
    # A window of a minute: the queued broadcast can't move on while the test looks.
    bot: ExtBot[None] = ExtBot(
        server.token,
        base_url=server.api_base_url,
        rate_limiter=PriorityRateLimiter(period=60.0),
    )
    people = users(server, 40)
    tapper = server.add_user(first_name="Tapper")
    async with bot:
        with interactive():
            menu = await bot.send_message(tapper.id, "Pick one", reply_markup=BUTTON)
        update_id = server.press_button(tapper, menu.message_id, "go")
        query = next(q for q in server.callback_queries() if q.update_id == update_id)
        with broadcast():
            sends = [
                asyncio.ensure_future(bot.send_message(u.id, "Time to stretch")) for u in people
            ]
        await server.wait_for_call(
            "sendMessage",
            lambda c: len(server.calls_to("sendMessage")) == 30,
            completed=False,
        )
        # The menu and 29 reminders have used the budget; 11 more are queued behind it.
        with interactive():
            await bot.answer_callback_query(query.id)
            await bot.send_message(tapper.id, "Here is your routine")
        order = [c.chat_id for c in server.calls_to("sendMessage")][1:]
        assert order[29:] == [tapper.id], "the reply waited behind the broadcast"
        assert len(server.calls_to("answerCallbackQuery")) == 1
        for send in sends:
            send.cancel()
        await asyncio.gather(*sends, return_exceptions=True)


async def test_interactive_calls_are_counted_so_the_broadcast_gets_what_is_left(
    server: LoopbackBotAPI, timed_server: ArrivalTimes, limited_bot: ExtBot[None]
) -> None:
    people = users(server, 40)
    tappers = users(server, 20)
    with interactive():
        await asyncio.gather(*(limited_bot.send_message(u.id, "Reply") for u in tappers))
    with broadcast():
        await asyncio.gather(*(limited_bot.send_message(u.id, "Reminder") for u in people))
    all_sends = timed_server.arrivals("sendMessage")
    assert len(all_sends) == 60
    # 20 replies used 20 of the first second's 30: the broadcast got 10 in it, not 30.
    assert most_in_any_window(all_sends) <= 30


async def test_429_pauses_the_budget_and_the_request_is_retried_once(
    server: LoopbackBotAPI, timed_server: ArrivalTimes, limited_bot: ExtBot[None]
) -> None:
    person, other = users(server, 2)
    server.fail_next("sendMessage", retry_after=1, chat_id=person.id)
    with broadcast():
        first = asyncio.ensure_future(limited_bot.send_message(person.id, "Reminder"))
        await server.wait_for_call("sendMessage", lambda c: c.chat_id == person.id)
        await asyncio.sleep(0)
        second = asyncio.ensure_future(limited_bot.send_message(other.id, "Reminder"))
    # An answer to a callback query goes through during the pause.
    await limited_bot.get_me()
    await asyncio.gather(first, second)
    calls = [c for c in server.calls if c.method == "sendMessage"]
    assert calls[0].chat_id == person.id
    assert not calls[0].ok and calls[0].status == 429
    assert sum(1 for c in calls if c.chat_id == person.id and c.ok) == 1
    assert isinstance(limited_bot.rate_limiter, PriorityRateLimiter)
    assert limited_bot.rate_limiter.stats.retries == 1


async def test_429_after_the_last_retry_reaches_the_caller(
    server: LoopbackBotAPI, limited_bot: ExtBot[None]
) -> None:
    (person,) = users(server, 1)
    server.fail_next("sendMessage", retry_after=1, times=3, chat_id=person.id)
    with pytest.raises(RetryAfter):
        await limited_bot.send_message(person.id, "Reminder")
    assert len(server.calls_to("sendMessage")) == 3  # the first try and two retries


def test_callback_answers_and_chat_actions_are_not_messages() -> None:
    assert classify("answerCallbackQuery", Priority.BROADCAST) == (Priority.ANSWER, False)
    assert classify("sendChatAction", Priority.BROADCAST) == (Priority.ANSWER, False)
    assert classify("getUpdates", Priority.INTERACTIVE) == (Priority.ANSWER, False)
    assert classify("sendPhoto", Priority.INTERACTIVE) == (Priority.INTERACTIVE, True)
    assert classify("editMessageCaption", Priority.BROADCAST) == (Priority.BROADCAST, False)


def test_one_message_per_second_per_chat_after_a_short_burst() -> None:
    pacer = ChatPacer()
    delays = [pacer.reserve(42, now=100.0, burst=3) for _ in range(6)]
    assert delays == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert pacer.reserve(7, now=100.0) == 0.0  # another chat is not held up
    assert pacer.reserve(42, now=110.0, burst=3) == 0.0  # the burst refills over time
    broadcast_only = ChatPacer()
    assert [broadcast_only.reserve(5, now=0.0) for _ in range(3)] == [0.0, 1.0, 2.0]


def test_a_reminder_waits_one_second_after_a_burst_of_replies_not_for_their_debt() -> None:
    pacer = ChatPacer()
    assert [pacer.reserve(9, now=0.0, burst=10) for _ in range(5)] == [0.0] * 5
    assert pacer.reserve(9, now=0.0) == 1.0


def test_twenty_per_minute_in_a_group() -> None:
    pacer = ChatPacer(group_limit=20)
    delays = [pacer.reserve(-1001, now=0.0, burst=100) for _ in range(21)]
    assert delays[:20] == [0.0] * 20
    assert delays[20] == pytest.approx(60.0)


def test_a_message_counts_until_a_period_after_its_answer() -> None:
    now = [0.0]
    window = SlidingWindow(limit=2, period=1.0, monotonic=lambda: now[0])
    first = window.begin()
    now[0] = 0.5
    window.begin()
    assert window.used() == 2
    assert window.oldest_in_flight() == 0.0
    now[0] = 5.0  # still in flight (a slow answer): still counted
    assert window.used() == 2
    window.end(first)
    assert window.oldest_in_flight() == 0.5
    now[0] = 5.9
    assert window.used() == 2
    now[0] = 6.0
    assert window.used() == 1
