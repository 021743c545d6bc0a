"""Text that no question was waiting for: point the user somewhere useful, never stay silent."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.botapi.client import client_of
from bot.botapi.shown import Buttons
from bot.domain.questions import mentions_pain, named_button
from bot.domain.timezones import load_zone
from bot.handlers.common import reply, sender_ids, services
from bot.handlers.routines import show_phase, typed_in_routine


async def unknown_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mid-routine (also after a restart): the step that never arrived, or the routine reads
    it (a typed pain level, pain words, a hint); pain words: where to turn; a message
    showing buttons: name them, quoting it (a typed word naming one: that one; nothing is
    done); before setup: /start; else: the menu."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user_id, chat_id = sender_ids(update)
    svc = services(context)
    active = await svc.routines.active(user_id)
    if active is not None:
        if active.shown:
            await typed_in_routine(update, context, active, message.text)
        else:  # its current step never arrived: send it now
            await show_phase(update, context, active)
        return
    if mentions_pain(message.text):
        await reply(update, texts.PAIN_WORDS_HINT)
        return
    buttons = client_of(context.bot).shown.latest(chat_id)
    if await _snooze_typed_when_snoozed(update, context, message.text, buttons):
        return
    if buttons is not None:
        label = named_button(message.text, buttons.labels)
        hint = texts.button_hint(label) if label else texts.buttons_hint(buttons.labels)
        await reply(update, hint, quoting=buttons.message_id)
        return
    user = await svc.preferences.get(user_id)
    if user is None or not user.onboarded:
        await reply(update, texts.REMINDERS_NOT_SET_UP)
    else:
        await reply(update, texts.UNKNOWN_TEXT)


#: The reminder's Snooze button, as `bot.keyboards.reminder` labels it.
SNOOZE_LABEL = "😴 Snooze 30 min"
#: Its Skip button: a reminder showing it without Snooze was snoozed once already.
SKIP_LABEL = "⏭ Skip today"


async def _snooze_typed_when_snoozed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, buttons: Buttons | None
) -> bool:
    """ "snooze" typed while no Snooze button is showing: the reminder is snoozed already,
    so say until when (or, once the snoozed one has come, that it snoozes once a day)
    rather than the general hint. False (nothing said) for other text, or when a Snooze
    button is showing (the usual hint names it)."""
    if "snooze" not in text.casefold() or named_button(text, (SNOOZE_LABEL,)) is None:
        return False
    if buttons is not None and SNOOZE_LABEL in buttons.labels:
        return False
    svc = services(context)
    user_id, _ = sender_ids(update)
    user = await svc.preferences.get(user_id)
    if user is None or user.time_zone is None or not user.subscribed:
        return False
    zone = load_zone(user.time_zone)
    now = svc.clock.now().astimezone(zone)
    planned = await svc.preferences.next_sent(user)
    if planned is not None and planned.snoozed:
        await reply(update, texts.already_snoozed(planned.at.astimezone(zone), now))
        return True
    if buttons is not None and SKIP_LABEL in buttons.labels:  # the snoozed one came again
        await reply(update, texts.already_snoozed(None, now), quoting=buttons.message_id)
        return True
    return False


async def unknown_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler knows (a typo, or an old one)."""
    await reply(update, texts.UNKNOWN_COMMAND)
