"""Table 2: delivering N reminders due in the same minute through the real stack."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench import limiters
from bench.instrument import TimedCalls, max_in_window, per_second
from bench.report import count, table
from bench.seed import DUE, START, create_database, user_ids
from bench.stack import RunningBot
from bot.clock import ManualClock
from bot.db.models import Delivery
from loopback import LoopbackBotAPI
from tests.harness.bot import make_settings

SEND_METHOD = "sendMessage"
TELEGRAM_LIMIT_PER_S = 30


@dataclass
class DispatchResult:
    users: int
    limiter: str = "priority"
    floor_rate: float = 0.0  # bare PTB send loop, same server, same run (no limiter only)
    too_many: int = 0  # 429 answers at the API
    seed_s: float = 0.0
    pass_seconds: list[float] = field(default_factory=list)
    pass_sent: list[int] = field(default_factory=list)
    wall_s: float = 0.0
    first_send_after_s: float = 0.0
    max_per_s: int = 0
    sustained: float = 0.0  # first to last message at the API
    seconds: list[int] = field(default_factory=list)
    calls: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: bool = False
    statuses: Counter[str] = field(default_factory=Counter)
    # Process CPU per message (every thread, the in-process loopback server's included).
    cpu_ms: float = 0.0
    floor_cpu_ms: float = 0.0

    @property
    def sent(self) -> int:
        return sum(self.pass_sent)

    @property
    def rate(self) -> float:
        return self.sent / self.wall_s if self.wall_s else 0.0


async def measure_one(n: int, workdir: Path, limiter: str = "priority") -> DispatchResult:
    result = DispatchResult(users=n, limiter=limiter)
    began = time.perf_counter()
    database = await create_database(workdir / f"dispatch-{n}-{limiter}.sqlite3", n, all_due=True)
    result.seed_s = time.perf_counter() - began
    print(f"  seeded {n:,} due users in {result.seed_s:.1f} s; sending...", file=sys.stderr)

    server = LoopbackBotAPI()
    calls = TimedCalls()
    server.calls = calls
    for user_id in user_ids(n):
        server.add_user(first_name="Bench", user_id=user_id)
    await server.start()
    clock = ManualClock(START)
    harness = RunningBot(
        server, make_settings(server, database.url), clock, rate_limiter=limiters.make(limiter)
    )
    try:
        await harness.start()
        clock.set(DUE + timedelta(seconds=30))  # the dispatcher's tick in the due minute
        since = len(server.calls)
        started = time.perf_counter()
        cpu_started = time.process_time()
        # Pass after pass, as the periodic job would, until every reminder is out.
        while result.sent < n:
            pass_began = time.perf_counter()
            report = await harness.dispatch()
            result.pass_seconds.append(time.perf_counter() - pass_began)
            result.pass_sent.append(report.sent)
            result.failed += report.failed
            result.retried += report.retried
            result.rate_limited |= report.rate_limited
            if report.sent == 0:
                raise RuntimeError(f"a dispatch pass sent nothing with {n - result.sent} left")
        result.wall_s = time.perf_counter() - started
        result.cpu_ms = (time.process_time() - cpu_started) * 1000 / n
        arrivals = calls.arrivals(SEND_METHOD, since)
        result.calls = len(arrivals)
        if arrivals:
            result.first_send_after_s = arrivals[0] - started
            result.max_per_s = max_in_window(arrivals)
            if len(arrivals) > 1:
                result.sustained = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
            result.seconds = per_second(arrivals)
        sends = server.calls_to(SEND_METHOD)
        result.too_many = sum(1 for call in sends if call.status == 429)
        delivered = [call for call in sends if call.ok]
        if len(delivered) != n or len({c.chat_id for c in delivered}) != n:
            raise AssertionError("every user should have got exactly one reminder")
        async with harness.services.sessions() as session:
            rows = await session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            )
            result.statuses = Counter({str(status): int(k) for status, k in rows.tuples()})
        if limiter == "none":
            cpu_started = time.process_time()
            result.floor_rate = await limiters.bare_send_rate(server, list(user_ids(n)))
            result.floor_cpu_ms = (time.process_time() - cpu_started) * 1000 / n
    finally:
        await harness.stop()
        await server.stop()
    return result


async def measure(runs: list[tuple[int, str]], workdir: Path) -> list[DispatchResult]:
    """(due users, limiter) pairs, one after the other."""
    return [await measure_one(n, workdir, limiter) for n, limiter in runs]


BURST = 10_000


def render(results: list[DispatchResult]) -> str:
    rows: list[list[str]] = []
    for r in results:
        limited = r.limiter != "none"
        if limited:
            floor = f"cap {TELEGRAM_LIMIT_PER_S}"
            ratio = f"{r.sustained / TELEGRAM_LIMIT_PER_S:.0%}"
            burst = BURST / r.sustained if r.sustained else 0.0
            ideal = BURST / TELEGRAM_LIMIT_PER_S
            burst_cell = f"{burst:.0f} s ({burst / ideal - 1:+.1%})"
        else:
            floor = f"{r.floor_rate:.1f}"
            ratio = f"{r.sustained / r.floor_rate:.0%}" if r.floor_rate else "-"
            burst_cell = "-"
        cpu = f"{r.cpu_ms:.2f}" + (f" vs {r.floor_cpu_ms:.2f}" if r.floor_cpu_ms else "")
        rows.append(
            [
                r.limiter,
                count(r.users),
                str(len(r.pass_sent)),
                count(r.sent),
                f"{r.wall_s:.1f}",
                f"{r.rate:.1f}",
                f"{r.sustained:.1f}",
                floor,
                ratio,
                f"{r.first_send_after_s:.2f}",
                str(r.max_per_s),
                f"{sum(1 for k in r.seconds if k > TELEGRAM_LIMIT_PER_S)} of {len(r.seconds)}",
                str(r.too_many),
                f"{r.failed}/{r.retried}",
                cpu,
                burst_cell,
            ]
        )
    return table(
        "2. Dispatcher throughput: N reminders due in the same minute, real bot + loopback API",
        [
            "Limiter",
            "Due users",
            "Passes",
            "Sent",
            "Wall s",
            "msg/s",
            "Sustained",
            "Floor msg/s",
            "Ratio",
            "1st msg s",
            "Max in any 1 s",
            f"Clock s over {TELEGRAM_LIMIT_PER_S}",
            "429s",
            "Fail/retry",
            "CPU ms/msg (vs floor)",
            f"{count(BURST)} due would take (vs {BURST // TELEGRAM_LIMIT_PER_S} s ideal)",
        ],
        rows,
    )
