"""Bot-level methods: getMe, the command menu (setMyCommands …) and the descriptions."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from loopback.methods import (
    bad_request,
    validate_commands,
)
from loopback.state import ServerState


class BotSettingsMixin(ServerState):
    """getMe, logOut/close, commands per scope and language, descriptions."""

    def _m_get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_true(self, params: dict[str, Any]) -> Any:
        return True

    @staticmethod
    def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _m_set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = validate_commands(params["commands"])
        key = self._commands_key(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    def _m_get_my_commands(self, params: dict[str, Any]) -> Any:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _m_delete_my_commands(self, params: dict[str, Any]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _set_text_setting(
        self, store: dict[str, str], params: Mapping[str, Any], name: str, limit: int
    ) -> Any:
        value = str(params.get(name) or "")
        if len(value) > limit:
            raise bad_request(f"{name.replace('_', ' ')} is too long")
        language = str(params.get("language_code") or "")
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _m_set_my_description(self, params: dict[str, Any]) -> Any:
        return self._set_text_setting(self._descriptions, params, "description", 512)

    def _m_get_my_description(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        return {"description": self._descriptions.get(language, "")}

    def _m_set_my_short_description(self, params: dict[str, Any]) -> Any:
        return self._set_text_setting(self._short_descriptions, params, "short_description", 120)

    def _m_get_my_short_description(self, params: dict[str, Any]) -> Any:
        language = str(params.get("language_code") or "")
        return {"short_description": self._short_descriptions.get(language, "")}

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list set for a scope and language (default scope if None)."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return copy.deepcopy(self._commands.get(key, []))

    def description(self, language_code: str = "") -> str:
        """The bot description set with setMyDescription."""
        return self._descriptions.get(language_code, "")

    def short_description(self, language_code: str = "") -> str:
        """The bot short description set with setMyShortDescription."""
        return self._short_descriptions.get(language_code, "")
