"""Private chats only: groups, supergroups and channels get one short answer and change nothing.

Every example of issue #8 ("/start@bot in a group moved the reminders there", "/export posted
health data into the group", "/progress posted the chart", "/stretch from a never-started
member created a user") plus the kinds around them: every command, buttons in groups,
being added to a group, anonymous admins, channel posts and updates without a sender.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import callbacks, texts
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import Base, GroupNote
from bot.handlers.chats import GROUP_REPLY_INTERVAL, deep_link
from bot.services.groups import GroupNotes
from loopback import SimGroup, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.snapshot import PROCESS_TABLES
from tests.test_privacy import with_history

BOT = "stretch_test_bot"
LINK = f"https://t.me/{BOT}?start=from_group"
EVERY_COMMAND = [
    "/start",
    "/stretch",
    "/pain",
    "/progress",
    "/settings",
    "/stop",
    "/export",
    "/delete",
    "/help",
    "/privacy",
    "/safety",
    "/cancel",
    "/stats",
    "/nonsense",
]


async def snapshot(harness: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what "changes nothing" is checked against."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with harness.services.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in PROCESS_TABLES:
                continue
            result = await session.execute(select(table))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot")]
    assert bad == [], [r.getMessage() for r in bad]


def private_chat_reply(harness: BotHarness, group: SimGroup) -> list[str]:
    """Texts of the bot's messages in the group, after checking each is the short reply with
    the one deep-link button."""
    messages = harness.server.bot_messages(group.id)
    for message in messages:
        assert message.text == texts.PRIVATE_CHAT_ONLY
        assert [[b.get("url") for b in row] for row in message.inline_keyboard] == [[LINK]]
        assert not message.has_media
    return [m.text or "" for m in messages]


async def in_group(harness: BotHarness, group: SimGroup, user: SimUser | None, text: str) -> None:
    """`user` writes in the group; None: an anonymous admin (in a channel: a post)."""
    anonymous = user is None and group.type != "channel"
    await harness.settle(harness.server.send_group_text(group, user, text, anonymous=anonymous))


async def test_start_in_a_group_does_not_move_the_reminders(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user("Ana")
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    group = harness.server.add_group(user, "Back pain club", "supergroup")
    before = await snapshot(harness)
    private_before = len(harness.server.messages(user.id))

    await in_group(harness, group, user, f"/start@{BOT}")

    assert private_chat_reply(harness, group) == [texts.PRIVATE_CHAT_ONLY]
    reply = harness.server.bot_messages(group.id)[0]
    assert reply.reply_to is not None  # quotes the command it answers
    assert await snapshot(harness) == before
    assert len(harness.server.messages(user.id)) == private_before
    # The next daily reminder still arrives in the private chat, none in the group.
    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # 07:30 in Berlin
    report = await harness.dispatch()
    assert report.sent_user_ids == [user.id]
    assert harness.server.last_bot_message(user.id).button_labels()[0].endswith("Start routine")
    assert len(harness.server.bot_messages(group.id)) == 1
    assert_no_errors(errors)


async def test_no_command_in_a_group_posts_data_or_changes_anything(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user("Ana")
    await with_history(harness, user)  # pain log, a routine, a reminder, a pause
    # Two groups, each getting every command once: Telegram allows a bot 20 messages a
    # minute in one group, so 28 answers in one group would wait a minute for the last 8.
    group = harness.server.add_group(user, "Office", "group")
    addressed = harness.server.add_group(user, "Yoga", "supergroup")
    before = await snapshot(harness)
    private_before = len(harness.server.messages(user.id))

    for command in EVERY_COMMAND:
        await in_group(harness, group, user, command)
        await in_group(harness, addressed, user, f"{command}@{BOT} with words")
        harness.clock.advance(GROUP_REPLY_INTERVAL)  # each command gets its reply

    for chat in (group, addressed):
        replies = private_chat_reply(harness, chat)
        assert len(replies) == len(EVERY_COMMAND)  # one short answer per command
        assert all(not m.has_media for m in harness.server.bot_messages(chat.id))  # no chart
        assert harness.server.last_chat_action(chat.id) is None
    assert [f for f in harness.server.files if f.kind == "document"] == []  # no /export
    assert await snapshot(harness) == before
    assert len(harness.server.messages(user.id)) == private_before  # nothing sent privately
    assert_no_errors(errors)


async def test_a_never_started_member_creates_nothing(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    owner, member = harness.new_user("Ana"), harness.new_user("Bo")
    group = harness.server.add_group(owner, "Yoga friends", "group")
    before = await snapshot(harness)
    for command in ("/stretch", "/pain", "/start", "/settings", "/progress", "/export"):
        await in_group(harness, group, member, command)
    assert await snapshot(harness) == before
    assert all(not rows for rows in before.values())
    assert len(private_chat_reply(harness, group)) == 1  # once per group and hour
    assert harness.server.messages(member.id) == []
    assert_no_errors(errors)


async def test_other_messages_in_a_group_are_ignored(harness: BotHarness) -> None:
    user = harness.new_user("Ana")
    group = harness.server.add_group(user, "Office", "supergroup")
    for text in ("/start@some_other_bot", "hello everyone", "my back hurts 8/10", "7:30"):
        await in_group(harness, group, user, text)
    # An edit of a command in the group (edited messages are answers in private chats only).
    edited = harness.server.messages(group.id)[0].to_api()
    edited.update(text="/start", edit_date=edited["date"] + 5)
    edited["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    await harness.settle(harness.server.inject_update({"edited_message": edited}))
    assert harness.server.bot_messages(group.id) == []
    assert harness.server.messages(user.id) == []


async def test_anonymous_admins_and_channel_posts_reach_no_user_handler(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    owner = harness.new_user("Ana")
    group = harness.server.add_group(owner, "Office", "supergroup")
    channel = harness.server.add_group(owner, "Stretch news", "channel")
    before = await snapshot(harness)

    await in_group(harness, group, None, "hello from an anonymous admin")
    await in_group(harness, group, None, "/stretch")  # anonymous, but a command for the bot
    assert harness.server.calls_to("sendMessage")[-1].params["chat_id"] == group.id
    await in_group(harness, channel, None, "/start")
    await in_group(harness, channel, None, "a channel post")

    sent = [(m.chat_id, m.text) for m in harness.server.messages(group.id) if m.from_bot]
    assert sent == [(group.id, texts.PRIVATE_CHAT_ONLY)]
    assert harness.server.bot_messages(channel.id) == []
    assert await snapshot(harness) == before
    assert_no_errors(errors)


async def test_a_button_tapped_in_a_group_is_answered_and_changes_nothing(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user("Ana")
    await with_history(harness, user)
    group = harness.server.add_group(user, "Office", "group")
    await in_group(harness, group, user, "/start")
    message_id = harness.server.bot_messages(group.id)[-1].message_id
    before = await snapshot(harness)

    forged = [
        callbacks.delete_confirm(harness.clock.now()),  # would erase everything
        callbacks.DELETE_CANCEL,
        callbacks.time_choice(datetime(2026, 1, 1, 21, 0).time(), 1),
        "garbage",
    ]
    for data in forged:
        update_id = harness.server.press_group_button(group, user, message_id, data, forged=True)
        await harness.settle(update_id)
        answer = harness.server.calls_to("answerCallbackQuery")[-1].params
        assert answer.get("text") == texts.PRIVATE_CHAT_ONLY_ALERT, data
    assert await snapshot(harness) == before
    assert harness.server.unanswered_callback_queries() == []
    assert len(harness.server.bot_messages(group.id)) == 1
    assert_no_errors(errors)


async def test_added_to_a_group_it_says_so_once_and_leaves(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user("Ana")
    group = harness.server.add_group(user, "Office", "group", bot_is_member=False)
    await harness.settle(harness.server.add_bot_to_group(group, by=user))
    await harness.server.wait_for_call("leaveChat", timeout=5)

    [note] = harness.server.bot_messages(group.id)
    assert note.text == texts.ADDED_TO_GROUP
    assert [[b.get("url") for b in row] for row in note.inline_keyboard] == [[LINK]]
    [leave] = harness.server.calls_to("leaveChat")
    assert leave.params["chat_id"] == group.id and leave.ok
    assert harness.server.messages(user.id) == []
    stored = await snapshot(harness)
    assert all(not rows for rows in stored.values())

    # In a channel it posts nothing (that would broadcast to subscribers) and leaves.
    channel = harness.server.add_group(user, "News", "channel", bot_is_member=False)
    await harness.settle(harness.server.add_bot_to_group(channel, by=user))
    await harness.server.wait_for_call(
        "leaveChat", lambda call: call.params.get("chat_id") == channel.id, timeout=5
    )
    assert harness.server.bot_messages(channel.id) == []
    assert_no_errors(errors)


async def test_a_group_that_forbids_the_bot_to_post_is_left_anyway(harness: BotHarness) -> None:
    user = harness.new_user("Ana")
    group = harness.server.add_group(user, "Quiet room", "supergroup", bot_is_member=False)
    harness.server.fail_next(
        "sendMessage",
        error_code=400,
        description="Bad Request: not enough rights to send text messages to the chat",
    )
    await harness.settle(harness.server.add_bot_to_group(group, by=user))
    await harness.server.wait_for_call("leaveChat", timeout=5)
    assert harness.server.bot_messages(group.id) == []


async def test_odd_private_updates_never_reach_a_handler(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    user = harness.new_user("Ana")
    await onboard(harness, user)
    before = await snapshot(harness)
    sent_before = len(harness.server.calls_to("sendMessage"))
    now = int(harness.clock.now().timestamp())
    chat = {"id": user.id, "type": "private", "first_name": "Ana"}
    odd: list[dict[str, Any]] = [
        # a message in a private chat sent on behalf of a chat
        {
            "message": {
                "message_id": 900,
                "date": now,
                "chat": chat,
                "text": "/delete",
                "sender_chat": {"id": -100123, "type": "channel", "title": "X"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            }
        },
        # a private message without a sender at all
        {"message": {"message_id": 901, "date": now, "chat": chat, "text": "hello"}},
        # a private chat whose user is someone else (forged)
        {
            "message": {
                "message_id": 902,
                "date": now,
                "chat": chat,
                "text": "/stop",
                "from": {"id": user.id + 1, "is_bot": False, "first_name": "Eve"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        },
        # a message from a bot
        {
            "message": {
                "message_id": 903,
                "date": now,
                "chat": chat,
                "text": "/stop",
                "from": {"id": user.id, "is_bot": True, "first_name": "Robo"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        },
        # updates of types the bot never asked for
        {
            "channel_post": {
                "message_id": 5,
                "date": now,
                "text": "/start",
                "chat": {"id": -100555, "type": "channel", "title": "News"},
            }
        },
        {"inline_query": {"id": "1", "from": user.to_api(), "query": "stretch", "offset": ""}},
    ]
    for update in odd:
        await harness.settle(harness.server.inject_update(update))
    # A button on an inline message (no chat at all): answered, nothing else.
    await harness.settle(
        harness.server.inject_update(
            {
                "callback_query": {
                    "id": "77",
                    "from": user.to_api(),
                    "chat_instance": "1",
                    "inline_message_id": "AAA",
                    "data": "del:no",
                }
            }
        )
    )
    assert harness.server.calls_to("answerCallbackQuery")[-1].params.get("show_alert") is True
    assert len(harness.server.calls_to("sendMessage")) == sent_before
    assert await snapshot(harness) == before
    assert_no_errors(errors)


async def test_the_deep_link_opens_the_private_chat_like_start(harness: BotHarness) -> None:
    user = harness.new_user("Ana")
    assert deep_link(BOT) == LINK
    await harness.send(user, "/start from_group")  # what the deep link sends
    assert "When should I remind you?" in harness.last_text(user)
    await harness.send(user, "07:30")
    await harness.send(user, "Europe/Berlin")
    await harness.tap(user, "Yes")
    assert "All set" in harness.last_text(user)
    harness.clock.advance(timedelta(days=1))


async def test_repeated_commands_in_a_group_get_one_reply_per_hour(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    ana, bo = harness.new_user("Ana"), harness.new_user("Bo")
    office = harness.server.add_group(ana, "Office", "supergroup")
    club = harness.server.add_group(bo, "Club", "group")
    for text in ("/start", "/stretch", f"/pain@{BOT}", "/start"):
        await in_group(harness, office, ana, text)
        await in_group(harness, office, bo, text)
        harness.clock.advance(timedelta(minutes=5))
    assert private_chat_reply(harness, office) == [texts.PRIVATE_CHAT_ONLY]
    await in_group(harness, club, bo, "/start")  # another group: its own first reply
    assert private_chat_reply(harness, club) == [texts.PRIVATE_CHAT_ONLY]
    harness.clock.advance(GROUP_REPLY_INTERVAL - timedelta(minutes=20))  # an hour after the first
    await in_group(harness, office, bo, "/progress")
    assert len(private_chat_reply(harness, office)) == 2
    assert harness.server.bot_messages(office.id)[-1].reply_to is not None
    assert harness.server.messages(ana.id) == [] and harness.server.messages(bo.id) == []
    assert_no_errors(errors)


async def notes_stored(harness: BotHarness) -> list[tuple[int, datetime]]:
    async with harness.services.sessions() as session:
        rows = await session.execute(select(GroupNote.chat_id, GroupNote.noted_at))
        return sorted((chat_id, at) for chat_id, at in rows)


async def test_the_hourly_reply_holds_across_a_restart(
    harness: BotHarness, errors: pytest.LogCaptureFixture
) -> None:
    """The hour is kept in the database: a restarted bot (a new Application, as after a
    deploy, a crash or a standby taking over) doesn't reply again within it."""
    ana = harness.new_user("Ana")
    office = harness.server.add_group(ana, "Office", "supergroup")
    await in_group(harness, office, ana, "/start")
    assert private_chat_reply(harness, office) == [texts.PRIVATE_CHAT_ONLY]

    await harness.restart()
    harness.clock.advance(timedelta(minutes=10))
    await in_group(harness, office, ana, f"/stretch@{BOT}")
    assert private_chat_reply(harness, office) == [texts.PRIVATE_CHAT_ONLY]  # one note

    harness.clock.advance(GROUP_REPLY_INTERVAL)
    await harness.restart()
    await in_group(harness, office, ana, "/pain")
    assert len(private_chat_reply(harness, office)) == 2  # the next hour's
    assert_no_errors(errors)


