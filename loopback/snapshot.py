"""Saving and restoring the private chats (users, messages as they are now, the files they
show), so a process that restarts the server — the playground — keeps what Telegram keeps.

A snapshot is JSON-ready except the files' bytes, which are returned beside it (the caller
stores them as it likes). Pending updates, callback queries, faults, recorded calls and
groups are not part of it: they are the moment's traffic, not what a chat shows.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from typing import Any

from loopback.model import ChatRef, SimMessage, SimUser, StoredFile, _Chat
from loopback.users import UsersMixin

SNAPSHOT_VERSION = 1


class SnapshotMixin(UsersMixin):
    """``chats_snapshot()``, ``restore_chats()`` and ``forget_messages()``."""

    def chats_snapshot(self) -> tuple[dict[str, Any], list[StoredFile]]:
        """Every private chat (its user, messages, next message id, reply keyboard, blocked)
        and the metadata of every stored file; plus the files themselves (with their bytes)."""
        chats = []
        for chat in self._chats.values():
            if chat.group is not None:
                continue
            chats.append(
                {
                    "user": dataclasses.asdict(chat.user),
                    "next_message_id": chat.next_message_id,
                    "blocked": chat.blocked,
                    "deactivated": chat.deactivated,
                    "reply_keyboard": chat.reply_keyboard,
                    "messages": [
                        dataclasses.asdict(m)
                        for m in sorted(chat.messages.values(), key=lambda m: m.message_id)
                    ],
                }
            )
        files = list(self._files.values())
        metadata = [
            {
                f.name: getattr(stored, f.name)
                for f in dataclasses.fields(stored)
                if f.name != "data"
            }
            for stored in files
        ]
        snapshot = {
            "version": SNAPSHOT_VERSION,
            "next_user_id": self._next_user_id,
            "next_file_number": self._next_file_number,
            "chats": chats,
            "files": metadata,
        }
        return snapshot, files

    def restore_chats(self, snapshot: dict[str, Any], file_data: dict[str, bytes]) -> list[SimUser]:
        """Bring back the chats of ``snapshot`` (from `chats_snapshot`) on a server that has
        none of those users yet; ``file_data`` maps file_unique_id to bytes (a file without
        its bytes is left out: its message shows no picture). ValueError if the snapshot is
        not one this version wrote, or a user exists already. Returns the users restored."""
        if not isinstance(snapshot, dict) or snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError("not a loopback chats snapshot of this version")
        restored: list[SimUser] = []
        chats: list[_Chat] = []
        try:
            for saved in snapshot["chats"]:
                user = SimUser(**saved["user"])
                if user.id in self._chats or any(c.user.id == user.id for c in chats):
                    raise ValueError(f"user {user.id} already exists")
                chat = _Chat(
                    user=user,
                    next_message_id=int(saved["next_message_id"]),
                    blocked=bool(saved["blocked"]),
                    deactivated=bool(saved["deactivated"]),
                    reply_keyboard=saved["reply_keyboard"],
                )
                for message in saved["messages"]:
                    restored_message = SimMessage(**message)
                    chat.messages[restored_message.message_id] = restored_message
                chats.append(chat)
            files = [
                StoredFile(data=file_data[meta["file_unique_id"]], **meta)
                for meta in snapshot["files"]
                if meta["file_unique_id"] in file_data
            ]
            next_user_id = int(snapshot["next_user_id"])
            numbers = [_file_number(stored.file_unique_id) for stored in files]
            next_file_number = max(
                [int(snapshot.get("next_file_number", 1)), *(n + 1 for n in numbers)]
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"a damaged loopback chats snapshot ({error!r})") from None
        for chat in chats:
            self._chats[chat.user.id] = chat
            restored.append(chat.user)
        for stored in files:
            self._files.setdefault(stored.file_id, stored)
            self._files_by_path.setdefault(stored.file_path, stored)
        self._next_user_id = max(self._next_user_id, next_user_id)
        self._next_file_number = max(self._next_file_number, next_file_number)
        self._notify()
        return restored

    def forget_messages(
        self, ref: ChatRef, *, keep: Collection[int] = (), keep_files: Collection[str] = ()
    ) -> list[StoredFile]:
        """Remove every message of the chat except the ids in ``keep``, and the stored files
        only they showed (none still shown in any chat, no file_id in ``keep_files``): what a
        process keeping chats on disk forgets when the bot erased a person's data (Telegram
        itself has no such call). Returns the files removed."""
        chat = self._chat(ref)
        shown_before = {
            m.file_id for m in chat.messages.values() if m.message_id not in keep and m.file_id
        }
        chat.messages = {i: m for i, m in chat.messages.items() if i in keep}
        still_shown = {m.file_id for c in self._chats.values() for m in c.messages.values()}
        removed = [
            self._files[file_id]
            for file_id in sorted(shown_before - still_shown - set(keep_files))
            if file_id in self._files
        ]
        for stored in removed:
            del self._files[stored.file_id]
            self._files_by_path.pop(stored.file_path, None)
        self._notify()
        return removed


def _file_number(file_unique_id: str) -> int:
    """The upload number in a file_unique_id like ``LBU000012`` (0 for another shape)."""
    match = re.fullmatch(r"LBU(\d+)", file_unique_id)
    return int(match.group(1)) if match else 0
