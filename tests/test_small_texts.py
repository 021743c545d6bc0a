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


def _texts_saying_where() -> dict[str, str]:
    """Every string in bot/texts.py and content/safety.yaml that says "above" or "below"."""
    import re
    from pathlib import Path

    import yaml

    found: dict[str, str] = {}
    for name in dir(texts):
        value = getattr(texts, name)
        values = value.values() if isinstance(value, dict) else [value]
        for text in values:
            if isinstance(text, str) and re.search(r"\b(above|below)\b", text, re.I):
                found[name] = text
    safety = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "content/safety.yaml").read_text()
    )

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}.{i}")
        elif isinstance(node, str) and re.search(r"\b(above|below)\b", node, re.I):
            found[path] = node

    walk(safety, "safety")
    return found


#: Where each "above"/"below" is true wherever the text is shown: the buttons (or text) it
#: points at travel in the same message, or the toast is answered only when the bot checked
#: that what it names is below the tapped message.
WHERE_IS_TRUE = {
    "ASK_ZONE": "its reply keyboard (📍 Share my location) sits below the chat",
    "ZONE_ALREADY_ASKED": "a toast while that reply keyboard is shown",
    "PRIVATE_CHAT_ONLY": "sent with its URL button",
    "PAIN_LEVEL_HINT": "sent with the keypad again",
    "PAIN_AREA_HINT": "sent with the area buttons again",
    "DELETE_HINT": "sent with Yes/Cancel again",
    "SHARE_ALREADY_HAVE": "sent with Open it",
    "REST_ADVISED_BELOW": "a toast, only for a second tap on the advice's own buttons",
    "ANSWER_BELOW": "a toast, only for a second tap while the question it opened is open",
    "safety.high_pain.question": "follows the warning signs in the same message",
}


def test_every_above_and_below_is_true_where_it_is_shown() -> None:
    """Hints about buttons in an earlier message name the message ("on the stretch card",
    "on my question") and quote it instead of saying "above": other messages may have come
    since (tests/test_routines.py checks the quotes through the loopback)."""
    found = _texts_saying_where()
    unexplained = {name: text for name, text in found.items() if name not in WHERE_IS_TRUE}
    assert unexplained == {}
    assert set(WHERE_IS_TRUE) == set(found)  # the reasons stay those of texts that exist
