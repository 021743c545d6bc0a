"""Table 6: database size per million users, with history, on SQLite and PostgreSQL.

Seeds `users` subscribed users (bench/seed.py's rows) and `days` days of use by a stated
rate: every user gets one daily reminder a day and one weekly summary a week (delivery rows
in their final "sent" state, claim token and message id included), does a routine on
`routine_share` of the days (a completed `routine_runs` row with the plan the bot stores,
`plan_json` of the routine's shipped steps, and one `run_steps` row per stretch) and logs
pain before and after it (two `pain_entries` rows tied to the run). Delivery rows are
pruned as the dispatcher prunes them (`DELIVERY_RETENTION_DAYS`, 14 by default,
`Usage.retention_days`; None keeps every row, as the bot did before it pruned): the table
is what stands right after the dispatcher's pass at the end of the history, when finished
rows whose last attempt is more than the retention old are gone
(`bot.db.deliveries.prune_finished`; tests/test_bench_dbsize.py checks the two agree). So
deliveries show their steady state, which doesn't grow with the days of use, and the yearly
growth is the other history tables' only. Rows go in with bulk
INSERTs through the bot's own models and column types, so the stored bytes are what the
bot would store. Left out: program rows (`program_stretches`, at most one per user and
stretch; `program_changes`, a few a week), pauses and the media cache: small beside these.

Then it measures what is on disk: SQLite's file after a WAL checkpoint (per table and its
indexes from the `dbstat` virtual table), PostgreSQL's `pg_total_relation_size` per table
(heap, indexes, TOAST) after VACUUM ANALYZE, and `pg_database_size`. From those it
extrapolates linearly: per million users at `days` days, and the growth per million users
per year of use at the same rate. Sizes, not times: load on the machine doesn't matter.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.report import count, table
from bench.seed import START, spread_rows, sqlite_url, user_ids
from bot.config import Settings, default_content_dir
from bot.content import load_content
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Delivery, PainEntry, RoutineRun, RunStep, User
from bot.domain.pain import PainContext
from bot.domain.program import StepOutcome
from bot.domain.routine import Phase, Status
from bot.services.program import plan_json
from tests.harness.postgres import TemporaryPostgres

HISTORY_TABLES: tuple[str, ...] = ("deliveries", "routine_runs", "run_steps", "pain_entries")
TABLES: tuple[str, ...] = ("users", *HISTORY_TABLES)
PRUNED = "deliveries pruned"
"""Not a table: the delivery rows the dispatcher deleted by the end of the history."""
RETENTION_DAYS = int(Settings.model_fields["delivery_retention_days"].default)
BATCH = 5_000
MILLION = 1_000_000


@dataclass(frozen=True)
class Routine:
    id: str
    stretches: tuple[str, ...]
    plan: str  # what the bot stores with a run of it


def shipped_routines() -> list[Routine]:
    """The routines in content/, each with the plan a run of it stores."""
    content = load_content(default_content_dir())
    found = []
    for routine in content.routines.values():
        steps = routine.steps(content)
        found.append(
            Routine(routine.id, tuple(step.stretch.id for step in steps), plan_json(steps))
        )
    return found


@dataclass(frozen=True)
class Usage:
    """How the seeded users used the bot."""

    users: int
    days: int
    routine_share: float = 0.5  # days with a completed routine
    pain_per_routine: int = 2  # before and after
    # DELIVERY_RETENTION_DAYS; None: no pruning (every delivery row kept)
    retention_days: int | None = RETENTION_DAYS

    def describe(self) -> str:
        kept = (
            "every delivery row kept"
            if self.retention_days is None
            else f"deliveries pruned after {self.retention_days} days as the dispatcher does"
        )
        return (
            f"{count(self.users)} users x {self.days} days: 1 reminder a day, 1 weekly "
            f"summary a week, a routine on {self.routine_share:.0%} of days with "
            f"{self.pain_per_routine} pain readings each; {kept}"
        )

    def pruned(self, last_attempt: datetime) -> bool:
        """Whether the dispatcher's pass at the end of the history (START) deleted a
        finished delivery row whose last attempt was at `last_attempt`."""
        return self.retention_days is not None and last_attempt < START - timedelta(
            days=self.retention_days
        )

    @property
    def growing_tables(self) -> tuple[str, ...]:
        """The history tables that grow with the days of use (pruned deliveries don't)."""
        if self.retention_days is None:
            return HISTORY_TABLES
        return tuple(name for name in HISTORY_TABLES if name != "deliveries")


@dataclass
class Sizes:
    engine: str
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)  # per table, indexes included
    database_bytes: int = 0  # the whole file / database, empty schema and catalogs included
    version: str = ""


# --- the rows ------------------------------------------------------------------------------


def first_day(usage: Usage) -> date:
    """The first local date of the seeded history (it ends the day before START)."""
    return START.date() - timedelta(days=usage.days)


