"""The tap benchmark's other process: the loopback Bot API server and the simulated users.

On a 2-core machine, a server and a load generator sharing the bot's process (and event
loop) take their CPU from the very thing being measured, and cap the floor and the bot
alike. Here they run in a process of their own, so the bot (or the bare-PTB floor) has
its process to itself and the operating system can put the two on separate cores.

`python -m bench.tapserver USERS` starts a `LoopbackBotAPI` with USERS users and prints
one JSON line, ``{"base_url": ..., "token": ...}``; then it reads commands, one JSON line
each, from stdin and answers on stdout:

- ``{"op": "prepare"}``: every user types /stretch; ``{"done": true}`` once all have the
  routine picker.
- ``{"op": "run", "scenario": {...}}``: the crowd walks (`taps.run_crowd`); the lines
  ``{"mark": "measuring"}`` and ``{"mark": "window-end"}`` bound the measured window (the
  parent counts its SQL statements between them), then ``{"result": {...}}``.
- ``{"op": "stop"}`` or the end of stdin: the server stops and the process exits.

Latencies are measured here, with one clock: when a tap's update was queued and when
its `answerCallbackQuery` arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.instrument import TimedCalls
from loopback import LoopbackBotAPI
from loopback.server import SimMessage

FIRST_USER_ID = 200_000_001  # bench.seed.FIRST_USER_ID (not imported: this process stays light)

ANSWER_TIMEOUT = 60.0  # a user waits this long for the answer to a tap
CHANGE_TIMEOUT = 3.0  # and then this long for the chat to change (a stale tap changes nothing)
LOOK_AGAIN = 0.5  # after a tap, the chat still shows nothing new: look again when it changes


@dataclass(frozen=True)
class Scenario:
    name: str
    users: int
    think: tuple[float, float]  # seconds between the bot's answer and the next tap
    seconds: float  # measured time
    warmup: float = 2.0  # seconds of tapping before the measured window
    #: When set, each user taps exactly this many times and the window is the whole
    #: run (`seconds` and `warmup` are ignored): the same work on every system and
    #: version, for comparing CPU and SQL per tap (`python -m bench.taps --taps`).
    taps_per_user: int = 0


@dataclass
class TapRun:
    scenario: str
    system: str  # one of SYSTEMS
    taps: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    api_calls: int = 0
    statements: int = 0
    unanswered: int = 0
    #: Taps the crowd made in the window (served or not): what the bot was offered. A
    #: routine ends, so the bot's users also type `/stretch` between routines (`typed`),
    #: where the floor's endless routine offers only taps.
    offered: int = 0
    typed: int = 0
    #: Latency by the tapped button's label: label -> [taps, p50 s, p99 s, max s]; which
    #: kind of tap makes the tail (`python -m bench.taps` prints it).
    by_label: dict[str, list[float]] = field(default_factory=dict)
    #: Bot API requests in the window by method (getUpdates left out).
    methods: dict[str, int] = field(default_factory=dict)
    #: CPU seconds the bot's process used in the window (user + system, all threads):
    #: the machine's load stretches wall-clock times but barely changes this.
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.taps / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- simulated users ----------------------------------------------------------------------


def _pick(message: SimMessage) -> str | None:
    """The callback data a person walking a routine would tap on this message."""
    buttons = list(message.buttons())
    for wanted in ("Done", "No thanks", "Quick start", "Continue", "About right"):
        for button in buttons:
            if wanted in str(button["text"]) and "callback_data" in button:
                return str(button["callback_data"])
    return None


def _label(message: SimMessage, data: str) -> str:
    """The text of the button carrying `data` (digits stand for any 0-10 level)."""
    for button in message.buttons():
        if button.get("callback_data") == data:
            return str(button["text"])
    return "?"


def _latest_with_buttons(server: LoopbackBotAPI, user_id: int) -> SimMessage | None:
    for message in reversed(server.bot_messages(user_id)):
        if message.button_labels():
            return message
    return None


# Bot API methods after which a user's chat looks different (new or changed message).
CHAT_CHANGES = (
    "sendMessage",
    "sendPhoto",
    "sendAnimation",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "editMessageMedia",
    "deleteMessage",
)


class Crowd:
    """Users tapping through routines on a loopback server; notes each tap's update time.

    Waiting users cost nothing: the server's handlers for `answerCallbackQuery` and the
    message methods are wrapped (on this server instance only) to wake the one user the
    call concerns, so no user polls and the load generator stays cheap beside the bot."""

    def __init__(self, server: LoopbackBotAPI, ids: list[int], seed: int = 11) -> None:
        self.server = server
        self.ids = ids
        self.random = random.Random(seed)
        self.tapped_at: dict[str, float] = {}  # callback query id -> when its update was made
        self.label: dict[str, str] = {}  # callback query id -> the tapped button's text
        self.measuring = False
        self.typed = 0  # `/stretch` messages typed while measuring
        self.stop_at = 0.0
        self._answered: dict[str, asyncio.Event] = {}
        self._changed: dict[int, asyncio.Event] = {i: asyncio.Event() for i in ids}
        handlers = dict(server._handlers)
        for method in (*CHAT_CHANGES, "answerCallbackQuery"):
            handlers[method] = self._wrap(handlers[method], method)
        server._handlers = handlers  # type: ignore[misc]

    def _wrap(
        self, handler: Callable[[Any, dict[str, Any]], Any], method: str
    ) -> Callable[[Any, dict[str, Any]], Any]:
        def wrapped(server: Any, params: dict[str, Any]) -> Any:
            result = handler(server, params)
            if method == "answerCallbackQuery":
                event = self._answered.get(str(params.get("callback_query_id")))
            else:
                event = self._changed.get(_int(params.get("chat_id")))
            if event is not None:
                event.set()
            return result

        return wrapped

    async def walk(self, user_id: int, think: tuple[float, float], taps_per_user: int = 0) -> None:
        changed = self._changed[user_id]
        tapped: tuple[int, str] | None = None  # the message and button of the last tap
        left = taps_per_user or -1
        while time.perf_counter() < self.stop_at and left != 0:
            message, data = await self._look(user_id, tapped)
            changed.clear()
            answered = None
            query_id = ""
            if message is None or data is None:
                self.server.send_text(user_id, "/stretch")
                tapped = None
                if self.measuring:
                    self.typed += 1
            else:
                self.server.press_button(user_id, message.message_id, data)
                tapped = (message.message_id, data)
                left -= 1
                query = self.server.last_callback_query()
                assert query is not None
                query_id = query.id
                answered = self._answered[query_id] = asyncio.Event()
                if self.measuring:
                    self.tapped_at[query_id] = time.perf_counter()
                    self.label[query_id] = _label(message, data)
            if answered is not None:
                await _wait(answered, ANSWER_TIMEOUT)
                del self._answered[query_id]
            await _wait(changed, CHANGE_TIMEOUT)  # a stale tap changes nothing
            thinking = self.random.uniform(*think)
            await asyncio.sleep(min(thinking, max(0.0, self.stop_at - time.perf_counter())))

    async def _look(
        self, user_id: int, tapped: tuple[int, str] | None
    ) -> tuple[SimMessage | None, str | None]:
        """The message and button to tap next. After a tap, as a person would: until the
        bot's reply has arrived, i.e. something other than the tapped button is there to
        tap, or the chat stayed the same for `LOOK_AGAIN` (the end of a routine). A chat
        changes in steps (the tapped message loses its buttons, the next message arrives,
        the previous tap's message is closed), and a user acting on the first of them
        would type /stretch into a routine in progress or tap the same button twice."""
        changed = self._changed[user_id]
        while True:
            message = _latest_with_buttons(self.server, user_id)
            data = None if message is None else _pick(message)
            if tapped is None or (data is not None and (message_id(message), data) != tapped):
                return message, data
            changed.clear()
            if not await _wait(changed, LOOK_AGAIN):
                return message, data


def message_id(message: SimMessage | None) -> int:
    return 0 if message is None else message.message_id


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Whether the event was set within `seconds`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
            return True
    return False


async def run_crowd(
    server: LoopbackBotAPI,
    calls: TimedCalls,
    scenario: Scenario,
    ids: list[int],
    mark: Callable[[str], None],
) -> TapRun:
    """The crowd walks for the warm-up and the measured window; `mark` is told when the
    window starts ("measuring") and ends ("window-end"). Everything but the SQL count
    (which belongs to the bot's process) is filled in."""
    crowd = Crowd(server, ids)
    fixed = scenario.taps_per_user
    warmup = 0.0 if fixed else scenario.warmup
    began = time.perf_counter()
    crowd.stop_at = began + (ANSWER_TIMEOUT * fixed if fixed else warmup + scenario.seconds)
    walkers = [asyncio.ensure_future(crowd.walk(i, scenario.think, fixed)) for i in ids]
    await asyncio.sleep(warmup)
    since = len(calls)
    crowd.measuring = True
    mark("measuring")
    measured_from = time.perf_counter()
    if fixed:
        await asyncio.gather(*walkers)
        await asyncio.sleep(0.5)  # the last taps' closing edits
    else:
        await asyncio.sleep(scenario.seconds)
    crowd.measuring = False
    measured_to = time.perf_counter()
    mark("window-end")
    until = len(calls)
    await asyncio.gather(*walkers)
    run = TapRun(
        scenario=scenario.name,
        system="",
        seconds=measured_to - measured_from,
        offered=len(crowd.tapped_at),
        typed=crowd.typed,
    )
    answers: dict[str, float] = {}
    for call, at in zip(calls[since:], calls.arrived[since:], strict=True):
        query_id = call.params.get("callback_query_id")
        if call.method == "answerCallbackQuery" and query_id is not None:
            answers.setdefault(str(query_id), at)
    by_label: dict[str, list[float]] = {}
    for query_id, tapped in crowd.tapped_at.items():
        answered = answers.get(query_id)
        if answered is None:
            run.unanswered += 1
        else:
            run.latencies.append(answered - tapped)
            label = crowd.label.get(query_id, "?")
            by_label.setdefault(label, []).append(answered - tapped)
    for label, values in by_label.items():
        values.sort()
        run.by_label[label] = [
            len(values),
            values[len(values) // 2],
            values[min(len(values) - 1, int(0.99 * len(values)))],
            values[-1],
        ]
    # Served: answers to callback queries that reached the API in the measured window.
    run.taps = sum(
        1
        for call, at in zip(calls[since:], calls.arrived[since:], strict=True)
        if call.method == "answerCallbackQuery" and measured_from <= at < measured_to
    )
    methods = Counter(c.method for c in calls[since:until] if c.method != "getUpdates")
    run.api_calls = sum(methods.values())
    run.methods = dict(methods)
    return run


async def prepare_bot_users(server: LoopbackBotAPI, ids: list[int]) -> None:
    """Each user opens the routine picker, so the measured walk starts from buttons."""
    for user_id in ids:
        server.send_text(user_id, "/stretch")
    waiting = set(ids)

    def all_answered() -> bool:
        for call in server.calls:
            if call.method == "sendMessage" and call.done:
                waiting.discard(call.chat_id)
        return not waiting

    for _ in range(600):  # a minute at most
        if all_answered():
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{len(waiting)} users never got the routine picker")


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def serve(users: int) -> None:
    server = LoopbackBotAPI()
    calls = TimedCalls()
    server.calls = calls
    ids = list(range(FIRST_USER_ID, FIRST_USER_ID + users))
    for user_id in ids:
        server.add_user(first_name="Bench", user_id=user_id)
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _say({"base_url": server.base_url, "token": server.token})
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if command["op"] == "prepare":
                await prepare_bot_users(server, ids)
                _say({"done": True})
            elif command["op"] == "run":
                scenario = Scenario(**command["scenario"])
                run = await run_crowd(
                    server, calls, scenario, ids, lambda mark: _say({"mark": mark})
                )
                _say({"result": asdict(run)})
            else:
                break
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
