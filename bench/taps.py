"""Table 4: tap latency. Many users walking routines at once, beside a bare-PTB floor.

Each simulated user looks at the latest bot message with buttons in its chat and taps as a
person would (Done on a step, "No thanks" on the pain-log question, the first routine in the
picker, "About right" on a finished routine's "How was it?"; `/stretch` once a routine has
ended), waits until the bot has answered that tap
(the `answerCallbackQuery` and a changed chat), then thinks for a while and taps again.

- storm: 200 users thinking 1-3 s (about 100 taps/s offered), the 8 a.m. case;
- closed: 200 users tapping as soon as the bot has answered;
- ordinary: 20 users thinking 1.5-3 s (about 9 taps/s).

*Taps/s offered* counts the taps the crowd made in the measured window, *served* the
answers that reached the API in it. The floor's routine never ends, so its users only tap;
the bot's routines end (after a pain check-in), and its users then type `/stretch`
(*Typed/s*, a message, not a tap), so at the same think time they offer fewer taps.

Latency is from the moment the tap's update is available to `getUpdates` to the moment its
`answerCallbackQuery` reaches the loopback server. The floor is a bare PTB `Application`
(no database, no rate limiter, PTB's default one-update-at-a-time processing) whose one
handler makes the calls a step tap makes: answer, edit the tapped step's caption, send the
next step's clip (sendAnimation) by file_id, as the bot does. Both run against the same
loopback server in the same run.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from dataclasses import asdict, replace
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
from bench.instrument import SqlCounter
from bench.report import table
from bench.seed import START, create_database, user_ids
from bench.tapserver import Scenario, TapRun
from bot import lifecycle
from bot.clock import ManualClock
from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]


SYSTEMS = {
    "floor": "bare PTB floor",
    "serial": "stretchbot, PTB defaults",  # one update at a time, the 5 + 25/s bucket
    "bot": "stretchbot",
}


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
        await asyncio.gather(
            *(
                app.bot.send_animation(
                    chat_id,
                    self.file_id,
                    caption="Step 1: hold 30 s",
                    reply_markup=_floor_keyboard(1),
                )
                for chat_id in chat_ids[1:]
            )
        )
        lifecycle.freeze_heap()  # as the bot does after start-up: the floor's tail is GC-free too

    async def stop(self) -> None:
        if self.app is not None:
            await lifecycle.stop(self.app)


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
            # A result line carries every tap's latency: a fast machine's closed loop
            # (300 taps/s for 15 s) is well over asyncio's 64 KiB line limit.
            limit=64 * 1024 * 1024,
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
        sql = SqlCounter(kinds=False)  # a count costs the bot next to nothing
        statements = 0
        cpu_from = cpu = 0.0
        while True:
            message = await self._read(self.process)
            if message.get("mark") == "measuring":
                sql.__enter__()
                cpu_from = time.process_time()
            elif message.get("mark") == "window-end":
                cpu = time.process_time() - cpu_from
                sql.__exit__(None, None, None)
                statements = sql.statements
            elif "result" in message:
                run = TapRun(**message["result"])
                run.system = system
                run.statements = statements
                run.cpu_seconds = cpu
                return run

    async def stop(self) -> None:
        """Ends the process at once (nothing in it needs a graceful stop)."""
        if self.process.returncode is None:
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
        path = workdir / f"taps-{scenario.name}-{system}-{repeat}.sqlite3"
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
                "offered": statistics.median(
                    r.offered / r.seconds if r.seconds else 0.0 for r in group
                ),
                "typed": statistics.median(
                    r.typed / r.seconds if r.seconds else 0.0 for r in group
                ),
                "p50": statistics.median(r.percentile(0.50) for r in group) * 1000,
                "p90": statistics.median(r.percentile(0.90) for r in group) * 1000,
                "p99": statistics.median(r.percentile(0.99) for r in group) * 1000,
                "api": statistics.median(r.api_calls / r.taps if r.taps else 0 for r in group),
                "sql": statistics.median(r.statements / r.taps if r.taps else 0 for r in group),
                "cpu": statistics.median(
                    r.cpu_seconds * 1000 / r.taps if r.taps else 0 for r in group
                ),
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
                    f"{c['offered']:.1f}",
                    f"{c['rate']:.1f}",
                    f"{c['typed']:.1f}",
                    f"{c['p50']:.0f}",
                    f"{c['p90']:.0f}",
                    f"{c['p99']:.0f}",
                    f"{c['api']:.2f}",
                    f"{c['sql']:.1f}",
                    f"{c['cpu']:.2f}",
                    str(int(c["lost"])),
                    ratio,
                ]
            )
    return table(
        f"4. Tap latency: update -> answerCallbackQuery, median of {repeats} run(s)",
        [
            "Scenario",
            "System",
            "Taps/s offered",
            "Taps/s served",
            "Typed/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "API calls/tap",
            "SQL/tap",
            "CPU ms/tap",
            "Unanswered",
            "vs floor",
        ],
        rows,
    )


def _describe(run: TapRun) -> str:
    taps = run.taps or 1
    methods = ", ".join(
        f"{method} {n / taps:.2f}" for method, n in sorted(run.methods.items(), key=lambda m: -m[1])
    )
    return (
        f"{run.scenario} on the {run.system}: {run.offered / (run.seconds or 1):.1f} taps/s "
        f"offered, {run.rate:.1f} served, {run.typed / (run.seconds or 1):.1f} typed/s, "
        f"p50 {run.percentile(0.5) * 1000:.0f} ms, p99 {run.percentile(0.99) * 1000:.0f} ms, "
        f"CPU {run.cpu_seconds * 1000 / taps:.2f} ms/tap, SQL {run.statements / taps:.2f}/tap, "
        f"API {run.api_calls / taps:.2f}/tap ({methods}), unanswered {run.unanswered}\n"
        + "".join(
            f"  {label!r}: {int(n)} taps, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {most * 1000:.0f} ms\n"
            for label, (n, p50, p99, most) in sorted(
                run.by_label.items(), key=lambda item: -item[1][2]
            )
        )
    )


async def _main(argv: list[str]) -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(
        prog="python -m bench.taps",
        description="One tap scenario, briefly: rate, latency, CPU, SQL and calls per tap "
        "(by method). For profiling a change; table 4 is `python -m bench --only taps`.",
    )
    parser.add_argument("--scenario", choices=["storm", "closed loop", "ordinary"], default="storm")
    parser.add_argument("--system", choices=list(SYSTEMS), action="append")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--taps", type=int, default=0, help="each user taps exactly this many times (same work)"
    )
    parser.add_argument("--users", type=int, default=0, help="instead of the scenario's")
    args = parser.parse_args(argv)
    from bench.__main__ import tap_scenarios

    scenario = next(s for s in tap_scenarios(args.seconds, args.warmup) if s.name == args.scenario)
    scenario = replace(scenario, taps_per_user=args.taps, users=args.users or scenario.users)
    with tempfile.TemporaryDirectory(prefix="stretchbot-taps-") as workdir:
        for system in args.system or ["bot"]:
            run = await _measure_one(scenario, system, scenario.users, Path(workdir), 0)
            print(_describe(run), flush=True)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1:]))
