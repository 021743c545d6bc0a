"""The delivery guarantee with real `stretchbot run` processes (small `python -m bench faults`).

Each test runs the bench scenario at a small size: real processes killed with SIGKILL or
stopped with SIGTERM, network faults at the loopback Bot API, SQLite write-locked by another
process, several processes on one real PostgreSQL and a PostgreSQL server stopped and
started again. What users received is counted at the loopback server.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import faults
from bot.reminders import IN_FLIGHT
from tests.harness.postgres import TemporaryPostgres, running_postgres

SMALL = faults.Plan(
    kill_users=120,
    kills=3,
    pg_users=100,
    pg_processes=3,
    net_users=80,
    outage_users=120,
    sqlite_lock_s=7.0,
    pg_stop_s=5.0,
)


#: These scenarios of bench/faults.py run on an SQLite file of their own: once is enough.
BENCH_SQLITE = pytest.mark.only_db("sqlite", reason="the bench scenario has its own SQLite file")


@pytest.fixture
def own_postgres() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server of the test's own: one test stops and restarts it."""
    with running_postgres("stretchbot-faults-pg-") as server:
        yield server


def assert_guarantee(result: faults.Result) -> None:
    assert result.recovered, f"{result.scenario} did not settle by itself"
    assert result.duplicates == 0, result.received.most_common(3)
    assert sum(result.statuses.values()) == result.users  # one row per user, all final
    assert not set(result.statuses) & set(faults.OPEN_STATUSES)
    # Whoever got nothing was recorded as uncertain (never as sent, never re-sent).
    assert result.lost <= result.statuses.get("uncertain", 0)
    assert faults.check([result]) == []


@BENCH_SQLITE
async def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    result = await faults.crash_restarts(SMALL, tmp_path, random.Random(3))
    assert_guarantee(result)
    assert result.lost_bound is not None and result.lost_bound <= SMALL.kills * IN_FLIGHT
    assert result.lost <= result.lost_bound
    assert result.worst_kill_lost is not None and result.worst_kill_lost <= IN_FLIGHT
    assert result.tracebacks == 0


@BENCH_SQLITE
async def test_sigterm_loses_nothing(tmp_path: Path) -> None:
    result = await faults.graceful_restarts(SMALL, tmp_path, random.Random(4))
    assert_guarantee(result)
    assert result.lost == 0 and result.statuses.get("uncertain", 0) == 0
    assert result.tracebacks == 0


@BENCH_SQLITE
async def test_network_faults_never_duplicate(tmp_path: Path) -> None:
    result = await faults.network_faults(SMALL, tmp_path, random.Random(5))
    assert_guarantee(result)
    quarter = len(result.faults) and int(result.faults.split()[0])
    # Read timeouts, drops after delivery and 500s are uncertain; 429s are retried and sent.
    assert result.statuses["uncertain"] == 3 * quarter
    assert result.statuses["sent"] == result.users - 3 * quarter


@pytest.mark.only_db("sqlite", reason="another process holds the SQLite write lock")
async def test_sqlite_locked_by_another_process(tmp_path: Path) -> None:
    result = await faults.sqlite_locked(SMALL, tmp_path)
    assert_guarantee(result)
    assert result.lost == 0 and result.apologies > 0
    assert result.tracebacks == 0 and result.log_lines <= 10  # one line per outage


@pytest.mark.only_db("postgresql", reason="processes on a PostgreSQL server of the test's own")
async def test_three_processes_on_postgres_with_a_lease_shorter_than_the_dispatch(
    tmp_path: Path, own_postgres: TemporaryPostgres
) -> None:
    result = await faults.processes_on_postgres(SMALL, tmp_path, own_postgres)
    assert_guarantee(result)
    assert result.lost == 0 and sorted(set(result.received.values())) == [1]


@pytest.mark.only_db("postgresql", reason="processes on a PostgreSQL server of the test's own")
async def test_postgres_stopped_mid_dispatch(
    tmp_path: Path, own_postgres: TemporaryPostgres
) -> None:
    result = await faults.postgres_stopped(SMALL, tmp_path, own_postgres)
    assert_guarantee(result)
    # The active process loses its election lock with the server and restarts the bot
    # when it is back (bot.runner): claims are handed back, nothing is lost. (The apology
    # needs the outage seen by the dispatcher that sends, as in the SQLite case.)
    assert result.lost == 0
    assert result.tracebacks == 0 and result.log_lines <= 10


def test_bench_table_renders() -> None:
    result = faults.Result("x", 2, "1", "none")
    result.received.update({faults.FIRST_USER_ID: 1, faults.FIRST_USER_ID + 1: 2})
    assert faults.check([result]) == ["x: 1 users got duplicates"]
    assert "Duplicates" in faults.render([result])
