"""The bot's `Bot` object: PTB's `ExtBot`, plus what one running bot keeps about its chats.

`build_application` creates one `BotClient` per Application (`application.bot`, and so
`context.bot` and `update.get_bot()` in handlers). Besides everything `ExtBot` does (the
rate limiter, the HTTP client) it

- owns `shown`: which messages of each chat show callback buttons now (`ShownButtons`),
  fed by every send and edit of `bot.botapi.errors` from the `reply_markup` it sent;
- makes a Bot API call without turning Telegram's reply into PTB objects (`post`): a
  `Message` costs about 150 µs of CPU to build and an edit's is never read. The request goes
  the way PTB's own methods send it (`ExtBot._do_post`: the rate limiter; then PTB's request
  parameters and `bot.botapi.request`), and Telegram's errors are raised exactly as PTB
  raises them (`BadRequest`, `Forbidden`, `RetryAfter`, `TimedOut`, `NetworkError`), so
  `bot.botapi.errors.classify` sees the same exceptions either way. An inline keyboard of
  plain buttons (a label and callback data or a link) is written as JSON directly
  (`keyboard_json`: about 7 µs for a step's seven buttons, PTB's `to_dict` about 48 µs).
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.botapi.shown import ShownButtons


class BotClient(ExtBot[None]):
    """`ExtBot` with the chats' shown buttons and raw calls (see the module docstring)."""

    __slots__ = ("_shown",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown = ShownButtons()  # PTB objects are frozen, but not their "_" attributes

    @property
    def shown(self) -> ShownButtons:
        """Which messages of each chat show callback buttons now (`bot.botapi.shown`)."""
        return self._shown

    async def post(self, endpoint: str, data: dict[str, Any]) -> Any:
        """Call the Bot API method `endpoint` ("editMessageCaption") with `data` (its
        parameters, as PTB's methods pass them: `None` values are left out, PTB objects
        and `InputFile`s are serialised by PTB). Returns Telegram's `result` as decoded
        JSON (a dict, a list or True); raises what PTB's methods raise."""
        markup = data.get("reply_markup")
        if markup is not None:
            data["reply_markup"] = keyboard_json(markup)
        return await self._post(endpoint, data)


#: Fields of a button `keyboard_json` writes itself; with any other set (a web app, a pay
#: button, a style, one a newer PTB adds) PTB serialises the keyboard as usual.
_PLAIN_FIELDS = ("text", "url", "callback_data")
_OTHER_FIELDS = tuple(f for f in InlineKeyboardButton.__slots__ if f not in _PLAIN_FIELDS)


def keyboard_json(markup: object) -> object:
    """An `InlineKeyboardMarkup` of plain buttons (text, and string callback data or a URL)
    as the JSON string the Bot API takes for `reply_markup`, the same object PTB's `to_dict`
    makes; any other markup unchanged (PTB serialises it)."""
    if type(markup) is not InlineKeyboardMarkup or markup.api_kwargs:
        return markup
    rows = []
    for row in markup.inline_keyboard:
        cells = []
        for button in row:
            if button.api_kwargs or any(getattr(button, f) is not None for f in _OTHER_FIELDS):
                return markup
            cell = {"text": button.text}
            if button.url is not None:
                cell["url"] = button.url
            if button.callback_data is not None:
                if not isinstance(button.callback_data, str):
                    return markup
                cell["callback_data"] = button.callback_data
            cells.append(cell)
        rows.append(cells)
    return json.dumps({"inline_keyboard": rows})


def client_of(bot: Bot) -> BotClient:
    """`bot` as the `BotClient` it is; a `Bot` not made by `build_application` is a bug."""
    if not isinstance(bot, BotClient):
        raise TypeError(f"expected the bot's BotClient, got {type(bot).__name__}")
    return bot
