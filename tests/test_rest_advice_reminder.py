"""The advised-rest rule (bot.domain.pain.rest_advice_since) in the daily reminder: after
"It hurts" the bot says to give the back a day; a reminder sent while that stands repeats
it and offers the gentle routine first, as /stretch does, instead of a cheerful "Ready?".
The persistent-pain advice (see a doctor or physiotherapist, keep to the gentle routine)
is in the reminder too while it stands. And a week's ease-off that ends on the day of the
weekly summary says "later today"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import texts
from bot.content import load_content
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_entry
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


async def test_a_reminder_that_advised_rest_asks_before_its_start_after_the_advice_ends(
    harness: BotHarness,
) -> None:
    """Tester 6's case: "It hurts" Tue 08:30, Wed 08:00's reminder advises rest; its
    ▶️ Start routine tapped at 08:30:32 (the advice itself over at 08:30) started Quick
    start with no question. The reminder's own Start asks as /stretch would while advice
    stands; a reminder without the advice starts straight away."""
    user = harness.new_user()
    await onboard(harness, user, at="08:00", zone="America/Chicago")
    harness.clock.set(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # Tue 08:30 in Chicago
    await walk(harness, user, QUICK.title, hurt_on="Child's Pose")
    harness.clock.set(datetime(2026, 12, 2, 14, 0, tzinfo=UTC))  # Wed 08:00
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    assert "Your back hurt within the last day" in plain(reminder.text or "")
    harness.clock.set(datetime(2026, 12, 2, 14, 50, tzinfo=UTC))  # 24 h + minutes on
    await harness.send(user, "/stretch")  # the advice itself is over
    assert SAFETY.rest_advised.after_hurt not in plain(harness.last_text(user))
    await harness.tap(user, "Start routine", reminder.message_id)
    asked = harness.server.last_bot_message(user.id)
    assert SAFETY.rest_advised.after_hurt in plain(asked.text or ""), asked.text
    labels = asked.button_labels()
    assert labels[0] == SAFETY.high_pain.gentle_button, labels
    assert SAFETY.high_pain.rest_button in labels, labels
    assert not any(m.photo for m in harness.server.bot_messages(user.id)[-1:])
    # "Start anyway" starts it.
    await harness.tap(user, labels[1], asked.message_id)
    assert "How is your back" in harness.last_text(user) or " · " in harness.last_text(user), (
        harness.last_text(user)
    )

    # Thursday's reminder carries no advice: its Start starts at once.
    harness.clock.set(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    await harness.send(user, "/stretch")
    assert (await harness.dispatch()).sent == 1
    plain_reminder = harness.server.last_bot_message(user.id)
    assert CHEERFUL in (plain_reminder.text or "")


async def test_the_reminder_repeats_the_persistent_pain_advice_while_it_stands(
    harness: BotHarness,
) -> None:
    """Steady 7s for three weeks: the bot said to see a doctor or physiotherapist and keep
    to the gentle routine. The daily reminder was a plain "Ready?"; now it says so in one
    line (the sentence /stretch shows) with 🌱 gentle first. The log's first reading in
    the three weeks comes after their first day, with an older one before it (the rule
    reaches back through it, as /stretch's does). Readings that fall make it ordinary."""
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    tuesday = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
    for days in (25, 19, *range(16, 0, -1)):
        await add_entry(harness, user.id, tuesday - timedelta(days=days), 7)
    harness.clock.set(tuesday - timedelta(hours=1))
    await harness.send(user, "/stretch")
    assert SAFETY.rest_advised.persistent in plain(harness.last_text(user))
    await harness.send(user, "/cancel")

    harness.clock.set(tuesday)
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    text = plain(reminder.text or "")
    assert CHEERFUL in text and SAFETY.rest_advised.persistent in text, text
    assert "🩺" in text and SAFETY.persistent_pain not in text  # one line, not the whole advice
    assert reminder.button_labels()[0] == texts.START_GENTLE_BUTTON

    for days in range(6, -1, -1):  # a better week: the rule no longer holds
        await add_entry(harness, user.id, tuesday + timedelta(days=1) - timedelta(days=days), 2)
    harness.clock.set(tuesday + timedelta(days=1))
    assert (await harness.dispatch()).sent == 1
    reminder = harness.server.last_bot_message(user.id)
    assert SAFETY.rest_advised.persistent not in plain(reminder.text or "")
    assert texts.START_GENTLE_BUTTON not in reminder.button_labels()
