"""The real `stretchbot` process starting up: one line per failure, exit code 2, no traceback,
never the token; network failures retried; one "is running" line on success."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.db import connections
from bot.db.engine import POOL_OVERFLOW, create_engine, is_sqlite
from bot.db.migrate import upgrade
from bot.startup import unresolved_host
from loopback import LoopbackBotAPI
from tests.harness.bot import database_url

#: A retry budget no test waits out: a fault that stops at once never says "gave up".
LONG_BUDGET = "120"
RUNNING = "@stretch_test_bot is running: open https://t.me/stretch_test_bot and send /start"
OTHER_TOKEN = "987654:REJECTED-secret-part-xyzxyzxyz"
PROCESS_TIMEOUT = 60.0


def stretchbot_command() -> list[str]:
    """The installed console script next to this interpreter (CI's venv), else `-m bot`."""
    script = Path(sys.executable).with_name("stretchbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def environment(folder: Path, **values: str) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell or a .env file leaks in."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "LANG": "C.UTF-8"}
    env.update(values)
    return env


async def run_stretchbot(folder: Path, *args: str, **env: str) -> Finished:
    process = await asyncio.create_subprocess_exec(
        *stretchbot_command(),
        *args,
        cwd=folder,
        env=environment(folder, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())


def assert_one_clean_line(result: Finished, *secrets: str) -> str:
    """Exit code 2 and one line on stderr, without a traceback or any of the secrets."""
    assert result.code == 2, result
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    for secret in secrets:
        assert secret not in result.stderr + result.stdout
    [line] = result.lines
    assert line.startswith("stretchbot: ")
    return line


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty working folder, as after `cd` somewhere new."""
    path = tmp_path / "empty"
    path.mkdir()
    return path


def bot_env(server: LoopbackBotAPI, folder: Path, **extra: str) -> dict[str, str]:
    (folder / "data").mkdir(exist_ok=True)  # an explicit DATABASE_URL's folder must exist
    values = {
        "BOT_TOKEN": server.token,
        "BOT_API_URL": server.base_url,
        # The suite's database: on SQLite the file data/bot.sqlite3 in the folder.
        "DATABASE_URL": database_url(folder / "data"),
        "STARTUP_RETRY_SECONDS": "0",
    }
    values.update(extra)
    return values


async def test_a_good_start_prints_one_line_and_keeps_files_private(
    server: LoopbackBotAPI, folder: Path
) -> None:
    process_env = bot_env(server, folder)
    if is_sqlite(process_env["DATABASE_URL"]):  # the default ./data/stretchbot.sqlite3
        del process_env["DATABASE_URL"]
        (folder / "data").rmdir()
    process = await asyncio.create_subprocess_exec(
        *stretchbot_command(),
        "run",
        cwd=folder,
        env=environment(folder, **process_env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), PROCESS_TIMEOUT)
        assert first.decode().strip() == RUNNING
        user = server.add_user(first_name="Ana")
        update_id = server.send_text(user, "/start")
        await server.wait_until_confirmed(update_id, timeout=PROCESS_TIMEOUT)
        await server.wait_for_call("sendMessage", timeout=PROCESS_TIMEOUT)

        if "DATABASE_URL" not in process_env:  # it made ./data, and its files are its alone
            data = folder / "data"
            assert stat.S_IMODE(data.stat().st_mode) == 0o700
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
            names = {"stretchbot.sqlite3", "stretchbot.sqlite3-wal", "stretchbot.sqlite3-shm"}
            assert names <= set(files), files
            assert set(files.values()) == {0o600}, files
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        stdout, stderr = await asyncio.wait_for(process.communicate(), PROCESS_TIMEOUT)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert server.token.split(":")[1] not in stdout.decode() + stderr.decode()


async def test_no_network_is_retried_with_backoff_then_one_line(folder: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = await run_stretchbot(
        folder,
        "run",
        BOT_TOKEN=OTHER_TOKEN,
        BOT_API_URL=url,
        DATABASE_URL=f"sqlite:///{folder / 'bot.sqlite3'}",
        STARTUP_RETRY_SECONDS="2.5",
    )
    assert result.code == 2 and "Traceback" not in result.stderr
    assert OTHER_TOKEN.split(":")[1] not in result.stderr
    first, last = result.lines
    assert first.startswith(f"stretchbot: cannot reach the Bot API at {url}: ")
    assert first.endswith("; attempt 1, retrying in 1 s")
    assert last.startswith(f"stretchbot: cannot reach the Bot API at {url}: ")
    assert last.endswith("(gave up after 2 attempts)")


async def test_a_rejected_token_is_one_line_without_the_token(
    server: LoopbackBotAPI, folder: Path
) -> None:
    result = await run_stretchbot(folder, "run", **bot_env(server, folder, BOT_TOKEN=OTHER_TOKEN))
    line = assert_one_clean_line(result, OTHER_TOKEN.split(":")[1], "987654")
    assert "rejected BOT_TOKEN (401 Unauthorized)" in line and "@BotFather" in line


async def test_a_wrong_bot_api_url_is_one_line(server: LoopbackBotAPI, folder: Path) -> None:
    wrong = f"{server.base_url}/not-the-api"
    result = await run_stretchbot(folder, "run", **bot_env(server, folder, BOT_API_URL=wrong))
    line = assert_one_clean_line(result, server.token.split(":")[1])
    assert f"BOT_API_URL={wrong} answered getMe with 404 Not Found" in line

    result = await run_stretchbot(
        folder, "run", **bot_env(server, folder, BOT_API_URL="127.0.0.1:8081")
    )
    line = assert_one_clean_line(result, server.token.split(":")[1])
    assert "BOT_API_URL is invalid" in line and "http://" in line


@pytest.fixture(params=[200, 404, 501])
async def web_page(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """An ordinary web server (an HTML page for every path, with the status given, e.g.
    Python's http.server answers a POST with 501), where a Bot API was expected."""
    status = int(request.param)

    async def page(_request: web.Request) -> web.Response:
        body = "<!DOCTYPE HTML><html><body>Error response, Unsupported method</body></html>"
        return web.Response(text=body, content_type="text/html", status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_web_page_instead_of_a_bot_api_is_one_line(
    server: LoopbackBotAPI, folder: Path, web_page: str
) -> None:
    result = await run_stretchbot(
        folder,
        "run",
        **bot_env(server, folder, BOT_API_URL=web_page, STARTUP_RETRY_SECONDS=LONG_BUDGET),
    )
    line = assert_one_clean_line(result, server.token.split(":")[1])
    assert "gave up" not in line, "an answering web server is not retried"
    assert f"BOT_API_URL={web_page} " in line and "not" in line and "Bot API server" in line
    assert "DOCTYPE" not in line and "Unsupported" not in line, "no page dumped in the log"


async def test_unreachable_postgresql_is_retried_then_one_line(
    server: LoopbackBotAPI, folder: Path
) -> None:
    port = closed_port()
    url = f"postgresql://bot:hunter2secret@127.0.0.1:{port}/stretchbot"
    result = await run_stretchbot(
        folder, "run", **bot_env(server, folder, DATABASE_URL=url, STARTUP_RETRY_SECONDS="1.5")
    )
    assert result.code == 2 and "Traceback" not in result.stderr
    assert "hunter2secret" not in result.stderr
    first, last = result.lines
    where = (
        f"stretchbot: cannot reach the database postgresql://bot:***@127.0.0.1:{port}/stretchbot"
    )
    assert first.startswith(where) and first.endswith("; attempt 1, retrying in 1 s")
    assert last.startswith(where) and last.endswith("(gave up after 2 attempts)")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://bot:pw@localhost/stretchbot", "DATABASE_URL uses 'mysql"),
        ("not a url", "DATABASE_URL is not a database URL"),
        ("sqlite+pysqlite:///x.sqlite3", "DATABASE_URL uses 'sqlite+pysqlite'"),
    ],
)
async def test_an_unsupported_database_url_is_one_line(
    server: LoopbackBotAPI, folder: Path, url: str, expected: str
) -> None:
    command = ["db", "upgrade"] if url.startswith("mysql") else ["run"]
    result = await run_stretchbot(folder, *command, **bot_env(server, folder, DATABASE_URL=url))
    line = assert_one_clean_line(result, "pw@")
    assert expected in line and "postgresql://" in line, line


async def test_invalid_content_is_one_line(server: LoopbackBotAPI, folder: Path) -> None:
    content = folder / "content"
    (content / "stretches").mkdir(parents=True)
    (content / "stretches" / "broken.yaml").write_text("id: [unclosed\n")
    result = await run_stretchbot(
        folder, "run", **bot_env(server, folder, CONTENT_DIR=str(content))
    )
    line = assert_one_clean_line(result)
    assert line.startswith("stretchbot: invalid content: ") and "broken.yaml" in line


async def test_a_failed_migration_is_one_line(server: LoopbackBotAPI, folder: Path) -> None:
    url = database_url(folder / "newer")
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:  # as left by a newer stretchbot
            await connection.execute(
                text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
            )
    finally:
        await engine.dispose()
    dialect = make_url(url).get_backend_name()
    for command in (["run"], ["db", "upgrade"]):
        result = await run_stretchbot(folder, *command, **bot_env(server, folder, DATABASE_URL=url))
        line = assert_one_clean_line(result)
        assert f"database migration failed on {dialect}" in line, line
        assert "f00dfeedbeef" in line, line


# Faults that waiting cannot fix stop at once, even with a retry budget: one line, exit 2.


@pytest.mark.only_db("sqlite", reason="a path of an SQLite file")
async def test_an_sqlite_path_through_a_file_is_one_line_not_retried(
    server: LoopbackBotAPI, folder: Path
) -> None:
    blocker = folder / "notes.txt"
    blocker.write_text("a file where a folder was meant\n")
    for inside in ("data/bot.sqlite3", "bot.sqlite3"):
        url = f"sqlite:///{blocker / inside}"
        for command in (["run"], ["db", "upgrade"]):
            result = await run_stretchbot(
                folder,
                *command,
                **bot_env(server, folder, DATABASE_URL=url, STARTUP_RETRY_SECONDS=LONG_BUDGET),
            )
            line = assert_one_clean_line(result)
            assert "retrying" not in line and "gave up" not in line, line
            assert f"cannot use the SQLite database {blocker / inside}" in line, line
            assert f"{blocker} is a file, not a folder" in line, line
    assert blocker.read_text() == "a file where a folder was meant\n"


async def test_a_bot_api_host_name_that_does_not_resolve_is_one_line_not_retried(
    server: LoopbackBotAPI, folder: Path
) -> None:
    url = "https://api.telegram.invalid"  # RFC 2606: never resolves
    result = await run_stretchbot(
        folder, "run", **bot_env(server, folder, BOT_API_URL=url, STARTUP_RETRY_SECONDS=LONG_BUDGET)
    )
    line = assert_one_clean_line(result, server.token.split(":")[1])
    assert "retrying" not in line and "gave up" not in line, line
    assert f"BOT_API_URL={url}: the host name api.telegram.invalid does not resolve" in line, line


def resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


async def test_api_telegram_org_not_resolving_says_no_dns_or_network(
    server: LoopbackBotAPI, folder: Path
) -> None:
    """Offline, the resolver says "no such host" even for api.telegram.org, which exists:
    the line says what is known (no DNS or network), not that the name doesn't exist, and
    it is retried (the network may come up) within the budget."""
    if resolves("api.telegram.org"):
        pytest.skip("this machine resolves api.telegram.org")
    env = bot_env(server, folder, STARTUP_RETRY_SECONDS="2.5")
    del env["BOT_API_URL"]  # Telegram's own
    result = await run_stretchbot(folder, "run", **env)
    assert result.code == 2 and "Traceback" not in result.stderr, result
    assert server.token.split(":")[1] not in result.stderr
    first, last = result.lines
    assert first == (
        "stretchbot: can't resolve api.telegram.org: no DNS or network?; attempt 1, retrying in 1 s"
    ), first
    assert last == (
        "stretchbot: can't resolve api.telegram.org: no DNS or network? (gave up after 2 attempts)"
    ), last
    assert "does not exist" not in result.stderr


def test_what_a_failed_name_lookup_means() -> None:
    """Only what is known: Telegram's host exists (so: no DNS or network, retried); a name
    server that couldn't be asked is retried; another host the name server denies is a
    wrong address (at once). The errors are the resolver's own."""
    with pytest.raises(socket.gaierror) as no_such_host:
        socket.getaddrinfo("api.telegram.invalid", 443)
    assert no_such_host.value.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
    again = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    telegram = "https://api.telegram.org"
    assert unresolved_host(telegram, no_such_host.value) == (
        True,
        "can't resolve api.telegram.org: no DNS or network?",
    )
    assert unresolved_host(telegram, again)[0] is True
    assert unresolved_host("https://bots.example.org", again) == (
        True,
        "can't resolve bots.example.org: no DNS or network?",
    )
    retry, line = unresolved_host("https://bots.example.org", no_such_host.value)
    assert not retry and "bots.example.org does not resolve: check the address" in line


@pytest.mark.only_db("sqlite", reason="a path of an SQLite file")
async def test_an_explicit_sqlite_folder_that_does_not_exist_is_refused_not_created(
    server: LoopbackBotAPI, folder: Path
) -> None:
    missing = folder / "nonexistent" / "dir"
    url = f"sqlite:///{missing / 'x.db'}"
    for command in (["run"], ["db", "upgrade"]):
        result = await run_stretchbot(
            folder,
            *command,
            **bot_env(server, folder, DATABASE_URL=url, STARTUP_RETRY_SECONDS=LONG_BUDGET),
        )
        line = assert_one_clean_line(result)
        assert line == (
            f"stretchbot: cannot use the SQLite database {missing / 'x.db'}: the folder "
            f"{missing} does not exist: create it, or fix DATABASE_URL (the bot creates only "
            "its default folder ./data)"
        ), line
        assert not (folder / "nonexistent").exists()
    # Its folder made, the same URL works.
    missing.mkdir(parents=True)
    result = await run_stretchbot(
        folder, "db", "upgrade", **bot_env(server, folder, DATABASE_URL=url)
    )
    assert result.code == 0, result
    assert (missing / "x.db").exists()


async def test_a_bot_api_url_speaking_plain_http_to_https_is_one_line_not_retried(
    server: LoopbackBotAPI, folder: Path
) -> None:
    url = server.base_url.replace("http://", "https://")
    result = await run_stretchbot(
        folder, "run", **bot_env(server, folder, BOT_API_URL=url, STARTUP_RETRY_SECONDS=LONG_BUDGET)
    )
    line = assert_one_clean_line(result, server.token.split(":")[1])
    assert "retrying" not in line and "gave up" not in line, line
    assert f"BOT_API_URL={url}: the TLS handshake failed" in line, line


def test_one_process_opens_at_most_its_pool_overflow_lock_and_health_check() -> None:
    settings = Settings(_env_file=None, bot_token="1:x")
    assert settings.pool_size == 48  # 32 updates at once + 16 for the jobs
    assert connections.per_process(settings) == 48 + POOL_OVERFLOW + 2 == 60
    smaller = Settings(_env_file=None, bot_token="1:x", database_pool_size=20)
    assert connections.per_process(smaller) == 32
    limit = connections.ServerLimit(max_connections=100, reserved=3)
    assert connections.too_many(settings, limit) is None
    assert connections.too_many(settings, connections.ServerLimit(60, 3)) == (
        "MAX_CONCURRENT_UPDATES=32 (pool = it + 16) lets one process open up to 60 PostgreSQL "
        "connections (pool 48 + overflow 10 + election lock 1 + health check 1), but the "
        "server allows 57 (max_connections 60 - 3 reserved): lower DATABASE_POOL_SIZE (at "
        "least 17) or MAX_CONCURRENT_UPDATES, or raise max_connections"
    )


@pytest.mark.only_db("postgresql", reason="PostgreSQL's max_connections")
async def test_a_pool_the_postgresql_server_cannot_hold_is_one_line(
    server: LoopbackBotAPI, folder: Path
) -> None:
    env = bot_env(server, folder)
    engine = create_engine(env["DATABASE_URL"])
    try:
        async with engine.connect() as connection:
            limit = await connections.server_limit(connection)
    finally:
        await engine.dispose()
    assert limit.max_connections >= 60 and limit.reserved >= 1
    for setting, value, needed in (
        ("DATABASE_POOL_SIZE", "2000", 2012),
        ("MAX_CONCURRENT_UPDATES", "1000", 1028),
    ):
        result = await run_stretchbot(folder, "run", **{**env, setting: value})
        line = assert_one_clean_line(result)
        assert f"{setting}={value}" in line and f"up to {needed} PostgreSQL connections" in line
        assert (
            f"the server allows {limit.available} (max_connections {limit.max_connections} "
            f"- {limit.reserved} reserved)" in line
        ), line
    # The default pool fits: test_a_good_start_prints_one_line_and_keeps_files_private.
