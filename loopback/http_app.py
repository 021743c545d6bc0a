"""The HTTP side: the aiohttp app and its routes, request parsing, call recording, dispatch."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

from aiohttp import web

from loopback.control import CONTROL_PREFIX, create_control_app
from loopback.faults import FaultsMixin, _Dropped
from loopback.methods import (
    ApiError,
    MethodSpec,
    Upload,
    bad_request,
    check_required,
    coerce_params,
    lookup_method,
)
from loopback.model import RecordedCall
from loopback.updates import UpdatesMixin

if TYPE_CHECKING:
    from loopback.server import LoopbackBotAPI

logger = logging.getLogger("loopback")

_MAX_BODY = 60 * 1024 * 1024  # Telegram accepts 50 MB uploads; leave room for the envelope.


def _summarise(params: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-friendly copy of params with uploads replaced by a short summary."""
    return {k: v.summary() if isinstance(v, Upload) else v for k, v in params.items()}


class HttpAppMixin(FaultsMixin, UpdatesMixin):
    """Serves /bot<token>/<method>, /file/bot<token>/<path> and the control API."""

    _handlers: ClassVar[dict[str, Callable[[Any, dict[str, Any]], Any]]] = {}
    """Bot API method name -> handler; filled in by ``LoopbackBotAPI``."""

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0 picks a free port); ``base_url`` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("server already started")
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        control = create_control_app(cast("LoopbackBotAPI", self))  # JSON API, see control.py
        app.add_subapp(CONTROL_PREFIX, control)
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

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        fault = self._take_fault(spec.name, params)
        if fault is not None:
            await self._apply_fault(fault)
        check_required(spec, params)
        if spec.name == "getUpdates":
            return await self._get_updates(params)
        handler = self._handlers[spec.name]
        result = handler(self, params)
        self._after_fault(fault)
        return result
