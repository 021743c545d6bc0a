"""Routines people make themselves (or add from a share link): ids, names, limits, the
builder's list operations, and which rule a routine breaks. No Telegram, no SQL.

A user routine's id, wherever a routine id goes (routine runs, the reminder's default,
buttons), is ``u-<row id>``: content routine ids are ``[a-z][a-z0-9_]*``, so the hyphen
makes the two kinds impossible to confuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from bot.content import ContentError, Routine, RoutineItem, Stretch
from bot.domain.share_codes import MAX_NAME_CHARS, MAX_STRETCHES

__all__ = [
    "CHAIR_POSITIONS",
    "MAX_NAME_CHARS",
    "MAX_ROUTINES",
    "MAX_STRETCHES",
    "NameProblem",
    "Rule",
    "UserRoutine",
    "add_item",
    "already_first",
    "clean_name",
    "from_snapshot",
    "given_easier",
    "items_from_json",
    "items_to_json",
    "library",
    "move_up",
    "ref_of",
    "remove_item",
    "row_id_of",
    "rule_broken",
    "snapshot",
]

#: How many routines of their own a user may keep (drafts not counted).
MAX_ROUTINES = 10
REF_PREFIX = "u-"
_REF = re.compile(r"^u-([1-9][0-9]{0,18})$")
_MAX_ID = 2**63 - 1  # BIGINT row ids


def ref_of(row_id: int) -> str:
    """The routine id of a user routine: ``u-12``."""
    return f"{REF_PREFIX}{row_id}"


def row_id_of(ref: str) -> int | None:
    """The row id in ``u-12``; None for a content routine id or anything else."""
    match = _REF.match(ref)
    if match is None:
        return None
    value = int(match[1])
    return value if value <= _MAX_ID else None


class NameProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    MARKUP = "markup"  # < or >: names are shown in HTML messages


def clean_name(text: str) -> str | tuple[NameProblem, ...]:
    """A typed routine name, spaces tidied; or every reason it can't be one (all at once,
    so one retry can fix them all), in a fixed order."""
    name = " ".join(text.split())
    if not name:
        return (NameProblem.EMPTY,)
    problems = []
    if "<" in name or ">" in name:
        problems.append(NameProblem.MARKUP)
    if len(name) > MAX_NAME_CHARS:
        problems.append(NameProblem.TOO_LONG)
    return tuple(problems) if problems else name


class Rule(StrEnum):
    """The rule of `bot.content.check_routine` a routine breaks, for a friendly message."""

    NO_STRETCH = "no_stretch"
    FLOOR = "floor"  # a floor stretch in a "no floor" routine
    GENTLE_EASIER = "gentle_easier"  # a gentle routine uses easier versions only
    GENTLE_STANDING = "gentle_standing"
    GENTLE_ONE_POSITION = "gentle_one_position"
    OTHER = "other"


def rule_broken(error: ContentError) -> Rule:
    """Which rule a `ContentError` from `check_routine` reports."""
    problem = error.problem
    if "at least one" in problem:
        return Rule.NO_STRETCH
    if "no_floor" in problem:
        return Rule.FLOOR
    if "easier versions only" in problem:
        return Rule.GENTLE_EASIER
    if "no standing" in problem:
        return Rule.GENTLE_STANDING
    if "one position" in problem:
        return Rule.GENTLE_ONE_POSITION
    return Rule.OTHER


#: The builder's "🪑 Chair only" filter: the version given is done sitting on a chair.
CHAIR_POSITIONS: frozenset[str] = frozenset({"chair"})


def given_easier(stretch: Stretch, *, chair_only: bool, gentle: bool) -> bool | None:
    """Which version of ``stretch`` the builder's filters give: True for its easier version,
    False for the full one, None when neither keeps the filters' promises. Gentle gives the
    easier version; Chair only gives the full version when it is done on a chair, else the
    easier one when that is (Forward Fold, standing, comes as its seated fold)."""
    if gentle:
        return True if not chair_only or stretch.easier.position in CHAIR_POSITIONS else None
    if not chair_only or stretch.position in CHAIR_POSITIONS:
        return False
    return True if stretch.easier.position in CHAIR_POSITIONS else None


def library(
    stretches: Mapping[str, Stretch],
    items: Iterable[RoutineItem],
    *,
    chair_only: bool,
    gentle: bool,
) -> list[Stretch]:
    """The stretches the builder offers under its filters: chair only (the version given is
    done on a chair, so nothing on the floor and nothing standing) and gentle (easier
    versions, nothing standing, the position of the stretches already chosen), so whatever
    is picked keeps what the filters say. `given_easier` says which version each gives."""
    chosen = list(items)
    first = chosen[0] if chosen else None
    position = None
    if gentle and first is not None and first.stretch in stretches:
        position = stretches[first.stretch].easier.position
    offered = []
    for stretch in stretches.values():
        easier = given_easier(stretch, chair_only=chair_only, gentle=gentle)
        if easier is None:
            continue
        where = stretch.easier.position if easier else stretch.position
        if chair_only and where not in CHAIR_POSITIONS:
            continue
        if gentle and (where == "standing" or (position is not None and where != position)):
            continue
        offered.append(stretch)
    return offered


def add_item(
    items: tuple[RoutineItem, ...], stretch_id: str, *, easier: bool
) -> tuple[RoutineItem, ...]:
    """One more stretch at the end (its own dose); the list is full at `MAX_STRETCHES`."""
    if len(items) >= MAX_STRETCHES:
        raise ValueError("the routine is full")
    return (*items, RoutineItem(stretch=stretch_id, easier=easier))


def move_up(items: tuple[RoutineItem, ...], index: int) -> tuple[RoutineItem, ...]:
    """Swap stretch `index` with the one before it. The first stays first (see
    `already_first`: the builder answers instead of wrapping it round to the end).
    Raises `IndexError` for a position the list doesn't have."""
    if not 0 <= index < len(items):
        raise IndexError(index)
    if already_first(index):
        return items
    order = list(items)
    order[index], order[index - 1] = order[index - 1], order[index]
    return tuple(order)


def already_first(index: int) -> bool:
    """⬆️ on the first stretch: nothing to do (never a swap with the last)."""
    return index == 0


def remove_item(items: tuple[RoutineItem, ...], index: int) -> tuple[RoutineItem, ...]:
    if not 0 <= index < len(items):
        raise IndexError(index)
    return items[:index] + items[index + 1 :]


def items_to_json(items: Iterable[RoutineItem]) -> str:
    """The stored form: a JSON list of ``{"stretch", "easier", "dose"?}``."""
    return json.dumps(
        [item.model_dump(exclude_unset=True) for item in items],
        separators=(",", ":"),
    )


def items_from_json(stored: str) -> tuple[RoutineItem, ...]:
    """Parse the stored form (pydantic validates every field)."""
    return tuple(RoutineItem.model_validate(entry) for entry in json.loads(stored))


class UserRoutine(Routine):
    """A user routine as a `Routine`: same steps, durations and checks as a shipped one;
    its id is ``u-<row id>``."""

    id: Annotated[str, Field(pattern=r"^u-[1-9][0-9]{0,18}$")]
    #: Doses may grow with the program (a link's prescribed doses only when allowed).
    progress: bool = True
    from_link: bool = False


def snapshot(routine: UserRoutine) -> str:
    """A routine as JSON, kept with a run so editing or deleting it never changes the run."""
    return routine.model_dump_json(exclude_unset=True)


def from_snapshot(stored: str) -> UserRoutine:
    return UserRoutine.model_validate_json(stored)
