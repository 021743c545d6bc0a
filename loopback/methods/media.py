"""The table's media family: photos, animations, documents, editMessageMedia and getFile
(handled in loopback/files.py)."""

from __future__ import annotations

from loopback.methods.spec import BOOL as _B
from loopback.methods.spec import CAPTION as _CAPTION
from loopback.methods.spec import CAPTION_ABOVE as _CAPTION_ABOVE
from loopback.methods.spec import EDIT_TARGET as _EDIT_TARGET
from loopback.methods.spec import FILE as _FILE
from loopback.methods.spec import INT as _I
from loopback.methods.spec import JSON as _J
from loopback.methods.spec import SEND_COMMON as _SEND_COMMON
from loopback.methods.spec import STR as _S
from loopback.methods.spec import MethodSpec
from loopback.methods.spec import spec as _spec

SPECS: tuple[MethodSpec, ...] = (
    _spec(
        "sendPhoto",
        {
            **_SEND_COMMON,
            "photo": _FILE,
            **_CAPTION_ABOVE,
            "has_spoiler": _B,
        },
        "chat_id",
        "photo",
    ),
    _spec(
        "sendAnimation",
        {
            **_SEND_COMMON,
            "animation": _FILE,
            "duration": _I,
            "width": _I,
            "height": _I,
            "thumbnail": _FILE,
            **_CAPTION_ABOVE,
            "has_spoiler": _B,
        },
        "chat_id",
        "animation",
    ),
    _spec("editMessageMedia", {**_EDIT_TARGET, "media": _J}, "media"),
    _spec(
        "sendDocument",
        {
            **_SEND_COMMON,
            "document": _FILE,
            "thumbnail": _FILE,
            **_CAPTION,
            "disable_content_type_detection": _B,
        },
        "chat_id",
        "document",
    ),
    _spec("getFile", {"file_id": _S}, "file_id"),
)
