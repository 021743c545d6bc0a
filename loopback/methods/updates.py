"""The table's updates family: getMe, getUpdates, webhooks, logOut and close (handled in
loopback/updates.py, loopback/webhook.py and loopback/bot_settings.py)."""

from __future__ import annotations

from loopback.methods.spec import BOOL as _B
from loopback.methods.spec import INT as _I
from loopback.methods.spec import JSON as _J
from loopback.methods.spec import STR as _S
from loopback.methods.spec import MethodSpec
from loopback.methods.spec import spec as _spec

SPECS: tuple[MethodSpec, ...] = (
    _spec("getMe", {}),
    _spec(
        "getUpdates",
        {"offset": _I, "limit": _I, "timeout": _I, "allowed_updates": _J},
    ),
    _spec("deleteWebhook", {"drop_pending_updates": _B}),
    _spec(
        "setWebhook",
        {
            "url": _S,
            "ip_address": _S,
            "max_connections": _I,
            "allowed_updates": _J,
            "drop_pending_updates": _B,
            "secret_token": _S,
        },
        "url",
    ),
    _spec("getWebhookInfo", {}),
    _spec("logOut", {}),
    _spec("close", {}),
)
