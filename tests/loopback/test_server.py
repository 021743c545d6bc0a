"""Drives the loopback Bot API server with PTB's own client and with raw HTTP.

Why: every bot test relies on this server behaving like Telegram, so its replies,
validations, state, fault injection and synchronisation helpers are pinned down here.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InputMediaAnimation,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from loopback import LoopbackBotAPI, SimUser
from tests.loopback.support import keyboard, make_bot, png

REPO_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- fixtures


async def _raw(
    http: aiohttp.ClientSession,
    server: LoopbackBotAPI,
    method: str,
    *,
    json: dict[str, Any] | None = None,
    data: Any = None,
    token: str | None = None,
    verb: str = "POST",
    params: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    url = f"{server.api_base_url}{token or server.token}/{method}"
    async with http.request(verb, url, json=json, data=data, params=params) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


# --------------------------------------------------------------------------- basics


async def test_get_me_and_recording(server: LoopbackBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "stretch_test_bot"
    assert me.is_bot and me.id == 123456
    call = server.calls_to("getMe")[-1]
    assert call.status == 200 and call.ok and call.done
    assert call.result["username"] == "stretch_test_bot"


async def test_wrong_token_is_unauthorized(
    server: LoopbackBotAPI, http: aiohttp.ClientSession
) -> None:
    status, body = await _raw(http, server, "getMe", token="999:WRONG")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=server.api_base_url):
            pass


async def test_unknown_method_is_404(server: LoopbackBotAPI, http: aiohttp.ClientSession) -> None:
    status, body = await _raw(http, server, "sendVoice", json={"chat_id": 1})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert server.calls[-1].method == "sendVoice" and server.calls[-1].status == 404


async def test_method_names_are_case_insensitive_and_get_works(
    server: LoopbackBotAPI, http: aiohttp.ClientSession
) -> None:
    status, body = await _raw(http, server, "GETME", verb="GET")
    assert status == 200 and body["result"]["is_bot"] is True
    assert server.calls[-1].method == "getMe"


# --------------------------------------------------------------------------- messages


async def test_send_edit_delete_round_trip(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(
        user.id, "<b>Time</b> to stretch", parse_mode="HTML", reply_markup=keyboard(("Done", "d"))
    )
    assert isinstance(sent, Message)
    assert sent.text == "Time to stretch" and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.username == "stretch_test_bot"
    assert sent.reply_markup is not None
    stored = server.last_bot_message(user)
    assert stored.message_id == sent.message_id
    assert stored.button_labels() == ["Done"] and stored.callback_data() == ["d"]
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 4}]
    # PTB's form body carried reply_markup as a JSON string; the record holds it decoded.
    assert server.calls_to("sendMessage")[-1].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Done", "callback_data": "d"}]]
    }

    edited = await bot.edit_message_text("Well done", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "Well done"
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    assert server.message(user, sent.message_id).reply_markup is None

    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("Again", "a"))
    )
    assert server.button_data(user, sent.message_id) == ["a"]

    assert await bot.delete_message(user.id, sent.message_id) is True
    assert server.bot_messages(user) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)


async def test_message_ids_increase_per_chat_across_both_sides(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    other = server.add_user("Bo")
    server.send_text(user, "hi")
    first = await bot.send_message(user.id, "one")
    second = await bot.send_message(other.id, "two")
    assert first.message_id == 2 and second.message_id == 1
    assert [m.from_bot for m in server.messages(user)] == [False, True]
    assert server.user_messages(user)[0].text == "hi"


async def test_edit_not_modified(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    sent = await bot.send_message(user.id, "Same", reply_markup=keyboard(("A", "a")))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message"):
        await bot.edit_message_text(
            "Same", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("A", "a"))
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("A", "a"))
        )


async def test_caption_edit_and_limits(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    photo = await bot.send_photo(user.id, png(), caption="Your week")
    assert photo.caption == "Your week"
    edited = await bot.edit_message_caption(
        chat_id=user.id, message_id=photo.message_id, caption="Your month"
    )
    assert isinstance(edited, Message) and edited.caption == "Your month"
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(user.id, photo.photo[-1].file_id, caption="x" * 1025)
    text = await bot.send_message(user.id, "plain")
    with pytest.raises(BadRequest, match=r"(?i)there is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=user.id, message_id=text.message_id, caption="c")


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "hi"}, "Bad Request: chat_id is empty"),
        ({"chat_id": "USER"}, "Bad Request: message text is empty"),
        ({"chat_id": "USER", "text": "   "}, "Bad Request: message text is empty"),
        ({"chat_id": "USER", "text": "x" * 4097}, "Bad Request: message is too long"),
        ({"chat_id": 777, "text": "hi"}, "Bad Request: chat not found"),
        (
            {"chat_id": "USER", "text": "hi", "parse_mode": "HTML5"},
            "Bad Request: unsupported parse_mode",
        ),
        (
            {"chat_id": "USER", "text": "<b>hi", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
        (
            {"chat_id": "USER", "text": "<blink>hi</blink>", "parse_mode": "HTML"},
            'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0',
        ),
        (
            {
                "chat_id": "USER",
                "text": "hi",
                "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "ü" * 33}]]},
            },
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"chat_id": "USER", "text": "hi", "reply_markup": "{oops"},
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
    ],
)
async def test_send_message_rejections(
    server: LoopbackBotAPI,
    http: aiohttp.ClientSession,
    user: SimUser,
    params: dict[str, Any],
    description: str,
) -> None:
    body_params = {k: (user.id if v == "USER" else v) for k, v in params.items()}
    status, body = await _raw(http, server, "sendMessage", json=body_params)
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": description})
    assert server.bot_messages(user) == []


async def test_text_limit_counts_characters_after_parsing(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text is not None and len(sent.text) == 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.id, "é" * 4097)


async def test_ptb_sees_bad_request_for_long_callback_data(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "hi", reply_markup=keyboard(("b", "x" * 65)))


async def test_form_and_multipart_bodies(
    server: LoopbackBotAPI, http: aiohttp.ClientSession, user: SimUser
) -> None:
    markup = '{"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}'
    status, body = await _raw(
        http,
        server,
        "sendMessage",
        data={"chat_id": str(user.id), "text": "form", "reply_markup": markup},
    )
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Go"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field("document", b"a,b\n1,2\n", filename="log.csv", content_type="text/csv")
    form.add_field("reply_markup", markup)
    status, body = await _raw(http, server, "sendDocument", data=form)
    assert status == 200
    assert body["result"]["document"]["file_name"] == "log.csv"
    assert server.calls[-1].params["document"] == {
        "upload": "log.csv",
        "mime_type": "text/csv",
        "size": 8,
    }
    assert server.calls[-1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "go"


# --------------------------------------------------------------------------- errors


async def test_fail_next_429_raises_retry_after(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    server.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as exc:
        await bot.send_message(user.id, "hi")
    assert exc.value.retry_after.total_seconds() == 3  # type: ignore[union-attr]
    assert server.calls_to("sendMessage")[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    await bot.send_message(user.id, "hi")  # the fault fired once only
    assert len(server.bot_messages(user)) == 1


async def test_fail_next_can_target_one_chat(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    other = server.add_user("Bo")
    server.fail_next("sendMessage", error_code=500, chat_id=other.id, times=2)
    await bot.send_message(user.id, "fine")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(other.id, "boom")
    await bot.send_message(other.id, "fine again")


async def test_blocked_and_deactivated_users_are_forbidden(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "hello")
    update_id = server.block(user)
    assert server.pending_updates()[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert server.pending_updates()[-1]["update_id"] == update_id
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.id, "still there?")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(Forbidden):
        await bot.send_chat_action(user.id, "typing")
    server.unblock(user)
    await bot.send_message(user.id, "welcome back")
    server.deactivate(user)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(user.id, "anyone?")


async def test_user_writing_again_unblocks(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    server.block(user)
    server.send_text(user, "/start")
    assert not server.is_blocked(user)
    kinds = [next(k for k in u if k != "update_id") for u in server.pending_updates()]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    await bot.send_message(user.id, "hi")


async def test_delay_next_makes_ptb_time_out_and_then_takes_effect(
    server: LoopbackBotAPI, user: SimUser
) -> None:
    async with make_bot(server, read_timeout=0.3) as slow_bot:
        since = len(server.calls)
        server.delay_next("sendMessage", 1.0)
        with pytest.raises(TimedOut):
            await slow_bot.send_message(user.id, "slow")
        call = await server.wait_for_call("sendMessage", since=since)
        assert call.ok
        assert server.last_bot_message(user).text == "slow"
        await slow_bot.send_message(user.id, "fast")


async def test_drop_next_is_a_network_error_without_effect(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    server.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "lost")
    assert server.bot_messages(user) == []
    assert server.calls_to("sendMessage")[-1].dropped
    await bot.send_message(user.id, "delivered")


async def test_stop_releases_a_hanging_call(user: SimUser) -> None:
    srv = LoopbackBotAPI()
    srv.add_user("Ana", user_id=user.id)
    await srv.start()
    ptb_bot = make_bot(srv, read_timeout=30)
    async with ptb_bot:
        srv.delay_next("sendMessage", 60)
        pending = asyncio.create_task(ptb_bot.send_message(user.id, "never"))
        await srv.wait_for_call("sendMessage", completed=False)
        await asyncio.wait_for(srv.stop(), 5)
        with pytest.raises(NetworkError):
            await asyncio.wait_for(pending, 5)
    assert srv.bot_messages(user.id) == []


# --------------------------------------------------------------------------- files


async def test_upload_then_reuse_by_file_id(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    image = png(4, 5)
    first = await bot.send_photo(user.id, image, caption="chart")
    size = first.photo[-1]
    assert (size.width, size.height) == (4, 5)
    assert server.file_bytes(size.file_id) == image
    second = await bot.send_photo(user.id, size.file_id)
    assert second.photo[-1].file_id == size.file_id
    assert (server.upload_count, server.reuse_count) == (1, 1)
    assert server.last_bot_message(user).file_id == size.file_id

    file = await bot.get_file(size.file_id)
    assert bytes(await file.download_as_bytearray()) == image

    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/HTTP URL specified"):
        await bot.send_photo(user.id, "no-such-file")
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, b"not an image")


async def test_send_document_keeps_name_and_bytes(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    message = await bot.send_document(user.id, b"%PDF-1.4 fake", filename="report.pdf")
    assert message.document is not None
    assert message.document.file_name == "report.pdf"
    assert server.file_bytes(message.document.file_id) == b"%PDF-1.4 fake"
    again = await bot.send_document(user.id, message.document.file_id)
    assert again.document is not None and again.document.file_id == message.document.file_id
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(user.id, message.document.file_id)


async def test_send_animation_keeps_size_type_and_bytes(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    gif = GIF_2X3
    message = await bot.send_animation(user.id, gif, caption="<b>Hold</b>", parse_mode="HTML")
    assert message.animation is not None
    assert (message.animation.width, message.animation.height) == (2, 3)
    assert message.animation.mime_type == "image/gif"
    assert message.caption == "Hold"
    assert server.file_bytes(message.animation.file_id) == gif
    assert server.last_bot_message(user).file_id == message.animation.file_id
    again = await bot.send_animation(user.id, message.animation.file_id)
    assert again.animation is not None
    assert again.animation.file_id == message.animation.file_id
    edited = await bot.edit_message_caption(user.id, message.message_id, caption="Done")
    assert isinstance(edited, Message) and edited.caption == "Done"
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Animation as Photo"):
        await bot.send_photo(user.id, message.animation.file_id)


GIF_2X3 = (
    b"GIF89a\x02\x00\x03\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x02\x00\x03\x00\x00\x02\x03\x84\x1f\x05\x00;"
)
"""A 2x3 GIF89a (what a hold-timer animation would be, only smaller)."""


# --------------------------------------------------------------------------- updates


async def test_long_poll_wakes_when_user_sends_text(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await server.wait_for_call("getUpdates", completed=False)
    assert not poll.done()
    update_id = server.send_text(user, "7:30")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "7:30"
    assert message.from_user is not None and message.from_user.first_name == "Ana"
    assert message.chat.id == user.id


async def test_get_updates_returns_pending_immediately_and_honours_limit(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    ids = [server.send_text(user, str(n)) for n in range(3)]
    updates = await asyncio.wait_for(bot.get_updates(timeout=20, limit=2), 5)
    assert [u.update_id for u in updates] == ids[:2]


async def test_confirm_semantics(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    first = server.send_text(user, "a")
    second = server.send_text(user, "b")
    assert len(await bot.get_updates()) == 2
    assert len(await bot.get_updates()) == 2  # fetched but not confirmed yet
    assert not server.is_confirmed(first)
    remaining = await bot.get_updates(offset=second)
    assert [u.update_id for u in remaining] == [second]
    assert server.is_confirmed(first) and not server.is_confirmed(second)
    await server.wait_until_confirmed(first, timeout=0.1)
    assert await bot.get_updates(offset=second + 1) == ()
    await server.wait_until_confirmed(second, timeout=0.1)
    assert server.pending_updates() == []
    with pytest.raises(TimeoutError, match="was not confirmed"):
        await server.wait_until_confirmed(server.send_text(user, "c"), timeout=0.05)


async def test_negative_offset_keeps_only_the_last_updates(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    ids = [server.send_text(user, str(n)) for n in range(3)]
    updates = await bot.get_updates(offset=-1)
    assert [u.update_id for u in updates] == ids[-1:]
    assert server.is_confirmed(ids[0]) and server.is_confirmed(ids[1])


async def test_drop_pending_updates_and_allowed_updates(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    dropped = server.send_text(user, "old")
    await bot.delete_webhook(drop_pending_updates=True)
    assert server.is_confirmed(dropped)
    server.share_location(user, 52.52, 13.405)
    server.block(user)
    updates = await bot.get_updates(allowed_updates=["message"])
    assert len(updates) == 1
    assert updates[0].message is not None and updates[0].message.location is not None
    assert updates[0].message.location.latitude == pytest.approx(52.52)
    assert all("my_chat_member" not in u for u in server.pending_updates())


async def test_concurrent_long_poll_terminates_the_older_one(
    server: LoopbackBotAPI, http: aiohttp.ClientSession
) -> None:
    older = asyncio.create_task(_raw(http, server, "getUpdates", json={"timeout": 20}))
    await server.wait_for_call("getUpdates", completed=False)
    status, body = await _raw(http, server, "getUpdates", json={"timeout": 0})
    assert (status, body) == (200, {"ok": True, "result": []})
    status, body = await asyncio.wait_for(older, 5)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")


async def test_commands_get_bot_command_entities(server: LoopbackBotAPI, user: SimUser) -> None:
    server.send_text(user, "/start@stretch_test_bot now")
    server.send_text(user, "💪 /stats")
    first, second = (u["message"] for u in server.pending_updates())
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert second["entities"] == [{"type": "bot_command", "offset": 3, "length": 6}]
    assert Update.de_json(server.pending_updates()[0], None) is not None


# --------------------------------------------------------------------------- callbacks


async def test_callback_queries_must_be_answered(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Ready?", reply_markup=keyboard(("Done", "done")))
    update_id = server.press_button(user, sent.message_id, "done")
    query = server.unanswered_callback_queries()[0]
    assert (query.update_id, query.data, query.message_id) == (update_id, "done", sent.message_id)
    (update,) = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.data == "done" and update.callback_query.id == query.id
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Nice!") is True
    assert server.unanswered_callback_queries() == []
    assert server.callback_queries()[0].answer == {"text": "Nice!"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")


async def test_pressing_missing_buttons_is_a_clear_error(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "Pick", reply_markup=keyboard(("A", "a"), ("B", "b")))
    with pytest.raises(LookupError, match=r"no button with callback_data 'c'"):
        server.press_button(user, sent.message_id, "c")
    with pytest.raises(LookupError, match=r"no button labelled 'C'; it has \['A', 'B'\]"):
        server.press_button_text(user, sent.message_id, "C")
    with pytest.raises(LookupError, match="does not exist"):
        server.press_button(user, sent.message_id + 5, "a")
    server.press_button_text(user, None, "B")
    assert server.unanswered_callback_queries()[0].data == "b"
    await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(LookupError, match="deleted or never sent"):
        server.press_button(user, sent.message_id, "a")


async def test_callback_message_shows_current_state(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    sent = await bot.send_message(user.id, "v1", reply_markup=keyboard(("Go", "go")))
    await bot.edit_message_text(
        "v2", chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard(("Go", "go"))
    )
    server.press_button(user, sent.message_id, "go")
    message = server.pending_updates()[-1]["callback_query"]["message"]
    assert message["text"] == "v2" and "edit_date" in message


# --------------------------------------------------------------------------- bot settings


async def test_commands_and_descriptions(server: LoopbackBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("stats", "Your progress")])
    commands = await bot.get_my_commands()
    assert [c.command for c in commands] == ["start", "stats"]
    assert server.commands() == [
        {"command": "start", "description": "Begin"},
        {"command": "stats", "description": "Your progress"},
    ]
    await bot.set_my_commands([("start", "Anfangen")], language_code="de")
    assert server.commands(language_code="de")[0]["description"] == "Anfangen"
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad Command", "x")])

    assert await bot.set_my_description("Stretch daily") is True
    assert await bot.set_my_short_description("Back care") is True
    assert server.description() == "Stretch daily"
    assert server.short_description() == "Back care"
    assert (await bot.get_my_description()).description == "Stretch daily"
    assert await bot.log_out() is True


async def test_chat_action(server: LoopbackBotAPI, bot: Bot, user: SimUser) -> None:
    assert await bot.send_chat_action(user.id, "upload_photo") is True
    assert server.last_chat_action(user) == "upload_photo"
    with pytest.raises(BadRequest, match=r"(?i)wrong parameter action in request"):
        await bot.send_chat_action(user.id, "dancing")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_chat_action(42, "typing")


def test_user_helpers_validate_input(server: LoopbackBotAPI) -> None:
    ana = server.add_user("Ana", user_id=5)
    with pytest.raises(ValueError, match="already exists"):
        server.add_user("Ana again", user_id=5)
    with pytest.raises(LookupError, match="add_user"):
        server.send_text(6, "hi")
    with pytest.raises(ValueError):
        server.share_location(ana, 91, 0)
    with pytest.raises(LookupError, match="no messages"):
        server.last_bot_message(ana)
    server.deactivate(ana)
    with pytest.raises(RuntimeError, match="deactivated"):
        server.send_text(ana, "hi")


# --------------------------------------------------------------------------- PTB Application


async def test_ptb_application_round_trip(server: LoopbackBotAPI, user: SimUser) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Ready?", reply_markup=keyboard(("Done", "done"), ("Later", "later"))
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.api_base_url)
        .base_file_url(server.file_base_url)
        .job_queue(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            update_id = server.send_text(user, "/start")
            await server.wait_until_confirmed(update_id)
            await app.update_queue.join()
            message = server.last_bot_message(user)
            assert message.text == "Ready?"
            assert message.button_rows() == [["Done", "Later"]]

            update_id = server.press_button_text(user, message.message_id, "Done")
            await server.wait_until_confirmed(update_id)
            await app.update_queue.join()
            assert server.last_bot_message(user).text == "You chose done"
            assert server.last_bot_message(user).button_labels() == []
            assert server.unanswered_callback_queries() == []
        finally:
            await app.updater.stop()
            await app.stop()


# --------------------------------------------------------------------------- standalone


async def test_standalone_server_prints_its_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "loopback",
        "--port",
        "0",
        "--user",
        "Ana",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = ""
        while not url:
            line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
            assert line, "the server exited before printing its URL"
            if "listening on" in line:
                url = line.rsplit(" ", 1)[1].strip()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/bot123456:TEST-TOKEN-abcdefghijklmnopqrstuvwx/getMe") as reply,
        ):
            assert reply.status == 200
            assert (await reply.json())["result"]["username"] == "stretch_test_bot"
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0


CLIPS = Path(__file__).resolve().parents[2] / "content" / "animations"


async def test_send_animation_and_swap_it_in_place(
    server: LoopbackBotAPI, bot: Bot, user: SimUser
) -> None:
    first, second = (CLIPS / "bridge.mp4").read_bytes(), (CLIPS / "bridge-easier.mp4").read_bytes()
    sent = await bot.send_animation(user.id, first, caption="<b>Bridge</b>", parse_mode="HTML")
    assert sent.animation is not None
    clip = sent.animation
    assert (clip.width, clip.height, clip.mime_type) == (480, 360, "video/mp4")
    seconds = getattr(clip.duration, "total_seconds", lambda: clip.duration)()
    assert 2 <= seconds <= 6
    assert server.file_bytes(clip.file_id) == first
    again = await bot.send_animation(user.id, clip.file_id)
    assert again.animation is not None and again.animation.file_id == clip.file_id
    with pytest.raises(BadRequest, match=r"(?i)an animation is an MP4 video or a GIF"):
        await bot.send_animation(user.id, png())
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Animation as Photo"):
        await bot.send_photo(user.id, clip.file_id)

    swapped = await bot.edit_message_media(
        InputMediaAnimation(second, caption="Half bridge"),
        chat_id=user.id,
        message_id=sent.message_id,
    )
    assert isinstance(swapped, Message) and swapped.animation is not None
    assert server.file_bytes(swapped.animation.file_id) == second
    assert swapped.caption == "Half bridge"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_media(
            InputMediaAnimation(swapped.animation.file_id, caption="Half bridge"),
            chat_id=user.id,
            message_id=sent.message_id,
        )
    text = await bot.send_message(user.id, "plain")
    with pytest.raises(BadRequest, match=r"(?i)there is no media in the message to edit"):
        await bot.edit_message_media(
            InputMediaAnimation(clip.file_id), chat_id=user.id, message_id=text.message_id
        )


async def test_multipart_body_arriving_in_pieces_is_read_whole(server: LoopbackBotAPI) -> None:
    """An upload whose bytes arrive a few at a time, then in bulk, is read whole.

    Why: CI once failed on a sendAnimation because aiohttp's multipart reader, when one read
    returns fewer bytes than the boundary and the next one more than its chunk size, pushes
    the surplus back with a deprecated call; under ``-W error`` that warning became a 500.
    The pieces are fed by hand so the path is taken every time, not by TCP timing.
    """
    from unittest import mock

    from aiohttp import streams, test_utils

    boundary = "b0undary"
    chunk = 2**18  # aiohttp's multipart chunk size in Request.post()
    content = bytes(range(256)) * (2 * chunk // 256)
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n7\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="animation"; '
        'filename="a.gif"\r\nContent-Type: image/gif\r\n\r\n'
    ).encode()
    head = body + content[: chunk + 3]
    tail = content[chunk + 3 :] + f"\r\n--{boundary}--\r\n".encode()
    payload = streams.StreamReader(mock.Mock(), 2**16, loop=asyncio.get_running_loop())
    payload.feed_data(head)
    request = test_utils.make_mocked_request(
        "POST",
        f"/bot{server.token}/sendAnimation",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        payload=payload,
    )
    reading = asyncio.ensure_future(server._read_params(request))
    await asyncio.sleep(0.01)  # the reader has taken a chunk and holds the 3 bytes left over
    payload.feed_data(tail)
    payload.feed_eof()
    params, uploads = await asyncio.wait_for(reading, 5)
    assert params["chat_id"] == "7"
    assert uploads["animation"].data == content
