"""Inline and reply keyboards. Payloads come from `bot.callbacks`."""

from __future__ import annotations

from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import callbacks, texts
from bot.domain.reminder_plan import WEEKDAY_NAMES

TIME_PRESETS = (time(7, 0), time(8, 0), time(12, 30), time(18, 0), time(21, 0))


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def time_presets(*, with_back: bool = False) -> InlineKeyboardMarkup:
    rows = [
        [button(texts.hhmm(at), callbacks.time_choice(at)) for at in TIME_PRESETS[:3]],
        [button(texts.hhmm(at), callbacks.time_choice(at)) for at in TIME_PRESETS[3:]],
    ]
    if with_back:
        rows.append([button("⬅️ Back", callbacks.settings_action("menu"))])
    return InlineKeyboardMarkup(rows)


def share_location() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts.SHARE_LOCATION_BUTTON, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="Berlin, America/New_York or UTC+2",
    )


def confirm_zone(zone_key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button("✅ Yes", callbacks.zone_confirm(zone_key)),
                button("✏️ No, change it", callbacks.ZONE_RETRY),
            ]
        ]
    )


def settings_menu(*, paused: bool, weekly: bool) -> InlineKeyboardMarkup:
    pause_row = (
        button("▶️ Resume reminders", callbacks.settings_action("resume"))
        if paused
        else button("⏸ Pause", callbacks.settings_action("pause"))
    )
    weekly_label = "📊 Weekly summary: on" if weekly else "📊 Weekly summary: off"
    return InlineKeyboardMarkup(
        [
            [
                button("⏰ Time", callbacks.settings_action("time")),
                button("🌍 Time zone", callbacks.settings_action("zone")),
            ],
            [button("📅 Days", callbacks.settings_action("days")), pause_row],
            [button(weekly_label, callbacks.settings_action("weekly"))],
            [button("✖️ Close", callbacks.settings_action("close"))],
        ]
    )


def weekdays(selected: frozenset[int]) -> InlineKeyboardMarkup:
    toggles = [
        button(("✅ " if day in selected else "▫️ ") + name, callbacks.weekday_toggle(day))
        for day, name in enumerate(WEEKDAY_NAMES)
    ]
    return InlineKeyboardMarkup(
        [toggles[:4], toggles[4:], [button("⬅️ Done", callbacks.settings_action("menu"))]]
    )


def pause_choices() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button("1 day", callbacks.pause_choice(1)),
                button("3 days", callbacks.pause_choice(3)),
                button("7 days", callbacks.pause_choice(7)),
            ],
            [button("Until I resume", callbacks.pause_choice(None))],
            [button("⬅️ Back", callbacks.settings_action("menu"))],
        ]
    )


def reminder(delivery_id: int, *, can_snooze: bool) -> InlineKeyboardMarkup:
    second_row = [button("⏭ Skip today", callbacks.reminder_action("skip", delivery_id))]
    if can_snooze:
        second_row.insert(
            0, button("😴 Snooze 30 min", callbacks.reminder_action("snooze", delivery_id))
        )
    return InlineKeyboardMarkup(
        [[button("▶️ Start routine", callbacks.reminder_action("go", delivery_id))], second_row]
    )
