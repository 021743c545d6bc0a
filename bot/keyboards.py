"""Inline and reply keyboards. Payloads come from `bot.callbacks`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import callbacks, texts
from bot.domain.reminder_plan import WEEKDAY_NAMES

TIME_PRESETS = (time(7, 0), time(8, 0), time(12, 30), time(18, 0), time(21, 0))


def button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def way_out(seq: int, *, back: bool) -> InlineKeyboardButton:
    """A question's way out: "Back" to the settings menu, or "Cancel" during setup."""
    return button(
        texts.BACK_BUTTON if back else texts.CANCEL_BUTTON, callbacks.question_cancel(seq)
    )


def time_presets(seq: int, *, back: bool) -> InlineKeyboardMarkup:
    rows = [
        [button(texts.hhmm(at), callbacks.time_choice(at, seq)) for at in TIME_PRESETS[:3]],
        [button(texts.hhmm(at), callbacks.time_choice(at, seq)) for at in TIME_PRESETS[3:]],
        [way_out(seq, back=back)],
    ]
    return InlineKeyboardMarkup(rows)


def share_location(*, back: bool) -> ReplyKeyboardMarkup:
    """The zone question's reply keyboard; its second button sends "Back"/"Cancel" as text."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(texts.SHARE_LOCATION_BUTTON, request_location=True)],
            [KeyboardButton(texts.BACK_BUTTON if back else texts.CANCEL_BUTTON)],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder="Berlin, America/New_York or UTC+2",
    )


def confirm_zone(zone_key: str, seq: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button("✅ Yes", callbacks.zone_confirm(zone_key, seq)),
                button("✏️ No, change it", callbacks.zone_retry(seq)),
            ]
        ]
    )


def zone_choices(choices: list[tuple[str, str]], seq: int) -> InlineKeyboardMarkup:
    """One button per (zone key, label) for an ambiguous abbreviation, then "none of these"."""
    rows = [[button(label, callbacks.zone_confirm(key, seq))] for key, label in choices]
    rows.append([button("✏️ None of these", callbacks.zone_retry(seq))])
    return InlineKeyboardMarkup(rows)


def settings_menu(*, subscribed: bool, paused: bool, weekly: bool) -> InlineKeyboardMarkup:
    """The /settings menu; the on/off button offers only what changes something."""
    if not subscribed:
        pause_row = button("🔔 Turn reminders on", callbacks.settings_action("resume"))
    elif paused:
        pause_row = button("▶️ Resume reminders", callbacks.settings_action("resume"))
    else:
        pause_row = button("⏸ Pause", callbacks.settings_action("pause"))
    weekly_label = "📊 Weekly summary: on" if weekly else "📊 Weekly summary: off"
    return InlineKeyboardMarkup(
        [
            [
                button("⏰ Time", callbacks.settings_action("time")),
                button("🌍 Time zone", callbacks.settings_action("zone")),
            ],
            [button("📅 Days", callbacks.settings_action("days")), pause_row],
            [
                button(
                    texts.SETTINGS_REMINDER_ROUTINE_BUTTON, callbacks.settings_action("routine")
                ),
                button(
                    weekly_label, callbacks.settings_action("weekly_off" if weekly else "weekly_on")
                ),
            ],
            [button("📈 My program", callbacks.settings_action("program"))],
            [button("✖️ Close", callbacks.settings_action("close"))],
        ]
    )


def default_routines(routines: list[tuple[str, str]], current: str) -> InlineKeyboardMarkup:
    """One button per (routine id, title); the current default is ticked."""
    rows = [
        [button(("✅ " if rid == current else "") + title, callbacks.default_routine(rid))]
        for rid, title in routines
    ]
    rows.append([button("⬅️ Back", callbacks.settings_action("menu"))])
    return InlineKeyboardMarkup(rows)


def weekdays(selected: frozenset[int]) -> InlineKeyboardMarkup:
    toggles = [
        button(
            ("✅ " if day in selected else "▫️ ") + name,
            callbacks.weekday_toggle(day, on=day not in selected),
        )
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


def resume_reminders() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("▶️ Resume reminders", callbacks.settings_action("resume"))]]
    )


def reminder(delivery_id: int, local_date: date, *, can_snooze: bool) -> InlineKeyboardMarkup:
    """A daily reminder's buttons; each carries its row id and the local date it was for."""

    def data(action: str) -> str:
        return callbacks.reminder_action(action, delivery_id, local_date)

    second_row = [button("⏭ Skip today", data("skip"))]
    if can_snooze:
        second_row.insert(0, button("😴 Snooze 30 min", data("snooze")))
    return InlineKeyboardMarkup([[button("▶️ Start routine", data("go"))], second_row])


