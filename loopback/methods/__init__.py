"""The table of Bot API methods the loopback server supports, and Telegram-like validation.

Everything here is pure (no I/O, no server state) so it can be tested on its own and so
the server modules stay about state and HTTP. The table is hand-written, one module per
method family, each a tuple of `MethodSpec` (a test compares their required fields with
the published Bot API description, ../shared/telegram-bot-api/api.json, so they can't drift):

- spec.py: `MethodSpec`, `FieldKind`, `Upload`, `ApiError`, the shared limits and fields
- updates.py: getMe, getUpdates, webhooks, logOut, close
- bot_settings.py: commands and descriptions; `validate_commands`
- messages.py: send, edit and delete messages, chat actions, leaveChat
- callback_queries.py: answerCallbackQuery; `validate_reply_markup` (inline keyboards)
- media.py: photos, animations, documents, editMessageMedia, getFile
- params.py: `coerce_params` and `check_required` (decoding by the table)
- formatting.py: `parse_formatted_text` over html_text.py and markdown_text.py
  (text_builder.py: UTF-16 offsets and the entity builder they share)
"""

from __future__ import annotations

from loopback.methods import bot_settings, callback_queries, media, messages, updates
from loopback.methods.bot_settings import validate_commands
from loopback.methods.callback_queries import CALLBACK_DATA_LIMIT, validate_reply_markup
from loopback.methods.formatting import parse_formatted_text
from loopback.methods.messages import CHAT_ACTIONS
from loopback.methods.params import check_required, coerce_params
from loopback.methods.spec import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    ApiError,
    FieldKind,
    MethodSpec,
    Upload,
    bad_request,
)
from loopback.methods.text_builder import utf16_len

__all__ = [
    "CALLBACK_DATA_LIMIT",
    "CAPTION_LIMIT",
    "CHAT_ACTIONS",
    "METHODS",
    "TEXT_LIMIT",
    "ApiError",
    "FieldKind",
    "MethodSpec",
    "Upload",
    "bad_request",
    "check_required",
    "coerce_params",
    "lookup_method",
    "parse_formatted_text",
    "utf16_len",
    "validate_commands",
    "validate_reply_markup",
]

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for family in (updates, bot_settings, messages, callback_queries, media)
    for spec in family.SPECS
}

_BY_LOWER = {name.lower(): spec for name, spec in METHODS.items()}


def lookup_method(name: str) -> MethodSpec | None:
    """Find a method like Telegram does: method names are case-insensitive."""
    return _BY_LOWER.get(name.lower())
