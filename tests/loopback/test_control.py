"""Drives the loopback server's JSON control API and the terminal chat client.

Why: developers (and later a browser playground) act as users over HTTP instead of from
Python, so the endpoints must have exactly the effects of the Python helpers, as a real
``telegram.Bot`` sees them, and must fail with clear JSON errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Forbidden

from loopback import LoopbackBotAPI, SimUser
from loopback.chat import main as chat_main
from loopback.chat import render_message
from tests.loopback.support import keyboard, png

CONTROL_TOKEN = "s3cret"


# --------------------------------------------------------------------------- fixtures


async def _call(
    http: aiohttp.ClientSession,
    server: LoopbackBotAPI,
    verb: str,
    path: str,
    body: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    async with http.request(
        verb, server.control_url + path, json=body, data=data, headers=headers, params=params
    ) as response:
        assert response.content_type == "application/json"
        payload: dict[str, Any] = await response.json()
        return response.status, payload


# --------------------------------------------------------------------------- users


async def test_create_and_list_users(server: LoopbackBotAPI, http: aiohttp.ClientSession) -> None:
    status, ana = await _call(http, server, "POST", "/users", {"first_name": "Ana"})
    assert status == 201
    assert ana["first_name"] == "Ana" and ana["blocked"] is False
    status, bo = await _call(
        http, server, "POST", "/users", {"first_name": "Bo", "id": 42, "username": "bo"}
    )
    assert status == 201 and bo["id"] == 42 and bo["username"] == "bo"
    assert [u.first_name for u in server.users] == ["Ana", "Bo"]

    status, listing = await _call(http, server, "GET", "/users")
    assert status == 200
    assert [u["id"] for u in listing["users"]] == [ana["id"], 42]
    status, one = await _call(http, server, "GET", "/users/42")
    assert status == 200 and one == bo
    status, info = await _call(http, server, "GET", "/")
    assert info == {
        "bot": {"id": 123456, "username": "stretch_test_bot", "first_name": "Stretch Test Bot"},
        "users": 2,
    }


async def test_user_creation_is_validated(
    server: LoopbackBotAPI, http: aiohttp.ClientSession
) -> None:
    assert (await _call(http, server, "POST", "/users", {}))[0] == 400
    status, body = await _call(http, server, "POST", "/users", {"first_name": 7})
    assert status == 400 and "first_name" in body["error"]
    assert (await _call(http, server, "POST", "/users", {"first_name": " "}))[0] == 400
    assert (await _call(http, server, "POST", "/users", {"first_name": "A", "id": True}))[0] == 400
    await _call(http, server, "POST", "/users", {"first_name": "Ana", "id": 5})
    status, body = await _call(http, server, "POST", "/users", {"first_name": "Bo", "id": 5})
    assert status == 400 and "already exists" in body["error"]
    assert len(server.users) == 1


# --------------------------------------------------------------------------- acting


async def test_text_reaches_the_bot(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(http, server, "POST", f"/users/{user.id}/text", {"text": "/start"})
    assert status == 200
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [body["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.message_id == body["message_id"]
    assert message.from_user is not None and message.from_user.id == user.id
    assert message.entities[0].type == "bot_command"
    assert server.user_messages(user)[-1].text == "/start"


async def test_location_reaches_the_bot(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    status, _ = await _call(
        http, server, "POST", f"/users/{user.id}/location", {"latitude": 52.52, "longitude": 13}
    )
    assert status == 200
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.location is not None
    assert (update.message.location.latitude, update.message.location.longitude) == (52.52, 13.0)

    status, body = await _call(
        http, server, "POST", f"/users/{user.id}/location", {"latitude": 91, "longitude": 0}
    )
    assert status == 400 and "latitude" in body["error"]
    status, body = await _call(
        http, server, "POST", f"/users/{user.id}/location", {"latitude": "52", "longitude": 0}
    )
    assert status == 400 and "latitude" in body["error"]


async def test_press_by_label_reaches_the_bot(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    older = await bot.send_message(user.id, "Ready?", reply_markup=keyboard(("Done", "d1")))
    newer = await bot.send_message(user.id, "Again?", reply_markup=keyboard(("Done", "d2")))
    await bot.send_message(user.id, "No buttons here")

    # Without message_id: the newest bot message that has the button.
    status, body = await _call(http, server, "POST", f"/users/{user.id}/press", {"label": "Done"})
    assert status == 200 and body["message_id"] == newer.message_id
    status, _ = await _call(
        http,
        server,
        "POST",
        f"/users/{user.id}/press",
        {"message_id": older.message_id, "callback_data": "d1"},
    )
    assert status == 200

    updates = await bot.get_updates()
    queries = [u.callback_query for u in updates]
    assert [q.data for q in queries if q] == ["d2", "d1"]
    first = queries[0]
    assert first is not None and first.from_user.id == user.id
    assert first.message is not None and first.message.message_id == newer.message_id
    for query in queries:
        assert query is not None
        await query.answer("ok")
    assert server.unanswered_callback_queries() == []


async def test_press_errors(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    sent = await bot.send_message(user.id, "Ready?", reply_markup=keyboard(("Done", "d")))
    path = f"/users/{user.id}/press"
    status, body = await _call(http, server, "POST", path, {"label": "Nope"})
    assert status == 404 and "Nope" in body["error"]
    status, body = await _call(
        http, server, "POST", path, {"message_id": sent.message_id, "callback_data": "x"}
    )
    assert status == 404 and "callback_data" in body["error"]
    status, body = await _call(http, server, "POST", path, {"message_id": 99, "label": "Done"})
    assert status == 404 and "does not exist" in body["error"]
    status, body = await _call(http, server, "POST", path, {"message_id": sent.message_id})
    assert status == 400 and "exactly one" in body["error"]
    status, _ = await _call(http, server, "POST", path, {"label": "Done", "callback_data": "d"})
    assert status == 400
    status, _ = await _call(http, server, "POST", path, {"message_id": "1", "label": "Done"})
    assert status == 400
    assert server.callback_queries() == []


async def test_block_and_unblock(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(http, server, "POST", f"/users/{user.id}/block")
    assert status == 200 and body["blocked"] is True
    assert server.is_blocked(user)
    with pytest.raises(Forbidden):
        await bot.send_message(user.id, "hello?")
    status, body = await _call(http, server, "POST", f"/users/{user.id}/block")
    assert status == 400 and "already" in body["error"]

    status, _ = await _call(http, server, "POST", f"/users/{user.id}/unblock")
    assert status == 200 and not server.is_blocked(user)
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]
    status, listing = await _call(http, server, "GET", "/users")
    assert listing["users"][0]["blocked"] is False


# --------------------------------------------------------------------------- reading


async def test_messages_show_current_state(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    server.send_text(user, "hi")
    sent = await bot.send_message(
        user.id, "Ready?", reply_markup=keyboard(("✅ Done", "d"), ("⏱ Start 20 s", "t"))
    )
    status, view = await _call(http, server, "GET", f"/chats/{user.id}/messages")
    assert status == 200
    mine, theirs = view["messages"]
    assert mine["from_bot"] is False and mine["text"] == "hi"
    assert theirs["id"] == sent.message_id and theirs["from_bot"] is True
    assert theirs["buttons"] == [
        [{"text": "✅ Done", "callback_data": "d"}, {"text": "⏱ Start 20 s", "callback_data": "t"}]
    ]
    assert theirs["edit_date"] is None
    version = view["version"]

    await bot.edit_message_text("Well done", chat_id=user.id, message_id=sent.message_id)
    status, view = await _call(
        http, server, "GET", f"/chats/{user.id}/messages", params={"after": str(mine["id"])}
    )
    (edited,) = view["messages"]
    assert edited["text"] == "Well done" and edited["buttons"] == []
    assert edited["edit_date"] is not None
    assert view["version"] != version
    for bad in ("abc", "inf", "nan"):
        status, view = await _call(
            http, server, "GET", f"/chats/{user.id}/messages", params={"after": bad}
        )
        assert status == 400 and "after" in view["error"]


async def test_photo_and_document_with_file_urls(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    image = png()
    photo = await bot.send_photo(user.id, image, caption="Cat stretch")
    await bot.send_document(user.id, b"a,b\n1,2\n", filename="log.csv")
    status, view = await _call(http, server, "GET", f"/chats/{user.id}/messages")
    assert status == 200
    pic, doc = view["messages"]
    assert pic["text"] is None and pic["caption"] == "Cat stretch"
    assert pic["photo"]["file_id"] == photo.photo[-1].file_id
    assert pic["photo"]["url"].startswith(server.base_url + "/_loopback/files/")
    assert doc["document"]["file_name"] == "log.csv"

    async with http.get(pic["photo"]["url"]) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert await response.read() == image
    async with http.get(doc["document"]["url"]) as response:
        assert response.status == 200 and await response.read() == b"a,b\n1,2\n"
    status, body = await _call(http, server, "GET", "/files/nope")
    assert status == 404 and "nope" in body["error"]


async def test_wait_returns_when_the_bot_sends(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    server.send_text(user, "/start")
    path = f"/chats/{user.id}/wait"
    waiting = asyncio.create_task(
        _call(http, server, "GET", path, params={"after": "1", "timeout": "5"})
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    started = time.monotonic()
    await bot.send_message(user.id, "Welcome!")
    status, view = await asyncio.wait_for(waiting, 3)
    assert time.monotonic() - started < 2
    assert status == 200 and view["changed"] is True
    assert [m["text"] for m in view["messages"]] == ["Welcome!"]


async def test_wait_returns_on_an_edit(
    server: LoopbackBotAPI, bot: Bot, user: SimUser, http: aiohttp.ClientSession
) -> None:
    sent = await bot.send_message(user.id, "Timer: 20 s")
    _, view = await _call(http, server, "GET", f"/chats/{user.id}/messages")
    query = {"after": str(sent.message_id), "timeout": "5", "version": view["version"]}
    waiting = asyncio.create_task(
        _call(http, server, "GET", f"/chats/{user.id}/wait", params=query)
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await bot.edit_message_text("Timer: 10 s", chat_id=user.id, message_id=sent.message_id)
    status, result = await asyncio.wait_for(waiting, 3)
    assert status == 200 and result["changed"] is True and result["messages"] == []
    assert result["version"] != view["version"]
    # An edit that happened before the request is reported at once via the old version.
    status, again = await _call(http, server, "GET", f"/chats/{user.id}/wait", params=query)
    assert again["changed"] is True


async def test_wait_times_out_cleanly(
    server: LoopbackBotAPI, user: SimUser, http: aiohttp.ClientSession
) -> None:
    server.send_text(user, "anyone?")  # the user's own messages do not end the wait
    started = time.monotonic()
    status, view = await _call(
        http, server, "GET", f"/chats/{user.id}/wait", params={"timeout": "0.3"}
    )
    elapsed = time.monotonic() - started
    assert status == 200 and view["changed"] is False
    assert 0.25 <= elapsed < 2
    assert [m["text"] for m in view["messages"]] == ["anyone?"]
    status, _ = await _call(
        http, server, "GET", f"/chats/{user.id}/wait", params={"timeout": "soon"}
    )
    assert status == 400


async def test_wait_ends_when_the_server_stops(
    server: LoopbackBotAPI, user: SimUser, http: aiohttp.ClientSession
) -> None:
    url = f"{server.control_url}/chats/{user.id}/wait?timeout=30"
    waiting = asyncio.create_task(http.get(url))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await server.stop()
    with contextlib.suppress(aiohttp.ClientError):
        response = await asyncio.wait_for(waiting, 5)
        response.release()
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------- errors


async def test_unknown_user_bad_json_and_missing_fields(
    server: LoopbackBotAPI, user: SimUser, http: aiohttp.ClientSession
) -> None:
    for verb, path in [
        ("POST", "/users/999/text"),
        ("POST", "/users/999/press"),
        ("POST", "/users/999/block"),
        ("GET", "/users/abc"),
        ("GET", "/chats/999/messages"),
        ("GET", "/chats/999/wait"),
    ]:
        status, body = await _call(http, server, verb, path, {"text": "x"})
        assert status == 404, path
        assert "no user" in body["error"]

    text = f"/users/{user.id}/text"
    status, body = await _call(http, server, "POST", text, data=b"{not json")
    assert status == 400 and "JSON" in body["error"]
    status, body = await _call(http, server, "POST", text, data=b"[1, 2]")
    assert status == 400 and "object" in body["error"]
    status, body = await _call(http, server, "POST", text, {})
    assert status == 400 and body["error"] == "missing field 'text'"
    status, body = await _call(http, server, "POST", text, {"text": ""})
    assert status == 400 and "empty" in body["error"]
    status, body = await _call(http, server, "POST", text, {"text": 5})
    assert status == 400
    status, body = await _call(http, server, "POST", f"/users/{user.id}/location", {})
    assert status == 400 and "latitude" in body["error"]

    status, body = await _call(http, server, "GET", "/nowhere")
    assert status == 404 and "error" in body
    status, body = await _call(http, server, "DELETE", "/users")
    assert status == 405 and "error" in body
    assert server.pending_updates() == []


async def test_control_token(http: aiohttp.ClientSession) -> None:
    async with LoopbackBotAPI(control_token=CONTROL_TOKEN) as srv:
        for headers in (None, {"X-Loopback-Token": "wrong"}):
            status, body = await _call(
                http, srv, "POST", "/users", {"first_name": "Ana"}, headers=headers
            )
            assert status == 401 and "X-Loopback-Token" in body["error"]
        assert srv.users == []

        good = {"X-Loopback-Token": CONTROL_TOKEN}
        status, _ = await _call(http, srv, "POST", "/users", {"first_name": "Ana"}, headers=good)
        assert status == 201
        status, _ = await _call(http, srv, "GET", "/users", params={"token": CONTROL_TOKEN})
        assert status == 200
        # The Bot API itself is unaffected.
        async with http.get(f"{srv.api_base_url}{srv.token}/getMe") as response:
            assert response.status == 200


# --------------------------------------------------------------------------- chat client


def test_render_message_without_text_and_with_buttons() -> None:
    message: dict[str, Any] = {
        "id": 3,
        "text": None,
        "caption": None,
        "photo": {"file_id": "x", "url": "u"},
        "buttons": [[{"text": "✅ Done", "callback_data": "d"}], [{"text": "Docs", "url": "h"}]],
    }
    assert render_message(message) == ["bot> [photo]", "     [1] ✅ Done", "     [2] Docs <h>"]
    assert render_message({"id": 4, "text": "a\nb"}, edited=True) == [
        "bot (edited)> a",
        "     b",
    ]
    assert render_message({"id": 5}) == ["bot> (empty message)"]


async def _responder(bot: Bot, stop: asyncio.Event) -> None:
    """A bot without PTB's Application: echo texts with buttons, edit on a press."""
    offset = 0
    while not stop.is_set():
        for update in await bot.get_updates(offset=offset, timeout=1):
            offset = update.update_id + 1
            if update.message and update.message.text:
                await bot.send_message(
                    update.message.chat.id,
                    f"You said: {update.message.text}",
                    reply_markup=keyboard(("✅ Done", "done"), ("⏱ Start 20 s", "timer")),
                )
            elif update.message and update.message.location:
                await bot.send_message(update.message.chat.id, "Nice place")
            elif update.callback_query and update.callback_query.message:
                query = update.callback_query
                await query.answer()
                await bot.edit_message_text(
                    f"Pressed {query.data}",
                    chat_id=query.message.chat.id,
                    message_id=query.message.message_id,
                )
                await bot.send_photo(query.message.chat.id, png(), caption="Well done")


