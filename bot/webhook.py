"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL instead of the bot polling.

`stretchbot run --webhook https://bot.example.org/telegram` (or WEBHOOK_URL) starts PTB's
webhook server on WEBHOOK_LISTEN:WEBHOOK_PORT at the URL's path (put an HTTPS reverse proxy
in front of it), then calls setWebhook with the update types the handlers use,
`drop_pending_updates=False` (nothing users sent while the bot was away is lost) and a
`secret_token`. PTB answers 403 to any request without the matching
`X-Telegram-Bot-Api-Secret-Token` header and processes nothing from it. Without
WEBHOOK_SECRET the active process generates one each time it starts; a standby that takes
over sets the webhook again with its own. Going back to polling deletes the webhook
(PTB's start_polling calls deleteWebhook first).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.config import Settings


@dataclass(frozen=True)
class WebhookConfig:
    """Where PTB listens and what setWebhook says."""

    url: str
    listen: str
    port: int
    secret: str = field(repr=False)

    @property
    def url_path(self) -> str:
        """The path PTB serves: the public URL's path, so a proxy can pass it through."""
        return urlsplit(self.url).path.lstrip("/")


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """The webhook settings, or None for long polling."""
    if not settings.webhook_url:
        return None
    return WebhookConfig(
        url=settings.webhook_url,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        secret=settings.webhook_secret or secrets.token_urlsafe(32),
    )
