"""`python -m bench --only dbsize`: the seeded history matches the stated rate of use, the
rows are ones the bot can read back, and the table extrapolates from what was measured."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench import dbsize
from bot.config import default_content_dir
from bot.content import load_content
from bot.db.deliveries import prune_finished
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Delivery, RoutineRun, RunStep
from bot.services.program import steps_from_plan
from tests.harness.bot import database_url

USAGE = dbsize.Usage(users=30, days=14)


async def test_seeded_history_follows_the_stated_use(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    await upgrade(url)
    engine = create_engine(url)
    try:
        rows = await dbsize.seed(engine, USAGE)
        async with engine.connect() as connection:
            for name in dbsize.TABLES:
                stored = await connection.scalar(text(f"SELECT COUNT(*) FROM {name}"))
                assert stored == rows[name], name
        # One reminder a day and one weekly summary a week, for every user.
        first = dbsize.first_day(USAGE)
        weeks = sum((first + timedelta(days=d)).weekday() == 6 for d in range(USAGE.days))
        assert rows["deliveries"] + rows[dbsize.PRUNED] == USAGE.users * (USAGE.days + weeks)
        # The first day's rows due before START - 14 days were pruned, the rest kept.
        assert 0 < rows[dbsize.PRUNED] < USAGE.users
        # A routine on about half the days, two pain readings and one step row per stretch each.
        runs = rows["routine_runs"]
        assert 0.3 * USAGE.users * USAGE.days < runs < 0.7 * USAGE.users * USAGE.days
        assert rows["pain_entries"] == 2 * runs
        assert rows["users"] == USAGE.users
        # The stored plans are ones the bot reads back into the routine's steps.
        content = load_content(default_content_dir())
        async with create_session_factory(engine)() as session:
            plans = (await session.scalars(select(RoutineRun.plan).limit(20))).all()
            steps = await session.scalar(select(func.count()).select_from(RunStep))
        for plan in plans:
            assert plan is not None and steps_from_plan(plan, content)
        assert steps == rows["run_steps"] > runs
    finally:
        await engine.dispose()


def test_the_table_extrapolates_per_million_users_and_per_year() -> None:
    sizes = dbsize.Sizes(
        "SQLite",
        rows={name: 1_000 for name in dbsize.TABLES},
        bytes={name: 100 * 1024 * 1024 for name in dbsize.TABLES},
        database_bytes=600 * 1024 * 1024,
        version="3",
    )
    usage = dbsize.Usage(users=10_000, days=73)
    # 100 MiB for 10,000 users is 10,000 MiB (9.8 GiB) per million users.
    assert dbsize.per_million(sizes, "users", usage) == 100 * 1024 * 1024 * 100
    # History: 3 tables x 100 MiB over 10,000 users x 73 days, times 365 days x 1M users
    # (deliveries are pruned: they stay at their steady state and don't grow).
    expected = 3 * 100 * 1024 * 1024 / (10_000 * 73) * 365 * 1_000_000
    assert dbsize.growth_per_year(sizes, usage) == expected
    rendered = dbsize.render([sizes], usage)
    assert "9.8 GiB" in rendered and f"{expected / 1024**3:,.1f} GiB" in rendered
    assert "deliveries (steady state" in rendered and "pruned after 14 days" in rendered
    # Without pruning (the bot before) all four history tables grow.
    unpruned = dbsize.Usage(users=10_000, days=73, retention_days=None)
    assert dbsize.growth_per_year(sizes, unpruned) == pytest.approx(expected * 4 / 3)
    assert "every delivery row kept" in dbsize.render([sizes], unpruned)


async def delivery_ids(url: str) -> set[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set((await connection.scalars(select(Delivery.id))).all())
    finally:
        await engine.dispose()


async def test_the_seeded_deliveries_are_what_the_dispatchers_pruning_leaves(
    tmp_path: Path,
) -> None:
    """Seeding with pruning leaves exactly the rows the bot's own pruning keeps when it runs
    at the end of a history seeded without it."""
    days = 20
    (tmp_path / "all").mkdir()
    (tmp_path / "pruned").mkdir()
    everything = database_url(tmp_path / "all")
    await upgrade(everything)
    engine = create_engine(everything)
    try:
        rows = await dbsize.seed(engine, dbsize.Usage(users=12, days=days, retention_days=None))
        assert rows[dbsize.PRUNED] == 0
        async with create_session_factory(engine)() as session, session.begin():
            before = dbsize.START - timedelta(days=dbsize.RETENTION_DAYS)
            while await prune_finished(session, before, limit=50):
                pass
    finally:
        await engine.dispose()
    kept = database_url(tmp_path / "pruned")
    await upgrade(kept)
    engine = create_engine(kept)
    try:
        pruned = await dbsize.seed(engine, dbsize.Usage(users=12, days=days))
    finally:
        await engine.dispose()
    assert pruned[dbsize.PRUNED] == rows["deliveries"] - pruned["deliveries"] > 12 * 5
    assert await delivery_ids(kept) == await delivery_ids(everything)
    assert {k: v for k, v in pruned.items() if k not in ("deliveries", dbsize.PRUNED)} == {
        k: v for k, v in rows.items() if k not in ("deliveries", dbsize.PRUNED)
    }
