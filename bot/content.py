"""Stretch and routine content: pydantic models, the YAML loader and dose wording.

The stretches, routines and safety texts live as YAML under ``content/`` so that
non-programmers can review and edit them. This module turns those files into frozen,
validated objects once at start-up and fails loudly (naming the file and the field)
when something is wrong, so a typo never reaches a user mid-routine.

Pure: no Telegram, no database. Loading is plain synchronous file I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from bot.domain.program import DoseField, Progression, Reason

__all__ = [
    "CAUTIONS_ALERT_LIMIT",
    "FLOOR_POSITIONS",
    "REP_SECONDS",
    "SETUP_SECONDS",
    "SWITCH_SECONDS",
    "AskFirst",
    "AskFirstGroup",
    "Content",
    "ContentError",
    "Discomfort",
    "Dose",
    "DoseOverride",
    "EasierVariation",
    "HighPain",
    "Position",
    "ProgressionSpec",
    "RedFlagTier",
    "RedFlags",
    "Routine",
    "RoutineItem",
    "RoutineStep",
    "SafetyTexts",
    "Stretch",
    "cautions_alert",
    "check_routine",
    "describe_dose",
    "describe_duration",
    "load_content",
    "looks_alike",
    "name_key",
    "name_words",
]

# --- Duration estimate -------------------------------------------------------------
#: Seconds one repetition takes: one slow breath in and out, as the cards ask.
REP_SECONDS = 8
#: Seconds for each change between holds or rounds: switching sides, or settling again
#: before the next set.
SWITCH_SECONDS = 5
#: Seconds added once per stretch for reading the card, getting into position and out.
SETUP_SECONDS = 20

#: Where a stretch is done: on your back, on hands and knees or kneeling, sitting on the
#: floor, on a chair, or standing.
Position = Literal["lying", "kneeling", "floor_sitting", "chair", "standing"]
#: Positions that need the floor; they are excluded from no-floor routines.
FLOOR_POSITIONS: frozenset[str] = frozenset({"lying", "kneeling", "floor_sitting"})

#: Telegram's limit for the text of a callback query answer (the "⚠️ Cautions" pop-up).
CAUTIONS_ALERT_LIMIT = 200

#: Longest allowed step line, so a step stays one line on a phone.
MAX_STEP_CHARS = 100


class ContentError(Exception):
    """A content file is missing, malformed or inconsistent.

    ``str(error)`` reads like ``content/stretches/bridge.yaml: dose.reps: <problem>``;
    ``path`` and ``field`` carry the first problem's parts for programmatic checks.
    """

    def __init__(self, path: str, field: str, problem: str, *, more: list[str] | None = None):
        self.path = path
        self.field = field
        self.problem = problem
        self.lines = [f"{path}: {field}: {problem}", *(more or [])]
        super().__init__("\n".join(self.lines))


def _plain_text(value: str) -> str:
    """Strip and reject empty or HTML-looking text: the bot may send with HTML parsing."""
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if "<" in value or ">" in value:
        raise ValueError("must be plain text (no '<' or '>')")
    return value


def _one_line(value: str) -> str:
    """Keep step-like texts to one short line for phone screens."""
    if "\n" in value:
        raise ValueError("must be a single line")
    if len(value) > MAX_STEP_CHARS:
        raise ValueError(f"must be at most {MAX_STEP_CHARS} characters")
    return value


PlainText = Annotated[str, AfterValidator(_plain_text)]
Line = Annotated[str, AfterValidator(_plain_text), AfterValidator(_one_line)]
# At most 30 characters: buttons carry ids (the builder's "add" with a 19-digit row id
# fills Telegram's 64 bytes of callback data exactly).
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
PositiveInt = Annotated[StrictInt, Field(ge=1)]


class _Frozen(BaseModel):
    """Shared config: immutable, and unknown keys are errors (they are usually typos)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Dose(_Frozen):
    """How much of a stretch to do.

    ``hold_seconds`` and ``reps`` may be combined (e.g. lifts with a short hold at the
    top). ``sets`` repeats the whole thing; ``per_side`` doubles it for left and right.
    """

    hold_seconds: PositiveInt | None = None
    reps: PositiveInt | None = None
    sets: PositiveInt = 1
    per_side: StrictBool = False
    side_labels: tuple[Line, Line] | None = None
    #: Plural noun used when wording reps, e.g. "slow rounds" or "lifts".
    rep_unit: Line = "reps"

    @model_validator(mode="after")
    def _check(self) -> Dose:
        if self.hold_seconds is None and self.reps is None:
            raise ValueError("needs at least one of hold_seconds or reps")
        if self.side_labels is not None and not self.per_side:
            raise ValueError("side_labels only make sense with per_side: true")
        return self

    @property
    def sides(self) -> int:
        """How many sides the dose is done on (1 or 2)."""
        return 2 if self.per_side else 1

    @property
    def labels(self) -> tuple[str, ...]:
        """Side labels to show, one per side (empty when not per side)."""
        if not self.per_side:
            return ()
        return self.side_labels or ("one side", "other side")

    def active_seconds(self) -> int:
        """Estimated seconds of stretching, without getting into position.

        One rep takes ``REP_SECONDS`` plus any hold; a pure hold takes its seconds. That
        is done ``sets`` times on each side, with ``SWITCH_SECONDS`` for every change of
        side or set in between.
        """
        if self.reps is not None:
            once = self.reps * (REP_SECONDS + (self.hold_seconds or 0))
        else:
            once = self.hold_seconds or 0
        rounds = self.sets * self.sides
        return once * rounds + SWITCH_SECONDS * (rounds - 1)


