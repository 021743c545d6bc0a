"""A dispatch-only bot process for ``python -m bench faults``.

The real `Application` from `bot.app.build_application` (its jobs, the reminder dispatcher,
the Bot API client and rate limiter), started without long polling and without the
leadership election of `stretchbot run`, so that several processes dispatch at once on one
database. Production runs one active process, but the delivery guarantee must not depend
on that (an old leader can still be sending while a new one starts). Stops on SIGTERM/SIGINT
the way `stretchbot run` does (`bot.lifecycle.stop`).

    DATABASE_URL=... BOT_TOKEN=... BOT_API_URL=... python -m bench.dispatch_only
"""

from __future__ import annotations

import asyncio
import signal

from bot import lifecycle
from bot.app import build_application
from bot.config import load_settings
from bot.logs import configure_logging


async def serve() -> None:
    settings = load_settings()
    configure_logging(settings)
    application = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        await stop.wait()
    finally:
        await lifecycle.stop(application)


if __name__ == "__main__":
    asyncio.run(serve())
