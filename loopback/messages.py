"""Messages the bot sends, edits and deletes, callback query answers and chat actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loopback.methods import (
    CAPTION_LIMIT,
    CHAT_ACTIONS,
    TEXT_LIMIT,
    ApiError,
    bad_request,
    parse_formatted_text,
    validate_reply_markup,
)
from loopback.model import (
    SimMessage,
    _Chat,
)
from loopback.state import ServerState

_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class MessagesMixin(ServerState):
    """sendMessage, editMessage*, deleteMessage, answerCallbackQuery, sendChatAction."""

    def _target_chat(self, params: Mapping[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.group is not None and not chat.bot_is_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.group.type} chat")
        if chat.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _send_markup(self, chat: _Chat, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Validate reply_markup of a send; returns the inline keyboard to attach, if any."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        markup = validate_reply_markup(markup, inline_only=False)
        if "inline_keyboard" in markup:
            return markup
        chat.reply_keyboard = None if markup.get("remove_keyboard") else markup
        return None

    @staticmethod
    def _edit_markup(params: Mapping[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        return validate_reply_markup(markup, inline_only=True)

    def _reply_target(self, chat: _Chat, params: Mapping[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        target = chat.messages.get(reply["message_id"])
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.to_api()

    def _caption(self, params: Mapping[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        raw = params.get("caption")
        if raw is None:
            return None, []
        caption, entities = parse_formatted_text(
            str(raw),
            params.get("parse_mode"),
            params.get("caption_entities"),
            entities_field="caption_entities",
        )
        if len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return (caption or None), entities

    @staticmethod
    def _text(params: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text")
        if raw is None or str(raw).strip() == "":
            raise bad_request("message text is empty")
        text, entities = parse_formatted_text(
            str(raw), params.get("parse_mode"), params.get("entities")
        )
        if not text:
            raise bad_request("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return text, entities

    def _m_send_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        text, entities = self._text(params)
        markup = self._send_markup(chat, params)
        reply_to = self._reply_target(chat, params)
        message = self._new_message(
            chat,
            from_bot=True,
            text=text,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )
        return message.to_api()

    def _edit_target(self, params: Mapping[str, Any]) -> SimMessage:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _edited(self, message: SimMessage, **changes: Any) -> Any:
        """Apply an edit's `changes` (SimMessage fields) to `message`, as Telegram does:
        "message is not modified" when every field already has its new value."""
        if all(getattr(message, name) == value for name, value in changes.items()):
            raise bad_request(_NOT_MODIFIED)
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_date = int(self._clock())
        return message.to_api()

    def _m_edit_message_text(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params)
        markup = self._edit_markup(params)
        return self._edited(message, text=text, entities=entities, reply_markup=markup)

    def _m_edit_message_caption(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        markup = self._edit_markup(params)
        return self._edited(
            message, caption=caption, caption_entities=entities, reply_markup=markup
        )

    def _m_edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        message = self._edit_target(params)
        return self._edited(message, reply_markup=self._edit_markup(params))

    def _m_delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        if chat.messages.pop(params["message_id"], None) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answer_callback_query(self, params: dict[str, Any]) -> Any:
        query = self._callback_queries.get(str(params["callback_query_id"]))
        if query is None or query.answered or query.expired:
            raise bad_request(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            key: params[key] for key in ("text", "show_alert", "url", "cache_time") if key in params
        }
        self._notify()
        return True

    def _m_send_chat_action(self, params: dict[str, Any]) -> Any:
        chat = self._target_chat(params)
        action = str(params["action"])
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_action = action
        return True
