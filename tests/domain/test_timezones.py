"""Time-zone keys, typed zone names and shared locations."""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.cities import AMBIGUOUS_NAMES, CITY_ZONES, COUNTRY_ZONES
from bot.domain.timezones import (
    MAX_OFFSET_MINUTES,
    MIN_OFFSET_MINUTES,
    TimezoneLookup,
    UnknownTimeZone,
    ZoneMatch,
    describe_offset,
    format_offset_key,
    load_zone,
    normalize_place_name,
    resolve_zone_text,
    zone_from_location,
)

SUMMER = datetime(2026, 7, 1, 12, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)


def key_of(text: str) -> str | None:
    match = resolve_zone_text(text)
    return None if match is None else match.key


# --------------------------------------------------------------------------
# load_zone
# --------------------------------------------------------------------------


def test_load_zone_iana() -> None:
    zone = load_zone("Europe/Berlin")
    assert isinstance(zone, ZoneInfo)
    assert SUMMER.astimezone(zone).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("key", "offset"),
    [
        ("UTC", timedelta(0)),
        ("UTC+05:30", timedelta(hours=5, minutes=30)),
        ("UTC-11:00", timedelta(hours=-11)),
        ("UTC+14:00", timedelta(hours=14)),
        ("UTC-12:00", timedelta(hours=-12)),
        ("UTC+05:45", timedelta(hours=5, minutes=45)),
        ("UTC-09:30", timedelta(hours=-9, minutes=-30)),
    ],
)
def test_load_zone_offset(key: str, offset: timedelta) -> None:
    zone = load_zone(key)
    assert zone.utcoffset(None) == offset
    assert SUMMER.astimezone(zone).utcoffset() == offset


@pytest.mark.parametrize(
    "key",
    [
        "",
        "europe/berlin",  # stored keys are exact
        "Europe/Atlantis",
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "/etc/localtime",
        "localtime",
        "Factory",
        "UTC+00:00",  # canonical form is "UTC"
        "UTC+5:30",
        "UTC+05:3",
        "UTC+15:00",
        "UTC-13:00",
        "UTC+01:15",
        "UTC+00:90",
        "UTC+05:30 ",
        "GMT+05:30",
        "+05:30",
    ],
)
def test_load_zone_rejects(key: str) -> None:
    with pytest.raises(UnknownTimeZone):
        load_zone(key)


def test_unknown_time_zone_is_a_value_error() -> None:
    assert issubclass(UnknownTimeZone, ValueError)


