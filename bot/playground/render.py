"""How a loopback chat message looks on the playground page (JSON for ``app.js``).

Text and captions become Telegram-style HTML built from the message's entities by
python-telegram-bot (``Message.text_html``), then go through a whitelist sanitizer (nh3,
the Ammonia HTML sanitizer) that keeps only the tags Telegram's HTML mode knows: b/strong,
i/em, u/ins, s/strike/del, a href (http, https, tg, mailto), code, pre, blockquote and
spoilers.  Anything else, scripts and event attributes included, is dropped or shown as
text, so the page can insert the result as HTML.
"""

from __future__ import annotations

from typing import Any

import nh3
from telegram import Message

from loopback import SimMessage

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "span",
        "tg-spoiler",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}, "blockquote": {"expandable"}}
ALLOWED_CLASSES = {"span": {"tg-spoiler"}}
URL_SCHEMES = frozenset({"http", "https", "tg", "mailto"})


def sanitize(html: str) -> str:
    """Telegram-HTML with every tag, attribute and URL scheme outside the whitelist removed."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )


def message_html(api_message: dict[str, Any]) -> str | None:
    """The sanitized HTML of a message's text or caption (None when it has neither)."""
    formatting: dict[str, Any] = {
        key: api_message[key]
        for key in ("text", "entities", "caption", "caption_entities")
        if key in api_message
    }
    minimal: dict[str, Any] = {"message_id": 0, "date": 0, "chat": {"id": 0, "type": "private"}}
    minimal.update(formatting)
    message = Message.de_json(minimal, None)
    if message.text is not None:
        return sanitize(message.text_html)
    if message.caption is not None:
        return sanitize(message.caption_html)
    return None


def plain_text(message: SimMessage) -> str:
    """Text or caption without formatting (for alt text and labels)."""
    return message.text or message.caption or ""


def file_url(file_id: str) -> str:
    """Where the page downloads a file's bytes (``web.py`` serves it)."""
    return f"/api/files/{file_id}"


def message_view(message: SimMessage) -> dict[str, Any]:
    """A message as the page draws it: sanitized HTML, media, buttons; JSON-ready."""
    data = message.to_api()
    view: dict[str, Any] = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "edited": message.edit_date is not None,
        "html": message_html(data),
        "buttons": [
            [
                {key: button[key] for key in ("text", "callback_data", "url") if key in button}
                for button in row
            ]
            for row in message.inline_keyboard
        ],
    }
    if message.photo:
        largest = message.photo[-1]
        caption = plain_text(message).strip()
        view["photo"] = {
            "url": file_url(str(largest["file_id"])),
            "width": largest.get("width"),
            "height": largest.get("height"),
            "alt": caption.split("\n", 1)[0][:200] if caption else "Picture from the bot",
        }
    animation = data.get("animation")
    if isinstance(animation, dict):
        view["animation"] = {
            "url": file_url(str(animation["file_id"])),
            "mime_type": animation.get("mime_type") or "",
            "alt": plain_text(message).split("\n", 1)[0][:200] or "Animation from the bot",
        }
    if message.document:
        document = message.document
        view["document"] = {
            "url": file_url(str(document["file_id"])),
            "file_name": document.get("file_name") or "file",
            "mime_type": document.get("mime_type") or "application/octet-stream",
            "size": document.get("file_size") or 0,
        }
    if message.location:
        view["location"] = {
            "latitude": message.location["latitude"],
            "longitude": message.location["longitude"],
        }
    return view
