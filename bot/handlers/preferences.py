"""Onboarding (/start) and the time / time-zone questions it shares with /settings.

/start asks for the reminder time, then the time zone, then confirms the zone. Each
question is stored with the user (bot/handlers/asking.py), not in a ConversationHandler's
memory, so a typed answer after a restart is read like before it, and a question's buttons
go stale once it is answered. The answers are written as they come, so /start later picks
up where the user left off; running /start again never wipes anything.
"""

from __future__ import annotations

import asyncio
from datetime import time
from html import escape

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.domain.clock_changes import next_clock_change
from bot.domain.questions import Kind, Question, is_no, is_yes
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
from bot.domain.zone_abbreviations import places_for
from bot.handlers import asking, my_routines
from bot.handlers.chats import DEEP_LINK_PAYLOAD
from bot.handlers.common import (
    Handler,
    answer,
    edit_or_send,
    known_user,
    onboarded_user,
    remove_buttons,
    reply,
    sender_ids,
    services,
    show_choice,
)
from bot.handlers.settings import current_schedule, is_paused, local_today, show_settings
from bot.services.preferences import UnknownUser

ZONE_QUESTIONS = (Kind.ZONE, Kind.ZONE_CONFIRM, Kind.ZONE_PICK)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome a new user, resume an unfinished setup, or re-subscribe a returning one."""
    user_id, chat_id = sender_ids(update)
    prefs = services(context).preferences
    user = (await prefs.greet(user_id, chat_id)).user
    code = my_routines.start_code(context.args)  # a share link: t.me/<bot>?start=<code>
    if code is not None and user.onboarded:
        if await my_routines.link_opened(update, context, code):
            await my_routines.show_pending(update, context)
        return
    unknown_link = start_link_unknown(context.args)
    if user.onboarded:
        # A link the bot doesn't know (mistyped, or not the bot's) is said so and changes
        # nothing: reminders turned off stay off (a plain /start turns them back on).
        if not unknown_link:
            user = await prefs.subscribe(user_id)
        paused = is_paused(user, local_today(user, context))
        await reply(
            update,
            texts.welcome_back(await current_schedule(user, context), unknown_link=unknown_link),
            reply_markup=keyboards.resume_reminders() if paused else ReplyKeyboardRemove(),
        )
        return
    # A new user: what the bot is and the disclaimer, the warning signs (once), then a
    # shared routine first if they came by a link (reminders are offered after it), else
    # the reminder setup, picking up where it stopped. Someone who has seen the welcome's
    # disclaimer and the warning signs already (/start again during setup, a link opened
    # then, a bad one included) gets no second copy: setup goes on where it stopped.
    safety = services(context).content.safety
    if not user.safety_shown:
        await reply(update, texts.welcome(safety))
    linked = code is not None and await my_routines.link_opened(update, context, code)
    if not user.safety_shown and await prefs.safety_shown(user_id):  # once, whatever the way in
        sent = await reply(
            update,
            texts.onboarding_safety(safety, services(context).content.stretch_names),
            reply_markup=keyboards.full_red_flags(safety.full_list_button),
        )
        if sent.message_id is None:  # lost: shown before the first routine instead
            await prefs.safety_shown(user_id, shown=False)
    if unknown_link:
        await reply(update, texts.START_LINK_UNKNOWN)
    shown = (linked or code is None) and await my_routines.show_pending(
        update, context, first=True
    )  # a link's routine, or one still waiting from before: reminders come after it
    if shown:
        return
    await continue_setup(update, context, user.reminder_time is None)


def start_link_unknown(args: list[str] | None) -> bool:
    """Whether ``/start <parameter>`` carries a parameter the bot doesn't know: neither a
    share code (`my_routines.start_code`, a bad one included) nor the groups' deep link."""
    if not args:
        return False
    return my_routines.start_code(args) is None and args[0] != DEEP_LINK_PAYLOAD


async def continue_setup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, time_missing: bool
) -> None:
    """Onboarding's next question: the reminder time, or the time zone once it's known."""
    if time_missing:
        await _ask_time(update, context, in_settings=False)
    else:
        await _ask_zone(update, context, in_settings=False)


