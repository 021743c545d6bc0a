"""The zone confirmation reads naturally and says what happens when the clocks change:
onboarding transcripts (buttons, typed, location, abbreviations) have no filler message
("Thanks!") and no repeats, the location keyboard stays while a zone question is open and
goes with the message after it, and an abbreviation such as "EST" says it follows New
York's summer time and how to get its fixed offset instead."""

from __future__ import annotations

from datetime import UTC, datetime

from loopback.server import SimUser
from tests.harness.bot import BotHarness, onboard

WINTER = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 14, 0, tzinfo=UTC)


def transcript(harness: BotHarness, user: SimUser) -> list[str]:
    """The first line of every bot message after the welcome and the warning signs."""
    return [
        (m.text or m.caption or "").split("\n")[0] for m in harness.server.bot_messages(user.id)
    ][2:]


async def at_the_zone_question(harness: BotHarness) -> SimUser:
    """A new user who sent /start and typed 7:30: the bot asks for the time zone."""
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7:30")
    return user


def assert_reads_naturally(lines: list[str]) -> None:
    assert "Thanks!" not in lines
    assert len(lines) == len(set(lines)), f"a message repeated: {lines}"
    fillers = {"thanks", "thank you", "ok", "okay", "got it", "noted", "great"}
    assert not [line for line in lines if line.strip(" !.👍").lower() in fillers], lines


