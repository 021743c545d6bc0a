"""The daily reminder message and its Snooze / Skip buttons ("Start routine" is routines')."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from weakref import WeakKeyDictionary

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import callbacks, keyboards, texts
from bot.botapi.client import client_of
from bot.content import Content
from bot.db.deliveries import DeliveryKind, DeliveryStatus
from bot.db.models import Delivery, User
from bot.domain.timezones import load_zone
from bot.handlers.common import (
    answer,
    edit_or_send,
    from_earlier_day,
    old_reminder_button,
    sender_ids,
    services,
)
from bot.reminders import ReminderTapOutcome, skip_reminder, snooze_reminder
from bot.services.pain import PainLog, ReminderAdvice

WeeklySender = Callable[[Bot, User, Delivery], Awaitable[int]]


class TelegramDeliverySender:
    """Renders deliveries as Telegram messages for the dispatcher."""

    def __init__(
        self,
        bot: Bot,
        *,
        weekly: WeeklySender,
        pain: PainLog,
        content: Content,
        paid_broadcast: bool = False,
    ) -> None:
        self._bot = bot
        # Telegram's paid broadcasts (ALLOW_PAID_BROADCAST): 0.1 Stars per reminder.
        self._paid = paid_broadcast
        self._weekly = weekly
        self._pain = pain  # bad-day mode suggests the gentle routine first
        self._content = content
        # Advice looked up for a whole claim at once (`prepare`): rest advised, persistent
        # pain, bad day; each is used by that delivery's send and dropped. Kept by the row
        # object the claim holds (the dispatcher hands `send` the very object it prepared),
        # weakly: an entry lives exactly as long as its claim, so none still to be sent can
        # be dropped, a claim handed back unsent leaves nothing behind, and the same row
        # claimed again (a new object, read anew) never meets an older claim's advice, even
        # when its own `prepare` failed (that send then reads its user's rules itself).
        self._advice: WeakKeyDictionary[Delivery, tuple[bool, bool, bool, bool]] = (
            WeakKeyDictionary()
        )

    async def prepare(self, claimed: Sequence[tuple[Delivery, User]]) -> None:
        """Look up the advised-rest and bad-day rules for every daily reminder just claimed,
        in one read, so each send needs no database round trip of its own (a send without
        an answer here, e.g. after this failed, looks its user up alone). The answer is as
        of the claim, which the dispatcher sends within seconds (16 rows, 8 at a time)."""
        daily = [(d, u) for d, u in claimed if d.kind == DeliveryKind.DAILY]
        advice = await self._pain.reminder_advice({u.id: u.time_zone for _, u in daily})
        for delivery, user in daily:
            self._advice[delivery] = _advice_of(advice, user.id)

    async def send(
        self, kind: DeliveryKind, user: User, delivery: Delivery, *, late: bool = False
    ) -> int:
        if kind is DeliveryKind.WEEKLY:
            return await self._weekly(self._bot, user, delivery)
        prepared = self._advice.pop(delivery, None)
        if prepared is None:
            advice = await self._pain.reminder_advice({user.id: user.time_zone})
            prepared = _advice_of(advice, user.id)
        rest, persistent, bad_day, high_week = prepared
        text = texts.REMINDER_AGAIN if delivery.snoozed else texts.REMINDER
        if rest:  # the same advice /stretch repeats, rather than a cheerful "Ready?"
            text = texts.REMINDER_REST_ADVISED
        elif persistent:  # they were told to see a professional: the reminder says so too
            text = f"{text}\n\n{texts.reminder_persistent_pain(self._content.safety)}"
        elif high_week:  # Monday's summary said "see a doctor if it stays this high"
            text = texts.reminder_high_week(self._content.safety)
        elif bad_day:
            text = f"{text}\n\n{texts.BAD_DAY_SUGGESTION}"
        if late:
            text = f"{text}\n\n{texts.REMINDER_LATE}"
        markup = keyboards.reminder(
            delivery.id, delivery.local_date, can_snooze=not delivery.snoozed
        )
        if rest or persistent or bad_day or high_week:
            markup = keyboards.with_gentle_routine(markup, self._content.gentle_routine.id)
        # Telegram's reply read as JSON, no PTB Message built (bot/botapi/client.py); its
        # errors are raised as PTB raises them, for the dispatcher's classification.
        client = client_of(self._bot)
        message = await client.post(
            "sendMessage",
            {
                "chat_id": user.chat_id,
                "text": text,
                "parse_mode": ParseMode.HTML,
                "reply_markup": markup,
                "allow_paid_broadcast": self._paid or None,
            },
        )
        message_id = int(message["message_id"])
        client.shown.record(user.chat_id, message_id, markup)
        return message_id


def _advice_of(advice: ReminderAdvice, user_id: int) -> tuple[bool, bool, bool, bool]:
    """(rest advised, persistent-pain advice, bad day, high week) for one user."""
    return (
        user_id in advice.rest,
        user_id in advice.persistent,
        user_id in advice.bad_day,
        user_id in advice.high_week,
    )


#: A snoozed reminder in these hasn't come again yet.
_NOT_SENT_YET = frozenset({DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING})


async def reminder_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Snooze or Skip on a reminder. A double tap or an old reminder gets a clear answer."""
    query = update.callback_query
    assert query is not None and query.data is not None
    button = callbacks.parse_reminder_reply(query.data)
    assert button is not None  # the handler's pattern
    action, delivery_id, local_date = button
    user_id, _ = sender_ids(update)
    svc = services(context)
    if await from_earlier_day(update, context, button):
        # An earlier day's reminder: its Skip or Snooze would act on that day's row, never
        # today's, so nothing changes and the answer says so (Start still starts). Skip
        # is answered on screen too: that day is over, so the old reminder loses its
        # buttons and says it was skipped.
        await answer(update, texts.OLD_REMINDER, alert=True)
        if action == "skip" and local_date is not None:
            await edit_or_send(update, texts.old_reminder_skipped(local_date))
        return
    if action == "snooze":
        tap = await snooze_reminder(svc.sessions, svc.clock, user_id, delivery_id, local_date)
    else:
        tap = await skip_reminder(svc.sessions, user_id, delivery_id, local_date)
    if tap.outcome is ReminderTapOutcome.NOT_YOURS:
        await old_reminder_button(update, context, button)
        return
    if tap.outcome is ReminderTapOutcome.STALE:  # a routine started since: answered
        said = texts.reminder_answered(action)
        await answer(update, said)
        await edit_or_send(update, said)
        return
    if tap.outcome is ReminderTapOutcome.ALREADY:
        snoozed = tap.delivery if action == "snooze" and tap.delivery else None
        if snoozed is None or not snoozed.snoozed:
            await answer(update, texts.ALREADY_HANDLED)
            return
        user = await svc.preferences.get(user_id)
        zone = load_zone(user.time_zone if user and user.time_zone else "UTC")
        coming = snoozed.status in _NOT_SENT_YET
        until = snoozed.due_at.astimezone(zone) if coming else None
        await answer(update, texts.already_snoozed(until, svc.clock.now().astimezone(zone)))
        return
    assert tap.delivery is not None
    if action == "snooze":
        user = await svc.preferences.get(user_id)
        zone = load_zone(user.time_zone if user and user.time_zone else "UTC")
        await answer(update, "Snoozed for 30 minutes")
        until = tap.delivery.due_at.astimezone(zone)
        await edit_or_send(update, texts.snoozed(until, svc.clock.now().astimezone(zone)))
    else:
        await answer(update, "Skipped today")
        await edit_or_send(update, texts.SKIPPED)


def build_handlers() -> list[CallbackQueryHandler[ContextTypes.DEFAULT_TYPE, None]]:
    return [
        CallbackQueryHandler(
            reminder_tapped, pattern=callbacks.matcher(callbacks.parse_reminder_reply)
        )
    ]