async def _ask_time(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, in_settings: bool
) -> None:
    await asking.ask(
        update,
        context,
        Kind.TIME,
        texts.ASK_TIME,
        lambda seq: keyboards.time_presets(seq, back=in_settings),
        edit=in_settings,
    )


async def _ask_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, in_settings: bool
) -> None:
    await asking.ask(
        update,
        context,
        Kind.ZONE,
        texts.ASK_ZONE,
        lambda _seq: keyboards.share_location(back=in_settings),
    )


async def settings_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Settings → Time: the settings message becomes the question (presets and Back).
    Before setup it is "⏰ Set up daily reminders" (offered after a shared routine was
    shown first): setup goes on where it stopped, in a new message."""
    assert update.callback_query is not None
    user = await known_user(update, context)
    if user is None:
        return
    if user.onboarded:
        await answer(update)
        await _ask_time(update, context, in_settings=True)
        return
    asked = await services(context).preferences.question(user.id)
    if asked is not None and asked.kind in (Kind.TIME, *ZONE_QUESTIONS):  # a double tap
        await answer(update, texts.ANSWER_BELOW)
        return
    await answer(update)
    await continue_setup(update, context, user.reminder_time is None)


async def settings_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Settings → Time zone: ask with the location button."""
    assert update.callback_query is not None
    if await _onboarded(update, context):
        await asking.leave_for_button(update, context, asks_again=frozenset(ZONE_QUESTIONS))
        await answer(update)
        await _ask_zone(update, context, in_settings=True)


async def _onboarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return await onboarded_user(update, context) is not None


# --- the time question -----------------------------------------------------------------


async def time_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A preset time button of the open time question."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_time_choice(query.data)
    if parsed is None:
        await asking.stale_button(update, context)
        return
    at, seq = parsed
    question = await asking.open_question(update, context, Kind.TIME, seq)
    if question is None or not await asking.close(update, context, question):
        if await _already_set(update, context, at=at):
            return
        await asking.stale_button(update, context)
        return
    await answer(update, f"Reminder time: {texts.hhmm(at)}")
    await show_choice(update, f"<b>{texts.hhmm(at)}</b>")
    await _time_chosen(update, context, at)


async def time_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at the time question: a time of day, or a clear hint that changes nothing."""
    at = parse_time_of_day(text)
    if at is None:
        await reply(update, texts.BAD_TIME)
        return
    shown = texts.answered(texts.ASK_TIME, f"<b>{texts.hhmm(at)}</b>")
    if await asking.close(update, context, question, answered=shown):
        await _time_chosen(update, context, at)


async def _time_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, at: time) -> None:
    user_id, _ = sender_ids(update)
    try:
        user = await services(context).preferences.set_reminder_time(user_id, at)
    except UnknownUser:  # erased (/delete) while the answer was on its way
        await reply(update, texts.NO_RECORD)
        return
    if user.onboarded:
        await reply(update, f"⏰ Reminder time set to <b>{texts.hhmm(at)}</b>.")
        await show_settings(update, context, user, edit=False)
    elif user.time_zone is None:
        await _ask_zone(update, context, in_settings=False)
    else:
        await _finish(update, context)


# --- the time-zone questions -----------------------------------------------------------


async def zone_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    """Text at a zone question: a place, zone name, abbreviation or offset; "yes"/"no" at
    the confirmation; anything else gets a hint that says what works."""
    if question.kind is Kind.ZONE_CONFIRM and is_yes(text):
        await _zone_chosen(update, context, question, question.argument)
        return
    if question.kind in (Kind.ZONE_CONFIRM, Kind.ZONE_PICK) and is_no(text):
        await _ask_zone(update, context, in_settings=await _in_settings(update, context))
        return
    answer = interpret_zone_text(text)
    if isinstance(answer, ZoneChoice):
        await _ask_pick(update, context, answer)
    elif isinstance(answer, OffsetOutOfRange):
        await reply(update, texts.OFFSET_OUT_OF_RANGE)
    elif answer is not None:
        await _confirm_zone(update, context, question, answer)
    elif question.kind is Kind.ZONE_CONFIRM:
        await reply(update, texts.ZONE_CONFIRM_HINT, quoting=question.message_id)
    elif question.kind is Kind.ZONE_PICK:
        await reply(update, texts.ZONE_PICK_HINT, quoting=question.message_id)
    else:
        await reply(update, texts.BAD_ZONE)


async def location_shared(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question
) -> None:
    """A shared location at a zone question: look the zone up offline, forget the point."""
    location = update.effective_message.location if update.effective_message else None
    assert location is not None
    finder = services(context).zone_finder
    match = await asyncio.to_thread(
        zone_from_location, finder, location.latitude, location.longitude
    )
    if match is None:
        await reply(update, texts.BAD_LOCATION)
        return
    await _confirm_zone(update, context, question, match)


async def _ask_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, choice: ZoneChoice) -> None:
    now = services(context).clock.now()
    options = [
        (place.zone, texts.zone_choice_label(place.label, now.astimezone(load_zone(place.zone))))
        for place in choice.places
    ]
    await asking.ask(
        update,
        context,
        Kind.ZONE_PICK,
        texts.which_zone(choice.abbreviation),
        lambda seq: keyboards.zone_choices(options, seq),
        argument=choice.abbreviation,
    )


def _zone_facts(
    context: ContextTypes.DEFAULT_TYPE, label: str, zone_key: str, abbreviation: str | None = None
) -> str:
    """The zone's local time, offset and next clock change, for its "Is that right?"."""
    zone = load_zone(zone_key)
    local_now = services(context).clock.now().astimezone(zone)
    return texts.zone_facts(
        label,
        local_now,
        describe_offset(zone, local_now),
        next_clock_change(zone, local_now),
        abbreviation=abbreviation,
    )