async def test_chat_client_transcript(server: LoopbackBotAPI, bot: Bot) -> None:
    stop = asyncio.Event()
    responder = asyncio.create_task(_responder(bot, stop))
    stdin = io.StringIO("/start\n!2\n!loc 52.52 13.40\n!9\n!bogus\n!!yes\n!quit\nnever sent\n")
    stdout = io.StringIO()
    try:
        code = await asyncio.to_thread(
            chat_main,
            ["--url", server.base_url, "--name", "Ana", "--reply-timeout", "5"],
            stdin,
            stdout,
        )
    finally:
        stop.set()
        await asyncio.wait_for(responder, 5)
    transcript = stdout.getvalue()
    assert code == 0, transcript
    (user,) = server.users
    lines = transcript.splitlines()
    assert (
        lines[0]
        == f"Chatting with @stretch_test_bot as Ana (user {user.id}). !help lists commands."
    )
    expected = [
        "you> /start",
        "bot> You said: /start",
        "     [1] ✅ Done  [2] ⏱ Start 20 s",
        "you> !2",
        "bot (edited)> Pressed timer",
        "bot> [photo] Well done",
        "you> !loc 52.52 13.40",
        "bot> Nice place",
        "you> !9",
        "error: no message with buttons",
        "you> !bogus",
        "unknown command !bogus; !help lists them",
        "you> !!yes",
        "bot> You said: !yes",
        "     [1] ✅ Done  [2] ⏱ Start 20 s",
        "you> !quit",
    ]
    assert lines[1:] == expected, transcript
    assert [m.text for m in server.user_messages(user) if m.text] == ["/start", "!yes"]
    assert server.unanswered_callback_queries() == []


async def test_chat_client_reuses_a_user_and_reports_errors(server: LoopbackBotAPI) -> None:
    user = server.add_user("Bo", user_id=77)
    stdout = io.StringIO()
    code = await asyncio.to_thread(
        chat_main, ["--url", server.base_url, "--user-id", "77"], io.StringIO(""), stdout
    )
    assert code == 0 and "as Bo (user 77)" in stdout.getvalue()
    assert server.users == [user]

    stdout = io.StringIO()
    code = await asyncio.to_thread(
        chat_main, ["--url", "http://127.0.0.1:9"], io.StringIO(""), stdout
    )
    assert code == 1 and stdout.getvalue().startswith("error: cannot reach")
