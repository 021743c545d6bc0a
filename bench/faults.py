"""``python -m bench faults``: the at-most-once delivery guarantee under faults.

Every scenario runs real ``stretchbot run`` processes (``python -m bot run``; for several
processes at once, dispatch-only ones, ``bench/dispatch_only.py``) against an
in-process loopback Bot API server and a real database, with users whose reminders are all
due now (the processes use the system clock). What users received is counted at the
loopback server (messages stored in each chat, including calls the bot gave up on), what
the bot recorded is read from the ``deliveries`` table:

* duplicates: users who got two or more copies (the guarantee: always 0);
* lost: users who got none. Only sends in flight can be lost (their outcome is unknown and
  they are never re-sent), so lost ≤ kills × ``IN_FLIGHT`` for crashes;
* uncertain: rows recorded "uncertain" (lost ones plus those that did arrive).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench import machine
from bench.instrument import TimedCalls, max_in_window
from bench.report import count, pairs, table
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import ALL_WEEKDAYS_MASK, Delivery, User
from bot.reminders import IN_FLIGHT
from loopback import LoopbackBotAPI
from tests.harness.postgres import TemporaryPostgres

FIRST_USER_ID = 300_000_001
LATE_MARK = "Sorry this comes late"
OPEN_STATUSES = ("pending", "claimed", "sending")
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    kill_users: int
    kills: int
    pg_users: int
    pg_processes: int
    net_users: int
    outage_users: int
    sqlite_lock_s: float
    pg_stop_s: float
    # The dispatchers on PostgreSQL: sendMessage slowed by this much, and a claim lease
    # shorter than the dispatch, so rows are taken over while their holder still sends.
    pg_send_delay_s: float = 0.25
    pg_lease_s: float = 5.0
    # BROADCAST_PER_SECOND of every process: together they must stay under it.
    pg_budget: int = 30
    # Graceful restarts (SIGTERM): users and stops (not in issue #9's list; kept smaller).
    term_users: int = 0  # 0: kill_users
    terms: int = 0  # 0: kills // 2


# The full run keeps within about 15 minutes on an idle 2-core machine: scenarios run one
# after another, each row printed as soon as it is measured (a cut-off run keeps the rows
# it printed). At Telegram's 30 messages/s the sends alone take 100 s (3,000 users), 167 s
# (5,000 on PostgreSQL, one budget for the three processes) and 20 s per 600; the kills cost
# a restart each (about 5 s) and the outages their length.


FULL = Plan(3_000, 22, 5_000, 3, 600, 600, 10.0, 20.0, term_users=1_000, terms=5)
QUICK = Plan(300, 3, 500, 3, 150, 200, 6.0, 8.0)


@dataclass
class Result:
    scenario: str
    users: int
    processes: str
    faults: str
    received: Counter[int] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    apologies: int = 0
    wall_s: float = 0.0
    max_per_s: int = 0
    lost_bound: int | None = None
    worst_kill_lost: int | None = None
    log_lines: int = 0
    tracebacks: int = 0
    recovered: bool = True
    budget: int | None = None  # the most messages allowed in any second at the API

    @property
    def duplicates(self) -> int:
        return sum(1 for n in self.received.values() if n > 1)

    @property
    def extra_messages(self) -> int:
        return sum(n - 1 for n in self.received.values() if n > 1)

    @property
    def lost(self) -> int:
        return self.users - len([n for n in self.received.values() if n > 0])


def user_ids(n: int) -> range:
    return range(FIRST_USER_ID, FIRST_USER_ID + n)


async def seed_due_now(url: str, n: int, *, now: datetime | None = None) -> None:
    """A migrated database with n subscribed users whose reminder was due a minute before
    `now` (default: the wall clock's now; a test with its own clock passes its instant)."""
    await upgrade(url)
    now = now or datetime.now(UTC)
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        rows: list[dict[str, Any]] = [
            {
                "id": uid,
                "chat_id": uid,
                "created_at": now - timedelta(days=30),
                "reminder_time": due.time(),
                "time_zone": "UTC",
                "weekdays_mask": ALL_WEEKDAYS_MASK,
                "subscribed": True,
                "onboarded": True,
                "paused_indefinitely": False,
                "next_due_at": due,
                "next_due_date": due.date(),
                "weekly_summary": False,
            }
            for uid in user_ids(n)
        ]
        for start in range(0, n, 2_000):
            async with sessions() as session, session.begin():
                await session.execute(insert(User), rows[start : start + 2_000])
    finally:
        await engine.dispose()


class BotProcess:
    """One `stretchbot run` process with its own log file."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self, grace_s: float = 30.0) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace_s)
            except TimeoutError:
                await self.kill()


class Fleet:
    """A loopback server, a database and the bot processes running on them."""

    def __init__(
        self,
        server: LoopbackBotAPI,
        url: str,
        workdir: Path,
        users: int,
        *,
        command: tuple[str, ...] = ("-m", "bot", "run"),
        **env: str,
    ) -> None:
        self.command = command
        self.server = server
        self.url = url
        self.workdir = workdir
        self.users = users
        self.env = env
        self.processes: list[BotProcess] = []
        self._started = 0

    async def start(self) -> BotProcess:
        self._started += 1
        log = self.workdir / f"bot-{self._started}.log"
        env = {
            **os.environ,
            "BOT_TOKEN": self.server.token,
            "BOT_API_URL": self.server.base_url,
            "DATABASE_URL": self.url,
            "DISPATCH_INTERVAL_SECONDS": "1",
            "TIMER_TICK_SECONDS": "60",
            "LOG_LEVEL": "WARNING",
            "PTB_TIMEDELTA": "true",
            "PYTHONPATH": str(REPO),
            **self.env,
        }
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.command,
                cwd=self.workdir,
                env=env,
                stdout=out,
                stderr=out,
            )
        process = BotProcess(proc, log)
        self.processes.append(process)
        return process

    def sends(self) -> int:
        return len(self.server.calls_to("sendMessage"))

    async def wait_for_sends(self, more_than: int, limit_s: float = 120.0) -> None:
        deadline = time.monotonic() + limit_s
        while self.sends() <= more_than:
            if time.monotonic() > deadline:
                raise RuntimeError("the bot sent nothing: see the logs in " + str(self.workdir))
            await asyncio.sleep(0.05)

    async def open_rows(self) -> tuple[int, int]:
        """(rows still pending/claimed/sending, users still due without a row)."""
        engine = create_engine(self.url)
        try:
            async with create_session_factory(engine)() as session:
                open_rows = await session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.status.in_(OPEN_STATUSES))
                )
                rows = await session.scalar(select(func.count()).select_from(Delivery))
        finally:
            await engine.dispose()
        return int(open_rows or 0), self.users - int(rows or 0)

    async def wait_until_settled(self, limit_s: float = 900.0) -> bool:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            try:
                open_rows, unplanned = await self.open_rows()
            except Exception:  # the database may be away in a scenario
                open_rows, unplanned = 1, 1
            if open_rows == 0 and unplanned == 0:
                return True
            await asyncio.sleep(0.5)
        return False

    async def statuses(self) -> Counter[str]:
        engine = create_engine(self.url)
        try:
            async with create_session_factory(engine)() as session:
                rows = await session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)
                )
                return Counter({str(s): int(k) for s, k in rows})
        finally:
            await engine.dispose()

    async def lost_per_kill(self, kill_times: list[datetime], lost: set[int]) -> int:
        """The most lost users attributable to one kill (by when their row was claimed)."""
        engine = create_engine(self.url)
        try:
            async with create_session_factory(engine)() as session:
                claimed = await session.execute(
                    select(Delivery.user_id, Delivery.claimed_at).where(Delivery.user_id.in_(lost))
                )
                per_kill: Counter[int] = Counter()
                for _user, at in claimed:
                    index = next(
                        (i for i, k in enumerate(kill_times) if at is not None and at <= k),
                        len(kill_times),
                    )
                    per_kill[index] += 1
                return max(per_kill.values(), default=0)
        finally:
            await engine.dispose()

    async def stop_all(self) -> None:
        await asyncio.gather(*(p.terminate() for p in self.processes))

    def finish(self, result: Result) -> Result:
        for user_id in user_ids(self.users):
            messages = self.server.bot_messages(user_id)
            result.received[user_id] = len(messages)
            result.apologies += sum(LATE_MARK in (m.text or "") for m in messages)
        for process in self.processes:
            if process.log.exists():
                text = process.log.read_text(encoding="utf-8", errors="replace")
                result.log_lines += len(text.splitlines())
                result.tracebacks += text.count("Traceback (most recent call last)")
        return result


async def loopback(users: int) -> LoopbackBotAPI:
    server = LoopbackBotAPI()
    server.calls = TimedCalls()
    for user_id in user_ids(users):
        server.add_user(first_name="Bench", user_id=user_id)
    await server.start()
    return server


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def crash_restarts(plan: Plan, workdir: Path, rng: random.Random) -> Result:
    """SIGKILL of the one running process at random moments while it sends; restarted."""
    n = plan.kill_users
    url = sqlite_url(workdir / "kill.sqlite3")
    await seed_due_now(url, n)
    server = await loopback(n)
    fleet = Fleet(server, url, workdir / "kill", n, DELIVERY_LEASE_SECONDS="4")
    fleet.workdir.mkdir()
    result = Result(
        "SIGKILL at random moments, restarted (SQLite)",
        n,
        "1 at a time",
        f"{plan.kills} × SIGKILL",
    )
    kill_times: list[datetime] = []
    began = time.perf_counter()
    try:
        process = await fleet.start()
        for _ in range(plan.kills):
            await fleet.wait_for_sends(fleet.sends())  # it is sending again
            await asyncio.sleep(rng.uniform(0.0, 2.5))
            if (await fleet.open_rows()) == (0, 0):
                break
            kill_times.append(datetime.now(UTC))
            await process.kill()
            process = await fleet.start()
        result.recovered = await fleet.wait_until_settled()
        result.wall_s = time.perf_counter() - began
        await fleet.stop_all()
        fleet.finish(result)
        result.statuses = await fleet.statuses()
        lost = {u for u, k in result.received.items() if k == 0}
        result.worst_kill_lost = await fleet.lost_per_kill(kill_times, lost)
        result.lost_bound = len(kill_times) * IN_FLIGHT
        result.faults = f"{len(kill_times)} × SIGKILL"
    finally:
        await fleet.stop_all()
        await server.stop()
    return result


async def graceful_restarts(plan: Plan, workdir: Path, rng: random.Random) -> Result:
    """SIGTERM at random moments while sending, restarted: sends in flight finish and are
    recorded, claimed rows are handed back, so nothing is uncertain and nothing lost."""
    n = plan.term_users or plan.kill_users
    url = sqlite_url(workdir / "term.sqlite3")
    await seed_due_now(url, n)
    server = await loopback(n)
    fleet = Fleet(server, url, workdir / "term", n)  # the default 2-minute lease
    fleet.workdir.mkdir()
    stops = plan.terms or max(plan.kills // 2, 1)
    result = Result("SIGTERM at random moments, restarted (SQLite)", n, "1 at a time", "")
    stopped = 0
    stop_s: list[float] = []
    began = time.perf_counter()
    try:
        process = await fleet.start()
        for _ in range(stops):
            await fleet.wait_for_sends(fleet.sends())
            await asyncio.sleep(rng.uniform(0.0, 2.5))
            if (await fleet.open_rows()) == (0, 0):
                break
            asked = time.perf_counter()
            await process.terminate()
            stop_s.append(time.perf_counter() - asked)
            stopped += 1
            process = await fleet.start()
        result.recovered = await fleet.wait_until_settled(limit_s=300)
        result.wall_s = time.perf_counter() - began
        await fleet.stop_all()
        fleet.finish(result)
        result.statuses = await fleet.statuses()
        longest = max(stop_s, default=0.0)
        result.faults = f"{stopped} × SIGTERM (exit ≤ {longest:.1f} s)"
    finally:
        await fleet.stop_all()
        await server.stop()
    return result


async def processes_on_postgres(
    plan: Plan, workdir: Path, pg: TemporaryPostgres, name: str = "bench_many"
) -> Result:
    """Several processes dispatch at once; sendMessage is slowed so a dispatch outlasts the
    lease many times over."""
    n = plan.pg_users
    url = await pg.create_database(name)
    await seed_due_now(url, n)
    server = await loopback(n)
    if plan.pg_send_delay_s:
        server.delay_next("sendMessage", plan.pg_send_delay_s, times=10**9)
    # Dispatch-only processes: `stretchbot run` would elect one active process, and the
    # guarantee must hold however many dispatch.
    fleet = Fleet(
        server,
        url,
        workdir / "many",
        n,
        command=("-m", "bench.dispatch_only"),
        DELIVERY_LEASE_SECONDS=f"{plan.pg_lease_s:g}",
        BROADCAST_PER_SECOND=str(plan.pg_budget),
    )
    fleet.workdir.mkdir()
    result = Result(
        "Dispatchers at once on one PostgreSQL, slow sendMessage "
        f"({plan.pg_send_delay_s:g} s), lease {plan.pg_lease_s:g} s",
        n,
        str(plan.pg_processes),
        "dispatch ≫ lease",
    )
    result.budget = plan.pg_budget
    began = time.perf_counter()
    try:
        for _ in range(plan.pg_processes):
            await fleet.start()
        result.recovered = await fleet.wait_until_settled()
        result.wall_s = time.perf_counter() - began
        assert isinstance(server.calls, TimedCalls)
        result.max_per_s = max_in_window(server.calls.arrivals("sendMessage"))
        await fleet.stop_all()
        fleet.finish(result)
        result.statuses = await fleet.statuses()
    finally:
        await fleet.stop_all()
        await server.stop()
    return result


async def network_faults(plan: Plan, workdir: Path, rng: random.Random) -> Result:
    """Read timeouts (delivered late), drops after delivery, 500s and 429s for random users."""
    n = plan.net_users
    url = sqlite_url(workdir / "net.sqlite3")
    await seed_due_now(url, n)
    server = await loopback(n)
    chosen = rng.sample(list(user_ids(n)), 4 * max(n // 20, 1))
    quarter = len(chosen) // 4
    for user_id in chosen[:quarter]:
        server.delay_next("sendMessage", 2.5, chat_id=user_id)  # HTTP timeout is 1 s
    for user_id in chosen[quarter : 2 * quarter]:
        server.drop_after_next("sendMessage", chat_id=user_id)
    for user_id in chosen[2 * quarter : 3 * quarter]:
        server.fail_next("sendMessage", error_code=500, chat_id=user_id)
    for user_id in chosen[3 * quarter :]:
        server.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=user_id)
    fleet = Fleet(server, url, workdir / "net", n, HTTP_TIMEOUT_SECONDS="1")
    fleet.workdir.mkdir()
    result = Result(
        "Read timeouts, drops after delivery, 500s, 429 retry_after (SQLite)",
        n,
        "1",
        f"{quarter} of each",
    )
    began = time.perf_counter()
    try:
        await fleet.start()
        result.recovered = await fleet.wait_until_settled()
        result.wall_s = time.perf_counter() - began
        await asyncio.sleep(3)  # the slow calls complete at the loopback
        await fleet.stop_all()
        fleet.finish(result)
        result.statuses = await fleet.statuses()
    finally:
        await fleet.stop_all()
        await server.stop()
    return result


async def _outage(
    name: str,
    n: int,
    url: str,
    workdir: Path,
    fault: str,
    cause: Callable[[], Awaitable[None]],
) -> Result:
    server = await loopback(n)
    server.delay_next("sendMessage", 0.1, times=10**9)  # a dispatch long enough to interrupt
    fleet = Fleet(server, url, workdir, n)
    fleet.workdir.mkdir()
    result = Result(name, n, "1", fault)
    began = time.perf_counter()
    try:
        process = await fleet.start()
        await fleet.wait_for_sends(n // 5)
        await cause()
        result.recovered = await fleet.wait_until_settled() and process.proc.returncode is None
        result.wall_s = time.perf_counter() - began
        await fleet.stop_all()
        fleet.finish(result)
        result.statuses = await fleet.statuses()
    finally:
        await fleet.stop_all()
        await server.stop()
    return result


async def sqlite_locked(plan: Plan, workdir: Path) -> Result:
    """Another process holds SQLite's write lock mid-dispatch."""
    path = workdir / "locked.sqlite3"
    url = sqlite_url(path)
    await seed_due_now(url, plan.outage_users)
    seconds = plan.sqlite_lock_s

    async def hold_lock() -> None:
        code = (
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "time.sleep(float(sys.argv[2]))\n"
            "c.execute('ROLLBACK')\n"
        )
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, str(path), str(seconds)
        )
        await locker.wait()

    return await _outage(
        "SQLite write-locked by another process",
        plan.outage_users,
        url,
        workdir / "locked",
        f"{seconds:.0f} s lock",
        hold_lock,
    )


