"""A loopback (fake) Telegram Bot API server for tests, the playground and benchmarks.

The real python-telegram-bot client talks to it over HTTP on 127.0.0.1, so everything
between the bot's handlers and the wire is exercised without reaching Telegram.
"""

from loopback.methods import METHODS, ApiError, FieldKind, MethodSpec
from loopback.server import (
    DEFAULT_TOKEN,
    LoopbackBotAPI,
    RecordedCall,
    SimCallbackQuery,
    SimGroup,
    SimMessage,
    SimUser,
    StoredFile,
)

__all__ = [
    "DEFAULT_TOKEN",
    "METHODS",
    "ApiError",
    "FieldKind",
    "LoopbackBotAPI",
    "MethodSpec",
    "RecordedCall",
    "SimCallbackQuery",
    "SimGroup",
    "SimMessage",
    "SimUser",
    "StoredFile",
]