def pain_levels(data_for: Callable[[int], str], skip_data: str | None) -> InlineKeyboardMarkup:
    """A 0-10 keypad in two rows, with an optional Skip."""
    rows = [
        [button(str(level), data_for(level)) for level in range(0, 6)],
        [button(str(level), data_for(level)) for level in range(6, 11)],
    ]
    if skip_data is not None:
        rows.append([button("Skip", skip_data)])
    return InlineKeyboardMarkup(rows)


def routine_picker(
    routines: list[tuple[str, str]], *, restart: bool = False
) -> InlineKeyboardMarkup:
    """One button per routine: (routine id, label)."""
    build = callbacks.routine_restart if restart else callbacks.routine_start
    return InlineKeyboardMarkup([[button(label, build(rid))] for rid, label in routines])


def rest_advised(
    gentle_id: str, gentle_label: str, routine_id: str, usual_label: str, rest_label: str
) -> InlineKeyboardMarkup:
    """Before a routine on a day the bot advised rest or the gentle routine: the gentle
    routine first, then the usual one, then rest."""
    return InlineKeyboardMarkup(
        [
            [button(gentle_label, callbacks.routine_start(gentle_id))],
            [button(usual_label, callbacks.routine_go_on(routine_id))],
            [button(rest_label, callbacks.REST_TODAY)],
        ]
    )


def routine_conflict(run_id: int, version: int, routine_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button("▶️ Continue", callbacks.routine_tap(run_id, version, "show"))],
            [button("🔄 Start over", callbacks.routine_restart(routine_id))],
        ]
    )


def routine_consent(run_id: int, version: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button("✅ Yes, keep track", callbacks.routine_tap(run_id, version, "cy"))],
            [button("No thanks", callbacks.routine_tap(run_id, version, "cn"))],
        ]
    )


def routine_step(
    run_id: int,
    version: int,
    *,
    timer_label: str | None,
    easier: bool,
    can_toggle: bool = True,
    cautions_of: str | None = None,
) -> InlineKeyboardMarkup:
    """A stretch card's buttons. `can_toggle` offers the easier/standard switch;
    `cautions_of` (a stretch id) adds "⚠️ Cautions", which needs no run state."""

    def tap(action: str) -> str:
        return callbacks.routine_tap(run_id, version, action)

    first = [button("✅ Done", tap("done"))]
    if timer_label is not None:
        first.append(button(timer_label, tap("timer")))
    second = [button("⏭ Skip", tap("skip"))]
    if can_toggle:
        easier_button = (
            button("↩️ Standard version", tap("std"))
            if easier
            else button("🪶 Easier version", tap("easy"))
        )
        second.insert(0, easier_button)
    rows = [first, second, [button("🤕 It hurts", tap("hurt")), button("⏹ Stop", tap("stop"))]]
    if cautions_of is not None:
        rows.append([button("⚠️ Cautions", callbacks.cautions(cautions_of))])
    return InlineKeyboardMarkup(rows)


def feedback(run_id: int, choices: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    """ "How was it?": one row of (choice, label) buttons."""
    return InlineKeyboardMarkup(
        [[button(label, callbacks.feedback(run_id, choice)) for choice, label in choices]]
    )


def full_red_flags(label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(label, callbacks.RED_FLAGS_FULL)]])


def high_pain_choice(
    run_id: int, version: int, *, gentle_label: str, rest_label: str
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(gentle_label, callbacks.routine_tap(run_id, version, "gentle"))],
            [button(rest_label, callbacks.routine_tap(run_id, version, "rest"))],
        ]
    )


def suggest_gentle(run_id: int, version: int) -> InlineKeyboardMarkup:
    """After a reading that brought advice: switch to gentle / go on / stop for today."""
    return InlineKeyboardMarkup(
        [
            [button(texts.SWITCH_GENTLE_BUTTON, callbacks.routine_tap(run_id, version, "gentle"))],
            [button(texts.GO_ON_BUTTON, callbacks.routine_tap(run_id, version, "go"))],
            [button(texts.STOP_FOR_TODAY_BUTTON, callbacks.routine_tap(run_id, version, "rest"))],
        ]
    )


