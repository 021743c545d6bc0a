"""The table's bot settings family: commands per scope and language, descriptions (handled
in loopback/bot_settings.py), and the BotCommand list's validation."""

from __future__ import annotations

import re
from typing import Any

from loopback.methods.spec import JSON as _J
from loopback.methods.spec import STR as _S
from loopback.methods.spec import FieldKind, MethodSpec, bad_request
from loopback.methods.spec import spec as _spec

_SCOPE: dict[str, FieldKind] = {"scope": _J, "language_code": _S}

SPECS: tuple[MethodSpec, ...] = (
    _spec("setMyCommands", {"commands": _J, **_SCOPE}, "commands"),
    _spec("getMyCommands", _SCOPE),
    _spec("deleteMyCommands", _SCOPE),
    _spec("setMyDescription", {"description": _S, "language_code": _S}),
    _spec("getMyDescription", {"language_code": _S}),
    _spec("setMyShortDescription", {"short_description": _S, "language_code": _S}),
    _spec("getMyShortDescription", {"language_code": _S}),
)


_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def validate_commands(commands: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' list of BotCommand objects (rules from the Bot API docs)."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = item.get("command")
        description = item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result
