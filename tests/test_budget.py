"""One broadcast budget per bot token across processes (bot/botapi/budget.py).

The grant rule on its own, the grants of several processes on a real PostgreSQL (their
limiters' shares never add up to more than 30 at any step), and three real dispatch-only
processes on one PostgreSQL, counted at the loopback Bot API: never more than 30
sendMessage calls in any 1-s window.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench import faults
from bot.botapi.budget import BroadcastBudget, ShareView, counted, grant
from bot.botapi.ratelimit import PriorityRateLimiter
from bot.db.engine import create_engine, create_write_session_factory
from bot.db.migrate import upgrade
from tests.harness.postgres import TemporaryPostgres

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
DRAIN = timedelta(seconds=31)
TOKEN = "123456:budget-test-abcdefghijklmnop"


def row(
    pid: str,
    share: int,
    *,
    lease_s: float = 6,
    previous: int = 0,
    previous_s: float | None = None,
) -> ShareView:
    until = None if previous_s is None else NOW + timedelta(seconds=previous_s)
    return ShareView(pid, share, previous, until, NOW + timedelta(seconds=lease_s))


def test_a_newcomer_gets_nothing_until_the_holder_gives_its_share_up() -> None:
    assert grant([], "a", NOW, 30, DRAIN) == 30
    assert grant([row("a", 30)], "b", NOW, 30, DRAIN) == 0
    # a lowered to 15, but its 30 still counts until what it released has arrived.
    lowered = row("a", 15, previous=30, previous_s=1)
    assert grant([lowered], "b", NOW, 30, DRAIN) == 0
    assert grant([lowered], "b", NOW + timedelta(seconds=2), 30, DRAIN) == 15
    assert grant([row("a", 15), row("b", 0)], "a", NOW, 30, DRAIN) == 15
    assert grant([row("a", 10), row("b", 10), row("c", 10)], "d", NOW, 30, DRAIN) == 0
    assert grant([row("a", 0), row("b", 0), row("c", 0)], "a", NOW, 30, DRAIN) == 10


def test_a_dead_process_holds_its_share_until_its_requests_can_have_arrived() -> None:
    dead = row("a", 30, lease_s=-5)  # lease ran out 5 s ago
    assert counted(dead, NOW, DRAIN) == 30
    assert grant([dead], "b", NOW, 30, DRAIN) == 0
    later = NOW + DRAIN
    assert counted(dead, later, DRAIN) == 0
    assert grant([dead], "b", later, 30, DRAIN) == 30


def test_random_histories_never_grant_more_than_the_budget() -> None:
    """Processes come, renew, die and leave in random order; the shares granted and still
    counted never add up to more than 30 at any instant."""
    rng = random.Random(11)
    for _ in range(200):
        rows: dict[str, ShareView] = {}
        now = NOW
        for _step in range(40):
            now += timedelta(seconds=rng.choice([0.5, 1, 2, 7, 40]))
            pid = rng.choice("abcde")
            old = rows.get(pid)
            if old is not None and old.lease_until < now:
                continue  # dead: a dead process never comes back under the same id
            new = grant(list(rows.values()), pid, now, 30, DRAIN)
            share = 0 if old is None else old.share
            previous, until = (0, None) if old is None else (old.previous_share, old.previous_until)
            if new < share:
                previous, until = max(share, counted(old, now, DRAIN) if old else 0), now + DRAIN
            rows[pid] = ShareView(pid, new, previous, until, now + timedelta(seconds=6))
            assert sum(counted(r, now, DRAIN) for r in rows.values()) <= 30
            # Each process's own limit never exceeds what the others leave it.
            for r in rows.values():
                if r.lease_until > now:
                    others = sum(counted(o, now, DRAIN) for o in rows.values() if o is not r)
                    assert r.share <= 30 - others


@pytest.mark.only_db("postgresql", reason="rate shares live in PostgreSQL")
async def test_processes_share_one_budget_on_postgres(
    postgres_server: TemporaryPostgres,
) -> None:
    url = await postgres_server.create_database("budget_grants")
    await upgrade(url)
    engine = create_engine(url)
    try:
        sessions = create_write_session_factory(engine)
        limiters = [PriorityRateLimiter() for _ in range(3)]
        budgets = [BroadcastBudget(sessions, lim, TOKEN, http_timeout=1.0) for lim in limiters]

        def total() -> int:
            return sum(lim.broadcast_limit() for lim in limiters)

        assert await budgets[0].renew() == 30
        assert await budgets[1].renew() == 0  # the first still holds everything
        assert total() <= 30
        assert await budgets[0].renew() == 15  # it sees a second process and gives half up
        assert total() <= 30
        # Nothing of the first is in flight: its old share counts one more period (1 s).
        assert await budgets[0].renew() == 15
        assert await budgets[1].renew() == 0
        for _ in range(40):
            for budget in budgets[:2]:
                await budget.renew()
                assert total() <= 30
            if budgets[1].share == 15:
                break
            await asyncio.sleep(0.1)
        assert budgets[1].share == 15
        await budgets[2].renew()
        assert total() <= 30
        await budgets[1].release()
        assert limiters[1].broadcast_limit() == 0
        assert total() <= 30
    finally:
        await engine.dispose()


@pytest.mark.only_db("postgresql", reason="rate shares live in PostgreSQL")
async def test_three_dispatchers_stay_under_30_per_second_at_the_api(
    tmp_path: Path, postgres_server: TemporaryPostgres
) -> None:
    """A budget of 8/s (BROADCAST_PER_SECOND), which each process alone could use up even on
    a loaded machine: together the three stay under it in any second, counted where the
    requests arrive (each with a budget of its own they would put up to 24 there)."""
    plan = faults.Plan(
        kill_users=0,
        kills=0,
        pg_users=150,
        pg_processes=3,
        net_users=0,
        outage_users=0,
        sqlite_lock_s=0,
        pg_stop_s=0,
        pg_send_delay_s=0.03,
        pg_lease_s=30.0,
        pg_budget=8,
    )
    result = await faults.processes_on_postgres(plan, tmp_path, postgres_server, name="budget")
    assert result.recovered
    assert result.duplicates == 0 and result.lost == 0
    assert 0 < result.max_per_s <= 8, result.max_per_s
    assert result.tracebacks == 0
