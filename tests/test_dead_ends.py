"""Issue #8, "old keyboards, contradictions and dead ends", through the loopback Bot API.

What the bot says about the schedule is what will happen; an answered question's buttons go
or answer "That button isn't valid any more"; typed answers where buttons are expected are
accepted or told exactly which buttons are there; every question has a way out.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import texts
from bot.db.models import Delivery, MyRoutine
from loopback.model import SimMessage
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard

INVALID = "That button isn't valid any more."


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text") or "")


async def deliveries_of(harness: BotHarness, user: SimUser) -> list[Delivery]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(select(Delivery).where(Delivery.user_id == user.id))
        return list(rows)


async def seven_am_user(harness: BotHarness, zone: str = "UTC") -> SimUser:
    """A new user, onboarded for 07:00 in `zone`."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone=zone)
    return user


async def pause(harness: BotHarness, user: SimUser, choice: str) -> None:
    """/settings → Pause → `choice` ("1 day", "3 days", "Until I resume" ...)."""
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, choice)


# --- what the bot says about the schedule is what will happen ---------------------------


async def test_start_while_paused_says_paused_and_offers_resume(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    await pause(harness, user, "Until I resume")
    await harness.send(user, "/start")
    text = harness.last_text(user)
    assert "Paused until you resume" in text and "Reminders are on" not in text
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.paused_indefinitely and stored.next_due_at is None
    # The same words in /settings: both say paused.
    await harness.send(user, "/settings")
    assert "Paused until you resume" in harness.last_text(user)
    # The Resume button on the welcome really turns reminders on.
    await harness.send(user, "/start")
    await harness.tap(user, "Resume reminders")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.paused_indefinitely
    assert stored.next_due_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    assert "Reminders are <b>on</b>" not in harness.last_text(user)  # shown as HTML
    assert "Reminders are on." in harness.last_text(user)
    assert "Next reminder: Tue 3 Mar, 07:00" in harness.last_text(user)


async def test_timed_pause_says_when_reminders_resume(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    await pause(harness, user, "3 days")  # after Monday's 07:00: Tue, Wed and Thu
    await harness.send(user, "/start")
    text = harness.last_text(user)
    assert "resume on Fri 6 Mar" in text and "Next reminder: Fri 6 Mar, 07:00" in text


async def test_settings_after_stop_offers_turning_on_not_pause(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    await harness.send(user, "/settings")
    old_menu = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "/stop")
    await harness.send(user, "/settings")
    text = harness.last_text(user)
    labels = harness.server.last_bot_message(user.id).button_labels()
    assert "Reminders are off" in text and "no reminder will come" in text
    assert "🔔 Turn reminders on" in labels
    assert not any("Pause" in label or "Resume" in label for label in labels)
    # "Pause" on the menu from before /stop pauses nothing and says why.
    await harness.tap(user, "Pause", message_id=old_menu)
    assert "nothing to pause" in last_answer(harness)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and not stored.subscribed and not stored.paused_indefinitely
    # "Turn reminders on" really turns them on, and the next reminder arrives.
    await harness.tap(user, "Turn reminders on")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.subscribed
    assert stored.next_due_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
    assert "Next reminder: Tue 3 Mar, 07:00" in harness.last_text(user)
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1


async def test_snoozed_reminder_is_the_next_reminder_and_a_pause_cancels_it(
    harness: BotHarness,
) -> None:
    user = await seven_am_user(harness, "Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "Snooze")
    await harness.send(user, "/settings")
    assert "Next reminder (snoozed): Tue 3 Mar, 07:30 (Europe/Berlin)" in harness.last_text(user)
    await harness.send(user, "/start")
    assert "Next reminder (snoozed): Tue 3 Mar, 07:30" in harness.last_text(user)
    # A pause after the snooze: the snoozed reminder doesn't come either.
    await pause(harness, user, "1 day")
    assert "snoozed" not in harness.last_text(user)
    assert "Next reminder: Wed 4 Mar, 07:00" in harness.last_text(user)
    assert (await harness.advance(timedelta(minutes=30))).sent == 0


async def test_stop_cancels_a_snoozed_reminder(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    await harness.tap(user, "Snooze")
    await harness.send(user, "/stop")
    await harness.send(user, "/start")  # on again within the half hour
    assert "snoozed" not in harness.last_text(user)
    assert (await harness.advance(timedelta(minutes=30))).sent == 0


# --- reminder buttons after the routine started ------------------------------------------


async def test_skip_and_snooze_after_the_routine_started_say_so_in_the_message(
    harness: BotHarness,
) -> None:
    """A routine started after the reminder answers it: Skip says so in the message (like
    Snooze, the message tells what happened) and skips nothing."""
    user = await seven_am_user(harness)
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    reminder = harness.message_with_button(user, "Skip today")
    data = harness.server.message(user.id, reminder).callback_data()
    harness.clock.advance(timedelta(minutes=2))
    await harness.send(user, "/stretch")
    await harness.tap(user, "Gentle")
    await harness.tap(user, "Skip today", message_id=reminder)
    assert last_answer(harness) == texts.reminder_answered("skip")
    assert harness.server.message(user.id, reminder).text == texts.reminder_answered("skip")
    # Its keyboard is gone; a client still showing it (a second device) is told the same.
    snooze = next(d for d in data if d.startswith("r:snooze"))
    await harness.forge(user, reminder, snooze)
    assert last_answer(harness) == texts.reminder_answered("snooze")
    assert [d.status for d in await deliveries_of(harness, user)] == ["sent"]
    assert harness.server.message(user.id, reminder).button_labels() == []


# --- time zones: abbreviations and offsets -----------------------------------------------


async def test_zone_abbreviations_resolve_or_ask_which(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "PST")
    assert "America/Los Angeles" in harness.last_text(user)
    await harness.tap(user, "No")
    await harness.send(user, "IST")
    text = harness.last_text(user)
    assert "IST" in text and "Which one" in text
    labels = harness.server.last_bot_message(user.id).button_labels()
    assert any("India" in label for label in labels)
    assert any("Ireland" in label for label in labels)
    assert any("Israel" in label for label in labels)
    await harness.tap(user, "India")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.time_zone == "Asia/Kolkata" and stored.onboarded


async def test_offsets_out_of_range_say_the_valid_range(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    for typed in ("UTC+15", "GMT-13", "UTC+5:20"):
        await harness.send(user, typed)
        assert "UTC-12" in harness.last_text(user) and "UTC+14" in harness.last_text(user)
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.time_zone is None


async def test_cancel_is_in_help_and_the_command_menu(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/help")
    assert "/cancel" in harness.last_text(user)
    commands = harness.server.calls_to("setMyCommands")[-1].params["commands"]
    assert "cancel" in {c["command"] for c in commands}
    await harness.send(user, "/cancel")
    assert "no open question" in harness.last_text(user)


# --- every final message of /routines and /settings offers a way on ----------------------

#: Where a crawl follows buttons: /routines (list, cards, builder, share preview) and
#: /settings (menu, days, pause, routine, program, the time question). Runs (go:, gx:) and
#: other features' buttons are tapped and checked, not followed.
FOLLOWED = ("mr:", "mb:", "sh:", "s:", "dr:", "d:", "p:", "pg:", "t:", "q:")
#: Results that may end without a button: "✖️ Close" closes the settings on purpose.
ENDS_ON_PURPOSE = {"s:close"}


def button_kind(data: str) -> str:
    """A button's kind: its callback data with ids, versions and sequence numbers left
    out, every shipped routine as one, every stretch of the library as one and every
    link's preview tag as one."""
    data = re.sub(r"^(sh:[a-z]+):[0-9a-f]{8}$", r"\1:tag", data)  # a link's preview
    data = re.sub(r"u-\d+", "own", data)
    data = re.sub(r"\d+", "#", data)
    data = re.sub(r"^(mb:#:#:add):.*", r"\1", data)
    return re.sub(r"^(mr:[a-z]+|go|gx|dr):(?!own$)[a-z_]+$", r"\1:shipped", data)


def has_way_on(message: SimMessage) -> bool:
    return bool(message.button_labels())


async def crawl(
    harness: BotHarness, user: SimUser, command: str, follow: tuple[str, ...] = FOLLOWED
) -> list[str]:
    """Tap every kind of button reachable from `command` once, each reached afresh from the
    command's message along the shortest path of kinds; returns the kinds whose result (the
    last message the tap sent, else the tapped message as edited) has no way on: no button,
    and not an open question that takes a typed answer."""
    dead: list[str] = []
    seen: set[str] = set()
    queue: deque[list[str]] = deque()

    def discover(message: SimMessage, path: list[str]) -> None:
        for data in message.callback_data():
            kind = button_kind(data)
            if kind not in seen:
                seen.add(kind)
                queue.append([*path, kind])

    await harness.send(user, command)
    discover(harness.server.last_bot_message(user.id), [])
    while queue:
        path = queue.popleft()
        await harness.send(user, command)
        current = harness.server.last_bot_message(user.id)
        discover(current, [])  # what the command offers may change (a routine added)
        for step, kind in enumerate(path):
            data = next((d for d in current.callback_data() if button_kind(d) == kind), None)
            if data is None:  # the state changed on the way (a routine deleted): skip it
                break
            before = {m.message_id for m in harness.server.bot_messages(user.id)}
            await harness.press(user, current.message_id, data)
            sent = [m for m in harness.server.bot_messages(user.id) if m.message_id not in before]
            current = sent[-1] if sent else harness.server.message(user.id, current.message_id)
            if step == len(path) - 1:
                asked = await harness.services.preferences.question(user.id)
                typed = asked is not None and asked.message_id == current.message_id
                if not (typed or has_way_on(current)) and kind not in ENDS_ON_PURPOSE:
                    dead.append(f"{' → '.join(path)}: {current.text or current.caption}")
                if kind.startswith(follow):
                    discover(current, path)
    assert texts.ERROR not in harness.bot_texts(user)
    return dead


async def test_no_dead_ends_in_routines(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    now = harness.clock.now()
    async with harness.services.sessions() as session, session.begin():
        for name in ("Desk", "Evening"):  # two, so one is left to reach after a delete
            session.add(
                MyRoutine(
                    user_id=user.id,
                    name=name,
                    items='[{"stretch":"chair_twist"}]',
                    no_floor=False,
                    gentle=False,
                    progress=True,
                    from_link=False,
                    draft=False,
                    version=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    dead = await crawl(harness, user, "/routines")
    assert dead == [], "\n".join(dead)
    assert {"mr:dy:own", "mb:#:#:drop", "mr:s:own", "mr:def:own", "q:x:#"} <= _tapped(harness, user)


async def test_no_dead_ends_in_settings(harness: BotHarness) -> None:
    user = await seven_am_user(harness)
    dead = await crawl(harness, user, "/settings")
    assert dead == [], "\n".join(dead)
    assert {"s:pause", "p:#", "s:routine", "dr:shipped", "s:program", "t:#:#"} <= _tapped(
        harness, user
    )


def _tapped(harness: BotHarness, user: SimUser) -> set[str]:
    """The kinds of button the user pressed."""
    return {
        button_kind(str(q.data))
        for q in harness.server.callback_queries()
        if q.user.id == user.id and q.data
    }


async def test_no_dead_ends_from_a_share_link(harness: BotHarness) -> None:
    """A link's preview and what follows it (add, decline, already have, and before setup
    the way into it), for an onboarded user and a new one."""
    from bot.content import RoutineItem
    from bot.domain.share_codes import SharedRoutine

    code = harness.services.mine.codec.encode(
        SharedRoutine((RoutineItem(stretch="bridge"),), name="Evening")
    )
    for user in (await seven_am_user(harness), harness.new_user("Bo")):
        # "No thanks" first (adding, which the crawl does first, ends the preview for good).
        await harness.send(user, f"/start {code}")
        await harness.tap(user, "No thanks")
        declined = harness.server.last_bot_message(user.id)
        assert "Not added" in (declined.text or "") and has_way_on(declined)
        dead = await crawl(harness, user, f"/start {code}", follow=("sh:",))
        assert dead == [], "\n".join(dead)
        assert {"sh:keep:tag", "sh:no:tag", "mr:v:own"} <= _tapped(harness, user)
