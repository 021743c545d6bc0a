"""``python -m bench``: run the benchmarks and print plain-text tables.

.venv/bin/python -m bench            # the full run (about 30 minutes)
.venv/bin/python -m bench --quick    # a short run (under 2 minutes, also under load)
.venv/bin/python -m bench --only db  # one section (see SECTIONS), e.g. db or dbsize
.venv/bin/python -m bench faults     # the delivery guarantee under faults (bench/faults.py)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")  # as the tests do: RetryAfter as a timedelta

from bench import burst, dbcost, dbsize, dispatch, duequery, machine, startup, tapcost, taps
from bench.report import count, pairs
from bench.tapserver import Scenario

SECTIONS = ("startup", "dispatch", "db", "taps", "tapcost", "due", "burst", "dbsize")


@dataclass(frozen=True)
class Plan:
    startup_sizes: list[int]
    startup_repeats: int
    startup_warm_up: bool
    dispatch_runs: list[tuple[int, str]]
    db_sizes: list[int]
    tap_scenarios: list[Scenario]
    tap_repeats: int
    tap_systems: list[str]
    due_sizes: list[int]
    burst_sizes: list[int]
    dbsize_usage: dbsize.Usage


def tap_scenarios(seconds: float, warmup: float = 2.0, crowd: int = 200) -> list[Scenario]:
    """The three tap scenarios; `crowd` users in the storm and the closed loop (the quick
    run uses fewer: most of a run's time is setting its users up, not measuring)."""
    return [
        Scenario("storm", users=crowd, think=(1.0, 3.0), seconds=seconds, warmup=warmup),
        Scenario("closed loop", users=crowd, think=(0.0, 0.0), seconds=seconds, warmup=warmup),
        # Each user taps every 1.5-3 s (about 9 taps/s): three times the window, so its
        # p99 rests on ~400 taps rather than being the second-slowest of ~135.
        Scenario(
            "ordinary",
            users=20,
            think=(1.5, 3.0),
            seconds=max(3 * seconds, 3.0),
            warmup=max(warmup, 1.0),
        ),
    ]


FULL = Plan(
    startup_sizes=[0, 1_000, 10_000, 50_000],
    startup_repeats=3,
    startup_warm_up=True,
    dispatch_runs=[(2_000, "priority"), (2_000, "ptb-bucket"), (10_000, "none")],
    db_sizes=[10_000],
    tap_scenarios=tap_scenarios(15.0),
    tap_repeats=3,
    tap_systems=["floor", "serial", "bot"],
    due_sizes=[100_000, 1_000_000],
    burst_sizes=[burst.TARGET],  # measured, not extrapolated: about 6 minutes
    dbsize_usage=dbsize.Usage(users=20_000, days=30),  # sizes, not times: 3-10 minutes
)
# The quick run: every section at a small size, under 2 minutes on a shared machine (with
# the sizes before, 123 s at load average 2.5-3.8: taps 51 s, dbsize 21 s, dispatch 20 s,
# start-up 12 s, burst 10 s; most of it is starting fresh interpreters and setting users
# up, which load slows down). Indications only; the full run is the measure.
QUICK = Plan(
    startup_sizes=[0, 5_000],
    startup_repeats=1,
    startup_warm_up=False,  # each start-up run is a fresh interpreter: 4-9 s under load
    # Short runs: the first second's 30 messages inflate the limiters' sustained rates.
    dispatch_runs=[(100, "priority"), (100, "ptb-bucket"), (300, "none")],
    db_sizes=[500],
    # 50 users: under load a run's end waits for the crowd's taps still queued (about
    # users / taps per second: 15 s with 100 users at load average 7).
    tap_scenarios=tap_scenarios(2.0, warmup=0.5, crowd=50),
    tap_repeats=1,
    tap_systems=["floor", "bot"],
    due_sizes=[20_000],
    burst_sizes=[100],  # 10,000 extrapolated from 100
    dbsize_usage=dbsize.Usage(users=500, days=30),
)


def emit(text: str) -> None:
    print(text, end="\n\n", flush=True)


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def took(began: float) -> None:
    progress(f"  ({time.perf_counter() - began:.0f} s)")


async def run(plan: Plan, sections: set[str], workdir: Path, quick: bool) -> None:
    header = [
        *machine.describe(),
        ("Run", "quick (--quick)" if quick else "full"),
        ("Sections", ", ".join(s for s in SECTIONS if s in sections)),
    ]
    emit(pairs("Machine", header))
    if "startup" in sections:
        began = time.perf_counter()
        sizes = ", ".join(count(n) for n in plan.startup_sizes)
        progress(f"[1/6] start-up with {sizes} users ...")
        results = await startup.measure(
            plan.startup_sizes, plan.startup_repeats, workdir, warm_up=plan.startup_warm_up
        )
        emit(startup.render(results, plan.startup_repeats))
        took(began)
    if "dispatch" in sections:
        began = time.perf_counter()
        runs = ", ".join(f"{count(n)} ({limiter})" for n, limiter in plan.dispatch_runs)
        progress(f"[2/6] dispatch throughput: {runs} due users ...")
        emit(dispatch.render(await dispatch.measure(plan.dispatch_runs, workdir)))
        took(began)
    if "db" in sections:
        began = time.perf_counter()
        sizes = ", ".join(count(n) for n in plan.db_sizes)
        progress(f"[3/6] database side with {sizes} due users ...")
        emit(dbcost.render(await dbcost.measure(plan.db_sizes, workdir)))
        took(began)
    if "taps" in sections:
        began = time.perf_counter()
        progress("[4/6] tap latency: storm, closed loop, ordinary, beside a bare-PTB floor ...")
        measured = await taps.measure(
            plan.tap_scenarios, plan.tap_repeats, workdir, plan.tap_systems
        )
        emit(taps.render(measured, plan.tap_scenarios, plan.tap_repeats))
        took(began)
    if "tapcost" in sections:
        began = time.perf_counter()
        progress("[4b] what one tap costs: calls, waves, SQL (counted) ...")
        emit(tapcost.render(await tapcost.measure(workdir)))
        took(began)
    if "due" in sections:
        began = time.perf_counter()
        sizes = ", ".join(count(n) for n in plan.due_sizes)
        progress(f"[5/6] due-reminder query with {sizes} users ...")
        emit(duequery.render(await duequery.measure(plan.due_sizes, workdir)))
        took(began)
    if "burst" in sections:
        began = time.perf_counter()
        sizes = ", ".join(count(n) for n in plan.burst_sizes)
        progress(f"[6/6] burst: {sizes} reminders due at one instant, poll + wake ...")
        emit(burst.render(await burst.measure(plan.burst_sizes, workdir)))
        took(began)
    if "dbsize" in sections:
        began = time.perf_counter()
        usage = plan.dbsize_usage
        progress(f"[7] database size with history: {usage.describe()} ...")
        emit(dbsize.render(await dbsize.measure(usage, workdir), usage))
        took(began)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["faults"]:
        from bench import faults

        faults.main(argv[1:])
        return
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks of the real bot stack (see bench/README.md).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for a run under 2 minutes"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); default: all",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    plan = QUICK if args.quick else FULL
    sections = set(args.only or SECTIONS)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stretchbot-bench-") as workdir:
        asyncio.run(run(plan, sections, Path(workdir), args.quick))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Total benchmark time: {time.perf_counter() - began:.0f} s; "
        f"load average at the end: {load} (other work on the machine skews the numbers)",
        flush=True,
    )


if __name__ == "__main__":
    main()