class DoseOverride(_Frozen):
    """A routine's partial change to a stretch's dose; unset fields keep the stretch's."""

    hold_seconds: PositiveInt | None = None
    reps: PositiveInt | None = None
    sets: PositiveInt | None = None
    per_side: StrictBool | None = None
    side_labels: tuple[Line, Line] | None = None
    rep_unit: Line | None = None

    def apply(self, base: Dose) -> Dose:
        """Merge onto ``base``; an explicit ``null`` removes a field (e.g. a hold)."""
        merged = base.model_dump()
        merged.update(self.model_dump(exclude_unset=True))
        if merged.get("sets") is None:
            merged["sets"] = 1
        if merged.get("per_side") is None:
            merged["per_side"] = False
        if merged.get("rep_unit") is None:
            merged["rep_unit"] = "reps"
        return Dose.model_validate(merged)


class ProgressionSpec(_Frozen):
    """How a stretch's dose grows and shrinks (``bot.domain.program``): ``step`` is added
    to ``field`` per level, within ``floor``..``ceiling``. Keep steps small and ceilings
    modest: these doses are for people with back pain."""

    field: DoseField
    step: PositiveInt
    floor: PositiveInt
    ceiling: PositiveInt

    @model_validator(mode="after")
    def _check(self) -> ProgressionSpec:
        if self.floor > self.ceiling:
            raise ValueError("floor must not be above ceiling")
        if self.step > self.ceiling - self.floor:
            raise ValueError("step must fit between floor and ceiling")
        return self


def dose_value(dose: Dose, field: DoseField) -> int | None:
    """The value of one field of a dose (None when the dose doesn't use it)."""
    value = getattr(dose, field.value)
    return value if isinstance(value, int) else None


class EasierVariation(_Frozen):
    """A gentler way to do a stretch: complete instructions of its own, from the starting
    position on, so its card never relies on the standard one."""

    name: Line
    position: Position
    start: PlainText
    steps: tuple[Line, ...] = Field(min_length=2, max_length=5)
    #: Breathing cue; the stretch's own cue when not given.
    breathing: PlainText | None = None


class Stretch(_Frozen):
    """One stretch, as shown on a card in the bot."""

    id: Identifier
    name: Line
    areas: tuple[Line, ...] = Field(min_length=1)
    position: Position
    start: PlainText
    steps: tuple[Line, ...] = Field(min_length=3, max_length=6)
    breathing: PlainText
    dose: Dose
    progression: ProgressionSpec
    easier: EasierVariation
    #: Most important first: the card shows the first, the "⚠️ Cautions" button all.
    cautions: tuple[Line, ...] = Field(min_length=1, max_length=4)
    image: Annotated[str, Field(pattern=r"^[a-z0-9_\-]+\.png$")]

    @property
    def progression_rule(self) -> Progression:
        """The progression as the program's rules take it."""
        spec = self.progression
        start = dose_value(self.dose, spec.field)
        assert start is not None  # checked on load
        return Progression(spec.field, spec.step, spec.floor, spec.ceiling, start)

    @model_validator(mode="after")
    def _cautions_fit_the_alert(self) -> Stretch:
        if len(cautions_alert(self)) > CAUTIONS_ALERT_LIMIT:
            raise ValueError(
                f"cautions must fit Telegram's {CAUTIONS_ALERT_LIMIT}-character pop-up together"
            )
        return self


