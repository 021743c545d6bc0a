"""Fixtures: a loopback Bot API server, a settable clock and the real bot running on both.

The database comes from one place, `tests/harness/databases.py`: SQLite files by default,
PostgreSQL with `pytest --db=postgresql` (or STRETCHBOT_TEST_DB=postgresql), one cluster per
session and a fresh database per test. `@pytest.mark.only_db("sqlite", reason=...)` marks a
test that is about one engine only.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from loopback import LoopbackBotAPI
from tests.harness import databases
from tests.harness.bot import BotHarness, database_url, make_settings
from tests.harness.databases import TestDatabases
from tests.harness.postgres import TemporaryPostgres, running_postgres

# PTB 22 warns that RetryAfter.retry_after will become a timedelta; opt in now.
os.environ.setdefault("PTB_TIMEDELTA", "true")

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=databases.BACKENDS,
        default=None,
        help=f"the database the bot runs on in every test (default: ${databases.ENV_VAR} "
        "or sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "only_db(backend, reason): the test is about one database engine (sqlite or "
        "postgresql); it is skipped, with the reason, when the suite runs on the other",
    )


def selected_backend(config: pytest.Config) -> databases.Backend:
    return databases.backend_from(config.getoption("--db"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"stretchbot test database: {selected_backend(config)}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    backend = selected_backend(item.config)
    for marker in item.iter_markers("only_db"):
        wanted = databases.backend_from(marker.args[0])
        if wanted != backend:
            reason = marker.kwargs.get("reason", "")
            pytest.skip(f"{wanted} only: {reason}" if reason else f"{wanted} only")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def server() -> AsyncIterator[LoopbackBotAPI]:
    async with LoopbackBotAPI() as api:
        yield api


@pytest.fixture
async def harness(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    bot = BotHarness(server, make_settings(server, database_url(tmp_path)), clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
        assert server.unanswered_callback_queries() == [], "a callback query went unanswered"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A real PostgreSQL server, one per session: for the tests that need one, and for every
    test when the suite runs on PostgreSQL (CI requires it)."""
    with running_postgres("stretchbot-pg-") as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def test_databases(request: pytest.FixtureRequest) -> Iterator[TestDatabases]:
    """The session's databases (`database_url(path)` hands them out)."""
    if selected_backend(request.config) == "postgresql":
        if not TemporaryPostgres.available():
            pytest.fail("the suite runs on PostgreSQL, but initdb and pg_ctl were not found")
        found = TestDatabases("postgresql", request.getfixturevalue("postgres_server"))
    else:
        found = TestDatabases("sqlite")
    found.prepare()
    databases.activate(found)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(autouse=True)
def _database_per_test(test_databases: TestDatabases) -> Iterator[None]:
    """Databases made while a test runs are dropped when it ends (after its bots stopped)."""
    test_databases.begin_test()
    try:
        yield
    finally:
        test_databases.end_test()


@pytest.fixture
def pg_harness(request: pytest.FixtureRequest) -> BotHarness:
    """The bot on PostgreSQL: `harness` in a session on PostgreSQL, skipped on SQLite. Prefer
    `harness` (it runs on both); this is for a test that only makes sense on PostgreSQL."""
    if selected_backend(request.config) != "postgresql":
        pytest.skip("postgresql only (pg_harness): run with --db=postgresql")
    harness: BotHarness = request.getfixturevalue("harness")
    return harness
