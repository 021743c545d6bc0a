"""The loopback server's data model: users, messages as they are after edits, files,
recorded calls, callback queries, pending faults and per-chat state."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class SimUser:
    """A simulated Telegram user; their private chat with the bot has ``chat id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_api(self) -> dict[str, Any]:
        """The ``User`` object Telegram sends for this person."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        """The private ``Chat`` object for the conversation with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class SimGroup:
    """A group, supergroup or channel; its chat id is negative, like Telegram's."""

    id: int
    title: str
    type: Literal["group", "supergroup", "channel"] = "group"

    def chat_api(self) -> dict[str, Any]:
        """The ``Chat`` object of this group or channel."""
        return {"id": self.id, "type": self.type, "title": self.title}


ChatRef = SimUser | SimGroup | int
"""Helpers accept the SimUser (their private chat), the SimGroup, or the chat id."""


@dataclass
class SimMessage:
    """A message in its current state (edits applied); deleted messages are removed."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    sender: dict[str, Any] | None = field(repr=False)
    """The ``from`` user; None for a channel post."""
    chat: dict[str, Any] = field(repr=False)
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    """The inline keyboard attached to the message, if any."""
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    animation: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    edit_date: int | None = None
    reply_to: dict[str, Any] | None = field(default=None, repr=False)
    sender_chat: dict[str, Any] | None = field(default=None, repr=False)
    """The chat a message was sent on behalf of (anonymous admins, channel posts)."""

    @property
    def has_media(self) -> bool:
        """Whether the message carries a photo, animation or document (a caption slot)."""
        return self.photo is not None or self.document is not None or self.animation is not None

    @property
    def file_id(self) -> str | None:
        """The file_id of the photo (largest size), animation or document, if any."""
        if self.photo:
            return str(self.photo[-1]["file_id"])
        if self.animation:
            return str(self.animation["file_id"])
        if self.document:
            return str(self.document["file_id"])
        return None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons (empty when the message has no inline keyboard)."""
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    def buttons(self) -> Iterator[dict[str, Any]]:
        """All inline buttons, row by row."""
        for row in self.inline_keyboard:
            yield from row

    def button_rows(self) -> list[list[str]]:
        """Button labels laid out as the user sees them."""
        return [[str(button["text"]) for button in row] for row in self.inline_keyboard]

    def button_labels(self) -> list[str]:
        """Button labels, flattened."""
        return [str(button["text"]) for button in self.buttons()]

    def callback_data(self) -> list[str]:
        """callback_data of every callback button, flattened."""
        return [str(b["callback_data"]) for b in self.buttons() if "callback_data" in b]

    def find_button(self, label: str) -> dict[str, Any] | None:
        """The first button with exactly this label."""
        return next((b for b in self.buttons() if b.get("text") == label), None)

    def to_api(self) -> dict[str, Any]:
        """The ``Message`` object as Telegram would serialise it now."""
        data: dict[str, Any] = {"message_id": self.message_id}
        if self.sender is not None:
            data["from"] = copy.deepcopy(self.sender)
        if self.sender_chat is not None:
            data["sender_chat"] = copy.deepcopy(self.sender_chat)
        data["chat"] = copy.deepcopy(self.chat)
        data["date"] = self.date
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None:
            data["reply_to_message"] = copy.deepcopy(self.reply_to)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = copy.deepcopy(self.entities)
        if self.photo is not None:
            data["photo"] = copy.deepcopy(self.photo)
        if self.animation is not None:
            data["animation"] = copy.deepcopy(self.animation)
        if self.document is not None:
            data["document"] = copy.deepcopy(self.document)
        if self.location is not None:
            data["location"] = dict(self.location)
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = copy.deepcopy(self.caption_entities)
        if self.reply_markup is not None:
            data["reply_markup"] = copy.deepcopy(self.reply_markup)
        return data


@dataclass
class StoredFile:
    """An uploaded file, addressable by its file_id like on Telegram's servers."""

    file_id: str
    file_unique_id: str
    kind: Literal["photo", "animation", "document"]
    data: bytes = field(repr=False)
    file_name: str
    mime_type: str
    file_path: str
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class RecordedCall:
    """One HTTP request to the Bot API, recorded in arrival order.

    ``status``/``response`` are filled in when the reply is sent; they stay ``None`` while
    the call is in progress (a long poll, a delayed call) and when the connection was
    dropped on purpose.
    """

    index: int
    method: str
    params: dict[str, Any]
    http_method: str = "POST"
    status: int | None = None
    response: dict[str, Any] | None = None
    done: bool = False
    dropped: bool = False

    @property
    def ok(self) -> bool:
        """Whether Telegram's reply said ``ok: true``."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call (``None`` otherwise)."""
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        """The error description of a failed call."""
        return self.response.get("description") if self.response else None

    @property
    def chat_id(self) -> Any:
        """The chat_id parameter, if the method has one."""
        return self.params.get("chat_id")


@dataclass
class SimCallbackQuery:
    """A button press; the bot must answer each one (Telegram shows a spinner until then)."""

    id: str
    update_id: int
    user: SimUser
    chat_id: int
    message_id: int
    data: str | None  # None: a query without data (no button of a bot sends one)
    answered: bool = False
    answer: dict[str, Any] | None = None
    # Telegram gave up waiting for the answer (e.g. the tap was queued while the bot was
    # down): answering now fails with "query is too old", and it is not counted unanswered.
    expired: bool = False


@dataclass
class _Fault:
    method: str
    action: Literal["fail", "delay", "drop", "drop_after"]
    remaining: int
    chat_id: int | str | None = None
    error_code: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0


@dataclass
class _Chat:
    user: SimUser
    """The private chat's user; for a group, the member who created it."""
    messages: dict[int, SimMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    deactivated: bool = False
    last_action: str | None = None
    reply_keyboard: dict[str, Any] | None = None
    group: SimGroup | None = None
    """Set for groups, supergroups and channels."""
    bot_is_member: bool = True
    """Groups: False once the bot left or was removed (sends then get 403)."""

    @property
    def id(self) -> int:
        return self.group.id if self.group is not None else self.user.id

    def chat_api(self) -> dict[str, Any]:
        return self.group.chat_api() if self.group is not None else self.user.chat_api()
