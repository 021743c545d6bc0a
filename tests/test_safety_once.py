"""The disclaimer and the warning signs reach every user once before their first routine,
whatever the way in (/stretch, /routines, after /delete), and never twice (not again for
someone who saw them at /start). Through the real bot on the loopback Bot API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.content import load_content
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard

SAFETY = load_content(Path(__file__).resolve().parents[1] / "content").safety
DISCLAIMER_START = SAFETY.disclaimer.split("\n")[0]


def plain(text: str) -> str:
    return text.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"')


def texts_of(harness: BotHarness, user: SimUser) -> list[str]:
    return [plain(t) for t in harness.bot_texts(user)]


def count(harness: BotHarness, user: SimUser, phrase: str) -> int:
    return sum(phrase in t for t in texts_of(harness, user))


async def via_stretch(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")


async def via_routines(harness: BotHarness, user: SimUser) -> None:
    await harness.send(user, "/routines")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "▶️ Start")


async def erased_then_stretch(harness: BotHarness, user: SimUser) -> None:
    await onboard(harness, user)
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert await harness.services.preferences.get(user.id) is None
    await via_stretch(harness, user)


WAYS_IN: dict[str, Callable[[BotHarness, SimUser], Awaitable[None]]] = {
    "stretch": via_stretch,
    "routines": via_routines,
    "erased-then-stretch": erased_then_stretch,
}


@pytest.mark.parametrize("way", list(WAYS_IN))
async def test_a_routine_without_start_shows_disclaimer_and_red_flags_first(
    harness: BotHarness, way: str
) -> None:
    user = harness.new_user()
    await WAYS_IN[way](harness, user)
    seen = len(harness.bot_texts(user))
    texts = texts_of(harness, user)
    consent = max(i for i, t in enumerate(texts) if "Track your pain?" in t)
    safety = max(i for i, t in enumerate(texts) if SAFETY.red_flags.short in t)
    assert safety < consent, "the warning signs come before anything of the routine"
    assert DISCLAIMER_START in texts[safety]
    assert "hip replacement" in texts[safety] and "osteoporosis" in texts[safety]
    assert SAFETY.full_list_button in " ".join(
        harness.server.bot_messages(user.id)[safety].button_labels()
    )
    # the tester's repro goes on to the first stretch, and the full list still answers
    await harness.tap(user, "No thanks")
    assert "1 of 5" in harness.last_text(user)
    await harness.tap(user, SAFETY.full_list_button)
    assert SAFETY.red_flags.emergency.title in plain(harness.last_text(user))
    # once only: not before the next routine, nor at /start afterwards
    await harness.tap(user, "Stop")
    await via_stretch(harness, user)
    await harness.send(user, "/start")
    assert count(harness, user, SAFETY.red_flags.short) == 1 + (way == "erased-then-stretch")
    assert "When should I remind you" in harness.last_text(user)
    assert len(harness.bot_texts(user)) > seen


async def test_who_saw_them_at_start_does_not_get_them_again(harness: BotHarness) -> None:
    finished, halfway = harness.new_user("Ana"), harness.new_user("Ben")
    await onboard(harness, finished)
    await harness.send(halfway, "/start")  # leaves setup at the time question
    for user in (finished, halfway):
        await via_stretch(harness, user)
        await harness.tap(user, "No thanks")
        assert "1 of 5" in harness.last_text(user)
        assert count(harness, user, SAFETY.red_flags.short) == 1
        assert count(harness, user, DISCLAIMER_START) == 1  # the welcome's
        await harness.send(user, "/start")  # again: no second copy either
        assert count(harness, user, SAFETY.red_flags.short) == 1
