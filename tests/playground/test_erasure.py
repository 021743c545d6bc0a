"""/delete in the playground: the chat it keeps on disk (chats.json, files/) forgets what
was erased, and keeps it forgotten across a restart (the real bot, loopback Bot API, SQLite)."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import texts
from bot.playground.core import Playground, PlaygroundOptions
from loopback import SimMessage
from tests.playground.test_web import Client, onboard

pytestmark = pytest.mark.only_db("sqlite", reason="the playground keeps its own SQLite file")


async def wait_for(client: Client, user: int, label: str) -> SimMessage:
    """The bot's latest message with a button ``label`` (waits for it)."""
    for _ in range(300):
        found = [
            m for m in client.playground.loopback.bot_messages(user) if label in m.button_labels()
        ]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no button {label!r}")


async def press(client: Client, user: int, label: str) -> None:
    message = await wait_for(client, user, label)
    data = next(b["callback_data"] for b in message.buttons() if b["text"] == label)
    status, body = await client.post(
        f"/api/users/{user}/press", {"message_id": message.message_id, "callback_data": data}
    )
    assert status == 200, body


async def send(client: Client, user: int, text: str) -> None:
    assert (await client.post(f"/api/users/{user}/text", {"text": text}))[0] == 200


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


def saved_chat(data_dir: Path, user: int) -> dict[str, Any]:
    saved = json.loads((data_dir / "chats.json").read_text(encoding="utf-8"))
    return next(c for c in saved["chats"] if c["user"]["id"] == user)


async def test_delete_leaves_no_pain_levels_messages_or_files_in_the_saved_chat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    playground = Playground(PlaygroundOptions(port=0, data_dir=data_dir))
    await playground.start()
    loopback = playground.loopback
    try:
        async with aiohttp.ClientSession() as session:
            client = Client(playground, session)
            ana = loopback.users[0].id
            _, ben = await client.post("/api/users", {})
            await onboard(client, ana)
            await onboard(client, ben["id"])  # another person: nothing of theirs goes
            shown = len(loopback.bot_messages(ana))
            await send(client, ana, "/pain")
            await wait_until(lambda: len(loopback.bot_messages(ana)) > shown, "no /pain reply")
            if texts.PAIN_CONSENT_YES_BUTTON in loopback.bot_messages(ana)[-1].button_labels():
                await press(client, ana, texts.PAIN_CONSENT_YES_BUTTON)
            await press(client, ana, "7")
            await wait_for(client, ana, texts.PAIN_AREA_SKIP_BUTTON)
            await send(client, ana, "/progress")
            await send(client, ana, "/export")
            await wait_until(
                lambda: sum(m.document is not None for m in loopback.bot_messages(ana)) == 2,
                "the export did not arrive",
            )
            await wait_until(
                lambda: any(m.photo for m in loopback.bot_messages(ana)), "no chart arrived"
            )
            personal = {
                str(shown["file_unique_id"])
                for m in loopback.bot_messages(ana)
                for shown in [m.document, *(m.photo or [])[-1:]]
                if shown is not None
            }
            assert len(personal) >= 3, personal
            await wait_until(
                lambda: (
                    all((data_dir / "files" / f).is_file() for f in personal)
                    and "Berlin" in json.dumps(saved_chat(data_dir, ana))
                ),
                "the chat was not saved before /delete",
            )
            ben_before = saved_chat(data_dir, ben["id"])

            await send(client, ana, "/delete")
            await press(client, ana, texts.DELETE_YES_BUTTON)
            await wait_until(
                lambda: [m.text for m in loopback.messages(ana)] == [texts.DELETE_DONE],
                "the chat was not forgotten",
            )

            # On disk at once: only the confirmation, no typed place, no pain level, no file.
            saved = saved_chat(data_dir, ana)
            assert [m["text"] for m in saved["messages"]] == [texts.DELETE_DONE]
            raw = (data_dir / "chats.json").read_text(encoding="utf-8")
            ana_part = json.dumps(saved, ensure_ascii=False)
            assert "Berlin" not in ana_part and "7/10" not in ana_part
            assert not [f for f in personal if (data_dir / "files" / f).exists()]
            assert not [f for f in personal if f in raw]
            assert saved_chat(data_dir, ben["id"]) == ben_before
            # Owner-only files: the chats hold health data.
            for path in [data_dir / "chats.json", *(data_dir / "files").iterdir()]:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            # The bot still works for them, and for Ben (illustrations kept).
            await send(client, ana, "/start")
            await wait_until(lambda: len(loopback.bot_messages(ana)) >= 2, "no welcome")
    finally:
        await playground.stop()

    # A restart brings back the forgotten chat as forgotten; new uploads get new file ids.
    playground = Playground(PlaygroundOptions(port=0, data_dir=data_dir))
    await playground.start()
    try:
        texts_after = [m.text for m in playground.loopback.messages(ana)]
        assert texts_after[0] == texts.DELETE_DONE and "Berlin" not in json.dumps(texts_after)
        restored_ids = {f.file_unique_id for f in playground.loopback.files}
        assert not restored_ids & personal
    finally:
        await playground.stop()


async def test_delete_leaves_nothing_of_the_person_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Besides the saved chats: chats that could not be read (moved aside to
    chats.json.unreadable), a save a kill left half done (chats.json.tmp) and the files only
    those showed. After /delete none of them is left, and no file in the data folder but
    the database (erased by the bot itself) holds what the person typed. Before, all three
    stayed: 'Berlin' and the person's export were still on disk."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    playground = Playground(PlaygroundOptions(port=0, data_dir=data_dir))
    await playground.start()
    loopback = playground.loopback
    try:
        async with aiohttp.ClientSession() as session:
            client = Client(playground, session)
            ana = loopback.users[0].id
            await onboard(client, ana)
            await send(client, ana, "/export")
            await wait_until(
                lambda: any(m.document is not None for m in loopback.bot_messages(ana)),
                "the export did not arrive",
            )
            export = next(
                str(m.document["file_unique_id"])
                for m in loopback.bot_messages(ana)
                if m.document is not None
            )
            await wait_until(
                lambda: (
                    (data_dir / "files" / export).is_file()
                    and "Berlin" in json.dumps(saved_chat(data_dir, ana))
                ),
                "the chat was not saved",
            )
    finally:
        await playground.stop()

    chats = data_dir / "chats.json"
    saved = chats.read_bytes()
    (data_dir / "chats.json.tmp").write_bytes(saved)  # killed between write and rename
    chats.write_bytes(saved[: len(saved) // 2])  # and the file itself damaged

    playground = Playground(PlaygroundOptions(port=0, data_dir=data_dir))
    await playground.start()
    loopback = playground.loopback
    try:
        assert (data_dir / "chats.json.unreadable").is_file()
        assert ana in {u.id for u in loopback.users}  # found again in the database
        async with aiohttp.ClientSession() as session:
            client = Client(playground, session)
            await send(client, ana, "/delete")
            await press(client, ana, texts.DELETE_YES_BUTTON)
            await wait_until(
                lambda: [m.text for m in loopback.messages(ana)] == [texts.DELETE_DONE],
                "the chat was not forgotten",
            )
        left = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*"))
        assert "chats.json.unreadable" not in left and "chats.json.tmp" not in left, left
        assert f"files/{export}" not in left, left
        holding = [
            name
            for name in left
            if (data_dir / name).is_file()
            and not name.startswith("stretchbot.sqlite3")
            and b"Berlin" in (data_dir / name).read_bytes()
        ]
        assert holding == [], holding
    finally:
        await playground.stop()
