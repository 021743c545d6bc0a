"""Turn what a user typed or shared into a time-zone key, and keys into tzinfo.

A user's zone is stored as a short string key so the database never holds
a pickled ``tzinfo``:

* an IANA name such as ``"Europe/Berlin"``: follows that place's DST rules;
* ``"UTC"`` or ``"UTC+05:30"`` / ``"UTC-11:00"``: a fixed offset the user
  typed. Always sign, two-digit hours, colon, two-digit minutes, so equal
  offsets give equal keys.

Anything we cannot resolve unambiguously yields ``None`` so the bot can ask
again rather than silently reminding someone at 3 a.m.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from bot.domain.cities import AMBIGUOUS_NAMES, CITY_ZONES, COUNTRY_ZONES
from bot.domain.zone_abbreviations import Place, places_for

#: Real-world offsets run from UTC-12:00 (Baker Island) to UTC+14:00 (Line Islands).
MIN_OFFSET_MINUTES = -12 * 60
MAX_OFFSET_MINUTES = 14 * 60
#: Minute parts that occur in real offsets (India +05:30, Nepal +05:45).
_OFFSET_MINUTE_PARTS = frozenset({0, 30, 45})

UTC_KEY = "UTC"

#: In available_timezones() but not zones a person lives in.
_EXCLUDED_NAMES = frozenset({"Factory", "localtime", "posixrules"})
#: Top-level directories of the geographic IANA zones; only these take part
#: in "type a city" matching (not "US/Pacific", "Etc/GMT+5", "EST", ...).
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
#: Legacy Australian state links whose last component is no city.
_NOT_CITIES = frozenset(
    {
        "Australia/ACT",
        "Australia/LHI",
        "Australia/NSW",
        "Australia/North",
        "Australia/Queensland",
        "Australia/South",
        "Australia/Tasmania",
        "Australia/Victoria",
        "Australia/West",
        "Australia/Yancowinna",
    }
)
#: IANA names that are plain UTC under another name.
_UTC_ALIASES = frozenset({"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich"})

_OFFSET_KEY_RE = re.compile(r"UTC(?P<sign>[+-])(?P<hours>[0-9]{2}):(?P<minutes>[0-9]{2})")
_OFFSET_TEXT_RE = re.compile(
    r"(?:(?:utc|gmt|z)\s*)?(?P<sign>[+-])\s*(?P<hours>[0-9]{1,2})(?::?(?P<minutes>[0-9]{2}))?"
)
_MAX_TEXT_LEN = 100
#: Minus sign and dashes that phones and word processors substitute for "-".
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\u2010": "-"})


class UnknownTimeZone(ValueError):
    """A stored or typed key that names no zone we can load."""


@dataclass(frozen=True)
class ZoneMatch:
    """A resolved zone: ``key`` to store, ``label`` to show the user."""

    key: str
    label: str
    abbreviation: str | None = None  # "EST" when the user typed an abbreviation


class TimezoneLookup(Protocol):
    """The one method we use from ``timezonefinder.TimezoneFinder``.

    A protocol so tests can pass a stub and this module need not import
    timezonefinder (whose finder is costly to build; the app makes one).
    """

    def timezone_at(self, *, lng: float, lat: float) -> str | None:
        """The IANA name at that point, or ``None``."""
        ...


# --------------------------------------------------------------------------
# Offsets
# --------------------------------------------------------------------------


def _offset_minutes_valid(total_minutes: int) -> bool:
    """Only offsets that exist somewhere; catches typos like UTC+51."""
    return (
        MIN_OFFSET_MINUTES <= total_minutes <= MAX_OFFSET_MINUTES
        and abs(total_minutes) % 60 in _OFFSET_MINUTE_PARTS
    )


def format_offset_key(total_minutes: int) -> str:
    """The canonical key for a fixed offset: ``"UTC"`` or ``"UTC+05:30"``."""
    if total_minutes == 0:
        return UTC_KEY
    sign = "+" if total_minutes > 0 else "-"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _format_offset(offset: timedelta) -> str:
    """``UTC+02:00`` style, with seconds only for odd historical offsets."""
    total = int(offset.total_seconds())
    sign = "+" if total >= 0 else "-"
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"UTC{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def describe_offset(zone: tzinfo, instant: datetime) -> str:
    """The offset ``zone`` has at ``instant``, e.g. ``"UTC+02:00"``.

    Needs the instant because DST changes the answer through the year.
    """
    if instant.tzinfo is None:
        raise ValueError(f"instant must be aware, got naive {instant!r}")
    offset = instant.astimezone(zone).utcoffset()
    if offset is None:  # pragma: no cover - astimezone always yields an offset
        raise ValueError(f"zone {zone!r} has no UTC offset")
    return _format_offset(offset)


def _parse_offset_text(text: str) -> int | None:
    """Minutes east of UTC for "UTC+3", "GMT-11", "+05:30", "utc", ...; else None."""
    if text in _UTC_ALIASES:
        return 0
    match = _OFFSET_TEXT_RE.fullmatch(text)
    if match is None:
        return None
    hours = int(match["hours"])
    minutes = int(match["minutes"] or 0)
    if minutes >= 60:
        return None
    total = hours * 60 + minutes
    if match["sign"] == "-":
        total = -total
    return total if _offset_minutes_valid(total) else None


def _offset_match(total_minutes: int) -> ZoneMatch:
    key = format_offset_key(total_minutes)
    return ZoneMatch(key=key, label=key)


# --------------------------------------------------------------------------
# IANA names
# --------------------------------------------------------------------------


@cache
def _iana_names() -> frozenset[str]:
    """Every loadable IANA name (system tz database plus the tzdata package)."""
    return frozenset(zoneinfo.available_timezones() - _EXCLUDED_NAMES)


@cache
def _iana_by_lower() -> dict[str, str]:
    """Lower-cased IANA name -> real spelling, for case-insensitive input."""
    return {name.lower(): name for name in _iana_names()}


def _read_tzdata_zi() -> str | None:
    """The compiled tz source, which lists links; ``None`` if not shipped."""
    try:
        return resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text("utf-8")
    except (ImportError, OSError):
        pass
    for directory in zoneinfo.TZPATH:
        try:
            return (Path(directory) / "tzdata.zi").read_text("utf-8")
        except OSError:
            continue
    return None


@cache
def _links() -> dict[str, str]:
    """Link name -> target (``"Asia/Calcutta" -> "Asia/Kolkata"``).

    Only used to break ties such as America/Buenos_Aires (a link) versus
    America/Argentina/Buenos_Aires (the zone). Without the file we just
    treat such names as ambiguous.
    """
    source = _read_tzdata_zi()
    links: dict[str, str] = {}
    if source is None:
        return links
    for line in source.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return links


def _canonical(name: str) -> str:
    """Follow links to the zone a name stands for."""
    links = _links()
    for _ in range(8):  # links never chain this deep; guards against cycles
        if name not in links:
            break
        name = links[name]
    return name


def iana_label(name: str) -> str:
    """Readable form of an IANA name: "America/New_York" -> "America/New York"."""
    return name.replace("_", " ")


def _iana_match(name: str) -> ZoneMatch:
    """Store IANA names as-is, but fixed ``Etc/...`` zones as offset keys.

    ``Etc/GMT+5`` means UTC-05:00 (POSIX sign), which would confuse anyone
    reading it; the offset key says the same thing plainly.
    """
    if name.startswith("Etc/") or name.lower() in _UTC_ALIASES:
        offset = zoneinfo.ZoneInfo(name).utcoffset(datetime(2000, 1, 1))
        if offset is not None:
            minutes = int(offset.total_seconds()) // 60
            if _offset_minutes_valid(minutes):
                return _offset_match(minutes)
    return ZoneMatch(key=name, label=iana_label(name))


def load_zone(key: str) -> tzinfo:
    """The ``tzinfo`` for a stored key; raises :class:`UnknownTimeZone`.

    Strict on purpose: only exact IANA names and canonical offset keys, so
    two spellings of one zone cannot end up stored side by side.
    """
    if key == UTC_KEY:
        return UTC
    match = _OFFSET_KEY_RE.fullmatch(key)
    if match is not None:
        total = int(match["hours"]) * 60 + int(match["minutes"])
        if match["sign"] == "-":
            total = -total
        if total == 0 or not _offset_minutes_valid(total) or int(match["minutes"]) >= 60:
            raise UnknownTimeZone(key)
        return timezone(timedelta(minutes=total), key)
    if key in _iana_names():
        try:
            return zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise UnknownTimeZone(key) from exc
    raise UnknownTimeZone(key)


# --------------------------------------------------------------------------
# Place names
# --------------------------------------------------------------------------

#: Letters NFKD does not decompose into base + accent.
_LETTER_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th"}
)
_APOSTROPHES_RE = re.compile(r"['’‘`ʼ]")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def normalize_place_name(text: str) -> str:
    """Fold a place name for lookup: "São Paulo" -> "sao paulo".

    Lower case, accents stripped, apostrophes dropped ("St. John's" ->
    "st johns"), other punctuation and underscores become single spaces.
    """
    folded = text.casefold().translate(_LETTER_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _APOSTROPHES_RE.sub("", stripped)
    return _NON_ALNUM_RE.sub(" ", stripped).strip()


@cache
def _last_component_index() -> dict[str, tuple[str, ...]]:
    """Normalised city part of each geographic IANA name -> names having it."""
    index: defaultdict[str, set[str]] = defaultdict(set)
    for name in _iana_names():
        parts = name.split("/")
        if len(parts) < 2 or parts[0] not in _REGIONS or name in _NOT_CITIES:
            continue
        index[normalize_place_name(parts[-1])].add(name)
    return {city: tuple(sorted(names)) for city, names in index.items()}


def _pick_zone(candidates: tuple[str, ...]) -> str | None:
    """One name, or several that are links to one zone; else ambiguous."""
    if len(candidates) == 1:
        return candidates[0]
    targets = {_canonical(name) for name in candidates}
    if len(targets) != 1:
        return None
    (target,) = targets
    return target if target in candidates else candidates[0]


def _capitalise_words(text: str) -> str:
    """Title-case words ("new york" -> "New York") but keep the user's accents."""
    return " ".join(word[:1].upper() + word[1:] for word in text.split())