def cautions_alert(stretch: Stretch) -> str:
    """The "⚠️ Cautions" pop-up: every caution of a stretch, one per line (plain text)."""
    return "\n".join([f"⚠️ {stretch.name}", *(f"• {c}" for c in stretch.cautions)])


class RoutineItem(_Frozen):
    """One entry of a routine: a stretch id, an optional dose override, and whether the
    routine uses only the stretch's easier version."""

    stretch: Identifier
    dose: DoseOverride | None = None
    easier: StrictBool = False


class Illustration(NamedTuple):
    """A picture for a step card: a file and how it is sent (``sendAnimation`` for a looping
    MP4 clip, ``sendPhoto`` for a PNG still)."""

    path: Path
    kind: Literal["animation", "photo"]


class RoutineStep(NamedTuple):
    """A resolved routine entry: the stretch, the dose to do in this routine, and whether
    the routine asks for the easier version only (no "standard" card, no toggle).

    ``why`` and ``was`` come from the user's program (``bot.services.program``): why
    this step differs from the routine's own (grew, held back, eased off ...) and the dose
    it had before the change, for "10 lifts (up from 8 ...)"."""

    stretch: Stretch
    dose: Dose
    easier_only: bool = False
    why: Reason | None = None
    was: Dose | None = None

    def position(self, *, easier: bool = False) -> Position:
        """Where this step is done, for the version shown."""
        return self.stretch.easier.position if easier or self.easier_only else self.stretch.position

    @property
    def shortened(self) -> bool:
        """True when the routine asks for less than the stretch's full dose (a dose the
        program lowered says why on its own)."""
        if self.why is not None:
            return False
        return self.dose.active_seconds() < self.stretch.dose.active_seconds()


class Routine(_Frozen):
    """An ordered list of stretches with a title, e.g. the quick morning set."""

    id: Identifier
    title: Line
    description: Line
    items: tuple[RoutineItem, ...] = Field(min_length=1)
    #: The routine offered to newcomers; exactly one routine has it.
    default: StrictBool = False
    #: Suitable for a bad-back day; the bot offers it after "it hurts". Checked on load:
    #: easier versions only, nothing standing, and one position throughout (no getting
    #: down to the floor and up again).
    gentle: StrictBool = False
    #: Promise that nothing happens on the floor (desk/office use); checked on load.
    no_floor: StrictBool = False
    #: Promise that every stretch can be done lying on a bed; checked on load.
    in_bed: StrictBool = False
    #: Menu position; ties are broken by file name.
    order: StrictInt = 100

    def steps(self, content: Content) -> list[RoutineStep]:
        """Resolve every item to its stretch and effective dose."""
        return [_resolve(item, content.stretches[item.stretch]) for item in self.items]

    def duration_seconds(self, content: Content) -> int:
        """Estimated length: each stretch's active time plus ``SETUP_SECONDS``.

        See ``Dose.active_seconds`` for the per-stretch estimate. It is only used to tell
        users "about N minutes", so it errs on the long side rather than the short.
        """
        return sum(SETUP_SECONDS + step.dose.active_seconds() for step in self.steps(content))


def _resolve(item: RoutineItem, stretch: Stretch) -> RoutineStep:
    dose = item.dose.apply(stretch.dose) if item.dose else stretch.dose
    return RoutineStep(stretch, dose, item.easier)


class RedFlagTier(_Frozen):
    """One tier of warning signs: what to do (the title) and the signs themselves."""

    title: Line
    action: PlainText
    signs: tuple[PlainText, ...] = Field(min_length=1)


class RedFlags(_Frozen):
    """Warning signs in two tiers, most urgent first, like public health services use."""

    title: Line
    #: A short version for onboarding and /help; the full list is one tap away.
    short: PlainText
    emergency: RedFlagTier
    urgent: RedFlagTier
    #: Pain or tingling in one leg: common, not an emergency on its own.
    one_leg: PlainText