# --------------------------------------------------------------------------
# resolve_zone_text: IANA names and cities
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("america / new york", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("Asia/Calcutta", "Asia/Calcutta"),  # legacy link, still a valid key
        ("Etc/GMT+5", "UTC-05:00"),  # POSIX sign flipped, stored plainly
        ("Etc/GMT-14", "UTC+14:00"),
        ("Etc/UTC", "UTC"),
    ],
)
def test_resolve_iana_names(text: str, key: str) -> None:
    assert key_of(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("  BERLIN ", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New York", "America/New_York"),
        ("New York City", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Mumbai", "Asia/Kolkata"),
        ("Bombay", "Asia/Kolkata"),
        ("Delhi", "Asia/Kolkata"),
        ("New Delhi", "Asia/Kolkata"),
        ("Beijing", "Asia/Shanghai"),
        ("San Francisco", "America/Los_Angeles"),
        ("Los Angeles", "America/Los_Angeles"),
        ("LA", "America/Los_Angeles"),
        ("Kyiv", "Europe/Kyiv"),
        ("Kiev", "Europe/Kyiv"),
        ("Moscow", "Europe/Moscow"),
        ("Sydney", "Australia/Sydney"),
        ("Melbourne", "Australia/Melbourne"),
        ("Toronto", "America/Toronto"),
        ("Mexico City", "America/Mexico_City"),
        ("Lagos", "Africa/Lagos"),
        ("Cairo", "Africa/Cairo"),
        ("Johannesburg", "Africa/Johannesburg"),
        ("Seoul", "Asia/Seoul"),
        ("Tokyo", "Asia/Tokyo"),
        ("Jakarta", "Asia/Jakarta"),
        ("Istanbul", "Europe/Istanbul"),
        ("Dubai", "Asia/Dubai"),
        ("Singapore", "Asia/Singapore"),
        ("London", "Europe/London"),
        ("Paris", "Europe/Paris"),
        ("Madrid", "Europe/Madrid"),
        ("Zürich", "Europe/Zurich"),
        ("Zurich", "Europe/Zurich"),
        ("Łódź", "Europe/Warsaw"),
        ("Kraków", "Europe/Warsaw"),
        ("Bogotá", "America/Bogota"),
        ("Nuku'alofa", "Pacific/Tongatapu"),
        ("N'Djamena", "Africa/Ndjamena"),
        ("Port-au-Prince", "America/Port-au-Prince"),
        ("St. John's, Newfoundland", "America/St_Johns"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),
        ("Washington, D.C.", "America/New_York"),
        ("Washington DC", "America/New_York"),
        ("Paris, France", "Europe/Paris"),
        ("Berlin, Germany", "Europe/Berlin"),
        ("San José, Costa Rica", "America/Costa_Rica"),
        # Auto-matched from IANA city parts, not in the table.
        ("Kirov", "Europe/Kirov"),
        ("Ushuaia", "America/Argentina/Ushuaia"),
        ("Kiritimati", "Pacific/Kiritimati"),
        ("Pago Pago", "Pacific/Pago_Pago"),
        ("Casey", "Antarctica/Casey"),
        # Link ties broken in favour of the real zone.
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Louisville", "America/Kentucky/Louisville"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("Nicosia", "Asia/Nicosia"),
        # Single-zone countries.
        ("Germany", "Europe/Berlin"),
        ("Japan", "Asia/Tokyo"),
        ("India", "Asia/Kolkata"),
        ("UK", "Europe/London"),
    ],
)
def test_resolve_places(text: str, key: str) -> None:
    assert key_of(text) == key


def test_labels() -> None:
    assert resolve_zone_text("Berlin") == ZoneMatch("Europe/Berlin", "Europe/Berlin")
    assert resolve_zone_text("new york") == ZoneMatch("America/New_York", "America/New York")
    assert resolve_zone_text("São Paulo") == ZoneMatch("America/Sao_Paulo", "America/Sao Paulo")
    # A city that is not the zone's own name is shown next to the zone.
    assert resolve_zone_text("mumbai") == ZoneMatch("Asia/Kolkata", "Mumbai (Asia/Kolkata)")
    assert resolve_zone_text("UTC+5:30") == ZoneMatch("UTC+05:30", "UTC+05:30")


# --------------------------------------------------------------------------
# resolve_zone_text: offsets
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("UTC+3", "UTC+03:00"),
        ("utc+3", "UTC+03:00"),
        ("UTC +3", "UTC+03:00"),
        ("UTC + 3", "UTC+03:00"),
        ("GMT-11", "UTC-11:00"),
        ("gmt -11:00", "UTC-11:00"),
        ("+5:30", "UTC+05:30"),
        ("+05:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("UTC+05:45", "UTC+05:45"),
        ("UTC+14", "UTC+14:00"),
        ("UTC-12", "UTC-12:00"),
        ("-11", "UTC-11:00"),
        ("+0", "UTC"),
        ("-00:00", "UTC"),
        ("UTC+0", "UTC"),
        ("utc", "UTC"),
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("zulu", "UTC"),
        ("UTC\u22123", "UTC-03:00"),  # Unicode minus sign
        ("UTC+05:30", "UTC+05:30"),  # a stored key resolves to itself
        ("UTC-09:30", "UTC-09:30"),
    ],
)
def test_resolve_offsets(text: str, key: str) -> None:
    assert key_of(text) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Atlantis",
        "xyzzy",
        "Europe",
        "Europe/Atlantis",
        "Mars/Olympus_Mons",
        "UTC+15",
        "UTC-13",
        "UTC+14:30",
        "UTC-12:30",
        "+5:15",
        "UTC+3:60",
        "UTC+3:5",
        "UTC3",
        "5",
        "12:30",
        "UTC+",
        "++3",
        # Abbreviations: ambiguous or wrong half the year.
        "EST",
        "CET",
        "PST",
        "IST",
        "CST",
        "BST",
        # Legacy and non-place IANA names without a slash.
        "Factory",
        "localtime",
        "EST5EDT",
        # Names meaning places in different zones.
        "San Jose",
        "Victoria",
        "Portland",
        "Georgia",
        "Washington",
        "Hyderabad",
        # Not a city, even though Australia/North exists.
        "North",
        "Eastern",
        "x" * 500,
    ],
)
def test_resolve_rejects(text: str) -> None:
    assert resolve_zone_text(text) is None