async def postgres_stopped(plan: Plan, workdir: Path, pg: TemporaryPostgres) -> Result:
    """The PostgreSQL server is stopped mid-dispatch and started again later."""
    url = await pg.create_database("bench_outage")
    await seed_due_now(url, plan.outage_users)
    seconds = plan.pg_stop_s

    async def stop_and_start() -> None:
        await asyncio.to_thread(pg.stop)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(pg.start_again)

    return await _outage(
        "PostgreSQL stopped mid-dispatch",
        plan.outage_users,
        url,
        workdir / "pgstop",
        f"{seconds:.0f} s down",
        stop_and_start,
    )


class _Progressive(list[Result]):
    """Results that are also reported one by one as they come (a long run keeps its rows)."""

    def __init__(self, progress: Callable[[str], None]) -> None:
        super().__init__()
        self._progress = progress

    def append(self, result: Result) -> None:
        super().append(result)
        self._progress(render([result]))


SCENARIOS = ("kill", "term", "postgres", "network", "sqlite-lock", "postgres-stop")


async def measure(
    plan: Plan, workdir: Path, only: set[str], progress: Callable[[str], None]
) -> list[Result]:
    rng = random.Random(9)
    results = _Progressive(progress)
    if "kill" in only:
        progress(f"  SIGKILL × {plan.kills} during {plan.kill_users:,} reminders ...")
        results.append(await crash_restarts(plan, workdir, rng))
    if "term" in only:
        progress(f"  SIGTERM during {plan.term_users or plan.kill_users:,} reminders ...")
        results.append(await graceful_restarts(plan, workdir, rng))
    if "network" in only:
        progress(f"  network faults among {plan.net_users:,} reminders ...")
        results.append(await network_faults(plan, workdir, rng))
    if "sqlite-lock" in only:
        progress(f"  SQLite locked for {plan.sqlite_lock_s:.0f} s ...")
        results.append(await sqlite_locked(plan, workdir))
    needs_pg = bool(only & {"postgres", "postgres-stop"})
    if needs_pg and not TemporaryPostgres.available():
        progress("  PostgreSQL binaries (initdb, pg_ctl) not found: PostgreSQL scenarios skipped")
    elif needs_pg:
        # Its own folder: the server may run as the `postgres` user, who can't enter workdir.
        pg = TemporaryPostgres(Path(tempfile.mkdtemp(prefix="stretchbot-faults-pg-")))
        await asyncio.to_thread(pg.start)
        try:
            if "postgres" in only:
                progress(f"  {plan.pg_processes} processes, {plan.pg_users:,} reminders ...")
                results.append(await processes_on_postgres(plan, workdir, pg))
            if "postgres-stop" in only:
                progress(f"  PostgreSQL stopped for {plan.pg_stop_s:.0f} s ...")
                results.append(await postgres_stopped(plan, workdir, pg))
        finally:
            await asyncio.to_thread(pg.stop)
            shutil.rmtree(pg.base, ignore_errors=True)
    return results


