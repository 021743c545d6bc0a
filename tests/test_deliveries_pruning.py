"""Old delivery rows are deleted (DELIVERY_RETENTION_DAYS) in batches from the dispatcher's
pass, on a real SQLite file and a real PostgreSQL, with the injected clock: the table stays
at about two weeks of rows per user, rows still in progress are never deleted, and the
at-most-once promise holds after pruning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text

from bench.dbcost import InstantSender
from bench.instrument import SqlCounter
from bot import callbacks, texts
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.engine import create_engine, create_session_factory, create_write_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Delivery, User
from bot.reminders import PRUNE_EVERY, ReminderDispatcher
from loopback import SimUser
from tests.harness.bot import BotHarness, database_url, onboard
from tests.harness.snapshot import snapshot

REMINDER = "Time for your back stretches"


async def rows_of(harness: BotHarness, user_id: int) -> list[Delivery]:
    async with harness.services.sessions() as session:
        found = await session.scalars(
            select(Delivery).where(Delivery.user_id == user_id).order_by(Delivery.local_date)
        )
        return list(found)


async def test_three_weeks_of_reminders_leave_two_weeks_of_rows(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    first = date(2026, 3, 3)  # onboarded Mon 2 Mar 09:00 UTC
    pruned = 0
    for day in range(21):
        harness.clock.set(datetime.combine(first + timedelta(days=day), datetime.min.time(), UTC))
        harness.clock.advance(timedelta(hours=7))
        report = await harness.dispatch()
        assert report.sent == 1, day
        pruned += report.pruned
    now = harness.clock.now()
    assert now == datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
    kept = await rows_of(harness, user.id)
    daily = [row.local_date for row in kept if row.kind == DeliveryKind.DAILY]
    # The default retention is 14 days after the last attempt: 9 Mar 07:00 is exactly that.
    assert daily == [date(2026, 3, 9) + timedelta(days=n) for n in range(15)]
    assert all(row.next_attempt_at >= now - timedelta(days=14) for row in kept)
    assert pruned == 6  # 3-8 Mar's reminders (the weekly summaries, Mondays from 9 Mar, stay)
    assert len([t for t in harness.bot_texts(user) if REMINDER in t]) == 21

    # At most once still holds: a later time today brings nothing more today...
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.send(user, "18:00")
    assert (await harness.advance(timedelta(hours=11, minutes=1))).sent == 0
    # ...and tomorrow's comes once.
    harness.clock.set(datetime(2026, 3, 24, 18, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    assert (await harness.advance(timedelta(hours=3))).sent == 0
    assert len([t for t in harness.bot_texts(user) if REMINDER in t]) == 22
    # The buttons of a reminder whose row is gone say so and change nothing.
    oldest = next(m for m in harness.server.bot_messages(user.id) if REMINDER in (m.text or ""))
    before = await snapshot(harness)
    await harness.tap(user, "Snooze", message_id=oldest.message_id)
    await harness.tap(user, "Start routine", message_id=oldest.message_id)
    answers = harness.server.calls_to("answerCallbackQuery")[-2:]
    assert [call.params.get("text") for call in answers] == [texts.OLD_REMINDER] * 2
    # An id that never existed is still just invalid.
    await harness.forge(user, oldest.message_id, f"r:go:{2**40}")
    last = harness.server.calls_to("answerCallbackQuery")[-1]
    assert last.params.get("text") == texts.INVALID_BUTTON
    assert await snapshot(harness) == before


async def seed(url: str, *, users: int, days: int, today: date) -> None:
    """`users` users, each with `days` sent daily rows ending yesterday (07:00 UTC), plus an
    old row still claimed and an old one still sending by another process (lease ahead)."""
    await upgrade(url)
    engine = create_engine(url)
    now = datetime.combine(today, datetime.min.time(), UTC)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(
                insert(User),
                [{"id": 500 + n, "chat_id": 500 + n, "created_at": now} for n in range(users)],
            )
            rows: list[dict[str, Any]] = []
            for n in range(users):
                for back in range(1, days + 1):
                    due = now - timedelta(days=back) + timedelta(hours=7)
                    rows.append(
                        {
                            "user_id": 500 + n,
                            "kind": "daily",
                            "local_date": due.date(),
                            "due_at": due,
                            "next_attempt_at": due,
                            "status": "sent",
                            "sent_at": due,
                            "attempts": 1,
                            "snoozed": False,
                        }
                    )
            for back, status in ((days + 5, "claimed"), (days + 6, "sending")):
                due = now - timedelta(days=back)
                rows.append(
                    {
                        "user_id": 500,
                        "kind": "weekly",
                        "local_date": due.date(),
                        "due_at": due,
                        "next_attempt_at": due,
                        "status": status,
                        "claim_token": status,
                        "lease_until": now + timedelta(days=30),
                        "attempts": 1,
                        "snoozed": False,
                    }
                )
            await session.execute(insert(Delivery), rows)
    finally:
        await engine.dispose()


async def test_pruning_goes_in_short_batches_and_keeps_rows_in_progress(tmp_path: Path) -> None:
    url = database_url(tmp_path)
    today = date(2026, 6, 1)
    await seed(url, users=30, days=40, today=today)  # 1,200 sent rows, 780 past 14 days
    clock = ManualClock(datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=1))
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    dispatcher = ReminderDispatcher(
        sessions,
        clock,
        InstantSender(),
        timedelta(hours=2),
        write_sessions=create_write_session_factory(engine),
        retention=timedelta(days=14),
        prune_batch=100,
        prune_batches=3,
    )

    async def count(*statuses: DeliveryStatus) -> int:
        async with sessions() as session:
            return len(
                list(
                    await session.scalars(
                        select(Delivery.id).where(Delivery.status.in_([s.value for s in statuses]))
                    )
                )
            )

    try:
        passes: list[tuple[int, int, int]] = []
        for _ in range(4):
            with SqlCounter() as sql:
                report = await dispatcher.run_once()
            deletes = sum(n for kind, n in sql.by_kind.items() if kind.startswith("DELETE"))
            passes.append((report.pruned, deletes, sql.commits))
        # Each pass: at most 3 batches of at most 100 rows, one statement and one commit
        # each; a pass that is not caught up is continued by the next one; once caught up,
        # nothing until PRUNE_EVERY has passed.
        assert [(pruned, deletes) for pruned, deletes, _ in passes] == [
            (300, 3),
            (300, 3),
            (180, 2),
            (0, 0),
        ]
        baseline = passes[-1][2]  # the pass's own transactions (planning, claiming)
        assert [commits - baseline for _, _, commits in passes] == [3, 3, 2, 0]
        assert await count(DeliveryStatus.SENT) == 30 * 14
        assert await count(DeliveryStatus.CLAIMED, DeliveryStatus.SENDING) == 2
        clock.advance(PRUNE_EVERY)
        with SqlCounter() as sql:
            assert (await dispatcher.run_once()).pruned == 0
        assert sum(n for kind, n in sql.by_kind.items() if kind.startswith("DELETE")) == 1
        # A day later, one more day per user has passed the retention.
        clock.advance(timedelta(days=1))
        assert (await dispatcher.run_once()).pruned == 30
        assert await count(DeliveryStatus.CLAIMED, DeliveryStatus.SENDING) == 2
    finally:
        await engine.dispose()


@pytest.mark.parametrize("days", ["0", "7"])
def test_a_retention_shorter_than_what_the_bot_reads_is_refused(days: str) -> None:
    with pytest.raises(ConfigError, match="DELIVERY_RETENTION_DAYS"):
        load_settings(_env_file=None, delivery_retention_days=days)


def reminder_data(harness: BotHarness, user: SimUser, message_id: int) -> dict[str, str]:
    """The callback data of a reminder message's buttons, by action (go, snooze, skip)."""
    found: dict[str, str] = {}
    for button in harness.server.message(user.id, message_id).buttons():
        parsed = callbacks.parse_reminder_action(str(button["callback_data"]))
        if parsed is not None:
            found[parsed.action] = str(button["callback_data"])
    return found


