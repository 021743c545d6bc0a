"""A fake Telegram Bot API server on 127.0.0.1 that a real PTB ``Application`` talks to.

Why: the bot's tests (and a browser playground and benchmarks) must exercise the real
HTTP client, retries, serialisation and update handling of python-telegram-bot without
reaching Telegram.  The server keeps the state Telegram would keep (chats, messages as
they are after edits and deletes, files, pending updates, callback queries), validates
requests the way Telegram does, records every call, and lets a test act as users and
inject faults.

Concurrency: the state is not thread-safe.  Call the synchronous helpers (``send_text``,
``press_button`` …) from the thread running the server's event loop, or before
``start()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import mimetypes
import socket
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

from aiohttp import web

from loopback.control import CONTROL_PREFIX, create_control_app
from loopback.methods import (
    CAPTION_LIMIT,
    CHAT_ACTIONS,
    TEXT_LIMIT,
    ApiError,
    MethodSpec,
    Upload,
    bad_request,
    check_required,
    coerce_params,
    lookup_method,
    parse_formatted_text,
    utf16_len,
    validate_commands,
    validate_reply_markup,
)

__all__ = [
    "DEFAULT_TOKEN",
    "LoopbackBotAPI",
    "RecordedCall",
    "SimCallbackQuery",
    "SimMessage",
    "SimUser",
    "StoredFile",
]

logger = logging.getLogger("loopback")

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwx"
_MAX_BODY = 60 * 1024 * 1024  # Telegram accepts 50 MB uploads; leave room for the envelope.
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class SimUser:
    """A simulated Telegram user; their private chat with the bot has ``chat id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_api(self) -> dict[str, Any]:
        """The ``User`` object Telegram sends for this person."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        """The private ``Chat`` object for the conversation with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


ChatRef = SimUser | int
"""Helpers accept either the SimUser or the chat id."""


@dataclass
class SimMessage:
    """A message in its current state (edits applied); deleted messages are removed."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    sender: dict[str, Any] = field(repr=False)
    chat: dict[str, Any] = field(repr=False)
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    """The inline keyboard attached to the message, if any."""
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    edit_date: int | None = None
    reply_to: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def has_media(self) -> bool:
        """Whether the message carries a photo or document (so it has a caption slot)."""
        return self.photo is not None or self.document is not None

    @property
    def file_id(self) -> str | None:
        """The file_id of the photo (largest size) or document, if any."""
        if self.photo:
            return str(self.photo[-1]["file_id"])
        if self.document:
            return str(self.document["file_id"])
        return None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons (empty when the message has no inline keyboard)."""
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    def buttons(self) -> Iterator[dict[str, Any]]:
        """All inline buttons, row by row."""
        for row in self.inline_keyboard:
            yield from row

    def button_rows(self) -> list[list[str]]:
        """Button labels laid out as the user sees them."""
        return [[str(button["text"]) for button in row] for row in self.inline_keyboard]

    def button_labels(self) -> list[str]:
        """Button labels, flattened."""
        return [str(button["text"]) for button in self.buttons()]

    def callback_data(self) -> list[str]:
        """callback_data of every callback button, flattened."""
        return [str(b["callback_data"]) for b in self.buttons() if "callback_data" in b]

    def find_button(self, label: str) -> dict[str, Any] | None:
        """The first button with exactly this label."""
        return next((b for b in self.buttons() if b.get("text") == label), None)

    def to_api(self) -> dict[str, Any]:
        """The ``Message`` object as Telegram would serialise it now."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": copy.deepcopy(self.sender),
            "chat": copy.deepcopy(self.chat),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None:
            data["reply_to_message"] = copy.deepcopy(self.reply_to)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = copy.deepcopy(self.entities)
        if self.photo is not None:
            data["photo"] = copy.deepcopy(self.photo)
        if self.document is not None:
            data["document"] = copy.deepcopy(self.document)
        if self.location is not None:
            data["location"] = dict(self.location)
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = copy.deepcopy(self.caption_entities)
        if self.reply_markup is not None:
            data["reply_markup"] = copy.deepcopy(self.reply_markup)
        return data


@dataclass
class StoredFile:
    """An uploaded file, addressable by its file_id like on Telegram's servers."""

    file_id: str
    file_unique_id: str
    kind: Literal["photo", "document"]
    data: bytes = field(repr=False)
    file_name: str
    mime_type: str
    file_path: str
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class RecordedCall:
    """One HTTP request to the Bot API, recorded in arrival order.

    ``status``/``response`` are filled in when the reply is sent; they stay ``None`` while
    the call is in progress (a long poll, a delayed call) and when the connection was
    dropped on purpose.
    """

    index: int
    method: str
    params: dict[str, Any]
    http_method: str = "POST"
    status: int | None = None
    response: dict[str, Any] | None = None
    done: bool = False
    dropped: bool = False

    @property
    def ok(self) -> bool:
        """Whether Telegram's reply said ``ok: true``."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (``None`` otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        return self.response.get("description") if self.response else None

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if the method has one."""
        return self.params.get("chat_id")


