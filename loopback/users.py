"""Acting as users: send text, share a location, press buttons, block or leave the bot."""

from __future__ import annotations

from typing import Any

from loopback.inspection import InspectionMixin
from loopback.methods import utf16_len
from loopback.model import (
    ChatRef,
    SimCallbackQuery,
    SimMessage,
    SimUser,
    _Chat,
)
from loopback.updates import UpdatesMixin


def _command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for ``/command`` or ``/command@bot`` words, like Telegram."""
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        if text[i] == "/" and (i == 0 or text[i - 1].isspace()):
            j = i + 1
            while j < len(text) and (text[j].isascii() and (text[j].isalnum() or text[j] == "_")):
                j += 1
            if j > i + 1:
                if j < len(text) and text[j] == "@":
                    k = j + 1
                    while (
                        k < len(text)
                        and text[k].isascii()
                        and (text[k].isalnum() or text[k] == "_")
                    ):
                        k += 1
                    if k > j + 1:
                        j = k
                entities.append(
                    {
                        "type": "bot_command",
                        "offset": utf16_len(text[:i]),
                        "length": utf16_len(text[i:j]),
                    }
                )
            i = j
            continue
        i += 1
    return entities


class UsersMixin(UpdatesMixin, InspectionMixin):
    """Simulated users and what they do; each action becomes a pending update."""

    def add_user(
        self,
        first_name: str = "Ana",
        user_id: int | None = None,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """Create a user who has opened a private chat with the bot."""
        if user_id is None:
            while self._next_user_id in self._chats:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        if user_id in self._chats:
            raise ValueError(f"user {user_id} already exists")
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = SimUser(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._chats[user_id] = _Chat(user=user)
        return user

    @property
    def users(self) -> list[SimUser]:
        """Every simulated user, in creation order."""
        return [chat.user for chat in self._chats.values() if chat.group is None]

    def _acting_chat(self, user: ChatRef) -> _Chat:
        chat = self._chat(user)
        if chat.deactivated:
            raise RuntimeError(f"user {chat.user.id} is deactivated and cannot act")
        return chat

    def send_text(self, user: ChatRef, text: str) -> int:
        """The user sends a text message; returns the update_id.

        A user who had blocked the bot unblocks it first (what Telegram's "Restart" does),
        which also produces a my_chat_member update.
        """
        chat = self._acting_chat(user)
        if not text:
            raise ValueError("Telegram does not deliver empty messages")
        if chat.blocked:
            self.unblock(chat.user)
        message = self._new_message(
            chat, from_bot=False, text=text, entities=_command_entities(text)
        )
        return self._enqueue({"message": message.to_api()})

    def edit_text(self, user: ChatRef, message_id: int, text: str) -> int:
        """The user edits a text message they sent (fixing a typo); returns the update_id
        of the ``edited_message`` update Telegram sends for it."""
        chat = self._acting_chat(user)
        message = chat.messages.get(message_id)
        if message is None or message.from_bot or message.text is None:
            raise ValueError(f"user {chat.user.id} has no text message {message_id} to edit")
        if not text:
            raise ValueError("Telegram does not deliver empty messages")
        message.text = text
        message.entities = _command_entities(text)
        message.edit_date = int(self._clock())
        return self._enqueue({"edited_message": message.to_api()})

    def share_location(self, user: ChatRef, latitude: float, longitude: float) -> int:
        """The user shares a (static) location; returns the update_id."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude must be in [-90, 90] and longitude in [-180, 180]")
        chat = self._acting_chat(user)
        message = self._new_message(
            chat,
            from_bot=False,
            location={"latitude": float(latitude), "longitude": float(longitude)},
        )
        return self._enqueue({"message": message.to_api()})

    def press_button(self, user: ChatRef, message_id: int, callback_data: str) -> int:
        """The user taps the inline button carrying ``callback_data``; returns the update_id."""
        chat = self._acting_chat(user)
        message = self._bot_message_for_press(chat, message_id)
        if callback_data not in message.callback_data():
            raise LookupError(
                f"message {message_id} in chat {chat.user.id} has no button with "
                f"callback_data {callback_data!r}; it has {message.callback_data()!r}"
            )
        return self._press(chat, message, callback_data)

    def press_button_text(self, user: ChatRef, message_id: int | None, text: str) -> int:
        """Tap the inline button labelled ``text`` (message_id None: the last bot message)."""
        chat = self._acting_chat(user)
        if message_id is None:
            message_id = self.last_bot_message(chat.user.id).message_id
        message = self._bot_message_for_press(chat, message_id)
        button = message.find_button(text)
        if button is None:
            raise LookupError(
                f"message {message_id} in chat {chat.user.id} has no button labelled {text!r}; "
                f"it has {message.button_labels()!r}"
            )
        if "callback_data" not in button:
            raise LookupError(f"button {text!r} is not a callback button: {button!r}")
        return self._press(chat, message, str(button["callback_data"]))

    def forge_callback(self, user: ChatRef, message_id: int, callback_data: str) -> int:
        """A callback query with arbitrary data on a bot message, as a modified client or an
        attacker could send; returns the update_id. The data must still fit Telegram's
        1-64 bytes."""
        chat = self._acting_chat(user)
        message = self._bot_message_for_press(chat, message_id)
        if not 1 <= len(callback_data.encode()) <= 64:
            raise ValueError("callback data must be 1-64 bytes")
        return self._press(chat, message, callback_data)

    def press_without_data(self, user: ChatRef, message_id: int) -> int:
        """A callback query without ``data`` on a bot message (a modified client; Telegram
        relays it as is); returns the update_id. It must be answered like any other."""
        chat = self._acting_chat(user)
        return self._press(chat, self._bot_message_for_press(chat, message_id), None)

    def inject_update(self, payload: dict[str, Any]) -> int:
        """Queue a raw update (anything but ``update_id``, which is assigned) as Telegram
        would deliver it, for shapes the helpers above don't make (inline messages,
        stickers, channel posts ...); returns the update_id. A ``callback_query`` in it is
        accounted like a press: it must be answered."""
        if "update_id" in payload:
            raise ValueError("update_id is assigned by the server")
        update_id = self._enqueue(dict(payload))
        query = payload.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            message = query.get("message") or {}
            sender = query.get("from") or {}
            chat_id = int((message.get("chat") or {}).get("id", sender.get("id", 0)))
            user = self._chats[chat_id].user if chat_id in self._chats else None
            if user is None:
                raise LookupError(f"a callback query needs a known user, not {chat_id}")
            self._callback_queries[str(query["id"])] = SimCallbackQuery(
                id=str(query["id"]),
                update_id=update_id,
                user=user,
                chat_id=chat_id,
                message_id=int(message.get("message_id", 0)),
                data=query.get("data"),
            )
        return update_id

    def next_callback_query_id(self) -> str:
        """A fresh callback query id, for `inject_update`."""
        self._next_query_id += 1
        return str(4_000_000_000_000_000 + self._next_query_id - 1)

    def expire_callback_queries(self) -> list[SimCallbackQuery]:
        """Telegram stops waiting for the answers of every query not answered yet (what
        happens to taps queued while the bot restarted): answering one now fails with
        "Bad Request: query is too old and response timeout expired or query ID is
        invalid". Returns the queries that expired."""
        expired = [q for q in self._callback_queries.values() if not q.answered and not q.expired]
        for query in expired:
            query.expired = True
        return expired

    def delete_message_as_user(self, user: ChatRef, message_id: int) -> None:
        """The user deletes a message in their private chat (for both sides): editing it
        now fails with "Bad Request: message to edit not found"."""
        chat = self._acting_chat(user)
        if chat.messages.pop(message_id, None) is None:
            raise LookupError(f"message {message_id} does not exist in chat {chat.user.id}")
        self._notify()

    def _bot_message_for_press(self, chat: _Chat, message_id: int) -> SimMessage:
        message = chat.messages.get(message_id)
        if message is None:
            existing = sorted(m.message_id for m in chat.messages.values() if m.from_bot)
            raise LookupError(
                f"message {message_id} does not exist in chat {chat.user.id} "
                f"(deleted or never sent); bot messages there: {existing}"
            )
        if not message.from_bot:
            raise LookupError(f"message {message_id} was sent by the user, not the bot")
        return message

    def _press(
        self,
        chat: _Chat,
        message: SimMessage,
        data: str | None,
        presser: SimUser | None = None,
    ) -> int:
        """A callback query by `presser` (default: the private chat's user)."""
        presser = presser or chat.user
        query_id = str(4_000_000_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        query: dict[str, Any] = {
            "id": query_id,
            "from": presser.to_api(),
            "message": message.to_api(),
            "chat_instance": str(-7_000_000_000 - chat.id),
        }
        if data is not None:
            query["data"] = data
        update_id = self._enqueue({"callback_query": query})
        self._callback_queries[query_id] = SimCallbackQuery(
            id=query_id,
            update_id=update_id,
            user=presser,
            chat_id=chat.id,
            message_id=message.message_id,
            data=data,
        )
        return update_id

    def _member_update(
        self, chat: _Chat, old: str, new: str, by: dict[str, Any] | None = None
    ) -> int:
        """A my_chat_member update: the bot's status in `chat` changed, done by `by`."""
        bot = {**self._bot_user()}
        old_member: dict[str, Any] = {"user": bot, "status": old}
        new_member: dict[str, Any] = {"user": bot, "status": new}
        for member in (old_member, new_member):
            if member["status"] == "kicked":  # PTB's ChatMemberBanned requires until_date
                member["until_date"] = 0
        return self._enqueue(
            {
                "my_chat_member": {
                    "chat": chat.chat_api(),
                    "from": by if by is not None else chat.user.to_api(),
                    "date": int(self._clock()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def block(self, user: ChatRef) -> int:
        """The user blocks the bot: sends/edits to them now get 403.

        Telegram tells the bot with a my_chat_member update; its update_id is returned.
        """
        chat = self._chat(user)
        if chat.blocked:
            raise ValueError(f"user {chat.user.id} has already blocked the bot")
        chat.blocked = True
        return self._member_update(chat, "member", "kicked")

    def unblock(self, user: ChatRef) -> int:
        """The user unblocks the bot; returns the update_id of the my_chat_member update."""
        chat = self._chat(user)
        if not chat.blocked:
            raise ValueError(f"user {chat.user.id} has not blocked the bot")
        chat.blocked = False
        return self._member_update(chat, "kicked", "member")

    def deactivate(self, user: ChatRef) -> None:
        """The user deletes their account: sends to them get 403 "user is deactivated"."""
        self._chat(user).deactivated = True

    # ----------------------------------------------------------------- callback accounting

    def callback_queries(self) -> list[SimCallbackQuery]:
        """Every callback query created by press_button*, in order."""
        return list(self._callback_queries.values())

    def last_callback_query(self) -> SimCallbackQuery | None:
        """The callback query created last (without copying them all)."""
        last = next(reversed(self._callback_queries), None)
        return None if last is None else self._callback_queries[last]

    def unanswered_callback_queries(self) -> list[SimCallbackQuery]:
        """Queries the bot never answered (expired ones aside); a test should assert this
        is empty."""
        return [q for q in self._callback_queries.values() if not q.answered and not q.expired]

    # ----------------------------------------------------------------- synchronisation
