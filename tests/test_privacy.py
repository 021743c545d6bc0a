"""/export, /delete and /privacy through the loopback Bot API."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from bot import callbacks, texts
from bot.db.models import USER_TABLES, Base
from bot.services.export_files import (
    BOOKKEEPING,
    CODE_WORDS,
    DERIVED,
    ROUTINE_COLUMNS,
    SHEETS,
    STRETCH_COLUMNS,
    STRETCH_LISTS,
    ExportWords,
    own_routine_names,
    plain_stretches,
)
from bot.services.export_files import cell as export_cell
from loopback.server import SimMessage, SimUser
from tests.harness.bot import BotHarness, ask_routine_name, onboard
from tests.harness.seed import add_program, add_run, rows_per_table

USER_TABLE_NAMES = {model.__tablename__ for model in USER_TABLES}
#: Columns that hold a stretch's or a routine's id.
NAMED = STRETCH_COLUMNS | ROUTINE_COLUMNS


def last_answer(harness: BotHarness) -> str:
    return str(harness.server.calls_to("answerCallbackQuery")[-1].params.get("text", ""))


def documents(harness: BotHarness, user: SimUser) -> list[SimMessage]:
    return [m for m in harness.server.bot_messages(user.id) if m.document]


async def with_history(harness: BotHarness, *users: SimUser) -> None:
    """Onboard (UTC, 07:00) and leave a row in every user table: two pain readings (one with
    an area), a routine run with its program rows, a routine of their own (built by taps), a
    sent reminder and a 1-day pause."""
    for user in users:
        await onboard(harness, user, at="07:00", zone="UTC")
        await harness.send(user, "/pain")
        await harness.tap(user, "Yes, keep my log")
        await harness.tap(user, "6")
        await harness.tap(user, "Neck")
        await harness.send(user, "/pain")
        await harness.tap(user, "3")
        now = harness.clock.now()
        run_id = await add_run(harness, user.id, now, now + timedelta(minutes=8))
        await add_program(harness, user.id, run_id, now)
        await ask_routine_name(harness, user)
        await harness.send(user, "My evening")
        await harness.tap(user, "Save")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert sorted((await harness.dispatch()).sent_user_ids) == sorted(u.id for u in users)
    for user in users:
        await harness.send(user, "/settings")
        await harness.tap(user, "Pause")
        await harness.tap(user, "1 day")


async def test_export_sends_a_readable_zip_and_a_complete_json(harness: BotHarness) -> None:
    user, other = harness.new_user("Ana"), harness.new_user("Bo")
    await with_history(harness, user, other)
    await harness.send(user, "/export")
    zip_message, json_message = documents(harness, user)
    assert zip_message.document is not None and json_message.document is not None
    assert zip_message.document["file_name"] == "back-stretch-data-2026-03-03.zip"
    assert zip_message.document["mime_type"] == "application/zip"
    assert json_message.document["file_name"] == "back-stretch-data-2026-03-03.json"
    assert json_message.document["mime_type"] == "application/json"

    assert json_message.file_id is not None
    exported = json.loads(harness.server.file_bytes(json_message.file_id))
    tables = exported["tables"]
    assert set(tables) == USER_TABLE_NAMES
    assert all(tables[name] for name in USER_TABLE_NAMES), "every table has the user's rows"
    [settings] = tables["users"]
    assert settings["id"] == user.id and settings["time_zone"] == "UTC"
    assert settings["reminder_time"] == "07:00:00" and settings["pain_consent_at"]
    pain = [(row["level"], row["area"], row["context"]) for row in tables["pain_entries"]]
    assert pain == [(6, "neck", "checkin"), (3, None, "checkin")]
    # paused right after Tuesday's reminder: the 1-day pause covers Wednesday
    assert tables["pause_periods"][0]["start_date"] == "2026-03-04"
    assert tables["deliveries"][0]["status"] == "sent"
    assert tables["routine_runs"][0]["status"] == "completed"
    [own] = tables["my_routines"]
    assert own["name"] == "My evening" and own["items"][0]["stretch"] == "bridge"
    assert tables["run_steps"][0]["stretch_id"] == "bridge"
    assert tables["program_stretches"][0]["level"] == -1
    assert tables["program_changes"][0]["reason"] == "held_pain"
    assert tables["program_holds"][0]["frozen_until"]
    everyone = {
        row["user_id"] if "user_id" in row else row["id"]
        for rows in tables.values()
        for row in rows
    }
    assert everyone == {user.id}  # nobody else's data

    # The ZIP: a README and one sheet per kind of data, each with its own plain columns.
    assert zip_message.file_id is not None
    archive = zipfile.ZipFile(io.BytesIO(harness.server.file_bytes(zip_message.file_id)))
    names = archive.namelist()
    assert names[0] == "README.txt"
    assert {sheet.file_name for sheet in SHEETS} == set(names[1:])
    assert {sheet.table for sheet in SHEETS} == USER_TABLE_NAMES, "every table has a sheet"
    readme = archive.read("README.txt").decode()
    for sheet in SHEETS:
        assert sheet.file_name in readme
    assert "pain_log.csv (2 rows)" in readme and json_message.document["file_name"] in readme

    def sheet(file_name: str) -> list[dict[str, str]]:
        text = archive.read(file_name).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    pain_rows = sheet("pain_log.csv")
    assert [(r["pain_0_to_10"], r["where"], r["logged_as"]) for r in pain_rows] == [
        ("6", "neck", "check-in"),
        ("3", "", "check-in"),
    ]
    assert "claim_token" not in archive.read("reminders_sent.csv").decode("utf-8-sig")
    [own_row] = sheet("my_routines.csv")
    assert own_row["name"] == "My evening"
    assert own_row["stretches_and_doses"].startswith("Bridge"), own_row
    # None of a routine message's state on screen (doses_planned: below).
    run_row = sheet("routines_done.csv")[0]
    assert not {"last_phase", "hold_timer_round", "last_stretch_shown"} & set(run_row)
    [settings_row] = sheet("settings.csv")
    assert settings_row["time_zone"] == "UTC" and settings_row["reminder_time_local"] == "07:00:00"
    assert settings_row["reminder_weekdays"] == "Mon Tue Wed Thu Fri Sat Sun"
    words = ExportWords.of(harness.services.content)
    ids, own = {*words.stretches, *words.routines}, own_routine_names(tables)
    for spec in SHEETS:
        rows = sheet(spec.file_name)
        assert len(rows) == len(tables[spec.table]), spec.file_name
        assert len(rows[0]) <= 24, "one table's own columns, not every table's"
        # Complete: every stored value is in the sheet, unless its column is bookkeeping.
        shown = dict(spec.columns)
        for stored, row in zip(tables[spec.table], rows, strict=True):
            for column, value in stored.items():
                if column in BOOKKEEPING[spec.table]:
                    continue
                assert column in shown, f"{spec.table}.{column} is in neither list"
                cell = row[shown[column]]
                if column == "weekdays_mask":
                    continue  # as day names, checked above
                if column in STRETCH_LISTS and value is not None:
                    # stored as JSON (nested in the JSON export), shown in words
                    text = json.dumps(value)
                    assert cell == plain_stretches(text, column, words), (spec.table, column)
                    assert not set(cell) & set('{}[]"\\'), (spec.table, column, cell)
                    continue
                if isinstance(value, bool):
                    expected = "yes" if value else "no"
                elif (spec.table, column) in CODE_WORDS or column in NAMED:
                    # a code or an id, in words (tests/test_export_words.py names them)
                    shown_as = export_cell(spec.table, column, value, words, own)
                    assert cell == str(shown_as), (spec.table, column, cell)
                    assert "_" not in cell and cell not in ids, (spec.table, column, cell)
                    continue
                else:
                    expected = "" if value is None else str(value)
                assert cell == expected, (spec.table, column)


def test_bookkeeping_left_out_of_the_sheets_is_not_personal_data() -> None:
    """What the sheets leave out is named, table by table, and holds nothing a person told
    the bot or did: the JSON still has it. Every other column is in a sheet."""
    personal = {"level", "area", "at", "name", "items", "time_zone", "reminder_time"}
    for table, left_out in BOOKKEEPING.items():
        assert not left_out & personal, table
        columns = {column.name for column in Base.metadata.tables[table].c}
        assert left_out <= columns, table
        [spec] = [s for s in SHEETS if s.table == table]
        # easier_versions (from run_steps) and a pause's reminders_resume_on (the day after
        # its last) are worked out, not stored columns of their own.
        shown = {column for column, _ in spec.columns} - DERIVED
        assert columns - left_out == shown, table


async def test_export_for_a_stranger_says_there_is_nothing(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/export")
    assert harness.last_text(user) == texts.EXPORT_NOTHING
    assert documents(harness, user) == []


async def test_delete_erases_every_row_and_stops_reminders(harness: BotHarness) -> None:
    user, other = harness.new_user("Ana"), harness.new_user("Bo")
    await with_history(harness, user, other)
    before = await rows_per_table(harness, user.id)
    assert {name for name, count in before.items() if count} == USER_TABLE_NAMES

    await harness.send(user, "/delete")
    question = harness.server.last_bot_message(user.id)
    assert "Delete everything?" in (question.text or "")
    assert question.button_labels() == ["Yes, delete everything", "Cancel"]
    await harness.tap(user, "Cancel")
    assert harness.last_text(user) == texts.DELETE_CANCELLED
    assert await rows_per_table(harness, user.id) == before

    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert harness.last_text(user) == texts.DELETE_DONE
    after = await rows_per_table(harness, user.id)
    assert after and all(count == 0 for count in after.values()), after
    assert set(before) == set(after)  # every table with a user column was checked
    others = await rows_per_table(harness, other.id)
    assert all(others[name] for name in USER_TABLE_NAMES)  # nobody else's data went

    # No more reminders or summaries: the next days and the next Sunday pass in silence.
    messages = len(harness.server.bot_messages(user.id))
    for day in (5, 6, 8):  # (the other user's 1-day pause covers Wed 4)
        harness.clock.set(datetime(2026, 3, day, 7, 0, tzinfo=UTC))
        report = await harness.dispatch()
        assert user.id not in report.sent_user_ids and other.id in report.sent_user_ids
    assert len(harness.server.bot_messages(user.id)) == messages

    await harness.send(user, "/settings")
    assert harness.last_text(user) == texts.REMINDERS_NOT_SET_UP
    await harness.send(user, "/pain")  # works, and asks for consent anew: it was erased
    assert "May I keep a pain log for you?" in harness.last_text(user)
    await harness.send(user, "/start")  # from scratch
    assert "When should I remind you?" in harness.last_text(user)
    assert any("Hi! I'm your daily back-stretch buddy" in t for t in harness.bot_texts(user)[-3:])
    await harness.send(user, "07:30")
    await harness.send(user, "Europe/Berlin")
    await harness.tap(user, "Yes")
    await harness.send(user, "/pain")
    assert "May I keep a pain log" in harness.last_text(user)  # consent went with the data


async def test_delete_confirmation_expires_and_forged_ones_change_nothing(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await with_history(harness, user)
    before = await rows_per_table(harness, user.id)
    await harness.send(user, "/delete")
    question = harness.server.last_bot_message(user.id).message_id
    harness.clock.advance(timedelta(minutes=16))
    await harness.tap(user, "Yes, delete everything")
    assert last_answer(harness) == texts.DELETE_EXPIRED
    future = callbacks.delete_confirm(harness.clock.now() + timedelta(hours=1))
    for data in (future, "del:yes:abc", "del:yes", "del:maybe", "del:no:1"):
        await harness.forge(user, question, data)
        assert last_answer(harness) == texts.INVALID_BUTTON, data
    assert await rows_per_table(harness, user.id) == before

    # A confirmation from before the account (re)started never erases the new one.
    old = callbacks.delete_confirm(harness.clock.now())
    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    harness.clock.advance(timedelta(minutes=1))
    await onboard(harness, user)
    await harness.forge(user, question, old)
    assert last_answer(harness) == texts.INVALID_BUTTON
    assert (await rows_per_table(harness, user.id))["users"] == 1

    stranger = harness.new_user("Cy")
    await harness.send(stranger, "/delete")
    assert harness.last_text(stranger) == texts.DELETE_NOTHING
    theirs = harness.server.last_bot_message(stranger.id).message_id
    await harness.forge(stranger, theirs, callbacks.delete_confirm(harness.clock.now()))
    assert last_answer(harness) == texts.DELETE_NOTHING


async def test_a_double_tap_on_yes_erases_once_and_the_second_tap_gets_a_quiet_toast(
    harness: BotHarness,
) -> None:
    """The tester's repro: /delete, a typed word (the hint), then Yes tapped twice before the
    bot reacted. The second tap is told quietly that it's done (no alarming "I don't have any
    data" alert), and the confirmation the user is looking at says it's done."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/delete")
    first = harness.server.last_bot_message(user.id).message_id
    await harness.send(user, "yes")  # erasure takes a tap: the hint carries the buttons
    hint = harness.server.last_bot_message(user.id)
    assert "tap <b>Yes, delete everything</b>" in (hint.text or "") or "Yes, delete" in (
        hint.text or ""
    )
    assert hint.button_labels() == ["Yes, delete everything", "Cancel"]
    assert harness.server.message(user.id, first).button_labels() == []  # one live set
    sent_before = len(harness.server.bot_messages(user.id))

    await harness.double_tap(user, "Yes, delete everything", hint.message_id)
    calls = harness.server.calls_to("answerCallbackQuery")[-2:]
    assert [c.params.get("text") for c in calls] == ["Deleted", "Already deleted"]
    assert [bool(c.params.get("show_alert")) for c in calls] == [False, False]
    confirmation = harness.server.message(user.id, hint.message_id)
    assert confirmation.text == texts.DELETE_DONE and confirmation.button_labels() == []
    assert len(harness.server.bot_messages(user.id)) == sent_before  # edited, nothing new
    assert all(count == 0 for count in (await rows_per_table(harness, user.id)).values())


