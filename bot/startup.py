"""What `stretchbot run` checks before it polls, each failure one line for the operator.

Order: DATABASE_URL is supported → an SQLite file's folder exists → content/ loads →
migrations apply → (PostgreSQL) the server's max_connections holds one process's pool
(bot/db/connections.py) → the Bot API answers getMe (`stretchbot playground` runs all but the last:
`prepare_storage`). Failures that waiting can fix (a connection refused, time-outs, 5xx, a
name server that can't be asked, api.telegram.org that doesn't resolve: no DNS or network)
are retried with exponential backoff for `STARTUP_RETRY_SECONDS`, one line per attempt;
anything else (a rejected token, a BOT_API_URL whose host doesn't resolve or isn't a Bot
API, a failed TLS handshake, an SQLite path through a file or into a missing folder, invalid
content, a failed migration) stops at once. Every message names what to fix and never
contains the token or a database password.

`post_init` (bot.app) repeats the content load and the (then no-op) upgrade, so tests and the
playground, which start the Application without this module, start the same way.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.config import DEFAULT_DATABASE_URL, Settings
from bot.content import Content, ContentError, load_content
from bot.db import connections
from bot.db.engine import create_engine, is_sqlite, normalize_url, sqlite_path
from bot.db.migrate import upgrade

T = TypeVar("T")

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0


class StartupError(Exception):
    """The bot cannot start; `str()` is one line for the operator (no token, no password)."""


class _Transient(Exception):
    """A failure worth retrying (the network, a server restarting); carries one line."""


@dataclass(frozen=True)
class Ready:
    """What the checks found: the bot's @username and the validated content."""

    username: str
    content: Content


def running_line(username: str) -> str:
    """The line `stretchbot run` prints once the bot is polling."""
    return f"@{username} is running: open https://t.me/{username} and send /start"


def redact(text: str, settings: Settings) -> str:
    """First line of `text` without the token (or its secret half) or the DB password."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    token = settings.bot_token.strip()
    secrets = [token, token.partition(":")[2]]
    password = _password(settings.database_url)
    if password:
        secrets.append(password)
    for secret in secrets:
        if len(secret) >= 4:
            line = line.replace(secret, "***")
    return line


def _password(url: str) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None


def database_label(url: str) -> str:
    """The database URL for messages, password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable)"


def check_database_url(url: str) -> None:
    """Raise StartupError unless `url` is an SQLite or PostgreSQL URL the bot can use."""
    hint = "use sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/name"
    try:
        driver = make_url(normalize_url(url)).drivername
    except ArgumentError:
        raise StartupError(f"DATABASE_URL is not a database URL: {hint}") from None
    if driver not in SUPPORTED_DRIVERS:
        raise StartupError(f"DATABASE_URL uses {driver!r}, which is not supported: {hint}")


def load_checked_content(settings: Settings) -> Content:
    try:
        return load_content(settings.content_dir)
    except ContentError as exc:
        more = f" (and {len(exc.lines) - 1} more problems)" if len(exc.lines) > 1 else ""
        raise StartupError(f"invalid content: {exc.lines[0]}{more}") from None
    except OSError as exc:
        raise StartupError(f"cannot read content in {settings.content_dir}: {exc}") from None


def _sqlite_file_problem(path: Path) -> str | None:
    """Why the SQLite file `path` can't be created or opened, if its path says so: a part of
    the folder path is an existing file, or the path is a folder."""
    for part in path.parents:
        if part.is_dir():
            break
        if part.exists():
            return f"{part} is a file, not a folder: choose another path"
    if path.is_dir():
        return f"{path} is a folder, not a database file"
    return None


def check_sqlite_folder(database_url: str) -> None:
    """Raise StartupError unless the folder of an SQLite database file exists.

    Only the default DATABASE_URL's folder (./data) is created (0700, by `bot.db.engine`);
    the playground creates its own --data-dir. A folder named in an explicit DATABASE_URL
    must exist: the bot never creates arbitrary folders (as root, /nonexistent/dir ...) for a
    mistyped path. PostgreSQL and in-memory SQLite: nothing to check."""
    path = sqlite_path(normalize_url(database_url))
    if path is None or database_url == DEFAULT_DATABASE_URL:
        return
    problem = _sqlite_file_problem(path)
    if problem is None and not path.parent.is_dir():
        problem = (
            f"the folder {path.parent} does not exist: create it, or fix DATABASE_URL (the "
            "bot creates only its default folder ./data)"
        )
    if problem is not None:
        raise StartupError(f"cannot use the SQLite database {path}: {problem}")


