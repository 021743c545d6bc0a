"""/pain: consent once, a 0-10 keypad, then an optional "where"; on 8+ the warning signs and
the advice to rest today (bot.domain.pain.reading_advises_rest).

Every button carries what it needs, and each question is stored with the user
(bot/handlers/asking.py), so the flow survives restarts and a typed answer ("4", "lower
back") is taken like the matching tap. Nothing typed is stored beyond the level and area.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.domain.pain import MAX_LEVEL, MIN_LEVEL, reading_advises_rest
from bot.domain.questions import (
    Kind,
    Question,
    is_skip,
    parse_area,
    parse_level,
    parse_number,
    says_pain_level,
)
from bot.domain.routine import Phase
from bot.handlers import asking
from bot.handlers.common import (
    answer,
    edit_or_send,
    invalid_button,
    known_user,
    reply,
    sender_ids,
    services,
)
from bot.services.pain import ConsentRequired
from bot.services.routines import RunView

#: A routine's questions: its "track your pain?", its 0-10 keypads (before and after) and
#: its choices after a reading. While one is open, /pain opens no second question.
ROUTINE_QUESTION_PHASES = frozenset(
    {Phase.CONSENT, Phase.BEFORE, Phase.AFTER, Phase.CHECK, Phase.SUGGEST}
)


async def routine_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> RunView | None:
    """The running routine when one of its questions is open (keypad, consent, a choice)."""
    user_id, _ = sender_ids(update)
    view = await services(context).routines.active(user_id)
    if view is None or view.state.phase not in ROUTINE_QUESTION_PHASES:
        return None
    return view


async def pain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pain: ask for consent the first time, otherwise show the 0-10 keypad.

    Whatever follows the command (``/pain 2``, ``/pain 11``) is never logged: a reading
    takes the keypad (or a number typed at it), which keeps consent and the double-tap
    guard in one place. The question says so in one line (`texts.pain_argument_note`)."""
    user = await known_user(update, context)
    if user is None:
        return
    user_id = user.id
    svc = services(context)
    argument = " ".join(context.args or ())
    number = parse_number(argument) if argument else None
    routine = await routine_question(update, context)
    consent = await svc.pain.has_consent(user_id)
    takes_readings = routine is None and consent
    if number is not None:  # 8-10: the advice at once, whether or not the keypad takes it
        await warn_unstored(update, context, number, routine)
    if routine is not None:  # one open question at a time: point at the routine's
        keypad = routine.state.phase in (Phase.BEFORE, Phase.AFTER)
        await reply(
            update,
            texts.pain_routine_asks(number, keypad=keypad),
            quoting=routine.run.message_id if routine.shown else None,
        )
        return
    note, advised = "", False
    if argument:
        advised = takes_readings and number is not None and _high(number)
        note = "\n\n" + texts.pain_argument_note(number, consent=consent, advised=advised)
    if not consent:
        await asking.ask(
            update,
            context,
            Kind.PAIN_CONSENT,
            texts.PAIN_CONSENT + note,
            lambda _: keyboards.pain_consent(),
        )
        return
    await _ask_level(update, context, edit=False, note=note, advised=number if advised else None)


def _high(level: int) -> bool:
    """A reading of 8-10 (`reading_advises_rest`); False off the 0-10 scale."""
    return MIN_LEVEL <= level <= MAX_LEVEL and reading_advises_rest(level)


async def warn_unstored(
    update: Update, context: ContextTypes.DEFAULT_TYPE, level: int, routine: RunView | None
) -> None:
    """A reading of 8-10 not stored by this message (no consent yet, a routine question
    open or a step under way, or ``/pain 9``, which the keypad below then takes): the
    warning signs and the rest advice all the same, at once. Not when the routine's keypad
    will take it (that brings them) or its high-pain choice shows them already."""
    if not _high(level):
        return
    if routine is not None and routine.state.phase in (Phase.BEFORE, Phase.AFTER, Phase.CHECK):
        return
    await reply(update, texts.high_reading(services(context).content.safety))


