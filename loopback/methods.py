"""The table of Bot API methods the loopback server supports, and Telegram-like validation.

Everything here is pure (no I/O, no server state) so it can be tested on its own and so
the server module stays about state and HTTP.  The table is hand-written; a test compares
its required fields with the published Bot API description so that it cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "CAPTION_LIMIT",
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

TEXT_LIMIT = 4096
"""Maximum message text length (characters, after entity parsing)."""
CAPTION_LIMIT = 1024
"""Maximum media caption length (characters, after entity parsing)."""
CALLBACK_DATA_LIMIT = 64
"""Maximum callback_data size in UTF-8 bytes."""
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


_I, _F, _B, _S, _IS, _J, _FILE = (
    FieldKind.INT,
    FieldKind.FLOAT,
    FieldKind.BOOL,
    FieldKind.STR,
    FieldKind.INT_OR_STR,
    FieldKind.JSON,
    FieldKind.FILE,
)

_SEND_COMMON: dict[str, FieldKind] = {
    "business_connection_id": _S,
    "chat_id": _IS,
    "message_thread_id": _I,
    "disable_notification": _B,
    "protect_content": _B,
    "allow_paid_broadcast": _B,
    "message_effect_id": _S,
    "reply_parameters": _J,
    "reply_markup": _J,
}
_EDIT_TARGET: dict[str, FieldKind] = {
    "business_connection_id": _S,
    "chat_id": _IS,
    "message_id": _I,
    "inline_message_id": _S,
    "reply_markup": _J,
}
_SCOPE: dict[str, FieldKind] = {"scope": _J, "language_code": _S}


def _spec(name: str, fields: Mapping[str, FieldKind], *required: str) -> MethodSpec:
    return MethodSpec(name=name, fields=dict(fields), required=required)


METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
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
        _spec("setMyCommands", {"commands": _J, **_SCOPE}, "commands"),
        _spec("getMyCommands", _SCOPE),
        _spec("deleteMyCommands", _SCOPE),
        _spec("setMyDescription", {"description": _S, "language_code": _S}),
        _spec("getMyDescription", {"language_code": _S}),
        _spec("setMyShortDescription", {"short_description": _S, "language_code": _S}),
        _spec("getMyShortDescription", {"language_code": _S}),
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
        _spec(
            "editMessageCaption",
            {
                **_EDIT_TARGET,
                "caption": _S,
                "parse_mode": _S,
                "caption_entities": _J,
                "show_caption_above_media": _B,
            },
        ),
        _spec("deleteMessage", {"chat_id": _IS, "message_id": _I}, "chat_id", "message_id"),
        _spec(
            "answerCallbackQuery",
            {"callback_query_id": _S, "text": _S, "show_alert": _B, "url": _S, "cache_time": _I},
            "callback_query_id",
        ),
        _spec(
            "sendPhoto",
            {
                **_SEND_COMMON,
                "photo": _FILE,
                "caption": _S,
                "parse_mode": _S,
                "caption_entities": _J,
                "show_caption_above_media": _B,
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
                "caption": _S,
                "parse_mode": _S,
                "caption_entities": _J,
                "show_caption_above_media": _B,
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
                "caption": _S,
                "parse_mode": _S,
                "caption_entities": _J,
                "disable_content_type_detection": _B,
            },
            "chat_id",
            "document",
        ),
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
        _spec("getFile", {"file_id": _S}, "file_id"),
        _spec("leaveChat", {"chat_id": _IS}, "chat_id"),
    )
}

_BY_LOWER = {name.lower(): spec for name, spec in METHODS.items()}


def lookup_method(name: str) -> MethodSpec | None:
    """Find a method like Telegram does: method names are case-insensitive."""
    return _BY_LOWER.get(name.lower())


# --------------------------------------------------------------------------- parameters

_INT_RE = re.compile(r"^-?\d+$")
_MISSING_MESSAGES = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "action": "wrong parameter action in request",
}


def _json_error(name: str) -> ApiError:
    if name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    return bad_request(f"can't parse {name} JSON object")


def _coerce(name: str, kind: FieldKind, value: Any, uploads: Mapping[str, Upload]) -> Any:
    """Decode one value; form bodies send JSON-encoded strings for non-string values."""
    if kind is FieldKind.FILE:
        if isinstance(value, Upload):
            return value
        text = str(value)
        if text.startswith("attach://"):
            part = uploads.get(text.removeprefix("attach://"))
            if part is None:
                raise bad_request(f"file {text} not found in the request")
            return part
        return text
    if isinstance(value, Upload):
        raise bad_request(f"parameter {name} must not be a file")
    if kind is FieldKind.STR:
        if isinstance(value, (dict, list)):
            raise bad_request(f"parameter {name} must be a String")
        return value if isinstance(value, str) else json.dumps(value)
    if kind is FieldKind.INT:
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.match(value.strip()):
            return int(value.strip())
        raise bad_request(f"invalid {name} specified")
    if kind is FieldKind.INT_OR_STR:
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            stripped = value.strip()
            return int(stripped) if _INT_RE.match(stripped) else stripped
        raise bad_request(f"invalid {name} specified")
    if kind is FieldKind.FLOAT:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None
    if kind is FieldKind.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        lowered = str(value).strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0", ""}:
            return False
        raise bad_request(f"invalid {name} specified")
    # FieldKind.JSON: may arrive decoded (JSON body) or as a JSON string (form body).
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _json_error(name) from None
    return value


def coerce_params(
    spec: MethodSpec, raw: Mapping[str, Any], uploads: Mapping[str, Upload] | None = None
) -> dict[str, Any]:
    """Decode a request's raw parameters according to the method's field table.

    Unknown parameters are kept as they came (Telegram ignores them).  Multipart parts that
    were only referenced through ``attach://`` are dropped from the result.
    """
    parts = dict(uploads or {})
    params: dict[str, Any] = {}
    for name, value in raw.items():
        kind = spec.fields.get(name)
        if kind is None:
            if isinstance(value, Upload):
                continue  # an attach:// part; resolved through the field that names it
            params[name] = value
            continue
        params[name] = _resolve_attachments(_coerce(name, kind, value, parts), parts)
    return params


def _resolve_attachments(value: Any, parts: Mapping[str, Upload]) -> Any:
    """InputMedia objects name their file as ``"media": "attach://<part>"``: swap in the part."""
    if isinstance(value, list):
        return [_resolve_attachments(item, parts) for item in value]
    if isinstance(value, dict):
        media = value.get("media")
        if isinstance(media, str) and media.startswith("attach://"):
            part = parts.get(media.removeprefix("attach://"))
            if part is None:
                raise bad_request(f"file {media} not found in the request")
            return {**value, "media": part}
    return value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_required(spec: MethodSpec, params: Mapping[str, Any]) -> None:
    """Reject the first missing required field with Telegram's wording for it."""
    for name in spec.required:
        if _is_missing(params.get(name)):
            raise bad_request(_MISSING_MESSAGES.get(name, f"parameter {name} is required"))


