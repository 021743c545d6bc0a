"""Command line: `stretchbot run` starts the bot; `stretchbot db upgrade` migrates."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from telegram.ext import Application

from bot.config import ConfigError, Settings, load_settings
from bot.db.engine import PRIVATE_UMASK
from bot.logs import configure_logging
from bot.startup import StartupError, prepare, running_line, upgrade_database


def say(line: str) -> None:
    """One line for the operator on stderr (start-up progress and failures)."""
    print(f"stretchbot: {line}", file=sys.stderr, flush=True)


def run(settings: Settings) -> None:
    """Check everything (retrying network failures), then poll until stopped."""
    ready = asyncio.run(prepare(settings, say))
    from bot.app import build_application  # imports matplotlib: only once the checks passed

    application = build_application(settings)
    started = application.post_init

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        if started is not None:
            await started(app)
        print(running_line(app.bot.username or ready.username), flush=True)

    application.post_init = post_init
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
    # Health data: every file and folder the bot creates (the SQLite database, its WAL and
    # SHM files, the data folder) is readable by the bot's own user only.
    os.umask(PRIVATE_UMASK)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.command == "db":
            asyncio.run(upgrade_database(settings))
            print("Database is up to date.")
        else:
            settings.require_token()
            run(settings)
    except (ConfigError, StartupError) as exc:
        say(str(exc))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