def history(usage: Usage, seed: int = 11) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for every delivery, routine run and pain reading of the seeded users."""
    rng = random.Random(seed)
    routines = shipped_routines()
    first = first_day(usage)
    delivery_id = run_id = step_id = pain_id = 0
    message_id = 1_000
    for user_id in user_ids(usage.users):
        minute = rng.randrange(24 * 60)
        for day in range(usage.days):
            local_date = first + timedelta(days=day)
            due = datetime.combine(local_date, datetime.min.time(), START.tzinfo) + timedelta(
                minutes=minute
            )
            kinds = [DeliveryKind.DAILY]
            if local_date.weekday() == 6:
                kinds.append(DeliveryKind.WEEKLY)
            for kind in kinds:
                delivery_id += 1
                message_id += 1
                if usage.pruned(due):  # a sent row's last attempt is its due instant
                    yield PRUNED, {}
                    continue
                yield (
                    "deliveries",
                    delivery_row(delivery_id, user_id, kind, local_date, due, message_id),
                )
            if rng.random() < usage.routine_share:
                run_id += 1
                started = due + timedelta(minutes=rng.randrange(1, 240))
                message_id += 8
                routine = rng.choice(routines)
                yield "routine_runs", run_row(run_id, user_id, started, message_id, routine)
                for index, stretch in enumerate(routine.stretches):
                    step_id += 1
                    yield (
                        "run_steps",
                        {
                            "id": step_id,
                            "user_id": user_id,
                            "run_id": run_id,
                            "step_index": index,
                            "stretch_id": stretch,
                            "outcome": StepOutcome.DONE.value,
                            "chose_easier": False,
                            "easier_shown": False,
                            "at": started + timedelta(minutes=index + 1),
                        },
                    )
                contexts = [PainContext.BEFORE, PainContext.AFTER][: usage.pain_per_routine]
                for i, context in enumerate(contexts):
                    pain_id += 1
                    yield (
                        "pain_entries",
                        {
                            "id": pain_id,
                            "user_id": user_id,
                            "at": started + timedelta(minutes=7 * i),
                            "level": rng.randrange(11),
                            "context": context.value,
                            "area": None,
                            "routine_run_id": run_id,
                        },
                    )


def delivery_row(
    row_id: int, user_id: int, kind: DeliveryKind, local_date: date, due: datetime, message: int
) -> dict[str, Any]:
    """A delivery as the dispatcher leaves it once sent."""
    return {
        "id": row_id,
        "user_id": user_id,
        "kind": kind.value,
        "local_date": local_date,
        "due_at": due,
        "status": DeliveryStatus.SENT.value,
        "next_attempt_at": due,
        "attempts": 1,
        "claimed_at": due + timedelta(seconds=1),
        "claim_token": uuid.uuid4().hex,
        "lease_until": None,
        "sent_at": due + timedelta(seconds=2),
        "message_id": message,
        "snoozed": False,
    }


def run_row(
    row_id: int, user_id: int, started: datetime, message: int, routine: Routine
) -> dict[str, Any]:
    """A completed routine run."""
    steps = len(routine.stretches)
    return {
        "id": row_id,
        "user_id": user_id,
        "routine_id": routine.id,
        "status": Status.COMPLETED.value,
        "phase": Phase.FINISHED.value,
        "step_index": steps,
        "version": 2 * steps + 3,
        "easier": False,
        "steps_done": steps,
        "steps_skipped": 0,
        "started_at": started,
        "finished_at": started + timedelta(minutes=7),
        "message_id": message,
        "shown_version": 2 * steps + 3,
        "timer_round": None,
        "timer_ends_at": None,
        "timer_last_edit_at": None,
        "plan": routine.plan,
        "feedback": None,
    }


MODELS: dict[str, Table] = {
    "users": User.__table__,  # type: ignore[dict-item]
    "deliveries": Delivery.__table__,  # type: ignore[dict-item]
    "routine_runs": RoutineRun.__table__,  # type: ignore[dict-item]
    "run_steps": RunStep.__table__,  # type: ignore[dict-item]
    "pain_entries": PainEntry.__table__,  # type: ignore[dict-item]
}


async def seed(engine: AsyncEngine, usage: Usage) -> dict[str, int]:
    """Bulk-insert the users, then their history; returns rows per table (and PRUNED: the
    delivery rows pruning deleted, not inserted)."""
    rows = {name: 0 for name in (*TABLES, PRUNED)}
    batches: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}

    async def flush(name: str) -> None:
        if batches[name]:
            async with engine.begin() as connection:
                await connection.execute(insert(MODELS[name]), batches[name])
            rows[name] += len(batches[name])
            batches[name] = []

    for user in spread_rows(usage.users):
        batches["users"].append(user)
        if len(batches["users"]) >= BATCH:
            await flush("users")
    await flush("users")
    for name, row in history(usage):
        if name == PRUNED:
            rows[PRUNED] += 1
            continue
        batches[name].append(row)
        if len(batches[name]) >= BATCH:
            # Runs first: their steps and pain entries point at them.
            if name in ("run_steps", "pain_entries"):
                await flush("routine_runs")
            await flush(name)
    for name in ("routine_runs", "run_steps", "pain_entries", "deliveries"):
        await flush(name)
    return rows


# --- the measurements ----------------------------------------------------------------------


def sqlite_sizes(path: Path) -> tuple[dict[str, int], int, str]:
    """Bytes per table (its indexes included), the file's size, SQLite's version."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master"))
        per_table: dict[str, int] = {}
        for name, size in connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table_name = owner.get(name, name)
            per_table[table_name] = per_table.get(table_name, 0) + int(size)
        version = str(connection.execute("SELECT sqlite_version()").fetchone()[0])
    total = sum(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))
    return per_table, total, version


