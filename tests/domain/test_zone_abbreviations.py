"""Typed time-zone abbreviations and impossible offsets get a specific answer."""

from __future__ import annotations

import pytest

from bot.domain.timezones import (
    OffsetOutOfRange,
    ZoneChoice,
    ZoneMatch,
    interpret_zone_text,
    load_zone,
)
from bot.domain.zone_abbreviations import ABBREVIATIONS


@pytest.mark.parametrize("abbreviation", sorted(ABBREVIATIONS))
def test_every_abbreviation_names_loadable_zones(abbreviation: str) -> None:
    for place in ABBREVIATIONS[abbreviation]:
        load_zone(place.zone)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("EST", "America/New_York"),
        ("pst", "America/Los_Angeles"),
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("JST", "Asia/Tokyo"),
        (" aedt ", "Australia/Sydney"),
        ("GMT", "UTC"),
    ],
)
def test_one_place_abbreviations_resolve(typed: str, zone: str) -> None:
    answer = interpret_zone_text(typed)
    assert isinstance(answer, ZoneMatch) and answer.key == zone


@pytest.mark.parametrize(
    ("typed", "zones"),
    [
        ("IST", {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"}),
        ("CST", {"America/Chicago", "Asia/Shanghai", "America/Havana"}),
        ("BST", {"Europe/London", "Asia/Dhaka"}),
        ("AEST", {"Australia/Sydney", "Australia/Brisbane"}),
    ],
)
def test_ambiguous_abbreviations_ask_which(typed: str, zones: set[str]) -> None:
    answer = interpret_zone_text(typed)
    assert isinstance(answer, ZoneChoice)
    assert {place.zone for place in answer.places} == zones


@pytest.mark.parametrize("typed", ["UTC+15", "utc-13", "GMT+14:30", "+5:20", "UTC+99"])
def test_impossible_offsets_are_out_of_range(typed: str) -> None:
    assert isinstance(interpret_zone_text(typed), OffsetOutOfRange)


@pytest.mark.parametrize("typed", ["cancel", "back", "Atlantis", ""])
def test_other_text_is_unknown(typed: str) -> None:
    assert interpret_zone_text(typed) is None