def render(results: list[Result]) -> str:
    rows = []
    for r in results:
        bound = "" if r.lost_bound is None else f" (≤ {r.lost_bound})"
        worst = "" if r.worst_kill_lost is None else f"{r.worst_kill_lost} (≤ {IN_FLIGHT})"
        rows.append(
            [
                r.scenario,
                count(r.users),
                r.processes,
                r.faults,
                count(sum(r.received.values())),
                str(r.duplicates),
                f"{r.lost}{bound}",
                worst,
                str(r.statuses.get("uncertain", 0)),
                str(r.apologies),
                (f"{r.max_per_s} (≤ {r.budget})" if r.budget else str(r.max_per_s))
                if r.max_per_s
                else "",
                f"{r.log_lines}/{r.tracebacks}",
                "yes" if r.recovered else "NO",
                f"{r.wall_s:.0f}",
            ]
        )
    return table(
        "Delivery guarantee under faults: real `stretchbot run` processes, loopback Bot API",
        [
            "Scenario",
            "Users",
            "Procs",
            "Faults",
            "Messages",
            "Duplicates",
            "Lost",
            "Worst kill",
            "Uncertain",
            "Sorry-late",
            "Max/1 s",
            "Log lines/tracebacks (0)",
            "Settled",
            "Wall s",
        ],
        rows,
    )


