"""Daily reminders through the loopback Bot API: timing, DST, zones, restarts and errors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import texts
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import deliveries
from bot.db.deliveries import DeliveryStatus
from bot.db.engine import AsyncSession, create_engine, create_session_factory
from bot.db.models import Delivery
from loopback import LoopbackBotAPI
from loopback.server import SimUser
from tests.harness.bot import BotHarness, database_url, make_settings, onboard

REMINDER = "Time for your back stretches"


@contextlib.asynccontextmanager
async def harness_sessions(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on the bot's database while the bot itself is stopped."""
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def reminders_to(harness: BotHarness, user: SimUser) -> list[str]:
    return [t for t in harness.bot_texts(user) if REMINDER in t or "snoozed reminder" in t]


async def deliveries_of(harness: BotHarness, user: SimUser) -> list[Delivery]:
    async with harness.services.sessions() as session:
        rows = await session.scalars(
            select(Delivery).where(Delivery.user_id == user.id).order_by(Delivery.local_date)
        )
        return list(rows)


async def test_reminder_arrives_at_the_local_time_with_its_buttons(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    # Mon 2 Mar 09:00 UTC → next is Tue 3 Mar 07:30 CET = 06:30 UTC.
    harness.clock.set(datetime(2026, 3, 3, 6, 29, 59, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 0
    report = await harness.advance(timedelta(seconds=1))
    assert report.sent == 1
    message = harness.server.last_bot_message(user.id)
    assert REMINDER in (message.text or "")
    labels = message.button_labels()
    assert labels == ["▶️ Start routine", "😴 Snooze 30 min", "⏭ Skip today"]
    # Nothing more that day, however often the dispatcher runs.
    for _ in range(3):
        assert (await harness.advance(timedelta(hours=5))).sent == 0
    # The next local day brings the next one.
    harness.clock.set(datetime(2026, 3, 4, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    assert len(reminders_to(harness, user)) == 2


async def test_berlin_dst_keeps_local_time_and_skipped_hour_moves_forward(
    harness: BotHarness,
) -> None:
    early = harness.new_user("Early")
    late_night = harness.new_user("Night")
    await onboard(harness, early, at="07:30", zone="Europe/Berlin")
    await onboard(harness, late_night, at="02:30", zone="Europe/Berlin")
    # Saturday 28 March: CET (UTC+1). Sunday 29 March: CEST (UTC+2); 02:00-03:00 is skipped.
    harness.clock.set(datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    await harness.dispatch()  # catch-up of earlier days is beyond grace: missed, not sent
    sent_before = len(reminders_to(harness, early))
    harness.clock.set(datetime(2026, 3, 28, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [early.id]
    # 02:30 on the 29th doesn't exist; it moves forward to 03:30 CEST = 01:30 UTC.
    harness.clock.set(datetime(2026, 3, 29, 1, 29, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 0
    harness.clock.set(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [late_night.id]
    # 07:30 CEST on the 29th is 05:30 UTC, not 06:30.
    harness.clock.set(datetime(2026, 3, 29, 5, 30, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [early.id]
    assert len(reminders_to(harness, early)) == sent_before + 2


async def test_new_york_fall_back_and_repeated_hour(harness: BotHarness) -> None:
    user = harness.new_user()
    night = harness.new_user("Night")
    await onboard(harness, user, at="07:00", zone="America/New_York")
    await onboard(harness, night, at="01:30", zone="America/New_York")
    harness.clock.set(datetime(2026, 10, 31, 10, 59, tzinfo=UTC))
    await harness.dispatch()
    # Sat 31 Oct: EDT (UTC-4) → 07:00 is 11:00 UTC.
    assert (await harness.advance(timedelta(minutes=1))).sent_user_ids == [user.id]
    # Sun 1 Nov 01:30 happens twice; the first (EDT) is 05:30 UTC.
    harness.clock.set(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [night.id]
    harness.clock.set(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # the second 01:30 (EST)
    assert (await harness.dispatch()).sent == 0
    # Sun 1 Nov: EST (UTC-5) → 07:00 is 12:00 UTC, not 11:00.
    harness.clock.set(datetime(2026, 11, 1, 11, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 0
    harness.clock.set(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [user.id]


async def test_zones_at_plus_14_and_minus_11(harness: BotHarness) -> None:
    kiritimati = harness.new_user("Kiri")
    pago = harness.new_user("Pago")
    await onboard(harness, kiritimati, at="08:00", zone="Pacific/Kiritimati")
    await onboard(harness, pago, at="08:00", zone="Pacific/Pago_Pago")
    # 08:00 on Wed 4 Mar at UTC+14 is 18:00 UTC on Tue 3 Mar.
    harness.clock.set(datetime(2026, 3, 3, 18, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [kiritimati.id]
    # 08:00 on Tue 3 Mar at UTC-11 is 19:00 UTC on Tue 3 Mar.
    harness.clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [pago.id]
    kiri_days = [d.local_date.isoformat() for d in await deliveries_of(harness, kiritimati)]
    pago_days = [d.local_date.isoformat() for d in await deliveries_of(harness, pago)]
    assert kiri_days[-1] == "2026-03-04" and pago_days[-1] == "2026-03-03"


async def test_weekdays_limit_reminders(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.send(user, "/settings")
    await harness.tap(user, "Days")
    for day in ("Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        await harness.tap(user, day)
    sent_days = []
    for day in range(3, 17):  # Tue 3 Mar .. Mon 16 Mar
        harness.clock.set(datetime(2026, 3, day, 7, 0, tzinfo=UTC))
        if (await harness.dispatch()).sent:
            sent_days.append(day)
    assert sent_days == [9, 16]  # Mondays only


async def test_restart_in_the_middle_of_a_dispatch(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    """Sent ones are not sent again; the one on the wire when the process died is recorded
    as uncertain and never sent again (Telegram delivers it late: exactly one copy)."""
    harness = BotHarness(server, make_settings(server, database_url(tmp_path)), clock)
    await harness.start()
    try:
        users = [harness.new_user(f"U{i}") for i in range(3)]
        for user in users:
            await onboard(harness, user, at="07:00", zone="UTC")
        clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
        # Held on the wire until released below (a fixed delay ran out under load in CI).
        server.delay_next("sendMessage", 120.0, chat_id=users[2].id)
        since = len(server.calls)
        dispatch = asyncio.create_task(harness.dispatch())
        # The third reminder is on the wire (Telegram is slow to answer) ...
        await server.wait_for_call(
            "sendMessage", lambda c: c.chat_id == users[2].id, since=since, completed=False
        )
        # ... and the first two are sent and recorded.
        statuses: dict[int, str] = {}

        async def recorded() -> bool:
            for user in users:
                statuses[user.id] = (await deliveries_of(harness, user))[-1].status
            return [statuses[u.id] for u in users[:2]] == ["sent", "sent"]

        async with asyncio.timeout(5):
            while not await recorded():  # noqa: ASYNC110 - waiting on the dispatcher task
                await asyncio.sleep(0.01)
        assert statuses[users[2].id] == "sending"
        await harness.stop()  # the process dies mid-request (its row stays "sending")
        dispatch.cancel()
        await asyncio.gather(dispatch, return_exceptions=True)
        # Telegram delivers the slow one anyway.
        server.release_delays()
        async with asyncio.timeout(10):
            while len(reminders_to(harness, users[2])) < 1:  # noqa: ASYNC110 - server state
                await asyncio.sleep(0.01)
        async with harness_sessions(harness.settings) as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.user_id == users[2].id)
                .values(status="sending", message_id=None)
            )
            await session.commit()
        await harness.start()
        # Within the claim lease nobody touches the half-done one...
        assert (await harness.advance(timedelta(seconds=30))).uncertain == 0
        # ...after it, it is recorded as uncertain and never sent again.
        report = await harness.advance(timedelta(minutes=3))
        assert report.sent_user_ids == [] and report.uncertain == 1
        assert [d.status for d in await deliveries_of(harness, users[2])] == ["uncertain"]
        for user in users:
            assert len(reminders_to(harness, user)) == 1, user.first_name
    finally:
        await harness.stop()


async def test_claimed_but_unsent_rows_are_taken_over_after_the_lease(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    """A process that claimed rows and died before writing their requests loses nothing:
    another takes the rows over once their lease lapsed (with an apology for the delay),
    and the late holder's own attempt is fenced out."""
    harness = BotHarness(server, make_settings(server, database_url(tmp_path)), clock)
    await harness.start()
    try:
        users = [harness.new_user(f"U{i}") for i in range(2)]
        for user in users:
            await onboard(harness, user, at="07:00", zone="UTC")
        clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
        await harness.services.dispatcher.run_once(keep_going=lambda: False)  # rows only
        async with harness.services.sessions() as session, session.begin():
            rows = list(await session.scalars(select(Delivery)))
            assert [r.status for r in rows] == ["pending", "pending"]
            # A dead process's claims: a token, a lease that runs to 07:02.
            await session.execute(
                update(Delivery).values(
                    status="claimed",
                    claim_token="dead" * 8,
                    claimed_at=clock.now(),
                    lease_until=clock.now() + timedelta(minutes=2),
                )
            )
        assert (await harness.advance(timedelta(seconds=90))).sent == 0  # lease still held
        report = await harness.advance(timedelta(seconds=60))
        assert sorted(report.sent_user_ids) == [u.id for u in users]
        assert report.taken_over == 2 and report.apologized == 2
        for user in users:
            texts = reminders_to(harness, user)
            assert len(texts) == 1 and "Sorry this comes late" in texts[0]
        # The dead process's token no longer holds anything.
        async with harness.services.sessions() as session:
            assert not await deliveries.holding(
                session, 1, "dead" * 8, DeliveryStatus.CLAIMED, status="sending"
            )
    finally:
        await harness.stop()


async def test_missed_reminder_sent_late_within_grace_otherwise_skipped(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.stop()  # the bot is down over Tuesday 07:00
    harness.clock.set(datetime(2026, 3, 3, 8, 45, tzinfo=UTC))
    await harness.start()
    assert (await harness.dispatch()).sent == 1  # 1 h 45 late: within the 2 h grace
    await harness.stop()  # down again over Wednesday 07:00, back after the grace window
    harness.clock.set(datetime(2026, 3, 4, 9, 30, tzinfo=UTC))
    await harness.start()
    report = await harness.dispatch()
    assert report.sent == 0 and report.missed == 1
    assert len(reminders_to(harness, user)) == 1
    harness.clock.set(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))  # Thursday is on time
    assert (await harness.dispatch()).sent == 1
    statuses = [d.status for d in await deliveries_of(harness, user)]
    assert statuses == ["sent", "missed", "sent"]


async def test_blocked_user_is_unsubscribed_and_others_still_get_theirs(
    harness: BotHarness,
) -> None:
    blocked, other = harness.new_user("Blocked"), harness.new_user("Other")
    gone = harness.new_user("Gone")
    for user in (blocked, other, gone):
        await onboard(harness, user, at="07:00", zone="UTC")
    harness.server.block(blocked)
    harness.server.deactivate(gone)
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    report = await harness.dispatch()
    assert report.sent_user_ids == [other.id]
    assert report.unsubscribed == 2
    for user in (blocked, gone):
        stored = await harness.services.preferences.get(user.id)
        assert stored is not None and not stored.subscribed and stored.next_due_at is None
        assert stored.time_zone == "UTC"  # data kept
    harness.clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent_user_ids == [other.id]


async def test_429_is_retried_after_the_time_telegram_asks(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    harness.server.fail_next("sendMessage", error_code=429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await harness.dispatch()).sent == 1
    assert loop.time() - started >= 0.9  # it waited as asked before sending again
    assert len(reminders_to(harness, user)) == 1


async def test_persistent_429_pauses_the_dispatcher(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    harness.server.fail_next("sendMessage", error_code=429, retry_after=1, times=3)
    report = await harness.dispatch()
    assert report.rate_limited and report.sent == 0
    assert (await harness.dispatch()).rate_limited  # still within the pause: nothing sent
    report = await harness.advance(timedelta(seconds=2))
    assert report.sent == 1
    assert len(reminders_to(harness, user)) == 1


async def test_read_timeout_is_uncertain_and_never_sent_again(
    server: LoopbackBotAPI, clock: ManualClock, tmp_path: Path
) -> None:
    """Telegram answers after the HTTP timeout but delivers the message: one copy, no retry."""
    settings = make_settings(server, database_url(tmp_path), http_timeout_seconds=1.0)
    harness = BotHarness(server, settings, clock)
    await harness.start()
    try:
        user = harness.new_user()
        await onboard(harness, user, at="07:00", zone="UTC")
        clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
        server.delay_next("sendMessage", 120.0, chat_id=user.id)
        report = await harness.dispatch()
        assert report.sent == 0 and report.uncertain == 1 and report.retried == 0
        server.release_delays()  # the slow call completes at the loopback
        async with asyncio.timeout(10):
            while len(reminders_to(harness, user)) < 1:  # noqa: ASYNC110 - server state
                await asyncio.sleep(0.01)
        for _ in range(3):
            assert (await harness.advance(timedelta(minutes=5))).sent == 0
        assert [d.status for d in await deliveries_of(harness, user)] == ["uncertain"]
        assert len(reminders_to(harness, user)) == 1
    finally:
        await harness.stop()


async def test_dropped_connection_and_500_are_uncertain(harness: BotHarness) -> None:
    names = ("Dropped", "Delivered", "Failed", "Fine")
    dropped, delivered, failed, fine = (harness.new_user(n) for n in names)
    for user in (dropped, delivered, failed, fine):
        await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    harness.server.drop_next("sendMessage", chat_id=dropped.id)
    harness.server.drop_after_next("sendMessage", chat_id=delivered.id)  # arrived, no answer
    harness.server.fail_next("sendMessage", error_code=500, chat_id=failed.id)
    report = await harness.dispatch()
    assert report.sent_user_ids == [fine.id] and report.uncertain == 3
    assert (await harness.advance(timedelta(hours=1))).sent == 0
    for user in (dropped, delivered, failed):
        assert [d.status for d in await deliveries_of(harness, user)] == ["uncertain"]
    assert len(reminders_to(harness, delivered)) == 1  # exactly the one copy


async def test_snooze_sends_again_once_and_double_taps_are_harmless(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    await harness.double_tap(user, "Snooze")
    assert "07:30" in harness.last_text(user)
    # The second tap says when it comes (was: "already snoozed once today", tester 6 #10).
    assert harness.server.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "Already snoozed: I'll remind you again at 07:30."
    )
    assert (await harness.advance(timedelta(minutes=29))).sent == 0
    assert (await harness.advance(timedelta(minutes=1))).sent == 1
    again = harness.server.last_bot_message(user.id)
    assert "snoozed reminder" in (again.text or "")
    assert "Snooze" not in " ".join(again.button_labels())
    assert (await harness.advance(timedelta(hours=2))).sent == 0


async def test_skip_marks_the_day_done(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    await harness.dispatch()
    await harness.double_tap(user, "Skip")
    assert "Skipped today" in harness.last_text(user)
    assert harness.server.calls_to("answerCallbackQuery")[-1].params["text"] == (
        "This reminder was already handled."
    )
    assert [d.status for d in await deliveries_of(harness, user)] == ["skipped"]
    # Changing the time to later today does not bring a second reminder today.
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.send(user, "18:00")
    assert (await harness.advance(timedelta(hours=11))).sent == 0
    harness.clock.set(datetime(2026, 3, 4, 18, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1


async def test_no_reminder_after_a_routine_was_done_that_day(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="18:00", zone="America/New_York")
    harness.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # 07:00 in New York
    await harness.send(user, "/stretch")
    await harness.tap(user, "Desk break")
    await harness.tap(user, "No thanks")
    while "Done" in " ".join(harness.server.last_bot_message(user.id).button_labels()):
        await harness.tap(user, "Done")
    # What /settings and /start promise is the reminder that will really come: not today's.
    await harness.send(user, "/settings")
    assert "Next reminder: Wed 4 Mar, 18:00" in harness.last_text(user)
    await harness.send(user, "/start")
    assert "Next reminder: Wed 4 Mar, 18:00" in harness.last_text(user)
    harness.clock.set(datetime(2026, 3, 3, 23, 0, tzinfo=UTC))  # 18:00 in New York
    report = await harness.dispatch()
    assert report.sent == 0 and report.already_done == 1
    harness.clock.set(datetime(2026, 3, 4, 23, 0, tzinfo=UTC))  # the next day: reminded again
    assert (await harness.dispatch()).sent == 1


async def test_chat_not_found_unsubscribes(harness: BotHarness) -> None:
    gone, other = harness.new_user("Gone"), harness.new_user("Other")
    for user in (gone, other):
        await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    harness.server.fail_next(
        "sendMessage", error_code=400, description="Bad Request: chat not found", chat_id=gone.id
    )
    report = await harness.dispatch()
    assert report.sent_user_ids == [other.id] and report.unsubscribed == 1
    stored = await harness.services.preferences.get(gone.id)
    assert stored is not None and not stored.subscribed


# Snoozing late in the evening: the time shown says which day when it isn't today's.
SNOOZE_ACROSS_MIDNIGHT = [
    # zone, reminder time, when Snooze is tapped (UTC), what the snooze says, local time due
    ("Europe/Berlin", "23:30", datetime(2026, 3, 3, 22, 30, tzinfo=UTC), "tomorrow at 00:00"),
    ("Europe/Berlin", "23:00", datetime(2026, 3, 3, 22, 10, tzinfo=UTC), "at 23:40"),
    ("UTC", "23:45", datetime(2026, 3, 3, 23, 59, tzinfo=UTC), "tomorrow at 00:29"),
    # Santiago turns its clocks back at midnight (Sat 4 Apr 2026, 24:00 -03 → 23:00 -04):
    # a snooze at 23:45 falls due at 23:15 on the same Saturday.
    ("America/Santiago", "23:30", datetime(2026, 4, 5, 2, 45, tzinfo=UTC), "at 23:15"),
    # ... and forward at midnight (Sat 5 Sep 2026, 24:00 -04 → Sun 01:00 -03).
    ("America/Santiago", "23:30", datetime(2026, 9, 6, 3, 45, tzinfo=UTC), "tomorrow at 01:15"),
]


@pytest.mark.parametrize(("zone", "at", "tapped", "said"), SNOOZE_ACROSS_MIDNIGHT)
async def test_a_snooze_says_which_day_it_comes_back(
    harness: BotHarness, zone: str, at: str, tapped: datetime, said: str
) -> None:
    user = harness.new_user()
    harness.clock.set(tapped - timedelta(hours=12))
    await onboard(harness, user, at=at, zone=zone)
    harness.clock.set(tapped - timedelta(minutes=15))
    if (await harness.dispatch()).sent == 0:  # the reminder is due later in that quarter
        harness.clock.set(tapped)
        assert (await harness.dispatch()).sent == 1
    harness.clock.set(tapped)
    await harness.tap(user, "Snooze")
    text = harness.last_text(user)
    assert f"I'll remind you again {said}." in text, text
    if not said.startswith("at "):
        assert "tomorrow" in said or said.startswith("on ")
    # The snoozed reminder comes when the text said, by the local clock.
    report = await harness.advance(timedelta(minutes=30))
    assert report.sent == 1
    assert "snoozed reminder" in harness.last_text(user)


def test_a_time_on_another_local_day_says_the_day() -> None:
    """Every future clock time the bot shows goes through texts.at_local_time."""
    from zoneinfo import ZoneInfo

    from bot import texts

    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 3, 23, 30, tzinfo=berlin)  # a Tuesday
    assert texts.at_local_time(now + timedelta(minutes=20), now) == "at 23:50"
    assert texts.at_local_time(now + timedelta(minutes=30), now) == "tomorrow at 00:00"
    assert texts.at_local_time(now + timedelta(days=2), now) == "on Thu at 23:30"
    assert texts.at_local_time(now + timedelta(days=9), now) == "on Thu 12 Mar at 23:30"
    # DST: Sun 29 Mar 2026, 01:45 + 30 min is 03:15 in Berlin, the same day.
    before = datetime(2026, 3, 29, 0, 45, tzinfo=UTC).astimezone(berlin)
    after = (datetime(2026, 3, 29, 0, 45, tzinfo=UTC) + timedelta(minutes=30)).astimezone(berlin)
    assert texts.at_local_time(after, before) == "at 03:15"


async def test_an_earlier_days_reminder_after_a_week_away(harness: BotHarness) -> None:
    """After a clock jump, the 5-day-old reminder and today's both show buttons. The old
    one's Skip and Snooze leave today's reminder alone and say so; its Start still starts a
    routine, saying the reminder was an earlier day's; today's Skip then says in its
    message that the routine answered it."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    old = harness.server.last_bot_message(user.id).message_id
    harness.clock.set(datetime(2026, 3, 8, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    today = harness.server.last_bot_message(user.id).message_id
    assert today != old

    def answered() -> str:
        return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text"))

    await harness.tap(user, "Snooze", message_id=old)  # its Skip: tests/test_flow_ends.py
    assert answered() == texts.OLD_REMINDER
    newest = max(await deliveries_of(harness, user), key=lambda d: d.local_date)
    assert newest.status == DeliveryStatus.SENT and not newest.snoozed
    assert (await harness.advance(timedelta(minutes=31))).sent == 0  # nothing was snoozed

    await harness.tap(user, "Start routine", message_id=old)
    assert answered().startswith("That reminder was from an earlier day. Starting ")
    assert harness.server.message(user.id, old).button_labels() == []

    await harness.tap(user, "Skip today", message_id=today)
    said = texts.reminder_answered("skip")
    assert answered() == said
    shown = harness.server.message(user.id, today)
    assert shown.text == said and shown.button_labels() == []
    newest = max(await deliveries_of(harness, user), key=lambda d: d.local_date)
    assert newest.status == DeliveryStatus.SENT  # the routine answered it, not a skip