@dataclass
class SimCallbackQuery:
    """A button press; the bot must answer each one (Telegram shows a spinner until then)."""

    id: str
    update_id: int
    user: SimUser
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class _Fault:
    method: str
    action: Literal["fail", "delay", "drop"]
    remaining: int
    chat_id: int | str | None = None
    error_code: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0


@dataclass
class _Chat:
    user: SimUser
    messages: dict[int, SimMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    deactivated: bool = False
    last_action: str | None = None
    reply_keyboard: dict[str, Any] | None = None


class _Dropped(Exception):
    """Internal: close the connection without answering."""


# --------------------------------------------------------------------------- helpers


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None if it is none of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            width = 1 + int.from_bytes(data[24:27], "little")
            height = 1 + int.from_bytes(data[27:30], "little")
            return width, height
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L":
            b = data[21:25]
            width = 1 + (((b[1] & 0x3F) << 8) | b[0])
            height = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
            return width, height
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    sof_markers = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in sof_markers and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + int(length)
    return None


def _command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for ``/command`` or ``/command@bot`` words, like Telegram."""
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        if text[i] == "/" and (i == 0 or text[i - 1].isspace()):
            j = i + 1
            while j < len(text) and (text[j].isascii() and (text[j].isalnum() or text[j] == "_")):
                j += 1
            if j > i + 1:
                if j < len(text) and text[j] == "@":
                    k = j + 1
                    while (
                        k < len(text)
                        and text[k].isascii()
                        and (text[k].isalnum() or text[k] == "_")
                    ):
                        k += 1
                    if k > j + 1:
                        j = k
                entities.append(
                    {
                        "type": "bot_command",
                        "offset": utf16_len(text[:i]),
                        "length": utf16_len(text[i:j]),
                    }
                )
            i = j
            continue
        i += 1
    return entities


def _update_type(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _summarise(params: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-friendly copy of params with uploads replaced by a short summary."""
    return {k: v.summary() if isinstance(v, Upload) else v for k, v in params.items()}


# --------------------------------------------------------------------------- the server


class LoopbackBotAPI:
    """A Telegram Bot API look-alike served over real HTTP on 127.0.0.1.

    Point PTB at it with ``ApplicationBuilder().base_url(server.api_base_url)
    .base_file_url(server.file_base_url)``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "stretch_test_bot",
        bot_first_name: str = "Stretch Test Bot",
        clock: Callable[[], float] = time.time,
        control_token: str | None = None,
    ) -> None:
        self.token = token
        self.control_token = control_token
        """If set, the /_loopback/ control API requires it in the X-Loopback-Token header."""
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._clock = clock

        self.calls: list[RecordedCall] = []
        self.upload_count = 0
        """Files received as multipart uploads."""
        self.reuse_count = 0
        """Sends that referred to an already stored file by its file_id."""

        self._chats: dict[int, _Chat] = {}
        self._next_user_id = 100_000_001
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._callback_queries: dict[str, SimCallbackQuery] = {}
        self._next_query_id = 1
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._faults: list[_Fault] = []
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}

        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port); ``base_url`` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("server already started")
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.add_subapp(CONTROL_PREFIX, create_control_app(self))  # JSON API, see control.py
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._closing = False
        self._runner = runner
        self._host = host
        self._port = int(sock.getsockname()[1])
        logger.info("loopback Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stop serving; pending long polls return empty and delayed calls are dropped."""
        if self._runner is None:
            return
        self._closing = True
        self._notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None:
            raise RuntimeError("server is not running; await start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """What PTB's ``base_url`` should be: the token is appended to it."""
        return f"{self.base_url}/bot"

    @property
    def control_url(self) -> str:
        """Base URL of the JSON control API (``loopback.control``)."""
        return f"{self.base_url}{CONTROL_PREFIX}"

    @property
    def file_base_url(self) -> str:
        """What PTB's ``base_file_url`` should be, so File.download_* works."""
        return f"{self.base_url}/file/bot"

    # ----------------------------------------------------------------- notification

    def _notify(self) -> None:
        """Wake every waiter (long polls, wait_* helpers); they re-check their condition."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _wait_until(
        self, condition: Callable[[], bool], seconds: float, explain: Callable[[], str]
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(explain())
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # ----------------------------------------------------------------- HTTP layer

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method != "POST" or not request.can_read_body:
            return raw, uploads
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON object")
            raw.update(body)
        elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    upload = Upload(
                        filename=value.filename or name,
                        content_type=value.content_type or "application/octet-stream",
                        data=value.file.read(),
                    )
                    uploads[name] = upload
                    raw[name] = upload
                elif isinstance(value, (bytes, bytearray)):
                    raw[name] = bytes(value).decode("utf-8", errors="replace")
                else:
                    raw[name] = value
        return raw, uploads

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method_name = request.match_info["method"]
        spec = lookup_method(method_name)
        call = RecordedCall(
            index=len(self.calls),
            method=spec.name if spec else method_name,
            params={},
            http_method=request.method,
        )
        self.calls.append(call)
        try:
            try:
                raw, uploads = await self._read_params(request)
                call.params = _summarise(raw)
                if request.match_info["token"] != self.token:
                    raise ApiError(401, "Unauthorized")
                if spec is None:
                    raise ApiError(404, "Not Found")
                params = coerce_params(spec, raw, uploads)
                call.params = _summarise(params)
                self._notify()  # the call is now visible to wait_for_call(completed=False)
                result = await self._dispatch(spec, params)
                status, body = 200, {"ok": True, "result": result}
            except ApiError as error:
                status, body = error.error_code, error.to_json()
            except _Dropped:
                raise
            except web.HTTPRequestEntityTooLarge:
                status, body = 413, ApiError(413, "Request Entity Too Large").to_json()
            except Exception:
                # A bug in the fake must not look like a hang; the client sees a 500.
                logger.exception("loopback failed to handle %s", call.method)
                status, body = 500, ApiError(500, "Internal Server Error").to_json()
        except _Dropped:
            call.dropped = True
            call.done = True
            self._notify()
            logger.debug("%s: connection dropped on purpose", call.method)
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        call.status = status
        call.response = body
        call.done = True
        self._notify()
        logger.debug("%s -> %s", call.method, status)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(ApiError(404, "Not Found").to_json(), status=404)

    # ----------------------------------------------------------------- faults

    def _take_fault(self, method: str, params: Mapping[str, Any]) -> _Fault | None:
        chat_id = params.get("chat_id")
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    async def _apply_fault(self, fault: _Fault) -> None:
        if fault.action == "drop":
            raise _Dropped
        if fault.action == "fail":
            raise ApiError(fault.error_code, fault.description, fault.retry_after)
        # delay: hang, then handle the call normally (as a slow Telegram would).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + fault.seconds
        while not self._closing and loop.time() < deadline:
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), max(deadline - loop.time(), 0))
        if self._closing:
            raise _Dropped

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally to one chat) fail.

        429 defaults to ``retry_after=1`` and Telegram's "Too Many Requests: retry after N".
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        self._faults.append(
            _Fault(
                method=method.lower(),
                action="fail",
                remaining=times,
                chat_id=chat_id,
                error_code=error_code,
                description=description,
                retry_after=retry_after,
            )
        )

    def delay_next(
        self, method: str, seconds: float, times: int = 1, chat_id: int | str | None = None
    ) -> None:
        """Make the next ``times`` calls of ``method`` hang for ``seconds`` before running.

        The call still takes effect afterwards (like a slow Telegram), even if the client
        has given up by then; on ``stop()`` a still-hanging call is dropped instead.
        """
        self._faults.append(
            _Fault(
                method=method.lower(),
                action="delay",
                remaining=times,
                chat_id=chat_id,
                seconds=seconds,
            )
        )

    def drop_next(self, method: str, times: int = 1, chat_id: int | str | None = None) -> None:
        """Close the connection of the next ``times`` calls without answering (no effect)."""
        self._faults.append(
            _Fault(method=method.lower(), action="drop", remaining=times, chat_id=chat_id)
        )

    def clear_faults(self) -> None:
        """Forget every fault that has not fired yet."""
        self._faults.clear()

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        fault = self._take_fault(spec.name, params)
        if fault is not None:
            await self._apply_fault(fault)
        check_required(spec, params)
        if spec.name == "getUpdates":
            return await self._get_updates(params)
        handler = self._handlers[spec.name]
        return handler(self, params)

    # --- bot-level methods

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _m_get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_true(self, params: dict[str, Any]) -> Any:
        return True

    def _m_delete_webhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self._pending.clear()
            self._confirmed_offset = max(self._confirmed_offset, self._next_update_id)
            self._notify()
        return True

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = validate_commands(params["commands"])
        key = self._commands_key(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _m_get_my_commands(self, params: dict[str, Any]) -> Any:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _m_delete_my_commands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_text_setting(
        self, store: dict[str, str], params: Mapping[str, Any], name: str, limit: int
    ) -> Any:
        value = str(params.get(name) or "")
        if len(value) > limit:
            raise bad_request(f"{name.replace('_', ' ')} is too long")
        language = str(params.get("language_code") or "")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _m_set_my_description(self, params: dict[str, Any]) -> Any:
        return self._set_text_setting(self._descriptions, params, "description", 512)

    def _m_get_my_description(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        return {"description": self._descriptions.get(language, "")}

    def _m_set_my_short_description(self, params: dict[str, Any]) -> Any:
        return self._set_text_setting(self._short_descriptions, params, "short_description", 120)

    def _m_get_my_short_description(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        return {"short_description": self._short_descriptions.get(language, "")}

    # --- updates

    def _confirm(self, offset: int | None) -> None:
        """Forget updates the bot has acknowledged by asking for a higher offset."""
        if offset is None or offset == 0:
            return
        before = len(self._pending)
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        else:
            self._pending = self._pending[offset:]
            first = self._pending[0]["update_id"] if self._pending else self._next_update_id
            self._confirmed_offset = max(self._confirmed_offset, first)
        if len(self._pending) != before or offset > 0:
            self._notify()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        kept: list[dict[str, Any]] = []
        for update in self._pending:
            kind = _update_type(update)
            if (kind in allowed) if allowed is not None else kind not in _DEFAULT_EXCLUDED_UPDATES:
                kept.append(update)
        if len(kept) != len(self._pending):
            self._pending = kept  # Telegram never delivers updates of unwanted types.
            self._notify()
        return copy.deepcopy(kept[:limit])

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(int(params.get("timeout") or 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(a) for a in allowed) if allowed else None
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # terminates an older long poll (409, like Telegram)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = self._deliverable(limit)
            if ready or self._closing or loop.time() >= deadline:
                return ready
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), deadline - loop.time())
            if self._poll_generation != generation and not self._closing:
                raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])

    def _enqueue(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._pending.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    # --- chats and messages

    def _target_chat(self, params: Mapping[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _new_message(self, chat: _Chat, *, from_bot: bool, **content: Any) -> SimMessage:
        message = SimMessage(
            message_id=chat.next_message_id,
            chat_id=chat.user.id,
            from_bot=from_bot,
            date=int(self._clock()),
            sender=self._bot_user() if from_bot else chat.user.to_api(),
            chat=chat.user.chat_api(),
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def _send_markup(self, chat: _Chat, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Validate reply_markup of a send; returns the inline keyboard to attach, if any."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        markup = validate_reply_markup(markup, inline_only=False)
        if "inline_keyboard" in markup:
            return markup
        chat.reply_keyboard = None if markup.get("remove_keyboard") else markup
        return None

    @staticmethod
    def _edit_markup(params: Mapping[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        return validate_reply_markup(markup, inline_only=True)

    def _reply_target(self, chat: _Chat, params: Mapping[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        target = chat.messages.get(reply["message_id"])
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.to_api()

    def _caption(self, params: Mapping[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        raw = params.get("caption")
        if raw is None:
            return None, []
        caption, entities = parse_formatted_text(
            str(raw),
            params.get("parse_mode"),
            params.get("caption_entities"),
            entities_field="caption_entities",
        )
        if len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return (caption or None), entities

    @staticmethod
    def _text(params: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise bad_request("message text is empty")
        text, entities = parse_formatted_text(
            str(raw), params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad_request("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return text, entities

    def _m_send_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, entities = self._text(params)
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        message = self._new_message(
            chat,
            from_bot=True,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_api()

    def _edit_target(self, params: Mapping[str, Any]) -> SimMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _m_edit_message_text(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params)
        markup = self._edit_markup(params)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.edit_date = int(self._clock())
        return message.to_api()

    def _m_edit_message_caption(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = self._edit_markup(params)
        current = (message.caption, message.caption_entities, message.reply_markup)
        if (caption, entities, markup) == current:
            raise bad_request(_NOT_MODIFIED)
        message.caption, message.caption_entities, message.reply_markup = caption, entities, markup
        message.edit_date = int(self._clock())
        return message.to_api()

    def _m_edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        markup = self._edit_markup(params)
        if markup == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = int(self._clock())
        return message.to_api()

    def _m_delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        if chat.messages.pop(params["message_id"], None) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answer_callback_query(self, params: dict[str, Any]) -> Any:
        query = self._callback_queries.get(str(params["callback_query_id"]))
        if query is None or query.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            key: params[key] for key in ("text", "show_alert", "url", "cache_time") if key in params
        }
        self._notify()
        return True

    def _m_send_chat_action(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        action = str(params["action"])
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        return True

    # --- files

    def _store_upload(self, upload: Upload, kind: Literal["photo", "document"]) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        width = height = 0
        if kind == "photo":
            size = _image_size(upload.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if (
                width <= 0
                or height <= 0
                or width + height > 10_000
                or max(width / height, height / width) > 20
            ):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            if upload.content_type.startswith("image/"):
                mime_type = upload.content_type
            else:
                mime_type = "image/jpeg"
        else:
            mime_type = upload.content_type
        number = len(self._files) + 1
        if "." in upload.filename:
            extension = "." + upload.filename.rsplit(".", 1)[1]
        else:
            extension = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=f"LB{kind[:3].upper()}{self.bot_id}x{number:06d}{id(self) % 9973:04d}",
            file_unique_id=f"LBU{number:06d}",
            kind=kind,
            data=upload.data,
            file_name=upload.filename,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{number}{extension}",
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        self.upload_count += 1
        return stored

    def _resolve_file(self, value: Any, kind: Literal["photo", "document"]) -> StoredFile:
        if isinstance(value, Upload):
            return self._store_upload(value, kind)
        stored = self._files.get(str(value).strip())
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        self.reuse_count += 1
        return stored

    def _m_send_photo(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        caption, entities = self._caption(params)
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        stored = self._resolve_file(params["photo"], "photo")
        photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": stored.width,
                "height": stored.height,
                "file_size": stored.size,
            }
        ]
        message = self._new_message(
            chat,
            from_bot=True,
            photo=photo,
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_api()

    def _m_send_document(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        caption, entities = self._caption(params)
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        stored = self._resolve_file(params["document"], "document")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": stored.size,
        }
        message = self._new_message(
            chat,
            from_bot=True,
            document=document,
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_api()

    def _m_get_file(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params["file_id"]).strip())
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    _handlers: ClassVar[dict[str, Callable[[LoopbackBotAPI, dict[str, Any]], Any]]] = {
        "getMe": _m_get_me,
        "deleteWebhook": _m_delete_webhook,
        "logOut": _m_true,
        "close": _m_true,
        "setMyCommands": _m_set_my_commands,
        "getMyCommands": _m_get_my_commands,
        "deleteMyCommands": _m_delete_my_commands,
        "setMyDescription": _m_set_my_description,
        "getMyDescription": _m_get_my_description,
        "setMyShortDescription": _m_set_my_short_description,
        "getMyShortDescription": _m_get_my_short_description,
        "sendMessage": _m_send_message,
        "editMessageText": _m_edit_message_text,
        "editMessageReplyMarkup": _m_edit_message_reply_markup,
        "editMessageCaption": _m_edit_message_caption,
        "deleteMessage": _m_delete_message,
        "answerCallbackQuery": _m_answer_callback_query,
        "sendPhoto": _m_send_photo,
        "sendDocument": _m_send_document,
        "sendChatAction": _m_send_chat_action,
        "getFile": _m_get_file,
    }

    # ----------------------------------------------------------------- acting as users

    def add_user(
        self,
        first_name: str = "Ana",
        user_id: int | None = None,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """Create a user who has opened a private chat with the bot."""
        if user_id is None:
            while self._next_user_id in self._chats:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        if user_id in self._chats:
            raise ValueError(f"user {user_id} already exists")
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = SimUser(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._chats[user_id] = _Chat(user=user)
        return user

    @property
    def users(self) -> list[SimUser]:
        """Every simulated user, in creation order."""
        return [chat.user for chat in self._chats.values()]

    def _chat(self, ref: ChatRef) -> _Chat:
        chat_id = ref.id if isinstance(ref, SimUser) else ref
        chat = self._chats.get(chat_id)
        if chat is None:
            raise LookupError(f"no chat {chat_id}: create the user with add_user() first")
        return chat

    def _acting_chat(self, user: ChatRef) -> _Chat:
        chat = self._chat(user)
        if chat.deactivated:
            raise RuntimeError(f"user {chat.user.id} is deactivated and cannot act")
        return chat

    def send_text(self, user: ChatRef, text: str) -> int:
        """The user sends a text message; returns the update_id.

        A user who had blocked the bot unblocks it first (what Telegram's "Restart" does),
        which also produces a my_chat_member update.
        """
        chat = self._acting_chat(user)
        if not text:
            raise ValueError("Telegram does not deliver empty messages")
        if chat.blocked:
            self.unblock(chat.user)
        message = self._new_message(
            chat, from_bot=False, text=text, entities=_command_entities(text)
        )
        return self._enqueue({"message": message.to_api()})

    def share_location(self, user: ChatRef, latitude: float, longitude: float) -> int:
        """The user shares a (static) location; returns the update_id."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude must be in [-90, 90] and longitude in [-180, 180]")
        chat = self._acting_chat(user)
        message = self._new_message(
            chat,
            from_bot=False,
            location={"latitude": float(latitude), "longitude": float(longitude)},
        )
        return self._enqueue({"message": message.to_api()})

    def press_button(self, user: ChatRef, message_id: int, callback_data: str) -> int:
        """The user taps the inline button carrying ``callback_data``; returns the update_id."""
        chat = self._acting_chat(user)
        message = self._bot_message_for_press(chat, message_id)
        if callback_data not in message.callback_data():
            raise LookupError(
                f"message {message_id} in chat {chat.user.id} has no button with "
                f"callback_data {callback_data!r}; it has {message.callback_data()!r}"
            )
        return self._press(chat, message, callback_data)

    def press_button_text(self, user: ChatRef, message_id: int | None, text: str) -> int:
        """Tap the inline button labelled ``text`` (message_id None: the last bot message)."""
        chat = self._acting_chat(user)
        if message_id is None:
            message_id = self.last_bot_message(chat.user.id).message_id
        message = self._bot_message_for_press(chat, message_id)
        button = message.find_button(text)
        if button is None:
            raise LookupError(
                f"message {message_id} in chat {chat.user.id} has no button labelled {text!r}; "
                f"it has {message.button_labels()!r}"
            )
        if "callback_data" not in button:
            raise LookupError(f"button {text!r} is not a callback button: {button!r}")
        return self._press(chat, message, str(button["callback_data"]))

    def forge_callback(self, user: ChatRef, message_id: int, callback_data: str) -> int:
        """A callback query with arbitrary data on a bot message, as a modified client or an
        attacker could send; returns the update_id. The data must still fit Telegram's
        1-64 bytes."""
        chat = self._acting_chat(user)
        message = self._bot_message_for_press(chat, message_id)
        if not 1 <= len(callback_data.encode()) <= 64:
            raise ValueError("callback data must be 1-64 bytes")
        return self._press(chat, message, callback_data)

    def _bot_message_for_press(self, chat: _Chat, message_id: int) -> SimMessage:
        message = chat.messages.get(message_id)
        if message is None:
            existing = sorted(m.message_id for m in chat.messages.values() if m.from_bot)
            raise LookupError(
                f"message {message_id} does not exist in chat {chat.user.id} "
                f"(deleted or never sent); bot messages there: {existing}"
            )
        if not message.from_bot:
            raise LookupError(f"message {message_id} was sent by the user, not the bot")
        return message

    def _press(self, chat: _Chat, message: SimMessage, data: str) -> int:
        query_id = str(4_000_000_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        update_id = self._enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": chat.user.to_api(),
                    "message": message.to_api(),
                    "chat_instance": str(-7_000_000_000 - chat.user.id),
                    "data": data,
                }
            }
        )
        self._callback_queries[query_id] = SimCallbackQuery(
            id=query_id,
            update_id=update_id,
            user=chat.user,
            chat_id=chat.user.id,
            message_id=message.message_id,
            data=data,
        )
        return update_id

    def _member_update(self, chat: _Chat, old: str, new: str) -> int:
        bot = {**self._bot_user()}
        old_member: dict[str, Any] = {"user": bot, "status": old}
        new_member: dict[str, Any] = {"user": bot, "status": new}
        for member in (old_member, new_member):
            if member["status"] == "kicked":  # PTB's ChatMemberBanned requires until_date
                member["until_date"] = 0
        return self._enqueue(
            {
                "my_chat_member": {
                    "chat": chat.user.chat_api(),
                    "from": chat.user.to_api(),
                    "date": int(self._clock()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def block(self, user: ChatRef) -> int:
        """The user blocks the bot: sends/edits to them now get 403.

        Telegram tells the bot with a my_chat_member update; its update_id is returned.
        """
        chat = self._chat(user)
        if chat.blocked:
            raise ValueError(f"user {chat.user.id} has already blocked the bot")
        chat.blocked = True
        return self._member_update(chat, "member", "kicked")

    def unblock(self, user: ChatRef) -> int:
        """The user unblocks the bot; returns the update_id of the my_chat_member update."""
        chat = self._chat(user)
        if not chat.blocked:
            raise ValueError(f"user {chat.user.id} has not blocked the bot")
        chat.blocked = False
        return self._member_update(chat, "kicked", "member")

    def deactivate(self, user: ChatRef) -> None:
        """The user deletes their account: sends to them get 403 "user is deactivated"."""
        self._chat(user).deactivated = True

    # ----------------------------------------------------------------- callback accounting

    def callback_queries(self) -> list[SimCallbackQuery]:
        """Every callback query created by press_button*, in order."""
        return list(self._callback_queries.values())

    def unanswered_callback_queries(self) -> list[SimCallbackQuery]:
        """Queries the bot never answered; a test should assert this is empty."""
        return [q for q in self._callback_queries.values() if not q.answered]

    # ----------------------------------------------------------------- synchronisation

    def is_confirmed(self, update_id: int) -> bool:
        """Whether the bot acknowledged (or Telegram dropped) this update."""
        return update_id < self._confirmed_offset or (
            update_id < self._next_update_id
            and all(u["update_id"] != update_id for u in self._pending)
        )

    async def wait_until_confirmed(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
    ) -> None:
        """Return once getUpdates was called with an offset above ``update_id``.

        PTB puts fetched updates into ``application.update_queue`` before polling again, so
        afterwards ``await application.update_queue.join()`` waits for their handling.
        """
        if update_id >= self._next_update_id:
            raise ValueError(f"update {update_id} was never created")
        await self._wait_until(
            lambda: self.is_confirmed(update_id),
            timeout,
            lambda: (
                f"update {update_id} was not confirmed within {timeout}s (highest offset "
                f"seen {self._confirmed_offset}; pending "
                f"{[u['update_id'] for u in self._pending]}); is the bot polling?"
            ),
        )

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
        *,
        since: int = 0,
        completed: bool = True,
    ) -> RecordedCall:
        """Wait for a completed call of ``method`` (matching ``predicate``) and return it.

        Only calls with ``index >= since`` count: pass ``len(server.calls)`` taken before
        acting to ignore earlier ones.  ``completed=False`` also accepts a call that is still
        in progress (e.g. to know a long poll has started).
        """
        wanted = method.lower()
        found: list[RecordedCall] = []

        def matches() -> bool:
            for call in self.calls[since:]:
                if (
                    (call.done or not completed)
                    and call.method.lower() == wanted
                    and (predicate is None or predicate(call))
                ):
                    found.append(call)
                    return True
            return False

        await self._wait_until(
            matches,
            timeout,
            lambda: (
                f"no {'completed ' if completed else ''}{method} call"
                f"{' matching the predicate' if predicate else ''} within {timeout}s; "
                f"calls since #{since}: {[c.method for c in self.calls[since:]]}"
            ),
        )
        return found[0]

    # ----------------------------------------------------------------- queries

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls of one method (case-insensitive), in order."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return copy.deepcopy(self._pending)

    def messages(self, chat: ChatRef) -> list[SimMessage]:
        """Bot and user messages of a chat in their current state, oldest first."""
        return sorted(self._chat(chat).messages.values(), key=lambda m: m.message_id)

    def bot_messages(self, chat: ChatRef) -> list[SimMessage]:
        """The bot's messages that still exist, oldest first."""
        return [m for m in self.messages(chat) if m.from_bot]

    def user_messages(self, chat: ChatRef) -> list[SimMessage]:
        """The user's messages that still exist, oldest first."""
        return [m for m in self.messages(chat) if not m.from_bot]

    def message(self, chat: ChatRef, message_id: int) -> SimMessage:
        """One message by id; LookupError if it does not exist (any more)."""
        found = self._chat(chat).messages.get(message_id)
        if found is None:
            raise LookupError(f"message {message_id} does not exist in chat {chat}")
        return found

    def last_bot_message(self, chat: ChatRef) -> SimMessage:
        """The newest bot message of a chat; LookupError if there is none."""
        messages = self.bot_messages(chat)
        if not messages:
            raise LookupError(f"the bot has no messages in chat {chat}")
        return messages[-1]

    def button_labels(self, chat: ChatRef, message_id: int) -> list[str]:
        """Labels of a message's inline buttons."""
        return self.message(chat, message_id).button_labels()

    def button_data(self, chat: ChatRef, message_id: int) -> list[str]:
        """callback_data of a message's inline buttons."""
        return self.message(chat, message_id).callback_data()

    def reply_keyboard(self, chat: ChatRef) -> dict[str, Any] | None:
        """The custom reply keyboard currently shown in the chat, if any."""
        return copy.deepcopy(self._chat(chat).reply_keyboard)

    def last_chat_action(self, chat: ChatRef) -> str | None:
        """The last sendChatAction action sent to the chat."""
        return self._chat(chat).last_action

    def is_blocked(self, chat: ChatRef) -> bool:
        """Whether the user currently blocks the bot."""
        return self._chat(chat).blocked

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file_id."""
        stored = self._files.get(file_id)
        if stored is None:
            raise LookupError(f"unknown file_id {file_id!r}")
        return stored.data

    @property
    def files(self) -> list[StoredFile]:
        """Every stored file, in upload order."""
        return list(self._files.values())

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list set for a scope and language (default scope if None)."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return copy.deepcopy(self._commands.get(key, []))

    def description(self, language_code: str = "") -> str:
        """The bot description set with setMyDescription."""
        return self._descriptions.get(language_code, "")

    def short_description(self, language_code: str = "") -> str:
        """The bot short description set with setMyShortDescription."""
        return self._short_descriptions.get(language_code, "")
