"""/progress and the weekly summary through the loopback Bot API: chart, figures, streaks."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.domain.pain import PainContext
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry, add_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 300_000
LA = ZoneInfo("America/Los_Angeles")


def photos(harness: BotHarness, user: SimUser) -> list[SimMessage]:
    return [m for m in harness.server.bot_messages(user.id) if m.photo]


def checked_png(harness: BotHarness, message: SimMessage) -> bytes:
    """The photo's bytes, after checking they are a PNG that decodes and stays small."""
    assert message.file_id is not None
    data = harness.server.file_bytes(message.file_id)
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) < MAX_PNG_BYTES, len(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG" and image.size == (1280, 960)
    return data


async def progress_caption(harness: BotHarness, user: SimUser) -> str:
    await harness.send(user, "/progress")
    message = harness.server.last_bot_message(user.id)
    assert message.photo, "expected the chart as a photo"
    checked_png(harness, message)
    return message.caption or ""


async def test_progress_before_consent_with_none_and_with_one_reading(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    caption = await progress_caption(harness, user)
    assert "Pain logging is off" in caption and "/pain" in caption
    assert "Routines done (30 days): 0" in caption
    assert "Streak: 0 days · best 0 days" in caption

    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    caption = await progress_caption(harness, user)
    assert "No pain logged yet" in caption

    await harness.tap(user, "4")
    caption = await progress_caption(harness, user)
    assert "Your first reading: 4/10 (Mon 2 Mar)" in caption
    assert "Pain this week" not in caption  # one number isn't a trend yet


async def test_progress_with_sixty_readings(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.services.pain.give_consent(user.id)

    today = date(2026, 5, 6)  # a Wednesday: this week is Mon 4 - Wed 6 May

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)

    # 50 daily check-ins: 6 until last week, 5 last week, 3 this week.
    for n in range(50):
        day = today - timedelta(days=49 - n)
        level = 3 if day >= date(2026, 5, 4) else 5 if day >= date(2026, 4, 27) else 6
        await add_entry(harness, user.id, at(day, 8), level)
    # Ten completed routines 18-27 March (best streak), then five on the last five days,
    # each with before/after readings around the day's check-in (day means unchanged).
    for n in range(10):
        day = date(2026, 3, 18) + timedelta(days=n)
        await add_run(harness, user.id, at(day, 18), at(day, 18, 20))
    pairs = {2: (6, 4), 3: (6, 4), 4: (4, 2), 5: (3, 3), 6: (4, 2)}  # May day -> before, after
    for day_of_month, (before, after) in pairs.items():
        day = date(2026, 5, day_of_month)
        run = await add_run(harness, user.id, at(day, 9), at(day, 9, 30))
        await add_entry(harness, user.id, at(day, 9), before, PainContext.BEFORE, run)
        await add_entry(harness, user.id, at(day, 9, 30), after, PainContext.AFTER, run)

    harness.clock.set(at(today, 12))
    caption = await progress_caption(harness, user)
    assert "Average daily pain this week (3 days): 3.0 · last week 5.0 (⬇️ 2.0 lower)" in caption
    # (-2-2-2+0-2)/5: said in words, not as "-1.6" (tester 8 #5)
    assert "Before → after a routine: pain 1.6 lower on average (0-10 scale)" in caption
    assert "Routines done (30 days): 5" in caption
    assert "Streak: 5 days · best 10 days" in caption
    progress = await harness.services.pain.progress(user.id)
    assert progress.summary.entries_30d == 30 + 10


async def test_routines_that_changed_nothing_say_no_change(harness: BotHarness) -> None:
    """Before and after alike (or changes that cancel out) read "no change", never "+0.0";
    a small fall says it is lower."""
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    await harness.services.pain.give_consent(user.id)
    today = date(2026, 5, 6)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)

    for n, (before, after) in enumerate([(5, 5), (4, 5), (6, 5)]):  # 0, +1, -1
        day = today - timedelta(days=2 - n)
        run = await add_run(harness, user.id, at(day, 9), at(day, 9, 30))
        await add_entry(harness, user.id, at(day, 9), before, PainContext.BEFORE, run)
        await add_entry(harness, user.id, at(day, 9, 30), after, PainContext.AFTER, run)
    harness.clock.set(at(today, 12))
    caption = await progress_caption(harness, user)
    assert "Before → after a routine: no change on average" in caption, caption
    assert "+0.0" not in caption and "-0.0" not in caption

    run = await add_run(harness, user.id, at(today, 10), at(today, 10, 30))
    await add_entry(harness, user.id, at(today, 10), 6, PainContext.BEFORE, run)
    await add_entry(harness, user.id, at(today, 10, 30), 5, PainContext.AFTER, run)
    caption = await progress_caption(harness, user)
    assert "Before → after a routine: pain 0.2 lower on average (0-10 scale)" in caption, (
        caption  # (0+1-1-1)/4
    )


async def streak_on_connection(harness: BotHarness, user_id: int) -> int:
    """The streak as the tap completing a routine reads it (`PainLog.streak_on`)."""
    async with harness.services.engine.connect() as connection:
        return await harness.services.pain.streak_on(connection, user_id, LA)


async def test_streak_follows_local_days_pauses_and_it_hurts(harness: BotHarness) -> None:
    """Los Angeles (UTC-7 in April): runs just before and after local midnight count for two
    days, a paused day and an "It hurts" day keep the streak, and today only breaks it
    once today is over. In UTC the same runs would make a different streak."""
    user = harness.new_user()
    await onboard(harness, user, at="08:00", zone="America/Los_Angeles")

    def la(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 4, day, hour, minute, tzinfo=LA)

    await add_run(harness, user.id, la(2, 23, 40), la(2, 23, 50))  # Thu 2 Apr, 06:50 UTC Fri
    await add_run(harness, user.id, la(2, 23, 55), la(3, 0, 10))  # ends Fri 3 Apr: counts Fri
    harness.clock.set(la(4, 7))  # before Saturday's 08:00 reminder: the pause covers Sat
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, "1 day")  # Sat 4 Apr paused
    await add_run(harness, user.id, la(5, 9), la(5, 9, 5), status="hurt")  # Sun 5 Apr
    await add_run(harness, user.id, la(6, 12), la(6, 12, 20))
    await add_run(harness, user.id, la(7, 21), la(7, 21, 15))  # Tue 7 Apr, Wed in UTC
    await add_run(harness, user.id, la(6, 15), None, status="abandoned")
    await add_run(harness, user.id, la(6, 16), la(6, 16, 5), status="stopped")

    harness.clock.set(la(8, 10))  # Wednesday morning, no routine yet today
    assert "Streak: 4 days · best 4 days" in await progress_caption(harness, user)
    # the end-of-routine summary's streak (runs and pauses read in one statement) agrees
    assert await streak_on_connection(harness, user.id) == 4
    harness.clock.set(la(8, 23, 59))
    assert "Streak: 4 days · best 4 days" in await progress_caption(harness, user)
    harness.clock.set(la(9, 0, 1))  # Wednesday went by without a routine
    assert "Streak: 0 days · best 4 days" in await progress_caption(harness, user)

    # A routine on Thursday, then "Until I resume": the open pause covers every day since.
    await add_run(harness, user.id, la(9, 8), la(9, 8, 15))
    harness.clock.set(la(9, 9))
    await harness.send(user, "/settings")
    assert "Paused" not in harness.last_text(user)  # the 1-day pause is over
    await harness.tap(user, "Pause")
    await harness.tap(user, "Until I resume")
    harness.clock.set(la(12, 10))
    assert "Streak: 1 day, kept while reminders are paused · best 4 days" in (
        await progress_caption(harness, user)
    )
    assert await streak_on_connection(harness, user.id) == 1
    await harness.send(user, "/settings")
    await harness.tap(user, "Resume")  # the pause ends yesterday; today counts normally
    assert "Streak: 1 day · best 4 days" in await progress_caption(harness, user)
    harness.clock.set(la(13, 0, 30))
    assert "Streak: 0 days · best 4 days" in await progress_caption(harness, user)