# --------------------------------------------------------------------------- reply markup

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


# --------------------------------------------------------------------------- commands

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' list of BotCommand objects (rules from the Bot API docs)."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result


# --------------------------------------------------------------------------- formatted text


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _TextBuilder:
    """Collects plain text and entities with UTF-16 offsets while a parser walks markup."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def append(self, text: str) -> None:
        self.pieces.append(text)
        self.offset += utf16_len(text)

    def add_entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), entities


# HTML ----------------------------------------------------------------------------------

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


def _decode_html_entity(src: str, index: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at index; unknown named entities stay literal, like Telegram."""
    match = _HTML_ENTITY_RE.match(src, index)
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            return chr(code), match.end() - index
        except (ValueError, OverflowError):
            return None
    decoded = _NAMED_ENTITIES.get(name)
    return (decoded, match.end() - index) if decoded is not None else None


def _unescape_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i += decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    start: int
    language: str | None = None


def _is_name_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-_")


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML dialect: a fixed tag set, strict nesting, four named entities."""
    out = _TextBuilder()
    stack: list[_OpenTag] = []
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                out.append(decoded[0])
                i += decoded[1]
            else:
                out.append("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.append(src[i:j])
            i = j
            continue
        begin = i
        offset = _byte_offset(src, begin)
        i += 1
        if i >= n or src[i] != "/":
            j = i
            while j < n and _is_name_char(src[j]):
                j += 1
            name = src[i:j].lower()
            if name not in _HTML_TAGS:
                raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
            i = j
            attributes: dict[str, str] = {}
            while True:
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise _parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] == ">":
                    i += 1
                    break
                j = i
                while j < n and _is_name_char(src[j]):
                    j += 1
                attribute = src[i:j].lower()
                if not attribute:
                    raise _parse_error(
                        f'Empty attribute name in the tag "{name}" at byte offset {offset}'
                    )
                i = j
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise _parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] != "=":
                    attributes[attribute] = ""
                    continue
                i += 1
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise _parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] in "\"'":
                    end = src.find(src[i], i + 1)
                    if end == -1:
                        raise _parse_error(f"Unclosed start tag at byte offset {offset}")
                    value = src[i + 1 : end]
                    i = end + 1
                else:
                    j = i
                    while j < n and not src[j].isspace() and src[j] != ">":
                        j += 1
                    value = src[i:j]
                    i = j
                attributes[attribute] = _unescape_attribute(value)
            if name == "span" and attributes.get("class") != "tg-spoiler":
                raise _parse_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            stack.append(_OpenTag(name=name, attributes=attributes, start=out.offset))
            continue
        # End tag.
        if not stack:
            raise _parse_error(f"Unexpected end tag at byte offset {offset}")
        i += 1
        j = i
        while j < n and _is_name_char(src[j]):
            j += 1
        end_name = src[i:j].lower()
        i = j
        while i < n and src[i].isspace():
            i += 1
        if i >= n or src[i] != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {offset}")
        i += 1
        tag = stack.pop()
        if end_name != tag.name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        _close_html_tag(out, tag, stack)
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _close_html_tag(out: _TextBuilder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if href:
            out.add_entity("text_link", tag.start, url=href)
        else:
            out.add_entity("url", tag.start)
        return
    if tag.name == "code":
        language = tag.attributes.get("class", "")
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and parent.start == tag.start:
            if language.startswith("language-"):
                parent.language = language.removeprefix("language-")
            return  # <pre><code>…</code></pre> is one pre entity
        out.add_entity("code", tag.start)
        return
    if tag.name == "pre":
        if tag.language:
            out.add_entity("pre", tag.start, language=tag.language)
        else:
            out.add_entity("pre", tag.start)
        return
    if tag.name == "blockquote" and "expandable" in tag.attributes:
        out.add_entity("expandable_blockquote", tag.start)
        return
    out.add_entity(kind, tag.start)


# MarkdownV2 ----------------------------------------------------------------------------

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}
_MDV2_CLOSERS = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
    "text_link": "]",
}


@dataclass
class _OpenMd:
    kind: str
    start: int
    byte_offset: int
    language: str | None = None


def _reserved_error(char: str) -> ApiError:
    return _parse_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2: every reserved character outside an entity marker must be escaped."""
    out = _TextBuilder()
    stack: list[_OpenMd] = []
    quote_start: int | None = None
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        at_line_start = i == 0 or src[i - 1] == "\n"
        in_code = bool(stack) and stack[-1].kind in {"code", "pre"}
        if at_line_start and not in_code:
            if char == ">":
                if quote_start is None:
                    quote_start = out.offset
                i += 1
                continue
            if quote_start is not None:
                _close_quote(out, quote_start)
                quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.append(src[i + 1])
            i += 2
            continue
        if in_code:
            top = stack[-1]
            closer = "```" if top.kind == "pre" else "`"
            if src.startswith(closer, i):
                stack.pop()
                if top.language:
                    out.add_entity("pre", top.start, language=top.language)
                else:
                    out.add_entity(top.kind, top.start)
                i += len(closer)
            else:
                out.append(char)
                i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.append(char)
            i += 1
            continue
        if stack:
            top = stack[-1]
            closer = _MDV2_CLOSERS.get(top.kind, "")
            # "__" inside an italic starts an underline unless one is open below, in which
            # case it is the italic's end followed by the underline's ("___x___").
            starts_underline = (
                top.kind == "italic"
                and src.startswith("__", i)
                and not _has_open(stack, "underline")
            )
            if closer and src.startswith(closer, i) and not starts_underline:
                stack.pop()
                i += len(closer)
                if top.kind == "text_link":
                    i = _finish_text_link(src, i, out, top)
                else:
                    out.add_entity(top.kind, top.start)
                continue
        begin = _byte_offset(src, i)
        if char == "_":
            if src.startswith("__", i):
                stack.append(_OpenMd("underline", out.offset, begin))
                i += 2
            else:
                stack.append(_OpenMd("italic", out.offset, begin))
                i += 1
        elif char == "*":
            stack.append(_OpenMd("bold", out.offset, begin))
            i += 1
        elif char == "~":
            stack.append(_OpenMd("strikethrough", out.offset, begin))
            i += 1
        elif char == "|" and src.startswith("||", i):
            stack.append(_OpenMd("spoiler", out.offset, begin))
            i += 2
        elif char == "[":
            stack.append(_OpenMd("text_link", out.offset, begin))
            i += 1
        elif char == "`":
            if src.startswith("```", i):
                i += 3
                newline = src.find("\n", i)
                language = None
                if newline != -1 and src[i:newline].strip() and " " not in src[i:newline].strip():
                    language = src[i:newline].strip()
                    i = newline + 1
                elif newline == i:
                    i += 1
                stack.append(_OpenMd("pre", out.offset, begin, language))
            else:
                stack.append(_OpenMd("code", out.offset, begin))
                i += 1
        else:
            raise _reserved_error(char)
    if stack:
        top = stack[-1]
        raise _parse_error(
            f"Can't find end of {_MDV2_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
        )
    if quote_start is not None:
        _close_quote(out, quote_start)
    return out.result()


