"""Share codes (issue #14): any valid routine round-trips, every code is a valid deep-link
start parameter, and codes that can't be read say why."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import DoseOverride, RoutineItem, load_content
from bot.domain.share_codes import (
    MAX_CODE_CHARS,
    MAX_HOLD_SECONDS,
    MAX_NAME_CHARS,
    MAX_REPS,
    MAX_SETS,
    MAX_STRETCHES,
    ShareCodec,
    SharedRoutine,
    ShareError,
    ShareProblem,
    carries_name,
    looks_like_code,
    name_fits_a_link,
    routine_problem,
    stretch_key,
)

REPO = Path(__file__).resolve().parents[2]
CONTENT = load_content(REPO / "content")
CODEC = ShareCodec(CONTENT.stretches)
START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def dose_of(item: RoutineItem) -> tuple[int | None, int | None, int]:
    stretch = CONTENT.stretches[item.stretch]
    dose = item.dose.apply(stretch.dose) if item.dose else stretch.dose
    return dose.hold_seconds, dose.reps, dose.sets


@st.composite
def doses(draw: st.DrawFn) -> DoseOverride | None:
    if draw(st.booleans()):
        return None  # the stretch's own dose
    hold = draw(st.none() | st.integers(1, MAX_HOLD_SECONDS))
    reps = draw(st.integers(1, MAX_REPS) if hold is None else st.none() | st.integers(1, MAX_REPS))
    return DoseOverride(hold_seconds=hold, reps=reps, sets=draw(st.integers(1, MAX_SETS)))


ITEMS = st.builds(
    RoutineItem,
    stretch=st.sampled_from(sorted(CONTENT.stretches)),
    dose=doses(),
    easier=st.booleans(),
)
ROUTINES = st.builds(
    SharedRoutine,
    items=st.lists(ITEMS, min_size=1, max_size=MAX_STRETCHES).map(tuple),
    no_floor=st.booleans(),
    gentle=st.booleans(),
).filter(lambda routine: routine_problem(routine, CONTENT.stretches) is None)


@settings(max_examples=300, deadline=None)
@given(ROUTINES)
def test_any_valid_routine_round_trips_in_a_start_parameter(routine: SharedRoutine) -> None:
    code = CODEC.encode(routine)
    assert len(code) <= MAX_CODE_CHARS and START_PARAMETER.match(code)
    assert looks_like_code(code)
    decoded = CODEC.decode(code)
    assert decoded.no_floor == routine.no_floor and decoded.gentle == routine.gentle
    assert [(i.stretch, i.easier, dose_of(i)) for i in decoded.items] == [
        (i.stretch, i.easier, dose_of(i)) for i in routine.items
    ]


def test_the_longest_routine_fits() -> None:
    hold = DoseOverride(hold_seconds=MAX_HOLD_SECONDS, reps=MAX_REPS, sets=MAX_SETS)
    items = tuple(RoutineItem(stretch="bridge", dose=hold) for _ in range(MAX_STRETCHES))
    code = CODEC.encode(SharedRoutine(items))
    assert len(code) <= MAX_CODE_CHARS
    with pytest.raises(ShareError) as error:
        CODEC.encode(SharedRoutine((*items, items[0])))
    assert error.value.problem is ShareProblem.TOO_LONG


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_anything_else_decodes_or_says_why(text: str) -> None:
    try:
        routine = CODEC.decode(text)
    except ShareError as error:
        assert error.problem in ShareProblem
    else:  # a code that decodes is a valid routine that encodes to itself
        assert routine_problem(routine, CONTENT.stretches) is None
        assert CODEC.encode(routine) == text


def test_stretch_keys_depend_on_the_id_only() -> None:
    """Adding content (or reordering files) never changes what an old link means."""
    reordered = ShareCodec(dict(reversed(list(CONTENT.stretches.items()))))
    routine = SharedRoutine(CONTENT.routines["full"].items)
    assert reordered.encode(routine) == CODEC.encode(routine)
    assert stretch_key("bridge") == 0x4CFF  # pinned: links already sent must keep working
    fewer = ShareCodec({k: v for k, v in CONTENT.stretches.items() if k != "bridge"})
    with pytest.raises(ShareError) as error:
        fewer.decode(CODEC.encode(routine))
    assert error.value.problem is ShareProblem.UNKNOWN_STRETCH


def test_the_group_deep_link_is_not_a_code() -> None:
    assert not looks_like_code("from_group")


NAMES = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=MAX_NAME_CHARS
).map(lambda text: " ".join(text.split()))


@settings(max_examples=300, deadline=None)
@given(ROUTINES, NAMES)
def test_a_name_travels_when_it_fits_and_is_safe(routine: SharedRoutine, name: str) -> None:
    """Any name: the code is a valid start parameter; it holds the name exactly when the
    name is safe to show and fits, and otherwise decodes to the same routine unnamed."""
    code = CODEC.encode(replace(routine, name=name))
    assert len(code) <= MAX_CODE_CHARS and START_PARAMETER.match(code)
    decoded = CODEC.decode(code)
    assert decoded.name == (name if carries_name(code) else None)
    if carries_name(code):
        assert name_fits_a_link(name)
    assert CODEC.content_code(decoded) == CODEC.content_code(routine)


@pytest.mark.parametrize(
    "name",
    [
        "x" * MAX_NAME_CHARS,  # the longest allowed name
        "Back 🧘‍♀️ 💪",  # emoji, a zero-width joiner among them
        "מתיחות בוקר",  # right to left (Hebrew)
        "تمارين الظهر",  # right to left (Arabic)
        "Rücken & Nacken",
    ],
)
def test_odd_names_round_trip(name: str) -> None:
    one = SharedRoutine((RoutineItem(stretch="bridge"),), name=name)
    code = CODEC.encode(one)
    assert carries_name(code) and len(code) <= MAX_CODE_CHARS, (name, len(code))
    assert CODEC.decode(code).name == name


def test_a_name_that_does_not_fit_is_left_out() -> None:
    full = tuple(RoutineItem(stretch="bridge") for _ in range(MAX_STRETCHES))
    code = CODEC.encode(SharedRoutine(full, name="Evening"))
    assert not carries_name(code) and CODEC.decode(code).name is None
    emoji = CODEC.encode(SharedRoutine(full[:1], name="🧘" * MAX_NAME_CHARS))  # 160 bytes
    assert not carries_name(emoji) and len(emoji) <= MAX_CODE_CHARS
    # Unsafe names never travel: bidi overrides, control characters, markup, untidy.
    for bad in ("abc\u202edef", "a\u0007b", "<b>x</b>", " padded", "x" * 41):
        assert not carries_name(CODEC.encode(SharedRoutine(full[:1], name=bad))), bad


def named_code(data: bytes, *, length: int | None = None) -> str:
    """A version-2 code for one bridge whose name field holds `data` (checksum valid)."""
    from bot.domain import share_codes

    one = SharedRoutine((RoutineItem(stretch="bridge"),))
    bits = CODEC._routine_bits(one)
    bits.put(len(data) if length is None else length, 6)
    for byte in data:
        bits.put(byte, 8)
    body = "2" + bits.chars()
    return body + share_codes._checksum(body)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe", "abc\u202edef".encode(), b"a\x07b", b"<b>", b" x", b""],
)
def test_a_bad_name_in_a_code_is_refused(data: bytes) -> None:
    with pytest.raises(ShareError) as error:
        CODEC.decode(named_code(data))
    assert error.value.problem is ShareProblem.BAD_NAME


def test_a_name_cut_short_is_malformed() -> None:
    with pytest.raises(ShareError) as error:
        CODEC.decode(named_code(b"abc", length=9))
    assert error.value.problem is ShareProblem.MALFORMED
