"""A reminder's buttons and the local day they were for (r:...:<id>:<YYYYMMDD>): a reminder
that reaches the user after midnight (a late-evening reminder snoozed past midnight) is the
message they just got, not "a reminder from an earlier day"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot import texts
from bot.db.deliveries import DeliveryStatus
from bot.db.models import Delivery
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard


async def _tuesdays(harness: BotHarness, user: SimUser) -> Delivery:
    """The user's reminder row for Tue 3 Mar."""
    async with harness.services.sessions() as session:
        row = await session.scalar(
            select(Delivery).where(
                Delivery.user_id == user.id, Delivery.local_date == date(2026, 3, 3)
            )
        )
    assert row is not None
    return row


def _answered(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text"))


async def _snoozed_past_midnight(harness: BotHarness) -> tuple[SimUser, int]:
    """A 23:45 Berlin reminder on Tue 3 Mar, snoozed at 23:50: it comes again at 00:20 on
    Wed 4 Mar (local). Returns the user and the re-sent message's id."""
    user = harness.new_user()
    await onboard(harness, user, at="23:45", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 3, 22, 45, tzinfo=UTC))  # Tue 23:45 CET
    assert (await harness.dispatch()).sent == 1
    harness.clock.set(datetime(2026, 3, 3, 22, 50, tzinfo=UTC))
    await harness.tap(user, "Snooze")
    assert _answered(harness) == "Snoozed for 30 minutes"
    assert (await harness.advance(timedelta(minutes=30))).sent == 1  # Wed 00:20 CET
    again = harness.server.last_bot_message(user.id)
    assert "snoozed reminder" in (again.text or "")
    return user, again.message_id


async def test_skip_on_a_reminder_snoozed_past_midnight_skips_it(harness: BotHarness) -> None:
    user, again = await _snoozed_past_midnight(harness)
    harness.clock.advance(timedelta(minutes=1))
    await harness.tap(user, "Skip today", message_id=again)
    assert _answered(harness) == "Skipped today"
    assert harness.server.message(user.id, again).text == texts.SKIPPED
    assert (await _tuesdays(harness, user)).status == DeliveryStatus.SKIPPED


async def test_start_on_a_reminder_snoozed_past_midnight_is_no_earlier_days(
    harness: BotHarness,
) -> None:
    user, again = await _snoozed_past_midnight(harness)
    harness.clock.advance(timedelta(minutes=1))
    await harness.tap(user, "Start routine", message_id=again)
    assert _answered(harness).startswith("Starting ")


async def test_a_reminder_sent_the_day_before_is_still_an_earlier_days(
    harness: BotHarness,
) -> None:
    """The rule stays: the reminder that went out on Tue 23:45, tapped after midnight, is
    Tuesday's; its Skip leaves Wednesday's reminder alone and says so."""
    user = harness.new_user()
    await onboard(harness, user, at="23:45", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 3, 22, 45, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    harness.clock.set(datetime(2026, 3, 3, 23, 5, tzinfo=UTC))  # Wed 00:05 CET
    await harness.tap(user, "Skip today")
    assert _answered(harness) == texts.OLD_REMINDER
    assert (await _tuesdays(harness, user)).status == DeliveryStatus.SENT
