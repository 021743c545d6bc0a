"""64-bit row ids (migration 0010): buttons carry ids up to 2**63 - 1 within Telegram's 64
bytes, and on PostgreSQL the bot works with every sequence past 2**32 (a reminder, a
routine, the pain log, a snooze) through the loopback Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import BigInteger, Connection, select, text

from bot import callbacks
from bot.content import load_content
from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Base, Delivery, PainEntry, RoutineRun, RunStep
from bot.domain import my_routines
from tests.harness.bot import BotHarness, database_url, onboard
from tests.harness.snapshot import errors_logged

MAX_ID = 2**63 - 1
CONTENT = load_content(Path(__file__).resolve().parent.parent / "content")

#: Tables with an autoincrement id (users.id is Telegram's user id, not a sequence).
ID_TABLES = sorted(
    table.name
    for table in Base.metadata.sorted_tables
    if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False
)


def id_payloads(row_id: int) -> list[tuple[object, str | None]]:
    """(parser, data) of every kind of button that carries a row id, with the longest other
    fields; data None when it would not fit in 64 bytes (the builders refuse it)."""
    longest_stretch = max(CONTENT.stretches, key=len)
    ref = my_routines.ref_of(row_id)
    makers: list[tuple[object, Callable[[], str]]] = [
        (
            callbacks.parse_reminder_reply,
            lambda: callbacks.reminder_action("snooze", row_id, date.max),
        ),
        (callbacks.parse_reminder_start, lambda: callbacks.reminder_action("go", row_id, date.max)),
        (callbacks.parse_routine_tap, lambda: callbacks.routine_tap(row_id, 999_999, "gentle")),
        (callbacks.parse_routine_pain, lambda: callbacks.routine_pain(row_id, 999_999, 10)),
        (callbacks.parse_pain_area, lambda: callbacks.pain_area(row_id, "upper_back")),
        (callbacks.parse_feedback, lambda: callbacks.feedback(row_id, "hard")),
        (callbacks.parse_builder, lambda: callbacks.builder(row_id, 999_999, "add", "x" * 30)),
        (
            callbacks.parse_builder,
            lambda: callbacks.builder(row_id, 999_999, "add", longest_stretch),
        ),
        (callbacks.parse_builder, lambda: callbacks.builder(row_id, 999_999, "gentle")),
        (callbacks.parse_builder, lambda: callbacks.builder(row_id, 999_999, "up", 99)),
        (callbacks.parse_my_routines, lambda: callbacks.my_routines("dy", ref)),
        (callbacks.parse_routine_restart, lambda: callbacks.routine_restart(ref)),
        (callbacks.parse_default_routine, lambda: callbacks.default_routine(ref)),
    ]
    payloads: list[tuple[object, str | None]] = []
    for parse, make in makers:
        try:
            payloads.append((parse, make()))
        except ValueError:
            payloads.append((parse, None))
    return payloads


@pytest.mark.parametrize("row_id", [1, 2**31, 2**32 + 7, MAX_ID])
def test_every_id_button_fits_and_parses_up_to_the_largest_bigint(row_id: int) -> None:
    for parse, data in id_payloads(row_id):
        assert data is not None and len(data.encode()) <= callbacks.MAX_CALLBACK_BYTES
        assert callable(parse)
        parsed = parse(data)
        assert parsed is not None, data
        assert str(row_id) in str(parsed), (data, parsed)
    assert my_routines.row_id_of(my_routines.ref_of(row_id)) == row_id


@pytest.mark.parametrize("row_id", [MAX_ID + 1, 10**19, 0])
def test_ids_beyond_bigint_are_refused(row_id: int) -> None:
    checked = 0
    for parse, data in id_payloads(row_id):
        assert callable(parse)
        if data is not None:
            assert parse(data) is None, data
            assert not callbacks.matcher(parse)(data)
            checked += 1
    assert checked >= 10
    assert my_routines.row_id_of(f"u-{row_id}") is None


def test_content_ids_fit_the_builder_button() -> None:
    """Content ids are at most 30 characters (bot.content.Identifier), so "add" buttons fit."""
    assert max(len(stretch_id) for stretch_id in CONTENT.stretches) <= 30
    with pytest.raises(ValueError):
        callbacks.builder(MAX_ID, callbacks.MAX_VERSION, "add", "x" * 31)


# --- PostgreSQL: the migration and the bot with ids past 2**32 ---------------------------


@pytest.mark.only_db("postgresql", reason="SQLite's INTEGER PRIMARY KEY is a 64-bit rowid")
async def test_migration_0010_makes_ids_and_sequences_bigint(tmp_path: Path) -> None:
    url = database_url(tmp_path, migrated=False)
    await upgrade(url, "0009")

    def id_types(connection: Connection) -> dict[str, str]:
        rows = connection.execute(
            text(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public' AND (column_name = 'id'"
                " OR column_name IN ('run_id', 'routine_run_id', 'edits'))"
            )
        ).all()
        sequences = connection.execute(
            text("SELECT sequencename, data_type::text FROM pg_sequences")
        ).all()
        return {str(a): str(b) for a, b in rows} | {str(a): str(b) for a, b in sequences}

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            before = await connection.run_sync(id_types)
        await upgrade(url)
        async with engine.connect() as connection:
            after = await connection.run_sync(id_types)
    finally:
        await engine.dispose()
    assert before["run_steps.id"] == "integer" and before["run_steps_id_seq"] == "integer"
    expected = {f"{name}.id" for name in ID_TABLES} | {f"{name}_id_seq" for name in ID_TABLES}
    expected |= {"run_steps.run_id", "pain_entries.routine_run_id", "my_routines.edits"}
    assert {key for key, kind in after.items() if kind == "bigint"} >= expected
    assert after["users.id"] == "bigint"  # Telegram's ids were 64-bit from the start
    assert all(isinstance(Base.metadata.tables[name].c.id.type, BigInteger) for name in ID_TABLES)
    # And back (ids still small enough): the downgrade restores INTEGER.
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0009")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(id_types) == before
    finally:
        await engine.dispose()


@pytest.mark.only_db("postgresql", reason="SQLite's INTEGER PRIMARY KEY is a 64-bit rowid")
async def test_the_bot_works_with_ids_past_2_to_the_32(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    start = {name: 2**32 + 1000 * (i + 1) for i, name in enumerate(ID_TABLES)}
    async with harness.services.sessions() as session, session.begin():
        for name, value in start.items():
            await session.execute(
                text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :value)"),
                {"name": name, "value": value},
            )

    user = harness.new_user()
    await onboard(harness, user, at="07:00", zone="UTC")
    harness.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1  # a reminder with a 33-bit delivery id
    await harness.tap(user, "Start routine")
    await harness.tap(user, "Yes, keep track")
    await harness.tap(user, "5")  # the before check: rp:<run id>:...
    while "Done" in " ".join(harness.server.last_bot_message(user.id).button_labels()):
        await harness.tap(user, "Done")
    await harness.tap(user, "3")  # the after check
    await harness.tap(user, "About right")
    await harness.send(user, "/pain")
    await harness.tap(user, "4")
    await harness.tap(user, "Lower back")  # pa:<entry id>:lower_back
    harness.clock.set(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
    assert (await harness.dispatch()).sent == 1
    await harness.tap(user, "Snooze")
    assert (await harness.advance(timedelta(minutes=30))).sent == 1  # the snoozed one

    async with harness.services.sessions() as session:
        days = list(await session.scalars(select(Delivery).order_by(Delivery.id)))
        [run] = list(await session.scalars(select(RoutineRun)))
        steps = list(await session.scalars(select(RunStep)))
        entries = list(await session.scalars(select(PainEntry).order_by(PainEntry.id)))
    assert [d.id > start["deliveries"] for d in days] == [True, True]
    assert [d.status for d in days] == ["sent", "sent"] and days[1].snoozed
    assert run.id > start["routine_runs"] and run.status == "completed"
    assert run.feedback == "ok"
    assert steps and all(s.run_id == run.id and s.id > start["run_steps"] for s in steps)
    assert [(e.level, e.routine_run_id) for e in entries] == [(5, run.id), (3, run.id), (4, None)]
    assert entries[-1].area == "lower_back" and entries[-1].id > start["pain_entries"]
    assert any("Logged 4/10 (lower back)" in t for t in harness.bot_texts(user))
    assert errors_logged(caplog) == []
