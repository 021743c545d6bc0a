"""Onboarding (/start) and the time / time-zone questions it shares with /settings.

One ConversationHandler asks for the reminder time, then the time zone, then confirms.
The answers are written to the database as they come, so /start after a restart picks
up where the user left off. Running /start again never wipes anything.
"""

from __future__ import annotations

import asyncio
import warnings
from datetime import time

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, keyboards, texts
from bot.db.models import User
from bot.domain.timeparse import parse_time_of_day
from bot.domain.timezones import (
    OffsetOutOfRange,
    UnknownTimeZone,
    ZoneChoice,
    ZoneMatch,
    describe_offset,
    iana_label,
    interpret_zone_text,
    load_zone,
    zone_from_location,
)
from bot.handlers.common import (
    Handler,
    answer,
    edit_or_send,
    remove_buttons,
    reply,
    sender_ids,
    services,
)
from bot.handlers.settings import (
    build_commands,
    current_schedule,
    is_paused,
    local_today,
    show_settings,
)
from bot.services.preferences import UnknownUser

ASKING_TIME, ASKING_ZONE, CONFIRMING_ZONE = range(3)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Welcome a new user, resume an unfinished setup, or re-subscribe a returning one."""
    user_id, chat_id = sender_ids(update)
    prefs = services(context).preferences
    user = (await prefs.greet(user_id, chat_id)).user
    if user.onboarded:
        user = await prefs.subscribe(user_id)
        paused = is_paused(user, local_today(user, context))
        await reply(
            update,
            texts.welcome_back(await current_schedule(user, context)),
            reply_markup=keyboards.resume_reminders() if paused else None,
        )
        return ConversationHandler.END
    safety = services(context).content.safety
    await reply(update, texts.welcome(safety))
    if user.reminder_time is None and user.time_zone is None:  # once, at the very start
        await reply(
            update,
            texts.onboarding_safety(safety, services(context).content.stretch_names),
            reply_markup=keyboards.full_red_flags(safety.full_list_button),
        )
    if user.reminder_time is None:
        await reply(update, texts.ASK_TIME, reply_markup=keyboards.time_presets())
        return ASKING_TIME
    await reply(update, texts.ASK_ZONE, reply_markup=keyboards.share_location())
    return ASKING_ZONE


async def ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """Settings → Time: show the presets; typed times are accepted too."""
    if not await _has_user(update, context):
        return None
    await answer(update)
    await edit_or_send(update, texts.ASK_TIME, reply_markup=keyboards.time_presets(with_back=True))
    return ASKING_TIME


async def ask_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """Settings → Time zone, or "No, change it": ask again with the location button."""
    if not await _has_user(update, context):
        return None
    await answer(update)
    await reply(update, texts.ASK_ZONE, reply_markup=keyboards.share_location())
    return ASKING_ZONE


async def _has_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the button's user has a row; buttons never start a question for someone
    who never sent /start (or erased everything): they get "send /start" instead."""
    user_id, _ = sender_ids(update)
    if await services(context).preferences.get(user_id) is not None:
        return True
    await answer(update, texts.FINISH_SETUP_FIRST, alert=True)
    return False


async def time_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A preset time button. An invalid one changes nothing, the question asked included
    (None keeps the conversation where it was)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    at = callbacks.parse_time_choice(query.data)
    if at is None:
        await answer(update, texts.INVALID_BUTTON, alert=True)
        return None
    user_id, _ = sender_ids(update)
    try:
        user = await services(context).preferences.set_reminder_time(user_id, at)
    except UnknownUser:  # never started, or an old settings message after /delete
        await answer(update, texts.FINISH_SETUP_FIRST, alert=True)
        return None
    await answer(update, f"Reminder time: {texts.hhmm(at)}")
    await remove_buttons(update)
    return await _time_stored(update, context, user, at)


async def time_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Free text where a time is expected: parse it or explain what works."""
    assert update.message is not None and update.message.text is not None
    at = parse_time_of_day(update.message.text)
    if at is None:
        await reply(update, texts.BAD_TIME)
        return ASKING_TIME
    user_id, _ = sender_ids(update)
    try:
        user = await services(context).preferences.set_reminder_time(user_id, at)
    except UnknownUser:  # the question outlived the user's data (/delete)
        await reply(update, texts.FINISH_SETUP_FIRST)
        return ConversationHandler.END
    return await _time_stored(update, context, user, at)


async def _time_stored(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, at: time
) -> int:
    if user.onboarded:
        await reply(update, f"⏰ Reminder time set to <b>{texts.hhmm(at)}</b>.")
        await show_settings(update, context, user, edit=False)
        return ConversationHandler.END
    await reply(update, texts.ASK_ZONE, reply_markup=keyboards.share_location())
    return ASKING_ZONE


async def zone_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A city, IANA name or UTC offset."""
    assert update.message is not None and update.message.text is not None
    answer = interpret_zone_text(update.message.text)
    if isinstance(answer, ZoneChoice):
        now = services(context).clock.now()
        choices = [
            (
                place.zone,
                texts.zone_choice_label(place.label, now.astimezone(load_zone(place.zone))),
            )
            for place in answer.places
        ]
        await reply(
            update,
            texts.which_zone(answer.abbreviation),
            reply_markup=keyboards.zone_choices(choices),
        )
        return CONFIRMING_ZONE
    if isinstance(answer, OffsetOutOfRange):
        await reply(update, texts.OFFSET_OUT_OF_RANGE)
        return ASKING_ZONE
    if answer is None:
        await reply(update, texts.BAD_ZONE)
        return ASKING_ZONE
    return await _confirm_zone(update, context, answer)


