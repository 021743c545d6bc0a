"""The table's messages family: sending, editing and deleting text messages, chat actions,
leaving a chat (handled in loopback/messages.py and loopback/groups.py)."""

from __future__ import annotations

from loopback.methods.spec import CAPTION_ABOVE as _CAPTION_ABOVE
from loopback.methods.spec import EDIT_TARGET as _EDIT_TARGET
from loopback.methods.spec import INT as _I
from loopback.methods.spec import INT_OR_STR as _IS
from loopback.methods.spec import JSON as _J
from loopback.methods.spec import SEND_COMMON as _SEND_COMMON
from loopback.methods.spec import STR as _S
from loopback.methods.spec import MethodSpec
from loopback.methods.spec import spec as _spec

SPECS: tuple[MethodSpec, ...] = (
    _spec(
        "sendMessage",
        {
            **_SEND_COMMON,
            "text": _S,
            "parse_mode": _S,
            "entities": _J,
            "link_preview_options": _J,
        },
        "chat_id",
        "text",
    ),
    _spec(
        "editMessageText",
        {
            **_EDIT_TARGET,
            "text": _S,
            "parse_mode": _S,
            "entities": _J,
            "link_preview_options": _J,
        },
    ),
    _spec("editMessageReplyMarkup", _EDIT_TARGET),
    _spec("editMessageCaption", {**_EDIT_TARGET, **_CAPTION_ABOVE}),
    _spec("deleteMessage", {"chat_id": _IS, "message_id": _I}, "chat_id", "message_id"),
    _spec(
        "sendChatAction",
        {
            "business_connection_id": _S,
            "chat_id": _IS,
            "message_thread_id": _I,
            "action": _S,
        },
        "chat_id",
        "action",
    ),
    _spec("leaveChat", {"chat_id": _IS}, "chat_id"),
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
