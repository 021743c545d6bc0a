"""The weekly summary through the loopback Bot API: on Monday at the reminder time, about
the Monday-Sunday week that just ended (Sunday counted), never about a week the user wasn't
subscribed for, at most one a week across time, zone and subscription changes and across
the move from Sunday to Monday (old Sunday rows and plans, the migration)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select

from bot.clock import ManualClock
from bot.db.migrate import upgrade
from bot.db.models import Delivery, User
from loopback.server import LoopbackBotAPI, SimMessage, SimUser
from tests.harness.bot import BotHarness, database_url, make_settings, onboard
from tests.harness.seed import add_run
from tests.test_migrations import insert_row, run_sync


def summaries(harness: BotHarness, user: SimUser) -> list[SimMessage]:
    """The weekly summaries the user got: the chart (a photo) or a quiet week's note."""
    return [
        m
        for m in harness.server.bot_messages(user.id)
        if m.photo or (m.text or "").startswith("📅 Your week")
    ]


def summary_text(message: SimMessage) -> str:
    return (message.caption if message.photo else message.text) or ""


async def stored(harness: BotHarness, user: SimUser) -> User:
    async with harness.services.sessions() as session:
        found = await session.scalar(select(User).where(User.id == user.id))
    assert found is not None
    return found


async def test_sundays_routine_counts_and_the_summary_comes_on_monday(
    harness: BotHarness,
) -> None:
    """The summary used to go out on Sunday at the reminder time, before Sunday's routine."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar, 10:00
    sunday_evening = datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # Sun 8 Mar, 18:00 in Berlin
    harness.clock.set(datetime(2026, 3, 8, 6, 30, tzinfo=UTC))  # Sun 07:30: not yet
    assert (await harness.dispatch()).summaries_sent == 0
    await add_run(harness, user.id, sunday_evening, sunday_evening + timedelta(minutes=9))
    harness.clock.set(datetime(2026, 3, 9, 6, 29, tzinfo=UTC))  # Mon 9 Mar, 07:29 in Berlin
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = summaries(harness, user)
    caption = summary_text(summary)
    assert "Your week (Mon 2 – Sun 8 Mar)" in caption
    assert "Routines done: 1" in caption  # Sunday's
    assert "short week" not in caption  # subscribed since its Monday
    for _ in range(4):  # no second one that day or week
        assert (await harness.advance(timedelta(hours=6))).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 16, 6, 30, tzinfo=UTC))  # Mon 16 Mar
    assert (await harness.dispatch()).summaries_sent == 1
    assert "(Mon 9 – Sun 15 Mar)" in summary_text(summaries(harness, user)[-1])


async def test_no_summary_about_a_week_before_signing_up(harness: BotHarness) -> None:
    """Minutes before Monday's reminder: no "No stretches logged this week" about a week
    they weren't there for; a week later, the summary of their first week."""
    user = harness.new_user()
    harness.clock.set(datetime(2026, 3, 9, 6, 20, tzinfo=UTC))  # Mon 9 Mar, 07:20 in Berlin
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    report = await harness.dispatch()
    assert report.summaries_sent == 0 and report.sent == 1  # the day's reminder only
    assert summaries(harness, user) == []
    harness.clock.set(datetime(2026, 3, 16, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = summaries(harness, user)
    assert "(Mon 9 – Sun 15 Mar)" in summary_text(summary)
    assert "short week" not in summary_text(summary)


async def test_a_short_first_week_is_welcomed_not_scolded(harness: BotHarness) -> None:
    user = harness.new_user()
    harness.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))  # Thu 5 Mar
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Mon 9 Mar, 07:30
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = summaries(harness, user)
    text = summary_text(summary)
    assert "(Mon 2 – Sun 8 Mar)" in text
    assert "Thu 5 Mar" in text and "first full week starts today" in text
    assert "No stretches logged" not in text

    # With a routine in the short week: the chart, saying the week was short.
    other = harness.new_user("Bea")
    harness.clock.set(datetime(2026, 3, 12, 12, 0, tzinfo=UTC))  # Thu 12 Mar
    await onboard(harness, other, at="07:30", zone="Europe/Berlin")
    saturday = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    await add_run(harness, other.id, saturday, saturday + timedelta(minutes=9))
    harness.clock.set(datetime(2026, 3, 16, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 2
    [chart] = summaries(harness, other)
    assert chart.photo
    caption = summary_text(chart)
    assert "A short week: your reminders have been on since Thu 12 Mar." in caption
    assert "Routines done: 1" in caption


async def test_back_after_stop_on_a_monday_morning(harness: BotHarness) -> None:
    """/stop for weeks, /start again minutes before Monday's reminder: nothing about the
    weeks away; the next Monday brings the week since."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    harness.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    await harness.send(user, "/stop")
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # nothing while stopped
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 23, 6, 25, tzinfo=UTC))  # Mon 23 Mar, 07:25
    await harness.send(user, "/start")
    assert (await stored(harness, user)).subscribed
    harness.clock.set(datetime(2026, 3, 23, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 30, 5, 30, tzinfo=UTC))  # Mon 30 Mar, 07:30 CEST
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = summaries(harness, user)
    assert "(Mon 23 – Sun 29 Mar)" in summary_text(summary)


async def test_monday_at_the_reminder_time_across_dst_and_changes(harness: BotHarness) -> None:
    """Los Angeles springs forward on Sun 8 Mar 2026: Monday's 07:30 is 14:30 UTC, not
    15:30. A reminder time moved later, or a move to a zone where Monday comes later, on
    the day of a summary brings no second one that week; reminder days without Monday
    still get it on Monday."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="America/Los_Angeles")
    await harness.send(user, "/settings")
    await harness.tap(user, "Days")
    await harness.tap(user, "Mon")  # reminders Tue-Sun only
    harness.clock.set(datetime(2026, 3, 9, 14, 29, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 9, 14, 30, tzinfo=UTC))  # Mon 07:30 PDT
    assert (await harness.dispatch()).summaries_sent == 1
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.send(user, "20:00")  # later the same Monday
    for _ in range(4):
        assert (await harness.advance(timedelta(hours=4))).summaries_sent == 0
    assert len(summaries(harness, user)) == 1

    # Tokyo's Monday summary, then a move to Honolulu while it is still Sunday there.
    far = harness.new_user("Kai")
    await onboard(harness, far, at="07:30", zone="Asia/Tokyo")
    harness.clock.set(datetime(2026, 3, 15, 22, 30, tzinfo=UTC))  # Mon 16 Mar 07:30 JST
    report = await harness.dispatch()
    assert report.summaries_sent >= 1
    assert len(summaries(harness, far)) == 1
    await harness.send(far, "/settings")
    await harness.tap(far, "Time zone")
    await harness.send(far, "Pacific/Honolulu")
    await harness.tap(far, "Yes")
    assert (await stored(harness, far)).time_zone == "Pacific/Honolulu"
    harness.clock.set(datetime(2026, 3, 16, 17, 30, tzinfo=UTC))  # Mon 16 Mar 07:30 HST
    await harness.dispatch()
    assert len(summaries(harness, far)) == 1
    harness.clock.set(datetime(2026, 3, 23, 17, 30, tzinfo=UTC))  # Mon 23 Mar 07:30 HST
    await harness.dispatch()
    assert len(summaries(harness, far)) == 2


async def test_a_sunday_summary_sent_before_the_move_is_not_followed_by_a_monday_one(
    harness: BotHarness,
) -> None:
    """The day of the change: Sunday's summary (a row dated Sunday, as the old code left
    it) covered that week, so a replan on Monday must plan the next Monday, not today."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    sunday = dt.date(2026, 3, 8)
    async with harness.services.sessions() as session, session.begin():
        await session.execute(
            Delivery.__table__.insert().values(
                user_id=user.id,
                kind="weekly",
                local_date=sunday,
                due_at=datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
                status="sent",
                next_attempt_at=datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
                attempts=1,
            )
        )
    harness.clock.set(datetime(2026, 3, 9, 5, 0, tzinfo=UTC))  # Mon 9 Mar, 06:00
    await harness.send(user, "/settings")
    await harness.tap(user, "Time")
    await harness.send(user, "07:45")  # a replan on the Monday
    harness.clock.set(datetime(2026, 3, 9, 6, 45, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 16, 6, 45, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 1
    assert "(Mon 9 – Sun 15 Mar)" in summary_text(summaries(harness, user)[-1])


async def test_the_migration_moves_sunday_plans_to_monday_without_a_double_or_a_gap(
    server: LoopbackBotAPI, tmp_path: Path
) -> None:
    """A database from before the move (revision 0010), upgraded on Monday 9 Mar: one user
    whose Sunday summary went out (next planned Sunday 15 Mar), one whose Sunday summary
    was never sent (the bot was down over Sunday). Each gets exactly one summary a week."""
    url = database_url(tmp_path, migrated=False)
    await upgrade(url, "0010")
    sent_sunday, missed_sunday = 501, 502

    def seed(connection: Connection) -> None:
        # SQLite stores a TIME as text (SQLAlchemy's format); PostgreSQL takes the value.
        at: object = "07:30:00.000000" if connection.dialect.name == "sqlite" else dt.time(7, 30)
        for user_id, planned in (
            (sent_sunday, dt.datetime(2026, 3, 15, 6, 30)),  # Sun 15 Mar 07:30 Berlin
            (missed_sunday, dt.datetime(2026, 3, 8, 6, 30)),  # Sun 8 Mar 07:30 Berlin
        ):
            insert_row(
                connection,
                "users",
                {
                    "id": user_id,
                    "chat_id": user_id,
                    "created_at": dt.datetime(2026, 2, 1, 9, 0),
                    "reminder_time": at,
                    "time_zone": "Europe/Berlin",
                    "weekdays_mask": 127,
                    "subscribed": True,
                    "onboarded": True,
                    "weekly_summary": True,
                    "paused_indefinitely": False,
                    "safety_shown": True,
                    "next_weekly_at": planned,
                },
            )
        insert_row(
            connection,
            "deliveries",
            {
                "user_id": sent_sunday,
                "kind": "weekly",
                "local_date": dt.date(2026, 3, 8),
                "due_at": dt.datetime(2026, 3, 8, 6, 30),
                "status": "sent",
                "next_attempt_at": dt.datetime(2026, 3, 8, 6, 30),
                "attempts": 1,
            },
        )

    await run_sync(url, seed)
    sent = server.add_user("Ana", user_id=sent_sunday)
    missed = server.add_user("Bea", user_id=missed_sunday)
    clock = ManualClock(datetime(2026, 3, 9, 5, 0, tzinfo=UTC))  # Mon 9 Mar, 06:00 Berlin
    harness = BotHarness(server, make_settings(server, url), clock)
    await harness.start()  # upgrades to head
    try:
        async with harness.services.sessions() as session:
            plans = {
                row.id: row.next_weekly_at
                for row in await session.scalars(select(User).order_by(User.id))
            }
        assert plans == {
            sent_sunday: datetime(2026, 3, 16, 6, 30, tzinfo=UTC),
            missed_sunday: datetime(2026, 3, 9, 6, 30, tzinfo=UTC),
        }
        clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
        assert (await harness.dispatch()).summaries_sent == 1
        assert len(summaries(harness, sent)) == 0 and len(summaries(harness, missed)) == 1
        assert "(Mon 2 – Sun 8 Mar)" in summary_text(summaries(harness, missed)[0])
        for monday in (16, 23):
            clock.set(datetime(2026, 3, monday, 6, 30, tzinfo=UTC))
            assert (await harness.dispatch()).summaries_sent == 2
        # DST: Berlin springs forward on Sun 29 Mar; Monday 30 Mar 07:30 is 05:30 UTC.
        clock.set(datetime(2026, 3, 30, 5, 30, tzinfo=UTC))
        assert (await harness.dispatch()).summaries_sent == 2
        assert len(summaries(harness, sent)) == 3 and len(summaries(harness, missed)) == 4
    finally:
        await harness.stop()


async def test_on_monday_the_summary_comes_before_the_reminder(harness: BotHarness) -> None:
    """Due at the same instant, the summary (a chart) used to arrive after Monday's
    reminder and push its Start button out of view: now each user's summary is claimed
    first and the reminder is sent once the summary was answered."""
    people = [harness.new_user(f"M{i}") for i in range(3)]
    for person in people:
        await onboard(harness, person, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Mon 9 Mar, 07:30 in Berlin
    report = await harness.dispatch()
    assert report.summaries_sent == len(people) and report.sent == len(people)
    for person in people:
        [summary] = summaries(harness, person)
        messages = harness.server.bot_messages(person.id)
        reminder = messages[-1]
        assert any("Start" in label for label in reminder.button_labels()), reminder.text
        assert messages.index(summary) < messages.index(reminder)


async def test_a_stop_and_start_within_the_week_does_not_shorten_it(harness: BotHarness) -> None:
    """Tester 6: on since Mon, /stop and /start seconds apart on Wed after Wednesday's
    reminder; Monday's summary said "A short week: ... since Wed". The week stays whole;
    back after weeks away, on a Wednesday, the week is short and says so."""
    user = harness.new_user()
    await onboard(harness, user, at="08:00", zone="Europe/Berlin")  # Mon 2 Mar, 10:00
    joined = (await stored(harness, user)).subscribed_at
    for day in (3, 4):
        harness.clock.set(datetime(2026, 3, day, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
        assert (await harness.dispatch()).sent == 1
    harness.clock.set(datetime(2026, 3, 4, 14, 32, 55, tzinfo=UTC))  # Wed 15:32
    await harness.send(user, "/stop")
    harness.clock.advance(timedelta(seconds=5))
    await harness.send(user, "/start")
    assert (await stored(harness, user)).subscribed_at == joined
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    await add_run(harness, user.id, saturday, saturday + timedelta(minutes=9))
    harness.clock.set(datetime(2026, 3, 9, 7, 0, tzinfo=UTC))  # Mon 9 Mar, 08:00
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = summaries(harness, user)
    assert "short week" not in summary_text(summary), summary_text(summary)

    # Off from Tue 10 Mar for two weeks, back on Wed 25 Mar: a short week, since Wed.
    harness.clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    await harness.send(user, "/stop")
    harness.clock.set(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    await harness.send(user, "/start")
    back = (await stored(harness, user)).subscribed_at
    assert back == datetime(2026, 3, 25, 12, 0, tzinfo=UTC), back
    thursday = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)
    await add_run(harness, user.id, thursday, thursday + timedelta(minutes=9))
    harness.clock.set(datetime(2026, 3, 30, 6, 0, tzinfo=UTC))  # Mon 30 Mar, 08:00 CEST
    assert (await harness.dispatch()).summaries_sent == 1
    latest = summaries(harness, user)[-1]
    assert "A short week: your reminders have been on since Wed 25 Mar." in summary_text(latest)
