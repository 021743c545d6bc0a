"""Bot API replies nobody reads are not parsed into PTB objects, and the buttons a message
shows are recorded from what the bot sent.

A tap's edit returns the edited Message and a send the new one; building a PTB `Message`
costs about 150 µs of CPU and only the new message's id is ever read. `bot.botapi.errors`
reads that id (and an upload's file_id) from Telegram's JSON and builds no `Message`.
Counted by watching `Message.de_json` run (`sys.setprofile`, nothing replaced). Real
Application, loopback Bot API, real SQLite.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    WebAppInfo,
)

from bot import keyboards
from bot.botapi.client import BotClient, keyboard_json
from tests.harness.bot import BotHarness, onboard

_DE_JSON = Message.de_json.__func__.__code__  # type: ignore[attr-defined]


@contextmanager
def messages_built() -> Iterator[list[int]]:
    """How many PTB `Message` objects are built from JSON meanwhile (this thread: the
    event loop, where PTB parses updates and replies)."""
    count = [0]
    previous = sys.getprofile()

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code is _DE_JSON:
            count[0] += 1

    sys.setprofile(profile)
    try:
        yield count
    finally:
        sys.setprofile(previous)


async def test_a_done_tap_parses_no_bot_api_reply(harness: BotHarness) -> None:
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Done")  # the clips of steps 1-2 are uploaded and cached now
    calls_before = len(harness.server.calls)

    with messages_built() as built:
        await harness.tap(user, "Done")

    calls = [c.method for c in harness.server.calls[calls_before:] if c.method != "getUpdates"]
    assert sorted(calls) == ["answerCallbackQuery", "editMessageCaption", "sendAnimation"], calls
    assert "3 of 5" in harness.last_text(user)
    # The one Message built is the tapped one inside the callback query's update; the
    # send's and the edit's replies built two more before (3).
    assert built[0] == 1, built


async def test_the_shown_buttons_belong_to_the_running_bot(harness: BotHarness) -> None:
    """The registry is the Application's bot's, fed from the request's reply_markup: the
    settings menu's buttons as the loopback shows them, gone after an edit without any."""
    assert harness.app is not None
    bot = harness.app.bot
    assert isinstance(bot, BotClient)
    user = harness.new_user("Ben")
    await onboard(harness, user)
    await harness.send(user, "/settings")
    menu = harness.server.last_bot_message(user.id)
    assert menu is not None and menu.button_labels()
    latest = bot.shown.latest(user.id)
    assert latest is not None
    assert latest.message_id == menu.message_id
    assert list(latest.labels) == menu.button_labels()

    await harness.tap(user, "Pause")  # the menu is edited into the Pause choices
    edited = harness.server.message(user.id, menu.message_id)
    latest = bot.shown.latest(user.id)
    assert latest is not None and list(latest.labels) == edited.button_labels()


def test_plain_keyboards_are_written_as_ptb_writes_them() -> None:
    """`keyboard_json` makes the object PTB's `to_dict` makes, for the bot's keyboards
    (callback buttons, a link), and leaves any other markup to PTB."""
    step = keyboards.routine_step(
        7, 12, timer_label="⏱ 30 s", easier=False, can_toggle=True, cautions_of="cat_cow"
    )
    plain = [
        step,
        keyboards.settings_menu(subscribed=True, paused=False, weekly=True),
        keyboards.pain_keypad(3),
        keyboards.open_private_chat("https://t.me/stretchbot?start=from_group"),
        InlineKeyboardMarkup([[InlineKeyboardButton("“quoted” \\ <b>", callback_data='a"b')]]),
    ]
    for markup in plain:
        written = keyboard_json(markup)
        assert isinstance(written, str)
        assert json.loads(written) == markup.to_dict()
    web_app = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Open", web_app=WebAppInfo("https://example.org/app"))]]
    )
    others: list[object] = [
        web_app,
        ReplyKeyboardMarkup([["Yes", "No"]]),
        InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y", api_kwargs={"z": 1})]]),
    ]
    for other in others:
        assert keyboard_json(other) is other


async def test_a_reminder_send_parses_no_reply(harness: BotHarness) -> None:
    """The dispatcher's sender reads the message id from the JSON; its keyboard is recorded
    as shown."""
    user = harness.new_user("Cai")
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.advance(timedelta(days=1))
    with messages_built() as built:
        report = await harness.dispatch()
    assert report.sent == 1
    assert built[0] == 0, built  # PTB's send_message built 1
    reminder = harness.server.last_bot_message(user.id)
    assert reminder is not None and "Snooze" in " ".join(reminder.button_labels())
    assert harness.app is not None and isinstance(harness.app.bot, BotClient)
    latest = harness.app.bot.shown.latest(user.id)
    assert latest is not None and latest.message_id == reminder.message_id
    assert list(latest.labels) == reminder.button_labels()
