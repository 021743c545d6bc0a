"""Onboarding through the loopback Bot API: every input path and every kind of bad input."""

from __future__ import annotations

from datetime import time

from bot.db.models import User
from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard


async def stored_user(harness: BotHarness, user: SimUser) -> User | None:
    return await harness.services.preferences.get(user.id)


async def test_start_welcomes_and_states_it_is_no_substitute_for_a_clinician(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    texts = harness.bot_texts(user)
    safety = harness.services.content.safety
    for line in safety.disclaimer.splitlines():  # the reviewed wording from safety.yaml
        assert line in texts[0]
    assert "sharp pain" in texts[0]
    assert safety.red_flags.short in texts[1]  # warning signs, once, with the full list a tap away
    assert "When should I remind you?" in texts[2]
    labels = harness.server.last_bot_message(user.id).button_labels()
    assert labels == ["07:00", "08:00", "12:30", "18:00", "21:00", "✖️ Cancel"]


async def test_onboarding_with_buttons_and_a_typed_city(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.tap(user, "08:00")
    assert "Which time zone" in harness.last_text(user)
    await harness.send(user, "Berlin")
    # 2026-03-02 09:00 UTC is 10:00 in Berlin (CET, UTC+01:00).
    assert "Europe/Berlin" in harness.last_text(user)
    assert "10:00" in harness.last_text(user)
    assert "UTC+01:00" in harness.last_text(user)
    await harness.tap(user, "Yes")
    assert "All set" in harness.last_text(user)
    assert "Tue 3 Mar, 08:00" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.subscribed and stored.onboarded
    assert stored.reminder_time == time(8, 0) and stored.time_zone == "Europe/Berlin"


async def test_onboarding_with_free_text_times(harness: BotHarness) -> None:
    for typed, expected in [
        ("7:30", time(7, 30)),
        ("19:15", time(19, 15)),
        ("7pm", time(19)),
        ("07.30", time(7, 30)),
    ]:
        user = harness.new_user()
        await harness.send(user, "/start")
        await harness.send(user, typed)
        stored = await stored_user(harness, user)
        assert stored is not None and stored.reminder_time == expected, typed


async def test_onboarding_with_iana_name_and_utc_offset(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="21:00", zone="America/New_York")
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone == "America/New_York"
    # 09:00 UTC on Mon 2 Mar is 04:00 in New York: the next 21:00 is the same local day.
    assert "Mon 2 Mar, 21:00" in harness.last_text(user)

    other = harness.new_user()
    await onboard(harness, other, at="12:30", zone="UTC+5:30")
    stored = await stored_user(harness, other)
    assert stored is not None and stored.time_zone == "UTC+05:30"
    assert "Mon 2 Mar, 12:30" not in harness.last_text(other)  # 14:30 there already
    assert "Tue 3 Mar, 12:30" in harness.last_text(other)


async def test_onboarding_with_a_shared_location(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:00")
    await harness.share_location(user, 40.7128, -74.006)
    assert "America/New York" in harness.last_text(user)
    await harness.tap(user, "Yes")
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone == "America/New_York"


async def test_no_changes_the_zone_before_confirming(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:00")
    await harness.send(user, "Paris")
    await harness.tap(user, "No")
    assert "Which time zone" in harness.last_text(user)
    await harness.send(user, "Tokyo")
    await harness.tap(user, "Yes")
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone == "Asia/Tokyo"


async def test_impossible_time_is_answered_and_changes_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "25:61")
    assert "couldn't read that as a time" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.reminder_time is None
    await harness.send(user, "half past seven")
    assert "couldn't read that as a time" in harness.last_text(user)
    await harness.send(user, "7:30")  # still waiting for a time
    assert "Which time zone" in harness.last_text(user)


async def test_unknown_zone_is_answered_and_changes_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Atlantis")
    assert "don't know that place" in harness.last_text(user)
    await harness.send(user, "UTC+15")
    assert "UTC-12 to UTC+14" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone is None and not stored.subscribed


async def test_free_text_where_a_button_is_expected(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    await harness.send(user, "Berlin")
    await harness.send(user, "maybe")
    assert "Tap ✅ Yes if that's your time zone or ✏️ No, change it" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone is None
    # A typed yes is taken like the button.
    await harness.send(user, "yes please")
    assert "All set" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.time_zone == "Europe/Berlin"


async def test_forged_buttons_are_rejected_without_changes(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    message_id = harness.server.last_bot_message(user.id).message_id
    for forged in [
        "t:2561",
        "z:ok:Mars/Olympus",
        "hack",
        "s:drop_tables",
        "d:9",
        "p:2",
        "r:snooze:999999",
    ]:
        await harness.forge(user, message_id, forged)
    stored = await stored_user(harness, user)
    assert stored is not None
    assert stored.reminder_time == time(7, 30) and stored.time_zone == "Europe/Berlin"
    answers = harness.server.calls_to("answerCallbackQuery")
    assert len(answers) >= 7
    assert all("isn't valid" in (c.params.get("text") or "") for c in answers[-7:])


async def test_start_again_never_wipes_data(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")
    await harness.send(user, "/start")
    assert "Welcome back" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and stored.reminder_time == time(7, 30)
    assert stored.time_zone == "Europe/Berlin" and stored.subscribed


async def test_stop_then_start_subscribes_again(harness: BotHarness) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stop")
    assert "Reminders are off" in harness.last_text(user)
    stored = await stored_user(harness, user)
    assert stored is not None and not stored.subscribed and stored.next_due_at is None
    assert stored.time_zone == "Europe/Berlin"
    await harness.send(user, "/start")
    stored = await stored_user(harness, user)
    assert stored is not None and stored.subscribed and stored.next_due_at is not None


async def test_help_privacy_and_command_menu(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/help")
    assert "/stretch" in harness.last_text(user) and "/privacy" in harness.last_text(user)
    await harness.send(user, "/privacy")
    assert "What I store" in harness.last_text(user)
    assert "/delete" in harness.last_text(user)
    commands = harness.server.calls_to("setMyCommands")[-1].params["commands"]
    names = {c["command"] for c in commands}
    assert {"start", "stretch", "pain", "settings", "help", "privacy", "stop"} <= names


async def test_text_before_start_points_to_start(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "hello")
    assert "/start" in harness.last_text(user)


async def test_start_again_during_setup_or_a_bad_link_sends_no_second_welcome(
    harness: BotHarness,
) -> None:
    """Someone who got the welcome and the warning signs, mid-setup: /start again, or a
    broken share link (/start <code>), goes on with setup; the full welcome came a second
    time before. A link's problem is said."""
    from bot import texts as bot_texts

    user = harness.new_user()
    await harness.send(user, "/start")
    welcome = harness.bot_texts(user)[0]
    assert "Hi! I'm your daily back-stretch buddy" in welcome
    before = len(harness.bot_texts(user))
    await harness.send(user, "/start 1!!")
    replies = harness.bot_texts(user)[before:]
    assert replies[0] == bot_texts.SHARE_PROBLEMS["malformed"], replies
    assert "When should I remind you?" in replies[-1] and len(replies) == 2, replies
    before = len(harness.bot_texts(user))
    await harness.send(user, "/start")
    replies = harness.bot_texts(user)[before:]
    assert len(replies) == 1 and "When should I remind you?" in replies[0], replies
    assert harness.bot_texts(user).count(welcome) == 1
    # A brand-new user with a bad link still gets the welcome, then the problem.
    other = harness.new_user()
    await harness.send(other, "/start 1!!")
    replies = harness.bot_texts(other)
    assert replies[0] == welcome and bot_texts.SHARE_PROBLEMS["malformed"] in replies