offset_minutes = st.integers(MIN_OFFSET_MINUTES // 15, MAX_OFFSET_MINUTES // 15).map(
    lambda q: q * 15
)


@given(offset_minutes)
def test_offset_keys_round_trip(minutes: int) -> None:
    key = format_offset_key(minutes)
    if abs(minutes) % 60 in (0, 30, 45):
        match = resolve_zone_text(key)
        assert match is not None and match.key == key
        assert load_zone(key).utcoffset(None) == timedelta(minutes=minutes)
    else:
        assert resolve_zone_text(key) is None
        with pytest.raises(UnknownTimeZone):
            load_zone(key)


@given(st.integers(-14, 14), st.sampled_from(["UTC", "GMT", "utc", ""]), st.booleans())
def test_whole_hour_offsets(hours: int, prefix: str, padded: bool) -> None:
    sign = "-" if hours < 0 else "+"
    text = f"{prefix}{sign}{abs(hours):02d}" if padded else f"{prefix}{sign}{abs(hours)}"
    key = key_of(text)
    if hours < -12:
        assert key is None
    else:
        assert key == format_offset_key(hours * 60)


@given(st.text(max_size=40))
def test_resolve_never_raises_and_keys_load(text: str) -> None:
    match = resolve_zone_text(text)
    if match is not None:
        load_zone(match.key)


# --------------------------------------------------------------------------
# The alias table cannot drift
# --------------------------------------------------------------------------


def all_aliases() -> Iterator[tuple[str, str]]:
    yield from CITY_ZONES.items()
    yield from COUNTRY_ZONES.items()


def test_alias_table_is_big_enough() -> None:
    assert len(CITY_ZONES) >= 120


@pytest.mark.parametrize(("name", "zone"), list(all_aliases()))
def test_every_alias_resolves_to_a_loadable_key(name: str, zone: str) -> None:
    assert normalize_place_name(name) == name, "table keys must be normalised"
    assert name not in AMBIGUOUS_NAMES
    load_zone(zone)
    match = resolve_zone_text(name)
    assert match is not None and match.key == zone
    load_zone(match.key)


def test_city_and_country_tables_agree() -> None:
    for name in CITY_ZONES.keys() & COUNTRY_ZONES.keys():
        assert CITY_ZONES[name] == COUNTRY_ZONES[name], name


def test_ambiguous_names_are_normalised() -> None:
    for name in AMBIGUOUS_NAMES:
        assert normalize_place_name(name) == name


def test_every_geographic_iana_name_resolves_to_a_loadable_key() -> None:
    for name in sorted(zoneinfo.available_timezones()):
        if "/" not in name or name.startswith(("posix/", "right/")):
            continue
        match = resolve_zone_text(name)
        assert match is not None, name
        load_zone(match.key)
        if not name.startswith("Etc/"):
            assert match.key == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("São Paulo", "sao paulo"),
        ("St. John's", "st johns"),
        ("Port-au-Prince", "port au prince"),
        ("New_York", "new york"),
        ("ŁÓDŹ", "lodz"),
        ("  Zürich!! ", "zurich"),
        ("Nuku’alofa", "nukualofa"),
    ],
)
def test_normalize_place_name(text: str, expected: str) -> None:
    assert normalize_place_name(text) == expected


# --------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finder() -> TimezoneLookup:
    from timezonefinder import TimezoneFinder

    tf: TimezoneLookup = TimezoneFinder()
    return tf