async def _confirm_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, match: ZoneMatch
) -> None:
    facts = _zone_facts(context, match.label, match.key, abbreviation=match.abbreviation)
    # The location keyboard stays while a zone question is open (sharing a location still
    # answers it); the message after the zone is chosen removes it.
    await asking.ask(
        update,
        context,
        Kind.ZONE_CONFIRM,
        f"{facts}\n{texts.ZONE_IS_RIGHT}",
        lambda seq: keyboards.confirm_zone(match.key, seq),
        argument=match.key,
    )


async def zone_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "✅ Yes", a place of an abbreviation, or "✏️ No, change it" / "None of these"."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parsed = callbacks.parse_zone_confirm(query.data)
    question = None
    if parsed is not None:
        user_id, _ = sender_ids(update)
        question = await services(context).preferences.question(user_id)
    zone_key = parsed[0] if parsed else None
    if (
        parsed is None
        or question is None
        or question.seq != parsed[1]
        or question.kind not in (Kind.ZONE_CONFIRM, Kind.ZONE_PICK)
        or (zone_key is not None and not _offered(question, zone_key))
    ):
        if parsed is not None and await _already_set(
            update, context, zone=zone_key, asked=question
        ):
            return
        await asking.stale_button(update, context)
        return
    if zone_key is None:  # "No, change it"
        await answer(update)
        await remove_buttons(update)
        await _ask_zone(update, context, in_settings=await _in_settings(update, context))
        return
    await _zone_chosen(update, context, question, zone_key)


async def _already_set(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    at: time | None = None,
    zone: str | None = None,
    asked: Question | None = None,
) -> bool:
    """The second tap of a double tap on a time or zone button (or an older copy of it)
    whose answer is already stored: a quiet toast saying so, nothing changes. False when
    it isn't (the caller answers the button as stale). A zone question's "No, change it"
    counts when the zone question it led to is open."""
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    if user is None:
        return False
    if at is not None and user.reminder_time == at:
        text = texts.TIME_ALREADY_SET.format(at=texts.hhmm(at))
    elif zone is not None and user.time_zone == zone:
        text = texts.ZONE_ALREADY_SET.format(zone=iana_label(zone))
    elif at is None and zone is None and asked is not None and asked.kind is Kind.ZONE:
        text = texts.ZONE_ALREADY_ASKED
    else:
        return False
    await answer(update, text)
    return True


