"""Text with a parse_mode (or explicit entities) into plain text and entities, as Telegram does."""

from __future__ import annotations

from typing import Any

from loopback.methods.html_text import parse_html
from loopback.methods.markdown_text import parse_markdown, parse_markdown_v2
from loopback.methods.spec import bad_request
from loopback.methods.text_builder import utf16_len

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
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
