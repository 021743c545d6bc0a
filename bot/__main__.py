"""Command line: `stretchbot run` starts the bot; `stretchbot playground` runs it in a browser
with no token; `stretchbot db upgrade` migrates."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.db.engine import PRIVATE_UMASK
from bot.logs import configure_logging
from bot.playground.cli import add_arguments as add_playground_arguments
from bot.playground.cli import run as run_playground
from bot.startup import StartupError, upgrade_database


def say(line: str) -> None:
    """One line for the operator on stderr (start-up progress and failures)."""
    print(f"stretchbot: {line}", file=sys.stderr, flush=True)


def run(settings: Settings) -> None:
    """Stand by until this process is the active one, check everything, then poll until
    stopped (bot.runner)."""
    from bot.runner import run as run_bot

    run_bot(settings, say)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stretchbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_command = commands.add_parser(
        "run", help="start the bot (long polling, or a webhook with --webhook/WEBHOOK_URL)"
    )
    run_command.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this https:// URL (overrides WEBHOOK_URL); see the README",
    )
    commands.add_parser(
        "health",
        help="ask the running bot's /healthz (HEALTH_PORT): exit 0 healthy, 1 otherwise",
    )
    playground = commands.add_parser(
        "playground",
        help="try the bot in a browser: loopback Bot API + bot + web page, no token",
    )
    add_playground_arguments(playground)
    db = commands.add_parser("db", help="database commands")
    db.add_argument("action", choices=["upgrade"], help="apply migrations up to the latest")
    args = parser.parse_args(argv)
    # Opt in to PTB's timedelta durations (RetryAfter.retry_after) ahead of PTB 23.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # Health data: every file and folder the bot creates (the SQLite database, its WAL and
    # SHM files, the data folder) is readable by the bot's own user only.
    os.umask(PRIVATE_UMASK)
    try:
        webhook = getattr(args, "webhook", None)
        settings = load_settings(webhook_url=webhook) if webhook else load_settings()
        configure_logging(settings)
        if args.command == "playground":
            return run_playground(args)
        if args.command == "health":
            from bot.health import probe

            code, line = asyncio.run(probe(settings))
            print(line)
            return code
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