def _place_match(text: str) -> ZoneMatch | None:
    """Match a city or country name through the tables, then IANA city parts."""
    name = normalize_place_name(text)
    if not name or name in AMBIGUOUS_NAMES:
        return None
    zone = CITY_ZONES.get(name) or COUNTRY_ZONES.get(name)
    if zone is None:
        candidates = _last_component_index().get(name)
        zone = _pick_zone(candidates) if candidates else None
    if zone is None or zone not in _iana_names():
        return None
    match = _iana_match(zone)
    if normalize_place_name(zone.rsplit("/", 1)[-1]) == name:
        return match
    # "Mumbai" -> "Mumbai (Asia/Kolkata)": show both so nobody wonders why
    # their city was swapped for another one.
    return ZoneMatch(key=match.key, label=f"{_capitalise_words(text)} ({match.label})")


def _exact_iana(text: str) -> ZoneMatch | None:
    """Exact IANA name in any case: "america/new york" -> America/New_York.

    Only names with a slash: bare legacy names ("EST", "CET", "Japan")
    are either ambiguous abbreviations or covered by the tables.
    """
    if "/" not in text:
        return None
    candidate = re.sub(r"\s*/\s*", "/", text.strip())
    candidate = re.sub(r"\s+", "_", candidate).lower()
    name = _iana_by_lower().get(candidate)
    return None if name is None else _iana_match(name)


