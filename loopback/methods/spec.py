"""What every Bot API method's entry is made of, and Telegram-style errors.

`MethodSpec` (a method's fields and the required ones), `FieldKind` (how a parameter is
decoded), `Upload` (a multipart file), `ApiError` / `bad_request` (Telegram's error replies)
and the limits shared by several method families.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

TEXT_LIMIT = 4096
"""Maximum message text length (characters, after entity parsing)."""
CAPTION_LIMIT = 1024
"""Maximum media caption length (characters, after entity parsing)."""


class ApiError(Exception):
    """A Telegram-style error reply; raised anywhere while handling a request."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """The body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


class FieldKind(Enum):
    """How a parameter is decoded; form bodies carry everything as strings."""

    INT = "Integer"
    FLOAT = "Float"
    BOOL = "Boolean"
    STR = "String"
    INT_OR_STR = "Integer or String"
    JSON = "JSON-serialized object"
    FILE = "InputFile or String"


@dataclass(frozen=True)
class Upload:
    """A file that arrived as a multipart part (bytes kept in memory)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """What gets recorded instead of the bytes."""
        return {"upload": self.filename, "mime_type": self.content_type, "size": len(self.data)}


@dataclass(frozen=True)
class MethodSpec:
    """One supported method: the fields it decodes and the ones Telegram requires."""

    name: str
    fields: Mapping[str, FieldKind]
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [name for name in self.required if name not in self.fields]
        if unknown:  # pragma: no cover - guards the hand-written table
            raise ValueError(f"{self.name}: required fields {unknown} are not declared")


#: Short names for the tables' field kinds (the family modules import them as _I, _S ...).
INT, FLOAT, BOOL, STR, INT_OR_STR, JSON, FILE = (
    FieldKind.INT,
    FieldKind.FLOAT,
    FieldKind.BOOL,
    FieldKind.STR,
    FieldKind.INT_OR_STR,
    FieldKind.JSON,
    FieldKind.FILE,
)

#: Fields every send method shares.
SEND_COMMON: dict[str, FieldKind] = {
    "business_connection_id": STR,
    "chat_id": INT_OR_STR,
    "message_thread_id": INT,
    "disable_notification": BOOL,
    "protect_content": BOOL,
    "allow_paid_broadcast": BOOL,
    "message_effect_id": STR,
    "reply_parameters": JSON,
    "reply_markup": JSON,
}
#: Fields naming the message an edit method changes.
EDIT_TARGET: dict[str, FieldKind] = {
    "business_connection_id": STR,
    "chat_id": INT_OR_STR,
    "message_id": INT,
    "inline_message_id": STR,
    "reply_markup": JSON,
}

#: Fields of a caption (send and edit methods of media).
CAPTION: dict[str, FieldKind] = {
    "caption": STR,
    "parse_mode": STR,
    "caption_entities": JSON,
}
#: A caption's fields on a photo or animation, which may show it above the media.
CAPTION_ABOVE: dict[str, FieldKind] = {**CAPTION, "show_caption_above_media": BOOL}


def spec(name: str, fields: Mapping[str, FieldKind], *required: str) -> MethodSpec:
    """One table entry: the method's fields and the ones Telegram requires."""
    return MethodSpec(name=name, fields=dict(fields), required=required)
