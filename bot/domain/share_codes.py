"""Share codes: a routine with its doses, packed into a Telegram deep-link start parameter.

A link is ``https://t.me/<bot>?start=<code>``; Telegram allows at most 64 characters of
``A-Za-z0-9_-`` there, which is exactly the base64url alphabet, 6 bits a character.

Layout (version 1), a bit string written 6 bits per character after the version character:

- ``"1"``: the version; any other first character is a code this bot can't read.
- header: ``no_floor`` (1 bit), ``gentle`` (1), number of stretches − 1 (4).
- per stretch: its key (16 bits, see `stretch_key`), easier version only (1), has a hold (1),
  has repetitions (1), sets − 1 (2), then the hold in seconds (7) and the repetitions (6)
  when present.
- zero padding to a whole character, then one checksum character (the first 6 bits of the
  SHA-256 of everything before it), so a typo or a made-up code is recognised.

Stretch keys are 16 bits of the SHA-256 of the stretch id, so they stay the same when
stretch files are added, removed or reordered; a collision between two stretches is found
when the codec is built (at start-up) and names both. At most `MAX_STRETCHES` stretches:
10 × 34 bits + 6 fit in 58 characters, 60 with the version and checksum.

Pure: no Telegram, no database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from bot.content import ContentError, DoseOverride, Routine, RoutineItem, Stretch, check_routine

VERSION = "1"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
MAX_CODE_CHARS = 64
"""Telegram's limit for a deep link's start parameter."""
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_STRETCHES = 10
MAX_HOLD_SECONDS = 120
MAX_REPS = 50
MAX_SETS = 4

_KEY_BITS = 16
_COUNT_BITS = 4
_SETS_BITS = 2
_HOLD_BITS = 7
_REPS_BITS = 6
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


class ShareProblem(StrEnum):
    """Why a code can't be read (each has its own friendly text in bot/texts.py)."""

    MALFORMED = "malformed"  # not a code at all, cut short, or a typo (checksum)
    VERSION = "version"  # made by another version of the format
    TOO_LONG = "too_long"  # longer than a start parameter, or too many stretches
    UNKNOWN_STRETCH = "unknown_stretch"  # a stretch this bot doesn't have
    IMPOSSIBLE_DOSE = "impossible_dose"  # a hold, repetitions or sets out of range
    BROKEN_PROMISE = "broken_promise"  # e.g. a floor stretch in a "no floor" routine


class ShareError(Exception):
    """A code that can't be decoded, or a routine that can't be encoded."""

    def __init__(self, problem: ShareProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class SharedRoutine:
    """What a code holds: the stretches with their doses, and the routine's promises."""

    items: tuple[RoutineItem, ...]
    no_floor: bool = False
    gentle: bool = False


def stretch_key(stretch_id: str) -> int:
    """A stretch's 16-bit key in codes: depends on its id only, never on file order."""
    digest = hashlib.sha256(f"stretch:{stretch_id}".encode()).digest()
    return int.from_bytes(digest[:2], "big")


def looks_like_code(parameter: str) -> bool:
    """Whether a /start parameter is meant as a share code (not e.g. ``from_group``)."""
    return bool(parameter) and parameter[0].isdigit()


def _checksum(body: str) -> str:
    return ALPHABET[hashlib.sha256(body.encode()).digest()[0] >> 2]


class _Bits:
    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, value: int, width: int) -> None:
        if not 0 <= value < 1 << width:
            raise ShareError(ShareProblem.IMPOSSIBLE_DOSE)
        self.value = (self.value << width) | value
        self.length += width

    def chars(self) -> str:
        pad = -self.length % 6
        value, length = self.value << pad, self.length + pad
        return "".join(ALPHABET[(value >> shift) & 63] for shift in range(length - 6, -1, -6))


class _Reader:
    def __init__(self, chars: str) -> None:
        self.value = 0
        for char in chars:
            self.value = (self.value << 6) | _INDEX[char]
        self.left = 6 * len(chars)

    def take(self, width: int) -> int:
        if width > self.left:
            raise ShareError(ShareProblem.MALFORMED)
        self.left -= width
        return (self.value >> self.left) & ((1 << width) - 1)

    def only_padding_left(self) -> bool:
        return self.left < 6 and self.value & ((1 << self.left) - 1) == 0