def resolve_zone_text(text: str) -> ZoneMatch | None:
    """Resolve what a user typed into a zone, or ``None`` if unknown/ambiguous.

    Tried in order: a UTC offset ("UTC+3", "GMT-11", "+05:30", "utc");
    an exact IANA name in any case; a city or single-zone country from
    ``cities.py``; the city part of any IANA name ("berlin", "new york");
    and for "City, Country" the part before the first comma. Time-zone
    abbreviations ("EST", "CET", "IST") are rejected: several mean
    different things in different places, and "EST" in July is wrong.
    """
    cleaned = text.strip()
    if not cleaned or len(cleaned) > _MAX_TEXT_LEN:
        return None
    lowered = cleaned.lower().translate(_DASHES)
    offset = _parse_offset_text(lowered)
    if offset is not None:
        return _offset_match(offset)
    match = _exact_iana(cleaned) or _place_match(cleaned)
    if match is None and "," in cleaned:
        match = _place_match(cleaned.split(",", 1)[0])
    return match


@dataclass(frozen=True)
class ZoneChoice:
    """Typed text that means one of several zones ("IST"): ask which."""

    abbreviation: str
    places: tuple[Place, ...]


@dataclass(frozen=True)
class OffsetOutOfRange:
    """A UTC offset no place uses ("UTC+15", "UTC+5:20")."""

    text: str


ZoneAnswer = ZoneMatch | ZoneChoice | OffsetOutOfRange | None


def interpret_zone_text(text: str) -> ZoneAnswer:
    """What typed text says about a zone, so the bot can answer each case specifically.

    A `ZoneMatch` as `resolve_zone_text` finds it, or for an abbreviation of one place
    ("PST", "CET", "JST") that place's IANA zone; a `ZoneChoice` for an abbreviation of
    several places ("IST", "CST"); `OffsetOutOfRange` for an offset outside
    UTC-12:00..UTC+14:00 or with minutes other than :00, :30, :45; otherwise None.
    """
    match = resolve_zone_text(text)
    if match is not None:
        return match
    cleaned = text.strip()
    places = places_for(cleaned)
    if len(places) == 1:
        zone = _iana_match(places[0].zone)
        return ZoneMatch(
            key=zone.key, label=f"{cleaned.upper()} ({zone.label})", abbreviation=cleaned.upper()
        )
    if places:
        return ZoneChoice(abbreviation=cleaned.upper(), places=places)
    lowered = cleaned.lower().translate(_DASHES)
    if len(lowered) <= _MAX_TEXT_LEN and _OFFSET_TEXT_RE.fullmatch(lowered):
        return OffsetOutOfRange(cleaned)
    return None


def zone_from_location(
    finder: TimezoneLookup, latitude: float, longitude: float
) -> ZoneMatch | None:
    """The zone at a shared location, or ``None`` if invalid/unknown.

    ``finder`` is the app's ``timezonefinder.TimezoneFinder``; the lookup is
    synchronous, so async callers should run this via ``asyncio.to_thread``.
    Open-sea points come back as ``Etc/GMT±N`` and are stored as offset keys.
    """
    try:
        lat = float(latitude)
        lng = float(longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        return None
    try:
        name = finder.timezone_at(lng=lng, lat=lat)
    except ValueError:
        return None
    if name is None or name not in _iana_names():
        return None
    return _iana_match(name)