async def measure_sqlite(usage: Usage, workdir: Path) -> Sizes:
    path = workdir / "dbsize.sqlite3"
    url = sqlite_url(path)
    await upgrade(url)
    engine = create_engine(url)
    try:
        rows = await seed(engine, usage)
    finally:
        await engine.dispose()
    per_table, total, version = sqlite_sizes(path)
    return Sizes(
        "SQLite",
        rows=rows,
        bytes={name: per_table.get(name, 0) for name in TABLES},
        database_bytes=total,
        version=version,
    )


async def measure_postgres(usage: Usage, workdir: Path) -> Sizes | None:
    if not TemporaryPostgres.available():
        return None
    server = TemporaryPostgres(Path(tempfile.mkdtemp(prefix="stretchbot-dbsize-pg-")))
    server.start()
    try:
        url = await server.create_database("dbsize")
        await upgrade(url)
        engine = create_engine(url)
        try:
            rows = await seed(engine, usage)
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            async with autocommit.connect() as connection:
                await connection.execute(text("VACUUM ANALYZE"))
                sizes = {
                    name: int(
                        await connection.scalar(
                            text("SELECT pg_total_relation_size(CAST(:t AS regclass))"),
                            {"t": name},
                        )
                        or 0
                    )
                    for name in TABLES
                }
                total = int(await connection.scalar(text("SELECT pg_database_size('dbsize')")) or 0)
                version = str(await connection.scalar(text("SHOW server_version")))
        finally:
            await engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(server.base, ignore_errors=True)
    return Sizes("PostgreSQL", rows=rows, bytes=sizes, database_bytes=total, version=version)


async def measure(usage: Usage, workdir: Path) -> list[Sizes]:
    results = [await measure_sqlite(usage, workdir)]
    postgres = await measure_postgres(usage, workdir)
    if postgres is not None:
        results.append(postgres)
    return results


# --- the table -----------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


def gib(n: float) -> str:
    return f"{n / 1024**3:,.1f} GiB"


def per_million(sizes: Sizes, name: str, usage: Usage) -> float:
    return sizes.bytes[name] * MILLION / usage.users


def growth_per_year(sizes: Sizes, usage: Usage) -> float:
    """Bytes the growing history tables add per million users per year at the stated rate
    (pruned deliveries stay at their steady state and add nothing)."""
    history_bytes = sum(sizes.bytes[name] for name in usage.growing_tables)
    return history_bytes / (usage.users * usage.days) * 365 * MILLION


def render(results: list[Sizes], usage: Usage) -> str:
    headers = ["Table", "Rows"]
    for sizes in results:
        headers += [sizes.engine, "B/row", "per 1M users"]
    rows: list[list[str]] = []
    for name in TABLES:
        label = name
        if name == "deliveries" and usage.retention_days is not None:
            label = f"deliveries (steady state, {results[0].rows.get(PRUNED, 0):,} pruned)"
        row = [label, count(results[0].rows[name])]
        for sizes in results:
            stored = sizes.bytes[name]
            row += [
                mib(stored),
                f"{stored / max(sizes.rows[name], 1):.0f}",
                gib(per_million(sizes, name, usage)),
            ]
        rows.append(row)
    total = [f"all {len(TABLES)} tables", count(sum(results[0].rows[name] for name in TABLES))]
    whole = ["whole database", ""]
    growth = [f"growth per 1M users per year ({', '.join(usage.growing_tables)})", ""]
    for sizes in results:
        tables_bytes = sum(sizes.bytes[name] for name in TABLES)
        total += [mib(tables_bytes), "", gib(tables_bytes * MILLION / usage.users)]
        whole += [mib(sizes.database_bytes), "", ""]
        growth += ["", "", gib(growth_per_year(sizes, usage))]
    rows += [total, whole, growth]
    versions = ", ".join(f"{s.engine} {s.version}" for s in results)
    title = f"Database size with history ({usage.describe()}; {versions})"
    return table(title, headers, rows)
