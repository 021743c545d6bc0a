"""`python -m bench --only dbsize`: the seeded history matches the stated rate of use, the
rows are ones the bot can read back, and the table extrapolates from what was measured."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench import dbsize
from bot.config import default_content_dir
from bot.content import load_content
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import RoutineRun, RunStep
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
        assert rows["deliveries"] == USAGE.users * (USAGE.days + weeks)
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
    # History: 4 tables x 100 MiB over 10,000 users x 73 days, times 365 days x 1M users.
    expected = 4 * 100 * 1024 * 1024 / (10_000 * 73) * 365 * 1_000_000
    assert dbsize.growth_per_year(sizes, usage) == expected
    rendered = dbsize.render([sizes], usage)
    assert "9.8 GiB" in rendered and f"{expected / 1024**3:,.1f} GiB" in rendered
