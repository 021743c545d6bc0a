"""One start-up measurement in a fresh process: ``python -m bench.startup_probe DATABASE_URL``.

Runs in its own interpreter so that memory left over by earlier measurements can't hide or
inflate this one. Everything `stretchbot run` imports is imported before the baseline is
taken; then the real bot is started (bench/stack.py, the tests' harness order) against a
loopback Bot API server, with each phase timed. Prints one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bench.instrument import SqlCounter, memory_kib
from bench.seed import START
from bench.stack import RunningBot
from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness.bot import make_settings


async def probe(database_url: str) -> dict[str, Any]:
    server = LoopbackBotAPI()
    await server.start()
    bot = RunningBot(server, make_settings(server, database_url), ManualClock(START))
    try:
        gc.collect()
        rss_before, peak_before = memory_kib()
        with SqlCounter() as sql:
            times = await bot.start()
        rss_after, peak_after = memory_kib()
        api_calls = len(server.calls)
        # The bot is really up: a dispatch pass at a quiet instant finds nothing due.
        report = await bot.dispatch()
        return {
            "total_s": times.total,
            "build_s": times.build,
            "initialize_s": times.initialize,
            "post_init_s": times.post_init,
            "polling_s": times.polling,
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "peak_before_kib": peak_before,
            "peak_after_kib": peak_after,
            "sql_statements": sql.statements,
            "api_calls": api_calls,
            "due_at_start": report.created,
        }
    finally:
        await bot.stop()
        await server.stop()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m bench.startup_probe DATABASE_URL")
    print(json.dumps(asyncio.run(probe(sys.argv[1]))))


if __name__ == "__main__":
    main()
