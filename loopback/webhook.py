"""Webhooks as Telegram runs them: setWebhook, getWebhookInfo, deleteWebhook, delivery.

While a webhook is set, Telegram POSTs each update as JSON to its URL, one after the
other, with the `X-Telegram-Bot-Api-Secret-Token` header when a secret_token was given; any
answer other than 2xx (or no answer) keeps the update queued and it is tried again later;
getUpdates is refused with 409 Conflict. Telegram only accepts HTTPS URLs on ports 443, 80,
88 or 8443; the loopback server accepts the same URLs and, since nothing here has a public
name or a certificate, a test maps the public URL to where the bot really listens with
`route_webhook` (the reverse proxy of a real deployment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from loopback.http_app import HttpAppMixin
from loopback.methods import ApiError, bad_request

logger = logging.getLogger("loopback")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PORTS = frozenset({443, 80, 88, 8443})
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
RETRY_SECONDS = 0.5
DELIVERY_TIMEOUT_SECONDS = 10.0
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class WebhookMixin(HttpAppMixin):
    """Webhook state and the task that delivers pending updates to it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_max_connections = 40
        self._webhook_routes: dict[str, str] = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_last_error: tuple[int, str] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []
        """(update_id, HTTP status) of every delivery attempt that got an answer."""

    async def stop(self) -> None:
        await self._stop_delivery()
        await super().stop()

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self._webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        return await super()._get_updates(params)

    # ----------------------------------------------------------------- test helpers

    def route_webhook(self, public_url: str, local_url: str) -> None:
        """Deliver what is meant for `public_url` to `local_url` (DNS + TLS proxy)."""
        self._webhook_routes[public_url] = local_url
        self._notify()

    @property
    def webhook_url(self) -> str:
        """The URL set with setWebhook ("" when the bot uses getUpdates)."""
        return self._webhook_url

    # ----------------------------------------------------------------- Bot API methods

    def _m_set_webhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            self._clear_webhook()
            return True
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        if not parts.hostname:
            raise bad_request("bad webhook: Wrong HTTP URL specified")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = int(params.get("max_connections") or 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._pending.clear()
            self._confirmed_offset = max(self._confirmed_offset, self._next_update_id)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) if allowed else None
        self._webhook_url = url
        self._webhook_secret = None if secret is None else str(secret)
        self._webhook_max_connections = max_connections
        self._webhook_last_error = None
        self._poll_generation += 1  # a long poll in progress ends with 409
        self._ensure_delivery()
        self._notify()
        return True

    def _m_delete_webhook(self, params: dict[str, Any]) -> Any:
        self._clear_webhook()
        return super()._m_delete_webhook(params)

    def _m_get_webhook_info(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_max_connections
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if self._webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    # ----------------------------------------------------------------- delivery

    def _clear_webhook(self) -> None:
        self._webhook_url = ""
        self._webhook_secret = None
        self._webhook_last_error = None
        self._notify()

    def _ensure_delivery(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(
                self._deliver_loop(), name="loopback-webhook"
            )

    async def _stop_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_loop(self) -> None:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS)
        ) as session:
            while self._webhook_url and not self._closing:
                ready = self._deliverable(1)
                if not ready:
                    event = self._changed
                    await event.wait()
                    continue
                update = ready[0]
                if await self._deliver(session, update):
                    self._pending = [
                        u for u in self._pending if u["update_id"] != update["update_id"]
                    ]
                    self._confirmed_offset = max(self._confirmed_offset, update["update_id"] + 1)
                    self._notify()
                else:
                    await asyncio.sleep(RETRY_SECONDS)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
        url = self._webhook_url
        target = self._webhook_routes.get(url)
        if target is None:
            self._webhook_last_error = (int(self._clock()), "Connection refused")
            return False
        headers = {SECRET_HEADER: self._webhook_secret} if self._webhook_secret else {}
        try:
            async with session.post(target, json=update, headers=headers) as response:
                await response.read()
                self.webhook_deliveries.append((update["update_id"], response.status))
                if 200 <= response.status < 300:
                    return True
                message = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            message = f"Connection failed: {type(exc).__name__}"
        self._webhook_last_error = (int(self._clock()), message)
        return False
