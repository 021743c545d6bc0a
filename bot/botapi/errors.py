"""Answer, edit and send through the Bot API, with its documented failures as results.

Handlers and jobs call these instead of `query.answer()`, `bot.edit_message_*()` and
`bot.send_*()` directly. A failure Telegram documents is part of the flow, so it comes back
as a `Failure` in the result (and a log line without message text), never as an exception
that would reach the global error handler:

- `QUERY_EXPIRED`: "query is too old and response timeout expired or query ID is invalid"
  (taps queued while the bot restarted). The action the button asked for still happens.
- `NOT_MODIFIED`: "message is not modified" (a double tap's second edit). Success.
- `MESSAGE_GONE`: "message to edit not found", "message can't be edited", "there is no text
  in the message to edit". `edit_text` sends a new message instead.
- `UNREACHABLE`: 403 "bot was blocked by the user", "user is deactivated"; 400 "chat not
  found". Jobs end that user's work and unsubscribe them.
- `RATE_LIMITED`: 429 "Too Many Requests: retry after N" once PTB's rate limiter stopped
  retrying. Not delivered.
- `NETWORK`: a timeout or dropped connection. Not known to be delivered.
- `SERVER`: 5xx ("Internal Server Error", "Bad Gateway"). Not delivered.

Any other `BadRequest` (bad HTML, a text over the limit, an unknown parameter) is a bug of
this bot and is raised as usual, so the error handler logs it.

Source: https://core.telegram.org/bots/api#making-requests (error_code, description,
retry_after) and the descriptions Telegram returns for these cases, which the loopback Bot
API server (`loopback/`) reproduces word for word.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    InputMedia,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.botapi.client import client_of

logger = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
"""Any `reply_markup` of a sent message."""


class Failure(StrEnum):
    """A documented way a Bot API call fails (see the module docstring)."""

    QUERY_EXPIRED = "query_expired"
    NOT_MODIFIED = "not_modified"
    MESSAGE_GONE = "message_gone"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"
    NETWORK = "network"
    SERVER = "server"


_QUERY_EXPIRED = ("query is too old", "query id is invalid")
_NOT_MODIFIED = ("message is not modified",)
_MESSAGE_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "there is no text in the message to edit",
    "there is no caption in the message to edit",
    "there is no media in the message to edit",
    "message to be replied not found",
)
_UNREACHABLE = (
    "chat not found",
    "user not found",
    "bot was blocked",
    "user is deactivated",
    "bot was kicked",
    "bot can't initiate conversation",
    "have no rights to send",
    "not enough rights to send",
    "peer_id_invalid",
)


def classify(error: TelegramError) -> Failure | None:
    """The documented failure `error` stands for, or None for anything else (a bug).

    Note that PTB's `BadRequest` is a subclass of `NetworkError`, so its texts are checked
    first; PTB raises `NetworkError("Internal Server Error (500)")` for 5xx answers.
    """
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        return Failure.RATE_LIMITED
    if isinstance(error, Forbidden):
        return Failure.UNREACHABLE
    if isinstance(error, BadRequest):
        for failure, needles in (
            (Failure.QUERY_EXPIRED, _QUERY_EXPIRED),
            (Failure.NOT_MODIFIED, _NOT_MODIFIED),
            (Failure.MESSAGE_GONE, _MESSAGE_GONE),
            (Failure.UNREACHABLE, _UNREACHABLE),
        ):
            if any(needle in text for needle in needles):
                return failure
        return None
    if isinstance(error, TimedOut):
        return Failure.NETWORK
    if isinstance(error, NetworkError):
        if any(code in text for code in ("(500)", "(502)", "(503)", "(504)", "bad gateway")):
            return Failure.SERVER
        return Failure.NETWORK
    return None


@dataclass(frozen=True)
class Sent:
    """The result of a send or an edit.

    `message_id` is the message that now shows the content: the edited one, a new one when
    the edit fell back to sending, or None when nothing could be shown (see `failure`).
    After `NOT_MODIFIED` the content was already there: `ok` is True, `message_id` is None.
    `file_id` is Telegram's id of a picture or clip the call uploaded (to send it again by
    id), else None.

    Telegram's reply is read only for these: no PTB `Message` is built for it.
    """

    message_id: int | None = None
    failure: Failure | None = None
    file_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None or self.failure is Failure.NOT_MODIFIED

    @property
    def unreachable(self) -> bool:
        return self.failure is Failure.UNREACHABLE


async def _call(method: str, call: Callable[[], Awaitable[Any]]) -> tuple[Any, Failure | None]:
    """Run one Bot API call; documented failures become a `Failure`, the rest propagate."""
    try:
        return await call(), None
    except TelegramError as error:
        failure = classify(error)
        if failure is None:
            raise
        level = logging.DEBUG if failure is Failure.NOT_MODIFIED else logging.INFO
        # The description is Telegram's; it never contains the text we tried to send.
        logger.log(level, "%s: %s (%s)", method, failure.value, error.message)
        return None, failure


# --- callback queries ------------------------------------------------------------------


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> bool:
    """answerCallbackQuery. Returns False when it failed (e.g. the query was too old);
    the caller carries on with the action either way."""
    _, failure = await _call(
        "answerCallbackQuery", lambda: query.answer(text, show_alert=alert if text else None)
    )
    return failure is None


# --- sending ---------------------------------------------------------------------------


def _message_id(result: Any) -> int | None:
    """The `message_id` of the Message Telegram returned (True for inline messages)."""
    if isinstance(result, dict):
        message_id = result.get("message_id")
        if isinstance(message_id, int):
            return message_id
    return None


def _file_id(result: Any, kind: str) -> str | None:
    """Telegram's file_id of the `kind` ("photo", "animation") the returned Message holds:
    of a photo, its largest size."""
    if not isinstance(result, dict):
        return None
    media = result.get(kind)
    if kind == "photo" and isinstance(media, list) and media:
        media = media[-1]
    if isinstance(media, dict) and isinstance(media.get("file_id"), str):
        return str(media["file_id"])
    return None


async def _send(
    bot: Bot,
    method: str,
    chat_id: int,
    data: dict[str, Any],
    reply_markup: Markup | None,
    *,
    kind: str | None = None,
) -> Sent:
    """One send of `method`; what it shows is recorded in the bot's `shown`."""
    client = client_of(bot)
    result, failure = await _call(
        method,
        lambda: client.post(method, {"chat_id": chat_id, **data, "reply_markup": reply_markup}),
    )
    message_id = _message_id(result)
    if message_id is not None:
        client.shown.record(chat_id, message_id, reply_markup)
    uploaded = _file_id(result, kind) if kind is not None else None
    return Sent(message_id, failure, uploaded)


