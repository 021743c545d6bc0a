"""Command line: `stretchbot run` starts the bot; `stretchbot db upgrade` migrates."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.db.migrate import upgrade_sync


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # The scheduler logs every job run (every second for hold timers): too chatty for INFO.
    logging.getLogger("apscheduler").setLevel(
        max(logging.WARNING, logging.getLevelName(settings.log_level))
    )


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