async def test_privacy_describes_consent_and_optional_areas(harness: BotHarness) -> None:
    user = harness.new_user()
    await harness.send(user, "/privacy")
    text = harness.last_text(user)
    assert "only after you agree" in text and "optionally the area" in text
    assert "/export" in text and "/delete" in text


async def test_routines_done_summaries_agree_with_the_per_stretch_rows(
    harness: BotHarness,
) -> None:
    """Each summary column of routines_done.csv is what routine_stretches.csv says about the
    same routine: an "🪶 Easier version" chosen on a stretch shows as easier_versions = yes,
    one tried and switched back (↩️ Standard version) as no."""
    user = harness.new_user()
    await onboard(harness, user)
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    await harness.tap(user, "No thanks")
    await harness.tap(user, "Easier version")  # the first stretch, in its easier version
    await harness.tap(user, "Done")
    await harness.tap(user, "Skip")
    for _ in range(3):
        await harness.tap(user, "Done")
    await harness.send(user, "/stretch")
    await harness.tap(user, "Quick start")
    if "No thanks" in harness.server.last_bot_message(user.id).button_labels():
        await harness.tap(user, "No thanks")  # asked again: the pain log question
    await harness.tap(user, "Easier version")
    await harness.tap(user, "Standard version")  # back before finishing it: not chosen
    for _ in range(5):
        await harness.tap(user, "Done")
    await harness.send(user, "/export")
    zip_message = documents(harness, user)[0]
    assert zip_message.file_id is not None
    archive = zipfile.ZipFile(io.BytesIO(harness.server.file_bytes(zip_message.file_id)))

    def sheet(file_name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(file_name).decode("utf-8-sig"))))

    runs, steps = sheet("routines_done.csv"), sheet("routine_stretches.csv")
    # What was planned, in a person's words (it was escaped JSON): each stretch and dose.
    planned = runs[0]["doses_planned"]
    assert planned.count("; ") == 4 and not set(planned) & set('{}[]"'), planned
    first = planned.split("; ")[0]
    assert first.startswith(f"{steps[0]['stretch']}: ") and (
        " s hold" in first or "reps" in first or "rounds" in first
    ), first
    assert [r["easier_versions"] for r in runs] == ["yes", "no"]
    assert steps[0]["chose_easier_version"] == "yes" and steps[0]["outcome"] == "done"
    for run in runs:
        mine = [s for s in steps if s["routine_number"] == run["routine_number"]]
        assert len(mine) == 5
        chose = "yes" if any(s["chose_easier_version"] == "yes" for s in mine) else "no"
        assert run["easier_versions"] == chose
        assert int(run["stretches_done"]) == sum(s["outcome"] == "done" for s in mine)
        assert int(run["stretches_skipped"]) == sum(s["outcome"] == "skipped" for s in mine)
        assert run["status"] == "completed"