async def test_two_processes_on_one_database_share_the_hour(harness: BotHarness) -> None:
    """Another process's GroupNotes (its own engine and sessions, on the same database)
    sees the note the running bot sent, and at the same instant exactly one of them wins."""
    ana = harness.new_user("Ana")
    office = harness.server.add_group(ana, "Office", "supergroup")
    await in_group(harness, office, ana, "/start")
    engine = create_engine(harness.settings.database_url)
    try:
        other = GroupNotes(create_session_factory(engine), harness.clock)
        assert await other.note_due(office.id) is False
        harness.clock.advance(GROUP_REPLY_INTERVAL)
        wins = await asyncio.gather(
            other.note_due(office.id), harness.services.groups.note_due(office.id)
        )
        assert sorted(wins) == [False, True]
    finally:
        await engine.dispose()
    await in_group(harness, office, ana, "/start")  # the hour was taken by the winner
    assert private_chat_reply(harness, office) == [texts.PRIVATE_CHAT_ONLY]


async def test_old_notes_are_pruned(harness: BotHarness) -> None:
    """The table holds only the groups noted within the last hour: sending a note deletes
    the expired ones, so it can't grow without bound."""
    ana = harness.new_user("Ana")
    groups = [harness.server.add_group(ana, f"Group {n}", "group") for n in range(4)]
    for group in groups[:3]:
        await in_group(harness, group, ana, "/start")
        harness.clock.advance(timedelta(minutes=10))
    assert [chat_id for chat_id, _ in await notes_stored(harness)] == sorted(
        g.id for g in groups[:3]
    )
    harness.clock.advance(GROUP_REPLY_INTERVAL - timedelta(minutes=25))  # only the first expired
    await in_group(harness, groups[3], ana, "/start")
    assert [chat_id for chat_id, _ in await notes_stored(harness)] == sorted(
        g.id for g in groups[1:]
    )
    harness.clock.advance(GROUP_REPLY_INTERVAL * 3)
    await in_group(harness, groups[0], ana, "/start")
    assert await notes_stored(harness) == [(groups[0].id, harness.clock.now())]
    for group in groups:
        assert len(private_chat_reply(harness, group)) == 1 + (group is groups[0])


async def test_a_clock_set_back_does_not_silence_a_group(harness: BotHarness) -> None:
    """A note stamped after now (the clock was corrected backwards) doesn't hold the group
    back, as with the in-memory time before."""
    ana = harness.new_user("Ana")
    office = harness.server.add_group(ana, "Office", "group")
    await in_group(harness, office, ana, "/start")
    harness.clock.set(harness.clock.now() - timedelta(minutes=30))
    await in_group(harness, office, ana, "/start")
    assert len(private_chat_reply(harness, office)) == 2
