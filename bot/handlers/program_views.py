"""How the adaptive program looks in chat: the note on a step card, the line for each
change (end of a routine, weekly summary), "📈 My program" and its keyboard.

Pure functions of the content and the program's data; handlers send what they build.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, texts
from bot.content import Content, Dose, RoutineStep, Stretch, dose_value
from bot.domain.program import (
    EASE_FOR,
    FREEZE_FOR,
    HOLD_BACK_REASONS,
    Change,
    DoseField,
    Reason,
)
from bot.domain.reminder_plan import WEEKDAY_NAMES
from bot.services.program import StretchLine


def _short(dose: Dose, field: DoseField) -> str:
    """The changing part of a dose: "8", "20 s", "2 sets"."""
    value = dose_value(dose, field)
    if field is DoseField.HOLD_SECONDS:
        return f"{value} s"
    if field is DoseField.SETS:
        return f"{value} sets"
    return str(value)


def why(reason: Reason) -> str:
    return texts.PROGRAM_WHY[reason.value]


def dose_note(step: RoutineStep) -> str | None:
    """ "(up from 8 — three easy sessions)" when the program changed this step's dose."""
    if step.was is None or step.why is None:
        return None
    field = step.stretch.progression.field
    now, was = dose_value(step.dose, field) or 0, dose_value(step.was, field) or 0
    direction = "up" if now > was else "down"
    return f"({direction} from {escape(_short(step.was, field))} — {escape(why(step.why))})"


def version_note(step: RoutineStep) -> str | None:
    """Why the program gives the easier version today."""
    if step.why is Reason.EASED:
        return f"(for a week after {escape(why(Reason.EASED))})"
    if step.why is Reason.EASIER_START:
        return f"(your starting point: {escape(why(Reason.EASIER_START))})"
    return None


def _singular(unit: str) -> str:
    """ "lifts" → "lift", "slow rounds" → "slow round"."""
    return unit[:-1] if unit.endswith("s") else unit


def step_words(stretch: Stretch, steps: int) -> str:
    """One step of a stretch's progression in words: "1 lift", "5 s of hold", "1 set"."""
    spec = stretch.progression
    amount = abs(steps) * spec.step
    if spec.field is DoseField.HOLD_SECONDS:
        return f"{amount} s of hold"
    unit = stretch.dose.rep_unit if spec.field is DoseField.REPS else "sets"
    return f"{amount} {unit if amount != 1 else _singular(unit)}"


#: Changes that stepped a dose up.
GROWTH_REASONS = frozenset({Reason.GREW, Reason.GREW_SOONER})


def change_line(
    content: Content,
    change: Change,
    shown: Mapping[str, str] | None = None,
    as_of: tuple[datetime, tzinfo] | None = None,
) -> str | None:
    """One line saying what changed and why (None for a stretch no longer in the content).
    Doses are said as steps ("one more lift"), which hold for every routine the stretch is in.
    ``shown`` names stretches as the user saw them (the easier version's name), by id.
    ``as_of`` (now, the user's zone) is for a line read later than the change (the weekly
    summary): a week's ease-off names its last day, or says it is over, instead of "for
    the next 7 days"; a step up or back names its day instead of "from now on" / "for
    now", and whether its 3 days without a step up are over."""
    stretch = content.stretches.get(change.stretch_id)
    if stretch is None:
        return None
    name = f"<b>{escape((shown or {}).get(stretch.id, stretch.name))}</b>"
    reason = change.reason
    delta = escape(step_words(stretch, change.to_level - change.from_level))
    because = escape(why(reason))
    if as_of is not None and (reason in HOLD_BACK_REASONS or reason in GROWTH_REASONS):
        return _dose_line_later(name, change, delta, because, *as_of)
    if reason in GROWTH_REASONS:
        return f"📈 {name}: {delta} more from now on — {because}."
    if reason in HOLD_BACK_REASONS:
        return f"📉 {name}: {delta} less for now — {because}; no step up for 3 days."
    if reason in (Reason.EASED, Reason.LEFT_OUT) and as_of is not None:
        return _ease_line_later(name, stretch, change, because, *as_of)
    if reason is Reason.EASED:
        easier = escape(stretch.easier.name)
        return f"🪶 {name}: its easier version ({easier}) for the next 7 days."
    if reason is Reason.LEFT_OUT:
        return f"⏸ {name} rests for the next 7 days — {because}."
    if reason is Reason.EASIER_START:
        easier = escape(stretch.easier.name)
        return f"🪶 {name}: the easier version ({easier}) is your starting point — {because}."
    if reason is Reason.FULL_AGAIN:
        return f"💪 {name}: the full version again."
    return f"↺ {name}: back to the starting dose."


def _dose_line_later(
    name: str, change: Change, delta: str, because: str, now: datetime, zone: tzinfo
) -> str:
    """A step up or back seen days later (the weekly summary): the day it happened, not
    "from now on" / "for now", and whether its 3 days without a step up are over."""
    day = day_label(change.at, zone)
    if change.reason in GROWTH_REASONS:
        return f"📈 {name}: {delta} more from {day} — {because}."
    ends = change.at + FREEZE_FOR  # this change's own hold; a later one shows its own
    if ends <= now:
        held = f"step-ups were held until {day_label(ends, zone)}"
    else:
        held = f"no step up {hold_label(ends, now, zone)}"
    return f"📉 {name}: {delta} less from {day} — {because}; {held}."