async def location_shared(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A shared location: look the zone up offline, then forget the coordinates."""
    assert update.message is not None and update.message.location is not None
    location = update.message.location
    finder = services(context).zone_finder
    match = await asyncio.to_thread(
        zone_from_location, finder, location.latitude, location.longitude
    )
    if match is None:
        await reply(update, texts.BAD_LOCATION)
        return ASKING_ZONE
    return await _confirm_zone(update, context, match)


async def _confirm_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, match: ZoneMatch
) -> int:
    zone = load_zone(match.key)
    local_now = services(context).clock.now().astimezone(zone)
    await reply(update, texts.ZONE_NOTED, reply_markup=ReplyKeyboardRemove())
    await reply(
        update,
        texts.zone_confirm(match.label, local_now, describe_offset(zone, local_now)),
        reply_markup=keyboards.confirm_zone(match.key),
    )
    return CONFIRMING_ZONE


async def zone_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """ "Yes": store the zone; finish onboarding or go back to settings."""
    query = update.callback_query
    assert query is not None and query.data is not None
    zone_key = callbacks.parse_zone_confirm(query.data)
    if zone_key is None:  # "No, change it"
        return await ask_zone(update, context)
    try:
        load_zone(zone_key)
    except UnknownTimeZone:
        await answer(update, texts.INVALID_BUTTON, alert=True)
        return None
    user_id, _ = sender_ids(update)
    prefs = services(context).preferences
    user = await prefs.get(user_id)
    if user is None:
        await answer(update, texts.FINISH_SETUP_FIRST, alert=True)
        return None
    await answer(update)
    await remove_buttons(update)
    user = await prefs.set_time_zone(user_id, zone_key)
    if user.onboarded:
        await reply(update, f"🌍 Time zone set to <b>{iana_label(zone_key)}</b>.")
        await show_settings(update, context, user, edit=False)
        return ConversationHandler.END
    if user.reminder_time is None:
        await reply(update, texts.ASK_TIME, reply_markup=keyboards.time_presets())
        return ASKING_TIME
    user = await prefs.finish_onboarding(user_id)
    await reply(update, texts.setup_done(await current_schedule(user, context)))
    return ConversationHandler.END


async def expect_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> int:
    """Text while a Yes/No button is expected."""
    await reply(update, texts.TAP_A_BUTTON)
    return CONFIRMING_ZONE


async def cancel(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, texts.SETUP_CANCELLED, reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


def build_conversation() -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    """The /start flow. Buttons are also entry points, so they work after a restart."""
    text = filters.TEXT & ~filters.COMMAND
    buttons: list[Handler] = [
        CallbackQueryHandler(time_tapped, pattern=callbacks.matcher(callbacks.parse_time_choice)),
        CallbackQueryHandler(
            zone_confirmed, pattern=callbacks.matcher(callbacks.parse_zone_answer)
        ),
        CallbackQueryHandler(ask_time, pattern=r"^s:time$"),
        CallbackQueryHandler(ask_zone, pattern=r"^s:zone$"),
    ]
    with warnings.catch_warnings():
        # Buttons are deliberately tracked per user, not per message: an answer may come
        # from any of the bot's recent messages.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return _conversation(buttons, text)


def _conversation(
    buttons: list[Handler], text: filters.BaseFilter
) -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
    return ConversationHandler(
        entry_points=[CommandHandler("start", start), *buttons],
        states={
            ASKING_TIME: [MessageHandler(text, time_typed)],
            ASKING_ZONE: [
                MessageHandler(filters.LOCATION, location_shared),
                MessageHandler(text, zone_typed),
            ],
            CONFIRMING_ZONE: [
                MessageHandler(filters.LOCATION, location_shared),
                MessageHandler(text, expect_button),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("start", start),
            *build_commands(),
            *buttons,
        ],
        name="preferences",
        allow_reentry=True,
    )
