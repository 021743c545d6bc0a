"""Tester 8's findings in the weekly summary and /progress, read as a person checks them:
at most one "see a clinician" line in a message (the stronger one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.pain import PainContext
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry, add_run
from tests.test_program import QUICK, walk

MONDAY = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)  # Mon 9 Mar, 07:30 in Berlin


def weekly_summary(harness: BotHarness, user: SimUser) -> SimMessage:
    [message] = [
        m
        for m in harness.server.bot_messages(user.id)
        if (m.caption or m.text or "").startswith(("📊 Your week", "📅 Your week"))
    ]
    return message


def clinician_lines(text: str) -> list[str]:
    """The lines that advise seeing a doctor or physiotherapist."""
    return [line for line in text.split("\n") if "doctor or physiotherapist" in line]


async def test_a_high_week_without_improvement_gets_one_clinician_line(
    harness: BotHarness,
) -> None:
    """Tester 8 #2: three weeks of readings at 8 gave Monday's summary both the high-week
    line ("Your pain was high that week ... please see a doctor") and the persistent-pain
    line ("... a good time to see a doctor or physiotherapist"). One message carries at
    most one: the persistent-pain advice, which says more. A high week on its own keeps
    the high-week line, and persistent pain below the high mark keeps its own."""
    persistent_high, high_only, persistent_only = (harness.new_user() for _ in range(3))
    for user in (persistent_high, high_only, persistent_only):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
        await harness.services.pain.give_consent(user.id)
    first = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)  # day 20 before Sun 8 Mar
    for day in range(21):
        await add_entry(harness, persistent_high.id, first + timedelta(days=day), 8)
        await add_entry(harness, persistent_only.id, first + timedelta(days=day), 5)
    for day in range(7):  # a high week in a log younger than three weeks
        await add_entry(harness, high_only.id, first + timedelta(days=14 + day), 9)
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 3
    safety = harness.services.content.safety
    persistent = "🩺 " + safety.persistent_pain

    caption = weekly_summary(harness, persistent_high).caption or ""
    assert "Average daily pain (7 days): 8.0" in caption, caption
    assert persistent in caption, caption
    assert safety.high_week not in caption, caption
    assert len(clinician_lines(caption)) == 1, caption

    caption = weekly_summary(harness, high_only).caption or ""
    assert safety.high_week in caption, caption
    assert len(clinician_lines(caption)) == 1, caption

    caption = weekly_summary(harness, persistent_only).caption or ""
    assert persistent in caption, caption
    assert len(clinician_lines(caption)) == 1, caption


async def test_the_summary_names_the_painful_days(harness: BotHarness) -> None:
    """Tester 8 #1: Monday's summary told of a painful week without saying which day hurt.
    It names each local day with a reading of 7 or more and that day's highest reading;
    a reading at 00:30 on Sunday in Berlin (23:30 UTC on Saturday) is Sunday's, and a
    week without one has no such line."""
    sore, once, calm = (harness.new_user() for _ in range(3))
    for user in (sore, once, calm):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
        await harness.services.pain.give_consent(user.id)
    monday = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    for day, level in ((0, 3), (1, 9), (1, 4), (2, 6), (3, 7), (3, 8)):
        await add_entry(harness, sore.id, monday + timedelta(days=day, hours=day), level)
    await add_entry(harness, sore.id, datetime(2026, 3, 7, 23, 30, tzinfo=UTC), 7)
    await add_entry(harness, once.id, monday + timedelta(days=2), 8)
    for day, level in ((0, 3), (2, 6), (4, 5)):
        await add_entry(harness, calm.id, monday + timedelta(days=day), level)
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 3
    caption = weekly_summary(harness, sore).caption or ""
    assert "Painful days: Tue 3 Mar (9/10), Thu 5 Mar (8/10), Sun 8 Mar (7/10)" in caption, caption
    lines = caption.split("\n")
    assert lines.index(next(x for x in lines if x.startswith("Painful"))) == 2, caption
    caption = weekly_summary(harness, once).caption or ""
    assert "Painful day: Wed 4 Mar (8/10)" in caption, caption
    caption = weekly_summary(harness, calm).caption or ""
    assert "Average daily pain (3 days): 4.7" in caption, caption
    assert "Painful" not in caption, caption


async def test_a_chosen_pause_reads_as_paused_not_as_a_zero_streak(harness: BotHarness) -> None:
    """Tester 8 #3: a pause the person chose left /progress and Monday's summary saying
    "Streak: 0 days". While reminders are paused the streak line says it is paused: one
    still alive is kept and says so (paused days never break it); a broken one reads
    "paused with your reminders", not "0 days". Once resumed, the plain line is back."""
    kept, broken = harness.new_user(), harness.new_user()
    for user in (kept, broken):
        await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar, 10:00
        await walk(harness, user, QUICK.title)
    harness.clock.set(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))  # Tue, after the reminder
    await walk(harness, kept, QUICK.title)  # Tue done, then paused from Wed
    for user in (kept, broken):  # broken: Tue goes by without a routine
        await harness.send(user, "/settings")
        await harness.tap(user, "Pause")
        await harness.tap(user, "7 days")
    harness.clock.set(datetime(2026, 3, 6, 11, 0, tzinfo=UTC))  # Fri, paused
    await harness.send(kept, "/progress")
    caption = harness.server.last_bot_message(kept.id).caption or ""
    assert "🔥 Streak: 2 days, kept while reminders are paused · best 2 days" in caption
    await harness.send(broken, "/progress")
    caption = harness.server.last_bot_message(broken.id).caption or ""
    assert "⏸ Streak: paused with your reminders · best 1 day" in caption, caption
    assert "Streak: 0" not in caption, caption

    harness.clock.set(MONDAY)  # still paused until Wed 11 Mar
    assert (await harness.dispatch()).summaries_sent == 2
    caption = weekly_summary(harness, kept).caption or ""
    assert "🔥 Streak: 2 days, kept while reminders are paused · best 2 days" in caption
    caption = weekly_summary(harness, broken).caption or ""
    assert "⏸ Streak: paused with your reminders · best 1 day" in caption, caption
    assert "Streak: 0" not in caption, caption

    await harness.send(broken, "/settings")
    await harness.tap(broken, "Resume")
    await harness.send(broken, "/progress")
    caption = harness.server.last_bot_message(broken.id).caption or ""
    assert "🔥 Streak: 0 days · best 1 day" in caption, caption


async def test_a_change_says_which_way_and_on_what_scale(harness: BotHarness) -> None:
    """Tester 8 #5: "-0.5" beside the average, and "Before → after a routine: -0.5 on
    average", said nothing of what the figure is. A change says lower or higher; the
    routine's says it is pain, on the 0-10 scale."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await harness.services.pain.give_consent(user.id)
    await add_entry(harness, user.id, datetime(2026, 2, 24, 9, 0, tzinfo=UTC), 3)
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    run = await add_run(harness, user.id, tuesday, tuesday + timedelta(minutes=9))
    await add_entry(harness, user.id, tuesday, 4, PainContext.BEFORE, run)
    await add_entry(harness, user.id, tuesday + timedelta(minutes=9), 6, PainContext.AFTER, run)
    harness.clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    await harness.send(user, "/progress")
    caption = harness.server.last_bot_message(user.id).caption or ""
    assert "this week (1 day): 5.0 · last week 3.0 (⬆️ 2.0 higher)" in caption, caption
    assert "Before → after a routine: pain 2.0 higher on average (0-10 scale)" in caption
    harness.clock.set(MONDAY)
    assert (await harness.dispatch()).summaries_sent == 1
    caption = weekly_summary(harness, user).caption or ""
    assert "(1 day): 5.0 · the week before 3.0 (⬆️ 2.0 higher)" in caption, caption