def _close_quote(out: _TextBuilder, start: int) -> None:
    """End a ``>`` blockquote; the newline that ends its last line is not part of it."""
    end = out.offset
    if out.pieces and out.pieces[-1].endswith("\n"):
        end -= 1
    if end > start:
        out.entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _has_open(stack: list[_OpenMd], kind: str) -> bool:
    return any(item.kind == kind for item in stack)


def _finish_text_link(src: str, i: int, out: _TextBuilder, top: _OpenMd) -> int:
    """Read ``(url)`` after ``[text]``; inside the URL only ``)`` and ``\\`` are escaped."""
    if i >= len(src) or src[i] != "(":
        raise _parse_error(f"Can't find end of TextUrl entity at byte offset {top.byte_offset}")
    i += 1
    url: list[str] = []
    while i < len(src) and src[i] != ")":
        if src[i] == "\\" and i + 1 < len(src):
            i += 1
        url.append(src[i])
        i += 1
    if i >= len(src):
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(src, i)}")
    out.add_entity("text_link", top.start, url="".join(url))
    return i + 1


# Legacy Markdown -------------------------------------------------------------------------

_MD_MARKERS = {"*": "bold", "_": "italic", "`": "code"}


def _parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = _TextBuilder()
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.append(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            i += 1
            continue
        begin = _byte_offset(src, i)
        unclosed = _parse_error(f"Can't find end of the entity starting at byte offset {begin}")
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end == -1:
                raise unclosed
            body = src[i + 3 : end]
            language = None
            first_line, sep, rest = body.partition("\n")
            if sep and first_line.strip() and " " not in first_line.strip():
                language, body = first_line.strip(), rest
            start = out.offset
            out.append(body)
            if language:
                out.add_entity("pre", start, language=language)
            else:
                out.add_entity("pre", start)
            i = end + 3
            continue
        if char == "[":
            close = src.find("]", i + 1)
            if close == -1 or close + 1 >= n or src[close + 1] != "(":
                raise unclosed
            url_end = src.find(")", close + 2)
            if url_end == -1:
                raise unclosed
            start = out.offset
            out.append(src[i + 1 : close])
            out.add_entity("text_link", start, url=src[close + 2 : url_end])
            i = url_end + 1
            continue
        end = src.find(char, i + 1)
        if end == -1:
            raise unclosed
        start = out.offset
        out.append(src[i + 1 : end])
        out.add_entity(_MD_MARKERS[char], start)
        i = end + 1
    return out.result()


# Entry point -----------------------------------------------------------------------------

_PARSERS = {"html": _parse_html, "markdownv2": _parse_markdown_v2, "markdown": _parse_markdown}
_TRIM = " \t\r\n"


def _validate_entities(entities: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise bad_request(f"can't parse {name} JSON object")
    for entity in entities:
        if not isinstance(entity.get("type"), str):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        for key in ("offset", "length"):
            if not isinstance(entity.get(key), int) or entity[key] < 0:
                raise bad_request(
                    f'can\'t parse MessageEntity: Field "{key}" must be of type Integer'
                )
    return [dict(e) for e in entities]


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips surrounding whitespace; entities are shifted and clipped to match."""
    stripped_left = text.lstrip(_TRIM)
    head = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIM)
    total = utf16_len(result)
    trimmed: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, total)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return result, trimmed


def parse_formatted_text(
    text: str,
    parse_mode: str | None,
    entities: Any = None,
    *,
    entities_field: str = "entities",
) -> tuple[str, list[dict[str, Any]]]:
    """Turn text + parse_mode (or explicit entities) into plain text and entities.

    Raises the same 400 errors Telegram does for an unknown parse_mode and bad markup.
    Length limits are checked by the caller because text and captions differ.
    """
    if entities is not None:
        return _trim(text, _validate_entities(entities, entities_field))
    if parse_mode is None or parse_mode == "":
        return _trim(text, [])
    parser = _PARSERS.get(parse_mode.strip().lower())
    if parser is None:
        raise bad_request("unsupported parse_mode")
    plain, found = parser(text)
    return _trim(plain, found)