class ShareCodec:
    """Encodes and decodes routines against one set of stretches (the loaded content)."""

    def __init__(self, stretches: Mapping[str, Stretch]) -> None:
        self._stretches = stretches
        self._by_key: dict[int, str] = {}
        for stretch_id in stretches:
            key = stretch_key(stretch_id)
            other = self._by_key.setdefault(key, stretch_id)
            if other != stretch_id:
                raise ContentError(
                    f"content/stretches/{stretch_id}.yaml",
                    "id",
                    f"has the same share key as {other!r}; choose another id",
                )

    def encode(self, routine: SharedRoutine) -> str:
        """The code of a routine, each stretch with its dose as this routine gives it.

        Raises `ShareError` (TOO_LONG, IMPOSSIBLE_DOSE, UNKNOWN_STRETCH) when the routine
        doesn't fit a code.
        """
        if not 1 <= len(routine.items) <= MAX_STRETCHES:
            raise ShareError(ShareProblem.TOO_LONG)
        bits = _Bits()
        bits.put(routine.no_floor, 1)
        bits.put(routine.gentle, 1)
        bits.put(len(routine.items) - 1, _COUNT_BITS)
        for item in routine.items:
            stretch = self._stretches.get(item.stretch)
            if stretch is None:
                raise ShareError(ShareProblem.UNKNOWN_STRETCH)
            dose = item.dose.apply(stretch.dose) if item.dose else stretch.dose
            hold, reps = dose.hold_seconds, dose.reps
            if (
                (hold is not None and hold > MAX_HOLD_SECONDS)
                or (reps is not None and reps > MAX_REPS)
                or dose.sets > MAX_SETS
            ):
                raise ShareError(ShareProblem.IMPOSSIBLE_DOSE)
            bits.put(stretch_key(stretch.id), _KEY_BITS)
            bits.put(item.easier, 1)
            bits.put(hold is not None, 1)
            bits.put(reps is not None, 1)
            bits.put(dose.sets - 1, _SETS_BITS)
            if hold is not None:
                bits.put(hold, _HOLD_BITS)
            if reps is not None:
                bits.put(reps, _REPS_BITS)
        body = VERSION + bits.chars()
        code = body + _checksum(body)
        assert len(code) <= MAX_CODE_CHARS  # guaranteed by MAX_STRETCHES (see the module doc)
        return code

    def decode(self, code: str) -> SharedRoutine:
        """The routine a code holds, checked like a shipped routine.

        Raises `ShareError` naming the problem; nothing about the code is trusted.
        """
        if len(code) > MAX_CODE_CHARS:
            raise ShareError(ShareProblem.TOO_LONG)
        if not CODE_PATTERN.match(code) or len(code) < 3:
            raise ShareError(ShareProblem.MALFORMED)
        if code[0] != VERSION:
            raise ShareError(ShareProblem.VERSION)
        body, check = code[:-1], code[-1]
        if _checksum(body) != check:
            raise ShareError(ShareProblem.MALFORMED)
        reader = _Reader(body[1:])
        no_floor, gentle = bool(reader.take(1)), bool(reader.take(1))
        count = reader.take(_COUNT_BITS) + 1
        if count > MAX_STRETCHES:
            raise ShareError(ShareProblem.TOO_LONG)
        items = [self._read_item(reader) for _ in range(count)]
        if not reader.only_padding_left():
            raise ShareError(ShareProblem.MALFORMED)
        shared = SharedRoutine(tuple(items), no_floor=no_floor, gentle=gentle)
        if routine_problem(shared, self._stretches) is not None:
            raise ShareError(ShareProblem.BROKEN_PROMISE)
        return shared

    def _read_item(self, reader: _Reader) -> RoutineItem:
        stretch_id = self._by_key.get(reader.take(_KEY_BITS))
        easier, has_hold, has_reps = (bool(reader.take(1)) for _ in range(3))
        sets = reader.take(_SETS_BITS) + 1
        hold = reader.take(_HOLD_BITS) if has_hold else None
        reps = reader.take(_REPS_BITS) if has_reps else None
        if stretch_id is None:
            raise ShareError(ShareProblem.UNKNOWN_STRETCH)
        if (
            (hold is None and reps is None)
            or (hold is not None and not 1 <= hold <= MAX_HOLD_SECONDS)
            or (reps is not None and not 1 <= reps <= MAX_REPS)
        ):
            raise ShareError(ShareProblem.IMPOSSIBLE_DOSE)
        dose = DoseOverride(hold_seconds=hold, reps=reps, sets=sets)
        try:
            dose.apply(self._stretches[stretch_id].dose)
        except ValidationError as exc:
            raise ShareError(ShareProblem.IMPOSSIBLE_DOSE) from exc
        return RoutineItem(stretch=stretch_id, dose=dose, easier=easier)


def routine_problem(
    routine: SharedRoutine | Sequence[RoutineItem], stretches: Mapping[str, Stretch]
) -> ContentError | None:
    """The first rule a routine breaks, checked exactly as shipped routines are on load
    (`bot.content.check_routine`), or None when it keeps every promise."""
    if not isinstance(routine, SharedRoutine):
        routine = SharedRoutine(tuple(routine))
    if not routine.items:
        return ContentError("routine", "items", "needs at least one stretch")
    candidate = Routine(
        id="shared",
        title="Shared",
        description="Shared",
        items=routine.items,
        no_floor=routine.no_floor,
        gentle=routine.gentle,
    )
    try:
        check_routine(candidate, stretches)
    except ContentError as error:
        return error
    return None


def code_tag(code: str) -> str:
    """8 hex digits naming a code in a button (the code itself is too long for one)."""
    return hashlib.sha256(code.encode()).hexdigest()[:8]