def _offered(question: Question, zone_key: str) -> bool:
    """Whether the question offered this zone (a forged key changes nothing)."""
    if question.kind is Kind.ZONE_CONFIRM:
        return zone_key == question.argument
    return zone_key in {place.zone for place in places_for(question.argument)}


async def _zone_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, zone_key: str
) -> None:
    """Store the confirmed zone; finish onboarding or go back to settings."""
    query = update.callback_query
    try:
        load_zone(zone_key)
    except UnknownTimeZone:
        if query is not None:
            await asking.stale_button(update, context)
        return
    typed = None  # a typed "yes": the question shows the zone as a tap would
    if query is None and question.kind is Kind.ZONE_CONFIRM:
        label = iana_label(zone_key)
        typed = texts.answered(
            f"{_zone_facts(context, label, zone_key)}\n{texts.ZONE_IS_RIGHT}",
            f"<b>{escape(label)}</b>",
        )
    if not await asking.close(update, context, question, answered=typed):
        if query is not None:
            await asking.stale_button(update, context)
        return
    if query is not None:
        await answer(update)
        await show_choice(update, f"<b>{escape(iana_label(zone_key))}</b>")
    user_id, _ = sender_ids(update)
    try:
        user = await services(context).preferences.set_time_zone(user_id, zone_key)
    except UnknownUser:  # erased (/delete) while the answer was on its way
        await reply(update, texts.NO_RECORD)
        return
    if user.onboarded:
        await reply(
            update,
            f"🌍 Time zone set to <b>{iana_label(zone_key)}</b>.",
            reply_markup=ReplyKeyboardRemove(),
        )
        await show_settings(update, context, user, edit=False)
    elif user.reminder_time is None:
        await _ask_time(update, context, in_settings=False)
    else:
        await _finish(update, context)


async def _finish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.finish_onboarding(user_id)
    schedule = await current_schedule(user, context)
    await reply(update, texts.setup_done(schedule), reply_markup=ReplyKeyboardRemove())
    await my_routines.show_pending(update, context, after_setup=True)


async def _in_settings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    return user is not None and user.onboarded


# --- leaving a question ----------------------------------------------------------------


async def cancel_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question's "✖️ Cancel" or "⬅️ Back" button."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = callbacks.QUESTION_CANCEL_PATTERN.match(query.data)
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if (
        match is not None and question is None and await services(context).preferences.get(user_id)
    ):  # a double tap's second (or an old question's): nothing is open, quietly said
        await answer(update, texts.NOTHING_TO_CANCEL_TOAST)
        return
    if (
        match is None
        or question is None
        or question.seq != int(match[1])
        or not await asking.close(update, context, question)
    ):
        await asking.stale_button(update, context)
        return
    await answer(update)
    if question.kind is Kind.ROUTINE_NAME:  # back to the routine being built
        await my_routines.name_question_left(update, context, question)
        return
    user = await services(context).preferences.get(user_id)
    if user is not None and user.onboarded:
        await show_settings(update, context, user, edit=True)
    else:
        await edit_or_send(update, texts.SETUP_CANCELLED)


async def left_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question
) -> None:
    """After /cancel or a typed "cancel"/"back" at a time or zone question."""
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    if user is not None and user.onboarded:
        await reply(update, texts.NOTHING_CHANGED, reply_markup=ReplyKeyboardRemove())
        await show_settings(update, context, user, edit=False)
    else:
        await reply(update, texts.SETUP_CANCELLED, reply_markup=ReplyKeyboardRemove())


def build_handlers() -> list[Handler]:
    """/start and the buttons of the time and zone questions (all state is in the database)."""
    return [
        CommandHandler("start", start),
        CallbackQueryHandler(time_tapped, pattern=callbacks.TIME_PATTERN),
        CallbackQueryHandler(zone_tapped, pattern=callbacks.ZONE_PATTERN),
        CallbackQueryHandler(cancel_tapped, pattern=callbacks.QUESTION_CANCEL_PATTERN),
        CallbackQueryHandler(settings_time, pattern=r"^s:time$"),
        CallbackQueryHandler(settings_zone, pattern=r"^s:zone$"),
    ]
