"""Words after a command are never silently dropped (tester 7, finding 8): `/pain 2` and
`/pain 11` opened a bare keypad, and `/start xyz123` (a made-up link) answered only
"Welcome back!". Now the keypad says in one line that the number isn't logged (and that
the scale is 0-10), and an unknown link is named as such. Nothing is stored or changed."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from bot.db.models import User
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import entries_of

KEYPAD = [str(level) for level in range(11)]


async def stored(harness: BotHarness, user: SimUser) -> User:
    async with harness.services.sessions() as session:
        found = await session.scalar(select(User).where(User.id == user.id))
    assert found is not None
    return found


async def test_a_number_after_pain_is_not_logged_and_the_keypad_says_so(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)

    # Before consent: the consent question, saying the 2 wasn't logged.
    await harness.send(user, "/pain 2")
    question = harness.server.last_bot_message(user.id)
    assert "May I keep a pain log" in (question.text or "")
    assert "Nothing you typed after /pain was logged" in (question.text or "")
    assert question.button_labels() == ["✅ Yes, keep my log", "No thanks"]
    assert not await harness.services.pain.has_consent(user.id)
    await harness.send(user, "/pain 11")
    assert "The scale is 0-10, so 11 isn't a reading" in harness.last_text(user)
    await harness.tap(user, "Yes, keep my log")
    assert await entries_of(harness, user.id) == []

    # With consent: the keypad, and one line on why the number wasn't used.
    for command, note in [
        ("/pain 2", "A number after /pain isn't logged: tap 2 below, or send just 2."),
        ("/pain 7/10", "A number after /pain isn't logged: tap 7 below, or send just 7."),
        ("/pain 11", "The scale is 0-10, so 11 isn't a reading: tap a number below."),
        ("/pain -1", "The scale is 0-10, so -1 isn't a reading: tap a number below."),
        ("/pain lower back", "I don't read what follows /pain: tap a number below."),
    ]:
        await harness.send(user, command)
        keypad = harness.server.last_bot_message(user.id)
        text = keypad.text or ""
        assert text.startswith("How does your back feel right now?"), (command, text)
        assert text.endswith(f"ℹ️ {note}"), (command, text)
        assert keypad.button_labels() == KEYPAD
        assert await entries_of(harness, user.id) == [], command

    # A plain /pain has no note; the keypad still logs a typed number.
    await harness.send(user, "/pain")
    assert "ℹ️" not in harness.last_text(user)
    await harness.send(user, "2")
    [entry] = await entries_of(harness, user.id)
    assert entry.level == 2
    assert "Logged 2/10" in harness.last_text(user)


async def test_an_unknown_start_link_is_named_and_changes_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/start xyz123")
    text = harness.last_text(user)
    assert text.startswith("👋 Welcome back!\n🔗 I didn't recognise that link")
    assert "Reminders are on" in text

    # Reminders turned off stay off: only a plain /start turns them back on.
    await harness.send(user, "/stop")
    await harness.send(user, "/start xyz123")
    text = harness.last_text(user)
    assert "I didn't recognise that link, so nothing has changed" in text
    assert "Reminders are off" in text
    assert not (await stored(harness, user)).subscribed
    await harness.send(user, "/start from_group")  # the groups' deep link is known
    assert "recognise" not in harness.last_text(user)
    assert (await stored(harness, user)).subscribed

    # A plain /start says nothing about links.
    await harness.send(user, "/start")
    assert "recognise" not in harness.last_text(user)


async def test_a_new_user_with_an_unknown_link_is_told_and_set_up(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start xyz123")
    texts_seen = harness.bot_texts(user)
    assert texts.START_LINK_UNKNOWN in texts_seen
    assert "When should I remind you?" in texts_seen[-1]
    other = harness.new_user("Bea")
    await harness.send(other, "/start from_group")
    assert texts.START_LINK_UNKNOWN not in harness.bot_texts(other)
    assert "When should I remind you?" in harness.bot_texts(other)[-1]