def check(results: list[Result]) -> list[str]:
    """What breaks the guarantee (the command exits 1 if anything does)."""
    problems = []
    for r in results:
        if r.duplicates:
            problems.append(f"{r.scenario}: {r.duplicates} users got duplicates")
        if not r.recovered:
            problems.append(f"{r.scenario}: did not settle by itself")
        if r.lost_bound is not None and r.lost > r.lost_bound:
            problems.append(f"{r.scenario}: lost {r.lost} > bound {r.lost_bound}")
        if r.lost_bound is None and r.lost > r.statuses.get("uncertain", 0):
            problems.append(f"{r.scenario}: lost {r.lost} not all recorded as uncertain")
        if r.tracebacks:
            problems.append(f"{r.scenario}: {r.tracebacks} tracebacks in the bot processes' logs")
        if r.budget is not None and r.max_per_s > r.budget:
            problems.append(f"{r.scenario}: {r.max_per_s} messages in one second > {r.budget}")
    return problems


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench faults",
        description="The at-most-once delivery guarantee under crashes, network and database "
        "faults, with real bot processes (see bench/faults.py).",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (about 2 minutes)")
    parser.add_argument(
        "--only", action="append", choices=SCENARIOS, help="one scenario (repeatable)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    print(pairs("Machine", [*machine.describe(), ("In flight per process", str(IN_FLIGHT))]))
    print()
    with tempfile.TemporaryDirectory(prefix="stretchbot-faults-") as workdir:
        results = asyncio.run(measure(plan, Path(workdir), set(args.only or SCENARIOS), progress))
    print(render(results))
    print()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Total time: {time.perf_counter() - began:.0f} s; load average at the end: {load}")
    problems = check(results)
    for problem in problems:
        print(f"FAILED: {problem}")
    if problems:
        sys.exit(1)
