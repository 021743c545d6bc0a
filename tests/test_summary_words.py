"""What the Monday summary says, read as a person checks it: program changes of the week
that are over by Monday say so (tester 6 #8); the average pain says what it averages
(tester 6 #5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import texts
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry
from tests.test_program import QUICK, walk

MONDAY = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)  # Mon 9 Mar, 07:30 in Berlin


async def test_the_summary_dates_the_weeks_step_backs_and_says_which_holds_are_over(
    harness: BotHarness,
) -> None:
    """Tester 6: "Too hard" on Monday; the next Monday's summary said "1 lift less for now
    ... no step up for 3 days", as if it began that day. Each line names its day and says
    the hold ended (Thu) or when it ends (a "Too hard" on Sunday: before Wed); the newest
    come first."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    await walk(harness, user, QUICK.title)
    await harness.tap(user, "Too hard")
    assert "📉 Bridge: 1 lift less for now — you found it too hard; no step up for 3 days." in (
        harness.last_text(user)
    )
    harness.clock.set(datetime(2026, 3, 8, 17, 0, tzinfo=UTC))  # Sun 8 Mar, 18:00
    await walk(harness, user, QUICK.title)
    await harness.tap(user, "Too hard")
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = [m for m in harness.server.bot_messages(user.id) if m.photo]
    caption = summary.caption or ""
    assert "for now" not in caption and "for 3 days" not in caption, caption
    lines = caption.split("\n")
    changes = lines[lines.index(texts.PROGRAM_WEEK_TITLE) + 1 :]
    assert changes[0].endswith(
        "less from Sun 8 Mar — you found it too hard; no step up before Wed 11 Mar."
    ), changes
    assert "… and 6 more in /settings → 📈 My program" in changes
    # Monday's own lines: on the second user, whose only "Too hard" was on Monday.
    other = harness.new_user()
    harness.clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    await onboard(harness, other, at="07:30", zone="Europe/Berlin")
    await walk(harness, other, QUICK.title)
    await harness.tap(other, "Too hard")
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = [m for m in harness.server.bot_messages(other.id) if m.photo]
    assert (
        "📉 Cat-Cow: 1 slow round less from Mon 2 Mar — you found it too hard; step-ups were "
        "held until Thu 5 Mar." in (summary.caption or "")
    ), summary.caption


async def test_the_average_says_it_is_of_daily_averages_and_over_how_many_days(
    harness: BotHarness,
) -> None:
    """Tester 6: readings 4, 3, 3, 5 (one day) and 9 (the next) gave "Average pain: 6.4"
    in Monday's summary and /progress; their plain mean is 4.8. The figure is each day's
    average averaged (a routine day's before and after count once), and the label says
    so with the number of days: "Average daily pain (2 days): 6.4"."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await harness.services.pain.give_consent(user.id)
    tuesday = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    for n, level in enumerate((4, 3, 3, 5)):
        await add_entry(harness, user.id, tuesday + timedelta(hours=n), level)
    await add_entry(harness, user.id, tuesday + timedelta(days=1), 9)
    harness.clock.set(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # Fri
    await harness.send(user, "/progress")
    progress = harness.server.last_bot_message(user.id).caption or ""
    assert "Average daily pain this week (2 days): 6.4 (nothing logged last week)" in progress
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 1
    summary = [m for m in harness.server.bot_messages(user.id) if m.photo][-1]
    caption = summary.caption or ""
    assert "Average daily pain (2 days): 6.4 (nothing logged the week before)" in caption


async def test_a_summary_during_a_pause_says_so(harness: BotHarness) -> None:
    """Tester 6: a summary sent while reminders were paused said "No stretches logged that
    week" and nothing about the pause, so a low count read as a failure. It names the
    week's paused days and, while still paused, until when; a pause over by Monday is
    named too, and a week without one says nothing."""
    dated, open_ended, ended, plain = (harness.new_user() for _ in range(4))
    for user in (dated, open_ended, ended, plain):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await walk(harness, dated, QUICK.title)  # a week with a routine: the chart's caption
    harness.clock.set(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))  # Tue, after the reminder
    for user, choice in ((dated, "7 days"), (open_ended, "Until I resume"), (ended, "1 day")):
        await harness.send(user, "/settings")
        await harness.tap(user, "Pause")
        await harness.tap(user, choice)
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 4

    def summary_of(user: SimUser) -> str:
        [message] = [
            m
            for m in harness.server.bot_messages(user.id)
            if m.photo or (m.text or "").startswith("📅 Your week")
        ]
        return (message.caption if message.photo else message.text) or ""

    # Wed 4 - Tue 10 Mar paused: 5 days of the week, and still on Monday.
    text = summary_of(dated)
    assert (
        "⏸ Reminders were paused 5 days of that week, and stay paused until they resume "
        "on Wed 11 Mar." in text
    ), text
    assert "Routines done: 1" in text
    text = summary_of(open_ended)  # paused from Tuesday on: 6 days
    assert (
        "⏸ Reminders were paused 6 days of that week, and stay paused until you resume "
        "them (/settings)." in text
    ), text
    assert "No stretches logged that week" in text  # the quiet week's note, paused named
    assert "⏸ Reminders were paused 1 day of that week." in summary_of(ended)
    assert "⏸" not in summary_of(plain)


async def test_a_week_of_high_pain_gets_the_advice_to_see_a_clinician(
    harness: BotHarness,
) -> None:
    """Tester 7 #3: readings of 8, 9 and 10 gave "Average daily pain (1 day): 9.0" and a
    summary that read like any other week. A week averaging RED_FLAG_LEVEL (8) or more
    gets the bot's advice to see a doctor or physiotherapist; an ordinary week doesn't."""
    high, ordinary = harness.new_user(), harness.new_user()
    for user in (high, ordinary):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
        await harness.services.pain.give_consent(user.id)
    tuesday = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    for n, level in enumerate((8, 9, 10)):
        await add_entry(harness, high.id, tuesday + timedelta(hours=n), level)
    for n, level in enumerate((4, 7, 6)):
        await add_entry(harness, ordinary.id, tuesday + timedelta(days=n), level)
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 2
    [high_summary] = [m for m in harness.server.bot_messages(high.id) if m.photo]
    caption = high_summary.caption or ""
    assert "Average daily pain (1 day): 9.0" in caption, caption
    assert "please see a doctor or physiotherapist" in caption, caption
    assert texts.high_week(harness.services.content.safety) in caption, caption
    [ordinary_summary] = [m for m in harness.server.bot_messages(ordinary.id) if m.photo]
    caption = ordinary_summary.caption or ""
    assert "Average daily pain (3 days): 5.7" in caption, caption
    assert "doctor" not in caption, caption
