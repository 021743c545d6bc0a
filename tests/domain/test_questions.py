"""Reading typed answers to the bot's questions (bot/domain/questions.py)."""

from __future__ import annotations

import pytest

from bot.domain.questions import (
    Kind,
    Question,
    decode,
    encode,
    is_cancel,
    is_no,
    is_skip,
    is_yes,
    mentions_pain,
    parse_area,
    parse_level,
)


@pytest.mark.parametrize(
    "text",
    ["cancel", "Cancel please", "✖️ Cancel", "⬅️ Back", "back", "go back", "never mind", "stop"],
)
def test_ways_out(text: str) -> None:
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["back pain", "Back Bay", "Cancún", "Berlin", "", "7:30"])
def test_not_ways_out(text: str) -> None:
    assert not is_cancel(text)


@pytest.mark.parametrize(
    ("text", "level"), [("0", 0), ("7", 7), (" 10 ", 10), ("4/10", 4), ("3 out of 10", 3)]
)
def test_levels(text: str, level: int) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["11", "-1", "seven", "7.5", "1 0", "07:30", ""])
def test_not_levels(text: str) -> None:
    assert parse_level(text) is None


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("lower back", "lower_back"),
        ("Lower back", "lower_back"),
        ("my lower back", "lower_back"),
        ("upper back", "upper_back"),
        ("neck", "neck"),
        ("Hips", "hips"),
        ("hip", "hips"),
    ],
)
def test_areas(text: str, area: str) -> None:
    assert parse_area(text) == area


def test_other_area_words() -> None:
    assert parse_area("my elbow") is None
    assert is_skip("skip") and is_skip("Skip") and not is_skip("neck")


def test_yes_and_no() -> None:
    assert is_yes("yes") and is_yes("Yes please") and is_yes("OK") and not is_yes("maybe")
    assert is_no("no") and is_no("✏️ No, change it") and not is_no("not sure")


@pytest.mark.parametrize(
    "text", ["ouch", "this hurts", "sharp pain in my back", "my knee aches", "it's sore"]
)
def test_pain_words(text: str) -> None:
    assert mentions_pain(text)


@pytest.mark.parametrize("text", ["done", "what now", "next please", "how long is this"])
def test_not_pain_words(text: str) -> None:
    assert not mentions_pain(text)


def test_stored_form_round_trips() -> None:
    stored = encode(Kind.ZONE_CONFIRM, "UTC+05:30")
    assert stored == "zone_confirm:UTC+05:30"
    assert decode(stored, 4, 17) == Question(Kind.ZONE_CONFIRM, "UTC+05:30", 4, 17)
    assert decode(encode(Kind.TIME), 1, None) == Question(Kind.TIME, "", 1, None)
    assert decode(None, 3, None) is None
    assert decode("gone_kind:x", 3, None) is None
    with pytest.raises(ValueError):
        encode(Kind.ZONE_CONFIRM, "x" * 80)
