"""A small JSON control API for acting as users of the loopback server over HTTP.

Why: a developer trying the real bot by hand (``python -m loopback.chat``) or a browser
playground runs in another process than the server, so the Python helpers
(``send_text``, ``press_button`` …) are exposed under ``/_loopback/`` next to the Bot API.
Every action goes through those same helpers, so the bot sees exactly what tests produce.

Endpoints (JSON in and out; errors are ``{"error": "..."}`` with 400/401/404/405)::

    GET  /_loopback/                          the bot and the number of users
    GET  /_loopback/users                     {"users": [user, ...]}
    POST /_loopback/users                     {"first_name": "Ana", "id"?: 7, ...} -> user
    GET  /_loopback/users/{id}                user
    POST /_loopback/users/{id}/text           {"text": "/start"} -> {"update_id", "message_id"}
    POST /_loopback/users/{id}/location       {"latitude": 52.5, "longitude": 13.4}
    POST /_loopback/users/{id}/press          {"message_id"?: 5, "callback_data": "..."}
                                              or {"message_id"?: 5, "label": "Done"}
    POST /_loopback/users/{id}/block          the user blocks the bot
    POST /_loopback/users/{id}/unblock
    GET  /_loopback/chats/{id}/messages?after=N          messages with id > N, as they are now
    GET  /_loopback/chats/{id}/wait?after=N&timeout=10&version=V
    GET  /_loopback/files/{file_id}           the bytes of a photo or document

``version`` (in the messages and wait replies) changes whenever a bot message of the chat is
sent, edited or deleted.  ``wait`` returns as soon as the chat has a bot message newer than
``after`` or its version differs from ``version`` (default: the version when the request
arrived), or after ``timeout`` seconds (at most 60) with ``"changed": false``.

If the server was created with ``control_token``, every request must carry it in the
``X-Loopback-Token`` header (or a ``token`` query parameter, for ``<img src>``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import math
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from loopback.server import LoopbackBotAPI, SimMessage, SimUser

__all__ = ["CONTROL_PREFIX", "MAX_WAIT", "TOKEN_HEADER", "create_control_app", "message_json"]

logger = logging.getLogger("loopback.control")

CONTROL_PREFIX = "/_loopback"
TOKEN_HEADER = "X-Loopback-Token"
MAX_WAIT = 60.0
"""Longest long poll of the wait endpoint, in seconds."""

_SERVER_KEY: web.AppKey[LoopbackBotAPI] = web.AppKey("loopback_server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ControlError(Exception):
    """Answered as ``{"error": message}`` with this HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- JSON views


def message_json(message: SimMessage, base_url: str = "") -> dict[str, Any]:
    """A message as the control API shows it; file URLs are prefixed with ``base_url``."""
    photo = document = animation = None
    if message.photo:
        largest = message.photo[-1]
        photo = {
            "file_id": largest["file_id"],
            "width": largest.get("width"),
            "height": largest.get("height"),
            "url": f"{base_url}{CONTROL_PREFIX}/files/{largest['file_id']}",
        }
    if message.document:
        document = {
            "file_id": message.document["file_id"],
            "file_name": message.document.get("file_name"),
            "mime_type": message.document.get("mime_type"),
            "url": f"{base_url}{CONTROL_PREFIX}/files/{message.document['file_id']}",
        }
    if message.animation:
        animation = {
            "file_id": message.animation["file_id"],
            "mime_type": message.animation.get("mime_type"),
            "url": f"{base_url}{CONTROL_PREFIX}/files/{message.animation['file_id']}",
        }
    return {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "edit_date": message.edit_date,
        "text": message.text,
        "caption": message.caption,
        "buttons": [
            [
                {key: button[key] for key in ("text", "callback_data", "url") if key in button}
                for button in row
            ]
            for row in message.inline_keyboard
        ],
        "photo": photo,
        "animation": animation,
        "document": document,
        "location": dict(message.location) if message.location else None,
        "reply_to_message_id": message.reply_to["message_id"] if message.reply_to else None,
    }


def _user_json(server: LoopbackBotAPI, user: SimUser) -> dict[str, Any]:
    data = user.to_api()
    data.pop("is_bot", None)
    data["blocked"] = server.is_blocked(user)
    return data


