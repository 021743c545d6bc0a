"""The table's callback queries family: answerCallbackQuery, and the inline keyboards whose
buttons send callback queries (`validate_reply_markup`, also for reply keyboards)."""

from __future__ import annotations

from typing import Any

from loopback.methods.spec import BOOL as _B
from loopback.methods.spec import INT as _I
from loopback.methods.spec import STR as _S
from loopback.methods.spec import MethodSpec, bad_request
from loopback.methods.spec import spec as _spec

SPECS: tuple[MethodSpec, ...] = (
    _spec(
        "answerCallbackQuery",
        {"callback_query_id": _S, "text": _S, "show_alert": _B, "url": _S, "cache_time": _I},
        "callback_query_id",
    ),
)


CALLBACK_DATA_LIMIT = 64
"""Maximum callback_data size in UTF-8 bytes."""
_URL_SCHEMES = ("http://", "https://", "tg://")
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if not any(key in button for key in _INLINE_ACTIONS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(_URL_SCHEMES) or len(url) <= 8:
            raise bad_request("BUTTON_URL_INVALID")


def validate_reply_markup(markup: Any, *, inline_only: bool) -> dict[str, Any]:
    """Check a decoded reply_markup the way Telegram does and return it.

    Edits accept only inline keyboards; sends also accept reply keyboards, keyboard
    removal and force-reply.
    """
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard: Field "inline_keyboard" must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('can\'t parse keyboard: Field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                label = button if isinstance(button, str) else None
                if isinstance(button, dict):
                    label = button.get("text")
                if not isinstance(label, str) or not label:
                    raise bad_request("keyboard button text is empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")
