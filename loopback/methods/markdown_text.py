"""Telegram's MarkdownV2 and legacy Markdown parse modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loopback.methods.spec import ApiError
from loopback.methods.text_builder import TextBuilder, byte_offset, parse_error

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}
_MDV2_CLOSERS = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
    "text_link": "]",
}


@dataclass
class _OpenMd:
    kind: str
    start: int
    byte_offset: int
    language: str | None = None


def _reserved_error(char: str) -> ApiError:
    return parse_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """MarkdownV2: every reserved character outside an entity marker must be escaped."""
    out = TextBuilder()
    stack: list[_OpenMd] = []
    quote_start: int | None = None
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        at_line_start = i == 0 or src[i - 1] == "\n"
        in_code = bool(stack) and stack[-1].kind in {"code", "pre"}
        if at_line_start and not in_code:
            if char == ">":
                if quote_start is None:
                    quote_start = out.offset
                i += 1
                continue
            if quote_start is not None:
                _close_quote(out, quote_start)
                quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.append(src[i + 1])
            i += 2
            continue
        if in_code:
            top = stack[-1]
            closer = "```" if top.kind == "pre" else "`"
            if src.startswith(closer, i):
                stack.pop()
                if top.language:
                    out.add_entity("pre", top.start, language=top.language)
                else:
                    out.add_entity(top.kind, top.start)
                i += len(closer)
            else:
                out.append(char)
                i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.append(char)
            i += 1
            continue
        if stack:
            top = stack[-1]
            closer = _MDV2_CLOSERS.get(top.kind, "")
            # "__" inside an italic starts an underline unless one is open below, in which
            # case it is the italic's end followed by the underline's ("___x___").
            starts_underline = (
                top.kind == "italic"
                and src.startswith("__", i)
                and not _has_open(stack, "underline")
            )
            if closer and src.startswith(closer, i) and not starts_underline:
                stack.pop()
                i += len(closer)
                if top.kind == "text_link":
                    i = _finish_text_link(src, i, out, top)
                else:
                    out.add_entity(top.kind, top.start)
                continue
        begin = byte_offset(src, i)
        if char == "_":
            if src.startswith("__", i):
                stack.append(_OpenMd("underline", out.offset, begin))
                i += 2
            else:
                stack.append(_OpenMd("italic", out.offset, begin))
                i += 1
        elif char == "*":
            stack.append(_OpenMd("bold", out.offset, begin))
            i += 1
        elif char == "~":
            stack.append(_OpenMd("strikethrough", out.offset, begin))
            i += 1
        elif char == "|" and src.startswith("||", i):
            stack.append(_OpenMd("spoiler", out.offset, begin))
            i += 2
        elif char == "[":
            stack.append(_OpenMd("text_link", out.offset, begin))
            i += 1
        elif char == "`":
            if src.startswith("```", i):
                i += 3
                newline = src.find("\n", i)
                language = None
                if newline != -1 and src[i:newline].strip() and " " not in src[i:newline].strip():
                    language = src[i:newline].strip()
                    i = newline + 1
                elif newline == i:
                    i += 1
                stack.append(_OpenMd("pre", out.offset, begin, language))
            else:
                stack.append(_OpenMd("code", out.offset, begin))
                i += 1
        else:
            raise _reserved_error(char)
    if stack:
        top = stack[-1]
        raise parse_error(
            f"Can't find end of {_MDV2_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
        )
    if quote_start is not None:
        _close_quote(out, quote_start)
    return out.result()


def _close_quote(out: TextBuilder, start: int) -> None:
    """End a ``>`` blockquote; the newline that ends its last line is not part of it."""
    end = out.offset
    if out.pieces and out.pieces[-1].endswith("\n"):
        end -= 1
    if end > start:
        out.entities.append({"type": "blockquote", "offset": start, "length": end - start})


def _has_open(stack: list[_OpenMd], kind: str) -> bool:
    return any(item.kind == kind for item in stack)


def _finish_text_link(src: str, i: int, out: TextBuilder, top: _OpenMd) -> int:
    """Read ``(url)`` after ``[text]``; inside the URL only ``)`` and ``\\`` are escaped."""
    if i >= len(src) or src[i] != "(":
        raise parse_error(f"Can't find end of TextUrl entity at byte offset {top.byte_offset}")
    i += 1
    url: list[str] = []
    while i < len(src) and src[i] != ")":
        if src[i] == "\\" and i + 1 < len(src):
            i += 1
        url.append(src[i])
        i += 1
    if i >= len(src):
        raise parse_error(f"Can't find end of a URL at byte offset {byte_offset(src, i)}")
    out.add_entity("text_link", top.start, url="".join(url))
    return i + 1


# Legacy Markdown -------------------------------------------------------------------------

_MD_MARKERS = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = TextBuilder()
    n = len(src)
    i = 0
    while i < n:
        char = src[i]
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.append(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            i += 1
            continue
        begin = byte_offset(src, i)
        unclosed = parse_error(f"Can't find end of the entity starting at byte offset {begin}")
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end == -1:
                raise unclosed
            body = src[i + 3 : end]
            language = None
            first_line, sep, rest = body.partition("\n")
            if sep and first_line.strip() and " " not in first_line.strip():
                language, body = first_line.strip(), rest
            start = out.offset
            out.append(body)
            if language:
                out.add_entity("pre", start, language=language)
            else:
                out.add_entity("pre", start)
            i = end + 3
            continue
        if char == "[":
            close = src.find("]", i + 1)
            if close == -1 or close + 1 >= n or src[close + 1] != "(":
                raise unclosed
            url_end = src.find(")", close + 2)
            if url_end == -1:
                raise unclosed
            start = out.offset
            out.append(src[i + 1 : close])
            out.add_entity("text_link", start, url=src[close + 2 : url_end])
            i = url_end + 1
            continue
        end = src.find(char, i + 1)
        if end == -1:
            raise unclosed
        start = out.offset
        out.append(src[i + 1 : end])
        out.add_entity(_MD_MARKERS[char], start)
        i = end + 1
    return out.result()
