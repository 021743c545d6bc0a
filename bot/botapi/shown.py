"""Which messages of a chat show inline buttons right now, and their labels.

Typed text that no question was waiting for is most likely meant for the buttons the user
is looking at (the "How was it?" rating, the Pause menu, a reminder's Snooze). Every send
and edit that goes through `bot.botapi.errors` (and the reminder sender) records here what
the message now shows, from the `reply_markup` the request carried (an edit without one
takes the buttons away, as Telegram does): its callback buttons, or none (an answered
question, a cleared keyboard). `latest(chat_id)` is the newest message still showing
buttons, so the fallback can name them (`bot.handlers.fallbacks`).

Kept in memory by the running bot's `BotClient` (`bot.botapi.client`: one per Application;
at most `PER_CHAT` messages per chat and `CHATS` chats, least recently used dropped): after
a restart typed text gets the general hint until the next message with buttons. Holds
labels only, never message text.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot import callbacks

#: Buttons that only show something (the full list of warning signs): no answer awaited.
SHOW_ONLY = frozenset({callbacks.RED_FLAGS_FULL})
PER_CHAT = 8
CHATS = 10_000


@dataclass(frozen=True)
class Buttons:
    """A message showing buttons: its id and its callback buttons' labels, row by row."""

    message_id: int
    labels: tuple[str, ...]


def labels_of(markup: object) -> tuple[str, ...]:
    """The labels of an inline keyboard's callback buttons that answer something (links,
    other kinds and show-only buttons left out)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return ()
    return tuple(
        button.text
        for row in markup.inline_keyboard
        for button in row
        if isinstance(button.callback_data, str) and button.callback_data not in SHOW_ONLY
    )


class ShownButtons:
    """chat id -> its messages now showing callback buttons (newest last)."""

    def __init__(self) -> None:
        self._chats: OrderedDict[int, OrderedDict[int, tuple[str, ...]]] = OrderedDict()

    def record(self, chat_id: int, message_id: int, markup: object) -> None:
        """Message `message_id` of `chat_id` now shows `markup` (the `reply_markup` a send
        or an edit carried; None: no buttons)."""
        self.update(chat_id, message_id, labels_of(markup))

    def update(self, chat_id: int, message_id: int, labels: tuple[str, ...]) -> None:
        messages = self._chats.get(chat_id)
        if not labels:
            if messages is not None:
                messages.pop(message_id, None)
            return
        if messages is None:
            messages = self._chats[chat_id] = OrderedDict()
            while len(self._chats) > CHATS:
                self._chats.popitem(last=False)
        self._chats.move_to_end(chat_id)
        messages[message_id] = labels
        while len(messages) > PER_CHAT:
            del messages[min(messages)]

    def forget(self, chat_id: int) -> None:
        """Drop everything known about the chat (/delete: nothing of the person remains)."""
        self._chats.pop(chat_id, None)

    def latest(self, chat_id: int) -> Buttons | None:
        """The newest message of the chat still showing buttons, if any is known."""
        messages = self._chats.get(chat_id)
        if not messages:
            return None
        message_id = max(messages)
        return Buttons(message_id, messages[message_id])
