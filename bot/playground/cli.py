"""``stretchbot playground``: run the loopback Bot API, the real bot and the page until
Ctrl-C or SIGTERM, then stop all three."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import webbrowser
from pathlib import Path

from bot.playground.core import (
    DEFAULT_DATA_DIR,
    DEFAULT_PORT,
    Playground,
    PlaygroundError,
    PlaygroundOptions,
    is_loopback,
)
from bot.startup import StartupError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def say(line: str) -> None:
    """One line for the operator on stderr, worded and prefixed like `stretchbot run`'s."""
    print(f"stretchbot: {line}", file=sys.stderr, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``playground`` subcommand's options."""
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"page port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--host",
        default=None,
        help="address to listen on instead of 127.0.0.1 (e.g. 0.0.0.0); anything but loopback "
        "prints a warning and requires a token printed in the console",
    )
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where the SQLite file and clock live unless DATABASE_URL is set "
        f"(default ./{DEFAULT_DATA_DIR})",
    )


def options_from(args: argparse.Namespace) -> PlaygroundOptions:
    return PlaygroundOptions(
        host=args.host or "127.0.0.1",
        port=args.port,
        expose=args.host is not None,
        data_dir=args.data_dir,
    )


async def serve(options: PlaygroundOptions, open_browser: bool = False) -> None:
    """Start everything, print the URL, wait for SIGINT/SIGTERM, stop everything."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    playground = Playground(options)
    try:
        await playground.start(say)
        if not is_loopback(options.host):
            print(
                f"WARNING: the playground listens on {options.host}, so other machines can "
                "reach it. Its API requires this token (already in the URL below):\n"
                f"  token: {options.control_token}",
                flush=True,
            )
        assert playground.settings is not None
        print(f"Stretch bot playground: {playground.url}", flush=True)
        print(f"  database: {_describe(playground.settings.database_url)}", flush=True)
        print(f"  chats: {playground.chats.path}{_restored(playground)}", flush=True)
        print("  Ctrl-C stops it.", flush=True)
        if open_browser:
            await asyncio.to_thread(webbrowser.open, playground.url)
        await stop.wait()
        print("Stopping the playground ...", flush=True)
    finally:
        await playground.stop()
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)


def _restored(playground: Playground) -> str:
    """What the start found again, for the console."""
    names = [user.first_name for user in playground.restored]
    if not names:
        return " (new)"
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f" ({len(names)} user{'s' if len(names) != 1 else ''} restored: {shown})"


def _describe(database_url: str) -> str:
    """The database URL without a password."""
    if "@" in database_url and "://" in database_url:
        scheme, rest = database_url.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return database_url


def run(args: argparse.Namespace) -> int:
    """Entry point from ``bot.__main__``; returns the exit status (2: can't start).

    After a clean stop the process exits at once: everything it opened is closed by then,
    and the interpreter's own teardown of the large libraries it imported (PTB, SQLAlchemy,
    matplotlib) takes seconds on a busy machine, while Ctrl-C should stop it in well under 5.
    """
    try:
        options = options_from(args)
        options.check()
        asyncio.run(serve(options, open_browser=args.open))
    except PlaygroundError as error:
        print(f"stretchbot playground: {error}", file=sys.stderr)
        return 2
    except StartupError as error:  # the same line as `stretchbot run` prints
        say(str(error))
        return 2
    except KeyboardInterrupt:
        pass
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
