"""Data files are the bot user's alone, and /delete erases rows from the files' bytes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot import texts
from bot.db.engine import restrict_sqlite_files
from tests.harness.bot import BotHarness, onboard

#: A value only the deleted user stored (their time zone), searched for in the raw files.
DISTINCTIVE_ZONE = "Antarctica/Troll"


def database_files(harness: BotHarness) -> list[Path]:
    path = Path(harness.settings.database_url.split("///", 1)[1])
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def holding(files: list[Path], value: str) -> list[str]:
    """Names of the files whose raw bytes contain `value`."""
    return [p.name for p in files if value.encode() in p.read_bytes()]


@pytest.mark.only_db("sqlite", reason="secure_delete and the WAL checkpoint of the SQLite file")
async def test_delete_leaves_no_trace_in_the_database_files(harness: BotHarness) -> None:
    user, other = harness.new_user("Ana"), harness.new_user("Bo")
    await onboard(harness, user, at="07:00", zone=DISTINCTIVE_ZONE)
    await onboard(harness, other, at="08:00", zone="Europe/Berlin")
    await harness.send(user, "/pain")
    await harness.tap(user, "Yes, keep my log")
    await harness.tap(user, "6")
    files = database_files(harness)
    assert {p.name[len("bot.sqlite3") :] for p in files} >= {"", "-wal", "-shm"}
    assert holding(files, DISTINCTIVE_ZONE)  # the search can find it

    await harness.send(user, "/delete")
    await harness.tap(user, "Yes, delete everything")
    assert harness.last_text(user) == texts.DELETE_DONE

    files = database_files(harness)
    assert holding(files, DISTINCTIVE_ZONE) == []
    wal = [p for p in files if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal), "the WAL was checkpointed and truncated"
    assert holding(files, "Europe/Berlin")  # the other user's data is still there
    await harness.send(other, "/settings")
    assert "Europe/Berlin" in harness.last_text(other).replace("_", " ")


def test_older_world_readable_files_are_made_private(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        database.with_name(database.name + suffix).write_bytes(b"x")
        database.with_name(database.name + suffix).chmod(0o644)
    restrict_sqlite_files(database)
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(database.with_name(database.name + suffix).stat().st_mode)
        assert mode == 0o600, (suffix, oct(mode))