@pytest.mark.parametrize(
    ("lat", "lng", "key"),
    [
        (52.52, 13.405, "Europe/Berlin"),
        (40.71, -74.0, "America/New_York"),
        (1.87, -157.4, "Pacific/Kiritimati"),
        (-14.28, -170.7, "Pacific/Pago_Pago"),
        (19.076, 72.8777, "Asia/Kolkata"),
        (0.0, -30.0, "UTC-02:00"),  # open Atlantic: Etc/GMT+2
    ],
)
def test_zone_from_location(finder: TimezoneLookup, lat: float, lng: float, key: str) -> None:
    match = zone_from_location(finder, lat, lng)
    assert match is not None
    assert match.key == key
    load_zone(match.key)


class ExplodingFinder:
    """Fails the test if called: invalid input must be rejected before lookup."""

    def timezone_at(self, *, lng: float, lat: float) -> str | None:
        raise AssertionError("finder must not be called")


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (90.1, 0.0),
        (-90.1, 0.0),
        (0.0, 180.1),
        (0.0, -180.1),
        (math.nan, 0.0),
        (0.0, math.nan),
        (math.inf, 0.0),
        (0.0, -math.inf),
        (1000.0, 1000.0),
    ],
)
def test_zone_from_location_rejects_invalid_coordinates(lat: float, lng: float) -> None:
    assert zone_from_location(ExplodingFinder(), lat, lng) is None


class FixedFinder:
    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.calls: list[tuple[float, float]] = []

    def timezone_at(self, *, lng: float, lat: float) -> str | None:
        self.calls.append((lat, lng))
        return self.answer


class RaisingFinder:
    def timezone_at(self, *, lng: float, lat: float) -> str | None:
        raise ValueError("out of range")


def test_zone_from_location_handles_finder_answers() -> None:
    finder = FixedFinder("Europe/Paris")
    assert zone_from_location(finder, 48.85, 2.35) == ZoneMatch("Europe/Paris", "Europe/Paris")
    assert finder.calls == [(48.85, 2.35)]
    assert zone_from_location(FixedFinder(None), 48.85, 2.35) is None
    assert zone_from_location(FixedFinder("Mars/Olympus_Mons"), 48.85, 2.35) is None
    assert zone_from_location(RaisingFinder(), 48.85, 2.35) is None
    assert zone_from_location(FixedFinder("Etc/GMT-5"), 0.0, 75.0) == ZoneMatch(
        "UTC+05:00", "UTC+05:00"
    )


def test_zone_from_location_accepts_edges() -> None:
    finder = FixedFinder("Antarctica/McMurdo")
    assert zone_from_location(finder, -90.0, 180.0) is not None
    assert zone_from_location(finder, 90, -180) is not None


# --------------------------------------------------------------------------
# describe_offset
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "instant", "expected"),
    [
        (ZoneInfo("Europe/Berlin"), SUMMER, "UTC+02:00"),
        (ZoneInfo("Europe/Berlin"), WINTER, "UTC+01:00"),
        (ZoneInfo("America/New_York"), SUMMER, "UTC-04:00"),
        (ZoneInfo("America/New_York"), WINTER, "UTC-05:00"),
        (ZoneInfo("Asia/Kolkata"), SUMMER, "UTC+05:30"),
        (ZoneInfo("Asia/Kathmandu"), SUMMER, "UTC+05:45"),
        (ZoneInfo("Pacific/Pago_Pago"), SUMMER, "UTC-11:00"),
        (ZoneInfo("Pacific/Kiritimati"), SUMMER, "UTC+14:00"),
        (UTC, SUMMER, "UTC+00:00"),
        (timezone(timedelta(hours=-9, minutes=-30)), SUMMER, "UTC-09:30"),
        (timezone(timedelta(seconds=3661)), SUMMER, "UTC+01:01:01"),
    ],
)
def test_describe_offset(zone: timezone | ZoneInfo, instant: datetime, expected: str) -> None:
    assert describe_offset(zone, instant) == expected


def test_describe_offset_of_loaded_keys() -> None:
    assert describe_offset(load_zone("UTC-11:00"), SUMMER) == "UTC-11:00"
    assert describe_offset(load_zone("UTC"), SUMMER) == "UTC+00:00"


def test_describe_offset_needs_aware_instant() -> None:
    with pytest.raises(ValueError):
        describe_offset(UTC, datetime(2026, 7, 1))
