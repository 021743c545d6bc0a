"""The reminder sender's prepared advice (`TelegramDeliverySender.prepare`: rest advised,
persistent pain, bad day, read once per claim) belongs to one claim of one row: what a
reminder says about someone's back must never come from an older claim. The real bot on
the loopback Bot API and the suite's database (SQLite, or PostgreSQL with --db=postgresql);
the sender is the one the bot builds (bot/app.py), driven as the dispatcher drives it:
`prepare` with the rows of a claim, `send` with each of those same row objects."""

from __future__ import annotations

import gc
from datetime import timedelta

from bench.instrument import SqlCounter
from bot.db import deliveries as deliveries_db
from bot.db import users as users_db
from bot.db.deliveries import DeliveryKind
from bot.db.models import Delivery, User
from bot.handlers.progress import WeeklySummarySender
from bot.handlers.reminders import TelegramDeliverySender
from bot.services.program import ProgramService
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry

REST_ADVISED = "Your back hurt within the last day"
CHEERFUL = "Time for your back stretches"
HANDED_BACK = 5_000  # more than the 4,096 entries the advice used to be cleared at


def _sender(harness: BotHarness) -> TelegramDeliverySender:
    """A sender built as the bot builds its own (bot/app.py)."""
    assert harness.app is not None
    svc = harness.services
    program = ProgramService(svc.sessions, svc.clock, svc.content, svc.pain)
    return TelegramDeliverySender(
        harness.app.bot,
        weekly=WeeklySummarySender(svc.pain, svc.content, program, svc.clock),
        pain=svc.pain,
        content=svc.content,
    )


async def _claim(harness: BotHarness, delivery_id: int) -> tuple[Delivery, User]:
    """The row and its user as a claim reads them: new objects on every claim."""
    async with harness.services.sessions() as session:
        delivery = await deliveries_db.get(session, delivery_id)
        assert delivery is not None
        user = await users_db.get(session, delivery.user_id)
        assert user is not None
    return delivery, user


async def _todays_reminder(harness: BotHarness) -> tuple[int, int]:
    """A user whose 10:30 (Berlin) reminder went out: (their id, the reminder's row id)."""
    user = harness.new_user()
    await onboard(harness, user, at="10:30")  # 09:30 UTC, half an hour from the start
    assert (await harness.advance(timedelta(minutes=31))).sent == 1
    async with harness.services.sessions() as session:
        [delivery_id] = await session.scalars(
            Delivery.__table__.select().with_only_columns(Delivery.id)
        )
    return user.id, delivery_id


async def test_a_row_claimed_again_never_gets_an_older_claims_advice(
    harness: BotHarness,
) -> None:
    """A claim prepared while the person's back was fine is handed back unsent (the bot
    stopped, or Telegram asked it to wait); they log an 8; the row's next claim could not
    read the advice (its `prepare` failed), so its send reads it itself. The reminder says
    to rest. Before, the first claim's advice was still kept under the row's id and the
    reminder said the cheerful "Time for your back stretches"."""
    user_id, delivery_id = await _todays_reminder(harness)
    sender = _sender(harness)
    first = await _claim(harness, delivery_id)
    await sender.prepare([first])
    del first  # handed back unsent
    await add_entry(harness, user_id, harness.clock.now(), 8)

    delivery, user = await _claim(harness, delivery_id)  # claimed again; prepare failed
    message_id = await sender.send(DeliveryKind.DAILY, user, delivery)
    text = harness.server.message(user_id, message_id).text or ""
    assert REST_ADVISED in text and CHEERFUL not in text, text


async def test_advice_of_a_claim_still_to_send_outlives_any_number_handed_back(
    harness: BotHarness,
) -> None:
    """The advice of a claim not sent yet is kept however many claims were prepared and
    handed back meanwhile (its send reads no rule again: before, the map was cleared wholesale
    past 4,096 entries and the send read again); those handed back leave nothing behind."""
    user_id, delivery_id = await _todays_reminder(harness)
    await add_entry(harness, user_id, harness.clock.now(), 8)
    sender = _sender(harness)
    delivery, user = await _claim(harness, delivery_id)
    await sender.prepare([(delivery, user)])
    for start in range(0, HANDED_BACK, 500):  # other rows' claims, prepared, handed back
        others = [
            (
                Delivery(id=-1 - i, user_id=-1 - i, kind=DeliveryKind.DAILY),
                User(id=-1 - i, time_zone="UTC"),
            )
            for i in range(start, start + 500)
        ]
        await sender.prepare(others)
        del others
    gc.collect()
    with SqlCounter() as sql:
        message_id = await sender.send(DeliveryKind.DAILY, user, delivery)
    # No read of the rules' tables (on PostgreSQL the send renews the rate budget's share).
    rules = {k: n for k, n in sql.by_kind.items() if "pain_entries" in k or "routine_runs" in k}
    assert rules == {}, sql.by_kind
    text = harness.server.message(user_id, message_id).text or ""
    assert REST_ADVISED in text, text
    assert len(sender._advice) == 0  # sent: dropped; handed back: gone with their claims
