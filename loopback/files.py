"""Files and media: photo and document uploads, reuse by file_id, getFile and downloads."""

from __future__ import annotations

import mimetypes
import struct
from typing import Any, Literal

from loopback.messages import MessagesMixin
from loopback.methods import (
    Upload,
    bad_request,
)
from loopback.model import StoredFile


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


def _mp4_box(data: bytes, name: bytes) -> bytes | None:
    """The payload of the first box called ``name`` anywhere in an MP4 (a shallow scan)."""
    at = data.find(name)
    if at < 4:
        return None
    size = int.from_bytes(data[at - 4 : at], "big")
    return data[at + 4 : at - 4 + size] if size >= 8 else None


def _mp4_info(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, whole seconds) of an MP4 video; None if it isn't one."""
    if data[4:8] != b"ftyp":
        return None
    width = height = seconds = 0
    mvhd = _mp4_box(data, b"mvhd")
    if mvhd and len(mvhd) >= 20 and mvhd[0] == 0:
        timescale, duration = struct.unpack(">II", mvhd[12:20])
        seconds = round(duration / timescale) if timescale else 0
    tkhd = _mp4_box(data, b"tkhd")
    if tkhd and len(tkhd) >= 84 and tkhd[0] == 0:
        w, h = struct.unpack(">II", tkhd[76:84])
        width, height = w >> 16, h >> 16
    return width, height, seconds


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


FileKind = Literal["photo", "animation", "document"]


class FilesMixin(MessagesMixin):
    """sendPhoto, sendAnimation, sendDocument, getFile and the stored files behind file_ids."""

    def _store_upload(self, upload: Upload, kind: FileKind) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        width = height = duration = 0
        if kind == "animation":
            info = _mp4_info(upload.data)
            gif = _image_size(upload.data) if upload.data[:3] == b"GIF" else None
            if info is None and gif is None:
                raise bad_request("wrong file type: an animation is an MP4 video or a GIF")
            width, height, duration = info if info else (*gif, 0)  # type: ignore[misc]
            mime_type = "video/mp4" if info else "image/gif"
        elif kind == "photo":
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
        number = self._next_file_number
        self._next_file_number += 1
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
            duration=duration,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        self.upload_count += 1
        return stored

    def _resolve_file(self, value: Any, kind: FileKind) -> StoredFile:
        if isinstance(value, Upload):
            return self._store_upload(value, kind)
        stored = self._files.get(str(value).strip())
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        self.reuse_count += 1
        return stored

    def _send_file(self, params: dict[str, Any], kind: FileKind) -> Any:
        """sendPhoto / sendAnimation / sendDocument: the file in the parameter named `kind`
        (an upload, or a file_id of that kind) as a new bot message with caption, markup and
        reply."""
        chat = self._target_chat(params)
        caption, entities = self._caption(params)
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        stored = self._resolve_file(params[kind], kind)
        media: dict[str, Any] = {
            "photo": self._photo_object,
            "animation": self._animation_object,
            "document": self._document_object,
        }
        field: dict[str, Any] = {kind: media[kind](stored)}
        message = self._new_message(
            chat,
            from_bot=True,
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            **field,
        )
        return message.to_api()

    def _m_send_photo(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "photo")

    def _m_send_animation(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "animation")

    def _m_send_document(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "document")

    @staticmethod
    def _document_object(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": stored.size,
        }

    @staticmethod
    def _animation_object(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": stored.width,
            "height": stored.height,
            "duration": stored.duration,
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_size": stored.size,
        }

    @staticmethod
    def _photo_object(stored: StoredFile) -> list[dict[str, Any]]:
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": stored.width,
                "height": stored.height,
                "file_size": stored.size,
            }
        ]

    def _m_edit_message_media(self, params: dict[str, Any]) -> Any:
        """Replace a photo or animation (and its caption) in place, like Telegram."""
        message = self._edit_target(params)
        media = params["media"]
        if not isinstance(media, dict) or "type" not in media or "media" not in media:
            raise bad_request("can't parse InputMedia: media not found")
        kind = str(media["type"])
        if kind not in ("photo", "animation"):
            raise bad_request(f"unsupported InputMedia type {kind!r} in the loopback server")
        if message.photo is None and message.animation is None:
            raise bad_request("there is no media in the message to edit")
        source = media["media"]  # an Upload when it came as an attach:// part
        stored = self._resolve_file(source, "photo" if kind == "photo" else "animation")
        caption, entities = self._caption(media)
        return self._edited(
            message,
            photo=self._photo_object(stored) if kind == "photo" else None,
            animation=self._animation_object(stored) if kind == "animation" else None,
            caption=caption,
            caption_entities=entities,
            reply_markup=self._edit_markup(params),
        )

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
