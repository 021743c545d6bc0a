"""Tester 8's small findings at the ends of flows, through the loopback Bot API: a second
/stop, a reminder tapped or typed at after it was answered, and what /delete leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot import texts
from bot.db.models import User
from tests.harness.bot import BotHarness, onboard


async def test_a_second_stop_says_reminders_are_already_off(harness: BotHarness) -> None:
    """Tester 8 #6: /stop when reminders were already off repeated the goodbye, as if it
    had just turned them off. It says they are already off and changes nothing."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stop")
    assert harness.last_text(user) == texts.STOPPED
    async with harness.services.sessions() as session:
        before = await session.scalar(select(User).where(User.id == user.id))
    await harness.send(user, "/stop")
    assert harness.last_text(user) == texts.ALREADY_STOPPED
    assert harness.bot_texts(user).count(texts.STOPPED) == 1
    async with harness.services.sessions() as session:
        after = await session.scalar(select(User).where(User.id == user.id))
    assert before is not None and after is not None
    assert (after.subscribed, after.next_due_at) == (False, None)
    assert after.subscribed_at == before.subscribed_at
    await harness.send(user, "/start")
    await harness.send(user, "/stop")
    assert harness.last_text(user) == texts.STOPPED


async def test_typing_snooze_at_a_snoozed_reminder_says_until_when(harness: BotHarness) -> None:
    """Tester 8 #6: "snooze" typed after 😴 Snooze got "I'm not sure what to do with that".
    It says the reminder is snoozed already and when it comes; once the snoozed one has
    come (Start and Skip only), that a reminder snoozes once a day. Nothing changes."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "😴 Snooze 30 min")
    harness.clock.advance(timedelta(minutes=5))
    await harness.send(user, "snooze")
    assert harness.last_text(user) == "Already snoozed: I'll remind you again at 07:30."
    assert (await harness.advance(timedelta(minutes=25))).sent == 1  # still at 07:30
    await harness.send(user, "Snooze")
    assert harness.last_text(user) == texts.already_snoozed(None, harness.clock.now())
    assert (await harness.advance(timedelta(minutes=31))).sent == 0


async def test_skip_on_an_earlier_days_reminder_takes_its_buttons_away(
    harness: BotHarness,
) -> None:
    """Tester 8 #6: ⏭ Skip on an earlier day's reminder answered that it leaves today's
    reminder alone, and the old reminder kept all its buttons, as if nothing was chosen.
    It loses them and says it was skipped; today's reminder keeps its buttons and its
    snooze still works."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    old = harness.server.last_bot_message(user.id).message_id
    harness.clock.set(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    today = harness.server.last_bot_message(user.id).message_id
    await harness.tap(user, "Skip today", message_id=old)
    answered = harness.server.calls_to("answerCallbackQuery")[-1].params
    assert answered.get("text") == texts.OLD_REMINDER
    shown = harness.server.message(user.id, old)
    assert shown.text == texts.old_reminder_skipped(date(2026, 3, 3)), shown.text
    assert "Tue 3 Mar" in (shown.text or "") and shown.button_labels() == []
    assert len(harness.server.message(user.id, today).button_labels()) == 3
    await harness.tap(user, "Snooze", message_id=today)
    assert harness.server.message(user.id, today).text == (
        "😴 Snoozed. I'll remind you again at 07:30."
    )


async def test_after_delete_the_routine_picker_stars_nothing(harness: BotHarness) -> None:
    """Tester 8 #6: after /delete, /stretch still showed a ⭐ (the reminder routine) though
    everything was erased and no reminders are set up. Without reminders set up (after
    /delete, or before /start) no routine is starred; after setup the star is back."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    picker = harness.server.last_bot_message(user.id)
    assert any(label.startswith("⭐ ") for label in picker.button_labels())
    assert "⭐" in (picker.text or "")
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    await harness.send(user, "/stretch")
    picker = harness.server.last_bot_message(user.id)
    assert picker.button_labels() and "⭐" not in "".join(picker.button_labels())
    assert "⭐" not in (picker.text or ""), picker.text
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    picker = harness.server.last_bot_message(user.id)
    assert any(label.startswith("⭐ ") for label in picker.button_labels())
