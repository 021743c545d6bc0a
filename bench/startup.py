"""Table 1: start-up time and memory against the number of subscribed users."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import count, table
from bench.seed import SeededDatabase, create_database

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StartupResult:
    database: SeededDatabase
    seed_s: float
    probes: list[dict[str, Any]]

    def median(self, key: str) -> float:
        return float(statistics.median(float(p[key]) for p in self.probes))

    def spread(self, key: str) -> tuple[float, float]:
        values = [float(p[key]) for p in self.probes]
        return min(values), max(values)


async def run_probe(database_url: str) -> dict[str, Any]:
    """Start the bot once in a fresh interpreter (bench/startup_probe.py)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.startup_probe",
        database_url,
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"start-up probe failed ({process.returncode}):\n{err.decode()}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def measure(
    sizes: list[int], repeats: int, workdir: Path, *, warm_up: bool = True
) -> list[StartupResult]:
    """Start-up at each size, `repeats` times round-robin; `warm_up`: one discarded run
    first (the quick run skips it: each run is a fresh interpreter, seconds on a busy
    machine)."""
    loop = asyncio.get_running_loop()
    databases: list[tuple[SeededDatabase, float]] = []
    for n in sizes:
        began = loop.time()
        database = await create_database(workdir / f"startup-{n}.sqlite3", n, all_due=False)
        databases.append((database, loop.time() - began))
        print(f"  seeded {n:,} users in {loop.time() - began:.1f} s", file=sys.stderr)
    # One discarded run warms the OS file cache (the interpreter, the packages, content/).
    if warm_up:
        await run_probe(databases[0][0].url)
    probes: dict[int, list[dict[str, Any]]] = {db.users: [] for db, _ in databases}
    # Round-robin, so a slow drift of the machine spreads over every N alike.
    for _ in range(repeats):
        for database, _seed_s in databases:
            probes[database.users].append(await run_probe(database.url))
    return [StartupResult(db, seed_s, probes[db.users]) for db, seed_s in databases]


def render(results: list[StartupResult], repeats: int) -> str:
    rows: list[list[str]] = []
    for r in results:
        low, high = r.spread("total_s")
        growth = [(float(p["rss_after_kib"]) - float(p["rss_before_kib"])) / 1024 for p in r.probes]
        peak_growth = [
            (float(p["peak_after_kib"]) - float(p["peak_before_kib"])) / 1024 for p in r.probes
        ]
        rows.append(
            [
                count(r.database.users),
                f"{r.database.size_mib:.1f}",
                f"{r.median('total_s') * 1000:.0f}",
                f"{low * 1000:.0f}-{high * 1000:.0f}",
                f"{r.median('post_init_s') * 1000:.0f}",
                f"{statistics.median(growth):.1f}",
                f"{statistics.median(peak_growth):.1f}",
                f"{r.median('rss_after_kib') / 1024:.0f}",
                f"{r.median('sql_statements'):.0f}",
                f"{r.median('api_calls'):.0f}",
            ]
        )
    return table(
        f"1. Start-up vs subscribed users (fresh process per run, median of {repeats})",
        [
            "Users",
            "DB MiB",
            "Start-up ms",
            "min-max ms",
            "post_init ms",
            "RSS +MiB",
            "Peak +MiB",
            "RSS MiB",
            "SQL stmts",
            "API calls",
        ],
        rows,
    )
