"""Telegram's HTML parse mode: a fixed tag set, strict nesting, four named entities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from loopback.methods.text_builder import TextBuilder, byte_offset, parse_error

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")


def _decode_html_entity(src: str, index: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at index; unknown named entities stay literal, like Telegram."""
    match = _HTML_ENTITY_RE.match(src, index)
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            return chr(code), match.end() - index
        except (ValueError, OverflowError):
            return None
    decoded = _NAMED_ENTITIES.get(name)
    return (decoded, match.end() - index) if decoded is not None else None


def _unescape_attribute(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_html_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i += decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    start: int
    language: str | None = None


def _is_name_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-_")


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML dialect: a fixed tag set, strict nesting, four named entities."""
    out = TextBuilder()
    stack: list[_OpenTag] = []
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                out.append(decoded[0])
                i += decoded[1]
            else:
                out.append("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.append(src[i:j])
            i = j
            continue
        begin = i
        offset = byte_offset(src, begin)
        i += 1
        if i >= n or src[i] != "/":
            j = i
            while j < n and _is_name_char(src[j]):
                j += 1
            name = src[i:j].lower()
            if name not in _HTML_TAGS:
                raise parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
            i = j
            attributes: dict[str, str] = {}
            while True:
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] == ">":
                    i += 1
                    break
                j = i
                while j < n and _is_name_char(src[j]):
                    j += 1
                attribute = src[i:j].lower()
                if not attribute:
                    raise parse_error(
                        f'Empty attribute name in the tag "{name}" at byte offset {offset}'
                    )
                i = j
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] != "=":
                    attributes[attribute] = ""
                    continue
                i += 1
                while i < n and src[i].isspace():
                    i += 1
                if i >= n:
                    raise parse_error(f"Unclosed start tag at byte offset {offset}")
                if src[i] in "\"'":
                    end = src.find(src[i], i + 1)
                    if end == -1:
                        raise parse_error(f"Unclosed start tag at byte offset {offset}")
                    value = src[i + 1 : end]
                    i = end + 1
                else:
                    j = i
                    while j < n and not src[j].isspace() and src[j] != ">":
                        j += 1
                    value = src[i:j]
                    i = j
                attributes[attribute] = _unescape_attribute(value)
            if name == "span" and attributes.get("class") != "tg-spoiler":
                raise parse_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                )
            stack.append(_OpenTag(name=name, attributes=attributes, start=out.offset))
            continue
        # End tag.
        if not stack:
            raise parse_error(f"Unexpected end tag at byte offset {offset}")
        i += 1
        j = i
        while j < n and _is_name_char(src[j]):
            j += 1
        end_name = src[i:j].lower()
        i = j
        while i < n and src[i].isspace():
            i += 1
        if i >= n or src[i] != ">":
            raise parse_error(f"Unclosed end tag at byte offset {offset}")
        i += 1
        tag = stack.pop()
        if end_name != tag.name:
            raise parse_error(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        _close_html_tag(out, tag, stack)
    if stack:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    return out.result()


def _close_html_tag(out: TextBuilder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    kind = _HTML_TAGS[tag.name]
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if href:
            out.add_entity("text_link", tag.start, url=href)
        else:
            out.add_entity("url", tag.start)
        return
    if tag.name == "code":
        language = tag.attributes.get("class", "")
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and parent.start == tag.start:
            if language.startswith("language-"):
                parent.language = language.removeprefix("language-")
            return  # <pre><code>…</code></pre> is one pre entity
        out.add_entity("code", tag.start)
        return
    if tag.name == "pre":
        if tag.language:
            out.add_entity("pre", tag.start, language=tag.language)
        else:
            out.add_entity("pre", tag.start)
        return
    if tag.name == "blockquote" and "expandable" in tag.attributes:
        out.add_entity("expandable_blockquote", tag.start)
        return
    out.add_entity(kind, tag.start)
