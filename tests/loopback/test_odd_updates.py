"""The loopback server's odd updates and callback failures, with Telegram's own wording:
expired callback queries, queries without data, raw updates, messages the user deleted."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from loopback import LoopbackBotAPI, SimUser
from tests.loopback.support import keyboard

TOO_OLD = r"^Query is too old and response timeout expired or query id is invalid$"


async def test_expired_queries_fail_with_telegrams_words_and_are_not_unanswered(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Ready?", reply_markup=keyboard(("Done", "done")))
    server.press_button(user, sent.message_id, "done")
    server.press_button(user, sent.message_id, "done")
    first, second = server.callback_queries()
    assert await bot.answer_callback_query(first.id) is True
    assert server.expire_callback_queries() == [second]  # only the one still waiting
    assert server.unanswered_callback_queries() == []
    with pytest.raises(BadRequest, match=TOO_OLD):
        await bot.answer_callback_query(second.id)
    call = server.calls_to("answerCallbackQuery")[-1]
    assert call.response == {
        "ok": False,
        "error_code": 400,
        "description": (
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        ),
    }
    assert not second.answered and second.expired


async def test_a_query_without_data(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "Ready?", reply_markup=keyboard(("Done", "done")))
    server.press_without_data(user, sent.message_id)
    (update,) = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.data is None
    assert "data" not in server.calls_to("getUpdates")[-1].response["result"][0]["callback_query"]  # type: ignore[index]
    [query] = server.unanswered_callback_queries()
    assert query.data is None
    assert await bot.answer_callback_query(update.callback_query.id)
    assert server.unanswered_callback_queries() == []


async def test_raw_updates_are_delivered_and_their_queries_accounted(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    query_id = server.next_callback_query_id()
    server.inject_update(
        {
            "callback_query": {
                "id": query_id,
                "from": user.to_api(),
                "inline_message_id": "AAAA",
                "chat_instance": "1",
                "data": "x",
            }
        }
    )
    server.inject_update({"edited_message": {"message_id": 1, "date": 0, "chat": user.chat_api()}})
    updates = await bot.get_updates()
    assert [u.effective_user.id if u.effective_user else None for u in updates] == [user.id, None]
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.inline_message_id == "AAAA"
    assert [q.id for q in server.unanswered_callback_queries()] == [query_id]
    assert await bot.answer_callback_query(query_id)
    with pytest.raises(ValueError, match="update_id"):
        server.inject_update({"update_id": 5})


async def test_a_message_the_user_deleted_cannot_be_edited(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Hold on", reply_markup=keyboard(("Done", "done")))
    server.delete_message_as_user(user, sent.message_id)
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("Later", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(LookupError):
        server.delete_message_as_user(user, sent.message_id)
