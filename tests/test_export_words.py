"""The export's sheets say what happened in words that can't be read two ways (tester 7,
finding 6): pauses.csv said a pause ended 2026-12-06 while settings.csv said
paused_until 2026-12-07 for the same pause, and reminders_sent.csv said "skipped" both for
a reminder never sent (a routine was already done) and for one sent and then skipped by a
tap. The JSON stays the complete copy as stored."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

from bot.services.export_files import (
    NOT_SENT_PAUSED,
    NOT_SENT_STRETCHED,
    SKIP_TAPPED,
    SNOOZE_PAUSED,
    ExportWords,
    cell,
    delivery_status,
)
from tests.harness.bot import BotHarness, onboard
from tests.harness.seed import add_run


async def test_pause_days_and_each_kind_of_skipped_reminder_read_one_way(
    harness: BotHarness,
) -> None:
    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")  # Mon 2 Mar, after 07:00
    # Tue 3 Mar: a routine done before the reminder, so it isn't sent.
    early = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    await add_run(harness, user.id, early, early + timedelta(minutes=8))
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 0
    # Wed 4 Mar: sent, then ⏭ Skip today.
    harness.clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "⏭ Skip today")
    # Thu 5 Mar: sent, snoozed, then a 3-day pause from today (Thu-Sat; back on Sun 8).
    harness.clock.set(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "😴 Snooze 30 min")
    await harness.send(user, "/settings")
    await harness.tap(user, "Pause")
    await harness.tap(user, "3 days")

    await harness.send(user, "/export")
    zip_message, json_message = [m for m in harness.server.bot_messages(user.id) if m.document]
    assert zip_message.file_id is not None and json_message.file_id is not None
    archive = zipfile.ZipFile(io.BytesIO(harness.server.file_bytes(zip_message.file_id)))

    def sheet(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    reminders = [(r["for_local_date"], r["status"]) for r in sheet("reminders_sent.csv")]
    assert reminders == [
        ("2026-03-03", NOT_SENT_STRETCHED),
        ("2026-03-04", SKIP_TAPPED),
        ("2026-03-05", SNOOZE_PAUSED),
    ]
    [pause] = sheet("pauses.csv")
    assert (pause["first_paused_day"], pause["last_paused_day"]) == ("2026-03-05", "2026-03-07")
    assert pause["reminders_resume_on"] == "2026-03-08"
    [settings] = sheet("settings.csv")
    assert settings["reminders_resume_on"] == pause["reminders_resume_on"]
    assert "paused_until" not in settings and "until (empty: until resumed)" not in pause
    readme = archive.read("README.txt").decode()
    assert NOT_SENT_STRETCHED in readme and "last paused day" in readme

    # The JSON keeps the values as stored.
    tables = json.loads(harness.server.file_bytes(json_message.file_id))["tables"]
    assert [row["status"] for row in tables["deliveries"]] == ["skipped"] * 3
    assert tables["users"][0]["paused_until"] == "2026-03-08"
    assert tables["pause_periods"][0]["end_date"] == "2026-03-07"


def test_a_reminder_not_sent_on_a_paused_day_says_paused() -> None:
    """A reminder planned before a pause began and due on a paused day (the dispatcher's
    `skips`) is "not sent: paused", not "already stretched"."""
    pauses = [{"start_date": "2026-03-05", "end_date": None}]
    not_sent = {"status": "skipped", "local_date": "2026-03-06", "sent_at": None}
    assert delivery_status(not_sent, pauses) == NOT_SENT_PAUSED
    assert delivery_status({**not_sent, "local_date": "2026-03-04"}, pauses) == NOT_SENT_STRETCHED
    assert delivery_status({**not_sent, "status": "sent"}, pauses) == "sent"


async def test_the_sheets_say_names_and_words_and_the_json_nests_the_plan(
    harness: BotHarness,
) -> None:
    """Tester 8 #4: the CSV files showed internal codes ("cat_cow", "held_bad_day",
    "checkin") where a person expects words, and the JSON carried a run's plan as an
    escaped JSON string inside JSON. The sheets name stretches and routines as the bot
    shows them and say codes in words; the JSON nests every stored stretch list and keeps
    the codes (it is the complete copy, for programs)."""
    from tests.test_program import QUICK, walk

    user = harness.new_user()
    await onboard(harness, user, at="07:30", zone="Europe/Berlin")  # Mon 2 Mar
    await walk(harness, user, QUICK.title, before=3, after=3)
    await harness.tap(user, "Too easy")
    harness.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await walk(harness, user, QUICK.title, before=7, after=7)  # a bad day: held back
    await harness.send(user, "/export")
    zip_message, json_message = [m for m in harness.server.bot_messages(user.id) if m.document]
    assert zip_message.file_id is not None and json_message.file_id is not None
    archive = zipfile.ZipFile(io.BytesIO(harness.server.file_bytes(zip_message.file_id)))

    def sheet(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    everything = "\n".join(
        archive.read(name).decode("utf-8-sig")
        for name in archive.namelist()
        if name != "README.txt"
    )
    for code in ("cat_cow", "held_bad_day", "checkin", "knee_to_chest", "quick,", ",easy"):
        assert code not in everything, code
    runs = sheet("routines_done.csv")
    assert [(r["routine"], r["how_it_was"]) for r in runs] == [
        ("Quick start", "too easy"),
        ("Quick start", ""),
    ], runs
    assert runs[1]["doses_planned"].startswith("Cat-Cow: "), runs[1]
    assert {r["stretch"] for r in sheet("routine_stretches.csv")} >= {"Cat-Cow", "Bridge"}
    assert {r["outcome"] for r in sheet("routine_stretches.csv")} == {"done"}
    changes = sheet("program_changes.csv")
    assert ("Cat-Cow", "held back: a bad day") in {(c["stretch"], c["why"]) for c in changes}
    assert {r["logged_as"] for r in sheet("pain_log.csv")} == {
        "before a routine",
        "after a routine",
    }
    assert {r["kind"] for r in sheet("reminders_sent.csv")} <= {"daily reminder", "weekly summary"}

    stored = json.loads(harness.server.file_bytes(json_message.file_id))["tables"]
    plan = stored["routine_runs"][1]["plan"]
    assert isinstance(plan, list) and plan[0]["s"] == "cat_cow", plan
    assert stored["routine_runs"][0]["feedback"] == "easy"
    assert "held_bad_day" in {c["reason"] for c in stored["program_changes"]}
    # A run of one's own routine ("u-<number>") by its name, or its number without one.
    own = {7: "Evening"}
    assert cell("routine_runs", "routine_id", "u-7", ExportWords(), own) == "your routine “Evening”"
    assert cell("users", "default_routine", "u-8", ExportWords(), own) == "your routine number 8"
