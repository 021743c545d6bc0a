"""The question the bot is waiting for, and reading typed answers to it. No Telegram, no SQL.

A user has at most one open question. It is stored with the user (`users.question`, a
`kind[:argument]` string) together with a sequence number that is bumped on every ask and
every answer: the question's buttons carry the number, so once the question is answered (by
a tap or by text) or replaced, its old buttons are recognisably stale. Because the question
lives in the database, a typed answer after a restart is read exactly as before it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

MAX_STORED = 80


class Kind(StrEnum):
    TIME = "time"  # reminder time (onboarding or settings)
    ZONE = "zone"  # time zone: a city, zone name, offset or shared location
    ZONE_CONFIRM = "zone_confirm"  # "Is that right?" (argument: the zone key)
    ZONE_PICK = "zone_pick"  # which of the places an abbreviation means (argument: "IST")
    PAIN_CONSENT = "pain_consent"  # may I keep a pain log?
    PAIN_LEVEL = "pain_level"  # the /pain keypad (argument: readings when it was shown)
    PAIN_AREA = "pain_area"  # where it hurts (argument: the pain entry id)
    DELETE = "delete"  # /delete confirmation
    ROUTINE_NAME = "routine_name"  # a name for the routine being built (argument: draft id)


@dataclass(frozen=True)
class Question:
    """An open question: what it asks, its argument, its sequence number and message."""

    kind: Kind
    argument: str
    seq: int
    message_id: int | None = None

    @property
    def has_inline_buttons(self) -> bool:
        """The zone question shows a reply keyboard (share location), every other one
        inline buttons that are removed once it is answered."""
        return self.kind is not Kind.ZONE


def encode(kind: Kind, argument: str = "") -> str:
    """The stored form, `kind` or `kind:argument` (at most 80 characters)."""
    stored = f"{kind.value}:{argument}" if argument else kind.value
    if len(stored) > MAX_STORED:
        raise ValueError("question argument too long")
    return stored


def decode(stored: str | None, seq: int, message_id: int | None) -> Question | None:
    """The open question from its stored form; None for none (or an unknown kind)."""
    if not stored:
        return None
    kind, _, argument = stored.partition(":")
    try:
        return Question(Kind(kind), argument, seq, message_id)
    except ValueError:
        return None


# --- reading typed answers ---------------------------------------------------------------


def _words(text: str) -> str:
    """Lower-case letters, digits and single spaces: emoji and punctuation dropped."""
    folded = unicodedata.normalize("NFKD", text).lower()
    kept = "".join(ch if ch.isalnum() else " " for ch in folded if not unicodedata.combining(ch))
    return " ".join(kept.split())


_CANCEL_WORDS = frozenset({"cancel", "back", "stop", "quit", "exit", "abort", "nevermind"})
_CANCEL_PHRASES = frozenset({"never mind", "forget it", "go back"})
_POLITE = frozenset({"please", "pls", "go", "i", "want", "to", "ok", "okay", "just"})


def is_cancel(text: str) -> bool:
    """ "cancel", "back", "✖️ Cancel", "⬅️ Back", "cancel please", "go back" ...: leave the
    question, look nothing up. Only short messages: "back pain" is no way out."""
    words = _words(text)
    if words in _CANCEL_PHRASES:
        return True
    parts = words.split()
    return (
        0 < len(parts) <= 4
        and any(part in _CANCEL_WORDS for part in parts)
        and all(part in _CANCEL_WORDS or part in _POLITE for part in parts)
    )


_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "ok", "okay", "correct", "right", "sure"})
_NO = frozenset({"no", "n", "nope", "wrong", "change", "change it", "no change it"})


def is_yes(text: str) -> bool:
    words = _words(text)
    return words in _YES or words.startswith(("yes ", "yeah ", "ok "))


def is_no(text: str) -> bool:
    return _words(text) in _NO


_LEVEL_RE = re.compile(
    r"^\s*(?P<named>(?:my\s+)?(?:back\s+)?pain(?:\s+level)?(?:\s+is)?\s*[:=]?\s*)?"
    r"(?P<level>10|[0-9])(?P<scale>\s*(?:/\s*10|out of 10))?\s*[.!]?\s*$",
    re.IGNORECASE,
)


def parse_level(text: str) -> int | None:
    """A pain level 0-10 typed as "4", "4/10", "4 out of 10", "pain 4" or "my pain is 4/10";
    None otherwise."""
    match = _LEVEL_RE.match(text)
    return int(match["level"]) if match else None


def says_pain_level(text: str) -> int | None:
    """A level that can only be a pain reading ("pain 9", "9/10", "9 out of 10"), not a
    bare number (which may answer something else: "9" is a time at the time question)."""
    match = _LEVEL_RE.match(text)
    return int(match["level"]) if match and (match["named"] or match["scale"]) else None


_NUMBER_RE = re.compile(
    r"^\s*([+-]?[0-9]{1,4})(?:\s*(?:/\s*10|out of 10))?\s*[.!]?\s*$", re.IGNORECASE
)


def parse_number(text: str) -> int | None:
    """A whole number of at most 4 digits typed on its own ("2", "11", "-1", "11/10"),
    whether or not it is a pain level; None otherwise."""
    match = _NUMBER_RE.match(text)
    return int(match[1]) if match else None


_SKIP_WORDS = frozenset({"skip", "none", "no", "pass", "nowhere"})

#: What people type for each area of the /pain "where" question (callbacks' area ids).
_AREA_WORDS: dict[str, frozenset[str]] = {
    "lower_back": frozenset(
        {"lower back", "low back", "lower", "lumbar", "lower spine", "bottom of my back"}
    ),
    "upper_back": frozenset({"upper back", "upper", "shoulder blades", "thoracic", "mid back"}),
    "neck": frozenset({"neck", "my neck", "cervical"}),
    "hips": frozenset({"hips", "hip", "my hips", "my hip", "pelvis"}),
}


def is_skip(text: str) -> bool:
    return _words(text) in _SKIP_WORDS


def parse_area(text: str) -> str | None:
    """The area id ("lower_back", "neck" ...) for what was typed, or None."""
    words = _words(text)
    words = words.removeprefix("my ").removeprefix("in my ").removeprefix("the ")
    for area, names in _AREA_WORDS.items():
        if words in names:
            return area
    return None


_PAIN_RE = re.compile(
    r"\b(hurt\w*|pain\w*|ache\w*|aching|sore|ouch|ow+|sharp|twinge\w*|sting\w*|"
    r"burn\w*|numb\w*|tingl\w*|cramp\w*|spasm\w*)\b"
)


def mentions_pain(text: str) -> bool:
    """Whether a message talks about pain ("this hurts", "ouch", "sharp pain")."""
    return _PAIN_RE.search(_words(text)) is not None


def named_button(text: str, labels: tuple[str, ...]) -> str | None:
    """The one button label whose words include every typed word ("snooze" -> "😴 Snooze
    30 min", "skip" -> "⏭ Skip today"); None when no label or more than one fits, or the
    text is longer than three words (then it isn't naming a button)."""
    typed = _words(text).split()
    if not typed or len(typed) > 3:
        return None
    fitting = [label for label in labels if set(typed) <= set(_words(label).split())]
    return fitting[0] if len(fitting) == 1 else None