class Discomfort(_Frozen):
    """How much discomfort is OK, as a traffic light."""

    title: Line
    green: Line
    amber: Line
    red: Line
    afterwards: PlainText


class AskFirstGroup(_Frozen):
    """People who should check with a clinician first, and the stretches that concern them."""

    who: Line
    #: Why (e.g. "no hip bend past 90°, no crossing your legs"); optional.
    detail: PlainText | None = None
    #: Short form for a card: "after a hip replacement".
    card: Line
    #: The stretches this applies to; empty means every stretch (said in the text).
    stretches: tuple[Identifier, ...] = ()


class AskFirst(_Frozen):
    """Who should ask a clinician before starting, shown in onboarding and on cards."""

    title: Line
    groups: tuple[AskFirstGroup, ...] = Field(min_length=1)
    #: The card line's lead-in, e.g. "Check with your clinician first".
    card_lead: Line


class HighPain(_Frozen):
    """A reading of 8-10 before a routine: the question and the two answers."""

    question: PlainText
    gentle_button: Line
    go_on_button: Line
    rest_button: Line
    rest: PlainText


class RestAdvised(_Frozen):
    """Said before a routine starts on a day the bot advised rest or the gentle routine."""

    #: After "It hurts", a rest day or a reading of 8-10 earlier the same local day.
    after_hurt: PlainText
    #: While the persistent-pain advice (see a clinician, keep to the gentle routine) holds.
    persistent: PlainText


class SafetyTexts(_Frozen):
    """User-facing safety wording, kept with the content so it is reviewed together.

    Plain text only; the bot escapes and formats it. No safety sentence lives in code.
    """

    disclaimer: PlainText
    red_flags: RedFlags
    discomfort: Discomfort
    ask_first: AskFirst
    expectations: PlainText
    persistent_pain: PlainText
    high_week: PlainText
    it_hurts: PlainText
    high_pain: HighPain
    rest_advised: RestAdvised
    #: Headers of the messages that show red flags after a reading.
    high_reading: Line
    pain_rose: Line
    #: After a rise of 3+ within a routine (below 8): what to do today.
    pain_rose_today: PlainText
    full_list_button: Line
    #: The card line naming where a stretch should be felt, e.g. "Feel it in".
    areas_lead: Line
    #: Said on a card when the routine asks for less than the full dose.
    shortened: Line

    def ask_first_for(self, stretch_id: str) -> list[AskFirstGroup]:
        """The groups whose list names this stretch (groups for every stretch excluded)."""
        return [g for g in self.ask_first.groups if stretch_id in g.stretches]


class Content(_Frozen):
    """Everything loaded from ``content/``: look-ups plus the special routines.

    ``stretches`` is ordered by file name; ``routines`` by their ``order`` field, then
    file name, so menus are stable.
    """

    root: Path
    stretches: dict[str, Stretch]
    routines: dict[str, Routine]
    safety: SafetyTexts

    @property
    def stretch_names(self) -> dict[str, str]:
        """Stretch id → display name, for texts that name stretches."""
        return {sid: stretch.name for sid, stretch in self.stretches.items()}

    @property
    def default_routine(self) -> Routine:
        """The routine newcomers start with (exactly one is marked ``default``)."""
        return next(r for r in self.routines.values() if r.default)

    @property
    def gentle_routine(self) -> Routine:
        """The first routine marked ``gentle`` (menu order), for bad-back days."""
        return next(r for r in self.routines.values() if r.gentle)

    def image_path(self, stretch: Stretch | str) -> Path:
        """Path of a stretch's illustration, ``<root>/images/<image>`` (absolute if root is)."""
        if isinstance(stretch, str):
            stretch = self.stretches[stretch]
        return self.root / "images" / stretch.image

    def illustration(self, stretch: Stretch, *, easier: bool) -> Illustration:
        """What a step card shows: the stretch's looping clip when there is one, else its
        still; the easier version's own clip or still when it has one
        (``animations/<id>-easier.mp4``, ``images/<id>-easier.png``), else the standard's.
        Drawn by ``python -m illustrations`` from ``content/poses``."""
        names = [f"{stretch.id}-easier", stretch.id] if easier else [stretch.id]
        for name in names:
            clip = self.root / "animations" / f"{name}.mp4"
            if clip.is_file():
                return Illustration(clip, "animation")
            still = self.root / "images" / f"{name}.png"
            if name != stretch.id and still.is_file():
                return Illustration(still, "photo")
        return Illustration(self.image_path(stretch), "photo")


