"""Command line: `stretchbot run` starts the bot; `stretchbot db upgrade` migrates."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.db.migrate import upgrade_sync

# Loggers that would write private data at low levels, and the lowest level they may use:
# httpx/httpcore log request URLs, which contain the bot token; PTB logs whole updates
# (message text, pain taps) at DEBUG; aiosqlite logs SQL parameters at DEBUG; the
# scheduler logs every job run (every second for hold timers).
QUIETED_LOGGERS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.WARNING,
}


def configure_logging(settings: Settings) -> None:
    """Log at LOG_LEVEL, but never let message contents, pain values or the token through."""
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    level = logging.getLevelName(settings.log_level)
    for name, floor in QUIETED_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, level))


def run(settings: Settings) -> None:
    from bot.app import build_application

    application = build_application(settings)
    application.run_polling(allowed_updates=["message", "callback_query"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stretchbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (long polling)")
    db = commands.add_parser("db", help="database commands")
    db.add_argument("action", choices=["upgrade"], help="apply migrations up to the latest")
    args = parser.parse_args(argv)
    # Opt in to PTB's timedelta durations (RetryAfter.retry_after) ahead of PTB 23.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command == "db":
            upgrade_sync(settings.database_url)
            print("Database is up to date.")
        else:
            settings.require_token()
            run(settings)
    except ConfigError as exc:
        print(f"stretchbot: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
