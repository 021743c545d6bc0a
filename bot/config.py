"""One settings object, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/stretchbot.sqlite3"
REPO_ROOT = Path(__file__).resolve().parent.parent


PACKAGED_CONTENT = Path(__file__).resolve().parent / "content_files"


def default_content_dir() -> Path:
    """The stretches, routines, safety texts and images the bot ships with.

    Installed from a wheel they are package data in `bot/content_files/` (pyproject maps the
    top-level `content/` there); in a source checkout (an editable install, the tests) they
    are read from `content/` itself, so edits show up without reinstalling.
    """
    return PACKAGED_CONTENT if PACKAGED_CONTENT.is_dir() else REPO_ROOT / "content"


#: Database connections the jobs may hold at once besides the updates being processed: the
#: dispatcher's sends in flight (a weekly summary reads the pain log while it is rendered,
#: bot.reminders.IN_FLIGHT = 8), its claim or record transaction, its lease heartbeat, the
#: wake-up lookup, the broadcast budget's renewal, the hold timers' edits, and room for an
#: update's follow-up work that outlives it.
JOB_CONNECTIONS = 16
DEFAULT_CONCURRENT_UPDATES = 32
FREE_BROADCAST_LIMIT = 30  # messages/s per token (core.telegram.org/bots/faq)
PAID_BROADCAST_LIMIT = 1000  # with allow_paid_broadcast (Bot API, sendMessage)


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


class Settings(BaseSettings):
    """Everything the bot can be configured with. See the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = Field(default="", repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    bot_api_url: str = "https://api.telegram.org"
    log_level: str = "INFO"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    content_dir: Path = Field(default_factory=default_content_dir)
    reminder_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    dispatch_interval_seconds: float = Field(default=20.0, gt=0)
    dispatch_wake: bool = True
    timer_tick_seconds: float = Field(default=1.0, gt=0)
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    startup_retry_seconds: float = Field(default=300.0, ge=0)
    # How long a claimed reminder stays held without a heartbeat before another process
    # may take it over (or, if its request may be on the wire, record it as uncertain).
    delivery_lease_seconds: float = Field(default=120.0, gt=0)
    # Finished reminder and summary rows are deleted this many days after their last
    # attempt (at most once per user, kind and local date needs two local dates; /stats
    # counts the last 7 days' sends).
    delivery_retention_days: int = Field(default=14, ge=8, le=3660)
    # Telegram's paid broadcasts: reminders carry allow_paid_broadcast (up to 1000 messages/s
    # for 0.1 Stars each, from the bot's balance) and get a budget of their own.
    allow_paid_broadcast: bool = False
    # Messages per second the broadcast (reminders, summaries) may use, all processes of the
    # token together; unset: Telegram's ~30, or 1000 with paid broadcasts.
    broadcast_per_second: int | None = Field(default=None, ge=1, le=PAID_BROADCAST_LIMIT)
    # Updates of different chats processed at once (bot.updates.PerChatUpdateProcessor).
    max_concurrent_updates: int = Field(default=DEFAULT_CONCURRENT_UPDATES, ge=1, le=1000)
    # Database connections per process (SQLAlchemy's pool). Unset: one per update processed
    # at once plus JOB_CONNECTIONS, so no update ever waits for a connection; set lower (a
    # PostgreSQL with few connections to spare), it bounds the updates processed at once.
    database_pool_size: int | None = Field(default=None, ge=JOB_CONNECTIONS + 1, le=2000)
    # Webhook mode (bot.webhook): Telegram POSTs updates to WEBHOOK_URL; PTB's server listens
    # on WEBHOOK_LISTEN:WEBHOOK_PORT behind the operator's HTTPS reverse proxy.
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: str = Field(default="", repr=False)
    # /healthz (bot.health): on when HEALTH_PORT is set, and in webhook mode (port 8081).
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_listen: str = "127.0.0.1"

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https://[^/\s?#:]+(:(443|80|88|8443))?(/[^\s?#]*)?$", value):
            raise ValueError(
                "must be an https:// URL on port 443, 80, 88 or 8443 (what Telegram accepts), "
                "e.g. https://bot.example.org/telegram"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: str) -> str:
        if value and not re.match(r"^[A-Za-z0-9_-]{1,256}$", value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _paid_rate_needs_paid_broadcasts(self) -> Settings:
        rate = self.broadcast_per_second
        if rate is not None and rate > FREE_BROADCAST_LIMIT and not self.allow_paid_broadcast:
            raise ValueError(
                f"BROADCAST_PER_SECOND above {FREE_BROADCAST_LIMIT} needs "
                "ALLOW_PAID_BROADCAST=true (Telegram's paid broadcasts, 0.1 Stars a message)"
            )
        return self

    @property
    def broadcast_rate(self) -> int:
        """Messages per second the broadcast may use, all processes together."""
        if self.broadcast_per_second is not None:
            return self.broadcast_per_second
        return PAID_BROADCAST_LIMIT if self.allow_paid_broadcast else FREE_BROADCAST_LIMIT

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _check_bot_api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError(
                "must be an http:// or https:// address, like https://api.telegram.org"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def pool_size(self) -> int:
        """Connections in the database pool (see `database_pool_size`)."""
        if self.database_pool_size is not None:
            return self.database_pool_size
        return self.max_concurrent_updates + JOB_CONNECTIONS

    @property
    def update_concurrency(self) -> int:
        """Updates processed at once: `max_concurrent_updates`, bounded so that the pool
        has a connection for each of them and the jobs."""
        return max(1, min(self.max_concurrent_updates, self.pool_size - JOB_CONNECTIONS))

    @property
    def reminder_grace(self) -> timedelta:
        return timedelta(minutes=self.reminder_grace_minutes)

    @property
    def delivery_lease(self) -> timedelta:
        return timedelta(seconds=self.delivery_lease_seconds)

    @property
    def delivery_retention(self) -> timedelta:
        return timedelta(days=self.delivery_retention_days)

    def require_token(self) -> str:
        """The token, or a one-line error that says how to get one."""
        token = self.bot_token.strip()
        if not token:
            raise ConfigError(
                "BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), "
                "then put BOT_TOKEN=<token> in the environment or in .env"
            )
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                "BOT_TOKEN looks malformed (expected digits, a colon, then letters like "
                "123456:ABC-DEF...): copy it again from @BotFather (/mybots -> API Token)"
            )
        return token


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn validation errors into one-line `ConfigError`s."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        if not field:  # a rule across settings: its message names them
            raise ConfigError(str(first["msg"]).removeprefix("Value error, ")) from None
        raise ConfigError(f"setting {field} is invalid: {first['msg']}") from None
