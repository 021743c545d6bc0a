"""How a routine looks in chat: captions, progress, timer lines, keyboards, the picker.

Pure functions of a run's state and the content; the routine handlers send what they build.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup

from bot import keyboards, texts
from bot.content import (
    Content,
    Routine,
    RoutineStep,
    SafetyTexts,
    describe_dose,
    describe_duration,
)
from bot.domain.routine import Phase
from bot.handlers.program_views import dose_note, version_note
from bot.services.routines import RunView, timer_rounds

CAPTION_LIMIT = 1024
"""Telegram's limit for a photo caption."""


def progress_label(view: RunView) -> str:
    current, total = view.state.progress
    return f"{current} of {total}"


def round_label(step: RoutineStep, round_index: int) -> str:
    """ "right · 2/3" for hold number `round_index` (sides vary fastest)."""
    dose = step.dose
    parts = []
    if dose.sides > 1:
        parts.append(dose.labels[round_index % dose.sides])
    if dose.sets > 1:
        parts.append(f"{round_index // dose.sides + 1}/{dose.sets}")
    return " · ".join(parts)


def timer_button_label(view: RunView) -> str | None:
    step = view.step
    if step is None or view.run.timer_ends_at is not None or step.dose.hold_seconds is None:
        return None
    next_round = 0 if view.state.timer_round is None else view.state.timer_round + 1
    if next_round >= timer_rounds(step):
        return None
    detail = round_label(step, next_round)
    label = f"⏱ Start {step.dose.hold_seconds} s"
    return f"{label} · {detail}" if detail else label


def timer_line(view: RunView, now: datetime) -> str | None:
    step, round_index = view.step, view.state.timer_round
    if step is None or round_index is None:
        return None
    detail = round_label(step, round_index)
    suffix = f" ({detail})" if detail else ""
    if view.run.timer_ends_at is not None:
        left = max(0, math.ceil((view.run.timer_ends_at - now).total_seconds()))
        return f"⏱ <b>{left} s</b> left{suffix}"
    if round_index + 1 < timer_rounds(step):
        nxt = round_label(step, round_index + 1)
        return f"{texts.TIMES_UP}{suffix} Next: {escape(nxt)}."
    return f"{texts.TIMES_UP}{suffix} Tap ✅ Done when you're ready."


def step_caption(view: RunView, now: datetime, safety: SafetyTexts) -> str:
    """The card: name, starting position, numbered steps, breathing, dose, where to feel
    it, the most important caution and who should ask first; the easier version when
    chosen (or when the routine uses only that one), as complete instructions."""
    step = view.step
    assert step is not None
    stretch = step.stretch
    header = f"<b>{progress_label(view)} · {escape(stretch.name)}</b>"
    body = []
    if view.state.easier or step.easier_only:
        easier = stretch.easier
        note = version_note(step)
        body.append(
            f"🪶 <i>Easier version: {escape(easier.name)}</i>" + (f" {note}" if note else "")
        )
        start, steps, breathing = easier.start, easier.steps, easier.breathing or stretch.breathing
    else:
        start, steps, breathing = stretch.start, stretch.steps, stretch.breathing
    body.append(f"<i>{escape(start)}</i>")
    body += [f"{i}. {escape(s)}" for i, s in enumerate(steps, 1)]
    body.append(f"🌬 {escape(breathing)}")
    dose_line = f"🎯 <b>{escape(describe_dose(step.dose))}</b>"
    note = dose_note(step)
    body.append(f"{dose_line} {note}" if note else dose_line)
    if step.shortened:
        body.append(f"✂️ {escape(safety.shortened)} {escape(describe_dose(stretch.dose))}.")
    body.append(f"📍 {escape(safety.areas_lead)}: {escape(', '.join(stretch.areas))}")
    body.append(f"⚠️ {escape(stretch.cautions[0])}")
    groups = safety.ask_first_for(stretch.id)
    if groups:
        who = " or ".join(group.card for group in groups)
        body.append(f"⚕️ {escape(safety.ask_first.card_lead)} {escape(who)}.")
    line = timer_line(view, now)
    if line:
        body.append(line)
    caption = "\n".join([header, *body])
    if len(caption) > CAPTION_LIMIT:  # drop the breathing cue before anything essential
        caption = "\n".join([header, *[b for b in body if not b.startswith("🌬")]])
    return caption


def step_keyboard(view: RunView) -> InlineKeyboardMarkup:
    step = view.step
    assert step is not None
    return keyboards.routine_step(
        view.run.id,
        view.run.version,
        timer_label=timer_button_label(view),
        easier=view.state.easier,
        can_toggle=not step.easier_only,
        cautions_of=step.stretch.id if len(step.stretch.cautions) > 1 else None,
    )


def picker_rows(
    content: Content,
    *,
    gentle_first: bool,
    default_id: str | None,
    own: Sequence[Routine] = (),
) -> list[tuple[str, str]]:
    """(routine id, label) of each button: the shipped routines (gentle first on a bad
    day), then the user's own; the reminder's routine starred (`default_id`; None: no
    reminders set up, no star)."""
    routines: list[Routine] = [*content.routines.values(), *own]
    if gentle_first:
        gentle = content.gentle_routine
        routines = [gentle, *[r for r in routines if r.id != gentle.id]]
    rows = []
    for routine in routines:
        star = "⭐ " if routine.id == default_id else ""
        duration = describe_duration(routine.duration_seconds(content))
        rows.append((routine.id, f"{star}{routine.title} · {duration}"))
    return rows


def picker_text(
    content: Content, *, bad_day: bool, own: Sequence[Routine] = (), starred: bool = True
) -> str:
    """The picker's text; `starred`: a routine is starred as the reminder routine."""
    lines = [texts.PICK_ROUTINE if starred else texts.PICK_ROUTINE_NO_REMINDERS]
    if bad_day:
        lines.append(texts.BAD_DAY_SUGGESTION)
    for routine in [*content.routines.values(), *own]:
        lines.append(f"• <b>{escape(routine.title)}</b>: {escape(routine.description)}")
    return "\n".join(lines)


def mid_routine_hint(view: RunView) -> str:
    """Text typed during a run: what the buttons of its message (quoted) are waiting for."""
    if view.state.phase is Phase.CHECK:
        return texts.HIGH_PAIN_HINT
    if view.state.phase is Phase.SUGGEST:
        return texts.SUGGEST_GENTLE_HINT
    return texts.MID_ROUTINE_HINT.format(
        title=escape(view.routine.title), progress=progress_label(view)
    )
