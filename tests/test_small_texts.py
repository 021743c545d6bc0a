"""Small texts that say what to do: a refused builder change names the way out, and a hold
that belongs to each of several repetitions gets no timer (Bridge: "8 lifts, hold 3 s
each" offered "⏱ Start 3 s"). Through the real bot on the loopback Bot API where it is
behaviour."""

from __future__ import annotations

from bot import texts
from tests.harness.bot import BotHarness, ask_routine_name, onboard

ALERT_LIMIT = 200  # Bot API: answerCallbackQuery text, 0-200 characters


def test_every_refused_builder_change_says_what_to_do() -> None:
    for rule, text in texts.RULE_PROBLEMS.items():
        assert len(text) <= ALERT_LIMIT, rule
        assert any(way in text for way in ("✖️", "➕", "turn", "/routines")), rule


async def test_a_hold_per_repetition_gets_no_timer(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.services.pain.give_consent(user.id)
    await ask_routine_name(harness, user)
    await harness.send(user, "Lifts")
    await harness.tap(user, "Save")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Lifts")
    if "right now" in harness.last_text(user):
        await harness.tap(user, "Skip")
    step = harness.server.last_bot_message(user.id)
    caption = step.caption or ""
    assert "Bridge" in caption and "8" in caption, caption
    labels = step.button_labels()
    assert "✅ Done" in labels or any("Done" in label for label in labels), labels
    assert not any(label.startswith("⏱") for label in labels), labels
