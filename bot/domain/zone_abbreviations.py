"""Time-zone abbreviations people type ("EST", "CET", "IST") and the places they mean.

An abbreviation names an offset for half of the year ("EST" is wrong in July), so none is
stored as a fixed offset: each maps to IANA zones of places that use it, which follow DST.
One zone: the abbreviation resolves to it (the bot shows the local time to confirm, when the
clocks there next change, and for "EST" that `UTC-5` is the way to keep -05:00 all year). Several:
the abbreviation is ambiguous ("IST" is India, Ireland and Israel) and the bot asks which.

Sources: the IANA tz database's abbreviations (tzdata `zone1970.tab` and the zone rules),
cross-checked against timeanddate.com's abbreviation list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """One meaning of an abbreviation: what to call it and the IANA zone to store."""

    label: str
    zone: str


_US_EAST = Place("US Eastern (New York)", "America/New_York")
_US_CENTRAL = Place("US Central (Chicago)", "America/Chicago")
_US_MOUNTAIN = Place("US Mountain (Denver)", "America/Denver")
_ARIZONA = Place("Arizona (Phoenix, no DST)", "America/Phoenix")
_US_PACIFIC = Place("US Pacific (Los Angeles)", "America/Los_Angeles")
_CENTRAL_EU = Place("Central Europe (Berlin, Paris, Rome …)", "Europe/Berlin")
_EASTERN_EU = Place("Eastern Europe (Athens, Helsinki, Kyiv …)", "Europe/Athens")
_UK = Place("United Kingdom (London)", "Europe/London")

ABBREVIATIONS: dict[str, tuple[Place, ...]] = {
    # North America
    "est": (_US_EAST,),
    "edt": (_US_EAST,),
    "et": (_US_EAST,),
    "cst": (
        _US_CENTRAL,
        Place("China (Shanghai)", "Asia/Shanghai"),
        Place("Cuba", "America/Havana"),
    ),
    "cdt": (_US_CENTRAL,),
    "ct": (_US_CENTRAL,),
    "mst": (_US_MOUNTAIN, _ARIZONA),
    "mdt": (_US_MOUNTAIN,),
    "mt": (_US_MOUNTAIN, _ARIZONA),
    "pst": (_US_PACIFIC,),
    "pdt": (_US_PACIFIC,),
    "pt": (_US_PACIFIC,),
    "akst": (Place("Alaska (Anchorage)", "America/Anchorage"),),
    "akdt": (Place("Alaska (Anchorage)", "America/Anchorage"),),
    "hst": (Place("Hawaii (Honolulu)", "Pacific/Honolulu"),),
    "ast": (
        Place("Atlantic Canada (Halifax)", "America/Halifax"),
        Place("Arabia (Riyadh)", "Asia/Riyadh"),
    ),
    "adt": (Place("Atlantic Canada (Halifax)", "America/Halifax"),),
    "nst": (Place("Newfoundland (St. John's)", "America/St_Johns"),),
    "ndt": (Place("Newfoundland (St. John's)", "America/St_Johns"),),
    # Europe
    "bst": (_UK, Place("Bangladesh (Dhaka)", "Asia/Dhaka")),
    "wet": (Place("Portugal (Lisbon)", "Europe/Lisbon"),),
    "cet": (_CENTRAL_EU,),
    "cest": (_CENTRAL_EU,),
    "eet": (_EASTERN_EU,),
    "eest": (_EASTERN_EU,),
    "msk": (Place("Moscow", "Europe/Moscow"),),
    "ist": (
        Place("India (Kolkata)", "Asia/Kolkata"),
        Place("Ireland (Dublin)", "Europe/Dublin"),
        Place("Israel (Jerusalem)", "Asia/Jerusalem"),
    ),
    # Asia and Oceania
    "pkt": (Place("Pakistan (Karachi)", "Asia/Karachi"),),
    "npt": (Place("Nepal (Kathmandu)", "Asia/Kathmandu"),),
    "ict": (Place("Indochina (Bangkok)", "Asia/Bangkok"),),
    "wib": (Place("Western Indonesia (Jakarta)", "Asia/Jakarta"),),
    "sgt": (Place("Singapore", "Asia/Singapore"),),
    "hkt": (Place("Hong Kong", "Asia/Hong_Kong"),),
    "pht": (Place("Philippines (Manila)", "Asia/Manila"),),
    "jst": (Place("Japan (Tokyo)", "Asia/Tokyo"),),
    "kst": (Place("Korea (Seoul)", "Asia/Seoul"),),
    "awst": (Place("Western Australia (Perth)", "Australia/Perth"),),
    "acst": (
        Place("South Australia (Adelaide)", "Australia/Adelaide"),
        Place("Northern Territory (Darwin, no DST)", "Australia/Darwin"),
    ),
    "acdt": (Place("South Australia (Adelaide)", "Australia/Adelaide"),),
    "aest": (
        Place("New South Wales, Victoria (Sydney, Melbourne)", "Australia/Sydney"),
        Place("Queensland (Brisbane, no DST)", "Australia/Brisbane"),
    ),
    "aedt": (Place("New South Wales, Victoria (Sydney, Melbourne)", "Australia/Sydney"),),
    "nzst": (Place("New Zealand (Auckland)", "Pacific/Auckland"),),
    "nzdt": (Place("New Zealand (Auckland)", "Pacific/Auckland"),),
    # Africa and South America
    "wat": (Place("West Africa (Lagos)", "Africa/Lagos"),),
    "eat": (Place("East Africa (Nairobi)", "Africa/Nairobi"),),
    "sast": (Place("South Africa (Johannesburg)", "Africa/Johannesburg"),),
    "brt": (Place("Brazil (São Paulo)", "America/Sao_Paulo"),),
}
"""Lower-case abbreviation → the places it can mean, the most common first."""


def places_for(text: str) -> tuple[Place, ...]:
    """The places an abbreviation can mean (empty when `text` is no known abbreviation)."""
    return ABBREVIATIONS.get(text.strip().lower(), ())