async def send_text(
    bot: Bot, chat_id: int, text: str, *, reply_markup: Markup | None = None, **kwargs: Any
) -> Sent:
    """sendMessage in HTML; `kwargs` are further sendMessage parameters (PTB objects, such
    as `reply_parameters`, are serialised by PTB)."""
    data = {"text": text, "parse_mode": ParseMode.HTML, **kwargs}
    return await _send(bot, "sendMessage", chat_id, data, reply_markup)


async def send_photo(
    bot: Bot,
    chat_id: int,
    photo: str | InputFile,
    *,
    caption: str,
    reply_markup: Markup | None = None,
) -> Sent:
    """sendPhoto with an HTML caption; `photo` is a file_id or an upload (then
    `Sent.file_id` is the id Telegram gave it)."""
    data = {"photo": photo, "caption": caption, "parse_mode": ParseMode.HTML}
    kind = "photo" if isinstance(photo, InputFile) else None
    return await _send(bot, "sendPhoto", chat_id, data, reply_markup, kind=kind)


async def send_chat_action(bot: Bot, chat_id: int, action: str) -> bool:
    """sendChatAction ("upload_photo" ...): a hint only, so any documented failure is fine."""
    _, failure = await _call("sendChatAction", lambda: bot.send_chat_action(chat_id, action))
    return failure is None


