"""Tester 8's findings in the weekly summary and /progress, read as a person checks them:
at most one "see a clinician" line in a message (the stronger one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry

MONDAY = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)  # Mon 9 Mar, 07:30 in Berlin


def weekly_summary(harness: BotHarness, user: SimUser) -> SimMessage:
    [message] = [
        m
        for m in harness.server.bot_messages(user.id)
        if m.photo or (m.text or "").startswith("📅 Your week")
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
