"""Table 4b: what one tap costs, counted (not timed), tap by tap through a routine.

One onboarded user walks a routine on the real bot (loopback Bot API, a real SQLite file);
each tap is pressed alone and the bot's work for it is counted: Bot API calls by method,
how many of them ran one after another (*waves*: calls that overlap in time at the server
form one wave), SQL statements and commits, sessions (connections checked out of the
pool), calls run on aiosqlite's connection threads (each a hand-off there and back), and
how many SQL statements ran before the callback query was answered, and how many went
through an ORM session (the rest ran on bare Core connections). These
counts don't depend on the machine's load, so they can be compared across changes.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from bench import stack
from bench.instrument import SqlCounter, statement_kind
from bench.report import table
from bench.seed import START
from bot.botapi.ratelimit import PriorityRateLimiter
from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from loopback.server import SimUser
from tests.harness.bot import make_settings

# (row label, button label to tap); walked in this order by one user.
WALK: list[tuple[str | None, str]] = [  # label None: pressed on the way, not counted
    ("routine picked", "Quick start"),
    (None, "Yes, keep track"),
    ("pain keypad (before)", "5"),
    ("easier version", "Easier version"),
    ("standard version", "Standard version"),
    ("Done", "Done"),
    ("timer start", "Start"),
    (None, "Done"),
    ("Skip", "Skip"),
    (None, "Done"),
    ("Done (last step)", "Done"),
    ("pain keypad (after)", "3"),
    ("How was it? answered", "About right"),
]


class _Timeline:
    """When each Bot API request of the bot started and ended, seen from the bot (its
    HTTP client), so calls the bot had in flight at once count as one wave."""

    def __init__(self, request: Any) -> None:
        self.intervals: list[tuple[float, float]] = []
        self.started: list[str] = []  # Bot API methods in the order the bot started them
        original = request.do_request

        async def do_request(url: str, *args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            self.started.append(url.rsplit("/", 1)[-1])
            try:
                return await original(url, *args, **kwargs)
            finally:
                self.intervals.append((began, time.perf_counter()))

        request.do_request = do_request


@dataclass
class TapCost:
    label: str
    calls: Counter[str] = field(default_factory=Counter)
    waves: int = 0
    statements: int = 0
    commits: int = 0
    sessions: int = 0
    handoffs: int = 0  # calls run on aiosqlite's connection threads (each a hand-off)
    orm: int = 0  # statements run through an ORM session (the rest on bare connections)
    before_answer: int = 0  # SQL statements before answerCallbackQuery reached the server
    answered_first: bool = False  # answerCallbackQuery was the first call to arrive
    sql_kinds: list[str] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)


def _waves(intervals: list[tuple[float, float]]) -> int:
    """How many groups of overlapping intervals: the round trips made one after another."""
    waves = 0
    end = float("-inf")
    for start, stop in sorted(intervals):
        if start > end:
            waves += 1
            end = stop
        else:
            end = max(end, stop)
    return waves


THINK_S = 0.1  # between taps; the loopback's answers are in well before
FIRST_TIME_ONLY = {"Yes, keep track"}  # the consent question comes once


async def _send(server: LoopbackBotAPI, bot: stack.RunningBot, user: SimUser, text: str) -> None:
    update_id = server.send_text(user, text)
    await server.wait_until_confirmed(update_id, timeout=30)
    assert bot.app is not None
    await bot.app.update_queue.join()


async def _press(server: LoopbackBotAPI, bot: stack.RunningBot, user: SimUser, label: str) -> None:
    for message in reversed(server.bot_messages(user.id)):
        for button in message.buttons():
            text = str(button["text"])
            if (text == label if label.isdigit() else label in text) and "callback_data" in button:
                update_id = server.press_button(user, message.message_id, button["callback_data"])
                await server.wait_until_confirmed(update_id, timeout=30)
                assert bot.app is not None
                await bot.app.update_queue.join()
                await asyncio.sleep(0.05)  # calls the handler started as tasks
                return
    labels = [m.button_labels() for m in server.bot_messages(user.id)[-2:]]
    raise RuntimeError(f"no button {label!r} in the chat: {labels}")


async def measure(workdir: Path) -> list[TapCost]:
    server = LoopbackBotAPI()
    await server.start()
    path = workdir / "tapcost.sqlite3"
    bot = stack.RunningBot(
        server,
        make_settings(server, f"sqlite+aiosqlite:///{path}"),
        ManualClock(START),
        # The bot's limiter, with room for one user's quick taps: the per-chat pace (one
        # new message a second after a burst) would hold the next step back and make
        # waves of what are parallel calls; it changes no count.
        rate_limiter=PriorityRateLimiter(max_retries=2, chat_burst=1_000),
    )
    await bot.start()
    assert bot.app is not None
    timeline = _Timeline(bot.app.bot.request)
    costs: list[TapCost] = []
    try:
        user = server.add_user(first_name="Ana")
        for text in ("/start", "07:30", "Europe/Berlin"):
            await _send(server, bot, user, text)
        await _press(server, bot, user, "Yes")
        await _send(server, bot, user, "/stretch")
        for _, button in WALK:  # the first routine uploads the clips: not measured
            await _press(server, bot, user, button)
        await _send(server, bot, user, "/stretch")
        for label, button in WALK:
            if button in FIRST_TIME_ONLY:
                continue
            if label is None:
                await _press(server, bot, user, button)
            else:
                costs.append(await _measure_tap(server, bot, timeline, user, label, button))
    finally:
        await bot.stop()
        await server.stop()
    return costs


async def _measure_tap(
    server: LoopbackBotAPI,
    bot: stack.RunningBot,
    timeline: _Timeline,
    user: SimUser,
    label: str,
    button: str,
) -> TapCost:
    await asyncio.sleep(THINK_S)
    since = len(server.calls)
    bot_calls_before = len(timeline.intervals)
    started_before = len(timeline.started)
    cost = TapCost(label)
    statement_times: list[float] = []

    def checkout(*_: Any) -> None:
        cost.sessions += 1

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statement_times.append(time.perf_counter())
        cost.sql_kinds.append(statement_kind(statement))

    def orm_executed(_state: Any) -> None:
        cost.orm += 1

    original_handoff = aiosqlite.Connection._execute

    async def handoff(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        cost.handoffs += 1
        return await original_handoff(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    event.listen(Pool, "checkout", checkout)
    event.listen(Engine, "before_cursor_execute", executed)
    event.listen(Session, "do_orm_execute", orm_executed)
    aiosqlite.Connection._execute = handoff  # type: ignore[method-assign]
    try:
        with SqlCounter() as sql:
            await _press(server, bot, user, button)
    finally:
        aiosqlite.Connection._execute = original_handoff  # type: ignore[method-assign]
        event.remove(Pool, "checkout", checkout)
        event.remove(Engine, "before_cursor_execute", executed)
        event.remove(Session, "do_orm_execute", orm_executed)
    cost.statements, cost.commits = sql.statements, sql.commits
    for call in server.calls[since:]:
        if call.method != "getUpdates":
            cost.calls[call.method] += 1
    started = timeline.started[started_before:]
    cost.answered_first = bool(started) and started[0] == "answerCallbackQuery"
    intervals = timeline.intervals[bot_calls_before:]
    cost.waves = _waves(intervals)
    base = min((b for b, _ in intervals), default=0.0)
    cost.spans = [(round((b - base) * 1000, 1), round((e - base) * 1000, 1)) for b, e in intervals]
    if cost.answered_first:
        answer_started = min(began for began, _ in intervals)
        cost.before_answer = sum(1 for at in statement_times if at < answer_started)
    return cost


_SHORT = {
    "answerCallbackQuery": "answer",
    "editMessageCaption": "editCaption",
    "editMessageText": "editText",
    "editMessageReplyMarkup": "editMarkup",
    "editMessageMedia": "editMedia",
}


def render(costs: list[TapCost]) -> str:
    rows = [
        [
            c.label,
            ", ".join(_SHORT.get(m, m) + (f"×{n}" if n > 1 else "") for m, n in c.calls.items()),
            str(sum(c.calls.values())),
            str(c.waves),
            "yes" if c.answered_first else "no",
            str(c.before_answer),
            str(c.statements),
            str(c.commits),
            str(c.sessions),
            str(c.orm),
            str(c.handoffs),
        ]
        for c in costs
    ]
    return table(
        "4b. What one tap costs (counted, one user alone; independent of load)",
        [
            "Tap",
            "Bot API calls",
            "Calls",
            "Waves",
            "Answered first",
            "SQL before answer",
            "SQL",
            "Commits",
            "Sessions",
            "Through ORM",
            "Thread hand-offs",
        ],
        rows,
    )


async def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        costs = await measure(Path(workdir))
        print(render(costs))
        if "-v" in sys.argv:
            for cost in costs:
                print(cost.label, cost.spans, cost.sql_kinds)


if __name__ == "__main__":
    asyncio.run(main())
