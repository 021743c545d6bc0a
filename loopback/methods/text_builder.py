"""What the formatted-text parsers share: UTF-16 lengths (Telegram's entity unit), the
builder that collects plain text and entities, and the "can't parse entities" error."""

from __future__ import annotations

from typing import Any

from loopback.methods.spec import ApiError, bad_request


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class TextBuilder:
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
