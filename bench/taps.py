"""Table 4: tap latency. Many users walking routines at once, beside a bare-PTB floor.

Each simulated user looks at the latest bot message with buttons in its chat and taps as a
person would (Done on a step, "No thanks" on the pain-log question, the first routine in the
picker; `/stretch` once a routine has ended), waits until the bot has answered that tap
(the `answerCallbackQuery` and a changed chat), then thinks for a while and taps again.

- storm: 200 users thinking 1-3 s (about 100 taps/s offered), the 8 a.m. case;
- closed: 200 users tapping as soon as the bot has answered;
- ordinary: 20 users thinking 1.5-3 s (about 9 taps/s).

Latency is from the moment the tap's update is available to `getUpdates` to the moment its
`answerCallbackQuery` reaches the loopback server. The floor is a bare PTB `Application`
(no database, no rate limiter, PTB's default one-update-at-a-time processing) whose one
handler makes the calls a step tap makes: answer, edit the tapped step's caption, send the
next step's clip (sendAnimation) by file_id, as the bot does. Both run against the same
loopback server in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    SimpleUpdateProcessor,
)
from telegram.request import HTTPXRequest

from bench import limiters, stack
from bench.instrument import SqlCounter, TimedCalls
from bench.report import table
from bench.seed import START, create_database, user_ids
from bot import lifecycle
from bot.clock import ManualClock
from bot.config import Settings
from loopback import LoopbackBotAPI
from loopback.server import SimMessage

REPO = Path(__file__).resolve().parents[1]
ANSWER_TIMEOUT = 60.0  # a user waits this long for the answer to a tap
CHANGE_TIMEOUT = 3.0  # and then this long for the chat to change (a stale tap changes nothing)


SYSTEMS = {
    "floor": "bare PTB floor",
    "serial": "stretchbot, PTB defaults",  # one update at a time, the 5 + 25/s bucket
    "bot": "stretchbot",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    users: int
    think: tuple[float, float]  # seconds between the bot's answer and the next tap
    seconds: float  # measured time


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

    @property
    def rate(self) -> float:
        return self.taps / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


# --- the floor: a bare PTB app making a step tap's calls ---------------------------------


def _floor_keyboard(n: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Done", callback_data=f"f:{n}:done"),
                InlineKeyboardButton("⏭ Skip", callback_data=f"f:{n}:skip"),
            ]
        ]
    )


class Floor:
    """PTB's defaults, no database: answer, edit the caption, send the next clip."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.file_id = ""
        self.app: Application | None = None  # type: ignore[type-arg]

    async def start(self, chat_ids: list[int]) -> None:
        async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None and query.data is not None and query.message is not None
            step = int(query.data.split(":")[1])
            await query.answer()
            await query.edit_message_caption(f"Step {step} ✅ Done", reply_markup=None)
            await context.bot.send_animation(
                query.message.chat.id,
                self.file_id,
                caption=f"Step {step + 1}: hold 30 s",
                reply_markup=_floor_keyboard(step + 1),
            )

        app = (
            ApplicationBuilder()
            .token(self.token)
            .base_url(f"{self.base_url}/bot")
            .base_file_url(f"{self.base_url}/file/bot")
            .request(HTTPXRequest(connection_pool_size=64))
            .get_updates_request(HTTPXRequest())
            .build()
        )
        app.add_handler(CallbackQueryHandler(tapped))
        await lifecycle.start_polling(app, poll_timeout=1)
        self.app = app
        clip = next((REPO / "content" / "animations").glob("*.mp4"))
        first = await app.bot.send_animation(
            chat_ids[0],
            InputFile(clip.read_bytes(), filename=clip.name),
            caption="Step 1: hold 30 s",
            reply_markup=_floor_keyboard(1),
        )
        assert first.animation is not None
        self.file_id = first.animation.file_id
        for chat_id in chat_ids[1:]:
            await app.bot.send_animation(
                chat_id, self.file_id, caption="Step 1: hold 30 s", reply_markup=_floor_keyboard(1)
            )

    async def stop(self) -> None:
        if self.app is not None:
            await lifecycle.stop(self.app)


# --- simulated users ----------------------------------------------------------------------