def start_again(routine_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("🔁 Start a routine", callbacks.routine_start(routine_id))]]
    )


# --- Pain log and your data (issue #4) --------------------------------------------------


def pain_consent() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(texts.PAIN_CONSENT_YES_BUTTON, callbacks.PAIN_CONSENT_YES)],
            [button(texts.PAIN_CONSENT_NO_BUTTON, callbacks.PAIN_CONSENT_NO)],
        ]
    )


def pain_keypad(entries_seen: int) -> InlineKeyboardMarkup:
    """The /pain keypad; each button carries the reading count the keypad was made for."""
    return pain_levels(lambda level: callbacks.pain_level(level, entries_seen), None)


def pain_areas(entry_id: int) -> InlineKeyboardMarkup:
    areas = [
        button(texts.area_label(area), callbacks.pain_area(entry_id, area))
        for area in callbacks.PAIN_AREA_CHOICES
    ]
    skip = button(texts.PAIN_AREA_SKIP_BUTTON, callbacks.pain_area(entry_id, None))
    return InlineKeyboardMarkup([areas[:2], areas[2:], [skip]])


def with_gentle_routine(markup: InlineKeyboardMarkup, routine_id: str) -> InlineKeyboardMarkup:
    """The same keyboard with "Start gentle routine" as its first row (bad-day mode)."""
    gentle = button(texts.START_GENTLE_BUTTON, callbacks.routine_start(routine_id))
    return InlineKeyboardMarkup([[gentle], *markup.inline_keyboard])


def delete_confirm(asked_at: datetime) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(texts.DELETE_YES_BUTTON, callbacks.delete_confirm(asked_at))],
            [button(texts.DELETE_CANCEL_BUTTON, callbacks.DELETE_CANCEL)],
        ]
    )


def open_private_chat(link: str) -> InlineKeyboardMarkup:
    """One URL button (a deep link) that opens the private chat with the bot."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.OPEN_PRIVATE_CHAT_BUTTON, url=link)]])


# --- Your own routines and share links (issue #14) ---------------------------------------


def my_routines_list(
    own: list[tuple[str, str]], shipped: list[tuple[str, str]], *, can_add: bool = True
) -> InlineKeyboardMarkup:
    """/routines: one button per routine (routine id, label), then "New routine" while
    there is room for one more."""
    rows = [[button(label, callbacks.my_routines("v", ref))] for ref, label in own]
    rows += [[button(label, callbacks.my_routines("v", ref))] for ref, label in shipped]
    if can_add:
        rows.append([button(texts.NEW_ROUTINE_BUTTON, callbacks.my_routines("new"))])
    return InlineKeyboardMarkup(rows)


def reminder_button(ref: str, *, reminder: bool) -> InlineKeyboardButton:
    """A routine card's "⏰ Make it my reminder routine", or "✅ Reminder routine" once it is."""
    label = texts.REMINDER_ROUTINE_BUTTON if reminder else texts.USE_FOR_REMINDERS_BUTTON
    return button(label, callbacks.my_routines("def", ref))


def routine_detail(
    ref: str, *, own: bool, reminder: bool = False, setup: bool = False
) -> InlineKeyboardMarkup:
    """One routine: start, share, use for reminders (and set them up, before setup);
    change and delete for the user's own; back to the list."""
    rows = [
        [
            button("▶️ Start", callbacks.routine_start(ref)),
            button("🔗 Share", callbacks.my_routines("s", ref)),
        ],
        [reminder_button(ref, reminder=reminder)],
    ]
    if setup:
        rows.append([setup_button()])
    if own:
        rows.append(
            [
                button("✏️ Change", callbacks.my_routines("e", ref)),
                button("🗑 Delete", callbacks.my_routines("d", ref)),
            ]
        )
    rows.append([button("⬅️ All routines", callbacks.my_routines("list"))])
    return InlineKeyboardMarkup(rows)


def routines_way_on(*, setup: bool = False) -> InlineKeyboardMarkup:
    """The end of a /routines flow (deleted, thrown away, not added): the way on; before
    reminders are set up, setting them up first."""
    rows = [[button("⬅️ All routines", callbacks.my_routines("list"))]]
    if setup:
        rows.insert(0, [setup_button()])
    return InlineKeyboardMarkup(rows)