# --- Dose wording ------------------------------------------------------------------


def _seconds(value: int) -> str:
    """Short time for a hold: "30 s", "1 min", "90 s"."""
    if value >= 60 and value % 60 == 0:
        return f"{value // 60} min"
    return f"{value} s"


def _each_side(dose: Dose) -> str:
    """Say "each side", or "each leg" when both side labels end in the same word."""
    if dose.side_labels:
        first, second = (label.split()[-1] for label in dose.side_labels)
        if first == second and len(dose.side_labels[0].split()) > 1:
            return f"each {first}"
    return "each side"


def describe_dose(dose: Dose) -> str:
    """Plain English for a dose, e.g. "Hold 30 s, each side" or "8 slow rounds".

    Examples: "Hold 20 s × 3, each side"; "8 lifts, hold 3 s each";
    "2 sets of 8 slow rounds".
    """
    if dose.reps is not None:
        text = f"{dose.reps} {dose.rep_unit}"
        if dose.sets > 1:
            text = f"{dose.sets} sets of {text}"
        if dose.hold_seconds is not None:
            text += f", hold {_seconds(dose.hold_seconds)} each"
    else:
        assert dose.hold_seconds is not None  # guaranteed by Dose validation
        text = f"Hold {_seconds(dose.hold_seconds)}"
        if dose.sets > 1:
            text += f" × {dose.sets}"
    if dose.per_side:
        text += f", {_each_side(dose)}"
    return text


def describe_duration(seconds: int) -> str:
    """Rounded, friendly duration: "about 5 min" (never "about 0 min")."""
    minutes = max(1, round(seconds / 60))
    return f"about {minutes} min"


# --- Loading -----------------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)


