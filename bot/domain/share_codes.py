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

Version 2 is version 1 with the routine's name after the last stretch: its length in UTF-8
bytes (6 bits, 1-63) and the bytes (8 bits each). A name goes into a link only when the
whole code still fits 64 characters (a one-stretch routine carries a 40-character ASCII
name; 4-byte emoji take 5⅓ characters each); otherwise the code is version 1 and the
receiver's copy gets a default name. A name read from a link must be what `clean_name`
would keep (tidy spaces, no ``<``/``>``, at most `MAX_NAME_CHARS` characters) and hold no
control or bidirectional-override characters, or the code is refused (BAD_NAME).

Stretch keys are 16 bits of the SHA-256 of the stretch id, so they stay the same when
stretch files are added, removed or reordered; a collision between two stretches is found
when the codec is built (at start-up) and names both. At most `MAX_STRETCHES` stretches:
10 × 34 bits + 6 fit in 58 characters, 60 with the version and checksum.

Pure: no Telegram, no database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from bot.content import ContentError, DoseOverride, Routine, RoutineItem, Stretch, check_routine

VERSION = "1"
VERSION_NAMED = "2"
MAX_NAME_CHARS = 40
"""The longest routine name, in characters (typed or read from a link)."""
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
_NAME_LENGTH_BITS = 6
#: Bidirectional embeddings, overrides and isolates: they could make a name display as
#: something else (right-to-left text itself needs none of them).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INDEX = {char: value for value, char in enumerate(ALPHABET)}


class ShareProblem(StrEnum):
    """Why a code can't be read (each has its own friendly text in bot/texts.py)."""

    MALFORMED = "malformed"  # not a code at all, cut short, or a typo (checksum)
    VERSION = "version"  # made by another version of the format
    TOO_LONG = "too_long"  # longer than a start parameter, or too many stretches
    UNKNOWN_STRETCH = "unknown_stretch"  # a stretch this bot doesn't have
    IMPOSSIBLE_DOSE = "impossible_dose"  # a hold, repetitions or sets out of range
    BROKEN_PROMISE = "broken_promise"  # e.g. a floor stretch in a "no floor" routine
    BAD_NAME = "bad_name"  # a name that isn't text, too long, or has characters we refuse


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
    #: The sender's name for it, when the link has room for it (version 2).
    name: str | None = None


def name_fits_a_link(name: str) -> bool:
    """Whether a name may travel in a link: already tidy (single spaces, no ends), 1 to
    `MAX_NAME_CHARS` characters, no ``<``/``>`` (names are shown in HTML), no control
    or bidirectional-override characters. Emoji (joiners included) and right-to-left
    scripts are fine."""
    return (
        0 < len(name) <= MAX_NAME_CHARS
        and " ".join(name.split()) == name
        and not any(
            char in "<>" or char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc"
            for char in name
        )
    )


def stretch_key(stretch_id: str) -> int:
    """A stretch's 16-bit key in codes: depends on its id only, never on file order."""
    digest = hashlib.sha256(f"stretch:{stretch_id}".encode()).digest()
    return int.from_bytes(digest[:2], "big")


def looks_like_code(parameter: str) -> bool:
    """Whether a /start parameter is meant as a share code (not e.g. ``from_group``)."""
    return bool(parameter) and parameter[0].isdigit()


def carries_name(code: str) -> bool:
    """Whether a code (made by `ShareCodec.encode`) holds the routine's name."""
    return code.startswith(VERSION_NAMED)


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
        """The code of a routine, each stretch with its dose as this routine gives it, and
        its name when the name may travel (`name_fits_a_link`) and the code still fits
        `MAX_CODE_CHARS` (see `carries_name`); the version-1 code without it otherwise.

        Raises `ShareError` (TOO_LONG, IMPOSSIBLE_DOSE, UNKNOWN_STRETCH) when the routine
        doesn't fit a code.
        """
        bits = self._routine_bits(routine)
        plain = _sealed(VERSION, bits)
        name = routine.name
        if name is None or not name_fits_a_link(name):
            return plain
        data = name.encode()
        if len(data) >= 1 << _NAME_LENGTH_BITS:
            return plain
        bits.put(len(data), _NAME_LENGTH_BITS)
        for byte in data:
            bits.put(byte, 8)
        named = _sealed(VERSION_NAMED, bits)
        return named if len(named) <= MAX_CODE_CHARS else plain

    def content_code(self, routine: SharedRoutine) -> str:
        """The code of what a routine does, without its name: two routines are the same
        routine when these are equal. Raises `ShareError` like `encode`."""
        return _sealed(VERSION, self._routine_bits(routine))

    def _routine_bits(self, routine: SharedRoutine) -> _Bits:
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
        return bits

    def decode(self, code: str) -> SharedRoutine:
        """The routine a code holds, checked like a shipped routine.

        Raises `ShareError` naming the problem; nothing about the code is trusted.
        """
        if len(code) > MAX_CODE_CHARS:
            raise ShareError(ShareProblem.TOO_LONG)
        if not CODE_PATTERN.match(code) or len(code) < 3:
            raise ShareError(ShareProblem.MALFORMED)
        if code[0] not in (VERSION, VERSION_NAMED):
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
        name = _read_name(reader) if code[0] == VERSION_NAMED else None
        if not reader.only_padding_left():
            raise ShareError(ShareProblem.MALFORMED)
        shared = SharedRoutine(tuple(items), no_floor=no_floor, gentle=gentle, name=name)
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


def _sealed(version: str, bits: _Bits) -> str:
    """A code: the version, the bits, the checksum."""
    body = version + bits.chars()
    code = body + _checksum(body)
    # Version 1 always fits (MAX_STRETCHES, see the module doc); version 2 is checked.
    assert version != VERSION or len(code) <= MAX_CODE_CHARS
    return code


def _read_name(reader: _Reader) -> str:
    length = reader.take(_NAME_LENGTH_BITS)
    if length == 0:
        raise ShareError(ShareProblem.BAD_NAME)
    data = bytes(reader.take(8) for _ in range(length))
    try:
        name = data.decode()
    except UnicodeDecodeError as exc:
        raise ShareError(ShareProblem.BAD_NAME) from exc
    if not name_fits_a_link(name):
        raise ShareError(ShareProblem.BAD_NAME)
    return name


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
