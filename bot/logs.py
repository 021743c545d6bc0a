"""Logging for the `stretchbot` process: LOG_LEVEL, quiet chatty libraries, no secrets.

Pain levels are health data and message text is private: neither may reach a log line,
errors included. Three layers keep them out:
- loggers that would write private data at low levels are held above it (QUIETED_LOGGERS);
- every SQLAlchemy engine hides statement parameters (`bot.db.engine.create_engine`);
- the formatter removes the bot token from the whole formatted record, exception
  tracebacks included (an httpx error can carry a request URL, which contains the token).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TextIO

from bot.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "stretchbot"

# Loggers that would write private data at low levels, and the lowest level they may use:
# httpx/httpcore log request URLs, which contain the bot token; PTB logs whole updates
# (message text, pain taps) at DEBUG; aiosqlite logs SQL parameters at DEBUG; the
# scheduler logs every job run (every second for hold timers); Alembic and matplotlib
# narrate routine start-up steps that would bury the one line that matters.
QUIETED_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    "matplotlib": logging.WARNING,
}


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces secrets anywhere in the formatted record with `***`."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def token_secrets(settings: Settings) -> list[str]:
    """The token and its secret half (after the colon), the strings no log may contain."""
    token = settings.bot_token.strip()
    return [token, token.partition(":")[2]] if token else []


def make_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the redacting formatter."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, token_secrets(settings)))
    return handler


def configure_logging(settings: Settings) -> None:
    """Log at LOG_LEVEL, but never let message contents, pain values or the token through."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(make_handler(settings))
    root.setLevel(settings.log_level)
    level = logging.getLevelName(settings.log_level)
    for name, floor in QUIETED_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, level))