async def migrate(settings: Settings) -> None:
    """Apply migrations; unreachable database → _Transient, any other failure → StartupError.

    SQLite is a local file: a failure to create or open it (a folder path through a file,
    a missing permission) is never transient, so it is one line at once."""
    label = database_label(settings.database_url)
    sqlite_file = sqlite_path(normalize_url(settings.database_url))
    try:
        await upgrade(settings.database_url)
    except (OSError, DBAPIError) as exc:
        problem = _sqlite_file_problem(sqlite_file) if sqlite_file is not None else None
        if sqlite_file is not None and (problem is not None or isinstance(exc, OSError)):
            reason = problem or _reason(exc, settings)
            raise StartupError(f"cannot use the SQLite database {sqlite_file}: {reason}") from None
        if isinstance(exc, DBAPIError):
            _raise_database_error(exc, label, settings)
        raise _Transient(f"cannot reach the database {label}: {_reason(exc, settings)}") from None
    except TimeoutError as exc:  # connection refused, DNS, time-out
        raise _Transient(f"cannot reach the database {label}: {_reason(exc, settings)}") from None
    except (NoSuchModuleError, ArgumentError) as exc:
        raise StartupError(f"DATABASE_URL cannot be used: {redact(str(exc), settings)}") from None
    except (CommandError, SQLAlchemyError) as exc:
        raise StartupError(
            f"database migration failed on {label}: {_reason(exc, settings)}"
        ) from None


def _raise_database_error(exc: DBAPIError, label: str, settings: Settings) -> NoReturn:
    """A server that can't be reached → _Transient; any other database error → StartupError."""
    if exc.connection_invalidated or _is_connect_failure(exc):
        raise _Transient(
            f"cannot reach the database {label}: {_reason(exc.orig or exc, settings)}"
        ) from None
    raise StartupError(
        f"database migration failed on {label}: {_reason(exc.orig or exc, settings)}"
    ) from None


def _is_connect_failure(exc: DBAPIError) -> bool:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    return isinstance(exc.orig, OSError) or isinstance(cause, OSError | TimeoutError)


def _reason(exc: BaseException, settings: Settings) -> str:
    text = redact(str(exc), settings)
    # SQLAlchemy appends "[SQL: ...]" and a background link; the first part says it all.
    text = text.split(" [SQL:", 1)[0].split("(Background on this error", 1)[0].strip()
    return text or type(exc).__name__


class _ProbeRequest(HTTPXRequest):
    """PTB's request, minus the traceback it logs when a server answers something not JSON."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response")
        return data


def _non_json_status(error: NetworkError) -> int | None:
    """The HTTP status of an error answer whose body wasn't the Bot API's JSON, if it was
    one (PTB's "Not Implemented (501). Parsing the server response b'...' failed")."""
    text = str(error)
    if "parsing the server response" not in text.lower():
        return None
    match = re.search(r"\((\d{3})\)", text)
    return int(match[1]) if match else 0


#: getaddrinfo's answers that mean "the name server says there is no such host" (unlike
#: EAI_AGAIN, a name server that couldn't be asked, e.g. while a container's network starts).
_NO_SUCH_HOST = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)
)
#: Telegram's Bot API host: it exists, so failing to resolve it says the machine has no DNS
#: or no network (an offline machine's resolver answers "no such host" for every name).
TELEGRAM_API_HOST = "api.telegram.org"


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and the exceptions it was raised from (at most 10)."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


def unresolved_host(url: str, failure: socket.gaierror) -> tuple[bool, str]:
    """What a failed name lookup of BOT_API_URL's host means: (worth retrying, one line).

    Only what is known is said: Telegram's host exists, so not resolving it means this
    machine can't resolve names (no DNS or no network: retried, the network may come up);
    a name server that couldn't be asked (EAI_AGAIN) is retried too; any other host that the
    name server says doesn't exist stops at once (a typo in BOT_API_URL, or a DNS that
    doesn't know it)."""
    host = urlsplit(url).hostname or url
    if host == TELEGRAM_API_HOST or failure.errno not in _NO_SUCH_HOST:
        return True, f"can't resolve {host}: no DNS or network?"
    return False, (
        f"BOT_API_URL={url}: the host name {host} does not resolve: check the address "
        "(or this machine's DNS)"
    )


def _wrong_address(error: NetworkError) -> str | None:
    """Why `error` can't be a network blip but a BOT_API_URL that is wrong, if it is: a TLS
    handshake that failed (http:// vs https://, the wrong port, a certificate for another
    name). Refused connections and time-outs stay transient; failed name lookups are
    `unresolved_host`'s."""
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLError):
            return "the TLS handshake failed (http:// or https://? the right port?)"
    return None