def _version(server: LoopbackBotAPI, chat_id: int) -> str:
    """A fingerprint of the chat's bot messages; changes on every send, edit and delete."""
    state = [message.to_api() for message in server.bot_messages(chat_id)]
    encoded = json.dumps(state, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha1(encoded, usedforsecurity=False).hexdigest()[:16]


# --------------------------------------------------------------------------- input checks


async def json_object_body(request: web.Request) -> dict[str, Any]:
    """A request's JSON object body ({} when empty); ValueError says what is wrong with it
    ("is not valid JSON", "must be a JSON object"). Shared with the playground's page API."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ValueError("is not valid JSON") from None
    if not isinstance(body, dict):
        raise ValueError("must be a JSON object")
    return body


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        return await json_object_body(request)
    except ValueError as exc:
        raise ControlError(400, f"the body {exc}") from None


def _field(body: dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise ControlError(400, f"missing field {name!r}")
        return None
    # bool is an int subclass; JSON true is never a valid id or coordinate.
    number = kind in (int, float)
    if isinstance(value, bool) and number:
        raise ControlError(400, f"field {name!r} must be a {kind.__name__}")
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind):
        raise ControlError(400, f"field {name!r} must be a {kind.__name__}")
    return value


def _query_number(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ControlError(400, f"query parameter {name!r} must be a number")
    return value


def _server(request: web.Request) -> LoopbackBotAPI:
    return request.config_dict[_SERVER_KEY]


def _user(request: web.Request, key: str = "user_id") -> SimUser:
    server = _server(request)
    raw = request.match_info[key]
    try:
        user_id = int(raw)
    except ValueError:
        raise ControlError(404, f"no user {raw!r}") from None
    user = next((u for u in server.users if u.id == user_id), None)
    if user is None:
        raise ControlError(404, f"no user {user_id}")
    return user


def _origin(request: web.Request) -> str:
    return str(request.url.origin())


# --------------------------------------------------------------------------- handlers


async def _info(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    bot = {
        "id": server.bot_id,
        "username": server.bot_username,
        "first_name": server.bot_first_name,
    }
    return web.json_response({"bot": bot, "users": len(server.users)})


async def _list_users(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    return web.json_response({"users": [_user_json(server, u) for u in server.users]})


async def _create_user(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    body = await _body(request)
    first_name = _field(body, "first_name", str)
    if not first_name.strip() or len(first_name) > 64:
        raise ControlError(400, "first_name must be 1-64 characters")
    user = server.add_user(
        first_name,
        user_id=_field(body, "id", int, required=False),
        language_code=_field(body, "language_code", str, required=False) or "en",
        last_name=_field(body, "last_name", str, required=False),
        username=_field(body, "username", str, required=False),
    )
    return web.json_response(_user_json(server, user), status=201)


async def _get_user(request: web.Request) -> web.StreamResponse:
    return web.json_response(_user_json(_server(request), _user(request)))


async def _text(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request)
    text = _field(await _body(request), "text", str)
    update_id = server.send_text(user, text)
    message_id = server.user_messages(user)[-1].message_id
    return web.json_response({"update_id": update_id, "message_id": message_id})


async def _location(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request)
    body = await _body(request)
    latitude = _field(body, "latitude", float)
    longitude = _field(body, "longitude", float)
    update_id = server.share_location(user, latitude, longitude)
    message_id = server.user_messages(user)[-1].message_id
    return web.json_response({"update_id": update_id, "message_id": message_id})


async def _press(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request)
    body = await _body(request)
    message_id = _field(body, "message_id", int, required=False)
    data = _field(body, "callback_data", str, required=False)
    label = _field(body, "label", str, required=False)
    if (data is None) == (label is None):
        raise ControlError(400, "give exactly one of 'callback_data' and 'label'")

    def has_button(message: SimMessage) -> bool:
        if data is not None:
            return data in message.callback_data()
        return message.find_button(label) is not None

    if message_id is None:
        # The newest bot message that carries the button, like a person scrolling up.
        found = next((m for m in reversed(server.bot_messages(user)) if has_button(m)), None)
        if found is None:
            what = f"callback_data {data!r}" if data is not None else f"label {label!r}"
            raise ControlError(404, f"no bot message in chat {user.id} has a button with {what}")
        message_id = found.message_id
    if data is not None:
        update_id = server.press_button(user, message_id, data)
    else:
        update_id = server.press_button_text(user, message_id, label)
    return web.json_response({"update_id": update_id, "message_id": message_id})


async def _block(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request)
    return web.json_response({"update_id": server.block(user), "blocked": True})


async def _unblock(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request)
    return web.json_response({"update_id": server.unblock(user), "blocked": False})


def _chat_view(request: web.Request, chat_id: int, after: int) -> dict[str, Any]:
    server = _server(request)
    origin = _origin(request)
    keyboard = server.reply_keyboard(chat_id)
    return {
        "chat_id": chat_id,
        "blocked": server.is_blocked(chat_id),
        "reply_keyboard": keyboard.get("keyboard") if keyboard else None,
        "messages": [
            message_json(m, origin) for m in server.messages(chat_id) if m.message_id > after
        ],
        "version": _version(server, chat_id),
    }


async def _messages(request: web.Request) -> web.StreamResponse:
    user = _user(request, "chat_id")
    after = int(_query_number(request, "after", 0))
    return web.json_response(_chat_view(request, user.id, after))


async def _wait(request: web.Request) -> web.StreamResponse:
    server, user = _server(request), _user(request, "chat_id")
    after = int(_query_number(request, "after", 0))
    timeout = min(max(_query_number(request, "timeout", 10.0), 0.0), MAX_WAIT)
    baseline = request.query.get("version") or _version(server, user.id)

    def changed() -> bool:
        return _version(server, user.id) != baseline or any(
            m.message_id > after for m in server.bot_messages(user)
        )

    # The server's change notification wakes this on every API call; stop() ends it too.
    with contextlib.suppress(TimeoutError):
        await server._wait_until(lambda: changed() or server._closing, timeout, lambda: "no change")
    view = _chat_view(request, user.id, after)
    view["changed"] = changed()
    return web.json_response(view)


def _image_type(data: bytes) -> str | None:
    """The image type from the magic bytes (a photo's stored mime type may be a guess)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def _file(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    file_id = request.match_info["file_id"]
    stored = next((f for f in server.files if f.file_id == file_id), None)
    if stored is None:
        raise ControlError(404, f"no file {file_id!r}")
    name = urllib.parse.quote(stored.file_name)
    headers = {"Content-Disposition": f"inline; filename*=UTF-8''{name}"}
    content_type = (stored.kind == "photo" and _image_type(stored.data)) or stored.mime_type
    return web.Response(body=stored.data, content_type=content_type, headers=headers)


# --------------------------------------------------------------------------- app


@web.middleware
async def _errors_and_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Check the control token and turn every failure into ``{"error": ...}``."""
    server = _server(request)
    try:
        expected = server.control_token
        if expected:
            given = request.headers.get(TOKEN_HEADER) or request.query.get("token") or ""
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise ControlError(401, f"missing or wrong {TOKEN_HEADER} header")
        return await handler(request)
    except ControlError as error:
        status, message = error.status, error.message
    except web.HTTPException as error:  # unknown path (404) or wrong verb (405)
        status, message = error.status, f"{error.reason}: {request.method} {request.path}"
    except LookupError as error:  # no such message or button
        status, message = 404, str(error)
    except (ValueError, RuntimeError) as error:  # e.g. bad coordinates, blocked twice
        status, message = 400, str(error)
    except Exception:
        logger.exception("loopback control API failed on %s %s", request.method, request.path)
        status, message = 500, "internal error in the loopback server"
    return web.json_response({"error": message}, status=status)


def create_control_app(server: LoopbackBotAPI) -> web.Application:
    """The sub-application to mount at :data:`CONTROL_PREFIX`."""
    app = web.Application(middlewares=[_errors_and_token])
    app[_SERVER_KEY] = server
    routes = [
        web.get("/", _info),
        web.get("/users", _list_users),
        web.post("/users", _create_user),
        web.get("/users/{user_id}", _get_user),
        web.post("/users/{user_id}/text", _text),
        web.post("/users/{user_id}/location", _location),
        web.post("/users/{user_id}/press", _press),
        web.post("/users/{user_id}/block", _block),
        web.post("/users/{user_id}/unblock", _unblock),
        web.get("/chats/{chat_id}/messages", _messages),
        web.get("/chats/{chat_id}/wait", _wait),
        web.get("/files/{file_id}", _file),
    ]
    app.add_routes(routes)
    return app
