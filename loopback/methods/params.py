"""Decoding a request's parameters by the method's field table, and required fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from loopback.methods.spec import ApiError, FieldKind, MethodSpec, Upload, bad_request

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