async def fetch_username(settings: Settings) -> str:
    """getMe through PTB, as the bot will call it; failures classified for the operator."""
    url = settings.bot_api_url
    timeout = settings.http_timeout_seconds
    request = _ProbeRequest(connect_timeout=timeout, read_timeout=timeout)
    bot = Bot(
        settings.require_token(),
        base_url=f"{url}/bot",
        base_file_url=f"{url}/file/bot",
        request=request,
        get_updates_request=request,
    )
    try:
        me = await bot.get_me()
    except InvalidToken as exc:
        if "unauthorized" in str(exc).lower():
            raise StartupError(
                f"the Bot API at {url} rejected BOT_TOKEN (401 Unauthorized): copy the token "
                "again from @BotFather (/mybots -> API Token)"
            ) from None
        raise StartupError(
            f"BOT_API_URL={url} answered getMe with 404 Not Found: it is not a Bot API server "
            "(leave BOT_API_URL unset for Telegram, or give your Bot API server's address)"
        ) from None
    except NetworkError as exc:  # includes TimedOut; 5xx answers are NetworkErrors too
        lookup = next((c for c in _causes(exc) if isinstance(c, socket.gaierror)), None)
        if lookup is not None:
            retry, line = unresolved_host(url, lookup)
            raise (_Transient(line) if retry else StartupError(line)) from None
        wrong = _wrong_address(exc)
        if wrong is not None:
            raise StartupError(f"BOT_API_URL={url}: {wrong}: check the address") from None
        not_json = _non_json_status(exc)
        if not_json is not None and (not_json < 500 or not_json == 501):
            # an ordinary web server (e.g. HTTP 501 for POST): no Bot API will ever answer
            raise StartupError(
                f"BOT_API_URL={url} did not answer like a Bot API server (HTTP {not_json}, "
                "no JSON): check the address"
            ) from None
        if not_json is not None:  # e.g. a proxy's HTML 502 while the server restarts
            raise _Transient(
                f"cannot reach the Bot API at {url}: HTTP {not_json} without a Bot API answer"
            ) from None
        raise _Transient(f"cannot reach the Bot API at {url}: {_reason(exc, settings)}") from None
    except TelegramError as exc:
        if "invalid server response" in str(exc).lower():
            raise StartupError(
                f"BOT_API_URL={url} did not answer like a Bot API server (no JSON): check "
                "the address"
            ) from None
        raise StartupError(
            f"the Bot API at {url} refused getMe: {_reason(exc, settings)}"
        ) from None
    finally:
        await request.shutdown()
    if not me.username:
        raise StartupError(f"the Bot API at {url} returned a bot without a username")
    return me.username


async def with_retries(
    step: Callable[[], Awaitable[T]],
    settings: Settings,
    say: Callable[[str], None],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `step`; while it fails with a network failure and the retry budget lasts, say so
    in one line and try again after 1, 2, 4 ... 30 s. Raises StartupError when it runs out."""
    budget = settings.startup_retry_seconds
    started = time.monotonic()
    delay = FIRST_DELAY_SECONDS
    attempt = 1
    while True:
        try:
            return await step()
        except _Transient as exc:
            waited = time.monotonic() - started
            if waited + delay > budget:
                tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                raise StartupError(f"{exc} (gave up after {tries})") from None
            say(f"{exc}; attempt {attempt}, retrying in {delay:g} s")
            await sleep(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
            attempt += 1


async def prepare(settings: Settings, say: Callable[[str], None]) -> Ready:
    """Every start-up check, in order; raises StartupError with one line on failure."""
    content = await prepare_storage(settings, say)
    username = await with_retries(lambda: fetch_username(settings), settings, say)
    return Ready(username=username, content=content)


async def prepare_storage(settings: Settings, say: Callable[[str], None]) -> Content:
    """The checks that don't need the Bot API, in order: DATABASE_URL is supported, an
    SQLite file's folder exists, content/ loads, the migrations apply (retried like
    `prepare`). `stretchbot run` (`prepare`) and `stretchbot playground`, whose Bot API is
    the loopback server, both start with these: the same failures, the same one line."""
    check_database_url(settings.database_url)
    check_sqlite_folder(settings.database_url)
    content = await asyncio.to_thread(load_checked_content, settings)
    await with_retries(lambda: migrate(settings), settings, say)
    await with_retries(lambda: check_connection_limit(settings), settings, say)
    return content


async def check_connection_limit(settings: Settings) -> None:
    """PostgreSQL: refuse to start when one process may open more connections than the
    server allows (bot/db/connections.py); SQLite: nothing to check."""
    url = normalize_url(settings.database_url)
    if is_sqlite(url):
        return
    label = database_label(settings.database_url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            limit = await connections.server_limit(connection)
    except DBAPIError as exc:
        if exc.connection_invalidated or _is_connect_failure(exc):
            reason = _reason(exc.orig or exc, settings)
            raise _Transient(f"cannot reach the database {label}: {reason}") from None
        reason = _reason(exc.orig or exc, settings)
        raise StartupError(f"cannot read max_connections from {label}: {reason}") from None
    except (OSError, TimeoutError) as exc:
        raise _Transient(f"cannot reach the database {label}: {_reason(exc, settings)}") from None
    finally:
        await engine.dispose()
    problem = connections.too_many(settings, limit)
    if problem is not None:
        raise StartupError(problem)


async def upgrade_database(settings: Settings) -> None:
    """`stretchbot db upgrade`: the same checks and messages, without retries."""
    check_database_url(settings.database_url)
    check_sqlite_folder(settings.database_url)
    try:
        await migrate(settings)
    except _Transient as exc:
        raise StartupError(str(exc)) from None
