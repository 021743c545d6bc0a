"""/export as a person reads it: a ZIP with one CSV per kind of data and a README.txt.

Each CSV holds one table with plain column names (`SHEETS`); the bot's own bookkeeping
columns (`BOOKKEEPING`: send leases, claim tokens, message ids, counters a rule keeps) are
not personal data and stay out of the sheets. The JSON document sent with it is the
complete copy, every column of every table, bookkeeping included.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.content import Content
from bot.domain.my_routines import row_id_of
from bot.domain.program import Ease, Feedback, Reason, StepOutcome
from bot.domain.reminder_plan import WEEKDAY_NAMES, weekdays_from_mask
from bot.domain.routine import Status

ExportValue = str | int | bool | None
Rows = Sequence[Mapping[str, ExportValue]]


@dataclass(frozen=True)
class Sheet:
    """One CSV of the ZIP: which table, its file name, what it holds, and its columns as
    (column, plain name) in the order shown."""

    table: str
    file_name: str
    about: str
    columns: tuple[tuple[str, str], ...]


#: routines_done.csv's "easier_versions": derived from the run's per-stretch rows (any
#: stretch finished in the easier version the user chose). The run's own `easier` column is
#: only whether the stretch shown *now* is its easier version (it resets at each stretch),
#: so it can't say this.
EASIER_CHOSEN = "easier_chosen"
#: pauses.csv's "reminders_resume_on": the day after a pause's last paused day, the same
#: date settings.csv's "reminders_resume_on" (`users.paused_until`) holds while it lasts.
RESUME_ON = "resume_on"
#: Sheet columns worked out from stored ones, not stored columns of their own.
DERIVED = frozenset({EASIER_CHOSEN, RESUME_ON})

#: reminders_sent.csv's status for a reminder stored as "skipped", which is four things:
#: not sent because a routine was already done that day or the day was paused (`sent_at`
#: empty), or sent and then ⏭ Skip today tapped, or its snooze ended by a pause.
NOT_SENT_STRETCHED = "not sent: you had already stretched that day"
NOT_SENT_PAUSED = "not sent: paused"
SKIP_TAPPED = "sent, then you tapped Skip today"
SNOOZE_PAUSED = "sent and snoozed, then paused"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "pain_entries",
        "pain_log.csv",
        "Every pain level you logged (0 = no pain, 10 = worst imaginable); logged_as "
        "is check-in (/pain or a reminder), before a routine or after a routine.",
        (
            ("at", "logged_at_utc"),
            ("level", "pain_0_to_10"),
            ("context", "logged_as"),
            ("area", "where"),
            ("routine_run_id", "routine_number"),
            ("id", "entry_number"),
        ),
    ),
    Sheet(
        "routine_runs",
        "routines_done.csv",
        "Every routine you started: which, when, how it ended (status: completed; stopped; "
        "stopped because it hurt, after 🤕 It hurts on a stretch; rested by choice, after "
        "🛌 Rest today instead of starting; abandoned, replaced by a new routine; active) "
        "and your feedback.",
        (
            ("id", "routine_number"),
            ("routine_id", "routine"),
            ("started_at", "started_at_utc"),
            ("finished_at", "finished_at_utc"),
            ("status", "status"),
            ("steps_done", "stretches_done"),
            ("steps_skipped", "stretches_skipped"),
            (EASIER_CHOSEN, "easier_versions"),
            ("feedback", "how_it_was"),
            ("custom_routine", "your_routine_as_it_was"),
            ("plan", "doses_planned"),
        ),
    ),
    Sheet(
        "run_steps",
        "routine_stretches.csv",
        "Each stretch of each routine: done, skipped or stopped, and the version shown.",
        (
            ("run_id", "routine_number"),
            ("step_index", "stretch_number"),
            ("stretch_id", "stretch"),
            ("outcome", "outcome"),
            ("chose_easier", "chose_easier_version"),
            ("easier_shown", "easier_version_shown"),
            ("at", "at_utc"),
        ),
    ),
    Sheet(
        "users",
        "settings.csv",
        "Your settings: reminders, time zone, pain-log consent and the routine reminders start.",
        (
            ("id", "telegram_user_id"),
            ("chat_id", "telegram_chat_id"),
            ("created_at", "first_contact_utc"),
            ("reminder_time", "reminder_time_local"),
            ("time_zone", "time_zone"),
            ("weekdays_mask", "reminder_weekdays"),
            ("subscribed", "reminders_on"),
            ("subscribed_at", "reminders_on_since_utc"),
            ("onboarded", "setup_finished"),
            ("paused_until", "reminders_resume_on"),
            ("paused_indefinitely", "paused_until_resumed"),
            ("next_due_at", "next_reminder_utc"),
            ("next_due_date", "next_reminder_date"),
            ("weekly_summary", "weekly_summary_on"),
            ("next_weekly_at", "next_weekly_summary_utc"),
            ("pain_consent_at", "pain_log_consent_utc"),
            ("pain_consent_declined_at", "pain_log_declined_utc"),
            ("default_routine", "reminder_routine"),
            ("question", "open_question"),
            ("pending_share", "shared_routine_waiting"),
            ("safety_shown", "warning_signs_shown"),
        ),
    ),
    Sheet(
        "pause_periods",
        "pauses.csv",
        "The days reminders were paused: the first and the last paused day (local dates, "
        "both paused) and the day reminders came back, as in settings.csv (both empty while "
        "paused until you resume).",
        (
            ("start_date", "first_paused_day"),
            ("end_date", "last_paused_day"),
            (RESUME_ON, "reminders_resume_on"),
            ("id", "number"),
        ),
    ),
    Sheet(
        "deliveries",
        "reminders_sent.csv",
        "Every reminder and weekly summary planned for you, and whether it was sent (status: "
        f"sent; {NOT_SENT_STRETCHED}; {NOT_SENT_PAUSED}; {SKIP_TAPPED}; {SNOOZE_PAUSED}; "
        "missed, the bot was down; failed, it couldn't be delivered; uncertain, it may not "
        "have arrived; pending, still to come).",
        (
            ("kind", "kind"),
            ("local_date", "for_local_date"),
            ("due_at", "due_at_utc"),
            ("status", "status"),
            ("sent_at", "sent_at_utc"),
            ("snoozed", "snoozed"),
        ),
    ),
    Sheet(
        "my_routines",
        "my_routines.csv",
        "The routines you built or added from a link (drafts included); a stretch listed "
        "without a dose is done at its usual dose.",
        (
            ("id", "number"),
            ("name", "name"),
            ("items", "stretches_and_doses"),
            ("no_floor", "chair_only"),
            ("gentle", "gentle"),
            ("progress", "doses_grow"),
            ("from_link", "added_from_link"),
            ("draft", "unsaved_draft"),
            ("created_at", "created_at_utc"),
            ("updated_at", "changed_at_utc"),
        ),
    ),
    Sheet(
        "program_stretches",
        "program.csv",
        "Your program: each stretch's dose level today and why (see 📈 My program).",
        (
            ("stretch_id", "stretch"),
            ("level", "dose_level (0 = as written, + more, - less)"),
            ("reason", "why"),
            ("previous_level", "previous_level"),
            ("changed_at", "changed_at_utc"),
            ("ease", "eased_off"),
            ("eased_until", "eased_off_until"),
            ("comfortable", "comfortable_sessions"),
            ("comfortable_day", "last_comfortable_day"),
            ("too_easy", "too_easy_count"),
            ("easier_streak", "easier_version_streak"),
            ("easier_since", "easier_version_since"),
            ("grown_at", "last_grown_utc"),
        ),
    ),
    Sheet(
        "program_changes",
        "program_changes.csv",
        "Every change to your program: which stretch, from which level to which, and why.",
        (
            ("at", "at_utc"),
            ("stretch_id", "stretch"),
            ("from_level", "from_level"),
            ("to_level", "to_level"),
            ("reason", "why"),
        ),
    ),
    Sheet(
        "program_holds",
        "program_hold.csv",
        "Until when your doses are held back (after pain rose or a bad day).",
        (("frozen_until", "held_until_utc"),),
    ),
)

#: Columns left out of the sheets, per table: the bot's bookkeeping, not data about the
#: person (the JSON has them). Row ids that only link rows, the owner's id repeated on every
#: row, send leases and claim tokens, message ids, version counters, the question's number,
#: and where a run's message stands on screen (its phase, the card shown and whether in its
#: easier version, the hold timer's round and end): what the person did is in the run's
#: status and counts and in routine_stretches.csv.
BOOKKEEPING: Mapping[str, frozenset[str]] = {
    "pain_entries": frozenset({"user_id"}),
    "routine_runs": frozenset(
        {
            "user_id",
            "version",
            "message_id",
            "shown_version",
            "timer_last_edit_at",
            "phase",
            "step_index",
            "easier",
            "timer_round",
            "timer_ends_at",
        }
    ),
    "run_steps": frozenset({"id", "user_id"}),
    "users": frozenset({"question_seq", "question_message_id"}),
    "pause_periods": frozenset({"user_id"}),
    "deliveries": frozenset(
        {
            "id",
            "user_id",
            "next_attempt_at",
            "attempts",
            "claimed_at",
            "claim_token",
            "lease_until",
            "message_id",
        }
    ),
    "my_routines": frozenset({"user_id", "edits", "version"}),
    "program_stretches": frozenset({"id", "user_id"}),
    "program_changes": frozenset({"id", "user_id"}),
    "program_holds": frozenset({"user_id"}),
}


@dataclass(frozen=True)
class ExportWords:
    """What the sheets call the ids the data stores: stretches and ready-made routines by
    id, from the content (the handler builds it). An id not here (a stretch since removed)
    is shown as stored."""

    stretches: Mapping[str, str] = field(default_factory=dict)
    routines: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, content: Content) -> ExportWords:
        """Every stretch by its name and every ready-made routine by its title."""
        return cls(
            stretches={sid: stretch.name for sid, stretch in content.stretches.items()},
            routines={rid: routine.title for rid, routine in content.routines.items()},
        )


#: Stored codes in words, by column (the JSON keeps the codes).
PAIN_CONTEXT_WORDS = {
    "checkin": "check-in",
    "before": "before a routine",
    "after": "after a routine",
}
PAIN_AREA_WORDS = {
    "lower_back": "lower back",
    "upper_back": "upper back",
    "neck": "neck",
    "hips": "hips",
}
FEEDBACK_WORDS = {
    Feedback.TOO_EASY.value: "too easy",
    Feedback.ABOUT_RIGHT.value: "about right",
    Feedback.TOO_HARD.value: "too hard",
}
OUTCOME_WORDS = {
    StepOutcome.DONE.value: "done",
    StepOutcome.SKIPPED.value: "skipped",
    StepOutcome.HURT.value: "stopped: it hurt",
}
EASE_WORDS = {Ease.EASIER.value: "easier version", Ease.LEFT_OUT.value: "left out"}
REASON_WORDS = {
    Reason.GREW.value: "stepped up after three easy sessions",
    Reason.GREW_SOONER.value: "stepped up: you found it too easy twice",
    Reason.HELD_BACK_PAIN.value: "held back: your pain rose after a routine",
    Reason.HELD_BACK_BAD_DAY.value: "held back: a bad day",
    Reason.HELD_BACK_TOO_HARD.value: "held back: you found it too hard",
    Reason.EASED.value: "easier version for a week after “It hurts”",
    Reason.LEFT_OUT.value: "left out for a week: even the easier version hurt",
    Reason.EASIER_START.value: "easier version to start: you chose it twice in a row",
    Reason.FULL_AGAIN.value: "full version again: you asked for it",
    Reason.RESET.value: "back to the starting dose: you reset it",
}
DELIVERY_KIND_WORDS = {"daily": "daily reminder", "weekly": "weekly summary"}
#: (table, column) -> the words for its stored codes.
CODE_WORDS: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("pain_entries", "context"): PAIN_CONTEXT_WORDS,
    ("pain_entries", "area"): PAIN_AREA_WORDS,
    ("routine_runs", "feedback"): FEEDBACK_WORDS,
    ("run_steps", "outcome"): OUTCOME_WORDS,
    ("program_stretches", "ease"): EASE_WORDS,
    ("program_stretches", "reason"): REASON_WORDS,
    ("program_changes", "reason"): REASON_WORDS,
    ("deliveries", "kind"): DELIVERY_KIND_WORDS,
}
#: Columns that hold a stretch id, or a routine id (ready-made, or "u-<n>": one's own).
STRETCH_COLUMNS = frozenset({"stretch_id"})
ROUTINE_COLUMNS = frozenset({"routine_id", "default_routine"})


def routine_name(routine_id: str, words: ExportWords, own: Mapping[int, str]) -> str:
    """A routine id as a person knows it: a ready-made routine's title, one's own
    ("your routine “Evening”", by my_routines.csv's number when it has no name), or the
    id as stored when neither is known (removed since)."""
    if routine_id in words.routines:
        return words.routines[routine_id]
    row_id = row_id_of(routine_id)
    if row_id is None:
        return routine_id
    name = own.get(row_id)
    return f"your routine “{name}”" if name else f"your routine number {row_id}"


def plain_dose(dose: Mapping[str, Any]) -> str:
    """A stored dose (or a routine's change to one) in words: "10 lifts, 3 s hold, each
    side, 2 sets"; unset fields are left out ("" for none)."""
    parts = []
    if dose.get("reps"):
        parts.append(f"{dose['reps']} {dose.get('rep_unit') or 'reps'}")
    if dose.get("hold_seconds"):
        parts.append(f"{dose['hold_seconds']} s hold")
    if dose.get("per_side"):
        parts.append("each side")
    if dose.get("sets") and dose["sets"] != 1:
        parts.append(f"{dose['sets']} sets")
    return ", ".join(parts)


def plain_stretches(stored: str, column: str, words: ExportWords | None = None) -> str:
    """A run's planned doses (``plan``), a user routine as a run kept it
    (``custom_routine``) or as saved (``items``), from their stored JSON to one line:
    "Cat-Cow: 8 slow rounds; Bridge: 10 lifts, 3 s hold (easier version)", stretches by
    name (`words`) and why a dose changed in words. Stored text that isn't that JSON is
    returned as it is."""
    names = words.stretches if words is not None else {}
    try:
        data = json.loads(stored)
        title = ""
        if column == "custom_routine":
            title, data = f"{data.get('title', '')}: ", data["items"]
        steps = []
        for item in data:
            if column == "plan":
                name, dose, easier = item["s"], item.get("d") or {}, item.get("e")
                why, was = item.get("w"), item.get("p")
            else:
                name, dose, easier = item["stretch"], item.get("dose") or {}, item.get("easier")
                why, was = None, None
            name = names.get(name, name)
            text = f"{name}: {plain_dose(dose)}" if plain_dose(dose) else str(name)
            notes = ["easier version"] if easier else []
            if why:
                because = REASON_WORDS.get(why, why)
                notes.append(because + (f", was {plain_dose(was)}" if was else ""))
            steps.append(text + (f" ({'; '.join(notes)})" if notes else ""))
        return title + "; ".join(steps)
    except (ValueError, KeyError, TypeError, AttributeError):
        return stored


#: Columns stored as JSON and shown in the sheets as `plain_stretches` words.
STRETCH_LISTS = frozenset({"plan", "custom_routine", "items"})


def cell(
    table: str,
    column: str,
    value: ExportValue,
    words: ExportWords | None = None,
    own: Mapping[int, str] | None = None,
) -> str | int:
    """A stored value as its sheet shows it: codes in words (stretches and routines by
    name, statuses and reasons as `CODE_WORDS` says), stretch lists as `plain_stretches`,
    weekdays by name, yes/no for booleans, "" for none. `own`: the user's routine names by
    number (my_routines.csv), for runs of their own routines."""
    words = words or ExportWords()
    if column == "weekdays_mask" and isinstance(value, int):  # "Mon Tue Wed Thu Fri"
        return " ".join(WEEKDAY_NAMES[day] for day in sorted(weekdays_from_mask(value)))
    if column in STRETCH_LISTS and isinstance(value, str):
        return plain_stretches(value, column, words)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if column in STRETCH_COLUMNS:
            return words.stretches.get(value, value)
        if column in ROUTINE_COLUMNS:
            return routine_name(value, words, own or {})
        return CODE_WORDS.get((table, column), {}).get(value, value)
    return "" if value is None else value


def own_routine_names(tables: Mapping[str, Rows]) -> dict[int, str]:
    """The user's routines by number, with their names (drafts without one left out)."""
    names: dict[int, str] = {}
    for row in tables.get("my_routines", []):
        number, name = row.get("id"), row.get("name")
        if isinstance(number, int) and name:
            names[number] = str(name)
    return names


def sheet_csv(
    sheet: Sheet,
    rows: Rows,
    words: ExportWords | None = None,
    own: Mapping[int, str] | None = None,
) -> bytes:
    """One sheet as CSV (UTF-8 with a BOM, so spreadsheets read it; values as `cell` shows
    them, instants in ISO 8601 UTC). A column the table doesn't have (an older database)
    stays out."""
    present = [(column, name) for column, name in sheet.columns if any(column in r for r in rows)]
    if not rows:
        present = list(sheet.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for _, name in present])
    for row in rows:
        writer.writerow(
            [cell(sheet.table, column, row.get(column), words, own) for column, _ in present]
        )
    return buffer.getvalue().encode("utf-8-sig")


def readme(exported_at: datetime, counts: Mapping[str, int], json_name: str) -> str:
    """README.txt: what each file holds and how many rows, and where the rest is."""
    lines = [
        "Your back-stretch bot data",
        f"Exported {exported_at:%Y-%m-%d %H:%M} UTC. Times ending in _utc are UTC.",
        "",
        "Each .csv file opens in a spreadsheet (one row per entry):",
        "",
    ]
    for sheet in SHEETS:
        count = counts.get(sheet.table, 0)
        rows = f"{count} row" + ("" if count == 1 else "s")
        lines.append(f"  {sheet.file_name} ({rows}): {sheet.about}")
    lines += [
        "",
        f"{json_name} (sent with this file) is the complete copy of every stored field, for",
        "programs to read (stretches, statuses and reasons there by the codes the bot",
        "stores); it also",
        "holds the bot's own bookkeeping (reminder send leases and tokens, message numbers,",
        "version counters, where a routine's message stood on screen), which says nothing",
        "about you and is left out of these sheets.",
        "",
        "/delete in the bot erases all of it.",
    ]
    return "\r\n".join(lines) + "\r\n"


#: routines_done.csv's status for a run stored as "hurt", which is two things the rules
#: treat alike (advised rest, a neutral day for the streak) but the person did differently.
STOPPED_HURT = "stopped because it hurt"
RESTED = "rested by choice"


def run_status(row: Mapping[str, ExportValue], hurt_runs: Collection[ExportValue]) -> str:
    """A routine_runs row's status as the person would say it: a run stored as "hurt" with
    a stretch ended by 🤕 It hurts (``hurt_runs``: the run ids of run_steps rows whose
    outcome is "hurt") was `STOPPED_HURT`; one without, ended before any stretch by
    🛌 Rest today (after a high reading or advice at the pain check), `RESTED`. Other
    statuses are as stored ("completed", "stopped", "abandoned", "active")."""
    status = str(row.get("status") or "")
    if status != Status.HURT.value:
        return status
    return STOPPED_HURT if row.get("id") in hurt_runs else RESTED


def delivery_status(row: Mapping[str, ExportValue], pauses: Rows) -> str:
    """A deliveries row's status as the person would say it. One stored as "skipped" was
    never sent (``sent_at`` empty) on a day a pause covers (`NOT_SENT_PAUSED`) or, on any
    other day, because a routine was done already (`NOT_SENT_STRETCHED`); one that was
    sent was skipped by a tap (`SKIP_TAPPED`), or, snoozed on a day a pause then covered,
    by the pause (`SNOOZE_PAUSED`). ``pauses``: the pause_periods rows (ISO dates). Other
    statuses are as stored."""
    status = str(row.get("status") or "")
    if status != "skipped":
        return status
    day = str(row.get("local_date") or "")
    paused = any(
        str(pause.get("start_date") or "") <= day
        and (pause.get("end_date") is None or day <= str(pause.get("end_date")))
        for pause in pauses
    )
    if row.get("sent_at") is None:
        return NOT_SENT_PAUSED if paused else NOT_SENT_STRETCHED
    return SNOOZE_PAUSED if paused and row.get("snoozed") else SKIP_TAPPED


def resume_day(pause: Mapping[str, ExportValue]) -> str | None:
    """The local date (ISO) reminders came back after a pause: the day after its last
    paused day; None while it lasts until resumed."""
    end = pause.get("end_date")
    return None if end is None else (date.fromisoformat(str(end)) + timedelta(days=1)).isoformat()


def with_run_summaries(tables: Mapping[str, Rows]) -> dict[str, Rows]:
    """`tables` with the sheets' derived values: each routine_runs row given its summary
    from its run_steps rows (`EASIER_CHOSEN` is True when any stretch of the run was
    finished in the easier version the user chose; stretches_done and stretches_skipped are
    the run's counters, kept in step with those rows by the same transaction) and a status
    saying what the person did (`run_status`); each pause its `RESUME_ON` day; each
    reminder a status that tells its kinds of "skipped" apart (`delivery_status`)."""
    steps = tables.get("run_steps", [])
    easier_runs = {row.get("run_id") for row in steps if row.get("chose_easier")}
    hurt_runs = {row.get("run_id") for row in steps if row.get("outcome") == StepOutcome.HURT.value}
    runs = [
        {**row, EASIER_CHOSEN: row.get("id") in easier_runs, "status": run_status(row, hurt_runs)}
        for row in tables.get("routine_runs", [])
    ]
    pauses = tables.get("pause_periods", [])
    return {
        **tables,
        "routine_runs": runs,
        "pause_periods": [{**row, RESUME_ON: resume_day(row)} for row in pauses],
        "deliveries": [
            {**row, "status": delivery_status(row, pauses)} for row in tables.get("deliveries", [])
        ],
    }


def export_zip(
    tables: Mapping[str, Rows],
    exported_at: datetime,
    json_name: str,
    words: ExportWords | None = None,
) -> bytes:
    """The ZIP: README.txt and one CSV per sheet, deterministic for the same data;
    `words` names the stretches and routines the data stores by id."""
    tables = with_run_summaries(tables)
    own = own_routine_names(tables)
    buffer = io.BytesIO()
    stamp = exported_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        counts = {table: len(rows) for table, rows in tables.items()}
        files = [("README.txt", readme(exported_at, counts, json_name).encode("utf-8"))]
        files += [(s.file_name, sheet_csv(s, tables.get(s.table, []), words, own)) for s in SHEETS]
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def nested(value: ExportValue, column: str) -> Any:
    """A stretch list stored as JSON text (`STRETCH_LISTS`) as the JSON it holds, so the
    JSON export nests it instead of carrying an escaped string; other values, and text
    that isn't JSON, as they are."""
    if column not in STRETCH_LISTS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def export_json(user_id: int, exported_at: datetime, tables: Mapping[str, Rows]) -> bytes:
    """The complete copy: `{"user_id", "exported_at", "tables": {"pain_entries": [...]}}`,
    every stored column of every row, stretch lists (a run's plan, a routine's stretches)
    as nested JSON."""
    document = {
        "user_id": user_id,
        "exported_at": exported_at.isoformat(),
        "tables": {
            table: [
                {column: nested(value, column) for column, value in row.items()} for row in rows
            ]
            for table, rows in tables.items()
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
