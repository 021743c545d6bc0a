"""The playground page and its JSON + server-sent-events API (aiohttp).

Routes::

    GET  /                         the page (static/index.html); /static/* its CSS and JS
    GET  /api/state?user=ID        users, commands, cities, clock and the chat, at once
    GET  /api/events?user=ID       server-sent events: chat, users, clock, answer
    POST /api/users                {"first_name"?} -> a new simulated user
    POST /api/users/{id}/text      {"text": "/start"}
    POST /api/users/{id}/location  {"latitude": 52.52, "longitude": 13.4}
    POST /api/users/{id}/press     {"message_id": 5, "callback_data": "..."}
    POST /api/clock/next-reminder  {"user": ID}
    POST /api/clock/advance        {"days": 1 | 7}
    GET  /api/files/{file_id}      a photo or document the bot sent

When a control token is set (non-loopback binds), every /api/ request needs it in the
``X-Playground-Token`` header or a ``token`` query parameter (for <img>, downloads and
EventSource).  POSTs must be JSON (a cross-site form can't send that without CORS), and on a
loopback bind the Host header must name this machine (against DNS rebinding).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import math
import urllib.parse
from collections.abc import Awaitable, Callable
from datetime import timedelta
from importlib import resources
from typing import Any

from aiohttp import web

from bot.playground.core import CITIES, Playground, PlaygroundError, is_loopback
from bot.playground.render import message_view
from loopback.control import json_object_body

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Playground-Token"
MAX_MESSAGES = 300
"""The page shows at most this many of a chat's newest messages."""
CLOCK_PERIOD = 1.0
"""Seconds between clock events on the event stream."""
ADVANCE_DAYS = frozenset({1, 7})
STATIC_FILES = {
    "app.js": "text/javascript",
    "style.css": "text/css",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_PLAYGROUND: web.AppKey[Playground] = web.AppKey("playground")
_CLOSING: web.AppKey[asyncio.Event] = web.AppKey("closing")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """Answered as ``{"error": message}`` with this HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _static(name: str) -> bytes:
    return resources.files("bot.playground").joinpath("static", name).read_bytes()


# --------------------------------------------------------------------------- views


def chat_view(playground: Playground, user_id: int) -> dict[str, Any]:
    """The chat as the page draws it, with a version that changes on any visible change."""
    loopback = playground.loopback
    messages = loopback.messages(user_id)[-MAX_MESSAGES:]
    keyboard = loopback.reply_keyboard(user_id)
    state = [m.to_api() for m in messages], keyboard
    encoded = json.dumps(state, sort_keys=True, ensure_ascii=False).encode()
    return {
        "user": user_id,
        "version": hashlib.sha1(encoded, usedforsecurity=False).hexdigest()[:16],
        "messages": [message_view(m) for m in messages],
        "reply_keyboard": keyboard.get("keyboard") if keyboard else None,
    }


def users_view(playground: Playground) -> list[dict[str, Any]]:
    return [{"id": u.id, "first_name": u.first_name} for u in playground.loopback.users]


def commands_view(playground: Playground) -> list[dict[str, str]]:
    loopback = playground.loopback
    return loopback.commands() or loopback.commands({"type": "all_private_chats"})


# --------------------------------------------------------------------------- input


def _playground(request: web.Request) -> Playground:
    return request.app[_PLAYGROUND]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        return await json_object_body(request)
    except ValueError as exc:
        raise ApiError(400, f"The request body {exc}.") from None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"{name} must be a whole number.")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ApiError(400, f"{name} must be a number.")
    return float(value)


def _user_id(request: web.Request, raw: Any) -> int:
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        raise ApiError(404, f"There is no user {raw!r}.") from None
    try:
        return _playground(request).user(user_id).id
    except PlaygroundError as error:
        raise ApiError(404, str(error)) from None


# --------------------------------------------------------------------------- handlers


async def _index(request: web.Request) -> web.StreamResponse:
    return web.Response(body=_static("index.html"), content_type="text/html", charset="utf-8")


async def _static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise ApiError(404, "Not found.")
    return web.Response(body=_static(name), content_type=STATIC_FILES[name], charset="utf-8")


async def _state(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    users = users_view(playground)
    raw = request.query.get("user")
    user_id = _user_id(request, raw) if raw else (users[0]["id"] if users else None)
    return web.json_response(
        {
            "bot": {
                "username": playground.loopback.bot_username,
                "first_name": playground.loopback.bot_first_name,
            },
            "users": users,
            "user": user_id,
            "commands": commands_view(playground),
            "cities": [{"name": n, "latitude": lat, "longitude": lon} for n, lat, lon in CITIES],
            "clock": await playground.clock_view(user_id),
            "chat": chat_view(playground, user_id) if user_id is not None else None,
        }
    )


async def _create_user(request: web.Request) -> web.StreamResponse:
    body = await _body(request)
    name = body.get("first_name")
    if name is not None and (not isinstance(name, str) or not 0 < len(name.strip()) <= 64):
        raise ApiError(400, "first_name must be 1-64 characters.")
    user = _playground(request).add_user(name.strip() if name else None)
    return web.json_response({"id": user.id, "first_name": user.first_name}, status=201)


async def _text(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    user_id = _user_id(request, request.match_info["user_id"])
    text = (await _body(request)).get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Type a message first.")
    if len(text) > 4096:
        raise ApiError(400, "Telegram messages are at most 4096 characters.")
    update_id = playground.loopback.send_text(user_id, text)
    return web.json_response({"update_id": update_id})


async def _location(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    user_id = _user_id(request, request.match_info["user_id"])
    body = await _body(request)
    latitude = _number(body.get("latitude"), "latitude")
    longitude = _number(body.get("longitude"), "longitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ApiError(400, "Latitude must be within -90..90 and longitude within -180..180.")
    update_id = playground.loopback.share_location(user_id, latitude, longitude)
    return web.json_response({"update_id": update_id})


async def _press(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    user_id = _user_id(request, request.match_info["user_id"])
    body = await _body(request)
    message_id = _int(body.get("message_id"), "message_id")
    data = body.get("callback_data")
    if not isinstance(data, str):
        raise ApiError(400, "callback_data must be a string.")
    try:
        update_id = playground.loopback.press_button(user_id, message_id, data)
    except LookupError:
        raise ApiError(404, "That message or button is gone.") from None
    return web.json_response({"update_id": update_id})


async def _next_reminder(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    user_id = _user_id(request, (await _body(request)).get("user"))
    try:
        jump = await playground.jump_to_next_reminder(user_id)
    except PlaygroundError as error:
        raise ApiError(409, str(error)) from None
    assert jump.due is not None
    return web.json_response(
        {
            "due": jump.due.isoformat(),
            "note": jump.note(),
            "deliveries": jump.changes,
            "clock": await playground.clock_view(user_id),
        }
    )


async def _advance(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    body = await _body(request)
    days = _int(body.get("days"), "days")
    if days not in ADVANCE_DAYS:
        raise ApiError(400, "The clock moves forward by 1 or 7 days.")
    raw = body.get("user")
    user_id = _user_id(request, raw) if raw is not None else None
    jump = await playground.advance(timedelta(days=days))
    return web.json_response(
        {
            "note": jump.note(),
            "deliveries": jump.changes,
            "clock": await playground.clock_view(user_id),
        }
    )


async def _file(request: web.Request) -> web.StreamResponse:
    playground = _playground(request)
    file_id = request.match_info["file_id"]
    stored = next((f for f in playground.loopback.files if f.file_id == file_id), None)
    if stored is None:
        raise ApiError(404, "That file doesn't exist.")
    disposition = "inline" if stored.kind == "photo" else "attachment"
    name = urllib.parse.quote(stored.file_name)
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{name}"}
    return web.Response(body=stored.data, content_type=stored.mime_type, headers=headers)


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events for one user's chat: ``chat`` when anything visible changed,
    ``users`` when someone was added, ``answer`` for each answered button press with text,
    ``clock`` once a second."""
    playground = _playground(request)
    closing = request.app[_CLOSING]
    user_id = _user_id(request, request.query.get("user"))
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    loopback = playground.loopback
    reported = {q.id for q in loopback.callback_queries() if q.answered}
    last_version = last_users = None
    next_clock = 0.0

    async def send(event: str, data: Any) -> None:
        payload = json.dumps(data, ensure_ascii=False)
        await response.write(f"event: {event}\ndata: {payload}\n\n".encode())

    try:
        while not closing.is_set():
            chat = chat_view(playground, user_id)
            if chat["version"] != last_version:
                last_version = chat["version"]
                await send("chat", chat)
            users = users_view(playground)
            if users != last_users:
                last_users = users
                await send("users", users)
            for query in loopback.callback_queries():
                if query.chat_id != user_id or not query.answered or query.id in reported:
                    continue
                reported.add(query.id)
                answer = query.answer or {}
                if answer.get("text"):
                    await send(
                        "answer",
                        {"text": answer["text"], "show_alert": bool(answer.get("show_alert"))},
                    )
            if loop.time() >= next_clock:
                next_clock = loop.time() + CLOCK_PERIOD
                await send("clock", await playground.clock_view(user_id))
            await _wait_for_change_or(closing, playground, max(next_clock - loop.time(), 0.05))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


async def _wait_for_change_or(
    closing: asyncio.Event, playground: Playground, seconds: float
) -> None:
    """Until the loopback state may have changed, the page server is closing, or ``seconds``."""
    waiters = [
        asyncio.ensure_future(closing.wait()),
        asyncio.ensure_future(playground.loopback.wait_for_change(seconds)),
    ]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


# --------------------------------------------------------------------------- app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Host check, API token, JSON-only POSTs, security headers, errors as JSON."""
    playground = _playground(request)
    options = playground.options
    try:
        if is_loopback(options.host):
            host = (request.host or "").rsplit(":", 1)[0].strip("[]")
            if not is_loopback(host):
                raise ApiError(421, "This playground only answers on 127.0.0.1 / localhost.")
        if request.path.startswith("/api/"):
            expected = options.control_token
            if expected:
                given = request.headers.get(TOKEN_HEADER) or request.query.get("token") or ""
                if not hmac.compare_digest(given.encode(), expected.encode()):
                    raise ApiError(
                        401, "Missing or wrong token: open the URL printed in the console."
                    )
            if request.method == "POST" and request.content_type != "application/json":
                raise ApiError(415, "Send JSON (Content-Type: application/json).")
        response = await handler(request)
    except ApiError as error:
        response = web.json_response({"error": error.message}, status=error.status)
    except web.HTTPException as error:
        response = web.json_response(
            {"error": f"{error.reason}: {request.method} {request.path}"}, status=error.status
        )
    except (LookupError, ValueError, RuntimeError) as error:
        response = web.json_response({"error": str(error)}, status=400)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
    return response


def create_web_app(playground: Playground) -> web.Application:
    """The page's aiohttp application."""
    app = web.Application(middlewares=[_guard], client_max_size=64 * 1024)
    app[_PLAYGROUND] = playground
    app[_CLOSING] = asyncio.Event()

    async def on_shutdown(app: web.Application) -> None:
        app[_CLOSING].set()  # event streams end now

    app.on_shutdown.append(on_shutdown)
    app.add_routes(
        [
            web.get("/", _index),
            web.get("/static/{name}", _static_file),
            web.get("/api/state", _state),
            web.get("/api/events", _events),
            web.post("/api/users", _create_user),
            web.post("/api/users/{user_id}/text", _text),
            web.post("/api/users/{user_id}/location", _location),
            web.post("/api/users/{user_id}/press", _press),
            web.post("/api/clock/next-reminder", _next_reminder),
            web.post("/api/clock/advance", _advance),
            web.get("/api/files/{file_id}", _file),
        ]
    )
    return app
