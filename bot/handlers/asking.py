"""Asking a question and closing it: the one place that opens, answers and retires questions.

Every question the bot asks is stored with the user (see `bot.domain.questions`). Asking
one retires the previous one (its buttons are removed); answering one, by a tap or by text,
closes it and removes its buttons; a button of a question that is no longer open answers
"That button isn't valid any more" and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot import callbacks, texts
from bot.botapi import errors as botapi
from bot.domain.questions import Kind, Question
from bot.handlers.common import invalid_button, remove_buttons, reply, sender_ids, services

logger = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


async def ask(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    kind: Kind,
    text: str,
    markup: Callable[[int], Markup],
    argument: str = "",
    *,
    edit: bool = False,
) -> int:
    """Open question `kind`, send `text` with `markup(seq)`, remember its message.

    With `edit`, the tapped message becomes the question (a menu turning into a question).
    Returns the question's sequence number (its buttons carry it).
    """
    user_id, _ = sender_ids(update)
    prefs = services(context).preferences
    seq, replaced = await prefs.ask(user_id, kind, argument)
    query = update.callback_query
    tapped = query.message.message_id if query is not None and query.message else None
    if replaced is not None:
        await retire_buttons(update, context, replaced)
        if _flow(replaced.kind) != _flow(kind):  # another flow's question took its place
            await say_left(update, context, replaced)
    keyboard = markup(seq)
    _, chat_id = sender_ids(update)
    if edit and tapped is not None and isinstance(keyboard, InlineKeyboardMarkup):
        sent = await botapi.edit_text(context.bot, chat_id, tapped, text, reply_markup=keyboard)
    else:
        sent = await reply(update, text, reply_markup=keyboard)
    if sent.failure is botapi.Failure.NOT_MODIFIED:
        message_id: int | None = tapped
    else:
        message_id = sent.message_id
    if message_id is None:  # not delivered: typed answers still work, the buttons aren't there
        return seq
    await prefs.question_shown(user_id, seq, message_id)
    return seq


#: Questions asked one after another in one flow: the next one replacing the last is
#: the flow going on, not a question left.
_FLOWS = (
    frozenset({Kind.TIME, Kind.ZONE, Kind.ZONE_CONFIRM, Kind.ZONE_PICK}),
    frozenset({Kind.PAIN_CONSENT, Kind.PAIN_LEVEL, Kind.PAIN_AREA}),
)


def _flow(kind: Kind) -> frozenset[Kind]:
    return next((flow for flow in _FLOWS if kind in flow), frozenset({kind}))


async def say_left(update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question) -> None:
    """Tell the user that `question` was closed by another flow and nothing changed: a
    question is never closed silently."""
    user_id, _ = sender_ids(update)
    user = await services(context).preferences.get(user_id)
    onboarded = user is not None and user.onboarded
    keyboard = ReplyKeyboardRemove() if not question.has_inline_buttons else None
    text = texts.question_left(question.kind.value, onboarded=onboarded)
    if text == texts.SETUP_LEFT:  # a side note: after what they turned to, not before
        vars(context).setdefault(_AFTER_REPLY, []).append((text, keyboard))
        return
    await reply(update, text, reply_markup=keyboard)


_AFTER_REPLY = "stretchbot_after_reply"
"""Notes for the end of this update (an attribute of its one CallbackContext)."""


async def send_after_reply(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs after the other handlers: the side notes `say_left` kept for after the reply
    (setup's time question put aside, after /pain's keypad rather than before it)."""
    notes: list[tuple[str, ReplyKeyboardRemove | None]] = vars(context).pop(_AFTER_REPLY, [])
    if notes and isinstance(update, Update):
        for text, keyboard in notes:
            await reply(update, text, reply_markup=keyboard)


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE, question: Question) -> None:
    """A button of another flow was tapped while `question` was open: close it and say so
    (if it was still open). For a routine's step and keypad buttons, whose own transaction
    reads the question (`leave_for_button` leaves it for the other buttons)."""
    if await close(update, context, question):
        await say_left(update, context, question)


async def leave_for_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, asks_again: frozenset[Kind] = frozenset()
) -> None:
    """The tapped button, which its handler has just proved to be the person's own and
    valid, leaves their open question if it is a button of another flow
    (`callbacks.leaves_the_question`): close it and say so, unless the button asks the same
    question again (`asks_again`). Called by each such handler after its checks, never
    before: a forged or foreign button is refused and leaves the question open
    (`bot.handlers.answers.another_flow` leaves it for commands only)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or chat.type != ChatType.PRIVATE:
        return  # questions are asked in the private chat only
    if not callbacks.leaves_the_question(query.data or ""):
        return
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None or not await close(update, context, question):
        return
    if question.kind not in asks_again:
        await say_left(update, context, question)


async def close(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question: Question | None = None,
    *,
    answered: str | None = None,
) -> bool:
    """Close `question` (or whatever is open) and take its buttons away; with `answered`
    (a typed answer: the question's text and what was chosen, `texts.answered`) its message
    shows that instead, as a tapped question does.

    False when `question` was no longer the open one: the answer came too late.
    """
    user_id, _ = sender_ids(update)
    prefs = services(context).preferences
    open_question = question or await prefs.question(user_id)
    if open_question is None:
        return False
    if not await prefs.close_question(user_id, open_question):
        return False
    await retire_buttons(update, context, open_question, answered=answered)
    return True


async def retire_buttons(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question: Question,
    *,
    answered: str | None = None,
) -> None:
    """Take a closed question's buttons away (or show `answered` in their place), unless
    it's the tapped message (the tap handler edits that one itself)."""
    _, chat_id = sender_ids(update)
    if (
        question.message_id is None
        or not question.has_inline_buttons
        or _is_tapped(update, question)
    ):
        return
    if answered is not None:
        shown = await botapi.edit_text(
            context.bot, chat_id, question.message_id, answered, send_if_gone=False
        )
        if shown.ok:
            return
    await strip_buttons(context.bot, chat_id, question.message_id)


async def close_kind(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: Kind, argument: str | None = None
) -> bool:
    """Close the open question if it is `kind` (with `argument` when given)."""
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None or question.kind is not kind:
        return False
    if argument is not None and question.argument != argument:
        return False
    return await close(update, context, question)


def _is_tapped(update: Update, question: Question) -> bool:
    """The tapped message is the question's own: the tap handler edits it itself."""
    query = update.callback_query
    return (
        query is not None
        and query.message is not None
        and query.message.message_id == question.message_id
    )


async def open_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: Kind, seq: int
) -> Question | None:
    """The open question if it is `kind` with sequence number `seq` (a button's), else None."""
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None or question.kind is not kind or question.seq != seq:
        return None
    return question


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of a question that was answered or replaced (or forged): say so, and remove
    the buttons unless the message is the open question's own."""
    if update.callback_query is None:
        return
    await invalid_button(update, context)
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None or not _is_tapped(update, question):
        await remove_buttons(update)


async def point_to_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a long message sent while a question stays open (the warning signs), a short
    line quoting the question: it scrolled out of sight, and it is still what is asked."""
    user_id, _ = sender_ids(update)
    question = await services(context).preferences.question(user_id)
    if question is None or question.message_id is None:
        return
    await reply(update, texts.still_open(question.kind.value), quoting=question.message_id)


async def strip_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove the inline buttons of an earlier message (it may be gone: that's fine)."""
    await botapi.clear_buttons(bot, chat_id, message_id)