def _rel(path: Path, root: Path) -> str:
    """Path as shown in errors: relative to the content root's parent, e.g. content/x.yaml."""
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return path.as_posix()


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(file)"


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _read_yaml(path: Path, root: Path) -> dict[str, Any]:
    """Read one YAML mapping, turning I/O and syntax errors into ContentError."""
    rel = _rel(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(rel, "(file)", f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentError(rel, "(yaml)", " ".join(str(exc).split())) from exc
    if not isinstance(data, dict):
        raise ContentError(rel, "(file)", "must be a YAML mapping of field: value")
    return data


def _validate(model: type[_M], data: Mapping[str, Any], rel: str) -> _M:
    """Validate with pydantic; report every problem as ``file: field: message``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [(_loc(err["loc"]), _message(err["msg"])) for err in exc.errors()]
        field, problem = problems[0]
        more = [f"{rel}: {f}: {p}" for f, p in problems[1:]]
        raise ContentError(rel, field, problem, more=more) from exc


def _yaml_files(folder: Path, root: Path) -> list[Path]:
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []
    if not files:
        raise ContentError(_rel(folder, root), "(folder)", "no .yaml files found")
    return files


def _load_stretches(root: Path) -> dict[str, Stretch]:
    stretches: dict[str, Stretch] = {}
    for path in _yaml_files(root / "stretches", root):
        rel = _rel(path, root)
        stretch = _validate(Stretch, _read_yaml(path, root), rel)
        if stretch.id != path.stem:
            raise ContentError(rel, "id", f"must equal the file name {path.stem!r}")
        image = root / "images" / stretch.image
        if not image.is_file():
            raise ContentError(rel, "image", f"file not found: {_rel(image, root)}")
        _check_progression(stretch, rel)
        stretches[stretch.id] = stretch
    _check_distinct_names(stretches, root)
    return stretches


def name_key(name: str) -> str:
    """A display name as people tell names apart: case, spacing, accents and punctuation
    ignored ("Chair twist", "chair  Twist" and "Chair-Twist" are one name)."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


# Words that carry no meaning of their own in a name ("Knee to Chest", "Hands in lap").
_NAME_STOP_WORDS = frozenset({"a", "an", "and", "the", "to", "of", "on", "in", "with", "your"})
# Words a reader takes for one another: "Seated fold" and "Chair fold" name the same thing.
_NAME_SYNONYMS = {"seated": "chair", "sitting": "chair", "bend": "fold"}


def name_words(name: str) -> frozenset[str]:
    """The significant words of a display name, as a reader compares them: case, accents
    and apostrophes ignored ("Child's" is "childs"), other punctuation splits words
    ("Cat-Cow" is "cat" and "cow"), a plural "s" dropped, small words ("to", "and", "in")
    left out, and words read as one another made one ("seated" and "sitting" are "chair",
    "bend" is "fold")."""
    folded = unicodedata.normalize("NFKD", name).casefold()
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("\u2019", "")
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    significant: set[str] = set()
    for word in words:
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word not in _NAME_STOP_WORDS:
            significant.add(_NAME_SYNONYMS.get(word, word))
    return frozenset(significant)


def looks_alike(first: str, second: str) -> bool:
    """Whether two display names would be taken for each other at a glance: the same
    letters (`name_key`), one inside the other ("Forward Fold" in "Seated Forward Fold"),
    every significant word of one found in the other ("Seated fold" and "Seated Forward
    Fold"), or two significant words shared ("Chair Twist" and "Seated Spinal Twist")."""
    key_a, key_b = name_key(first), name_key(second)
    if key_a in key_b or key_b in key_a:
        return True
    words_a, words_b = name_words(first), name_words(second)
    return words_a <= words_b or words_b <= words_a or len(words_a & words_b) >= 2


def _check_distinct_names(stretches: Mapping[str, Stretch], root: Path) -> None:
    """Every name a user sees for a stretch (its own, its easier version's) is distinct at
    a glance from every other stretch's names (`looks_alike`): two look-alike names in a
    routine, the builder or My program would be mistaken for each other. A stretch's own
    two names may share words ("Bridge", "Half bridge": they are shown as one stretch's
    versions) but not be the same name."""
    seen: list[tuple[str, str, str]] = []  # (stretch id, name, where)
    for stretch in stretches.values():
        rel = _rel(root / "stretches" / f"{stretch.id}.yaml", root)
        if name_key(stretch.name) == name_key(stretch.easier.name):
            raise ContentError(rel, "easier.name", f"{stretch.easier.name!r} is the stretch's name")
        for field, name in (("name", stretch.name), ("easier.name", stretch.easier.name)):
            for owner, other, where in seen:
                if owner != stretch.id and looks_alike(name, other):
                    raise ContentError(rel, field, f"{name!r} looks like {other!r} ({where})")
        seen += [
            (stretch.id, stretch.name, f"{rel}: name"),
            (stretch.id, stretch.easier.name, f"{rel}: easier.name"),
        ]


def _check_distinct_titles(
    routines: Mapping[str, Routine], stretches: Mapping[str, Stretch], root: Path
) -> None:
    """A routine's title looks like no other routine's title and no stretch's names
    (`looks_alike`): the picker and the builder list them side by side."""
    seen = [
        (name, f"{_rel(root / 'stretches' / f'{s.id}.yaml', root)}: {field}")
        for s in stretches.values()
        for field, name in (("name", s.name), ("easier.name", s.easier.name))
    ]
    for routine in routines.values():
        rel = _rel(root / "routines" / f"{routine.id}.yaml", root)
        for other, where in seen:
            if looks_alike(routine.title, other):
                raise ContentError(
                    rel, "title", f"{routine.title!r} looks like {other!r} ({where})"
                )
        seen.append((routine.title, f"{rel}: title"))


def _check_progression(stretch: Stretch, rel: str) -> None:
    """The progression must change a field the dose has, and the dose must lie between
    its floor and ceiling."""
    spec = stretch.progression
    value = dose_value(stretch.dose, spec.field)
    if value is None:
        problem = f"the dose has no {spec.field.value} to progress"
        raise ContentError(rel, "progression.field", problem)
    if value < spec.floor:
        problem = f"{spec.floor} is above the dose's {spec.field.value} ({value})"
        raise ContentError(rel, "progression.floor", problem)
    if value > spec.ceiling:
        problem = f"{spec.ceiling} is below the dose's {spec.field.value} ({value})"
        raise ContentError(rel, "progression.ceiling", problem)


def _check_routine(routine: Routine, stretches: Mapping[str, Stretch], rel: str) -> None:
    """Cross-reference a routine against the stretches it names, and check its promises."""
    first_position: str | None = None
    for index, item in enumerate(routine.items):
        stretch = stretches.get(item.stretch)
        if stretch is None:
            raise ContentError(rel, f"items.{index}.stretch", f"unknown stretch {item.stretch!r}")
        step = _resolve(item, stretch)
        position = step.position()
        if routine.no_floor and position in FLOOR_POSITIONS:
            raise ContentError(
                rel,
                f"items.{index}.stretch",
                f"{item.stretch!r} is a floor stretch but the routine is no_floor",
            )
        if routine.in_bed and position != "lying":
            raise ContentError(
                rel, f"items.{index}.stretch", f"{item.stretch!r} is not done lying down (in_bed)"
            )
        if routine.gentle and not item.easier:
            raise ContentError(
                rel, f"items.{index}.easier", "a gentle routine uses easier versions only"
            )
        if routine.gentle and position == "standing":
            raise ContentError(rel, f"items.{index}.stretch", "a gentle routine has no standing")
        first_position = first_position or position
        if routine.gentle and position != first_position:
            raise ContentError(
                rel,
                f"items.{index}.stretch",
                f"a gentle routine stays in one position ({first_position}, not {position})",
            )
        if item.dose is not None:
            try:
                item.dose.apply(stretch.dose)
            except ValidationError as exc:
                err = exc.errors()[0]
                field = ".".join(str(part) for part in ("items", index, "dose", *err["loc"]))
                raise ContentError(rel, field, _message(err["msg"])) from exc


def check_routine(
    routine: Routine, stretches: Mapping[str, Stretch], where: str = "routine"
) -> None:
    """Check a routine made outside ``content/`` (a user's own, or one from a share link)
    by exactly the rules shipped routines meet on load: known stretches, doses that apply,
    and its promises (``no_floor``, ``in_bed``, ``gentle``). Raises ``ContentError``."""
    _check_routine(routine, stretches, where)


def _load_routines(root: Path, stretches: Mapping[str, Stretch]) -> dict[str, Routine]:
    loaded: list[tuple[int, str, Routine]] = []
    for path in _yaml_files(root / "routines", root):
        rel = _rel(path, root)
        routine = _validate(Routine, _read_yaml(path, root), rel)
        if routine.id != path.stem:
            raise ContentError(rel, "id", f"must equal the file name {path.stem!r}")
        _check_routine(routine, stretches, rel)
        loaded.append((routine.order, path.name, routine))
    loaded.sort(key=lambda entry: (entry[0], entry[1]))
    routines = {routine.id: routine for _, _, routine in loaded}
    _check_distinct_titles(routines, stretches, root)

    folder = _rel(root / "routines", root)
    defaults = [r.id for r in routines.values() if r.default]
    if len(defaults) != 1:
        found = ", ".join(defaults) or "none"
        problem = f"exactly one routine must be default (found: {found})"
        raise ContentError(folder, "default", problem)
    if not any(r.gentle for r in routines.values()):
        raise ContentError(folder, "gentle", "at least one routine must be marked gentle")
    return routines


def load_content(root: Path) -> Content:
    """Load and validate everything under ``root`` (normally the repo's ``content/``).

    Raises ``ContentError`` naming the file and field of the first problem found.
    Call once at start-up; the result is immutable and safe to share.
    """
    root = Path(root)
    stretches = _load_stretches(root)
    routines = _load_routines(root, stretches)
    safety_path = root / "safety.yaml"
    rel = _rel(safety_path, root)
    safety = _validate(SafetyTexts, _read_yaml(safety_path, root), rel)
    for g_index, group in enumerate(safety.ask_first.groups):
        for s_index, stretch_id in enumerate(group.stretches):
            if stretch_id not in stretches:
                field = f"ask_first.groups.{g_index}.stretches.{s_index}"
                raise ContentError(rel, field, f"unknown stretch {stretch_id!r}")
    return Content(root=root, stretches=stretches, routines=routines, safety=safety)