def _pick(message: SimMessage) -> str | None:
    """The callback data a person walking a routine would tap on this message."""
    buttons = list(message.buttons())
    for wanted in ("Done", "No thanks", "Quick start", "Continue"):
        for button in buttons:
            if wanted in str(button["text"]) and "callback_data" in button:
                return str(button["callback_data"])
    return None


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
        self.measuring = False
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

    async def walk(self, user_id: int, think: tuple[float, float]) -> None:
        changed = self._changed[user_id]
        while time.perf_counter() < self.stop_at:
            message = _latest_with_buttons(self.server, user_id)
            data = None if message is None else _pick(message)
            changed.clear()
            answered = None
            query_id = ""
            if message is None or data is None:
                self.server.send_text(user_id, "/stretch")
            else:
                self.server.press_button(user_id, message.message_id, data)
                query = self.server.last_callback_query()
                assert query is not None
                query_id = query.id
                answered = self._answered[query_id] = asyncio.Event()
                if self.measuring:
                    self.tapped_at[query_id] = time.perf_counter()
            if answered is not None:
                await _wait(answered, ANSWER_TIMEOUT)
                del self._answered[query_id]
            await _wait(changed, CHANGE_TIMEOUT)  # a stale tap changes nothing
            thinking = self.random.uniform(*think)
            await asyncio.sleep(min(thinking, max(0.0, self.stop_at - time.perf_counter())))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


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
    warmup = 2.0
    began = time.perf_counter()
    crowd.stop_at = began + warmup + scenario.seconds
    walkers = [asyncio.ensure_future(crowd.walk(i, scenario.think)) for i in ids]
    await asyncio.sleep(warmup)
    since = len(calls)
    crowd.measuring = True
    mark("measuring")
    measured_from = time.perf_counter()
    await asyncio.sleep(scenario.seconds)
    crowd.measuring = False
    measured_to = time.perf_counter()
    mark("window-end")
    until = len(calls)
    await asyncio.gather(*walkers)
    run = TapRun(scenario=scenario.name, system="", seconds=measured_to - measured_from)
    answers: dict[str, float] = {}
    for call, at in zip(calls[since:], calls.arrived[since:], strict=True):
        query_id = call.params.get("callback_query_id")
        if call.method == "answerCallbackQuery" and query_id is not None:
            answers.setdefault(str(query_id), at)
    for query_id, tapped in crowd.tapped_at.items():
        answered = answers.get(query_id)
        if answered is None:
            run.unanswered += 1
        else:
            run.latencies.append(answered - tapped)
    # Served: answers to callback queries that reached the API in the measured window.
    run.taps = sum(
        1
        for call, at in zip(calls[since:], calls.arrived[since:], strict=True)
        if call.method == "answerCallbackQuery" and measured_from <= at < measured_to
    )
    run.api_calls = sum(1 for c in calls[since:until] if c.method != "getUpdates")
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


async def measure(
    scenarios: list[Scenario], repeats: int, workdir: Path, systems: list[str]
) -> list[TapRun]:
    """Each scenario `repeats` times on each system, interleaved."""
    runs: list[TapRun] = []
    most = max(s.users for s in scenarios)
    for repeat in range(repeats):
        for scenario in scenarios:
            for system in systems:
                print(
                    f"  {scenario.name} ({scenario.users} users) on the {system}, "
                    f"run {repeat + 1} of {repeats} ...",
                    file=sys.stderr,
                    flush=True,
                )
                runs.append(await _measure_one(scenario, system, most, workdir, repeat))
    return runs


