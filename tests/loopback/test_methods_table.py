"""Checks the hand-written method table against the published Bot API description.

Why: the loopback server is only useful if it rejects exactly what Telegram rejects, so
its required fields must match the spec; and its text/markup validators (pure functions)
are tested here directly, without HTTP.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.helpers import escape_markdown

from loopback.methods import (
    METHODS,
    ApiError,
    FieldKind,
    check_required,
    coerce_params,
    lookup_method,
    parse_formatted_text,
    utf16_len,
    validate_commands,
    validate_reply_markup,
)
from loopback.server import LoopbackBotAPI

API_JSON = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"

# Which spec types each decoding kind may stand for.
_KIND_TYPES: dict[FieldKind, set[tuple[str, ...]]] = {
    FieldKind.INT: {("Integer",)},
    FieldKind.FLOAT: {("Float",), ("Float number",)},
    FieldKind.BOOL: {("Boolean",)},
    FieldKind.STR: {("String",)},
    FieldKind.INT_OR_STR: {("Integer", "String")},
    FieldKind.FILE: {("InputFile", "String")},
}


@pytest.fixture(scope="module")
def spec_methods() -> dict[str, Any]:
    if not API_JSON.is_file():
        pytest.skip(f"Bot API description not available at {API_JSON}")
    data = json.loads(API_JSON.read_text(encoding="utf-8"))
    methods: dict[str, Any] = data["methods"]
    return methods


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_exists_and_required_fields_match(name: str, spec_methods: dict[str, Any]) -> None:
    assert name in spec_methods, f"{name} is not a Bot API method"
    spec_fields = spec_methods[name].get("fields", [])
    required = {f["name"] for f in spec_fields if f["required"]}
    assert set(METHODS[name].required) == required


@pytest.mark.parametrize("name", sorted(METHODS))
def test_declared_fields_exist_with_compatible_types(
    name: str, spec_methods: dict[str, Any]
) -> None:
    spec_fields = {f["name"]: tuple(f["types"]) for f in spec_methods[name].get("fields", [])}
    for field_name, kind in METHODS[name].fields.items():
        assert field_name in spec_fields, f"{name}.{field_name} is not in the spec"
        types = spec_fields[field_name]
        if kind is FieldKind.JSON:
            # Objects and arrays arrive JSON-serialised in form bodies.
            assert all(t not in {"Integer", "String", "Boolean", "Float"} for t in types), (
                f"{name}.{field_name}: {types}"
            )
        else:
            assert types in _KIND_TYPES[kind], f"{name}.{field_name}: {kind} vs {types}"


def test_every_method_has_a_handler() -> None:
    handled = set(LoopbackBotAPI._handlers) | {"getUpdates"}
    assert handled == set(METHODS)


def test_lookup_is_case_insensitive_like_telegram() -> None:
    spec = lookup_method("SENDMESSAGE")
    assert spec is not None and spec.name == "sendMessage"
    assert lookup_method("sendVoice") is None


# --------------------------------------------------------------------------- parameters


def _error(exc: pytest.ExceptionInfo[ApiError]) -> str:
    return exc.value.description


def test_form_values_are_decoded_by_field_kind() -> None:
    spec = METHODS["sendMessage"]
    params = coerce_params(
        spec,
        {
            "chat_id": "42",
            "text": "hi",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": []}',
            "unknown": "kept",
        },
    )
    assert params == {
        "chat_id": 42,
        "text": "hi",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": []},
        "unknown": "kept",
    }
    assert coerce_params(spec, {"chat_id": "@channel"})["chat_id"] == "@channel"


def test_bad_reply_markup_json_is_rejected() -> None:
    with pytest.raises(ApiError) as exc:
        coerce_params(METHODS["sendMessage"], {"reply_markup": "{not json"})
    assert _error(exc) == "Bad Request: can't parse reply keyboard markup JSON object"


def test_missing_required_fields_use_telegram_wording() -> None:
    spec = METHODS["sendMessage"]
    with pytest.raises(ApiError) as exc:
        check_required(spec, {"text": "x"})
    assert _error(exc) == "Bad Request: chat_id is empty"
    with pytest.raises(ApiError) as exc:
        check_required(spec, {"chat_id": 1, "text": ""})
    assert _error(exc) == "Bad Request: message text is empty"
    with pytest.raises(ApiError) as exc:
        check_required(METHODS["getFile"], {})
    assert _error(exc) == "Bad Request: parameter file_id is required"


# --------------------------------------------------------------------------- formatting


def test_html_is_parsed_into_plain_text_and_entities() -> None:
    text, entities = parse_formatted_text(
        '<b>Hi</b> &amp; <i>you</i> <a href="https://x.org/?a=1&amp;b=2">link</a>', "HTML"
    )
    assert text == "Hi & you link"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 5, "length": 3},
        {"type": "text_link", "offset": 9, "length": 4, "url": "https://x.org/?a=1&b=2"},
    ]


def test_html_offsets_are_utf16_and_text_is_trimmed() -> None:
    text, entities = parse_formatted_text("  💪 <u>stretch</u>\n\n", "html")
    assert text == "💪 stretch"
    assert entities == [{"type": "underline", "offset": 3, "length": 7}]
    assert utf16_len("💪") == 2


def test_html_pre_code_language_and_spoilers() -> None:
    text, entities = parse_formatted_text(
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>'
        "<blockquote expandable>q</blockquote>",
        "HTML",
    )
    assert text == "x = 1stq"
    assert [e["type"] for e in entities] == ["pre", "spoiler", "spoiler", "expandable_blockquote"]
    assert entities[0]["language"] == "python"


@pytest.mark.parametrize(
    ("markup", "detail"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("é</b>", "Unexpected end tag at byte offset 2"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_bad_html_is_rejected(markup: str, detail: str) -> None:
    with pytest.raises(ApiError) as exc:
        parse_formatted_text(markup, "HTML")
    assert exc.value.error_code == 400
    assert _error(exc) == f"Bad Request: can't parse entities: {detail}"


def test_markdown_v2_requires_escaping_reserved_characters() -> None:
    with pytest.raises(ApiError) as exc:
        parse_formatted_text("Done.", "MarkdownV2")
    assert _error(exc) == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )
    text, entities = parse_formatted_text(
        "*Done*\\. __u__ ||s|| [a](https://e.org) `c.d`", "MarkdownV2"
    )
    assert text == "Done. u s a c.d"
    assert [e["type"] for e in entities] == [
        "bold",
        "underline",
        "spoiler",
        "text_link",
        "code",
    ]
    with pytest.raises(ApiError) as exc:
        parse_formatted_text("*open", "MarkdownV2")
    assert _error(exc).endswith("Can't find end of Bold entity at byte offset 0")


def test_legacy_markdown_and_unknown_parse_mode() -> None:
    text, entities = parse_formatted_text("*b* _i_ `c`", "Markdown")
    assert text == "b i c"
    assert [e["type"] for e in entities] == ["bold", "italic", "code"]
    with pytest.raises(ApiError) as exc:
        parse_formatted_text("*b", "Markdown")
    assert "Can't find end of the entity starting at byte offset 0" in _error(exc)
    with pytest.raises(ApiError) as exc:
        parse_formatted_text("x", "RST")
    assert _error(exc) == "Bad Request: unsupported parse_mode"


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028")
    | st.just("\n"),
    max_size=60,
)


@given(_TEXT)
def test_escaped_text_round_trips(text: str) -> None:
    # What a bot gets back after escaping arbitrary user-visible text the usual ways.
    expected = text.strip(" \t\r\n")
    assert parse_formatted_text(html.escape(text), "HTML")[0] == expected
    assert parse_formatted_text(escape_markdown(text, version=2), "MarkdownV2")[0] == expected
    assert parse_formatted_text(text, None) == (expected, [])


def test_markdown_v2_blockquote_and_nesting() -> None:
    text, entities = parse_formatted_text(">quote\n>more\nplain", "MarkdownV2")
    assert text == "quote\nmore\nplain"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 10}]
    text, entities = parse_formatted_text("___both___", "MarkdownV2")
    assert text == "both"
    assert sorted(e["type"] for e in entities) == ["italic", "underline"]


# --------------------------------------------------------------------------- markup


def _keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


def test_callback_data_limit_is_64_utf8_bytes() -> None:
    validate_reply_markup(_keyboard({"text": "ok", "callback_data": "x" * 64}), inline_only=True)
    for data in ("x" * 65, "é" * 33, ""):
        with pytest.raises(ApiError) as exc:
            validate_reply_markup(
                _keyboard({"text": "no", "callback_data": data}), inline_only=True
            )
        assert _error(exc) == "Bad Request: BUTTON_DATA_INVALID"


def test_other_markup_errors() -> None:
    with pytest.raises(ApiError) as exc:
        validate_reply_markup(_keyboard({"text": "plain"}), inline_only=True)
    assert "Text buttons are unallowed in the inline keyboard" in _error(exc)
    with pytest.raises(ApiError) as exc:
        validate_reply_markup(_keyboard({"text": "u", "url": "javascript:x"}), inline_only=True)
    assert _error(exc) == "Bad Request: BUTTON_URL_INVALID"
    with pytest.raises(ApiError):
        validate_reply_markup({"keyboard": [["a"]]}, inline_only=True)
    assert validate_reply_markup({"keyboard": [["a"]]}, inline_only=False) == {"keyboard": [["a"]]}
    with pytest.raises(ApiError):
        validate_reply_markup([], inline_only=False)


def test_commands_validation() -> None:
    assert validate_commands([{"command": "start", "description": "Begin"}]) == [
        {"command": "start", "description": "Begin"}
    ]
    with pytest.raises(ApiError) as exc:
        validate_commands([{"command": "Start!", "description": "x"}])
    assert _error(exc) == "Bad Request: BOT_COMMAND_INVALID"
    with pytest.raises(ApiError) as exc:
        validate_commands([{"command": "start", "description": ""}])
    assert _error(exc) == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