async def typed_without_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str
) -> None:
    """Text while no question is open: a reading of 8-10 that nothing will store gets the
    warning signs first (then the usual answer follows): any reading while a routine runs
    (its "track your pain?" question, a stretch under way: the routine then points to
    🤕 It hurts), elsewhere one that names itself ("pain 9", "9/10"); a bare number means
    something else there. A routine's keypad takes readings itself."""
    level = parse_level(text)
    if level is None or not reading_advises_rest(level):
        return
    user_id, _ = sender_ids(update)
    routine = await services(context).routines.active(user_id)
    if routine is not None or says_pain_level(text) is not None:
        await warn_unstored(update, context, level, routine)


async def _ask_level(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    edit: bool,
    note: str = "",
    lead: str = "",
    advised: int | None = None,
) -> None:
    """The keypad; ``advised``: the level (8-10) whose advice was just sent (``/pain 9``),
    kept with the question (``"<seen>:<level>"``) so typing it then doesn't send it again."""
    user_id, _ = sender_ids(update)
    seen = await services(context).pain.entry_count(user_id)
    await asking.ask(
        update,
        context,
        Kind.PAIN_LEVEL,
        lead + texts.PAIN_ASK + note,
        lambda _: keyboards.pain_keypad(seen),
        argument=str(seen) if advised is None else f"{seen}:{advised}",
        edit=edit,
    )


async def consent_answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes stores the consent and shows the keypad; No stores nothing (/pain asks again)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user_id, _ = sender_ids(update)
    svc = services(context)
    if await svc.preferences.get(user_id) is None:
        await answer(update, texts.NO_RECORD, alert=True)
        return
    if query.data == callbacks.PAIN_CONSENT_YES:
        await svc.pain.give_consent(user_id)
        await answer(update, "Thanks! Your pain log is on.")
        # The question becomes the keypad and keeps the answer on top (a record).
        await _ask_level(update, context, edit=True, lead=texts.PAIN_CONSENT_GIVEN + "\n\n")
    elif await svc.pain.has_consent(user_id):  # "No" on an old question
        await answer(update, texts.PAIN_CONSENT_ALREADY, alert=True)
        await edit_or_send(update, texts.PAIN_CONSENT_ALREADY)
    else:
        await svc.pain.decline_consent(user_id)
        await asking.close_kind(update, context, Kind.PAIN_CONSENT)
        await answer(update)
        await edit_or_send(update, texts.PAIN_CONSENT_DECLINED)


async def level_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A keypad number: store it, ask where (optional), add red-flag guidance on 8+ and
    the persistent-pain advice when the log starts to show no improvement."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_pain_level(query.data)
    assert parsed is not None
    level, seen = parsed
    user_id, _ = sender_ids(update)
    svc = services(context)
    try:
        entry_id = await svc.pain.record_checkin(user_id, level, entries_seen=seen)
    except ConsentRequired:
        await answer(update, texts.PAIN_NEEDS_CONSENT, alert=True)
        return
    if entry_id is None:  # a double tap's second, or a keypad already used: a quiet toast
        await answer(update, texts.PAIN_KEYPAD_USED)
        return
    await answer(update, "Logged")
    message = query.message
    shown = message.text if message is not None and isinstance(message, Message) else None
    # `/pain 9` gave the advice for 9 above this keypad already: once per reading.
    advised = shown is not None and texts.pain_advice_above(level) in shown
    await _logged(update, context, level, entry_id, edit=True, advised=advised)


async def _logged(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    level: int,
    entry_id: int,
    *,
    edit: bool,
    advised: bool = False,
) -> None:
    """The reading is stored: say so, ask where (optional), the warning signs and rest advice
    on 8+ (unless ``advised``: given for this reading already, just above) and the
    persistent-pain advice when the log starts to show no improvement."""
    await asking.ask(
        update,
        context,
        Kind.PAIN_AREA,
        texts.pain_logged(level, ask_area=True),
        lambda _: keyboards.pain_areas(entry_id),
        argument=str(entry_id),
        edit=edit,
    )
    if reading_advises_rest(level) and not advised:  # the advice the reminder recalls
        await reply(update, texts.high_reading(services(context).content.safety))
    user_id, _ = sender_ids(update)
    if await services(context).pain.no_improvement_began(user_id):
        await reply(update, texts.persistent_pain(services(context).content.safety))


