"""Table 6: the 8 a.m. burst. N reminders due at the same instant, the bot left to itself.

Unlike table 2 (which calls the dispatcher pass after pass at a set clock), this runs the
bot as in production: the periodic poll (`DISPATCH_INTERVAL_SECONDS`, 20 s) and the wake
at the next due instant (`DISPATCH_WAKE`), the `PriorityRateLimiter`, real HTTP to the
loopback Bot API. Its clock is the system clock shifted so that the seeded due instant
comes a few seconds after the bot has started; it runs at real speed (the rate limit is
real time, so a faster clock would change nothing but the reminders' own wording).

Measured: from the due instant to the first `sendMessage` reaching the API, and to the
last one; the sustained rate between them; the most in any 1-s window. The goal for
10,000 due is 10,000 / 30 = 333 s (within 3%) with the first one at most 2 s late. A run
with fewer users says how long 10,000 would take by extrapolation (first message + 10,000
at the measured sustained rate); a run of 10,000 is measured, and says so.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.instrument import TimedCalls, max_in_window
from bench.report import count, table
from bench.seed import DUE, create_database, user_ids
from bench.stack import RunningBot
from loopback import LoopbackBotAPI
from tests.harness.bot import make_settings

TARGET = 10_000  # the burst
TELEGRAM_LIMIT_PER_S = 30
LEAD_S = 4.0  # the due instant comes this long after the bot was asked to start


class ShiftedClock:
    """The system clock moved by a fixed offset: real speed, another date."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class BurstResult:
    users: int
    sent: int = 0
    first_after_s: float = 0.0  # due instant -> first sendMessage at the API
    last_after_s: float = 0.0  # due instant -> last sendMessage at the API
    sustained: float = 0.0  # messages/s from the first to the last
    max_per_s: int = 0
    duplicates: int = 0
    missing: int = 0

    @property
    def measured(self) -> bool:
        return self.users >= TARGET

    @property
    def target_s(self) -> float:
        """Due instant to the last of 10,000: measured, or extrapolated from this run."""
        if self.measured:
            return self.last_after_s
        if not self.sustained:
            return 0.0
        return self.first_after_s + (TARGET - 1) / self.sustained


async def measure_one(n: int, workdir: Path) -> BurstResult:
    database = await create_database(workdir / f"burst-{n}.sqlite3", n, all_due=True)
    server = LoopbackBotAPI()
    calls = TimedCalls()
    server.calls = calls
    ids = list(user_ids(n))
    for user_id in ids:
        server.add_user(first_name="Bench", user_id=user_id)
    await server.start()
    due_at = time.perf_counter() + LEAD_S  # the moment the bot's clock reads DUE
    clock = ShiftedClock(DUE - (datetime.now(UTC) + timedelta(seconds=LEAD_S)))
    settings = make_settings(
        server,
        database.url,
        dispatch_interval_seconds=20.0,  # the production defaults
        dispatch_wake=True,
        timer_tick_seconds=1.0,
    )
    bot = RunningBot(server, settings, clock)
    result = BurstResult(users=n)
    try:
        await bot.start()
        patience = LEAD_S + n / 20 + 60  # well beyond 30/s, then give up
        while time.perf_counter() - due_at < patience:
            delivered = sum(1 for c in server.calls_to("sendMessage") if c.ok)
            if delivered >= n:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # anything sent twice would show up now
    finally:
        await bot.stop()
        await server.stop()
    arrivals = calls.arrivals("sendMessage")
    delivered_to = [c.chat_id for c in server.calls_to("sendMessage") if c.ok]
    result.sent = len(delivered_to)
    result.duplicates = len(delivered_to) - len(set(delivered_to))
    result.missing = len(set(ids) - set(delivered_to))
    if arrivals:
        result.first_after_s = arrivals[0] - due_at
        result.last_after_s = arrivals[-1] - due_at
        result.max_per_s = max_in_window(arrivals)
        if len(arrivals) > 1:
            result.sustained = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    return result


async def measure(sizes: list[int], workdir: Path) -> list[BurstResult]:
    results = []
    for n in sizes:
        print(f"  {n:,} due at one instant ...", file=sys.stderr, flush=True)
        results.append(await measure_one(n, workdir))
    return results


def render(results: list[BurstResult]) -> str:
    ideal = TARGET / TELEGRAM_LIMIT_PER_S
    rows = []
    for r in results:
        how = "measured" if r.measured else f"extrapolated from {count(r.users)}"
        rows.append(
            [
                count(r.users),
                f"{r.sent:,} ({r.duplicates} twice, {r.missing} missing)",
                f"{r.first_after_s:.2f}",
                f"{r.last_after_s:.1f}",
                f"{r.sustained:.1f}",
                str(r.max_per_s),
                f"{r.target_s:.0f} s, {how}",
                f"{r.target_s / ideal - 1:+.1%}" if r.target_s else "-",
            ]
        )
    return table(
        f"6. Burst: N reminders due at one instant, the bot on its own (poll + wake), "
        f"{count(TARGET)} ideally in {ideal:.0f} s",
        [
            "Due users",
            "Sent",
            "1st after due s",
            "Last after due s",
            "Sustained msg/s",
            "Max in any 1 s",
            f"{count(TARGET)} due: last after",
            f"vs ideal {ideal:.0f} s",
        ],
        rows,
    )


async def main() -> None:
    import tempfile

    sizes = [int(a) for a in sys.argv[1:]] or [300]
    with tempfile.TemporaryDirectory() as workdir:
        print(render(await measure(sizes, Path(workdir))))


if __name__ == "__main__":
    asyncio.run(main())