async def test_weekly_summary_arrives_on_monday_unless_switched_off(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "3")  # Mon 2 Mar
    await add_run(harness, user.id, harness.clock.now(), harness.clock.now() + timedelta(minutes=9))

    harness.clock.set(datetime(2026, 3, 9, 6, 29, tzinfo=UTC))  # Mon 9 Mar, 07:29 in Berlin
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))
    report = await harness.dispatch()
    assert report.summaries_sent == 1
    [summary] = photos(harness, user)
    checked_png(harness, summary)
    caption = summary.caption or ""
    assert "Your week (Mon 2 – Sun 8 Mar)" in caption
    assert "Average daily pain (1 day): 3.0 (nothing logged the week before)" in caption
    assert "avg" not in caption  # "Average pain: 3.5 avg" said it twice
    assert "Routines done: 1" in caption
    assert "Streak: 0 days · best 1 day" in caption
    for _ in range(3):
        assert (await harness.advance(timedelta(hours=1))).summaries_sent == 0

    await harness.send(user, "/settings")
    await harness.tap(user, "Weekly summary: on")
    assert "📊 Weekly summary: off" in harness.server.last_bot_message(user.id).button_labels()
    harness.clock.set(datetime(2026, 3, 16, 6, 30, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 0
    harness.clock.set(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    assert (await harness.dispatch()).summaries_sent == 0
    assert len(photos(harness, user)) == 1


async def test_quiet_week_gets_a_short_nudge_instead_of_an_empty_chart(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Mon 9 Mar, 07:30 in Berlin
    report = await harness.dispatch()
    assert report.summaries_sent == 1
    assert photos(harness, user) == []
    # The day's reminder goes out at the same moment, in either order.
    assert any(
        "(Mon 2 – Sun 8 Mar)\nNo stretches logged that week" in text
        for text in harness.bot_texts(user)
    )
