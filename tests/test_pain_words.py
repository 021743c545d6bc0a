"""Pain words typed outside a routine get pointers to /safety, /pain and the gentle routine,
before setup and after it; other text still gets the menu."""

from __future__ import annotations

from tests.harness.bot import BotHarness, onboard


async def test_pain_words_outside_a_routine_point_to_safety(harness: BotHarness) -> None:
    new, set_up = harness.new_user("New"), harness.new_user("SetUp")
    await onboard(harness, set_up, at="07:00", zone="UTC")
    for user in (new, set_up):
        await harness.send(user, "my back hurts a lot today")
        text = harness.last_text(user)
        assert "/safety" in text and "/pain" in text, text
    await harness.send(set_up, "what's the weather")
    assert "/safety" not in harness.last_text(set_up)
    assert "not sure what to do with that" in harness.last_text(set_up)
