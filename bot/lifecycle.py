"""Start and stop the bot inside an event loop someone else owns.

`Application.run_polling` owns the loop and blocks; tests, benchmarks and the playground
need the same start-up order while they keep running. Both paths go through the same
hooks (`post_init`, `post_shutdown`), so nothing differs between them.
"""

from __future__ import annotations

import gc
import logging

from telegram.error import BadRequest, Conflict, NetworkError, TelegramError
from telegram.ext import Application

from bot.webhook import WebhookConfig

logger = logging.getLogger(__name__)

# The update types the handlers use (bot/handlers/__init__.py: messages, edited messages,
# callback queries, and my_chat_member: added to a group, the bot leaves, bot.handlers.chats):
# polling and setWebhook ask for exactly these.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")


def log_polling_error(error: TelegramError) -> None:
    """One line per failed getUpdates, never a traceback (PTB retries with backoff).

    409 Conflict means something else consumes this token's updates (another process not
    under the same election, or a webhook set by someone else).
    """
    if isinstance(error, Conflict):
        logger.warning(
            "getUpdates: 409 Conflict (%s): another process or a webhook takes this bot's "
            "updates; retrying",
            error.message,
        )
    elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        logger.warning("getUpdates failed (%s); retrying", error.message)
    else:
        logger.error("getUpdates failed (%s: %s); retrying", type(error).__name__, error.message)


def freeze_heap() -> int:
    """Take what start-up built out of the cyclic garbage collector's way; returns how many
    objects that is.

    After start-up the process holds about 200,000 long-lived objects (PTB, SQLAlchemy,
    the content, the time-zone finder). Every full collection walks all of them: 65-100 ms
    with the event loop stopped, which under a burst of taps was the p99 (a storm run,
    p99 64 ms before, 18 ms after). `gc.collect` first, so no garbage is kept, then
    `gc.freeze` moves the survivors to the permanent generation; objects made later are
    collected as before. Called once per process by `stretchbot run` (bot.runner) after
    `post_init`; not by tests, which start many bots in one process.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


async def start_polling(
    application: Application,  # type: ignore[type-arg]
    *,
    poll_interval: float = 0.0,
    poll_timeout: int = 10,
) -> None:
    """initialize → post_init → start polling → start: the order `run_polling` uses."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval,
        timeout=poll_timeout,
        drop_pending_updates=False,
        allowed_updates=list(ALLOWED_UPDATES),
        error_callback=log_polling_error,
    )
    await application.start()


async def start_webhook(
    application: Application,  # type: ignore[type-arg]
    webhook: WebhookConfig,
) -> None:
    """initialize → post_init → PTB's webhook server + setWebhook → start (`run_webhook`'s
    order). setWebhook carries the allowed updates, the secret token and
    drop_pending_updates=False."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_webhook(
        listen=webhook.listen,
        port=webhook.port,
        url_path=webhook.url_path,
        webhook_url=webhook.url,
        allowed_updates=list(ALLOWED_UPDATES),
        drop_pending_updates=False,
        secret_token=webhook.secret,
    )
    await application.start()


async def start(
    application: Application,  # type: ignore[type-arg]
    webhook: WebhookConfig | None,
    *,
    poll_timeout: int = 10,
) -> None:
    """Webhook mode when configured, else long polling."""
    if webhook is None:
        await start_polling(application, poll_timeout=poll_timeout)
    else:
        await start_webhook(application, webhook)


async def stop(application: Application) -> None:  # type: ignore[type-arg]
    """Stop polling, stop, shut down, then `post_shutdown`: safe on a half-started bot."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
