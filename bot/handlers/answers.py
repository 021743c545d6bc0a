"""Typed answers, edited messages, /cancel, and leaving a question when another flow starts.

The open question is read from the database (bot/handlers/asking.py), so all of this works
the same after a restart: text goes to the question the bot asked last, then to the routine
in progress, then to a hint. "cancel"/"back" typed at any question leaves it (and is never
looked up as a place).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.domain.questions import Kind, Question, is_cancel
from bot.handlers import asking, fallbacks, my_routines, pain, preferences, privacy
from bot.handlers.common import reply, sender_ids, services

TypedAnswer = Callable[[Update, ContextTypes.DEFAULT_TYPE, Question, str], Awaitable[None]]

TYPED: dict[Kind, TypedAnswer] = {
    Kind.TIME: preferences.time_typed,
    Kind.ZONE: preferences.zone_typed,
    Kind.ZONE_CONFIRM: preferences.zone_typed,
    Kind.ZONE_PICK: preferences.zone_typed,
    Kind.PAIN_CONSENT: pain.consent_typed,
    Kind.PAIN_LEVEL: pain.level_typed,
    Kind.PAIN_AREA: pain.area_typed,
    Kind.DELETE: privacy.delete_typed,
    Kind.ROUTINE_NAME: my_routines.name_typed,
}

#: Commands that ask the same question again: no need to say the old one was left.
ASKS_AGAIN: dict[str, frozenset[Kind]] = {
    "pain": frozenset({Kind.PAIN_CONSENT, Kind.PAIN_LEVEL, Kind.PAIN_AREA}),
    "delete": frozenset({Kind.DELETE}),
    "start": frozenset({Kind.TIME, *preferences.ZONE_QUESTIONS}),
}

#: Commands after which leaving setup's question needs no "reminders aren't set up yet:
#: send /start" notice (`texts.SETUP_LEFT`): /settings and /stop say it themselves, and
#: /delete is no time to nudge someone to carry on setting up.
NO_SETUP_NOTICE = frozenset({"settings", "stop", "delete"})
SETUP_QUESTIONS = frozenset({Kind.TIME, *preferences.ZONE_QUESTIONS})

#: Commands that only show something: the question stays open across them.
KEEP_QUESTION_COMMANDS = frozenset(
    {"help", "privacy", "safety", "progress", "export", "stats", "cancel"}
)


async def text_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text: the answer to the open question, else routine text, else a hint."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None:
        await pain.typed_without_question(update, context, message.text)
        await fallbacks.unknown_text(update, context)
        return
    await _answer(update, context, question, message.text)


async def _answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question, text: str
) -> None:
    if is_cancel(text):
        await leave(update, context, question)
    else:
        await TYPED[question.kind](update, context, question, text)


async def location_received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: the answer to a time-zone question, otherwise explained."""
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is not None and question.kind in preferences.ZONE_QUESTIONS:
        await preferences.location_shared(update, context, question)
    else:
        await reply(update, texts.LOCATION_WITHOUT_QUESTION, reply_markup=ReplyKeyboardRemove())


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited message (a typo fixed). It answers the open question when it was sent
    after the question was asked; any other edit is ignored quietly. Edits never reach
    the other handlers (a re-run command, a second hint)."""
    message = update.edited_message
    if (
        message is not None
        and message.text
        and not message.text.startswith("/")
        and update.effective_user is not None
        and update.effective_chat is not None
        and update.effective_chat.type == ChatType.PRIVATE
    ):
        user_id, _ = sender_ids(update)
        question = await services(context).preferences.question(user_id)
        if question is not None and (
            question.message_id is None or message.message_id > question.message_id
        ):
            await _answer(update, context, question, message.text)
    raise ApplicationHandlerStop


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: leave the open question; nothing changes."""
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None:
        await reply(update, texts.NOTHING_TO_CANCEL, reply_markup=ReplyKeyboardRemove())
        return
    await leave(update, context, question)


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question) -> None:
    """Close the question and its buttons, and say that nothing changed."""
    if not await asking.close(update, context, question):
        await reply(update, texts.NOTHING_TO_CANCEL, reply_markup=ReplyKeyboardRemove())
    elif question.kind in (Kind.TIME, *preferences.ZONE_QUESTIONS):
        await preferences.left_question(update, context, question)
    elif question.kind is Kind.DELETE:
        await reply(update, texts.DELETE_CANCELLED)
    else:
        await reply(update, texts.NOTHING_CHANGED)


async def another_flow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before the other handlers: a command of something else leaves the open
    question, so a later typed text is never taken as its answer. The user is told which
    question was left and that nothing changed, unless what they sent asks the same question
    again; a question is never closed silently.

    A button of another flow (`callbacks.leaves_the_question`) is left to its handler: it
    leaves the question (`asking.leave_for_button`) only once the button proved to be the
    person's own and valid, so a forged or foreign one is refused and changes nothing, the
    open question included."""
    chat = update.effective_chat
    if update.effective_user is None or chat is None or chat.type != ChatType.PRIVATE:
        return  # questions are asked in the private chat only
    if update.callback_query is not None:
        return  # its handler leaves the question, after its checks
    message = update.effective_message
    command = ""
    if message is not None and message.text:
        words = message.text[1:].split("@", 1)[0].split(maxsplit=1)
        command = words[0].lower() if words else ""
        if command in KEEP_QUESTION_COMMANDS:
            return
        if command == "pain" and await pain.routine_question(update, context) is not None:
            return  # /pain only points at the routine's open question: nothing is left
    user_id, _ = sender_ids(update)
    prefs = services(context).preferences
    question = await prefs.question(user_id)
    if question is None or not await asking.close(update, context, question):
        return
    if question.kind in ASKS_AGAIN.get(command, frozenset()):
        return
    if command in NO_SETUP_NOTICE and question.kind in SETUP_QUESTIONS:
        user = await prefs.get(user_id)
        if user is None or not user.onboarded:
            return
    await asking.say_left(update, context, question)
