"""The advised-rest rule (bot.domain.pain.rest_advice_since) in the daily reminder: after
"It hurts" the bot says to give the back a day; a reminder sent while that stands repeats
it and offers the gentle routine first, as /stretch does, instead of a cheerful "Ready?".
And a week's ease-off that ends on the day of the weekly summary says "later today"."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import texts
from bot.content import load_content
from tests.harness.bot import BotHarness, onboard
from tests.test_program import FULL, QUICK, walk
from tests.test_safety import REPO, plain

CONTENT = load_content(REPO / "content")
SAFETY = CONTENT.safety
CHEERFUL = "Time for your back stretches"


async def test_it_hurts_on_monday_evening_makes_tuesdays_reminder_offer_gentle_or_rest(
    harness: BotHarness,
) -> None:
    """The tester's case: "It hurts" at 21:00 on Monday, then Tuesday's 07:30 reminder (ten
    hours later) was the usual "Ready?". The advice stands for 24 hours (and at least to the
    end of that local day): Tuesday's reminder and /stretch repeat it with 🌱 gentle first;
    Wednesday's reminder is ordinary again."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    harness.clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # Mon 21:00 in Berlin
    await walk(harness, user, FULL.title, hurt_on="Forward Fold")

    harness.clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))  # Tue 07:30 in Berlin
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    text = plain(reminder.text or "")
    assert "Your back hurt within the last day" in text, text
    assert CHEERFUL not in text
    labels = reminder.button_labels()
    assert labels[0] == texts.START_GENTLE_BUTTON, labels
    assert any("Skip today" in label for label in labels), labels
    # /stretch at the same moment follows the same rule.
    await harness.send(user, "/stretch")
    assert SAFETY.rest_advised.after_hurt in plain(harness.last_text(user))

    harness.clock.set(datetime(2026, 3, 4, 6, 30, tzinfo=UTC))  # Wed 07:30 in Berlin
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    assert CHEERFUL in (reminder.text or "")
    assert texts.START_GENTLE_BUTTON not in reminder.button_labels()
    await harness.send(user, "/stretch")
    assert SAFETY.rest_advised.after_hurt not in plain(harness.last_text(user))


async def test_it_hurts_in_the_morning_stands_that_evening_and_is_over_the_next_evening(
    harness: BotHarness,
) -> None:
    """The same rule the same day (an evening reminder after a morning "It hurts"), and
    over once 24 hours have passed."""
    user = harness.new_user()
    await onboard(harness, user, at="20:00", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    await walk(harness, user, QUICK.title, hurt_on="Child's Pose")
    harness.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # Mon 20:00 in Berlin
    assert (await harness.dispatch()).sent == 1
    assert "Your back hurt" in plain(harness.server.last_bot_message(user.id).text or "")
    harness.clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))  # Tue 20:00: 34 hours on
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    assert CHEERFUL in (reminder.text or "")
    assert texts.START_GENTLE_BUTTON not in reminder.button_labels()


async def test_the_weekly_summary_on_the_day_an_ease_off_ends_says_later_today(
    harness: BotHarness,
) -> None:
    """The tester's case: Monday's summary said the easier version lasts "until Mon 9 Mar"
    on Mon 9 Mar itself."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar, 10:00 there
    await walk(harness, user, QUICK.title, hurt_on="Child's Pose")  # eased until Mon 9, 10:00
    harness.clock.set(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # Mon 9 Mar, 07:30 in Berlin
    assert (await harness.dispatch()).summaries_sent == 1
    [summary] = [m for m in harness.server.bot_messages(user.id) if m.photo]
    caption = summary.caption or ""
    assert "(Supported child's pose) until later today." in caption, caption
    assert "Mon 9 Mar" not in caption