async def test_a_reminders_buttons_are_known_by_their_day_not_by_their_id(
    harness: BotHarness,
) -> None:
    """After a restore from an older backup, a lost reminder's id is handed out again to
    the next day's row. Its old buttons carry their own day, so they say they're from an
    earlier day instead of skipping or starting today's reminder (with "an id below every
    stored one", Skip on Tuesday's message skipped Wednesday's)."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # Tuesday
    assert (await harness.dispatch()).sent == 1
    tuesday = harness.server.last_bot_message(user.id).message_id
    [lost] = await rows_of(harness, user.id)
    assert reminder_data(harness, user, tuesday)["skip"] == f"r:skip:{lost.id}:20260303"
    # The backup was taken before Tuesday's row: it is gone and its id comes back.
    async with harness.services.sessions() as session, session.begin():
        await session.execute(delete(Delivery).where(Delivery.id == lost.id))
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence('deliveries', 'id'), :id, false)"),
                {"id": lost.id},
            )
    harness.clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))  # Wednesday
    assert (await harness.dispatch()).sent == 1
    [wednesday_row] = await rows_of(harness, user.id)
    assert (wednesday_row.id, wednesday_row.local_date) == (lost.id, date(2026, 3, 4))

    before = await snapshot(harness)
    shown = reminder_data(harness, user, tuesday)  # Skip takes them off Tuesday's message
    for action in ("snooze", "go", "skip"):
        await harness.press(user, tuesday, shown[action])
        answered = harness.server.calls_to("answerCallbackQuery")[-1]
        assert answered.params.get("text") == texts.OLD_REMINDER, action
    assert await snapshot(harness) == before  # Wednesday's reminder untouched, no routine
    # Wednesday's own buttons work.
    await harness.tap(user, "Skip today")
    [skipped] = await rows_of(harness, user.id)
    assert skipped.status == DeliveryStatus.SKIPPED


async def test_unknown_reminder_buttons_by_their_day(harness: BotHarness) -> None:
    """A reminder button whose row doesn't exist: from an earlier local day (in the user's
    zone) it says so; of today, or forged without a day, it is just invalid. A button sent
    before buttons carried their day still works while its row exists."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="Pacific/Kiritimati")  # UTC+14
    harness.clock.set(datetime(2026, 3, 3, 17, 0, tzinfo=UTC))  # 07:00 on Wed 4 Mar there
    assert (await harness.dispatch()).sent == 1
    message = harness.server.last_bot_message(user.id).message_id
    [row] = [r for r in await rows_of(harness, user.id) if r.status == DeliveryStatus.SENT]
    assert row.local_date == date(2026, 3, 4)  # (Tuesday's there was missed: a day late)
    before = await snapshot(harness)
    unknown = row.id + 1000
    cases = [
        (callbacks.reminder_action("skip", unknown, date(2026, 3, 3)), texts.OLD_REMINDER),
        (callbacks.reminder_action("go", unknown, date(2026, 3, 3)), texts.OLD_REMINDER),
        # Tuesday 3 Mar in UTC, but already Wednesday in Kiritimati: today there.
        (callbacks.reminder_action("skip", unknown, date(2026, 3, 4)), texts.INVALID_BUTTON),
        (f"r:snooze:{unknown}", texts.INVALID_BUTTON),
        # The row exists but is another day's: a forged day.
        (callbacks.reminder_action("skip", row.id, date(2026, 3, 5)), texts.INVALID_BUTTON),
    ]
    for data, expected in cases:
        await harness.forge(user, message, data)
        answered = harness.server.calls_to("answerCallbackQuery")[-1]
        assert answered.params.get("text") == expected, data
    assert await snapshot(harness) == before
    await harness.forge(user, message, f"r:snooze:{row.id}")  # an older version's button
    snoozed = next(r for r in await rows_of(harness, user.id) if r.id == row.id)
    assert snoozed.snoozed and snoozed.status == DeliveryStatus.PENDING