async def level_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at the keypad: a level 0-10 is logged like a tap; anything else, a hint."""
    level = parse_level(text)
    seen, _, advised = question.argument.partition(":")  # see `_ask_level`
    if level is None:  # the hint carries the keypad: the earlier one may be far up by now
        await asking.ask(
            update,
            context,
            Kind.PAIN_LEVEL,
            texts.PAIN_LEVEL_HINT,
            lambda _: keyboards.pain_keypad(int(seen or 0)),
            argument=question.argument,
        )
        return
    user_id, _ = sender_ids(update)
    try:
        entry_id = await services(context).pain.record_checkin(
            user_id, level, entries_seen=int(seen or 0)
        )
    except ConsentRequired:
        await reply(update, texts.PAIN_NEEDS_CONSENT)
        return
    if entry_id is None:
        await asking.close(update, context, question)
        await reply(update, texts.PAIN_KEYPAD_USED)
        return
    # The keypad shows the typed level in place of its buttons, as a tapped one would.
    await asking.close(
        update, context, question, answered=texts.answered(texts.PAIN_ASK, f"<b>{level}/10</b>")
    )
    await _logged(update, context, level, entry_id, edit=False, advised=advised == str(level))


async def area_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at "where do you feel it": an area (or "skip") like a tap; else a hint."""
    area = parse_area(text)
    if area is None and not is_skip(text):  # the hint carries the buttons again
        await asking.ask(
            update,
            context,
            Kind.PAIN_AREA,
            texts.PAIN_AREA_HINT,
            lambda _: keyboards.pain_areas(int(question.argument or 0)),
            argument=question.argument,
        )
        return
    user_id, _ = sender_ids(update)
    pain = services(context).pain
    entry_id = int(question.argument or 0)
    entry = await pain.entry(user_id, entry_id)
    if entry is None or not await pain.set_area(user_id, entry_id, area):
        await asking.close(update, context, question)
        await reply(update, texts.NOTHING_TO_CANCEL)
        return
    chosen = texts.area_label(area) or texts.PAIN_AREA_SKIP_BUTTON
    shown = texts.answered(texts.pain_logged(entry.level, ask_area=True), f"<b>{chosen}</b>")
    await asking.close(update, context, question, answered=shown)
    await reply(update, texts.pain_logged(entry.level, area=area))


async def consent_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Consent to store health data is given by a tap only: say which buttons. A reading
    typed here is not stored; one of 8-10 gets the warning signs and the rest advice first,
    and the hint (quoting the question, still open) comes last."""
    level = parse_level(text)
    if level is None:
        await reply(update, texts.PAIN_CONSENT_HINT, quoting=question.message_id)
        return
    await warn_unstored(update, context, level, None)
    await reply(update, texts.pain_consent_reading_hint(level), quoting=question.message_id)


async def area_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Where it hurts (or Skip), on the user's own reading only."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_pain_area(query.data)
    assert parsed is not None
    entry_id, area = parsed
    user_id, _ = sender_ids(update)
    pain = services(context).pain
    entry = await pain.entry(user_id, entry_id)
    if entry is None or not await pain.set_area(user_id, entry_id, area):
        await invalid_button(update, context)
        return
    await asking.close_kind(update, context, Kind.PAIN_AREA, str(entry_id))
    await answer(update, "Noted" if area else "Skipped")
    await edit_or_send(update, texts.pain_logged(entry.level, area=area))


def build_handlers() -> list[
    CommandHandler[ContextTypes.DEFAULT_TYPE, None]
    | CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]
]:
    return [
        CommandHandler("pain", pain_command),
        CallbackQueryHandler(
            consent_answered, pattern=callbacks.matcher(callbacks.parse_pain_consent)
        ),
        CallbackQueryHandler(level_tapped, pattern=callbacks.matcher(callbacks.parse_pain_level)),
        CallbackQueryHandler(area_tapped, pattern=callbacks.matcher(callbacks.parse_pain_area)),
    ]
