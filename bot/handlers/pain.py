"""/pain: consent once, a 0-10 keypad, then an optional "where"; red-flag guidance on 8+.

No conversation state: every button carries what it needs, so the flow survives restarts,
and free text sent instead of a tap reaches the global hint (nothing typed is stored).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.domain.pain import needs_red_flag_guidance
from bot.handlers.common import answer, edit_or_send, onboarded_user, reply, sender_ids, services
from bot.services.pain import ConsentRequired


async def pain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pain: ask for consent the first time, otherwise show the 0-10 keypad."""
    user = await onboarded_user(update, context)
    if user is None:
        return
    user_id = user.id
    svc = services(context)
    if not await svc.pain.has_consent(user_id):
        await reply(update, texts.PAIN_CONSENT, reply_markup=keyboards.pain_consent())
        return
    seen = await svc.pain.entry_count(user_id)
    await reply(update, texts.PAIN_ASK, reply_markup=keyboards.pain_keypad(seen))


async def consent_answered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes stores the consent and shows the keypad; No stores nothing (/pain asks again)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    user_id, _ = sender_ids(update)
    svc = services(context)
    if await svc.preferences.get(user_id) is None:
        await answer(update, texts.FINISH_SETUP_FIRST, alert=True)
        return
    if query.data == callbacks.PAIN_CONSENT_YES:
        await svc.pain.give_consent(user_id)
        await answer(update, "Thanks! Your pain log is on.")
        seen = await svc.pain.entry_count(user_id)
        await edit_or_send(update, texts.PAIN_ASK, reply_markup=keyboards.pain_keypad(seen))
    elif await svc.pain.has_consent(user_id):  # "No" on an old question
        await answer(update, texts.PAIN_CONSENT_ALREADY, alert=True)
        await edit_or_send(update, texts.PAIN_CONSENT_ALREADY)
    else:
        await svc.pain.decline_consent(user_id)
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
    if entry_id is None:
        await answer(update, texts.PAIN_KEYPAD_USED, alert=True)
        return
    await answer(update, "Logged")
    await edit_or_send(
        update,
        texts.pain_logged(level, ask_area=True),
        reply_markup=keyboards.pain_areas(entry_id),
    )
    if needs_red_flag_guidance(level):
        await reply(update, texts.red_flags(svc.content.safety))
    if await svc.pain.no_improvement_began(user_id):
        await reply(update, texts.persistent_pain(svc.content.safety))


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
        await answer(update, texts.INVALID_BUTTON, alert=True)
        return
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
