"""What a test can look at: recorded calls, messages in their current state, keyboards."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import Any

from loopback.model import (
    ChatRef,
    RecordedCall,
    SimMessage,
)
from loopback.state import ServerState


class InspectionMixin(ServerState):
    """Read-only views of the server's state, and waiting for a call."""

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented API
        *,
        since: int = 0,
        completed: bool = True,
    ) -> RecordedCall:
        """Wait for a completed call of ``method`` (matching ``predicate``) and return it.

        Only calls with ``index >= since`` count: pass ``len(server.calls)`` taken before
        acting to ignore earlier ones.  ``completed=False`` also accepts a call that is still
        in progress (e.g. to know a long poll has started).
        """
        wanted = method.lower()
        found: list[RecordedCall] = []

        def matches() -> bool:
            for call in self.calls[since:]:
                if (
                    (call.done or not completed)
                    and call.method.lower() == wanted
                    and (predicate is None or predicate(call))
                ):
                    found.append(call)
                    return True
            return False

        await self._wait_until(
            matches,
            timeout,
            lambda: (
                f"no {'completed ' if completed else ''}{method} call"
                f"{' matching the predicate' if predicate else ''} within {timeout}s; "
                f"calls since #{since}: {[c.method for c in self.calls[since:]]}"
            ),
        )
        return found[0]

    # ----------------------------------------------------------------- queries

    async def wait_for_change(self, timeout: float) -> bool:  # noqa: ASYNC109 - documented API
        """Wait until anything may have changed (a Bot API call, an update, a user action,
        ``stop()``) or ``timeout`` seconds pass; True if woken by a change.

        Callers re-read the state afterwards: a wake-up says "look again", not what changed.
        """
        if self._closing:
            return True
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls of one method (case-insensitive), in order."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def paid_broadcasts(self) -> int:
        """Messages delivered with ``allow_paid_broadcast`` (Telegram charges 0.1 Stars each
        to the bot's balance)."""
        return sum(
            1
            for call in self.calls
            if call.method.lower().startswith(("send", "copy", "forward"))
            and call.params.get("allow_paid_broadcast") is True
            and call.status == 200
        )

    def messages(self, chat: ChatRef) -> list[SimMessage]:
        """Bot and user messages of a chat in their current state, oldest first."""
        return sorted(self._chat(chat).messages.values(), key=lambda m: m.message_id)

    def bot_messages(self, chat: ChatRef) -> list[SimMessage]:
        """The bot's messages that still exist, oldest first."""
        return [m for m in self.messages(chat) if m.from_bot]

    def user_messages(self, chat: ChatRef) -> list[SimMessage]:
        """The user's messages that still exist, oldest first."""
        return [m for m in self.messages(chat) if not m.from_bot]

    def message(self, chat: ChatRef, message_id: int) -> SimMessage:
        """One message by id; LookupError if it does not exist (any more)."""
        found = self._chat(chat).messages.get(message_id)
        if found is None:
            raise LookupError(f"message {message_id} does not exist in chat {chat}")
        return found

    def last_bot_message(self, chat: ChatRef) -> SimMessage:
        """The newest bot message of a chat; LookupError if there is none."""
        messages = self.bot_messages(chat)
        if not messages:
            raise LookupError(f"the bot has no messages in chat {chat}")
        return messages[-1]

    def button_labels(self, chat: ChatRef, message_id: int) -> list[str]:
        """Labels of a message's inline buttons."""
        return self.message(chat, message_id).button_labels()

    def button_data(self, chat: ChatRef, message_id: int) -> list[str]:
        """callback_data of a message's inline buttons."""
        return self.message(chat, message_id).callback_data()

    def reply_keyboard(self, chat: ChatRef) -> dict[str, Any] | None:
        """The custom reply keyboard currently shown in the chat, if any."""
        return copy.deepcopy(self._chat(chat).reply_keyboard)

    def last_chat_action(self, chat: ChatRef) -> str | None:
        """The last sendChatAction action sent to the chat."""
        return self._chat(chat).last_action

    def is_blocked(self, chat: ChatRef) -> bool:
        """Whether the user currently blocks the bot."""
        return self._chat(chat).blocked
