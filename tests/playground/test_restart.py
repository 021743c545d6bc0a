"""Restarting `stretchbot playground` keeps its simulated users and their chats with the
database: same ids, same names, same history; a new user never gets an id that has data."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.playground.process import PlaygroundProcess
from tests.playground.test_cli import get_json, post_json

pytestmark = pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file")

WAIT = 60.0


def wait_for_bot_reply(url: str, user: int, after: int) -> dict[str, Any]:
    """The user's chat once the bot has answered (more than ``after`` messages, the last
    from the bot) and nothing changed for a second (a reply can be several messages)."""
    deadline = time.monotonic() + WAIT
    stable: tuple[str, float] | None = None
    while time.monotonic() < deadline:
        status, state = get_json(f"{url}api/state?user={user}")
        assert status == 200, state
        messages = state["chat"]["messages"]
        if len(messages) > after and messages[-1]["from_bot"]:
            version = state["chat"]["version"]
            if stable is None or stable[0] != version:
                stable = (version, time.monotonic())
            elif time.monotonic() - stable[1] >= 1.0:
                return dict(state)
        time.sleep(0.2)
    raise AssertionError(f"the bot did not answer user {user}")


def start(tmp_path: Path) -> PlaygroundProcess:
    process = PlaygroundProcess(tmp_path)
    process.wait_for_url()
    return process


def test_users_and_chats_survive_a_restart_and_new_ids_are_never_reused(tmp_path: Path) -> None:
    process = start(tmp_path)
    try:
        url = process.url
        _, state = get_json(url + "api/state")
        ana = state["user"]
        status, ben = post_json(url + "api/users", {})
        assert status == 201 and ben["first_name"] == "Ben", ben
        assert post_json(f"{url}api/users/{ben['id']}/text", {"text": "/start"})[0] == 200
        before = wait_for_bot_reply(url, ben["id"], 1)
        process.stop()
    finally:
        process.kill()
    assert "(new)" in process.output(), process.output()

    process = start(tmp_path)
    try:
        url = process.url
        assert "2 users restored: Ana, Ben" in process.output(), process.output()
        status, after = get_json(f"{url}api/state?user={ben['id']}")
        assert status == 200, after
        assert after["users"] == [
            {"id": ana, "first_name": "Ana"},
            {"id": ben["id"], "first_name": "Ben"},
        ]
        assert after["chat"]["messages"] == before["chat"]["messages"]
        # The chat goes on where it was: new messages get the next ids.
        last_id = after["chat"]["messages"][-1]["id"]
        assert post_json(f"{url}api/users/{ben['id']}/text", {"text": "/help"})[0] == 200
        later = wait_for_bot_reply(url, ben["id"], len(after["chat"]["messages"]))
        assert all(
            m["id"] > last_id for m in later["chat"]["messages"][len(after["chat"]["messages"]) :]
        )
        status, chiara = post_json(url + "api/users", {})
        assert status == 201 and chiara["id"] not in (ana, ben["id"]), chiara
        assert chiara["first_name"] == "Chiara"
        process.stop()
    finally:
        process.kill()


def test_users_only_the_database_has_come_back_and_keep_their_ids(tmp_path: Path) -> None:
    """An older playground kept no chats (or chats.json was deleted): every user in the
    database gets a simulated user again (an empty chat), and "New user" skips their ids."""
    process = start(tmp_path)
    try:
        url = process.url
        _, state = get_json(url + "api/state")
        ana = state["user"]
        ids = [ana]
        for _ in range(2):
            _, user = post_json(url + "api/users", {})
            ids.append(user["id"])
            assert post_json(f"{url}api/users/{user['id']}/text", {"text": "/start"})[0] == 200
            wait_for_bot_reply(url, user["id"], 1)
        process.stop()
    finally:
        process.kill()
    chats = tmp_path / "data" / "playground" / "chats.json"
    assert {c["user"]["id"] for c in json.loads(chats.read_text())["chats"]} == set(ids)
    chats.unlink()

    process = start(tmp_path)
    try:
        url = process.url
        _, state = get_json(url + "api/state")
        # Ana never sent anything, so only the two who pressed /start are in the database.
        assert [u["id"] for u in state["users"]] == ids[1:], state["users"]
        status, third = get_json(f"{url}api/state?user={ids[2]}")
        assert status == 200 and third["chat"]["messages"] == []
        status, new = post_json(url + "api/users", {})
        # Ana's id had no data (and nothing remembers her): it may be handed out again.
        assert status == 201 and new["id"] not in ids[1:], new
        assert post_json(f"{url}api/users/{new['id']}/text", {"text": "/start"})[0] == 200
        reply = wait_for_bot_reply(url, new["id"], 1)
        assert "Welcome back" not in json.dumps(reply["chat"]["messages"])
        process.stop()
    finally:
        process.kill()


def test_a_killed_playground_keeps_what_was_shown(tmp_path: Path) -> None:
    """SIGKILL: no stop, no last save; what the chat showed a moment before is there."""
    process = start(tmp_path)
    try:
        url = process.url
        _, state = get_json(url + "api/state")
        ana = state["user"]
        assert post_json(f"{url}api/users/{ana}/text", {"text": "/start"})[0] == 200
        before = wait_for_bot_reply(url, ana, 1)
        time.sleep(2)
    finally:
        process.kill()
    process = start(tmp_path)
    try:
        _, after = get_json(f"{process.url}api/state?user={ana}")
        assert after["chat"]["messages"] == before["chat"]["messages"]
        process.stop()
    finally:
        process.kill()