async def test_typed_city_with_buttons(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.tap(user, "08:00")
    assert harness.server.reply_keyboard(user.id) is not None, "Share my location is offered"
    await harness.send(user, "Berlin")
    assert harness.server.reply_keyboard(user.id) is not None, "sharing still answers it"
    await harness.tap(user, "Yes")
    assert harness.server.reply_keyboard(user.id) is None, "gone once the zone is set"
    lines = transcript(harness, user)
    assert lines == [
        "⏰ When should I remind you?",
        "🌍 Which time zone are you in?",
        "🌍 Europe/Berlin: it's 10:00 there now (Mon 2 Mar), UTC+01:00 (CET).",
        "✅ All set!",
    ]
    facts = harness.server.bot_messages(user.id)[4].text or ""
    assert facts.endswith("Is that right?\n\n✓ Europe/Berlin")  # the choice shown
    assert "Clocks there change on Sun 29 Mar to UTC+02:00 (CEST)" in facts
    assert "stays at the same local time" in facts and "Type" not in facts
    assert_reads_naturally(lines)


async def test_typed_time_location_and_typed_yes(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/start")
    await harness.send(user, "7pm")
    await harness.share_location(user, 35.68, 139.69)  # Tokyo: no clock changes
    await harness.send(user, "yes")
    lines = transcript(harness, user)
    assert lines[2] == "🌍 Asia/Tokyo: it's 18:00 there now (Mon 2 Mar), UTC+09:00 (JST)."
    assert "Clocks" not in (harness.server.bot_messages(user.id)[4].text or "")
    assert lines[-1] == "✅ All set!"
    assert harness.server.reply_keyboard(user.id) is None
    assert_reads_naturally(lines)


async def test_an_ambiguous_abbreviation_then_a_pick(harness: BotHarness) -> None:
    user = await at_the_zone_question(harness)
    await harness.send(user, "IST")
    await harness.tap(user, "India")
    assert harness.server.reply_keyboard(user.id) is None
    lines = transcript(harness, user)
    assert lines[2:] == [
        "🌍 IST means different time zones in different places. Which one is yours? (Or "
        "type your city.)",
        "✅ All set!",
    ]
    assert_reads_naturally(lines)


async def test_a_second_try_at_the_confirmation(harness: BotHarness) -> None:
    user = await at_the_zone_question(harness)
    await harness.send(user, "Berlin")
    await harness.send(user, "Lisbon")  # typed at "Is that right?": one message, with buttons
    last = harness.server.last_bot_message(user.id)
    assert (last.text or "").startswith("🌍 Europe/Lisbon: it's")
    assert (last.text or "").endswith("Is that right?")
    assert "✅ Yes" in last.button_labels()
    assert_reads_naturally(transcript(harness, user))


async def test_est_in_winter_follows_new_york_and_offers_a_fixed_utc_minus_5(
    harness: BotHarness,
) -> None:
    harness.clock.set(WINTER)
    user = await at_the_zone_question(harness)
    await harness.send(user, "EST")
    facts = harness.server.bot_messages(user.id)[-1].text or ""
    assert "it's 09:00 there now (Thu 15 Jan), UTC-05:00 (EST)." in facts
    assert "Clocks there change on Sun 8 Mar to UTC-04:00 (EDT)" in facts
    assert "Want UTC-05:00 all year instead (no clock changes)? Type UTC-5." in facts
    await harness.send(user, "UTC-5")
    fixed = harness.last_text(user)
    assert "UTC-05:00" in fixed and "Clocks" not in fixed
    await harness.tap(user, "Yes")
    stored = await harness.services.preferences.get(user.id)
    assert stored is not None and stored.time_zone == "UTC-05:00"


async def test_est_in_summer_and_edt_in_winter_name_their_own_offsets(
    harness: BotHarness,
) -> None:
    harness.clock.set(SUMMER)
    user = await at_the_zone_question(harness)
    await harness.send(user, "EST")
    facts = harness.server.bot_messages(user.id)[-1].text or ""
    assert "UTC-04:00 (EDT)." in facts, "July in New York is EDT, said plainly"
    assert "Clocks there change on Sun 1 Nov to UTC-05:00 (EST)" in facts
    assert "Type UTC-5" in facts, "EST names UTC-5"
    harness.clock.set(WINTER)
    await harness.send(user, "EDT")
    text = harness.last_text(user)
    assert "UTC-05:00 (EST)." in text and "Type UTC-4" in text


async def test_an_abbreviation_without_clock_changes_says_nothing_more(
    harness: BotHarness,
) -> None:
    user = await at_the_zone_question(harness)
    await harness.send(user, "JST")
    facts = harness.server.bot_messages(user.id)[-1].text or ""
    assert "UTC+09:00 (JST)." in facts
    assert "Clocks" not in facts and "Type" not in facts


async def test_a_zone_changed_in_settings_removes_the_location_keyboard(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/settings")
    await harness.tap(user, "Time zone")
    assert harness.server.reply_keyboard(user.id) is not None
    await harness.send(user, "CET")
    text = harness.last_text(user)
    assert "Clocks there change on Sun 29 Mar to UTC+02:00 (CEST)" in text
    assert "Type UTC+1." in text
    await harness.tap(user, "Yes")
    assert harness.server.reply_keyboard(user.id) is None
    lines = transcript(harness, user)
    visit = lines[lines.index("⚙️ Your settings") + 1 :]
    starts = ["🌍 Which time zone", "🌍 CET (Europe/Berlin)", "🌍 Time zone set to", "⚙️ Your"]
    assert len(visit) == len(starts), visit
    assert all(line.startswith(start) for line, start in zip(visit, starts, strict=True)), visit


async def test_a_fixed_offset_or_utc_names_its_offset_once(harness: BotHarness) -> None:
    """The tester saw "🌍 UTC+05:45: … UTC+05:45 (UTC+05:45)": a fixed offset's label, its
    offset and its zone name are one and the same, so it is said once. A zone with an
    abbreviation still names it."""
    harness.clock.set(WINTER)
    for typed, said in (("UTC+5:45", "UTC+05:45"), ("UTC", "UTC"), ("Europe/Berlin", None)):
        user = await at_the_zone_question(harness)
        await harness.send(user, typed)
        first_line = harness.last_text(user).split("\n")[0]
        if said is None:
            assert "UTC+01:00 (CET)" in first_line, first_line
        else:
            assert first_line.count("UTC") == 1, first_line
            assert f"<b>{said}</b>" in first_line or said in first_line, first_line
