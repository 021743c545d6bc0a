"""Groups, supergroups and channels: what arrives from them, and the bot leaving them.

Why: a bot meant for private chats still receives updates from groups it was added to
(commands, button taps on its own messages there, my_chat_member when it is added or
removed) and messages without a user (anonymous admins write as the group, channels post
as the channel). Tests send all of them here; `inject_update` (users) sends any other shape.
"""

from __future__ import annotations

from typing import Any, Literal

from loopback.methods import ApiError, bad_request
from loopback.model import SimGroup, SimUser, _Chat
from loopback.users import UsersMixin, _command_entities

#: The user Telegram puts in `from` when an anonymous group admin writes (its real id).
GROUP_ANONYMOUS_BOT: dict[str, Any] = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


def _administrator(user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMemberAdministrator with every field the Bot API requires."""
    rights = (
        "can_be_edited",
        "is_anonymous",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    )
    member: dict[str, Any] = {"user": user, "status": "administrator", "can_manage_chat": True}
    member.update(dict.fromkeys(rights, False))
    member["can_post_messages"] = True
    return member


class GroupsMixin(UsersMixin):
    """Groups and channels the bot is in, what their members do, and leaveChat."""

    def add_group(
        self,
        creator: SimUser,
        title: str = "Back pain club",
        kind: Literal["group", "supergroup", "channel"] = "group",
        *,
        bot_is_member: bool = True,
    ) -> SimGroup:
        """A group (supergroup, channel) made by `creator`. By default the bot is already in
        it (added before, no update); with ``bot_is_member=False`` call add_bot_to_group."""
        self._next_group_number += 1
        number = self._next_group_number
        chat_id = -number if kind == "group" else -1_000_000_000_000 - number
        group = SimGroup(id=chat_id, title=title, type=kind)
        self._chats[chat_id] = _Chat(user=creator, group=group, bot_is_member=bot_is_member)
        return group

    def add_bot_to_group(self, group: SimGroup, by: SimUser) -> int:
        """`by` adds the bot (to a channel: as an administrator); returns the update_id of
        the my_chat_member update Telegram sends."""
        chat = self._chat(group)
        if chat.bot_is_member:
            raise ValueError(f"the bot is already in {group.title!r}")
        chat.bot_is_member = True
        new = "administrator" if group.type == "channel" else "member"
        return self._group_member_update(chat, "left", new, by.to_api())

    def remove_bot_from_group(self, group: SimGroup, by: SimUser) -> int:
        """`by` removes the bot from the group; returns the my_chat_member update_id."""
        chat = self._chat(group)
        if not chat.bot_is_member:
            raise ValueError(f"the bot is not in {group.title!r}")
        chat.bot_is_member = False
        return self._group_member_update(chat, "member", "left", by.to_api())

    def _group_member_update(self, chat: _Chat, old: str, new: str, by: dict[str, Any]) -> int:
        bot = self._bot_user()
        old_member = _administrator(bot) if old == "administrator" else {"user": bot, "status": old}
        new_member = _administrator(bot) if new == "administrator" else {"user": bot, "status": new}
        return self._enqueue(
            {
                "my_chat_member": {
                    "chat": chat.chat_api(),
                    "from": by,
                    "date": int(self._clock()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    def send_group_text(
        self, group: SimGroup, user: SimUser | None, text: str, *, anonymous: bool = False
    ) -> int:
        """`user` writes `text` in the group; returns the update_id.

        ``anonymous=True``: an anonymous admin, so Telegram sends `from` GroupAnonymousBot
        and ``sender_chat`` the group. In a channel the post has no `from` at all (user
        None): it arrives as a ``channel_post`` with ``sender_chat`` the channel.
        """
        chat = self._chat(group)
        if not chat.bot_is_member:
            raise RuntimeError(f"the bot is not in {group.title!r}: it would not see this")
        if not text:
            raise ValueError("Telegram does not deliver empty messages")
        content: dict[str, Any] = {"text": text, "entities": _command_entities(text)}
        if group.type == "channel":
            content.update(sender=None, sender_chat=group.chat_api())
        elif anonymous:
            content.update(sender=dict(GROUP_ANONYMOUS_BOT), sender_chat=group.chat_api())
        elif user is None:
            raise ValueError("a group message needs a user, or anonymous=True")
        message = self._new_message(chat, from_bot=False, author=user, **content)
        kind = "channel_post" if group.type == "channel" else "message"
        return self._enqueue({kind: message.to_api()})

    def press_group_button(
        self,
        group: SimGroup,
        user: SimUser,
        message_id: int,
        callback_data: str,
        *,
        forged: bool = False,
    ) -> int:
        """`user` taps a button of the bot's message in the group (any member can).
        ``forged=True``: any data on any bot message there (a modified client)."""
        chat = self._chat(group)
        message = self._bot_message_for_press(chat, message_id)
        if not forged and callback_data not in message.callback_data():
            raise LookupError(f"message {message_id} has no button with {callback_data!r}")
        if not 1 <= len(callback_data.encode()) <= 64:
            raise ValueError("callback data must be 1-64 bytes")
        return self._press(chat, message, callback_data, presser=user)

    def _m_leave_chat(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        if chat.group is None:
            raise bad_request("chat member status can't be changed in private chats")
        if not chat.bot_is_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.group.type} chat")
        chat.bot_is_member = False
        old = "administrator" if chat.group.type == "channel" else "member"
        self._group_member_update(chat, old, "left", self._bot_user())
        return True
