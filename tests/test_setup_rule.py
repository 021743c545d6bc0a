"""One rule before setup is finished (issue #8's leftover): /start sets up reminders, so
every feature that needs no reminder schedule works at once (/stretch, /pain, /progress,
/routines, /export, /delete, /help ...), and the reminder settings (/settings, /stop) say
the same clear thing. Checked for every command in the bot's menu, for a user who never
wrote, one in the middle of /start and one who erased everything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from bot import texts
from bot.db.models import PainEntry
from loopback.server import SimUser
from tests.harness.bot import BotHarness

REMINDER_COMMANDS = {"settings", "stop"}
NOT_SET_UP = {texts.REMINDERS_NOT_SET_UP, texts.NO_RECORD}


async def never_wrote(harness: BotHarness, user: SimUser) -> None:
    return None


async def mid_setup(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    assert "Which time zone" in harness.last_text(user)


async def erased(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert await harness.services.preferences.get(user.id) is None


STATES: dict[str, Callable[[BotHarness, SimUser], Awaitable[None]]] = {
    "never-wrote": never_wrote,
    "mid-setup": mid_setup,
    "erased": erased,
}


def replies_since(harness: BotHarness, user: SimUser, count: int) -> list[str]:
    return [m.text or m.caption or "" for m in harness.server.bot_messages(user.id)[count:]]


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("command", [command for command, _ in texts.COMMANDS])
async def test_every_command_before_setup_works_or_says_the_one_thing(
    harness: BotHarness, state: str, command: str
) -> None:
    user = harness.new_user()
    await STATES[state](harness, user)
    before = len(harness.server.bot_messages(user.id))
    await harness.send(user, f"/{command}")
    replies = replies_since(harness, user, before)
    assert replies, f"/{command} got no answer"
    if command in REMINDER_COMMANDS:
        assert replies == [texts.REMINDERS_NOT_SET_UP]
    elif command == "delete":  # no nudge to carry on setting up while asking to erase
        assert texts.SETUP_LEFT not in replies, replies
        assert not NOT_SET_UP & set(replies), f"/{command}: {replies}"
    else:
        assert not NOT_SET_UP & set(replies), f"/{command}: {replies}"


async def test_before_setup_a_user_stretches_logs_pain_and_sees_progress(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")  # then leaves setup at the time question
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes")
    await harness.tap(user, "4")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "3")  # the before reading (consent already given)
    await harness.tap(user, "Stop")
    photos = len(harness.server.calls_to("sendPhoto"))
    await harness.send(user, "/progress")
    assert len(harness.server.calls_to("sendPhoto")) == photos + 1
    async with harness.services.sessions() as session:
        levels = list(
            await session.scalars(select(PainEntry.level).where(PainEntry.user_id == user.id))
        )
    assert sorted(levels) == [3, 4]
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.onboarded
    await harness.send(user, "what now?")
    assert harness.last_text(user) == texts.REMINDERS_NOT_SET_UP
    await harness.send(user, "/start")  # setup picks up where it stopped
    assert "When should I remind you?" in harness.last_text(user)


async def test_an_old_settings_button_before_setup_says_the_same(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "/settings")
    assert harness.last_text(user) == texts.REMINDERS_NOT_SET_UP
    message = harness.server.last_bot_message(user.id).message_id
    for data in ("s:pause", "s:days", "s:menu"):
        await harness.forge(user, message, data)
        answer = harness.server.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == texts.REMINDERS_NOT_SET_UP, data


async def test_an_erased_users_old_buttons_say_their_data_is_gone(harness: BotHarness) -> None:
    """After /delete, every old button (settings, a routine card, a question, a start)
    says the data was erased and how to begin again, and creates nothing."""
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Europe/Berlin")
    zone_check = harness.server.last_bot_message(user.id)
    [zone_yes, *_] = zone_check.callback_data()
    await harness.tap(user, "Yes")
    await harness.send(user, "/settings")
    settings = harness.server.last_bot_message(user.id)
    [settings_data, *_] = settings.callback_data()
    await harness.send(user, "/stretch")
    picker = harness.server.last_bot_message(user.id)
    [start_data, *_] = picker.callback_data()
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    card = harness.server.last_bot_message(user.id)
    done_data = next(d for d in card.callback_data() if d.endswith(":done"))
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert await harness.services.preferences.get(user.id) is None
    before = len(harness.server.bot_messages(user.id))
    old_buttons = [
        (settings.message_id, settings_data),
        (card.message_id, done_data),
        (zone_check.message_id, zone_yes),
        (picker.message_id, start_data),
    ]
    for message_id, data in old_buttons:  # as an old client still shows them
        await harness.forge(user, message_id, data)
        answer = harness.server.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == texts.NO_RECORD, data
    assert "/delete" in texts.NO_RECORD and "/start" in texts.NO_RECORD
    assert len(harness.server.bot_messages(user.id)) == before  # nothing sent
    assert await harness.services.preferences.get(user.id) is None  # nothing created
