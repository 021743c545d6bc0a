"""Run the loopback Bot API server standalone: ``python -m loopback --port 8081``.

Why: the browser playground and benchmarks point a real bot process at it, so it needs to
run outside pytest.  Simulated users can be created up front with ``--user NAME``; the JSON
control API under ``/_loopback/`` (``loopback.control``) and ``python -m loopback.chat`` act
as users from other processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal

from loopback.server import DEFAULT_TOKEN, LoopbackBotAPI


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m loopback", description="Fake Telegram Bot API server on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="TCP port (0 picks a free one)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token to accept")
    parser.add_argument("--bot-username", default="stretch_test_bot")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME",
        help="create a simulated user with this first name (repeatable)",
    )
    parser.add_argument(
        "--control-token",
        default=os.environ.get("LOOPBACK_CONTROL_TOKEN"),
        help="require this X-Loopback-Token on the /_loopback/ control API "
        "(env LOOPBACK_CONTROL_TOKEN)",
    )
    parser.add_argument("--verbose", action="store_true", help="log method names and statuses")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    server = LoopbackBotAPI(
        token=args.token, bot_username=args.bot_username, control_token=args.control_token
    )
    for name in args.user:
        user = server.add_user(first_name=name)
        print(f"user {user.first_name}: id {user.id}", flush=True)
    await server.start(host=args.host, port=args.port)
    print(f"Loopback Bot API listening on {server.base_url}", flush=True)
    print(f"  PTB base_url:      {server.api_base_url}", flush=True)
    print(f"  PTB base_file_url: {server.file_base_url}", flush=True)
    print(f"  Control API:       {server.control_url}/", flush=True)
    token_hint = " --control-token ..." if args.control_token else ""
    print(
        f"  Chat as a user:    python -m loopback.chat --url {server.base_url}{token_hint}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``python -m loopback`` and the ``loopback-botapi`` script."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
