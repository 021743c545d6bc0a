"""Groups, channels, raw updates and leaveChat on the loopback server, seen by PTB's Bot."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberUpdated, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from loopback import LoopbackBotAPI, SimUser
from tests.loopback.support import keyboard


async def test_group_messages_have_the_group_chat_and_a_member_as_sender(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    group = server.add_group(user, "Office", "supergroup")
    assert group.id < -1_000_000_000_000
    server.send_group_text(group, user, "/start@stretch_test_bot now")
    server.send_group_text(group, None, "hi", anonymous=True)
    channel = server.add_group(user, "News", "channel")
    server.send_group_text(channel, None, "a post")
    first, anonymous, post = await bot.get_updates()
    assert first.message is not None and first.message.chat.type == ChatType.SUPERGROUP
    assert first.message.from_user is not None and first.message.from_user.id == user.id
    assert first.message.entities[0].length == len("/start@stretch_test_bot")
    assert anonymous.message is not None and anonymous.message.sender_chat is not None
    assert anonymous.message.sender_chat.id == group.id
    assert anonymous.message.from_user is not None
    assert anonymous.message.from_user.username == "GroupAnonymousBot"
    assert post.channel_post is not None and post.channel_post.from_user is None
    assert post.channel_post.sender_chat is not None
    assert server.users == [user]  # groups are not users


async def test_the_bot_replies_in_a_group_and_a_member_can_tap(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    other = server.add_user("Bo")
    group = server.add_group(user, "Office")
    server.send_group_text(group, user, "/help")
    [update] = await bot.get_updates()
    assert update.message is not None
    sent = await bot.send_message(group.id, "hi", reply_markup=keyboard(("A", "a")))
    assert isinstance(sent, Message) and sent.chat.id == group.id
    await update.message.reply_text("quoted", do_quote=True)
    assert [m.text for m in server.bot_messages(group.id)] == ["hi", "quoted"]
    server.press_group_button(group, other, sent.message_id, "a")
    with pytest.raises(LookupError):
        server.press_group_button(group, other, sent.message_id, "zzz")
    server.press_group_button(group, other, sent.message_id, "zzz", forged=True)
    updates = await bot.get_updates(offset=update.update_id + 1)
    queries = [u.callback_query for u in updates]
    assert [(q.from_user.id, q.data) for q in queries if q] == [(other.id, "a"), (other.id, "zzz")]
    for query in queries:
        assert query is not None
        assert await query.answer()


async def test_added_then_leaving_a_group(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    group = server.add_group(user, "Office", bot_is_member=False)
    with pytest.raises(RuntimeError):
        server.send_group_text(group, user, "the bot isn't here")
    server.add_bot_to_group(group, by=user)
    [added] = await bot.get_updates()
    member = added.my_chat_member
    assert isinstance(member, ChatMemberUpdated)
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("left", "member")
    assert member.from_user.id == user.id and member.chat.id == group.id

    assert await bot.leave_chat(group.id)
    [left] = await bot.get_updates(offset=added.update_id + 1)
    assert left.my_chat_member is not None
    assert left.my_chat_member.new_chat_member.status == "left"
    assert left.my_chat_member.from_user.id == server.bot_id
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "still here?")
    with pytest.raises(Forbidden):
        await bot.leave_chat(group.id)
    with pytest.raises(BadRequest, match="private chats"):
        await bot.leave_chat(user.id)

    channel = server.add_group(user, "News", "channel", bot_is_member=False)
    server.add_bot_to_group(channel, by=user)
    [joined] = await bot.get_updates(offset=left.update_id + 1)
    assert joined.my_chat_member is not None
    assert joined.my_chat_member.new_chat_member.status == "administrator"


async def test_injected_callback_queries_without_a_message_can_be_answered(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    server.inject_update(
        {
            "callback_query": {
                "id": "9",
                "from": user.to_api(),
                "chat_instance": "1",
                "inline_message_id": "AAA",
            }
        }
    )
    [update] = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.data is None
    assert await update.callback_query.answer("ok")
    assert server.unanswered_callback_queries() == []