async def test_the_export_says_whether_a_routine_hurt_or_was_rested_by_choice(
    harness: BotHarness,
) -> None:
    """Tester 6: 🛌 Rest today after a 9/10 reading was exported as status = hurt, as if
    🤕 It hurts had been tapped (the two are stored alike: both advise rest and neither
    breaks a streak). routines_done.csv says what the person did; the JSON keeps "hurt"."""
    from tests.test_program import QUICK, walk
    from tests.test_routines import begin_routine
    from tests.test_safety import SAFETY

    user = harness.new_user()
    await onboard(harness, user)
    await walk(harness, user, QUICK.title, hurt_on="Child's Pose")
    harness.clock.advance(timedelta(days=2))
    await begin_routine(harness, user, "Gentle day", before=9)
    await harness.tap(user, SAFETY.high_pain.rest_button)
    await harness.send(user, "/export")
    zip_message, json_message = documents(harness, user)[-2:]
    assert zip_message.file_id is not None and json_message.file_id is not None
    archive = zipfile.ZipFile(io.BytesIO(harness.server.file_bytes(zip_message.file_id)))
    text = archive.read("routines_done.csv").decode("utf-8-sig")
    runs = list(csv.DictReader(io.StringIO(text)))
    assert [(r["routine"], r["status"]) for r in runs] == [
        ("Quick start", "stopped because it hurt"),
        ("Gentle day", "rested by choice"),
    ], runs
    assert "rested by choice" in archive.read("README.txt").decode()
    stored = json.loads(harness.server.file_bytes(json_message.file_id))
    assert [r["status"] for r in stored["tables"]["routine_runs"]] == ["hurt", "hurt"]
