"""Updates of different users run concurrently; one user's run strictly in order.

The real bot (`PerChatUpdateProcessor`) on the loopback Bot API and a real SQLite file: one
user double-taps while 200 others tap at the same moment. The routine's compare-and-set,
the ConversationHandler and the pain keypad must behave exactly as they do one update at a
time. No timing is asserted.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from telegram import Chat, Message, Update, User

from bot.db.models import PainEntry, RoutineRun
from bot.updates import PerChatUpdateProcessor, ordering_key
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard

OTHERS = 200


async def settle_all(harness: BotHarness, update_ids: list[int]) -> None:
    assert harness.app is not None
    for update_id in update_ids:
        await harness.server.wait_until_confirmed(update_id, timeout=60)
    await harness.app.update_queue.join()


def button(harness: BotHarness, user: SimUser, label: str) -> tuple[int, str]:
    message_id = harness.message_with_button(user, label)
    message = harness.server.message(user.id, message_id)
    data = next(str(b["callback_data"]) for b in message.buttons() if label in str(b["text"]))
    return message_id, data


async def crowd_at_consent(harness: BotHarness, n: int) -> list[SimUser]:
    """n users who typed /stretch and picked a routine, all at once (consent question)."""
    crowd = [harness.new_user(f"U{i}") for i in range(n)]
    await settle_all(harness, [harness.server.send_text(u, "/stretch") for u in crowd])
    await settle_all(
        harness,
        [harness.server.press_button(u, *button(harness, u, "Quick start")) for u in crowd],
    )
    return crowd


async def test_double_tap_while_200_others_tap_advances_once(harness: BotHarness) -> None:
    assert isinstance(harness.app and harness.app.update_processor, PerChatUpdateProcessor)
    user = harness.new_user("Ana")
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "Yes, keep track")
    keypad_id, five = next(
        (m.message_id, str(b["callback_data"]))
        for m in reversed(harness.server.bot_messages(user.id))
        for b in m.buttons()
        if b["text"] == "5"
    )
    crowd = await crowd_at_consent(harness, OTHERS)

    # The pain keypad: the same level twice, while everyone else answers the consent question.
    storm = [harness.server.press_button(u, *button(harness, u, "No thanks")) for u in crowd]
    first = harness.server.press_button(user, keypad_id, five)
    second = harness.server.press_button(user, keypad_id, five)
    await settle_all(harness, [*storm, first, second])
    async with harness.services.sessions() as session:
        logged = await session.scalar(
            select(func.count()).select_from(PainEntry).where(PainEntry.user_id == user.id)
        )
    assert logged == 1, "a double tap on the keypad logged twice"

    # Done on the first step, twice, while the 200 others tap Done on theirs.
    done_id, done = button(harness, user, "Done")
    storm = [harness.server.press_button(u, *button(harness, u, "Done")) for u in crowd]
    first = harness.server.press_button(user, done_id, done)
    second = harness.server.press_button(user, done_id, done)
    await settle_all(harness, [*storm, first, second])

    async with harness.services.sessions() as session:
        active = await session.scalars(select(RoutineRun).where(RoutineRun.status == "active"))
        runs = {run.user_id: run for run in active}
    assert runs[user.id].step_index == 1 and runs[user.id].steps_done == 1
    assert all(runs[u.id].step_index == 1 and runs[u.id].steps_done == 1 for u in crowd)
    answers = [
        c.params.get("text")
        for c in harness.server.calls_to("answerCallbackQuery")
        if c.params.get("callback_query_id")
        in {q.id for q in harness.server.callback_queries() if q.update_id == second}
    ]
    assert answers == ["That step is already behind you."]
    # The conversation is still in the routine: the next Done continues at step 2.
    await harness.tap(user, "Done")
    assert "3 of 5" in harness.last_text(user)
    assert harness.server.unanswered_callback_queries() == []


def update_from(chat_id: int, update_id: int) -> Update:
    person = User(chat_id, "Ana", is_bot=False)
    message = Message(1, datetime.now(UTC), Chat(chat_id, "private"), from_user=person, text="hi")
    return Update(update_id, message=message)


async def test_one_chats_updates_run_in_delivery_order_others_meanwhile() -> None:
    processor = PerChatUpdateProcessor(max_concurrent=4)
    await processor.initialize()
    seen: list[tuple[int, int]] = []

    async def work(chat: int, n: int, pause: int) -> None:
        for _ in range(pause):  # later updates of a chat must still wait for earlier ones
            await asyncio.sleep(0)
        seen.append((chat, n))

    jobs = [
        asyncio.ensure_future(
            processor.process_update(update_from(chat, n), work(chat, n, pause=10 - 2 * n))
        )
        for chat in (1, 2, 3)
        for n in range(5)
    ]
    await asyncio.gather(*jobs)
    for chat in (1, 2, 3):
        assert [n for c, n in seen if c == chat] == [0, 1, 2, 3, 4]
    assert seen.index((2, 0)) < seen.index((1, 4)), "other chats waited for chat 1"
    assert ordering_key(object()) == ordering_key(None)
