"""The next clock change of a zone, as the zone confirmation states it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock_changes import next_clock_change

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


def test_new_york_in_winter_moves_to_edt_on_the_second_sunday_of_march() -> None:
    change = next_clock_change(ZoneInfo("America/New_York"), WINTER)
    assert change is not None
    assert (change.name_before, change.name_after) == ("EST", "EDT")
    assert (change.before, change.after) == (timedelta(hours=-5), timedelta(hours=-4))
    assert change.at == datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("America/New_York"))


def test_new_york_in_summer_moves_back_to_est_in_november() -> None:
    change = next_clock_change(ZoneInfo("America/New_York"), SUMMER)
    assert change is not None
    assert (change.name_before, change.name_after) == ("EDT", "EST")
    assert change.at.date().isoformat() == "2026-11-01"
    assert change.at.hour == 1  # 02:00 EDT became 01:00 EST


def test_southern_hemisphere_changes_the_other_way() -> None:
    change = next_clock_change(ZoneInfo("Australia/Sydney"), WINTER)
    assert change is not None
    assert (change.name_before, change.name_after) == ("AEDT", "AEST")
    assert change.at.date().isoformat() == "2026-04-05"


@pytest.mark.parametrize(
    "zone",
    [ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Phoenix"), UTC, timezone(timedelta(hours=-5))],
)
def test_zones_without_dst_have_no_change(zone: ZoneInfo | timezone) -> None:
    assert next_clock_change(zone, WINTER) is None
    assert next_clock_change(zone, SUMMER) is None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_clock_change(ZoneInfo("Europe/Berlin"), datetime(2026, 1, 1))