def setup_button() -> InlineKeyboardButton:
    """ "⏰ Set up daily reminders": setup goes on where it stopped (after a shared routine
    was shown first); in /settings the same data is "⏰ Time"."""
    return button(texts.SETUP_REMINDERS_BUTTON, callbacks.settings_action("time"))


def delete_routine_confirm(ref: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(texts.ROUTINE_DELETE_YES, callbacks.my_routines("dy", ref))],
            [button(texts.ROUTINE_DELETE_NO, callbacks.my_routines("v", ref))],
        ]
    )


def builder(
    draft_id: int,
    version: int,
    stretch_names: list[str],
    *,
    chair_only: bool,
    gentle: bool,
    can_add: bool,
) -> InlineKeyboardMarkup:
    """The builder: add, each stretch with ⬆️ (move up) and ✖️ (remove), the filters, name,
    save and throw away."""

    def tap(action: str, argument: str | int | None = None) -> str:
        return callbacks.builder(draft_id, version, action, argument)

    rows = []
    if can_add:
        rows.append([button("➕ Add a stretch", tap("lib"))])
    for index, name in enumerate(stretch_names):
        row = [button(f"{index + 1}. {name}", tap("up", index))]
        if len(stretch_names) > 1 and index > 0:  # the first has nowhere to go up to
            row[0] = button(f"⬆️ {index + 1}. {name}", tap("up", index))
        row.append(button("✖️", tap("rm", index)))
        rows.append(row)
    rows.append(
        [
            button(f"🪑 Chair only: {texts.on_off(chair_only)}", tap("chair")),
            button(f"🌱 Gentle: {texts.on_off(gentle)}", tap("gentle")),
        ]
    )
    rows.append([button("✏️ Name it", tap("name"))])
    rows.append([button("💾 Save", tap("save")), button("🗑 Throw away", tap("drop"))])
    return InlineKeyboardMarkup(rows)


def builder_library(
    draft_id: int, version: int, stretches: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    """The stretch library under the builder's filters: (stretch id, label) each."""
    rows = [
        [button(label, callbacks.builder(draft_id, version, "add", sid))]
        for sid, label in stretches
    ]
    rows.append([button("✅ Done adding", callbacks.builder(draft_id, version, "back"))])
    return InlineKeyboardMarkup(rows)


def share_preview(tag: str) -> InlineKeyboardMarkup:
    """A link's routine: add it (doses kept or growing) or not."""
    return InlineKeyboardMarkup(
        [
            [button(texts.SHARE_KEEP_BUTTON, callbacks.share_answer("keep", tag))],
            [button(texts.SHARE_GROW_BUTTON, callbacks.share_answer("grow", tag))],
            [button(texts.SHARE_NO_BUTTON, callbacks.share_answer("no", tag))],
        ]
    )


def already_have(ref: str, name: str) -> InlineKeyboardMarkup:
    """A link to a routine the user already has: open theirs, or the list."""
    return InlineKeyboardMarkup(
        [
            [button(texts.SHARE_OPEN_IT.format(name=name), callbacks.my_routines("v", ref))],
            [button("⬅️ All routines", callbacks.my_routines("list"))],
        ]
    )


def program_reset_all_confirm() -> InlineKeyboardMarkup:
    """ "↺ Reset everything?": yes, or back to "📈 My program" as it is."""
    return InlineKeyboardMarkup(
        [
            [button(texts.PROGRAM_RESET_ALL_YES, callbacks.program_reset(None, confirmed=True))],
            [button(texts.PROGRAM_RESET_ALL_NO, callbacks.settings_action("program"))],
        ]
    )


def after_save(ref: str, *, reminder: bool = False, setup: bool = False) -> InlineKeyboardMarkup:
    """A routine just saved or added: start it, use it for reminders (and set them up,
    before setup), the list."""
    rows = [
        [button("▶️ Start it now", callbacks.routine_start(ref))],
        [reminder_button(ref, reminder=reminder)],
        [button("⬅️ All routines", callbacks.my_routines("list"))],
    ]
    if setup:
        rows.insert(2, [setup_button()])
    return InlineKeyboardMarkup(rows)


def name_question(seq: int) -> InlineKeyboardMarkup:
    """The routine-name question: typed, with a way out."""
    return InlineKeyboardMarkup([[way_out(seq, back=False)]])