class TapServer:
    """The loopback server and the crowd in a process of their own (`bench.tapserver`)."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str, token: str) -> None:
        self.process = process
        self.base_url = base_url
        self.token = token

    @classmethod
    async def start(cls, users: int) -> TapServer:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.tapserver",
            str(users),
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hello = await cls._read(process)
        return cls(process, str(hello["base_url"]), str(hello["token"]))

    @staticmethod
    async def _read(process: asyncio.subprocess.Process) -> dict[str, Any]:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.tapserver exited ({await process.wait()})")
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())

    async def prepare(self) -> None:
        self.send({"op": "prepare"})
        await self._read(self.process)

    async def run(self, scenario: Scenario, system: str) -> TapRun:
        """The crowd's run; the bot's SQL statements are counted here, in its process,
        between the server's marks."""
        self.send({"op": "run", "scenario": asdict(scenario)})
        sql = SqlCounter()
        statements = 0
        while True:
            message = await self._read(self.process)
            if message.get("mark") == "measuring":
                sql.__enter__()
            elif message.get("mark") == "window-end":
                sql.__exit__(None, None, None)
                statements = sql.statements
            elif "result" in message:
                run = TapRun(**message["result"])
                run.system = system
                run.statements = statements
                return run

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.send({"op": "stop"})
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def _settings(remote: TapServer, database_url: str) -> Settings:
    """The bot's settings against the tap server (as `tests.harness.bot.make_settings`)."""
    return Settings(
        _env_file=None,
        bot_token=remote.token,
        bot_api_url=remote.base_url,
        database_url=database_url,
        dispatch_interval_seconds=3600,
        dispatch_wake=False,
        timer_tick_seconds=3600,
        http_timeout_seconds=10,
    )


async def _measure_one(
    scenario: Scenario, system: str, most: int, workdir: Path, repeat: int
) -> TapRun:
    ids = list(user_ids(scenario.users))
    remote = await TapServer.start(scenario.users)
    try:
        if system == "floor":
            floor = Floor(remote.base_url, remote.token)
            await floor.start(ids)
            try:
                return await remote.run(scenario, system)
            finally:
                await floor.stop()
        path = workdir / f"taps-{scenario.name}-{repeat}.sqlite3"
        database = await create_database(path, most, all_due=False)
        bot = stack.RunningBot(None, _settings(remote, database.url), ManualClock(START))
        if system == "serial":  # how the bot ran before: PTB's defaults, the old bucket
            bot.rate_limiter = limiters.make("ptb-bucket")
            bot.update_processor = SimpleUpdateProcessor(1)
        await bot.start()
        try:
            await remote.prepare()
            return await remote.run(scenario, system)
        finally:
            await bot.stop()
    finally:
        await remote.stop()


def _median(runs: list[TapRun], value: str) -> float:
    return statistics.median(float(getattr(r, value)) for r in runs)


def render(runs: list[TapRun], scenarios: list[Scenario], repeats: int) -> str:
    rows: list[list[str]] = []
    for scenario in scenarios:
        by_system = {
            system: group
            for system in SYSTEMS
            if (group := [r for r in runs if r.scenario == scenario.name and r.system == system])
        }
        cells: dict[str, dict[str, float]] = {}
        for system, group in by_system.items():
            cells[system] = {
                "rate": statistics.median(r.rate for r in group),
                "p50": statistics.median(r.percentile(0.50) for r in group) * 1000,
                "p90": statistics.median(r.percentile(0.90) for r in group) * 1000,
                "p99": statistics.median(r.percentile(0.99) for r in group) * 1000,
                "api": statistics.median(r.api_calls / r.taps if r.taps else 0 for r in group),
                "sql": statistics.median(r.statements / r.taps if r.taps else 0 for r in group),
                "lost": sum(r.unanswered for r in group),
            }
        for system in cells:
            c = cells[system]
            ratio = ""
            if system != "floor" and cells["floor"]["p99"]:
                floor = cells["floor"]
                ratio = f"{c['rate'] / floor['rate']:.2f}× rate, " + ", ".join(
                    f"{c[p] / floor[p]:.2f}× {p}" for p in ("p50", "p90", "p99") if floor[p]
                )
            rows.append(
                [
                    f"{scenario.name} ({scenario.users} users)" if system == "floor" else "",
                    SYSTEMS[system],
                    f"{c['rate']:.1f}",
                    f"{c['p50']:.0f}",
                    f"{c['p90']:.0f}",
                    f"{c['p99']:.0f}",
                    f"{c['api']:.2f}",
                    f"{c['sql']:.1f}",
                    str(int(c["lost"])),
                    ratio,
                ]
            )
    return table(
        f"4. Tap latency: update -> answerCallbackQuery, median of {repeats} run(s)",
        [
            "Scenario",
            "System",
            "Taps/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "API calls/tap",
            "SQL/tap",
            "Unanswered",
            "vs floor",
        ],
        rows,
    )
