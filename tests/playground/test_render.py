"""Messages on the page: Telegram HTML kept, everything else sanitized away."""

from __future__ import annotations

import html
from typing import Any

import pytest

from bot.playground.render import message_html, message_view, sanitize
from loopback import SimMessage


def api_message(text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 1, "type": "private"},
        "text": text,
        "entities": entities or [],
    }


def test_telegram_formatting_survives() -> None:
    text = "bold italic under strike code pre link spoiler quote"
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 6},
        {"type": "underline", "offset": 12, "length": 5},
        {"type": "strikethrough", "offset": 18, "length": 6},
        {"type": "code", "offset": 25, "length": 4},
        {"type": "pre", "offset": 30, "length": 3},
        {"type": "text_link", "offset": 34, "length": 4, "url": "https://example.org/a?b=1"},
        {"type": "spoiler", "offset": 39, "length": 7},
        {"type": "blockquote", "offset": 47, "length": 5},
    ]
    rendered = message_html(api_message(text, entities))
    assert rendered is not None
    for fragment in (
        "<b>bold</b>",
        "<i>italic</i>",
        "<u>under</u>",
        "<s>strike</s>",
        "<code>code</code>",
        "<pre>",
        'href="https://example.org/a?b=1"',
        'rel="noopener noreferrer nofollow"',
        'target="_blank"',
        '<span class="tg-spoiler">spoiler</span>',
        "<blockquote>quote</blockquote>",
    ):
        assert fragment in rendered, (fragment, rendered)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "</div><iframe src=//evil>",
        "&lt;b&gt;not bold&lt;/b&gt;",
    ],
)
def test_text_that_looks_like_html_stays_text(text: str) -> None:
    rendered = message_html(api_message(text))
    assert rendered is not None
    assert "<script" not in rendered and "<img" not in rendered and "<iframe" not in rendered
    assert html.unescape(rendered) == text  # shown exactly as typed


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x"]
)
def test_dangerous_link_targets_are_dropped(url: str) -> None:
    entities = [{"type": "text_link", "offset": 0, "length": 5, "url": url}]
    rendered = message_html(api_message("click", entities))
    assert rendered is not None
    assert "click" in rendered
    assert "href" not in rendered


def test_the_whitelist_strips_what_telegram_html_doesnt_have() -> None:
    dirty = (
        '<b onclick="x()">b</b><a href="https://ok.example" style="x">a</a>'
        '<span class="evil tg-spoiler">s</span><svg onload=alert(1)></svg><!-- c -->'
        '<a href="tg://resolve?domain=x">tg</a><style>*{}</style>'
    )
    clean = sanitize(dirty)
    assert "onclick" not in clean and "style" not in clean and "svg" not in clean
    assert "evil" not in clean and "tg-spoiler" in clean
    assert "<!--" not in clean
    assert 'href="https://ok.example"' in clean
    assert 'href="tg://resolve?domain=x"' in clean


def test_a_photo_has_alt_text_and_a_document_a_download() -> None:
    common: dict[str, Any] = {
        "chat_id": 7,
        "from_bot": True,
        "date": 0,
        "sender": {"id": 1, "is_bot": True, "first_name": "B"},
        "chat": {"id": 7, "type": "private", "first_name": "A"},
    }
    photo = SimMessage(
        message_id=1,
        caption="Your pain, last 30 days\nmore",
        photo=[{"file_id": "P1", "file_unique_id": "u", "width": 800, "height": 600}],
        **common,
    )
    view = message_view(photo)
    assert view["photo"] == {
        "url": "/api/files/P1",
        "width": 800,
        "height": 600,
        "alt": "Your pain, last 30 days",
    }
    untitled = SimMessage(message_id=2, photo=[{"file_id": "P2", "file_unique_id": "v"}], **common)
    assert message_view(untitled)["photo"]["alt"] == "Picture from the bot"
    document = SimMessage(
        message_id=3,
        document={
            "file_id": "D1",
            "file_name": "a.csv",
            "mime_type": "text/csv",
            "file_size": 9,
        },
        **common,
    )
    assert message_view(document)["document"] == {
        "url": "/api/files/D1",
        "file_name": "a.csv",
        "mime_type": "text/csv",
        "size": 9,
    }