def _ease_line_later(
    name: str, stretch: Stretch, change: Change, because: str, now: datetime, zone: tzinfo
) -> str:
    """A week's ease-off seen days later: until which day it holds, or that it is over."""
    ends = change.at + EASE_FOR
    if change.reason is Reason.LEFT_OUT:
        if ends <= now:
            back = since_label(ends, now, zone)
            return f"⏸ {name} rested for a week — {because}. It is back since {back}."
        return f"⏸ {name} rests until {until_label(ends, now, zone)} — {because}."
    easier = escape(stretch.easier.name)
    if ends <= now:
        return (
            f"🪶 {name}: its easier version ({easier}) for a week after “It hurts”; the full "
            f"version is back since {since_label(ends, now, zone)}."
        )
    return f"🪶 {name}: its easier version ({easier}) until {until_label(ends, now, zone)}."


def change_lines(
    content: Content,
    changes: Sequence[Change],
    shown: Mapping[str, str] | None = None,
    as_of: tuple[datetime, tzinfo] | None = None,
) -> list[str]:
    """`change_line` for each change, leaving out stretches no longer in the content."""
    return [
        line
        for change in changes
        if (line := change_line(content, change, shown, as_of)) is not None
    ]


def shown_names(steps: Sequence[RoutineStep]) -> dict[str, str]:
    """Each stretch of a run by the name of the version it gave: the easier one's when so."""
    return {
        step.stretch.id: step.stretch.easier.name if step.easier_only else step.stretch.name
        for step in steps
    }


def offer_lines(content: Content, stretch_ids: Sequence[str]) -> list[str]:
    """ "Ready for the full version again?" for each stretch whose offer is open."""
    return [
        texts.PROGRAM_OFFER_FULL.format(name=escape(content.stretches[sid].name))
        for sid in stretch_ids
        if sid in content.stretches
    ]


def day_label(moment: datetime, zone: tzinfo) -> str:
    """ "Tue 8 Dec" in the user's zone."""
    local = moment.astimezone(zone)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local.day} {local:%b}"


def until_label(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """When something ends, for "until …" in the user's zone: "later today" on its own
    day, "tomorrow" the day before, otherwise its day ("Tue 8 Dec")."""
    days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return "later today"
    if days == 1:
        return "tomorrow"
    return day_label(moment, zone)


def hold_label(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """When growth may step up again, for "No step up …": "until later today" on its own
    day, "before tomorrow" the day before, otherwise "before Tue 8 Dec"."""
    days = (moment.astimezone(zone).date() - now.astimezone(zone).date()).days
    return "until later today" if days <= 0 else f"before {until_label(moment, now, zone)}"


def since_label(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """When something ended, for "… since …": "earlier today" on the same day,
    "yesterday", otherwise its day ("Mon 7 Dec")."""
    days = (now.astimezone(zone).date() - moment.astimezone(zone).date()).days
    if days <= 0:
        return "earlier today"
    return "yesterday" if days == 1 else day_label(moment, zone)


def level_words(stretch: Stretch, level: int) -> str:
    """A program level as a change to every routine's own dose ("1 lift more in every
    routine"): routines set their own doses, so the program never names one number."""
    if level == 0:
        return texts.PROGRAM_SAME_EVERYWHERE
    amount = step_words(stretch, level)
    return (texts.PROGRAM_MORE if level > 0 else texts.PROGRAM_LESS).format(amount=amount)


def program_text(
    lines: Sequence[StretchLine],
    frozen_until: datetime | None,
    zone: tzinfo,
    stretches: Mapping[str, Stretch],
    now: datetime,
) -> str:
    """ "📈 My program": each stretch's change today, as steps from each routine's own dose
    (true for every routine), which version, until when "It hurts" holds, and why."""
    out = [texts.PROGRAM_TITLE, texts.PROGRAM_INTRO, ""]
    for line in lines:
        name = f"<b>{escape(line.name)}</b>"
        until = f" until {until_label(line.eased_until, now, zone)}" if line.eased_until else ""
        if line.left_out:
            detail = f"resting{until} — {escape(why(Reason.LEFT_OUT))}"
            out.append(f"• {name}: {detail}")
            continue
        detail = escape(level_words(stretches[line.stretch_id], line.level))
        if line.easier:
            detail = f"🪶 {escape(line.easier_name)}{until}, {detail}"
        if line.changed and line.state.reason is not None:
            detail += f" — {escape(why(line.state.reason))}"
        out.append(f"• {name}: {detail}")
    if frozen_until is not None:
        out.append("")
        out.append(texts.PROGRAM_FROZEN.format(when=hold_label(frozen_until, now, zone)))
    if not any(line.changed for line in lines):
        out.append("")
        out.append(texts.PROGRAM_ALL_START)
    return "\n".join(out)


def program_keyboard(lines: Sequence[StretchLine]) -> InlineKeyboardMarkup:
    """A reset button for each changed stretch, "Try full" offers, reset all, back."""
    rows: list[list[InlineKeyboardButton]] = []
    for line in lines:
        if line.offer_full:
            label = texts.PROGRAM_FULL_BUTTON.format(name=line.name)
            data = callbacks.program_full(line.stretch_id)
            rows.append([InlineKeyboardButton(label, callback_data=data)])
    resettable = [
        line
        for line in lines
        if line.dose != line.content_dose or line.state.easier_since is not None
    ]
    pairs = [
        InlineKeyboardButton(
            texts.PROGRAM_RESET_ONE_BUTTON.format(name=line.name),
            callback_data=callbacks.program_reset(line.stretch_id),
        )
        for line in resettable
    ]
    rows += [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    if resettable:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.PROGRAM_RESET_ALL_BUTTON, callback_data=callbacks.program_reset(None)
                )
            ]
        )
    rows.append([InlineKeyboardButton("⬅️ Back", callback_data=callbacks.settings_action("menu"))])
    return InlineKeyboardMarkup(rows)
