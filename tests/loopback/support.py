"""Helpers shared by the loopback server's tests."""

from __future__ import annotations

import struct
import zlib

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import HTTPXRequest

from loopback import LoopbackBotAPI


def make_bot(server: LoopbackBotAPI, read_timeout: float | None = None) -> Bot:
    """PTB's plain Bot pointed at the loopback server."""
    request = HTTPXRequest(read_timeout=read_timeout) if read_timeout is not None else None
    return Bot(
        server.token,
        base_url=server.api_base_url,
        base_file_url=server.file_base_url,
        request=request,
    )


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons from (label, data) pairs."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in pairs]]
    )


def png(width: int = 3, height: int = 2) -> bytes:
    """A tiny valid PNG, so photo uploads pass the server's image check."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