async def send_animation(
    bot: Bot,
    chat_id: int,
    animation: str | InputFile,
    *,
    caption: str,
    reply_markup: Markup | None = None,
) -> Sent:
    """sendAnimation (a looping clip) with an HTML caption; a file_id or an upload (then
    `Sent.file_id` is the id Telegram gave it)."""
    data = {"animation": animation, "caption": caption, "parse_mode": ParseMode.HTML}
    kind = "animation" if isinstance(animation, InputFile) else None
    return await _send(bot, "sendAnimation", chat_id, data, reply_markup, kind=kind)


async def send_document(bot: Bot, chat_id: int, document: InputFile, *, caption: str) -> Sent:
    """sendDocument with a plain caption."""
    data = {"document": document, "caption": caption}
    return await _send(bot, "sendDocument", chat_id, data, None)


# --- editing ---------------------------------------------------------------------------


async def _edit(
    bot: Bot,
    method: str,
    chat_id: int,
    message_id: int,
    data: dict[str, Any],
    reply_markup: InlineKeyboardMarkup | None,
    *,
    kind: str | None = None,
) -> Sent:
    """One edit of `method`. On success the message shows `reply_markup` now (none: its
    buttons are gone, as Telegram takes them away from an edit without one)."""
    client = client_of(bot)
    result, failure = await _call(
        method,
        lambda: client.post(
            method,
            {"chat_id": chat_id, "message_id": message_id, **data, "reply_markup": reply_markup},
        ),
    )
    if failure is not None:
        return Sent(None, failure)
    client.shown.record(chat_id, message_id, reply_markup)
    uploaded = _file_id(result, kind) if kind is not None else None
    return Sent(message_id, None, uploaded)


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int | None,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    send_if_gone: bool = True,
) -> Sent:
    """editMessageText in HTML; "not modified" is success. When the message can't be
    edited (deleted, too old, a photo, or `message_id` None) a new message is sent instead,
    unless `send_if_gone` is False."""
    failure: Failure | None = Failure.MESSAGE_GONE
    if message_id is not None:
        data = {"text": text, "parse_mode": ParseMode.HTML}
        edited = await _edit(bot, "editMessageText", chat_id, message_id, data, reply_markup)
        failure = edited.failure
        if failure is None:
            return edited
    if failure is Failure.MESSAGE_GONE and send_if_gone:
        return await send_text(bot, chat_id, text, reply_markup=reply_markup)
    return Sent(None, failure)


async def edit_caption(
    bot: Bot,
    chat_id: int,
    message_id: int,
    caption: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Sent:
    """editMessageCaption in HTML; "not modified" is success. No fallback: the caller
    decides what replaces a photo that is gone (`Failure.MESSAGE_GONE`)."""
    data = {"caption": caption, "parse_mode": ParseMode.HTML}
    return await _edit(bot, "editMessageCaption", chat_id, message_id, data, reply_markup)


async def edit_media(
    bot: Bot,
    chat_id: int,
    message_id: int,
    media: InputMedia,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Sent:
    """editMessageMedia: a new picture or clip and caption in place; "not modified" is
    success. No fallback, as for `edit_caption`. An upload's `Sent.file_id` is the id
    Telegram gave it."""
    kind = str(media.type) if isinstance(media.media, InputFile) else None
    return await _edit(
        bot, "editMessageMedia", chat_id, message_id, {"media": media}, reply_markup, kind=kind
    )


async def clear_buttons(bot: Bot, chat_id: int, message_id: int) -> Sent:
    """editMessageReplyMarkup without a keyboard: the message stays, its buttons go.
    A message that is gone or already without buttons is fine."""
    client = client_of(bot)
    _, failure = await _call(
        "editMessageReplyMarkup",
        lambda: client.post(
            "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id}
        ),
    )
    client.shown.update(chat_id, message_id, ())  # gone, cleared or had none: no buttons
    return Sent(message_id if failure is None else None, failure)
